"""A 10,000-item dataset: import it, page through it, export it, and print how long each took.

Runs the real request path in process (middleware, multipart parsing, DRF, the ORM) through
Django's test client against a fresh database: a SQLite file by default, or PostgreSQL with
--database-url (e.g. postgres://postgres@127.0.0.1:5432/octoplay_datasets, dropped and
created afresh). Each step runs --repeat times on a new dataset; the median is printed.

    .venv/bin/python bench/dataset_import.py [--items 10000] [--database-url URL]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", DEBUG="false")
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_HTTPS="false", LOG_LEVEL="ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def csv_file(items: int) -> bytes:
    rows = "".join(
        f'"Explain topic number {n} to a newcomer, in two sentences.",reader {n % 13},'
        f'"An answer of about this length for item {n}.","bulk, t{n % 7}"\n'
        for n in range(items)
    )
    return ("question,audience,expected,tags\n" + rows).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(args.database_url or f"sqlite:///{folder}/bench.sqlite3")
        run(args.items, args.repeat)


def run(items: int, repeat: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client

    from accounts.services import team_create, user_signup
    from datasets.services import dataset_create

    user = user_signup(username="bench", email="bench@example.com", password="bench-pass-123")
    team = team_create(user=user, name="Bench")
    client = Client()
    client.force_login(user)
    data = csv_file(items)
    pages = items // 50
    size = f"{len(data) / 1e6:.1f} MB of CSV"
    print(f"{items} items, {size}, {connection.vendor}, median of {repeat}")

    times: dict[str, list[float]] = {}

    def measure(name: str, url: str, *, upload=None, status: int = 200) -> None:
        """One request (a streamed answer read to its end), timed."""
        started = time.perf_counter()
        response = client.post(url, {"file": upload}) if upload else client.get(url)
        if response.streaming:
            size = sum(len(chunk) for chunk in response.streaming_content)
            assert size > items * 40, size
        times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        assert response.status_code == status, response.status_code

    for attempt in range(repeat):
        dataset = dataset_create(user=user, team=team, name=f"Set {attempt}")
        api = f"/api/datasets/{dataset.pk}"
        upload = SimpleUploadedFile("items.csv", data)
        measure("import CSV (API)", f"{api}/import/", upload=upload, status=201)
        for page in (1, pages // 2, pages):
            measure(f"API page {page} of {pages}", f"{api}/items/?page={page}")
        measure(f"HTML page {pages} of {pages}", f"/datasets/{dataset.pk}/?page=last")
        measure("export CSV (streamed)", f"{api}/export/csv/")
        measure("export JSONL (streamed)", f"{api}/export/jsonl/")
    for name, samples in times.items():
        print(f"  {name:<28} {statistics.median(samples):8.1f} ms")


if __name__ == "__main__":
    main()
