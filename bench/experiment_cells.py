"""Experiment cells through a real worker process: a 1,000-item dataset × 2 variants against
the zero-latency fake upstream (its own process), EXPERIMENT_WORKER_CONCURRENCY cells at once.
Prints wall time, cells per second, what the queue and pipeline add per cell beyond the
upstream call, and the results grid's server time (the API page the experiment page's script
fetches, 50 items a page; the HTML page itself holds no rows).

Wall time is the experiment's own finished_at - started_at (the worker already running and
looking every 0.1 s). SQLite file by default; --database-url for PostgreSQL (dropped and
created afresh).

    .venv/bin/python bench/experiment_cells.py [--items 1000] [--concurrency 8]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._harness import PYTHON, fake_upstream  # noqa: E402
from bench.dataset_import import setup_django  # noqa: E402


def direct_calls(base: str, n: int = 300) -> float:
    """The upstream call alone, one at a time: p50 in ms."""
    body = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Say w1"}]}
    headers = {"Authorization": "Bearer sk-bench"}
    times = []
    with requests.Session() as session:
        for _ in range(n):
            started = time.perf_counter()
            session.post(f"{base}/chat/completions", json=body, headers=headers, timeout=10)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def experiment_make(items: int):
    from accounts.services import team_create, user_signup
    from datasets.services import dataset_create, items_add
    from experiments.services import experiment_create
    from prompts.services import template_create

    user = user_signup(username="bench", email="bench@example.com", password="bench-pass-123")
    team = team_create(user=user, name="Bench")
    template = template_create(
        user=user,
        team=team,
        name="Echo",
        data={"model": "octo-demo-small", "messages": [{"role": "user", "content": "Say {{w}}"}]},
    )
    dataset = dataset_create(user=user, team=team, name="Words")
    contents = [{"variables": {"w": f"w{n}"}, "expected": f"w{n}"} for n in range(items)]
    items_add(user=user, dataset=dataset, contents=contents)
    variants = [
        {"template_id": template.pk},
        {"template_id": template.pk, "model": "octo-demo-large"},
    ]
    experiment = experiment_create(
        user=user,
        dataset=dataset,
        name="Bench",
        variants=variants,
        evaluators=[{"kind": "contains"}, {"kind": "length", "max": 2000}],
    )
    return user, experiment


def timed(client, url: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--latency", type=float, default=0.0, help="the upstream's, in s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, fake_upstream(latency=args.latency) as base:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        setup_django(url)
        run(base, url, args.items, args.concurrency, args.latency)


def run(base: str, url: str, items: int, concurrency: int, latency: float) -> None:
    from django.db.models import Avg
    from django.test import Client

    from experiments.models import Experiment
    from experiments.services import experiment_start

    direct = direct_calls(base, n=300 if latency < 0.05 else 30)
    user, experiment = experiment_make(items)
    env = dict(
        os.environ,
        DATABASE_URL=url,
        OCTOPUSX_BASE_URL=base,
        OCTOPUSX_API_KEY="sk-bench",
        RATE_LIMIT_PER_MINUTE="0",
        EXPERIMENT_WORKER_CONCURRENCY=str(concurrency),
        EXPERIMENT_CONCURRENCY=str(concurrency),
        EXPERIMENT_POLL_SECONDS="0.1",
    )
    worker = subprocess.Popen(
        [PYTHON, "manage.py", "experiment_worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    try:
        worker.stdout.readline()  # "Experiment worker: ..." once Django is up
        cpu_before = _cpu_seconds(worker.pid)
        experiment_start(user=user, experiment=experiment)
        while Experiment.objects.get(pk=experiment.pk).status == "running":
            time.sleep(0.2)
        cpu = _cpu_seconds(worker.pid) - cpu_before
    finally:
        worker.terminate()
        worker.wait()
    experiment.refresh_from_db()
    cells = experiment.cells.count()
    wall = (experiment.finished_at - experiment.started_at).total_seconds()
    done = experiment.cells.filter(status="done").count()
    latency = experiment.cells.aggregate(a=Avg("run__latency_ms"))["a"]
    slot = wall * 1000 * concurrency / cells  # each cell's share of a worker thread
    print(f"{items} items × 2 variants = {cells} cells ({done} done), {concurrency} at once")
    per_cell_cpu = cpu * 1000 / cells
    print(f"wall {wall:.2f} s   {cells / wall:.1f} cells/s   worker CPU {per_cell_cpu:.1f} ms/cell")
    print(f"upstream call direct, one at a time: p50 {direct:.2f} ms")
    print(f"run latency as the pipeline saw it (under load): mean {latency:.2f} ms")
    print(
        f"each cell's time in a worker thread: {slot:.1f} ms, of which beyond a direct call "
        f"{slot - direct:.1f} ms (claim, render, rate limit, budgets, run row, cell row)"
    )
    client = Client()
    client.force_login(user)
    pages = (items + 49) // 50
    api = f"/api/experiments/{experiment.pk}/results/?page_size=50&page="
    for label, page in (("first", 1), ("middle", pages // 2), ("last", pages)):
        took = timed(client, api + str(page))
        print(f"results API page {label} (50 items × 2 cells): {took:.1f} ms")
    for query in ("failures=true", "disagree=verdicts", "disagree=answers", "sort=latency"):
        took = timed(client, f"{api}1&{query}")
        print(f"results API page first, {query}: {took:.1f} ms")
    print(f"summary API: {timed(client, f'/api/experiments/{experiment.pk}/summary/'):.1f} ms")
    print(f"progress API: {timed(client, f'/api/experiments/{experiment.pk}/progress/'):.1f} ms")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
