"""Aggregations checked against hand-computed fixtures (`history` in tests/conftest.py)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from usage.reports import range_from, usage_rows, usage_scope

pytestmark = pytest.mark.django_db


def custom(start, end, zone="UTC"):
    return range_from({"start": start, "end": end}, zone)


def test_by_day_in_utc(alice, acme, history):
    scope, _ = usage_scope(viewer=alice, team=acme)
    rows = usage_rows(scope=scope, span=custom("2026-11-10", "2026-11-11"), group_by=["day"])
    assert [(str(r["day"]), r["requests"], r["total_tokens"]) for r in rows] == [
        ("2026-11-10", 1, 15),
        ("2026-11-11", 4, 165),
    ]


def test_day_buckets_follow_the_viewers_time_zone(alice, acme, history):
    scope, _ = usage_scope(viewer=alice, team=acme)
    rows = usage_rows(
        scope=scope, span=custom("2026-11-11", "2026-11-11", "Europe/Paris"), group_by=["day"]
    )
    assert [(str(r["day"]), r["requests"]) for r in rows] == [("2026-11-11", 5)]


def test_unknown_usage_and_errors_are_counted_not_zeroed(alice, acme, history):
    scope, _ = usage_scope(viewer=alice, team=acme)
    row = usage_rows(scope=scope, span=custom("2026-11-11", "2026-11-11"), group_by=["model"])
    m1 = next(r for r in row if r["model"] == "m1")
    assert (m1["requests"], m1["errors"], m1["unknown_usage"]) == (3, 1, 1)
    assert m1["total_tokens"] == 15 and m1["cost"] == 0.001  # only known usage is summed
    assert m1["median_latency_ms"] == 50  # of 200, 50, 20


def test_cost_uses_each_runs_own_price(alice, acme, history):
    scope, _ = usage_scope(viewer=alice, team=acme)
    rows = usage_rows(scope=scope, span=custom("2026-11-10", "2026-11-11"), group_by=["model"])
    assert {r["model"]: r["cost"] for r in rows} == {"m1": 0.002, "m2": 0.01}


def test_by_member_for_managers(alice, acme, history):
    scope, allowed = usage_scope(viewer=alice, team=acme)
    assert "user" in allowed
    rows = usage_rows(scope=scope, span=custom("2026-11-10", "2026-11-11"), group_by=["user"])
    assert {r["user"]: r["requests"] for r in rows} == {"alice": 2, "bob": 3}


def test_members_see_only_their_own_line(bob, acme, history):
    scope, allowed = usage_scope(viewer=bob, team=acme)
    assert "user" not in allowed
    rows = usage_rows(scope=scope, span=custom("2026-11-10", "2026-11-11"), group_by=["day"])
    assert sum(r["requests"] for r in rows) == 3


def test_outsiders_and_non_staff(charlie, acme, history):
    scope, _ = usage_scope(viewer=charlie, team=acme)
    assert usage_rows(scope=scope, span=custom("2026-11-10", "2026-11-11"), group_by=["day"]) == []
    with pytest.raises(PermissionDenied):
        usage_scope(viewer=charlie, site=True)


def test_bad_ranges_are_field_errors():
    with pytest.raises(ValidationError, match="before the start"):
        range_from({"start": "2026-11-10", "end": "2026-11-01"}, "UTC")
    with pytest.raises(ValidationError, match="2026-11-01"):
        range_from({"start": "last week"}, "UTC")


def test_presets_are_in_the_viewers_zone():
    now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # already the 26th in Tokyo
    span = range_from({"range": "7d"}, "Asia/Tokyo", now=now)
    assert [str(d) for d in (span.days[0], span.days[-1])] == ["2026-11-20", "2026-11-26"]
