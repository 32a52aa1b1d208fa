"""Usage reports at scale: 1,000,000 runs on PostgreSQL, then time the team report.

Fills a fresh PostgreSQL database (default postgres://postgres@127.0.0.1:5432/octoplay_usage_bench,
or USAGE_BENCH_DATABASE_URL) with 1,000,000 runs across 50 users, 5 teams, 8 models and 90
days (COPY, so it takes well under a minute), then times, 5 times each, the reports a team lead
opens: 30 days by day x model, 30 days by member, and the CSV export of day x model.

    .venv/bin/python bench/usage_reports.py [--runs 1000000]
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/octoplay_usage_bench"


def setup_django(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", DEBUG="false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(runs: int) -> tuple:
    from django.db import connection

    from accounts.models import Membership, Team, User

    users = User.objects.bulk_create(
        User(username=f"user{i}", email=f"user{i}@example.com") for i in range(50)
    )
    teams = Team.objects.bulk_create(Team(name=f"Team {i}") for i in range(5))
    Membership.objects.bulk_create(
        Membership(team=teams[i % 5], user=user, role="owner" if i < 5 else "member")
        for i, user in enumerate(users)
    )
    models = [f"model-{i}" for i in range(8)]
    now = datetime.now(UTC)
    rng = random.Random(7)
    columns = (
        "id",
        "user_id",
        "team_id",
        "provider",
        "model",
        "source",
        "stream",
        "status",
        "request",
        "finish_reason",
        "upstream_id",
        "error_kind",
        "error_message",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "usage",
        "cost",
        "schema_error",
        "latency_ms",
        "started_at",
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY completions_run ({', '.join(columns)}) FROM STDIN") as copy:
            for _ in range(runs):
                user = rng.randrange(50)
                prompt, completion = rng.randint(20, 2000), rng.randint(5, 800)
                status = "error" if rng.random() < 0.02 else "ok"
                unknown = status == "ok" and rng.random() < 0.01
                copy.write_row(
                    (
                        uuid.uuid4(),
                        users[user].pk,
                        teams[user % 5].pk,
                        "octopusx",
                        models[rng.randrange(8)],
                        "api",
                        False,
                        status,
                        "{}",
                        "stop",
                        "",
                        "",
                        "",
                        None if unknown or status == "error" else prompt,
                        None if unknown or status == "error" else completion,
                        None if unknown or status == "error" else prompt + completion,
                        "unknown" if unknown or status == "error" else "reported",
                        None if unknown or status == "error" else (prompt + completion) * 0.000002,
                        "",
                        rng.randint(80, 4000),
                        now - timedelta(seconds=rng.randrange(90 * 86400)),
                    )
                )
        cursor.execute("VACUUM ANALYZE completions_run")
    print(f"filled {runs:,} runs in {time.perf_counter() - started:.1f} s")
    return users, teams


def timed(label: str, call, repeat: int = 5) -> None:
    call()  # warm the caches once
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"  {label:38s} median {statistics.median(samples):7.1f} ms   "
        f"max {max(samples):7.1f} ms   ({result} rows)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1_000_000)
    args = parser.parse_args()
    setup_django(os.environ.get("USAGE_BENCH_DATABASE_URL", DEFAULT_URL))
    users, teams = fill(args.runs)

    import csv

    from usage.reports import range_from, usage_rows, usage_scope

    owner, team = users[0], teams[0]
    scope, _ = usage_scope(viewer=owner, team=team)
    span = range_from({"range": "30d"}, "Europe/Paris")

    def csv_export() -> int:
        rows = usage_rows(scope=scope, span=span, group_by=["day", "model"])
        out = io.StringIO()
        writer = csv.writer(out)
        for row in rows:
            writer.writerow(row.values())
        return len(rows)

    print(f"team report, 30 days, {team.name} (~{args.runs // 5 // 3:,} runs in range):")
    timed(
        "by day x model", lambda: len(usage_rows(scope=scope, span=span, group_by=["day", "model"]))
    )
    timed("by member", lambda: len(usage_rows(scope=scope, span=span, group_by=["user"])))
    timed("CSV export (day x model)", csv_export)


if __name__ == "__main__":
    main()
