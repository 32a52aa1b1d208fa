"""Runs whose process stops mid-call: a run that holds budget, and every stream, is written as
running, with its holds and a lease, before its upstream call; a run whose lease lapses is
marked interrupted and its holds released, exactly once (completions/leases.py)."""

import contextlib
import gc
import os
import signal
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.utils import timezone

from budgets.models import Budget, BudgetWindow
from budgets.services import budget_reserve, worst_case_tokens
from completions.leases import run_leases_renew, runs_interrupted_reap
from completions.models import Run
from completions.services import run_start_blocking
from demo.fake_upstream import Behaviour
from tests.helpers import MODEL, UPSTREAM_KEY, chat, make_run, relayed, wait_for
from tests.served import gunicorn_workers, served_database, served_login, served_site

pytestmark = pytest.mark.django_db

SMALL = chat(max_tokens=10)
WORST = Decimal(worst_case_tokens(SMALL))


def team_budget(team, limit=100_000) -> Budget:
    return Budget.objects.create(team=team, metric="tokens", limit=Decimal(limit), period="daily")


def window(budget) -> BudgetWindow:
    return BudgetWindow.objects.get(budget=budget)


def open_stream(user):
    return run_start_blocking(
        user=user, team=user.personal_team, body={**SMALL, "stream": True}, source="api"
    )


def after_the_lease():
    return timezone.now() + timedelta(minutes=5)


def test_a_stream_is_written_running_with_its_holds_and_a_lease(alice):
    budget = team_budget(alice.personal_team)
    stream = open_stream(alice)
    run = Run.objects.get(pk=stream.run.pk)
    state = window(budget)
    assert run.status == Run.Status.RUNNING and run.lease_expires_at > timezone.now()
    assert run.holds == [[state.pk, str(WORST), "tokens"]] and state.reserved == WORST
    relayed(stream)
    run.refresh_from_db()
    assert (run.status, run.holds, run.lease_expires_at) == (Run.Status.OK, [], None)
    assert window(budget).reserved == 0


def runs_while_the_upstream_holds(user, upstream) -> list[Run]:
    """The runs in the database while a call of `user`'s waits for its upstream's answer."""
    gate = threading.Event()
    upstream.script(Behaviour(hold_until=gate))

    def call() -> None:
        try:
            run_start_blocking(user=user, team=user.personal_team, body=SMALL, source="api")
        finally:
            connection.close()

    caller = threading.Thread(target=call)
    caller.start()
    try:
        wait_for(lambda: len(upstream.requests) == 1)
        return list(Run.objects.all())
    finally:
        gate.set()
        caller.join()


@pytest.mark.django_db(transaction=True)
def test_a_call_holding_budget_is_written_running_before_the_upstream_answers(alice, upstream):
    budget = team_budget(alice.personal_team)
    (run,) = runs_while_the_upstream_holds(alice, upstream)
    assert run.status == Run.Status.RUNNING and run.holds[0][0] == window(budget).pk
    run.refresh_from_db()
    assert run.status == Run.Status.OK and window(budget).reserved == 0


@pytest.mark.django_db(transaction=True)
def test_a_call_holding_nothing_is_written_once_when_it_ends(alice, upstream):
    assert runs_while_the_upstream_holds(alice, upstream) == []  # nothing to find if it died
    assert Run.objects.get().status == Run.Status.OK


def test_a_run_past_its_lease_is_interrupted_and_its_holds_released_once(alice):
    budget = team_budget(alice.personal_team)
    stream = open_stream(alice)
    assert runs_interrupted_reap() == 0  # its lease has not lapsed
    assert runs_interrupted_reap(now=after_the_lease()) == 1
    run = Run.objects.get(pk=stream.run.pk)
    assert (run.status, run.error_kind, run.holds) == (Run.Status.INTERRUPTED, "interrupted", [])
    assert run.finished_at is not None and "stopped" in run.error_message
    state = window(budget)
    assert (state.reserved, state.used) == (0, WORST)  # usage unknown: the worst case counts
    assert runs_interrupted_reap(now=after_the_lease()) == 0
    assert window(budget).used == WORST


def test_a_run_reaped_while_its_process_lived_keeps_its_outcome_not_a_second_settling(alice):
    budget = team_budget(alice.personal_team)
    stream = open_stream(alice)
    runs_interrupted_reap(now=after_the_lease())  # its process stalled past the lease
    relayed(stream)  # ...and then finished the stream
    run = Run.objects.get(pk=stream.run.pk)
    assert run.status == Run.Status.OK and run.content
    state = window(budget)
    assert (state.reserved, state.used) == (0, WORST)


def test_the_serving_process_renews_the_leases_of_its_runs_in_flight(alice):
    stream = open_stream(alice)
    Run.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert run_leases_renew() == 1
    assert runs_interrupted_reap() == 0
    relayed(stream)
    assert run_leases_renew() == 0  # finished: no longer renewed


