"""Two experiments of one dataset side by side (a baseline and a candidate), item by item.

Items are matched by dataset item (not revision: an item edited between the two runs is still
the same test case). An item's verdict, for one variant, is "failed" when any of its cells
failed or did not pass, "passed" when some passed and none failed, else None (no verdict: no
evaluator gave one, or not run). Passed → failed is a regression, failed → passed an
improvement. The winner is the side whose items passed more often; a tie goes to the
candidate (no worse, and newer), so promoting it is the one-click default.
"""

from typing import Any

from django.core.exceptions import ValidationError

from .models import Cell, Experiment, Variant
from .selectors import experiment_summary

PASSED, FAILED = "passed", "failed"


def _variant(experiment: Experiment, position: int, field: str) -> Variant:
    variant = (
        experiment.variants.select_related("template", "template_version")
        .filter(position=position)
        .first()
    )
    if variant is None:
        raise ValidationError({field: [f"{experiment.name} has no variant {position}."]})
    return variant


def _verdicts(variant: Variant) -> dict[Any, dict[str, Any]]:
    """Per dataset item: its place, variables, verdict and first answer, for one variant."""
    items: dict[Any, dict[str, Any]] = {}
    cells = (
        Cell.objects.filter(variant=variant)
        .select_related("item_revision", "run")
        .order_by("position", "repetition")
    )
    for cell in cells:
        item = items.setdefault(
            cell.item_revision.item_id,
            {
                "position": cell.position,
                "variables": cell.item_revision.variables,
                "verdict": None,
                "answer": cell.run.content if cell.run else None,
            },
        )
        if cell.status == Cell.Status.FAILED or cell.passed is False:
            item["verdict"] = FAILED
        elif cell.passed and item["verdict"] is None:
            item["verdict"] = PASSED
    return items


def _change(before: str | None, after: str | None) -> str:
    if before == PASSED and after == FAILED:
        return "regression"
    if before == FAILED and after == PASSED:
        return "improvement"
    if before is not None and before == after:
        return f"unchanged_{before}"
    return "unmatched" if before is None or after is None else "other"


def _pass_rate(items: dict[Any, dict[str, Any]]) -> float | None:
    judged = [item["verdict"] == PASSED for item in items.values() if item["verdict"]]
    return round(sum(judged) / len(judged), 4) if judged else None


def _side(experiment: Experiment, variant: Variant, rate: float | None) -> dict[str, Any]:
    return {
        "experiment_id": experiment.pk,
        "name": experiment.name,
        "status": experiment.status,
        "variant": variant.position,
        "variant_name": variant.describe(),
        "template_id": variant.template_id,
        "template_version": variant.template_version.number if variant.template_version else None,
        "pass_rate": rate,
    }


def experiments_compare(
    baseline: Experiment,
    candidate: Experiment,
    *,
    baseline_variant: int = 1,
    candidate_variant: int = 1,
) -> dict[str, Any]:
    """Both experiments must be the caller's to read (checked by the caller) and of one
    dataset; ValidationError otherwise."""
    if baseline.dataset_id != candidate.dataset_id:
        raise ValidationError(
            {"candidate": ["Compare experiments of the same dataset: these two are not."]}
        )
    old = _variant(baseline, baseline_variant, "baseline_variant")
    new = _variant(candidate, candidate_variant, "candidate_variant")
    before, after = _verdicts(old), _verdicts(new)
    rows = []
    for item_id in sorted(before.keys() | after.keys(), key=lambda i: _place(i, before, after)):
        b, a = before.get(item_id, {}), after.get(item_id, {})
        rows.append(
            {
                "item_id": item_id,
                "position": (a or b)["position"],
                "variables": (a or b)["variables"],
                "baseline": b.get("verdict"),
                "candidate": a.get("verdict"),
                "baseline_answer": b.get("answer"),
                "candidate_answer": a.get("answer"),
                "change": _change(b.get("verdict"), a.get("verdict")) if a and b else "unmatched",
            }
        )
    changes = [row["change"] for row in rows]
    counts = {
        "items": len(rows),
        "regressions": changes.count("regression"),
        "improvements": changes.count("improvement"),
        "unchanged_passed": changes.count("unchanged_passed"),
        "unchanged_failed": changes.count("unchanged_failed"),
        "other": sum(c in ("unmatched", "other") for c in changes),
    }
    old_rate, new_rate = _pass_rate(before), _pass_rate(after)
    return {
        "dataset_id": baseline.dataset_id,
        "baseline": _side(baseline, old, old_rate),
        "candidate": _side(candidate, new, new_rate),
        "winner": "baseline" if (old_rate or 0) > (new_rate or 0) else "candidate",
        "counts": counts,
        "evaluators": _rate_deltas(baseline, old, candidate, new),
        "items": rows,
    }


def _place(item_id: Any, before: dict[Any, Any], after: dict[Any, Any]) -> int:
    return int((after.get(item_id) or before[item_id])["position"])


def _rate_deltas(
    baseline: Experiment, old: Variant, candidate: Experiment, new: Variant
) -> list[dict[str, Any]]:
    """Per evaluator name: each side's pass rate (the summary's) and the change."""
    b = next(v for v in experiment_summary(baseline) if v["variant"] == old.position)
    c = next(v for v in experiment_summary(candidate) if v["variant"] == new.position)
    names = list(dict.fromkeys([*b["pass_rates"], *c["pass_rates"]]))
    deltas = []
    for name in names:
        before, after = b["pass_rates"].get(name), c["pass_rates"].get(name)
        delta = None if before is None or after is None else round(after - before, 4)
        deltas.append({"name": name, "baseline": before, "candidate": after, "delta": delta})
    return deltas
