import csv
import io

import pytest

pytestmark = pytest.mark.django_db

RANGE = "start=2026-11-10&end=2026-11-11"


def test_team_report_by_day_and_model(api, alice, acme, history):
    body = api(alice).get(f"/api/usage/?team={acme.pk}&{RANGE}&group_by=day,model").json()
    assert body["group_by"] == ["day", "model"] and body["currency"] == "USD"
    assert [(r["day"], r["model"], r["requests"]) for r in body["rows"]] == [
        ("2026-11-10", "m1", 1),
        ("2026-11-11", "m1", 3),
        ("2026-11-11", "m2", 1),
    ]


def test_csv_matches_json(api, alice, acme, history):
    query = f"team={acme.pk}&{RANGE}&group_by=user,model"
    rows = api(alice).get(f"/api/usage/?{query}").json()["rows"]
    response = api(alice).get(f"/api/usage/csv/?{query}")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == len(rows)
    for line, row in zip(table, rows, strict=True):
        assert line["user"] == row["user"] and int(line["requests"]) == row["requests"]
        assert line["total_tokens"] == (
            "" if row["total_tokens"] is None else str(row["total_tokens"])
        )


def test_member_cannot_group_by_user_and_sees_own_runs(api, bob, acme, history):
    assert api(bob).get(f"/api/usage/?team={acme.pk}&{RANGE}&group_by=user").status_code == 400
    rows = api(bob).get(f"/api/usage/?team={acme.pk}&{RANGE}").json()["rows"]
    assert sum(r["requests"] for r in rows) == 3


def test_outsider_gets_404_and_non_staff_no_site_report(api, charlie, acme, history):
    assert api(charlie).get(f"/api/usage/?team={acme.pk}").status_code == 404
    assert api(charlie).get("/api/usage/?site=1").status_code == 403


def test_staff_site_report(api, staff, history):
    rows = api(staff).get(f"/api/usage/?site=1&{RANGE}&group_by=team").json()["rows"]
    assert rows == [rows[0]] and rows[0]["team"] == "Acme" and rows[0]["requests"] == 5


def test_my_usage_spans_my_teams(api, alice, history):
    rows = api(alice).get(f"/api/usage/?{RANGE}&group_by=team").json()["rows"]
    assert [(r["team"], r["requests"]) for r in rows] == [("Acme", 2)]


def test_bad_parameters_are_400(api, alice):
    assert api(alice).get("/api/usage/?range=forever").status_code == 400
    assert api(alice).get("/api/usage/?group_by=colour").status_code == 400
    assert api(alice).get("/api/usage/?start=yesterday").status_code == 400


def test_documented_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    params = {p["name"] for p in schema["paths"]["/api/usage/"]["get"]["parameters"]}
    assert {"team", "start", "end", "group_by"} <= params
