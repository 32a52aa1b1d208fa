from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import ModelPrice
from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import MODEL, chat, post, sse_events

pytestmark = pytest.mark.django_db


def price(input_, output, *, days_ago=30):
    return ModelPrice.objects.create(
        provider="octopusx",
        model=MODEL,
        input_per_million=Decimal(input_),
        output_per_million=Decimal(output),
        effective_from=timezone.now() - timedelta(days=days_ago),
    )


def test_cost_from_tokens_at_the_price_in_force(api, alice):
    price("2.50", "10.00")
    body = post(api(alice), chat()).json()
    run = Run.objects.get(pk=body["run_id"])
    expected = (run.prompt_tokens * Decimal("2.5") + run.completion_tokens * Decimal("10")) / 10**6
    assert run.cost == expected.quantize(Decimal("0.000001"))
    assert Decimal(str(body["cost"])) == run.cost


def test_a_streamed_runs_final_event_carries_its_cost(api, alice):
    price("2.50", "10.00")
    events = sse_events(post(api(alice), chat(stream=True)))
    name, done = events[-1]
    run = Run.objects.get(pk=done["run_id"])
    assert name == "done" and run.cost
    assert Decimal(str(done["cost"])) == run.cost


def test_a_price_change_never_rewrites_history(api, alice):
    price("1", "1", days_ago=30)
    first = Run.objects.get(pk=post(api(alice), chat()).json()["run_id"])
    ModelPrice.objects.create(
        provider="octopusx",
        model=MODEL,
        input_per_million=Decimal("3"),
        output_per_million=Decimal("3"),
        effective_from=timezone.now(),
    )
    second = Run.objects.get(pk=post(api(alice), chat()).json()["run_id"])
    first.refresh_from_db()
    assert (first.input_price, second.input_price) == (Decimal("1"), Decimal("3"))
    assert second.cost == first.cost * 3


def test_unknown_usage_has_unknown_cost_not_zero(api, alice, upstream):
    price("1", "1")
    upstream.script(Behaviour(omit_usage=True))
    run = Run.objects.get(pk=post(api(alice), chat()).json()["run_id"])
    assert run.usage == "unknown" and run.cost is None


def test_no_price_means_no_cost(api, alice):
    run = Run.objects.get(pk=post(api(alice), chat()).json()["run_id"])
    assert run.cost is None and run.input_price is None


def test_errors_cost_nothing(api, alice, upstream, settings):
    price("1", "1")
    settings.UPSTREAM_MAX_RETRIES = 0
    upstream.script(Behaviour(status=500))
    body = post(api(alice), chat()).json()
    assert Run.objects.get(pk=body["run_id"]).cost is None
