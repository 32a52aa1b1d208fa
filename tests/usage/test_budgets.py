import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.utils import timezone

from accounts.services import token_create
from budgets.models import Budget, BudgetWindow, ModelPrice
from budgets.services import budget_reserve, period_bounds, worst_case_tokens
from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import MODEL, chat, post, sse_events, wait_for

pytestmark = pytest.mark.django_db

SMALL = chat(max_tokens=10)
WORST = worst_case_tokens({**SMALL, "stream": False})


def team_budget(team, limit, metric="tokens", period="daily"):
    return Budget.objects.create(team=team, metric=metric, limit=Decimal(limit), period=period)


def window(budget) -> BudgetWindow:
    return BudgetWindow.objects.get(budget=budget)


def test_periods_are_utc_calendar_days_weeks_and_months():
    wednesday = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    assert period_bounds("daily", wednesday) == (
        datetime(2026, 11, 25, tzinfo=UTC),
        datetime(2026, 11, 26, tzinfo=UTC),
    )
    assert period_bounds("weekly", wednesday) == (
        datetime(2026, 11, 23, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert period_bounds("monthly", datetime(2026, 12, 31, 23, tzinfo=UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_a_run_is_settled_to_its_real_usage(api, alice):
    budget = team_budget(alice.personal_team, 10_000)
    run = Run.objects.get(pk=post(api(alice), SMALL).json()["run_id"])
    state = window(budget)
    assert state.used == run.total_tokens and state.reserved == 0


def test_over_budget_is_refused_before_any_upstream_call(api, alice, upstream):
    budget = team_budget(alice.personal_team, WORST * 2 - 1)
    assert post(api(alice), SMALL).status_code == 200
    BudgetWindow.objects.filter(budget=budget).update(used=Decimal(WORST * 2 - 5))
    refused = post(api(alice), SMALL)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "budget_exceeded"
    assert "daily budget of" in body["detail"] and f"team {alice.personal_team}" in body["detail"]
    assert "It resets at" in body["detail"] and int(refused["Retry-After"]) > 0
    assert Run.objects.count() == 1 and len(upstream.requests) == 1


def test_a_request_whose_worst_case_exceeds_the_budget_is_refused(api, alice):
    team_budget(alice.personal_team, 100)
    response = post(api(alice), chat())  # no max_tokens: the configured cap counts
    assert response.status_code == 429 and "could need up to" in response.json()["detail"]


def test_user_budgets_apply_in_every_team(api, alice, acme):
    Budget.objects.create(user=alice, limit=Decimal(1), period="monthly")
    assert post(api(alice), {**SMALL, "team_id": str(acme.pk)}).status_code == 429


def test_upstream_errors_use_nothing(api, alice, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    budget = team_budget(alice.personal_team, 10_000)
    upstream.script(Behaviour(status=500))
    post(api(alice), SMALL)
    state = window(budget)
    assert (state.used, state.reserved) == (0, 0)


def test_unknown_usage_keeps_the_worst_case(api, alice, upstream):
    budget = team_budget(alice.personal_team, 10_000)
    upstream.script(Behaviour(omit_usage=True))
    post(api(alice), SMALL)
    assert window(budget).used == WORST


def test_streams_settle_too(api, alice):
    budget = team_budget(alice.personal_team, 10_000)
    summary = sse_events(post(api(alice), {**SMALL, "stream": True}))[-1][1]
    state = window(budget)
    assert state.used == summary["usage"]["total_tokens"] and state.reserved == 0


def test_cost_budgets_use_prices(api, alice):
    ModelPrice.objects.create(
        provider="octopusx",
        model=MODEL,
        input_per_million=Decimal(1_000),
        output_per_million=Decimal(1_000),
        effective_from=timezone.now(),
    )
    budget = team_budget(alice.personal_team, "0.001", metric="cost")
    assert post(api(alice), SMALL).status_code == 429  # worst case costs more than 0.001
    budget.limit = Decimal(10)
    budget.save()
    run = Run.objects.get(pk=post(api(alice), SMALL).json()["run_id"])
    assert window(budget).used == run.cost > 0


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database with real concurrent connections (CI runs it on PostgreSQL); "
    "SQLite's in-memory test database is one shared connection",
)
def test_fifty_parallel_requests_against_a_budget_for_five_admit_five(live_server, alice, upstream):
    """Real server, real threads, real database: the reservations are atomic."""
    budget = team_budget(alice.personal_team, WORST * 5 + WORST // 2)
    gate = threading.Event()  # admitted runs wait upstream until every attempt was answered
    upstream.script(*[Behaviour(hold_until=gate)] * 50)
    _, secret = token_create(user=alice, name="load")
    codes: list[int] = []

    def attempt():
        response = requests.post(
            f"{live_server.url}/api/completions/",
            json=SMALL,
            timeout=60,
            headers={"Authorization": f"Bearer {secret}"},
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(codes) >= 45, timeout=30)  # refusals answer at once
        assert codes == [429] * 45  # while 5 hold their reservation, nobody else got in
    finally:
        gate.set()
        for thread in threads:
            thread.join()
    assert codes.count(200) == 5 and codes.count(429) == 45
    state = window(budget)
    assert state.reserved == 0 and state.used <= budget.limit
    assert Run.objects.count() == 5


def test_members_read_team_budgets_and_only_managers_change_them(
    api, acme, alice, bob, dana, charlie
):
    url = f"/api/teams/{acme.pk}/budgets/"
    body = {"metric": "tokens", "limit": "50000", "period": "weekly"}
    assert api(bob).post(url, body, format="json").status_code == 403
    assert api(charlie).post(url, body, format="json").status_code == 404
    created = api(dana).post(url, body, format="json")
    assert created.status_code == 201 and created.json()["used"] == "0.000000"
    assert [b["period"] for b in api(bob).get(url).json()] == ["weekly"]
    assert api(charlie).get(url).status_code == 404
    budget_url = f"{url}{created.json()['id']}/"
    assert api(bob).delete(budget_url).status_code == 403
    assert api(alice).delete(budget_url).status_code == 204


def test_bad_budget_input_is_400(api, acme, alice):
    response = api(alice).post(
        f"/api/teams/{acme.pk}/budgets/", {"metric": "vibes", "limit": "-1"}, format="json"
    )
    assert response.status_code == 400
    # period has a default; metric and limit are wrong
    assert set(response.json()["errors"]) == {"metric", "limit"}


def test_warning_banner_at_eighty_percent(client, alice):
    budget = team_budget(alice.personal_team, 1000)
    client.force_login(alice)
    assert "budget-banner" not in client.get("/").content.decode()
    BudgetWindow.objects.create(
        budget=budget, starts_at=period_bounds("daily", timezone.now())[0], used=Decimal(850)
    )
    page = client.get("/").content.decode()
    assert "budget-banner" in page and "85% used" in page


def test_team_page_budget_form_for_managers_only(client, acme, alice, bob):
    client.force_login(bob)
    assert "Add budget" not in client.get(f"/teams/{acme.pk}/").content.decode()
    client.post(
        f"/teams/{acme.pk}/budgets/", {"metric": "tokens", "limit": "1000", "period": "daily"}
    )
    assert not Budget.objects.exists()
    client.force_login(alice)
    response = client.post(
        f"/teams/{acme.pk}/budgets/",
        {"metric": "tokens", "limit": "1000", "period": "daily"},
        follow=True,
    )
    assert "Budget added" in response.content.decode()
    budget = Budget.objects.get(team=acme)
    assert "daily budget of 1000 tokens for team Acme" in response.content.decode()
    client.post(f"/teams/{acme.pk}/budgets/{budget.pk}/delete/")
    assert not Budget.objects.exists()


def test_team_page_budget_form_rejects_bad_input(client, acme, alice):
    client.force_login(alice)
    response = client.post(
        f"/teams/{acme.pk}/budgets/", {"metric": "x", "limit": "-5"}, follow=True
    )
    assert "Budget not saved" in response.content.decode() and not Budget.objects.exists()


def test_outsider_cannot_touch_team_budgets(client, acme, charlie):
    client.force_login(charlie)
    assert client.post(f"/teams/{acme.pk}/budgets/", {"limit": "1"}).status_code == 404


def test_a_new_budget_applies_at_once_though_budget_owners_are_cached(api, alice):
    assert post(api(alice), SMALL).status_code == 200  # caches "nobody has a budget"
    team_budget(alice.personal_team, 1)
    assert post(api(alice), SMALL).status_code == 429


def test_requests_without_budgets_do_not_query_budgets(api, alice):
    post(api(alice), SMALL)  # warm the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        post(api(alice), SMALL)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "completions_budget" not in sql and "completions_modelprice" not in sql


def test_the_prompt_estimate_held_for_a_run_excludes_the_completion_cap(alice):
    """A cut stream is settled as prompt estimate + tokens seen: the estimate must be the
    prompt alone, not the worst case with the default max_tokens cap folded in."""
    team_budget(alice.personal_team, 1_000_000)
    body = {**SMALL, "stream": True}
    reservation = budget_reserve(
        user=alice, team=alice.personal_team, body=body, provider="octopusx", now=timezone.now()
    )
    assert reservation.prompt_estimate + 10 == worst_case_tokens(body)
    reservation.release()


def test_a_cancelled_stream_is_settled_at_prompt_plus_what_arrived(api, alice, upstream):
    budget = team_budget(alice.personal_team, 1_000_000)
    upstream.script(Behaviour(drop_after_chunks=4))
    sse_events(post(api(alice), {**SMALL, "max_tokens": 100, "stream": True}))
    run = Run.objects.get()
    assert run.usage == "partial"
    prompt = worst_case_tokens({**SMALL, "max_tokens": 100}) - 100
    assert window(budget).used == prompt + run.completion_tokens
