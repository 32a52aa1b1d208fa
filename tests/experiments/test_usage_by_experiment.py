"""Usage by experiment: the usage report's runs that experiments made, per experiment, the
cells' calls and the judges' apart, with the usage report's rule of who sees which runs;
as JSON and CSV, and as a table on the usage page."""

import csv
import io

import pytest
from django.utils import timezone

from budgets.models import ModelPrice
from experiments.cells import cells_run_here
from experiments.services import experiment_create, experiment_start
from tests.helpers import create_template, make_run

pytestmark = pytest.mark.django_db

URL = "/api/experiments/usage/"


@pytest.fixture
def judged(api, alice, acme, dataset, template):
    ModelPrice.objects.create(
        provider="octopusx", model="octo-demo-large", input_per_million=1, output_per_million=2
    )
    judge = create_template(
        api,
        alice,
        acme,
        name="Judge",
        messages=[{"role": "user", "content": "Rate {{output}}"}],
        variables={},
    )
    experiment = experiment_create(
        user=alice,
        dataset=dataset,
        name="Judged <b>",
        variants=[{"template_id": template.pk}],
        evaluators=[{"kind": "judge", "template": str(judge.pk), "model": "octo-demo-large"}],
    )
    experiment_start(user=alice, experiment=experiment)
    cells_run_here()
    make_run(alice, acme, timezone.now())  # not an experiment's: not in this report
    return experiment


def test_runs_are_grouped_per_experiment_cells_and_judges_apart(api, alice, acme, judged):
    report = api(alice).get(URL, {"team": str(acme.pk)}).json()
    [row] = report["rows"]
    assert (row["experiment_id"], row["experiment"]) == (str(judged.pk), "Judged <b>")
    assert (row["calls"], row["cell_calls"], row["judge_calls"]) == (6, 3, 3)
    assert row["judge_cost"] > 0 and row["cost"] == row["judge_cost"]  # cells: no price
    assert row["unknown_cost"] == 3 and row["total_tokens"] > 0
    mine = api(alice).get(URL).json()["rows"]  # no team: alice's own runs everywhere
    assert [r["calls"] for r in mine] == [6]


def test_who_sees_what_follows_the_usage_report(api, bob, charlie, acme, judged):
    assert api(bob).get(URL, {"team": str(acme.pk)}).json()["rows"] == []  # his own: none
    assert api(charlie).get(URL, {"team": str(acme.pk)}).status_code == 404
    assert api(charlie).get(URL, {"site": "1"}).status_code == 403
    assert api(bob).get(URL, {"range": "custom", "start": "2026-13-01"}).status_code == 400


def test_csv_and_the_usage_page(api, alice, acme, judged):
    response = api(alice).get(f"{URL}csv/", {"team": str(acme.pk)})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["experiment_id", "experiment", "calls"] and len(rows) == 2
    assert rows[1][1:6] == ["Judged <b>", "6", "3", "3", rows[1][5]]
    page = api(alice).get(f"/teams/{acme.pk}/usage/").content.decode()
    assert 'id="by-experiment"' in page and f"/api/experiments/usage/?team={acme.pk}" in page
