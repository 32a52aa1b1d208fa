"""Two connections writing at once, as two compare panes starting their runs do: the second
waits for the first's transaction instead of failing, on PostgreSQL and on the suite's
in-memory SQLite (tests/sqlite_backend)."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from accounts.models import Team


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_s_transaction():
    held, release = threading.Event(), threading.Event()
    failures = []

    def first():
        try:
            with transaction.atomic():  # SQLite: BEGIN IMMEDIATE, the write lock from here
                Team.objects.create(name="first")
                held.set()
                release.wait(timeout=10)
        finally:
            close_old_connections()

    def second():
        try:
            Team.objects.create(name="second")
        except Exception as error:  # noqa: BLE001 - what the test reports
            failures.append(error)
        finally:
            close_old_connections()

    holder = threading.Thread(target=first)
    holder.start()
    try:
        assert held.wait(timeout=10)
        writer = threading.Thread(target=second)
        writer.start()
        writer.join(timeout=0.3)  # in SQLite it waits; without waiting it would have failed
        if connection.vendor == "sqlite":
            assert writer.is_alive(), f"the second writer did not wait: {failures}"
    finally:
        release.set()
        holder.join(timeout=10)
    writer.join(timeout=10)
    assert not failures
    assert sorted(Team.objects.values_list("name", flat=True)) == ["first", "second"]