def test_a_stream_dropped_unread_is_no_longer_renewed_so_it_gets_reaped(alice):
    stream = open_stream(alice)  # e.g. a response no server ever started to send
    run_id = stream.run.pk
    del stream
    gc.collect()
    assert run_leases_renew() == 0
    assert runs_interrupted_reap(now=after_the_lease()) == 1
    assert Run.objects.get(pk=run_id).status == Run.Status.INTERRUPTED


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database with real concurrent connections (CI runs it on PostgreSQL); "
    "SQLite's in-memory test database is one shared connection",
)
@pytest.mark.django_db(transaction=True)
def test_reapers_running_at_once_release_each_hold_exactly_once(alice):
    budget = team_budget(alice.personal_team)
    lapsed = timezone.now() - timedelta(seconds=1)
    for _ in range(40):
        reservation = budget_reserve(
            user=alice, team=alice.personal_team, body=SMALL, provider="p", now=timezone.now()
        )
        run = make_run(alice, alice.personal_team, lapsed, status="running")
        Run.objects.filter(pk=run.pk).update(holds=reservation.as_json(), lease_expires_at=lapsed)
    taken = []
    start = threading.Barrier(4)

    def reap() -> None:
        try:
            start.wait()
            taken.append(runs_interrupted_reap())
        finally:
            connection.close()

    reapers = [threading.Thread(target=reap) for _ in range(4)]
    for reaper in reapers:
        reaper.start()
    for reaper in reapers:
        reaper.join()
    assert sum(taken) == 40
    assert Run.objects.filter(status=Run.Status.INTERRUPTED).count() == 40
    state = window(budget)
    assert (state.reserved, state.used) == (0, 40 * WORST)


def test_interrupted_runs_are_failures_with_unknown_usage_in_history_and_reports(api, alice, acme):
    make_run(
        alice, acme, timezone.now(), status="interrupted", usage="unknown", tokens=None, cost=None
    )
    make_run(alice, acme, timezone.now(), usage="unknown", tokens=None, cost=None)
    report = api(alice).get(f"/api/usage/?team={acme.pk}&group_by=model").json()
    row = report["rows"][0]
    assert (row["requests"], row["errors"], row["unknown_usage"]) == (2, 1, 2)
    page = api(alice).get("/runs/?status=interrupted")
    assert page.content.decode().count('badge badge-danger">Interrupted') == 1
    assert api(alice).get("/api/runs/?status=interrupted").json()["count"] == 1


@pytest.mark.usefixtures("served_ready")
def test_a_served_run_whose_worker_is_killed_is_interrupted_and_its_holds_released(
    tmp_path, upstream
):
    """The site under gunicorn, one worker: a stream relaying and a call waiting on the
    upstream when the worker is killed (-9). The worker gunicorn starts in its place finds
    both once their leases lapse."""
    gate = threading.Event()  # the non-streaming call waits upstream until the end
    upstream.script(Behaviour(chunk_delay=2), Behaviour(hold_until=gate))
    pid_file = tmp_path / "gunicorn.pid"
    settings = {
        "RUN_LEASE_SECONDS": "2",
        "RUN_REAP_INTERVAL_SECONDS": "0.5",
        "GUNICORN_CMD_ARGS": f"--pid {pid_file}",
    }
    with (
        served_database(tmp_path) as database,
        served_site(
            upstream.base_url, api_key=UPSTREAM_KEY, database_url=database, workers=1, env=settings
        ) as (site, token),
    ):
        browser = served_login(site)
        team = browser.get(f"{site}/api/teams/", timeout=10).json()[0]["id"]
        budgets = f"{site}/api/teams/{team}/budgets/"
        limit = {"metric": "tokens", "limit": "100000", "period": "daily"}
        assert browser.post(budgets, json=limit, timeout=10).status_code == 201
        v1 = requests.Session()
        v1.trust_env = False
        v1.headers["Authorization"] = f"Bearer {token}"

        def running() -> list[str]:
            found = browser.get(f"{site}/api/runs/?status=running", timeout=10).json()
            return [run["id"] for run in found["results"]]

        body = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], "stream": True}
        stream = v1.post(f"{site}/v1/chat/completions", json=body, stream=True, timeout=30)
        lines = stream.iter_lines()  # kept: a dropped iterator closes the connection
        assert next(lines).startswith(b"data: ")  # relaying
        caller = threading.Thread(target=_call_ignoring_failure, args=(v1, site))
        caller.start()
        try:
            wait_for(lambda: len(running()) == 2, timeout=30)
            runs = running()
            assert browser.get(budgets, timeout=10).json()[0]["reserved"] != "0.000000"
            (worker,) = gunicorn_workers(pid_file)
            os.kill(worker, signal.SIGKILL)

            def interrupted() -> bool:
                try:
                    found = [
                        browser.get(f"{site}/api/runs/{run}/", timeout=5).json() for run in runs
                    ]
                except requests.RequestException:  # the new worker is still starting
                    return False
                return all(run["status"] == "interrupted" for run in found)

            wait_for(interrupted, timeout=60)
            assert browser.get(budgets, timeout=10).json()[0]["reserved"] == "0.000000"
        finally:
            gate.set()
            stream.close()
            caller.join()


def _call_ignoring_failure(session: requests.Session, site: str) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}
    with contextlib.suppress(requests.RequestException):  # its worker is killed: no answer
        session.post(f"{site}/v1/chat/completions", json=body, timeout=60)
