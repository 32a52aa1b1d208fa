"""What an experiment will cost before it starts: calls, tokens and cost as a range.

Prompt tokens are estimated from the rendered messages (about 4 characters a token: no
tokenizer for every model; an image counts as budgets' fixed estimate); completion tokens range
from 0 to each variant's max_tokens (unknown without one). Cost is priced from budgets' price
table; a model without a price makes the cost's upper bound unknown (shown as null, never as
zero).
"""

import json
import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from budgets.pricing import MILLION, price_for
from budgets.services import IMAGE_TOKEN_ESTIMATE, images_apart
from completions.providers import provider_for_model
from datasets.models import ItemRevision
from datasets.selectors import items_current
from prompts.services import template_render, template_version_get

from .models import Experiment, Variant

CHARS_PER_TOKEN = 4


def _revisions(experiment: Experiment) -> list[ItemRevision]:
    if experiment.status == Experiment.Status.DRAFT:
        return [item.current for item in items_current(experiment.dataset)]
    by_id = {
        str(pk): r for pk, r in ItemRevision.objects.in_bulk(experiment.item_revision_ids).items()
    }
    return [by_id[pk] for pk in experiment.item_revision_ids]


def _variant_estimate(variant: Variant, revisions: list[ItemRevision], reps: int) -> dict[str, Any]:
    version = variant.template_version or template_version_get(
        variant.template, number=variant.version_number, label=variant.label or None
    )
    overrides = {**variant.params, **({"model": variant.model} if variant.model else {})}
    prompt_tokens, problems, body = 0, 0, None
    for revision in revisions:
        try:
            body = template_render(version=version, values=revision.variables, overrides=overrides)
        except ValidationError:
            problems += 1
            continue
        text, images = images_apart(body["messages"])
        prompt_tokens += math.ceil(len(json.dumps(text)) / CHARS_PER_TOKEN)
        prompt_tokens += images * IMAGE_TOKEN_ESTIMATE
    model = (body or {}).get("model") or variant.model or version.model
    max_tokens = (body or {}).get("max_tokens")
    calls = len(revisions) * reps
    completion_max = max_tokens * calls if isinstance(max_tokens, int) else None
    price = None
    try:
        provider = provider_for_model(model, None)
        price = price_for(provider=provider.slug, model=model, at=timezone.now())
    except ValidationError:
        pass  # an unknown model: priced as unknown, refused when its cells run
    cost_min = cost_max = None
    if price is not None:
        cost_min = Decimal(prompt_tokens * reps) * price.input_per_million / MILLION
        if completion_max is not None:
            cost_max = cost_min + Decimal(completion_max) * price.output_per_million / MILLION
    return {
        "variant": variant.position,
        "model": model,
        "calls": calls,
        "prompt_tokens": prompt_tokens * reps,
        "completion_tokens_max": completion_max,
        "price_known": price is not None,
        "cost_min": cost_min,
        "cost_max": cost_max,
        "items_not_rendered": problems,
    }


def _total(values: list[Any]) -> Any:
    return None if any(v is None for v in values) else sum(values)


def experiment_estimate(experiment: Experiment) -> dict[str, Any]:
    revisions = _revisions(experiment)
    variants = list(experiment.variants.select_related("template", "template_version"))
    parts = [_variant_estimate(v, revisions, experiment.repetitions) for v in variants]
    prompt = sum(p["prompt_tokens"] for p in parts)
    completion_max = _total([p["completion_tokens_max"] for p in parts])
    cost_min = _total([p["cost_min"] for p in parts])
    calls = len(revisions) * len(variants) * experiment.repetitions
    judges = sum(spec["kind"] == "judge" for spec in experiment.evaluators)
    return {
        "calls": calls,
        # One per judge and answered cell; their tokens and cost are not in the ranges.
        "judge_calls": calls * judges,
        "items": len(revisions),
        "variants": len(variants),
        "repetitions": experiment.repetitions,
        "tokens_min": prompt,
        "tokens_max": None if completion_max is None else prompt + completion_max,
        "cost_min": _cost(cost_min),
        "cost_max": _cost(_total([p["cost_max"] for p in parts])),
        "by_variant": [
            {**p, "cost_min": _cost(p["cost_min"]), "cost_max": _cost(p["cost_max"])} for p in parts
        ],
    }


def _cost(value: Decimal | None) -> str | None:
    return None if value is None else str(round(value, 6))
