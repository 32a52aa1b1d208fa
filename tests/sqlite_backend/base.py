"""Django's SQLite backend for the suite's in-memory test database, waiting for the write lock
as a database file's busy timeout would.

The in-memory test database is shared (SQLite's shared cache) by the test and the live
server's threads. There a connection that wants the write lock while another holds it fails
at once with "database table is locked": SQLite's busy timeout covers file locks only, and
Python's sqlite3 cannot wait for the unlock notification. Two compare panes starting their
runs at the same moment met it under load. Here a statement that would begin a transaction
(BEGIN, or a write in autocommit) is tried again until it gets the lock, for up to the 5 s a
file database waits. Inside a transaction nothing is retried: it holds the lock already
(transaction_mode IMMEDIATE, playground/settings.py)."""

import time
from collections.abc import Callable
from typing import Any

from django.db.backends.sqlite3 import base

LOCK_WAIT_SECONDS = 5.0


def _lock_waited(connection: Any, statement: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.001
    while True:
        try:
            return statement()
        except base.Database.OperationalError as error:
            locked = "database table is locked" in str(error)
            if not locked or connection.in_transaction or time.monotonic() > deadline:
                raise
        time.sleep(pause)  # SQLite's own busy handler polls the same way
        pause = min(pause * 2, 0.02)


class LockWaitingCursor(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        run = super().execute
        return _lock_waited(self.connection, lambda: run(query, params))

    def executemany(self, query, param_list):
        param_list = list(param_list)  # a second try needs them again
        run = super().executemany
        return _lock_waited(self.connection, lambda: run(query, param_list))


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=LockWaitingCursor)
