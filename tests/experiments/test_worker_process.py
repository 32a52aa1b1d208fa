"""The worker as production runs it: `manage.py experiment_worker` in processes of its own,
on a database of its own (SQLite file, or PostgreSQL as in CI), against the fake upstream.
One runs an experiment to the end; another is killed (-9) mid-experiment and a second worker
finishes it: exactly one answered run per cell, no cell left running. Another has a judge:
its calls are runs of their own, and re-evaluating calls the judge again, never the cells'
model. Processes are stopped on failure too."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import contextmanager

import psycopg
import pytest

from tests.helpers import ROOT, UPSTREAM_KEY, wait_for
from tests.served import served_database

pytestmark = pytest.mark.django_db

# The served database's set-up, in one Django start-up: a user, a template, a judge template,
# a price, a dataset of ITEMS items and a started experiment of two variants with EVALUATORS
# (JUDGE: the judge template's id); prints the experiment's id.
SETUP = """
from django.core.management import call_command
from budgets.models import ModelPrice
from accounts.services import user_signup
from datasets.services import items_add
from datasets.services import dataset_create
from experiments.services import experiment_create, experiment_start
from prompts.services import template_create
call_command("migrate", interactive=False, verbosity=0)
user = user_signup(username="worker-test", email="w@example.com", password="pass-12345-x")
team = user.memberships.get().team
template = template_create(user=user, team=team, name="Echo", data={{
    "model": "octo-demo-small",
    "messages": [{{"role": "user", "content": "Say {{{{word}}}}"}}],
}})
judge = template_create(user=user, team=team, name="Judge", data={{
    "model": "octo-demo-large",
    "messages": [{{"role": "user", "content": "Rate {{{{output}}}} for {{{{input}}}}"}}],
}})
ModelPrice.objects.create(
    provider="octopusx", model="octo-demo-large", input_per_million=1, output_per_million=2
)
dataset = dataset_create(user=user, team=team, name="Words")
items_add(user=user, dataset=dataset, contents=[
    {{"variables": {{"word": f"w{{n}}"}}, "expected": f"w{{n}}"}} for n in range({items})
])
experiment = experiment_create(
    user=user, dataset=dataset, name="E",
    variants=[{{"template_id": template.pk}}, {{"template_id": template.pk,
               "model": "octo-demo-large"}}],
    evaluators={evaluators},
)
print(experiment_start(user=user, experiment=experiment).pk)
"""


def _env(database_url: str, upstream) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "OCTOPUSX_BASE_URL": upstream.base_url,
        "OCTOPUSX_API_KEY": UPSTREAM_KEY,
        "DEBUG": "false",
        "SECRET_KEY": "worker-test-only",
        "RATE_LIMIT_PER_MINUTE": "0",
        "EXPERIMENT_CELL_LEASE_SECONDS": "2",
        "EXPERIMENT_POLL_SECONDS": "0.1",
        "EXPERIMENT_WORKER_CONCURRENCY": "4",
        "LOG_LEVEL": "WARNING",
    }


def _setup(env: dict[str, str], items: int, evaluators: str = '[{"kind": "contains"}]') -> str:
    return _shell(env, SETUP.format(items=items, evaluators=evaluators))


def _shell(env: dict[str, str], code: str) -> str:
    """Run `code` in a Django start-up of the served site; its last line of output."""
    done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _all(database_url: str, sql: str, *args) -> list:
    """Rows from the served database, read directly (not through this process's Django)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=10) as conn:
            return conn.execute(sql.replace("%s", "?"), args).fetchall()
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql, args).fetchall()


def _query(database_url: str, sql: str, *args):
    return _all(database_url, sql, *args)[0]


@contextmanager
def worker(env: dict[str, str], log):
    process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "experiment_worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _counts(url: str, experiment: str) -> dict[str, int]:
    cells = "SELECT COUNT(*) FROM experiments_cell WHERE experiment_id = %s AND status = %s"
    return {
        status: _query(url, cells, experiment, status)[0]
        for status in ("pending", "running", "done", "failed")
    }


def _experiment_id(url: str, experiment: str) -> str:
    # Stored as 32 hex digits on SQLite, as a uuid on PostgreSQL.
    return experiment.replace("-", "") if url.startswith("sqlite") else experiment


def _status(url: str, experiment: str) -> str:
    return _query(url, "SELECT status FROM experiments_experiment WHERE id = %s", experiment)[0]


