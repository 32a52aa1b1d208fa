"""Usage reports over a custom range are capped (USAGE_MAX_RANGE_DAYS) and dates at the
calendar's ends are field errors: a clear 400 on the page, the API and the CSV, never minutes
of work or an OverflowError 500."""

import pytest

pytestmark = pytest.mark.django_db

URLS = ["/api/usage/", "/api/usage/csv/"]


def custom(start: str, end: str | None = None) -> str:
    return f"?range=custom&start={start}" + (f"&end={end}" if end else "")


@pytest.mark.parametrize("url", URLS)
def test_a_range_longer_than_the_cap_is_400_on_the_api(api, alice, url, settings):
    settings.USAGE_MAX_RANGE_DAYS = 400
    response = api(alice).get(url + custom("2025-01-01", "2026-02-05"))  # 401 days
    assert response.status_code == 400
    assert response.json()["errors"]["end"] == ["At most 400 days at a time (this is 401)."]
    assert api(alice).get(url + custom("2025-01-01", "2026-02-04")).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (custom("2026-01-01", "9999-12-31"), "end"),  # was an OverflowError: a 500
        (custom("9999-12-31"), "end"),
        (custom("1026-01-01", "2026-11-11"), "end"),  # a thousand years of days
        (custom("0001-01-01"), "start"),  # before UTC's year 1 in Tokyo
    ],
)
@pytest.mark.parametrize("url", URLS)
def test_dates_at_the_calendars_ends_are_field_errors(api, alice, url, query, field):
    alice.time_zone = "Asia/Tokyo"
    alice.save()
    response = api(alice).get(url + query)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_the_page_explains_a_bad_range_with_a_400(client, alice):
    client.force_login(alice)
    response = client.get("/usage/" + custom("1026-01-01", "2026-11-11"))
    assert response.status_code == 400
    assert "At most 400 days at a time" in response.content.decode()
    response = client.get("/usage/" + custom("9999-12-31"))
    assert (
        response.status_code == 400 and "between the years 1 and 9999" in response.content.decode()
    )
