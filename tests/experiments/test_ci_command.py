"""`manage.py experiment run`: the CI gate prints the summary and exits 0 when every pass rate
meets --min-pass, 1 when one is below it, 2 when it cannot run at all."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from completions.models import Run
from prompts.services import template_label_set
from tests.helpers import create_template
from tests.samples import JUDGE_PROMPT

pytestmark = pytest.mark.django_db


@pytest.fixture
def staging(alice, template):
    template_label_set(
        user=alice, template=template, name="staging", version=template.versions.get()
    )
    return template


def gate(template, dataset, *extra):
    out = io.StringIO()
    arguments = ["run", "--template", str(template.pk), "--label", "staging"]
    arguments += ["--dataset", str(dataset.pk), "--concurrency", "1", *extra]
    call_command("experiment", *arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_passes_when_every_rate_meets_the_threshold(staging, dataset):
    evaluators = json.dumps([{"kind": "regex", "pattern": "demo reply"}])
    printed = gate(staging, dataset, "--min-pass", "0.9", "--evaluators", evaluators)
    assert "100%" in printed and "Every pass rate meets" in printed
    assert Run.objects.filter(source="experiment").count() == 3


def test_a_judge_s_mean_score_is_printed_beside_its_pass_rate(api, alice, acme, staging, dataset):
    judge = create_template(api, alice, acme, name="Judge", **JUDGE_PROMPT)
    evaluators = json.dumps([{"kind": "judge", "name": "judge", "template": str(judge.pk)}])
    printed = gate(staging, dataset, "--min-pass", "0.5", "--evaluators", evaluators)
    # The demo answers a verdict schema with its example, score 0.5: at the default threshold.
    [line] = [line for line in printed.splitlines() if " judge " in line]
    assert line.split()[-5:-3] == ["100%", "0.50"]
    assert "score" in printed.splitlines()[1]


def test_exits_1_when_a_rate_is_below_the_threshold(staging, dataset):
    evaluators = json.dumps([{"kind": "contains"}])  # 2 of 3 expected answers are quoted back
    with pytest.raises(SystemExit) as exited:
        gate(staging, dataset, "--min-pass", "0.9", "--evaluators", evaluators)
    assert exited.value.code == 1
    assert gate(staging, dataset, "--min-pass", "0.6", "--evaluators", evaluators)


def test_exits_2_when_it_cannot_run(staging, dataset):
    with pytest.raises(CommandError) as refused:
        gate(staging, dataset, "--label", "nope")
    assert refused.value.returncode == 2 and "label" in str(refused.value)
