"""The judge evaluator in process, against the fake upstream: judge calls are
runs like any other (source, team, cost, linked to their cell), verdicts hold score and
reason, a failed judge is a null verdict, re-evaluating calls only the judge, and a judge
(and a tool_call evaluator) is checked when saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import ModelPrice
from budgets.services import budget_create
from completions.models import Run
from demo.behaviour import Behaviour
from experiments.cells import cells_run_here
from experiments.judge import verdict_of
from experiments.judging import cell_judge, judging_fail_internal, judgings_claim
from experiments.models import Cell, JudgeRun
from experiments.services import experiment_create, experiment_reevaluate, experiment_start
from tests.helpers import create_template
from tests.samples import JUDGE_PROMPT

pytestmark = pytest.mark.django_db


@pytest.fixture
def judge_template(api, alice, acme):
    return create_template(api, alice, acme, name="Judge", **JUDGE_PROMPT)


def judged(alice, dataset, template, judge_template, **judge):
    experiment = experiment_create(
        user=alice,
        dataset=dataset,
        name="Judged",
        variants=[{"template_id": template.pk}],
        evaluators=[{"kind": "judge", "template": str(judge_template.pk), **judge}],
    )
    return experiment_start(user=alice, experiment=experiment)


def test_a_judge_scores_each_answer_with_runs_of_its_own(
    alice, acme, dataset, template, judge_template, upstream
):
    ModelPrice.objects.create(
        provider="octopusx", model="octo-demo-large", input_per_million=1, output_per_million=2
    )
    experiment = judged(alice, dataset, template, judge_template, model="octo-demo-large")
    cells_run_here()
    experiment.refresh_from_db()
    assert experiment.status == "done"
    assert experiment.evaluators[0]["frozen_version"] == 1
    judge_runs = Run.objects.filter(model="octo-demo-large")
    assert judge_runs.count() == 3 and Run.objects.count() == 6
    for run in judge_runs:
        assert (run.source, run.team, run.user, run.status) == ("judge", acme, alice, "ok")
        assert run.get_source_display() == "Experiment judge"  # told apart in History
        assert run.cost is not None and run.cost > 0
        assert run.request["response_format"]["json_schema"]["name"] == "verdict"
        assert run.template_version.template == judge_template
    asked = judge_runs.first().request["messages"][1]["content"]
    assert asked.startswith("Q: system: You write for engineers.\n\nuser: Explain ")
    assert "A: You said: Explain" in asked
    for cell in Cell.objects.filter(experiment=experiment).select_related("run"):
        [verdict] = cell.results
        # The demo answers a json_schema request with a valid example: 0.5, at the threshold.
        assert (verdict["kind"], verdict["score"], verdict["passed"]) == ("judge", 0.5, True)
        assert verdict["reason"] and cell.passed is True and cell.judging == ""
        link = JudgeRun.objects.get(run_id=verdict["judge_run_id"])
        assert link.cell == cell and link.run.model == "octo-demo-large"


def test_a_failed_or_unreadable_judge_gives_a_null_verdict_with_the_reason(
    alice, dataset, template, judge_template, upstream
):
    experiment = judged(alice, dataset, template, judge_template, threshold=0.6)
    cells_run_here(limit=3)  # the cells' model first
    upstream.script(Behaviour(status=400, error_message="judge refused"))
    cells_run_here(limit=1)  # the first cell's judge, refused by the upstream
    upstream.script(Behaviour(reply="I would rather not say."))
    cells_run_here(limit=1)  # the second's, who answers no JSON
    cells_run_here()
    verdicts = [c.results[0] for c in Cell.objects.filter(experiment=experiment)]
    assert [v["passed"] for v in verdicts] == [None, None, False]
    assert "judge refused" in verdicts[0]["detail"] and verdicts[0]["judge_run_id"]
    assert verdicts[1]["detail"] == "The judge's answer is not JSON."
    assert verdicts[2]["score"] == 0.5  # below the threshold of 0.6
    assert Run.objects.get(pk=verdicts[0]["judge_run_id"]).status == "error"


def test_the_estimate_counts_judge_calls(api, alice, dataset, template, judge_template):
    experiment = experiment_create(
        user=alice,
        dataset=dataset,
        name="To judge",
        variants=[{"template_id": template.pk}, {"template_id": template.pk}],
        evaluators=[{"kind": "judge", "template": str(judge_template.pk)}],
    )
    estimate = api(alice).get(f"/api/experiments/{experiment.pk}/estimate/").json()
    assert (estimate["calls"], estimate["judge_calls"]) == (6, 6)
    page = api(alice).get(f"/experiments/{experiment.pk}/").content.decode()
    assert "up to <strong>6</strong> judge calls" in page


def test_reevaluating_calls_the_judge_not_the_model(alice, dataset, template, judge_template):
    experiment = experiment_create(
        user=alice,
        dataset=dataset,
        name="Later judged",
        variants=[{"template_id": template.pk}],
        evaluators=[{"kind": "contains", "ignore_case": True}],
    )
    experiment_start(user=alice, experiment=experiment)
    cells_run_here()
    assert Run.objects.count() == 3
    judge = {"kind": "judge", "template": str(judge_template.pk), "name": "quality"}
    experiment_reevaluate(user=alice, experiment=experiment, evaluators=[judge])
    cells = Cell.objects.filter(experiment=experiment)
    assert {c.judging for c in cells} == {"pending"}
    assert {c.results[0]["detail"] for c in cells} == {"Not judged yet."}
    assert Run.objects.count() == 3  # the request made no call
    cells_run_here()
    assert Run.objects.count() == 6 and JudgeRun.objects.count() == 3
    assert {c.results[0]["score"] for c in cells.all()} == {0.5}
    experiment_reevaluate(user=alice, experiment=experiment)  # again: a new round
    cells_run_here()
    assert Run.objects.count() == 9 and JudgeRun.objects.count() == 6


def test_a_rate_limited_judge_waits_its_turn_and_a_budget_refusal_is_a_null_verdict(
    alice, acme, dataset, template, judge_template, settings
):
    settings.RATE_LIMIT_PER_MINUTE = 3  # the three cells' calls, then no more this minute
    experiment = judged(alice, dataset, template, judge_template)
    cells_run_here()
    waiting = experiment.cells.filter(judging="pending", not_before__gt=timezone.now())
    assert waiting.count() == 3 and Run.objects.count() == 3
    assert {c.results[0]["detail"] for c in waiting} == {"Not judged yet."}
    experiment.refresh_from_db()
    assert experiment.status == "running"  # done once every cell is judged
    settings.RATE_LIMIT_PER_MINUTE = 0
    budget_create(actor=alice, team=acme, metric="tokens", limit=Decimal(1), period="monthly")
    experiment.cells.update(not_before=None)
    cells_run_here()
    verdicts = [c.results[0] for c in experiment.cells.all()]
    assert {v["passed"] for v in verdicts} == {None} and Run.objects.count() == 3
    assert all("budget" in v["detail"].lower() for v in verdicts), verdicts
    experiment.refresh_from_db()
    assert experiment.status == "done"


def test_a_bug_while_judging_is_a_null_verdict_naming_it(alice, dataset, template, judge_template):
    experiment = judged(alice, dataset, template, judge_template)
    cells_run_here(limit=1)
    [(cell_id, attempt)] = judgings_claim(limit=1)
    judging_fail_internal(cell_id, attempt, KeyError("x"))
    cell = Cell.objects.get(pk=cell_id)
    assert cell.judging == "" and cell.passed is None
    assert cell.results[0]["detail"] == "Internal error: KeyError."
    assert experiment.cells.filter(judging="pending").count() == 0


def test_a_dead_worker_s_judge_run_is_adopted_not_called_again(
    alice, dataset, template, judge_template
):
    experiment = judged(alice, dataset, template, judge_template)
    cells_run_here(limit=1)
    [(cell_id, attempt)] = judgings_claim(limit=1)
    waiting = Cell.objects.get(pk=cell_id).results
    cell_judge(cell_id, attempt)
    # As if that worker died after its call, before writing; its lease lapses.
    lapsed = timezone.now() - timedelta(seconds=1)
    Cell.objects.filter(pk=cell_id).update(
        judging="running", results=waiting, lease_expires_at=lapsed
    )
    [(again, second)] = judgings_claim(limit=1)
    assert (again, second) == (cell_id, attempt + 1)
    runs = Run.objects.count()
    cell_judge(again, second)
    assert Run.objects.count() == runs
    assert Cell.objects.get(pk=cell_id).results[0]["score"] == 0.5
    assert JudgeRun.objects.filter(cell__experiment=experiment).count() == 1


def judge_spec(template, **extra):
    return {"kind": "judge", "template": str(template.pk), **extra}


@pytest.mark.parametrize(
    "evaluator, field",
    [
        ({"kind": "judge", "template": "6d3e1c1e-0000-4000-8000-000000000000"}, "template"),
        ({"kind": "judge", "template": "not an id"}, ""),
        ("OTHER_TEAM", "template"),
        ("PRIVATE", "template"),
        ("MORE_VARIABLES", "template"),
        ("JUDGE threshold", ""),
        ("JUDGE version", ""),
        ({"kind": "tool_call"}, ""),
        ({"kind": "tool_call", "name": "f", "arguments": [1]}, ""),
        ({"kind": "valid_json"}, "name"),  # the same name as the first
    ],
)
def test_a_bad_judge_or_tool_call_is_a_400_naming_it(
    api, alice, charlie, acme, globex, dataset, template, judge_template, evaluator, field
):
    if evaluator == "OTHER_TEAM":
        evaluator = judge_spec(create_template(api, charlie, globex, name="J", **JUDGE_PROMPT))
    elif evaluator == "PRIVATE":
        private = create_template(api, alice, acme, name="Mine", visibility="private")
        evaluator = judge_spec(private)
    elif evaluator == "MORE_VARIABLES":  # the Explainer's {{audience}} and {{topic}}
        evaluator = judge_spec(template)
    elif evaluator == "JUDGE threshold":
        evaluator = judge_spec(judge_template, threshold=1.5)
    elif evaluator == "JUDGE version":
        evaluator = judge_spec(judge_template, version=9)
    body = {
        "dataset_id": str(dataset.pk),
        "name": "x",
        "variants": [{"template_id": str(template.pk)}],
        "evaluators": [{"kind": "valid_json"}, evaluator],
    }
    response = api(alice).post("/api/experiments/", body, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert list(errors) == [f"evaluators.1.{field}".rstrip(".")], errors


def test_judges_are_checked_on_re_evaluation_and_dataset_defaults(
    api, alice, bob, draft, dataset, template, judge_template
):
    client = api(alice)
    bad = {"evaluators": [judge_spec(template)]}
    evaluated = client.post(f"/api/experiments/{draft.pk}/evaluate/", bad, format="json")
    assert evaluated.status_code == 400 and "evaluators.0.template" in evaluated.json()["errors"]
    defaults = client.put(f"/api/datasets/{dataset.pk}/evaluators/", bad, format="json")
    assert defaults.status_code == 400
    good = {"evaluators": [judge_spec(judge_template, label="latest", name="quality")]}
    defaults = client.put(f"/api/datasets/{dataset.pk}/evaluators/", good, format="json")
    assert defaults.status_code == 200, defaults.json()
    assert defaults.json()["evaluators"][0]["name"] == "quality"


@pytest.mark.parametrize(
    "status, content, response, score, reason",
    [
        ("ok", '{"score": 0.25, "reason": "Vague."}', None, 0.25, "Vague."),
        ("ok", '{"score": 1.5, "reason": "Too kind."}', None, None, "no score from 0 to 1"),
        ("ok", '{"score": true, "reason": "?"}', None, None, "no score from 0 to 1"),
        ("ok", "[0.5]", None, None, "no score from 0 to 1"),
        (
            "ok",
            None,
            {"choices": [{"message": {"refusal": "I cannot judge this."}}]},
            None,
            "The judge gave no verdict. I cannot judge this.",
        ),
        ("ok", None, {"choices": ["odd"]}, None, "The judge gave no verdict."),
        ("error", None, None, None, "The judge's call failed: overloaded"),
    ],
)
def test_what_counts_as_a_verdict(status, content, response, score, reason):
    run = Run(status=status, content=content, response=response, error_message="overloaded")
    got_score, got_reason = verdict_of(run)
    assert got_score == score and reason in got_reason
