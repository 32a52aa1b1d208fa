"""Reads: experiments a user may see, progress, the results grid (filtered and sorted by item),
the summary per variant and the usage by experiment."""

from collections import defaultdict
from decimal import Decimal
from statistics import quantiles
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from completions.models import Run
from datasets.models import Dataset
from prompts.diff import text_diff
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
    return experiment.cells.select_related("run", "item_revision", "variant", "review__reviewed_by")


# How the grid may be ordered: by one of _items' figures (descending or not, items without
# one last), then by place: the item's place, its fewest passing cells first, its slowest
# answer first, or its lowest human score first.
SORTS: dict[str, tuple[str, bool] | None] = {
    "position": None,
    "passed": ("passes", False),
    "latency": ("slowest", True),
    "score": ("score", False),
}
DISAGREEMENTS = ("verdicts", "answers")


def _items(experiment: Experiment, needed: set[str]) -> QuerySet[Any]:
    """One row per item (position) with what the grid filters and sorts it by (only the
    `needed` figures: each costs a join or a count), in SQL, so a page of a large experiment
    reads only that page's cells."""
    failed = Q(passed=False) | Q(status=Cell.Status.FAILED)
    figures = {
        "passes": Count("pk", filter=Q(passed=True)),
        "fails": Count("pk", filter=failed),
        "answers": Count("run__content", distinct=True),
        "slowest": Max("run__latency_ms"),
        "score": Avg("review__score"),
    }
    chosen = {name: figure for name, figure in figures.items() if name in needed}
    positions = experiment.cells.order_by().values("position")
    return positions.annotate(**chosen) if chosen else positions.distinct()


def results_page(
    experiment: Experiment,
    *,
    page: int,
    page_size: int,
    failures_only: bool = False,
    disagree: str = "",
    sort: str = "position",
) -> tuple[Page[Any], list[dict[str, Any]]]:
    """One page of the grid: items with their cells, per variant. With failures_only, the
    items where some cell failed or did not pass; with disagree="verdicts", those whose cells
    both passed and failed, "answers", those whose cells answered differently; sorted by one
    of SORTS."""
    needed = {"fails"} if failures_only else set()
    needed |= {"verdicts": {"passes", "fails"}, "answers": {"answers"}}.get(disagree, set())
    by = SORTS[sort]
    ordering = [F("position").asc()]
    if by is not None:
        needed.add(by[0])
        figure = F(by[0])
        ordering.insert(0, figure.desc(nulls_last=True) if by[1] else figure.asc(nulls_last=True))
    items = _items(experiment, needed)
    if failures_only:
        items = items.filter(fails__gt=0)
    if disagree == "verdicts":
        items = items.filter(passes__gt=0, fails__gt=0)
    elif disagree == "answers":
        items = items.filter(answers__gt=1)
    positions = items.order_by(*ordering).values_list("position", flat=True)
    found = Paginator(positions, page_size).page(page)
    order = list(found.object_list)
    rows: dict[int, dict[str, Any]] = {}
    for cell in _cells(experiment).filter(position__in=order):
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
    return found, [rows[p] for p in order if p in rows]


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
    human = _human_scores(experiment)
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
    return [
        {**_variant_summary(v, stats[pk], verdicts[pk], scores[pk]), **human.get(pk, NO_REVIEWS)}
        for pk, v in variants.items()
    ]


NO_REVIEWS = {"human_score_mean": None, "reviews": 0}


def _human_scores(experiment: Experiment) -> dict[int, dict[str, Any]]:
    """Per variant: the mean of people's 1-5 scores (None before any) and how many."""
    rows = (
        experiment.cells.filter(review__score__isnull=False)
        .order_by()
        .values("variant_id")
        .annotate(mean=Avg("review__score"), n=Count("pk"))
    )
    return {
        row["variant_id"]: {"human_score_mean": round(row["mean"], 2), "reviews": row["n"]}
        for row in rows
    }


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
        scope,
        started_at__gte=span.start,
        started_at__lt=span.end,
        source__in=(Run.Source.EXPERIMENT, Run.Source.JUDGE),
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


def version_best_pass_rate(version: Any, dataset_id: Any) -> float | None:
    """The best pass rate (cells passed / cells judged, failed cells counting as not passing)
    of any finished experiment that ran `version` on the dataset: the evidence a protected
    label's policy asks for (prompts.policy)."""
    judged = Q(cells__passed__isnull=False) | Q(cells__status=Cell.Status.FAILED)
    variants = (
        Variant.objects.filter(
            template_version=version,
            experiment__dataset_id=dataset_id,
            experiment__status=Experiment.Status.DONE,
        )
        .annotate(
            passes=Count("cells", filter=Q(cells__passed=True)),
            judged=Count("cells", filter=judged),
        )
        .filter(judged__gt=0)
    )
    rates = [v.passes / v.judged for v in variants]
    return round(max(rates), 4) if rates else None


def cells_diff(experiment: Experiment, a: Any, b: Any) -> dict[str, Any]:
    """Two cells' answers compared line by line and word by word (prompts.diff.text_diff);
    ValidationError naming a cell that is not this experiment's."""
    cells = {cell.pk: cell for cell in _cells(experiment).filter(pk__in=[a, b])}
    for field, cell_id in (("a", a), ("b", b)):
        if cell_id not in cells:
            raise ValidationError({field: ["No such cell in this experiment."]})
    old, new = cells[a], cells[b]
    answers = [cell.run.content if cell.run else "" for cell in (old, new)]
    return {
        "a": {"id": old.pk, "position": old.position, "variant": old.variant.position},
        "b": {"id": new.pk, "position": new.position, "variant": new.variant.position},
        **text_diff(answers[0] or "", answers[1] or ""),
    }