def _runs(url: str) -> int:
    """The experiments' runs: the cells' calls and their judges'."""
    query = "SELECT COUNT(*) FROM completions_run WHERE source IN ('experiment', 'judge')"
    return _query(url, query)[0]


@pytest.mark.usefixtures("served_ready")
def test_a_worker_process_runs_an_experiment_to_the_end(tmp_path, upstream):
    with served_database(tmp_path) as url:
        env = _env(url, upstream)
        experiment = _experiment_id(url, _setup(env, items=10))
        with open(tmp_path / "worker.log", "w") as log, worker(env, log) as process:
            wait_for(lambda: _status(url, experiment) == "done", timeout=60)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        assert _counts(url, experiment) == {"pending": 0, "running": 0, "done": 20, "failed": 0}
        assert _runs(url) == 20


@pytest.mark.usefixtures("served_ready")
def test_a_killed_worker_s_cells_are_finished_by_another_exactly_once(tmp_path, upstream):
    upstream.latency = 0.25  # cells in flight when the kill comes
    try:
        with served_database(tmp_path) as url:
            env = _env(url, upstream)
            experiment = _experiment_id(url, _setup(env, items=15))
            with open(tmp_path / "worker.log", "w") as log:
                with worker(env, log) as first:

                    def mid_experiment() -> bool:  # some done, some in flight (0.25 s each)
                        counts = _counts(url, experiment)
                        return counts["done"] >= 6 and counts["running"] > 0

                    wait_for(mid_experiment, timeout=60)
                    first.send_signal(signal.SIGKILL)
                    first.wait(timeout=10)
                left = _counts(url, experiment)
                assert left["running"] > 0 and left["done"] < 30, left  # killed mid-experiment
                with worker(env, log) as second:
                    wait_for(lambda: _status(url, experiment) == "done", timeout=90)
                    second.send_signal(signal.SIGTERM)
                    assert second.wait(timeout=30) == 0
            counts = _counts(url, experiment)
            assert counts == {"pending": 0, "running": 0, "done": 30, "failed": 0}, (left, counts)
            assert _runs(url) == 15 * 2 * 1
            linked = "SELECT COUNT(DISTINCT run_id) FROM experiments_cell WHERE experiment_id = %s"
            assert _query(url, linked, experiment)[0] == 30
    finally:
        upstream.latency = 0.0


JUDGE = '[{"kind": "judge", "template": str(judge.pk), "threshold": 0.5}]'
REEVALUATE = """
from experiments.models import Experiment
from experiments.services import experiment_reevaluate
experiment = Experiment.objects.get()
experiment_reevaluate(user=experiment.started_by, experiment=experiment)
print("queued")
"""


def _judged(url: str) -> int:
    return _query(url, "SELECT COUNT(*) FROM experiments_judgerun")[0]


def _judging_left(url: str) -> int:
    return _query(url, "SELECT COUNT(*) FROM experiments_cell WHERE judging != ''")[0]


@pytest.mark.usefixtures("served_ready")
def test_a_worker_process_judges_cells_and_judges_again_when_asked(tmp_path, upstream):
    with served_database(tmp_path) as url:
        env = _env(url, upstream)
        experiment = _experiment_id(url, _setup(env, items=4, evaluators=JUDGE))
        with open(tmp_path / "worker.log", "w") as log, worker(env, log) as process:
            wait_for(lambda: _status(url, experiment) == "done", timeout=60)
            assert _judged(url) == 8 and _runs(url) == 16  # 8 cells' runs, 8 judges'
            _shell(env, REEVALUATE)
            wait_for(lambda: _judged(url) == 16, timeout=60)
            wait_for(lambda: _judging_left(url) == 0, timeout=30)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        assert _runs(url) == 24  # 8 more judge runs, no cell called its model again
        judge_runs = _all(
            url,
            "SELECT r.model, r.source, r.status, r.team_id = e.team_id, r.cost "
            "FROM experiments_judgerun j JOIN completions_run r ON r.id = j.run_id "
            "JOIN experiments_cell c ON c.id = j.cell_id "
            "JOIN experiments_experiment e ON e.id = c.experiment_id",
        )
        assert len(judge_runs) == 16
        for *what, same_team, cost in judge_runs:
            assert what == ["octo-demo-large", "judge", "ok"] and same_team
            assert cost is not None and float(cost) > 0
        for (results,) in _all(url, "SELECT results FROM experiments_cell"):
            [verdict] = results if isinstance(results, list) else json.loads(results)
            assert verdict["score"] == 0.5 and verdict["passed"] is True
            assert verdict["reason"] and verdict["judge_run_id"]
