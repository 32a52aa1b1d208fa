"""Runs written behind their answers by the background writer (completions/run_log.py), as
the served site does for the OpenAI-compatible endpoint. The writer has its own database
connection, so these tests commit for real (transactional_db)."""

import logging
import uuid
from decimal import Decimal

import pytest

from accounts.services import token_create
from completions.budgets import Reservation
from completions.fake_upstream import Behaviour
from completions.models import Budget, BudgetWindow, Run
from completions.run_log import run_writer_disable, run_writer_enable, run_writer_flush

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def writer():
    writer = run_writer_enable()
    yield writer
    run_writer_disable()


@pytest.fixture
def auth(alice):
    _, secret = token_create(user=alice, name="writer")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def v1(client, auth, body=BODY):
    return client.post("/v1/chat/completions", body, content_type="application/json", **auth)


def test_v1_run_is_written_once_behind_the_answer(writer, client, auth, alice):
    for _ in range(3):
        assert v1(client, auth).status_code == 200
    assert run_writer_flush()
    runs = Run.objects.filter(user=alice)
    assert runs.count() == 3
    run = runs.first()
    assert run.status == Run.Status.OK and run.source == Run.Source.OPENAI
    assert run.usage == Run.Usage.REPORTED and run.total_tokens > 0
    assert run.team_id == alice.personal_team.pk and run.content


def test_failed_call_is_written_behind_with_its_error(writer, client, auth, alice, upstream):
    upstream.script(Behaviour(status=400, error_message="no such thing"))
    response = v1(client, auth)
    assert response.status_code == 400
    assert run_writer_flush()
    run = Run.objects.get(user=alice)
    assert run.status == Run.Status.ERROR and run.http_status == 400
    assert "no such thing" in run.error_message


def test_writer_settles_the_budget_hold(writer, client, auth, alice):
    Budget.objects.create(team=alice.personal_team, limit=Decimal(100_000))
    assert v1(client, auth).status_code == 200
    assert run_writer_flush()
    window = BudgetWindow.objects.get()
    run = Run.objects.get(user=alice)
    assert window.reserved == 0 and window.used == run.total_tokens


def test_v1_stream_is_written_once_when_it_ends(writer, client, auth, alice):
    response = v1(client, auth, {**BODY, "stream": True})
    b"".join(response.streaming_content)
    assert run_writer_flush()
    run = Run.objects.get(user=alice)
    assert run.status == Run.Status.OK and run.stream and run.usage == Run.Usage.REPORTED


def test_v1_stream_cut_short_by_the_client_is_written_as_cancelled(writer, client, auth, alice):
    response = v1(client, auth, {**BODY, "stream": True})
    next(iter(response.streaming_content))
    response.close()  # the client hangs up after the first event
    assert run_writer_flush()
    run = Run.objects.get(user=alice)
    assert run.status == Run.Status.CANCELLED and run.error_kind == "cancelled"


def test_playground_api_streams_are_still_logged_from_the_start(writer, alice):
    from tests.conftest import api_client_for

    api = api_client_for(alice)
    response = api.post("/api/completions/", {**BODY, "stream": True}, format="json")
    first = next(iter(response.streaming_content))
    assert b"run_id" in first
    assert Run.objects.get(user=alice).status == Run.Status.RUNNING  # in flight, visible
    b"".join(response.streaming_content)
    assert Run.objects.get(user=alice).status == Run.Status.OK


def finished_run(user, team_id, **fields) -> Run:
    return Run(
        user=user,
        team_id=team_id,
        provider="demo",
        model="octo-demo-small",
        source=Run.Source.OPENAI,
        request=BODY,
        status=Run.Status.OK,
        **fields,
    )


def test_a_bad_row_does_not_sink_its_batch(writer, alice, caplog):
    good = finished_run(alice, alice.personal_team.pk)
    orphan = finished_run(alice, uuid.uuid4())  # no such team: the row cannot be written
    with caplog.at_level(logging.ERROR, logger="completions.run_log"):
        writer.submit(orphan, Reservation())
        writer.submit(good, Reservation())
        assert run_writer_flush()
    assert list(Run.objects.values_list("pk", flat=True)) == [good.pk]
    assert f"Run {orphan.pk}" in caplog.text


def test_without_the_writer_runs_are_saved_before_the_answer(client, auth, alice):
    assert v1(client, auth).status_code == 200
    assert Run.objects.filter(user=alice, status=Run.Status.OK).count() == 1


def test_a_run_that_cannot_be_written_still_counts_against_its_budget(writer, alice):
    from django.utils import timezone

    from completions.budgets import budget_reserve

    Budget.objects.create(team=alice.personal_team, limit=Decimal(100_000))
    reservation = budget_reserve(
        user=alice, team=alice.personal_team, body=BODY, provider="demo", now=timezone.now()
    )
    orphan = finished_run(
        alice,
        uuid.uuid4(),  # no such team: the row cannot be written
        prompt_tokens=4,
        completion_tokens=6,
        total_tokens=10,
        usage=Run.Usage.REPORTED,
    )
    writer.submit(orphan, reservation)
    assert run_writer_flush()
    window = BudgetWindow.objects.get()
    assert not Run.objects.exists()
    assert window.reserved == 0 and window.used == 10
