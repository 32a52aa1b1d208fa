"""Reads: experiments a user may see, progress, the results grid, the summary per variant and
the usage by experiment."""

from collections import defaultdict
from decimal import Decimal
from statistics import quantiles
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from completions.models import Run
from datasets.models import Dataset
from usage.reports import Range

from .models import Cell, Experiment, JudgeRun, Judging, Variant


def experiment_list(user: User, *, dataset_id: Any = None) -> QuerySet[Experiment]:
    """Experiments of datasets the user may see (datasets' rule), in teams they are in now."""
    experiments = Experiment.objects.filter(
        dataset__in=Dataset.objects.visible_to(user)
    ).select_related("dataset", "team", "created_by")
    if dataset_id:
        experiments = experiments.filter(dataset_id=dataset_id)
    return experiments.order_by("-created_at")


def experiment_progress(experiment: Experiment) -> dict[str, Any]:
    counts = dict(
        experiment.cells.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    spent = experiment.cells.filter(run__isnull=False).aggregate(
        tokens=Sum("run__total_tokens"),
        cost=Sum("run__cost"),
        cost_unknown=Count("pk", filter=Q(run__cost__isnull=True)),
    )
    total = sum(counts.values())
    judging = experiment.cells.filter(judging__in=(Judging.PENDING, Judging.RUNNING)).count()
    judges = JudgeRun.objects.filter(cell__experiment=experiment).aggregate(
        calls=Count("pk"), tokens=Sum("run__total_tokens"), cost=Sum("run__cost")
    )
    done, failed = counts.get(Cell.Status.DONE, 0), counts.get(Cell.Status.FAILED, 0)
    finished = done + failed + counts.get(Cell.Status.CANCELLED, 0)
    remaining = counts.get(Cell.Status.PENDING, 0) + counts.get(Cell.Status.RUNNING, 0)
    elapsed = None
    if experiment.started_at:
        end = experiment.finished_at or timezone.now()
        elapsed = (end - experiment.started_at).total_seconds()
    eta = None
    if elapsed is not None and remaining and finished:
        eta = elapsed / finished * remaining
    return {
        "status": experiment.status,
        "total": total,
        "done": done,
        "failed": failed,
        "cancelled": counts.get(Cell.Status.CANCELLED, 0),
        "running": counts.get(Cell.Status.RUNNING, 0),
        "remaining": remaining,
        "elapsed_seconds": None if elapsed is None else round(elapsed, 1),
        "eta_seconds": None if eta is None else round(eta, 1),
        "tokens": spent["tokens"] or 0,
        "cost": str(spent["cost"] or Decimal(0)),
        "runs_with_unknown_cost": spent["cost_unknown"],
        "stop_reason": experiment.stop_reason,
        "judging": judging,  # cells waiting for a judge
        "judge_calls": judges["calls"],
        "judge_tokens": judges["tokens"] or 0,
        "judge_cost": None if judges["cost"] is None else str(judges["cost"]),  # null: unknown
    }


def _cells(experiment: Experiment) -> QuerySet[Cell]:
    return experiment.cells.select_related("run", "item_revision", "variant")


def results_page(
    experiment: Experiment, *, page: int, page_size: int, failures_only: bool = False
) -> tuple[Page[Any], list[dict[str, Any]]]:
    """One page of the grid: items (by their place) with their cells, per variant. With
    failures_only, the items where some cell failed or did not pass."""
    cells = experiment.cells.all()
    if failures_only:
        cells = cells.filter(Q(status=Cell.Status.FAILED) | Q(passed=False))
    positions = cells.order_by("position").values_list("position", flat=True).distinct()
    found = Paginator(positions, page_size).page(page)
    rows: dict[int, dict[str, Any]] = {}
    for cell in _cells(experiment).filter(position__in=list(found.object_list)):
        row = rows.setdefault(
            cell.position,
            {
                "position": cell.position,
                "item_revision_id": cell.item_revision_id,
                "variables": cell.item_revision.variables,
                "expected": cell.item_revision.expected,
                "cells": [],
            },
        )
        row["cells"].append(cell)
    return found, [rows[p] for p in sorted(rows)]


def _percentile(values: list[int], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return round(quantiles(values, n=100, method="inclusive")[q - 1], 1)


def experiment_summary(experiment: Experiment) -> list[dict[str, Any]]:
    """Per variant: cells by outcome, pass rate per evaluator (failed cells count as not
    passing; a verdict of null, e.g. no expected answer, is left out), each judge's mean
    score (over the cells it scored), p50/p95 latency, tokens and cost (null when some run's
    cost is unknown; the cells' runs only: judge runs are in the usage by experiment)."""
    variants = {v.pk: v for v in experiment.variants.select_related("template", "template_version")}
    stats: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"cells": 0, "done": 0, "failed": 0, "latencies": [], "tokens": 0, "cost": []}
    )
    verdicts: dict[int, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    scores: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for cell in experiment.cells.select_related("run").order_by():
        s = stats[cell.variant_id]
        s["cells"] += 1
        s["done"] += cell.status == Cell.Status.DONE
        s["failed"] += cell.status == Cell.Status.FAILED
        if cell.run is not None:
            if cell.run.latency_ms is not None:
                s["latencies"].append(cell.run.latency_ms)
            s["tokens"] += cell.run.total_tokens or 0
            s["cost"].append(cell.run.cost)
        for result in cell.results:
            if result["passed"] is not None:
                verdicts[cell.variant_id][result["name"]].append(result["passed"])
            if result.get("score") is not None:
                scores[cell.variant_id][result["name"]].append(result["score"])
        if cell.status == Cell.Status.FAILED:
            for spec in experiment.evaluators:
                verdicts[cell.variant_id][spec["name"]].append(False)
    return [_variant_summary(v, stats[pk], verdicts[pk], scores[pk]) for pk, v in variants.items()]


def _variant_summary(
    variant: Variant,
    s: dict[str, Any],
    verdicts: dict[str, list[bool]],
    scores: dict[str, list[float]],
) -> dict[str, Any]:
    costs = s["cost"]
    return {
        "variant": variant.position,
        "name": variant.describe(),
        "cells": s["cells"],
        "done": s["done"],
        "errors": s["failed"],
        "pass_rates": {name: round(sum(v) / len(v), 4) for name, v in verdicts.items() if v},
        "judge_scores": {name: round(sum(v) / len(v), 4) for name, v in scores.items() if v},
        "latency_p50_ms": _percentile(s["latencies"], 50),
        "latency_p95_ms": _percentile(s["latencies"], 95),
        "tokens": s["tokens"],
        "cost": None if None in costs else str(sum(costs, Decimal(0))),
    }


USAGE_COLUMNS = ("calls", "cell_calls", "judge_calls", "total_tokens", "unknown_cost")
# The usage by experiment's columns, in order (CSV).
USAGE_FIELDS = ("experiment_id", "experiment", *USAGE_COLUMNS, "cost", "judge_cost")


def experiment_usage(*, scope: Q, span: Range) -> list[dict[str, Any]]:
    """Usage by experiment: of a usage report's runs (usage.api.report_scope: whose, which
    days), those of experiments, per experiment: the cells' calls (Cell.run) and the judges'
    (JudgeRun), tokens and cost (null when no run's cost is known; runs with unknown cost
    are counted)."""
    runs = Run.objects.filter(
        scope, started_at__gte=span.start, started_at__lt=span.end, source=Run.Source.EXPERIMENT
    )
    sums = {
        "calls": Count("run"),
        "total_tokens": Sum("run__total_tokens"),
        "cost": Sum("run__cost"),
        "unknown_cost": Count("run", filter=Q(run__cost__isnull=True)),
    }
    found: dict[Any, dict[str, Any]] = {}
    for kind, links, key in (
        ("cell", Cell.objects.filter(run__in=runs), "experiment"),
        ("judge", JudgeRun.objects.filter(run__in=runs), "cell__experiment"),
    ):
        named = links.values(f"{key}_id", f"{key}__name").annotate(**sums).order_by()
        for row in named:
            total = found.setdefault(
                row[f"{key}_id"],
                {
                    "experiment_id": row[f"{key}_id"],
                    "experiment": row[f"{key}__name"],
                    **dict.fromkeys(USAGE_COLUMNS, 0),
                    "cost": None,
                    "judge_cost": None,
                },
            )
            total[f"{kind}_calls"] = row["calls"]
            total["total_tokens"] += row["total_tokens"] or 0
            total["unknown_cost"] += row["unknown_cost"]
            if row["cost"] is not None:
                total["cost"] = (total["cost"] or Decimal(0)) + row["cost"]
                if kind == "judge":
                    total["judge_cost"] = row["cost"]
    rows = sorted(found.values(), key=lambda r: (-(r["cost"] or 0), r["experiment"]))
    for row in rows:
        row["calls"] = row["cell_calls"] + row["judge_calls"]
        for key in ("cost", "judge_cost"):
            row[key] = None if row[key] is None else round(float(row[key]), 6)
    return rows
