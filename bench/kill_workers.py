"""Workers killed under load: does every answered /v1 call keep its run row?

Starts the fake upstream (non-streaming answers after 0.2 s, streams of up to 32 chunks
20 ms apart) and Octoplay as `make run` serves it (gunicorn, 2 workers, PostgreSQL:
BENCH_DATABASE_URL, default a fresh octoplay_bench_kill database), with a short run lease
(3 s, reaped every 1 s) so that killed workers' runs are found in seconds rather than a
minute. Half the clients call as a user with a budget, so that their runs hold something and
are written as running before the upstream call; the other half as a user without one, whose
non-streaming runs are written once, when they end. Then, per trial:

  - CLIENTS clients call /v1/chat/completions for DURATION seconds, half of the calls
    streamed, and record every call that got a complete answer (a 200 JSON body, or a stream
    through `data: [DONE]` with no error event) with the upstream's completion id;
  - meanwhile a random gunicorn worker is killed (SIGKILL) at random moments; gunicorn's
    master starts another in its place;
  - afterwards, once no run is left running (waiting, bounded, for the reaper), the rows are
    counted: an answered call without a row holding its upstream id is lost, and must not
    happen; no budget hold may be left reserved.

    .venv/bin/python bench/kill_workers.py [--trials 5] [--duration 20] [--clients 16]
"""

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._harness import PYTHON, fake_upstream, octoplay  # noqa: E402

DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/octoplay_bench_kill")
LEASE, REAP_EVERY = 3, 1
BODY = {
    "model": "octo-demo-small",
    "messages": [{"role": "user", "content": "Tell me about octopuses"}],
    "max_tokens": 32,
}
SETUP = (
    "from accounts.models import User; from accounts.services import user_signup; "
    "from budgets.models import Budget; "
    "Budget.objects.create(user=User.objects.get(username='bench'), metric='tokens', "
    "limit=10**9, period='monthly'); "
    "user_signup(username='unbudgeted', email='u@example.com', password='bench-pass-123')"
)


@dataclass
class Trial:
    answered: dict[str, bool] = field(default_factory=dict)  # upstream id -> streamed
    failed: int = 0
    kills: int = 0
    last_kill: float = 0.0  # time.monotonic()
    lock: threading.Lock = field(default_factory=threading.Lock)


def fresh_database() -> None:
    base, name = DB.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def query(sql: str, *params):
    with psycopg.connect(DB) as conn:
        return conn.execute(sql, params).fetchall()


def call(session: requests.Session, url: str, stream: bool) -> str | None:
    """The upstream's completion id if the call was answered in full, else None."""
    response = session.post(url, json={**BODY, "stream": stream}, stream=stream, timeout=30)
    if response.status_code != 200:
        response.close()
        return None
    if not stream:
        return response.json().get("id")
    answer_id = None
    for line in response.iter_lines():
        if not line.startswith(b"data: "):
            continue
        data = line[6:]
        if data == b"[DONE]":
            return answer_id
        chunk = json.loads(data)
        if "error" in chunk:
            return None
        answer_id = answer_id or chunk.get("id")
    return None  # the stream broke off before [DONE]


def client(site: str, token: str, trial: Trial, until: float, number: int) -> None:
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"{site}/v1/chat/completions"
    for turn in itertools.count(number):
        if time.monotonic() >= until:
            return
        stream = turn % 2 == 0
        try:
            answer_id = call(session, url, stream)
        except (requests.RequestException, ValueError):  # the worker died mid-answer
            answer_id = None
        with trial.lock:
            if answer_id:
                trial.answered[answer_id] = stream
            else:
                trial.failed += 1


def workers(pid_file: Path) -> list[int]:
    master = pid_file.read_text().strip()
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            if stat.read_text().rsplit(")", 1)[1].split()[1] == master:
                found.append(int(stat.parent.name))
    return found


def killer(pid_file: Path, trial: Trial, until: float) -> None:
    while (pause := random.uniform(0.3, 2.5)) < until - time.monotonic():
        time.sleep(pause)
        alive = workers(pid_file)
        if alive:
            with suppress(ProcessLookupError):
                os.kill(random.choice(alive), signal.SIGKILL)
                trial.kills += 1
                trial.last_kill = time.monotonic()


