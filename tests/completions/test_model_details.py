"""What the model picker shows beside each model (GET /api/models/): the price in force now,
from the admin's Model prices, and the context window when the provider's list gives one;
null where unknown, never a guess."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import ModelPrice
from tests.helpers import MODEL

pytestmark = pytest.mark.django_db


def listed(api, user) -> dict:
    group = api(user).get("/api/models/").json()[0]
    return {model["id"]: model for model in group["models"]}


def test_price_in_force_now_is_shown_and_unpriced_models_say_null(api, alice, upstream):
    ModelPrice.objects.create(
        provider="octopusx",
        model=MODEL,
        input_per_million=Decimal("1.25"),
        output_per_million=Decimal("5"),
        effective_from=timezone.now() - timedelta(days=3),
    )
    ModelPrice.objects.create(  # not in force yet
        provider="octopusx",
        model=MODEL,
        input_per_million=Decimal("9"),
        output_per_million=Decimal("9"),
        effective_from=timezone.now() + timedelta(days=3),
    )
    models = listed(api, alice)
    assert models[MODEL]["input_per_million"] == 1.25
    assert models[MODEL]["output_per_million"] == 5
    assert models[MODEL]["currency"] == "USD"
    assert models["octo-demo-large"]["input_per_million"] is None
    assert models["octo-demo-large"]["output_per_million"] is None


def test_context_window_comes_from_the_provider_list_when_it_has_one(api, alice, upstream):
    upstream.model_details = {
        MODEL: {"context_length": 32768},
        "octo-demo-large": {"context_window": "huge"},  # not a number: not shown
    }
    models = listed(api, alice)
    assert models[MODEL]["context_window"] == 32768
    assert models["octo-demo-large"]["context_window"] is None


def test_model_details_need_a_login(api):
    assert api().get("/api/models/").status_code in (401, 403)
