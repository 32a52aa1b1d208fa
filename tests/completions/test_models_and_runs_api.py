import pytest

from completions.models import Provider, Run
from demo.fake_upstream import Behaviour, FakeUpstream
from tests.helpers import chat, post

pytestmark = pytest.mark.django_db


def test_models_listed_per_provider(api, alice):
    groups = api(alice).get("/api/models/").json()
    assert [g["provider"] for g in groups] == ["octopusx"]
    assert {m["id"] for m in groups[0]["models"]} == {"octo-demo-small", "octo-demo-large"}
    assert groups[0]["error"] == "" and groups[0]["stale"] is False


def test_model_list_is_cached(api, alice, upstream):
    api(alice).get("/api/models/")
    api(alice).get("/api/models/")
    assert len([r for r in upstream.requests if r.path.endswith("/models")]) == 1


def test_last_good_list_and_a_clear_error_when_provider_is_down(api, alice, settings):
    settings.MODELS_CACHE_SECONDS = 0  # the fresh copy expires at once; the last good one stays
    settings.UPSTREAM_MAX_RETRIES = 0
    settings.OCTOPUSX_API_KEY = "sk-temporary"
    with FakeUpstream(models=["short-lived"]) as provider:
        settings.OCTOPUSX_BASE_URL = provider.base_url
        assert api(alice).get("/api/models/").json()[0]["models"] == [
            {
                "id": "short-lived",
                "owned_by": "octoplay-demo",
                "context_window": None,
                "input_per_million": None,
                "output_per_million": None,
                "currency": "USD",
            }
        ]
    group = api(alice).get("/api/models/").json()[0]  # the provider is gone now
    assert "Could not connect" in group["error"]
    assert group["stale"] is True
    assert [m["id"] for m in group["models"]] == ["short-lived"]


def test_extra_provider_models_shown_with_their_provider_and_routed(api, alice, staff):
    with FakeUpstream(models=["llama-local"], api_key="sk-local-provider") as other:
        provider = Provider(slug="local", name="Local llama", base_url=other.base_url)
        provider.set_api_key("sk-local-provider")
        provider.save()
        groups = api(alice).get("/api/models/").json()
        assert [(g["provider"], [m["id"] for m in g["models"]]) for g in groups][1] == (
            "local",
            ["llama-local"],
        )

        body = post(api(alice), chat(model="llama-local")).json()
        assert body["provider"] == "local" and body["status"] == "ok"
        assert other.requests[-1].headers["Authorization"] == "Bearer sk-local-provider"


def test_unknown_provider_slug_is_400(api, alice):
    response = post(api(alice), {**chat(), "provider": "nope"})
    assert response.status_code == 400 and "provider" in response.json()["errors"]


def test_runs_list_is_own_newest_first_and_filterable(api, alice, bob, upstream):
    post(api(alice), chat())
    post(api(alice), chat(model="octo-demo-large"))
    upstream.script(Behaviour(status=400, error_message="nope"))
    post(api(alice), chat())
    post(api(bob), chat())

    runs = api(alice).get("/api/runs/").json()
    assert runs["count"] == 3
    assert [r["status"] for r in runs["results"]] == ["error", "ok", "ok"]
    assert api(alice).get("/api/runs/?model=octo-demo-large").json()["count"] == 1
    assert api(alice).get("/api/runs/?status=error").json()["count"] == 1
    assert api(alice).get("/api/runs/?since=2000-01-01&until=2000-01-02").json()["count"] == 0


def test_runs_filter_bad_values_are_400(api, alice):
    assert api(alice).get("/api/runs/?status=weird").status_code == 400
    assert api(alice).get("/api/runs/?since=yesterday").status_code == 400
    # Once quietly ignored or taken for "not given":
    for query in ("source=weird", "page_size=0", "page_size=many", "page=0", "status="):
        response = api(alice).get(f"/api/runs/?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.json()["errors"]


def test_run_detail_has_full_request_and_response(api, alice):
    run_id = post(api(alice), chat(seed=3)).json()["run_id"]
    detail = api(alice).get(f"/api/runs/{run_id}/").json()
    assert detail["request"]["seed"] == 3
    assert detail["response"]["object"] == "chat.completion"


def test_stranger_gets_404_for_someone_elses_run(api, alice, charlie):
    run_id = post(api(alice), chat()).json()["run_id"]
    assert api(charlie).get(f"/api/runs/{run_id}/").status_code == 404
    assert api(charlie).get("/api/runs/").json()["count"] == 0
    assert Run.objects.filter(pk=run_id).exists()


def test_provider_changes_take_effect_at_once(api, alice):
    with FakeUpstream(models=["llama-local"]) as other:
        assert len(api(alice).get("/api/models/").json()) == 1  # now cached without it
        provider = Provider.objects.create(slug="local", name="Local", base_url=other.base_url)
        assert len(api(alice).get("/api/models/").json()) == 2
        provider.is_active = False
        provider.save()
        assert len(api(alice).get("/api/models/").json()) == 1
