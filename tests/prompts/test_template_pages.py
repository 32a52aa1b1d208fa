import pytest

from completions.models import Run
from prompts.models import PromptTemplate, TemplateLabel
from tests.helpers import create_template
from tests.samples import PROMPT

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(api, alice, acme):
    created = create_template(api, alice, acme)
    api(alice).post(
        f"/api/templates/{created.pk}/versions/",
        {**PROMPT, "commit_message": "tweak", "params": {"temperature": 0.7}},
        format="json",
    )
    return created


def page(client, user, template, query=""):
    if user:
        client.force_login(user)
    return client.get(f"/templates/{template.pk}/{query}")


def test_list_searches_and_scopes(client, bob, template):
    client.force_login(bob)
    assert b"Explainer" in client.get("/templates/").content
    assert b"Explainer" not in client.get("/templates/?q=nothing").content
    assert b"Explainer" not in client.get("/templates/?scope=mine").content
    assert b"Explainer" in client.get("/templates/?scope=team").content


def test_detail_shows_versions_labels_variables_and_run_form(client, bob, template):
    response = page(client, bob, template)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Version 2" in body and "tweak" in body
    assert 'name="var_topic"' in body and 'name="var_audience"' in body
    assert "default: engineers" in body
    assert "Point label" not in body  # bob is a plain member: no editing controls
    assert "Delete template" not in body


def test_diff_between_versions(client, alice, template):
    body = page(client, alice, template, "?a=1&b=2").content.decode()
    assert "<h4>Parameters <span" in body
    assert 'class="diff-line diff-del">-   &quot;temperature&quot;: 0.2' in body
    assert 'class="diff-line diff-add">+   &quot;temperature&quot;: 0.7' in body


def test_run_form_runs_with_variables_and_shows_the_run(client, bob, template, upstream):
    client.force_login(bob)
    response = client.post(
        f"/templates/{template.pk}/run/", {"version": "1", "var_topic": "tides", "var_audience": ""}
    )
    run = Run.objects.get()
    assert response["Location"] == f"/runs/{run.pk}/"
    assert run.template_version.number == 1 and run.user == bob
    assert upstream.requests[-1].body["messages"][1]["content"] == "Explain tides briefly."
    assert upstream.requests[-1].body["messages"][0]["content"] == "You write for engineers."


def test_run_form_missing_variable_shows_message(client, bob, template):
    client.force_login(bob)
    response = client.post(f"/templates/{template.pk}/run/", {"version": "1"}, follow=True)
    assert "Missing value" in response.content.decode()
    assert not Run.objects.exists()


def test_label_and_rollback_through_the_page(client, alice, template):
    client.force_login(alice)
    client.post(f"/templates/{template.pk}/label/", {"name": "production", "version": "2"})
    client.post(f"/templates/{template.pk}/label/", {"name": "production", "version": "1"})
    assert TemplateLabel.objects.get(name="production").version.number == 1
    assert "Roll back to v2" in page(client, alice, template).content.decode()


@pytest.mark.parametrize("name", ["bad name!", "", "x" * 41, "ünïcode"])
def test_a_label_name_that_is_not_a_slug_is_refused(client, alice, template, name):
    client.force_login(alice)
    response = client.post(
        f"/templates/{template.pk}/label/", {"name": name, "version": "1"}, follow=True
    )
    assert "1-40 letters, digits, hyphens or underscores" in response.content.decode()
    assert not TemplateLabel.objects.exists()


def test_member_cannot_move_labels_through_the_page(client, bob, template):
    client.force_login(bob)
    response = client.post(
        f"/templates/{template.pk}/label/", {"name": "staging", "version": "1"}, follow=True
    )
    assert "Only team owners and admins" in response.content.decode()
    assert not TemplateLabel.objects.exists()


def test_fork_through_the_page(client, bob, template):
    client.force_login(bob)
    response = client.post(
        f"/templates/{template.pk}/fork/", {"version": "2", "team": str(bob.personal_team.pk)}
    )
    fork = PromptTemplate.objects.get(created_by=bob)
    assert response["Location"].startswith(f"/templates/{fork.pk}/")
    assert fork.versions.get().params == {"temperature": 0.7}


def test_settings_and_delete_for_editors_only(client, alice, bob, template):
    client.force_login(bob)
    client.post(f"/templates/{template.pk}/settings/", {"name": "Hijacked", "visibility": "link"})
    client.post(f"/templates/{template.pk}/delete/")
    template.refresh_from_db()
    assert template.name == "Explainer" and template.visibility == "team"
    client.force_login(alice)
    client.post(f"/templates/{template.pk}/settings/", {"name": "Explainer", "visibility": "link"})
    template.refresh_from_db()
    assert template.visibility == "link"
    client.post(f"/templates/{template.pk}/delete/")
    assert not PromptTemplate.objects.exists()


@pytest.mark.parametrize("path", ["", "run/", "label/", "fork/", "settings/", "delete/"])
def test_stranger_gets_404_everywhere(client, charlie, template, path):
    client.force_login(charlie)
    url = f"/templates/{template.pk}/{path}"
    response = (
        client.get(url)
        if not path
        else client.post(url, {"version": "1", "name": "x", "team": str(charlie.personal_team.pk)})
    )
    assert response.status_code == 404


def test_anonymous_link_holder_reads_but_must_log_in_to_run(client, api, alice, acme):
    shared = create_template(api, alice, acme, name="Shared", visibility="link")
    body = client.get(f"/templates/{shared.pk}/").content.decode()
    assert "Explain {{ topic }} briefly." in body and "Log in</a> to run" in body
    response = client.post(f"/templates/{shared.pk}/run/", {"version": "1", "var_topic": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Run.objects.exists()


def test_anonymous_cannot_see_team_template(client, template):
    assert client.get(f"/templates/{template.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("fork/", {"version": "1", "team": "not-a-team"}),
        ("fork/", {"version": "one", "team": ""}),
        ("run/", {"version": "one"}),
        ("label/", {"version": "", "name": "staging"}),
    ],
)
def test_garbled_form_values_are_messages_not_500s(client, alice, template, path, data):
    client.force_login(alice)
    response = client.post(f"/templates/{template.pk}/{path}", data, follow=True)
    assert response.status_code == 200
    assert "Choose" in response.content.decode()
