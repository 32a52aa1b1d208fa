from datetime import UTC, datetime

import pytest

from tests.helpers import make_run

pytestmark = pytest.mark.django_db

RANGE = "?start=2026-11-10&end=2026-11-11"


def test_team_page_for_an_owner_has_chart_members_and_csv(client, alice, acme, history):
    client.force_login(alice)
    page = client.get(f"/teams/{acme.pk}/usage/{RANGE}").content.decode()
    assert "<title>Nov 11 · m1: 15</title>" in page and "<title>Nov 11 · m2: 150</title>" in page
    assert "Top users" in page and ">bob<" in page
    assert (
        f"/api/usage/csv/?start=2026-11-10&amp;end=2026-11-11&amp;team={acme.pk}&amp;group_by=user"
        in page
    )
    assert "runs with unknown usage" in page


def test_member_sees_only_their_own_lines(client, bob, acme, history):
    client.force_login(bob)
    page = client.get(f"/teams/{acme.pk}/usage/{RANGE}").content.decode()
    assert "your own runs in this team" in page and "Top users" not in page
    assert ">alice<" not in page


def test_outsider_gets_404(client, charlie, acme):
    client.force_login(charlie)
    assert client.get(f"/teams/{acme.pk}/usage/").status_code == 404


def test_my_usage_and_site_usage(client, alice, staff, history):
    client.force_login(alice)
    assert "My usage" in client.get(f"/usage/{RANGE}").content.decode()
    assert client.get("/usage/site/").status_code == 403
    client.force_login(staff)
    assert "Site usage" in client.get(f"/usage/site/{RANGE}").content.decode()


def test_bad_range_is_explained_not_a_500(client, alice):
    client.force_login(alice)
    response = client.get("/usage/?start=2026-11-10&end=2026-11-01")
    assert response.status_code == 400 and "before the start date" in response.content.decode()


def test_model_names_are_escaped_in_charts(client, alice, acme):
    make_run(alice, acme, datetime(2026, 11, 10, 9, tzinfo=UTC), model="<script>x</script>")
    client.force_login(alice)
    page = client.get(f"/usage/{RANGE}").content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_cost_is_unknown_when_no_run_has_one(client, alice, acme):
    make_run(alice, acme, datetime(2026, 11, 10, 9, tzinfo=UTC), cost=None)
    client.force_login(alice)
    page = client.get(f"/usage/{RANGE}").content.decode()
    assert "unknown: no prices set" in page and "No cost to chart: no prices set." in page
    assert '<span class="stat-value">0</span><span class="stat-label">estimated cost' not in page


def test_cost_unknown_with_prices_set_says_none_is_known_for_these_runs(client, alice, acme):
    from budgets.models import ModelPrice

    ModelPrice.objects.create(
        provider="octopusx", model="other", input_per_million=1, output_per_million=2
    )
    make_run(alice, acme, datetime(2026, 11, 10, 9, tzinfo=UTC), cost=None)
    client.force_login(alice)
    page = client.get(f"/usage/{RANGE}").content.decode()
    assert "unknown: no price known for these runs" in page


def test_known_costs_are_summed_in_the_headline(client, alice, history):
    client.force_login(alice)
    page = client.get(f"/usage/{RANGE}").content.decode()
    assert '<span class="stat-value">0.0110</span><span class="stat-label">estimated cost' in page


def test_legend_names_carry_their_full_name_as_a_tooltip(client, alice, acme):
    name = "a-very-long-provider/model-name-that-goes-on-and-on-2026-11-preview"
    make_run(alice, acme, datetime(2026, 11, 10, 9, tzinfo=UTC), model=name)
    client.force_login(alice)
    page = client.get(f"/usage/{RANGE}").content.decode()
    assert f'<span class="legend-name" title="{name}">{name}</span>' in page
