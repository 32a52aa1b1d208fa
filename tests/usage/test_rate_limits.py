import threading
import time

import pytest
from django.core.cache import caches

from budgets.limits import LimitExceeded, rate_limit_check
from completions.models import Run
from tests.helpers import chat, create_template, post

pytestmark = pytest.mark.django_db


def test_requests_past_the_limit_get_429_with_retry_after(api, alice, bob, settings, upstream):
    settings.RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert post(api(alice), chat()).status_code == 200
    refused = post(api(alice), chat())
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "3 requests per minute" in refused.json()["detail"]
    assert refused.json()["code"] == "rate_limited"
    assert Run.objects.count() == 3 and len(upstream.requests) == 3  # refused before any call
    assert post(api(bob), chat()).status_code == 200  # per user


def test_a_users_own_limit_overrides_the_site_default(api, alice, settings):
    settings.RATE_LIMIT_PER_MINUTE = 100
    alice.requests_per_minute = 1
    alice.save()
    assert post(api(alice), chat()).status_code == 200
    assert post(api(alice), chat()).status_code == 429


def test_zero_means_no_limit(alice, settings):
    settings.RATE_LIMIT_PER_MINUTE = 0
    for _ in range(500):
        rate_limit_check(alice)


def test_template_run_page_shows_the_limit(client, api, alice, acme, settings):
    template = create_template(api, alice, acme)
    settings.RATE_LIMIT_PER_MINUTE = 1
    client.force_login(alice)
    client.post(f"/templates/{template.pk}/run/", {"version": "1", "var_topic": "x"})
    page = client.post(
        f"/templates/{template.pk}/run/", {"version": "1", "var_topic": "x"}, follow=True
    )
    assert "Rate limit reached" in page.content.decode()


@pytest.fixture
def redis_cache(settings):
    """The cache on Redis, as in production: each thread gets its own client connection."""
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/13").ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/13",
        }
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_the_count_is_shared_through_redis_by_separate_clients(redis_cache, alice, settings):
    """Parallel clients (separate Redis connections, as separate workers would have) together
    admit exactly the limit."""
    settings.RATE_LIMIT_PER_MINUTE = 5
    admitted, refused = [], []
    one_moment = time.time()  # all in one minute window, however long the threads take

    def attempt():
        try:
            rate_limit_check(alice, now=one_moment)
            admitted.append(1)
        except LimitExceeded:
            refused.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(admitted), len(refused)) == (5, 15)