def settle(started_at, timeout: float) -> None:
    """Wait (bounded) until no run of this trial is running."""
    begun = time.monotonic()
    while time.monotonic() - begun < timeout:
        running = "SELECT count(*) FROM completions_run WHERE status = 'running'"
        if query(f"{running} AND started_at >= %s", started_at)[0][0] == 0:
            return
        time.sleep(0.2)


def run_trial(site: str, tokens: list[str], pid_file: Path, clients: int, duration: float) -> dict:
    trial = Trial()
    started_at = query("SELECT now()")[0][0]
    until = time.monotonic() + duration
    threads = [
        threading.Thread(target=client, args=(site, tokens[n % 2], trial, until, n))
        for n in range(clients)
    ]
    threads.append(threading.Thread(target=killer, args=(pid_file, trial, until)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settle(started_at, timeout=LEASE + 10 * REAP_EVERY + 60)
    settled = time.monotonic() - trial.last_kill  # the last kill's runs are finished by now
    ids = list(trial.answered)
    found = {
        row[0]
        for row in query("SELECT upstream_id FROM completions_run WHERE upstream_id = ANY(%s)", ids)
    }
    counts = dict(
        query(
            "SELECT status, count(*) FROM completions_run WHERE started_at >= %s GROUP BY status",
            started_at,
        )
    )
    return {
        "answered": len(ids),
        "streamed": sum(trial.answered.values()),
        "failed": trial.failed,
        "kills": trial.kills,
        "found": len(found),
        "lost": len(set(ids) - found),
        "interrupted": counts.get("interrupted", 0),
        "running": counts.get("running", 0),
        "rows": sum(counts.values()),
        "settled": settled,
        "reserved": query("SELECT coalesce(sum(reserved), 0) FROM completions_budgetwindow")[0][0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    fresh_database()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        pid_file = Path(tmp) / "gunicorn.pid"
        settings = {
            "RUN_LEASE_SECONDS": str(LEASE),
            "RUN_REAP_INTERVAL_SECONDS": str(REAP_EVERY),
            "GUNICORN_CMD_ARGS": f"--pid {pid_file}",
        }
        with (
            fake_upstream(chunk_delay=0.02, latency=0.2) as upstream,
            octoplay(upstream, database_url=DB, extra=settings) as (site, token, env),
        ):
            manage = [PYTHON, "manage.py"]
            run = dict(cwd=ROOT, env=env, check=True, capture_output=True, text=True)
            subprocess.run([*manage, "shell", "-c", SETUP], **run)
            unbudgeted = subprocess.run([*manage, "create_token", "unbudgeted"], **run)
            tokens = [token, unbudgeted.stdout.split()[0]]
            print(
                f"{args.trials} trials of {args.duration:g} s: {args.clients} clients on /v1 "
                "(half streamed), a random worker of 2 killed (-9) every 0.3-2.5 s"
            )
            print(
                "trial  answered (streamed)  failed  workers killed  rows found  lost  "
                "interrupted  left running  holds left  all finished after the last kill"
            )
            for number in range(1, args.trials + 1):
                r = run_trial(site, tokens, pid_file, args.clients, args.duration)
                results.append(r)
                print(
                    f"{number:>5}  {r['answered']:>8} ({r['streamed']:>8})  {r['failed']:>6}  "
                    f"{r['kills']:>14}  {r['found']:>10}  {r['lost']:>4}  {r['interrupted']:>11}  "
                    f"{r['running']:>12}  {r['reserved']:>10}  {r['settled']:>22.1f} s"
                )
    lost = sum(r["lost"] for r in results)
    stuck = sum(r["running"] for r in results) + (results[-1]["reserved"] if results else 0)
    print(f"\nlost: {lost} of {sum(r['answered'] for r in results)} answered calls")
    if lost or stuck:
        sys.exit(1)


if __name__ == "__main__":
    main()
