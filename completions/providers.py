"""Where completions go: the default provider (from the environment, or demo mode) and the
providers site staff add in the admin; each provider's model list, cached."""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.token_cache import kept_while_unchanged

from .client import UpstreamClient, UpstreamConfig, UpstreamError
from .demo import demo_base_url, demo_mode_on
from .io_loop import blocking
from .models import PROVIDERS_CACHE_KEY, Provider

logger = logging.getLogger(__name__)

DEFAULT_SLUG = "octopusx"
DEMO_SLUG = "demo"
FAILED_LIST_SECONDS = 30  # how long a failed model list stands before the provider is asked again


@dataclass(frozen=True)
class ProviderConfig:
    slug: str
    name: str
    base_url: str
    api_key: str = field(repr=False)
    is_demo: bool = False

    def client(self) -> UpstreamClient:
        return UpstreamClient(
            UpstreamConfig(
                base_url=self.base_url,
                api_key=self.api_key,
                connect_timeout=settings.UPSTREAM_CONNECT_TIMEOUT,
                read_timeout=settings.UPSTREAM_READ_TIMEOUT,
                max_retries=settings.UPSTREAM_MAX_RETRIES,
                backoff_seconds=settings.UPSTREAM_BACKOFF_SECONDS,
                retry_after_max=settings.UPSTREAM_RETRY_AFTER_MAX,
            )
        )


def default_provider() -> ProviderConfig:
    if demo_mode_on():
        return ProviderConfig(DEMO_SLUG, "Demo (offline)", demo_base_url(), "", is_demo=True)
    return ProviderConfig(
        DEFAULT_SLUG, "octopusx.ai", settings.OCTOPUSX_BASE_URL, settings.OCTOPUSX_API_KEY
    )


def _extra_providers() -> list[Provider]:
    """Staff-added providers: every completion needs them and they rarely change, so kept in
    memory while unchanged, behind a brief shared cache that saving a provider clears (keys
    stay encrypted in both)."""
    return kept_while_unchanged(PROVIDERS_CACHE_KEY, _extra_providers_shared)


def _extra_providers_shared() -> list[Provider]:
    providers = cache.get(PROVIDERS_CACHE_KEY)
    if providers is None:
        providers = list(
            Provider.objects.filter(is_active=True).exclude(slug__in=[DEFAULT_SLUG, DEMO_SLUG])
        )
        cache.set(PROVIDERS_CACHE_KEY, providers, 30)
    return providers


def providers_all() -> list[ProviderConfig]:
    extra = [ProviderConfig(p.slug, p.name, p.base_url, p.api_key) for p in _extra_providers()]
    return [default_provider(), *extra]


def provider_get(slug: str) -> ProviderConfig | None:
    return next((p for p in providers_all() if p.slug == slug), None)


@dataclass
class ModelList:
    provider: ProviderConfig
    models: list[dict]
    error: str = ""
    stale: bool = False  # True when `models` is the last good list because the provider is down


def _cache_key(provider: ProviderConfig, kind: str) -> str:
    where = hashlib.sha256(provider.base_url.encode()).hexdigest()[:16]
    return f"models:{kind}:{provider.slug}:{where}"


def models_for(provider: ProviderConfig) -> ModelList:
    """The provider's models, from cache for a few minutes; the last good list if it is down.
    A failure is remembered briefly too, so a provider that is down is not asked again by
    every request for a model no other provider lists."""
    fresh = cache.get(_cache_key(provider, "fresh"))
    if fresh is not None:
        return ModelList(provider, fresh)
    failure = cache.get(_cache_key(provider, "failed"))
    if failure is None:
        try:
            listed = sorted(blocking(provider.client().list_models()), key=lambda m: m["id"])
        except UpstreamError as error:
            logger.warning("Model list from %s failed: %s", provider.slug, error.kind)
            failure = error.message
            cache.set(_cache_key(provider, "failed"), failure, FAILED_LIST_SECONDS)
        else:
            models = [
                {"id": m["id"], "owned_by": m.get("owned_by", ""), "context_window": _window(m)}
                for m in listed
            ]
            cache.set(_cache_key(provider, "fresh"), models, settings.MODELS_CACHE_SECONDS)
            cache.set(_cache_key(provider, "last-good"), models, None)
            return ModelList(provider, models)
    last_good = cache.get(_cache_key(provider, "last-good")) or []
    return ModelList(provider, last_good, error=failure, stale=bool(last_good))


def _window(listed: dict) -> int | None:
    """The model's context window in tokens, when its provider lists one: OpenAI's /models
    does not; OpenRouter-style providers say `context_length`, others `context_window`."""
    for key in ("context_window", "context_length"):
        value = listed.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def models_all() -> list[ModelList]:
    return [models_for(provider) for provider in providers_all()]


def provider_for_model(model: str, provider_slug: object = None) -> ProviderConfig:
    """Which provider serves `model`: the one named, else the first that lists it, else the
    default (which then gives the upstream's own 'unknown model' answer). Only None or ""
    name none: a slug that is not a string is refused, never ignored."""
    if not isinstance(provider_slug, str | None):
        raise ValidationError({"provider": "Give a provider's slug (a string)."})
    if provider_slug:
        provider = provider_get(provider_slug)
        if provider is None:
            raise ValidationError({"provider": f"No provider called {provider_slug}."})
        return provider
    providers = providers_all()
    if len(providers) > 1:
        for provider in providers:
            if any(m["id"] == model for m in models_for(provider).models):
                return provider
    return providers[0]
