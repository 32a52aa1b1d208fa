"""Experiments end to end in process: start freezes revisions and versions, each cell is a
normal run (source experiment, its template version, charged to the team), evaluators judge
it, and a budget or a rate limit refuses cells without crashing anything."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from budgets.services import budget_create
from completions.models import Run
from datasets.services import item_edit
from experiments.cells import cells_abandoned_settle, cells_claim, cells_run_here
from experiments.models import Cell, Experiment, cell_run_id
from experiments.selectors import experiment_progress, experiment_summary
from experiments.services import (
    experiment_cancel,
    experiment_create,
    experiment_reevaluate,
    experiment_start,
)

pytestmark = pytest.mark.django_db


def test_start_freezes_current_revisions_and_versions(alice, draft, dataset, template):
    experiment = experiment_start(user=alice, experiment=draft)
    items = list(dataset.items.order_by("position"))
    assert experiment.status == "running"
    assert experiment.item_revision_ids == [str(item.current_id) for item in items]
    assert experiment.cells.count() == 3 * 2
    assert {v.template_version_id for v in experiment.variants.all()} == {
        template.versions.get().pk
    }
    item_edit(user=alice, item=items[0], data={"variables": {"topic": "rain"}})
    assert experiment.cells.filter(item_revision_id=items[0].current_id).count() == 2


def test_every_cell_is_one_normal_run_judged_by_the_evaluators(alice, acme, draft, template):
    experiment = experiment_start(user=alice, experiment=draft)
    assert cells_run_here() == 6
    experiment.refresh_from_db()
    assert experiment.status == "done" and experiment.finished_at is not None
    runs = Run.objects.filter(source="experiment")
    assert runs.count() == 6
    assert {(r.team_id, r.user_id, r.template_version_id) for r in runs} == {
        (acme.pk, alice.pk, template.versions.get().pk)
    }
    assert set(runs.values_list("model", flat=True)) == {"octo-demo-small", "octo-demo-large"}
    for cell in experiment.cells.all():
        assert cell.run_id == cell_run_id(cell.pk, 1)
    # The replies quote the question: "tides" and "octopuses" are in them, the JSON answer not.
    assert sorted(experiment.cells.values_list("passed", flat=True)) == [False, False] + [True] * 4
    summary = experiment_summary(experiment)
    assert [row["pass_rates"] for row in summary] == [{"contains": 0.6667}] * 2
    assert all(row["latency_p50_ms"] is not None and row["errors"] == 0 for row in summary)
    progress = experiment_progress(experiment)
    assert (progress["done"], progress["failed"], progress["remaining"]) == (6, 0, 0)
    assert progress["tokens"] == sum(runs.values_list("total_tokens", flat=True))


def test_reevaluate_judges_again_without_calling_the_model(alice, draft, upstream):
    experiment = experiment_start(user=alice, experiment=draft)
    cells_run_here()
    calls = len(upstream.requests)
    experiment_reevaluate(
        user=alice, experiment=experiment, evaluators=[{"kind": "regex", "pattern": "demo"}]
    )
    assert len(upstream.requests) == calls
    assert set(experiment.cells.values_list("passed", flat=True)) == {True}
    assert Run.objects.filter(source="experiment").count() == 6


def test_cancel_stops_new_cells_at_once(alice, draft):
    experiment = experiment_start(user=alice, experiment=draft)
    assert cells_run_here(limit=2) == 2
    experiment_cancel(user=alice, experiment=experiment)
    assert cells_claim(limit=10) == []
    counts = dict(experiment.cells.values_list("status").annotate().values_list("status", "pk"))
    assert experiment.cells.filter(status="cancelled").count() == 4, counts
    assert Run.objects.filter(source="experiment").count() == 2
    assert Experiment.objects.get(pk=experiment.pk).status == "cancelled"


def test_a_cancelled_experiment_s_abandoned_cells_end_cancelled(alice, draft):
    experiment = experiment_start(user=alice, experiment=draft)
    [(cell_id, _)] = cells_claim(limit=1)  # its worker dies holding it
    experiment_cancel(user=alice, experiment=experiment)
    assert cells_abandoned_settle() == 0  # its lease still runs
    Cell.objects.filter(pk=cell_id).update(lease_expires_at="2000-01-01T00:00:00Z")
    assert cells_abandoned_settle() == 1
    assert set(experiment.cells.values_list("status", flat=True)) == {"cancelled"}


def test_a_budget_refusal_fails_the_cell_and_every_remaining_one(alice, acme, draft):
    budget_create(actor=alice, team=acme, metric="tokens", limit=Decimal(1), period="monthly")
    experiment = experiment_start(user=alice, experiment=draft)
    assert cells_run_here() == 1  # refused: the rest fail with it, nothing left to claim
    cells = experiment.cells.all()
    assert {c.status for c in cells} == {"failed"}
    assert all("used up" in c.error or "budget" in c.error.lower() for c in cells)
    experiment.refresh_from_db()
    assert experiment.status == "done" and experiment.stop_reason
    assert Run.objects.filter(source="experiment").count() == 0


def test_a_rate_limit_puts_the_cell_back_for_later(alice, draft, settings):
    settings.RATE_LIMIT_PER_MINUTE = 1
    experiment = experiment_start(user=alice, experiment=draft)
    assert cells_run_here() == 6  # one run; the others refused, each put back for later
    waiting = experiment.cells.filter(status="pending").exclude(not_before=None)
    assert waiting.count() == 5
    assert cells_claim(limit=10) == []  # not before the minute is over
    assert experiment.cells.filter(status="done").count() == 1
    assert experiment.cells.filter(status="failed").count() == 0


def test_a_cell_claimed_again_adopts_the_run_its_dead_worker_finished(alice, draft):
    experiment = experiment_start(user=alice, experiment=draft)
    cells_run_here(limit=1)
    done = experiment.cells.get(status="done")
    # As if the worker died after the run was written but before the cell was: it is
    # running again with a lapsed lease, and its attempt-1 run exists.
    Cell.objects.filter(pk=done.pk).update(status="running", run=None, lease_expires_at=None)
    Cell.objects.filter(pk=done.pk).update(lease_expires_at="2000-01-01T00:00:00Z")
    cells_run_here()
    done.refresh_from_db()
    assert done.status == "done" and done.attempts == 2 and done.run_id == cell_run_id(done.pk, 1)
    assert Run.objects.filter(source="experiment").count() == 6


def test_only_members_who_may_run_the_template_create(bob, charlie, dataset, template):
    with pytest.raises(ValidationError) as refused:
        experiment_create(
            user=charlie, dataset=dataset, name="x", variants=[{"template_id": template.pk}]
        )
    assert "dataset_id" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        experiment_create(
            user=bob,
            dataset=dataset,
            name="x",
            variants=[{"template_id": template.pk, "label": "nope"}],
        )
    assert "variants.0.label" in refused.value.message_dict


def test_a_plain_member_cannot_start_someone_elses_experiment(bob, dana, draft):
    with pytest.raises(PermissionDenied):
        experiment_start(user=bob, experiment=draft)
    assert experiment_start(user=dana, experiment=draft).status == "running"  # an admin may
    with pytest.raises(ValidationError):
        experiment_start(user=dana, experiment=draft)  # once


def test_deleting_the_dataset_deletes_its_experiments(api, alice, draft, dataset):
    experiment_start(user=alice, experiment=draft)
    cells_run_here(limit=1)
    assert api(alice).delete(f"/api/datasets/{dataset.pk}/").status_code == 204
    assert not Experiment.objects.filter(pk=draft.pk).exists()
    assert Run.objects.filter(source="experiment").count() == 1  # runs stay in History


def test_deleting_a_template_takes_its_variants_and_their_cells(api, alice, draft, template):
    experiment_start(user=alice, experiment=draft)
    assert api(alice).delete(f"/api/templates/{template.pk}/").status_code == 204
    assert Experiment.objects.get(pk=draft.pk).cells.count() == 0
