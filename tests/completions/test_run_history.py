"""History: what a row shows (prompt and answer previews, cost, template), its filters and its
search, on the page and over the API, the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest

from completions.models import Run
from completions.search import PREVIEW_CHARS, prompt_texts
from tests.helpers import create_template, make_run

pytestmark = pytest.mark.django_db

DAY1 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
DAY3 = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


def user_says(text):
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]


@pytest.fixture
def runs(api, alice, bob, acme):
    """Alice's four runs and bob's two (one shared with Acme)."""
    template = create_template(api, alice, acme)
    version = template.versions.get()
    made = {
        "tides": make_run(
            alice,
            acme,
            DAY1,
            messages=user_says("Explain the tides"),
            content="The **moon** pulls.",
        ),
        "octopus": make_run(
            alice,
            acme,
            DAY2,
            model="m2",
            messages=user_says("Describe an octopus"),
            content="Eight arms and three hearts.",
            source="playground",
            template_version=version,
        ),
        "error": make_run(
            alice, acme, DAY3, messages=user_says("Anything"), status="error", cost=None
        ),
        "tools": make_run(alice, acme, DAY3, messages=user_says("Weather in Oslo?")),
        "bob_shared": make_run(
            bob,
            acme,
            DAY2,
            messages=user_says("Bob asks about squid"),
            content="Ink.",
            visibility="team",
        ),
        "bob_private": make_run(
            bob, acme, DAY2, messages=user_says("Bob's secret squid"), content="Hush."
        ),
    }
    return {"template": template, **made}


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def keys(runs, *names):
    return {str(runs[name].pk) for name in names}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["tides", "octopus", "error", "tools"]),
        ("model=m2", ["octopus"]),
        ("status=error", ["error"]),
        ("source=playground", ["octopus"]),
        ("since=2026-11-11", ["octopus", "error", "tools"]),
        ("until=2026-11-11", ["tides"]),
        ("q=moon", ["tides"]),  # in the answer
        ("q=OCTO", ["octopus"]),  # in the prompt, any case, a word's beginning
        ("q=three+hearts", ["octopus"]),  # every word
        ("q=brief", ["tides", "octopus", "error", "tools"]),  # the system message too
        ("q=squid", []),  # bob's runs are not alice's
        ("q=%22%3B+DROP+TABLE", []),  # punctuation is no syntax
        ("scope=team", ["bob_shared"]),
        ("scope=team&q=squid", ["bob_shared"]),
    ],
)
def test_filters_and_search(api, alice, runs, query, expected):
    assert ids(api(alice).get(f"/api/runs/?{query}")) == keys(runs, *expected)


def test_filter_by_template(api, alice, runs):
    response = api(alice).get(f"/api/runs/?template={runs['template'].pk}")
    assert ids(response) == keys(runs, "octopus")
    row = response.json()["results"][0]
    assert row["template"] == {
        "id": str(runs["template"].pk),
        "name": "Explainer",
        "version": 1,
        "version_id": str(runs["octopus"].template_version_id),
    }
    assert row["preview"] == "Describe an octopus"
    assert row["answer_preview"] == "Eight arms and three hearts."
    assert row["cost"] == 0.001
    assert row["user"] == "alice" and row["visibility"] == "private"


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=nope", "status"), ("scope=everyone", "scope"), ("template=12", "template")],
)
def test_bad_filters_are_a_400_naming_them(api, alice, runs, query, field):
    response = api(alice).get(f"/api/runs/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_teammates_shared_runs_list_but_never_their_private_ones(api, bob, charlie, runs):
    assert ids(api(bob).get("/api/runs/?scope=team")) == keys(runs, "bob_shared")
    assert ids(api(charlie).get("/api/runs/?scope=team")) == set()


def test_history_page_shows_previews_cost_and_template(client, alice, runs):
    client.force_login(alice)
    html = client.get("/runs/").content.decode()
    assert "Describe an octopus" in html and "Eight arms and three hearts." in html
    assert 'Explainer <span class="muted">v1</span>' in html
    assert "0.001 USD" in html
    assert "The **moon** pulls." in html  # previews are text, never rendered


def test_history_page_filters(client, alice, runs):
    client.force_login(alice)
    html = client.get("/runs/?q=octopus&since=2026-11-11&to=2026-11-11&source=playground").content
    html = html.decode()
    assert "Describe an octopus" in html and "Explain the tides" not in html
    assert "1 run<" in html
    html = client.get("/runs/?to=2026-11-10").content.decode()
    assert "Explain the tides" in html and "Describe an octopus" not in html
    html = client.get("/runs/?scope=team").content.decode()
    assert "Bob asks about squid" in html and "Bob&#x27;s secret squid" not in html
    assert "Shared with team" in html
    bad = client.get("/runs/?since=yesterday")
    assert bad.status_code == 200 and "Use an ISO date" in bad.content.decode()


def test_previews_of_long_prompts_and_parts():
    request = {
        "messages": [
            {"role": "system", "content": "Rules"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is   in\nthis picture? " + "x" * 300},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}},
                ],
            },
        ]
    }
    preview, text = prompt_texts(request)
    assert preview.startswith("What is in this picture? x")
    assert len(preview) == PREVIEW_CHARS and preview.endswith("…")
    assert text.startswith("Rules\nWhat is") and text.endswith("[image]")
    assert "base64" not in text
    assert prompt_texts({}) == ("", "")
    assert prompt_texts({"messages": "nonsense"}) == ("", "")


def test_runs_of_the_pipeline_are_searchable(api, alice, acme, upstream):
    from tests.helpers import chat, post

    post(api(alice), chat(team_id=str(acme.pk)))
    run = Run.objects.get()
    assert ids(api(alice).get("/api/runs/?q=octopuses+demo")) == {str(run.pk)}


def test_postgresql_searches_through_its_index(alice, runs):
    from django.db import connection

    from completions.search import runs_searched

    if connection.vendor != "postgresql":
        pytest.skip("the full-text index is PostgreSQL's; SQLite scans the user's runs")
    searched = runs_searched(Run.objects.all(), "octopus hearts")
    sql, params = searched.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: make the index worth it
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "run_search" in plan, plan
    assert list(searched) == [runs["octopus"]]
