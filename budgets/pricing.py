"""What runs cost: prices per provider and model, versioned by date, applied to tokens.

A run keeps the price it was charged at, so later price changes never rewrite history.
Runs whose usage is unknown have no cost (shown as unknown, never as zero).
"""

from decimal import Decimal

from django.core.cache import cache

from accounts.token_cache import kept_while_unchanged

from .models import PRICES_CACHE_KEY, ModelPrice

MILLION = Decimal(1_000_000)


def _prices() -> dict[tuple[str, str], list[ModelPrice]]:
    """Every price, newest first per model: a small table read on every run, so kept in
    memory while unchanged, behind the shared cache (a saved price clears it; see
    ClearsCacheOnChange)."""
    return kept_while_unchanged(PRICES_CACHE_KEY, _prices_shared)


def _prices_shared() -> dict[tuple[str, str], list[ModelPrice]]:
    prices = cache.get(PRICES_CACHE_KEY)
    if prices is None:
        prices = {}
        for price in ModelPrice.objects.order_by("-effective_from"):
            prices.setdefault((price.provider, price.model), []).append(price)
        cache.set(PRICES_CACHE_KEY, prices, 60)
    return prices


def price_for(*, provider: str, model: str, at) -> ModelPrice | None:
    """The price in force at `at`: the latest one that started on or before it."""
    return next((p for p in _prices().get((provider, model), []) if p.effective_from <= at), None)
