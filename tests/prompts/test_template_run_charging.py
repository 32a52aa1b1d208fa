"""Where a template run is charged, one rule in the browser and over the API: the team named,
else the template's own team when the runner belongs to it, else the runner's token team or
active team. And a run says which template version it came from."""

from accounts.services import token_create
from completions.models import Run
from tests.helpers import create_template, token_client


def test_teammates_token_run_of_a_team_template_is_charged_to_that_team(api, bob, acme):
    template = create_template(api, bob, acme)
    _, secret = token_create(user=bob, name="personal")  # bound to bob's personal team
    response = token_client(secret).post(
        f"/api/templates/{template.pk}/run/", {"variables": {"topic": "tides"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Run.objects.get().team == acme


def test_a_team_named_in_the_request_still_wins(api, bob, acme):
    template = create_template(api, bob, acme)
    personal = bob.personal_team
    response = api(bob).post(
        f"/api/templates/{template.pk}/run/",
        {"variables": {"topic": "tides"}, "team_id": str(personal.pk)},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Run.objects.get().team == personal


def test_a_link_holder_from_elsewhere_pays_with_his_token_team(api, alice, charlie, acme, globex):
    template = create_template(api, alice, acme, visibility="link")
    _, secret = token_create(user=charlie, name="script", team=globex)
    response = token_client(secret).post(
        f"/api/templates/{template.pk}/run/", {"variables": {"topic": "tides"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Run.objects.get().team == globex


def test_run_detail_names_its_template_version(api, bob, acme):
    template = create_template(api, bob, acme)
    run_id = (
        api(bob)
        .post(f"/api/templates/{template.pk}/run/", {"variables": {"topic": "x"}}, format="json")
        .json()["run_id"]
    )
    detail = api(bob).get(f"/api/runs/{run_id}/").json()
    assert detail["template"] == {
        "id": str(template.pk),
        "name": template.name,
        "version": 1,
        "version_id": str(template.versions.get().pk),
    }
    plain = (
        api(bob)
        .post(
            "/api/completions/",
            {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]},
            format="json",
        )
        .json()
    )
    assert api(bob).get(f"/api/runs/{plain['run_id']}/").json()["template"] is None
