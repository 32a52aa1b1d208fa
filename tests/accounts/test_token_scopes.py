"""API token scopes: every /api/ endpoint and method needs the scope written in EXPECTED below
(a new endpoint fails the first test until it is added here, and needs `manage` until its view
says otherwise); a leaked token made with the default scope can neither mint tokens nor
manage teams; revoking a token revokes what it minted; browser sessions need no scope."""

import importlib
import re
import uuid
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ApiToken, InviteLink, Membership, Scope
from accounts.permissions import TokenScope, token_scope_needed
from accounts.services import token_create, token_revoke
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

RUN, USAGE, TEMPLATES, DATASETS, MANAGE = Scope.values

EXPECTED = {
    ("api_me", "GET"): RUN,
    ("api_me", "PATCH"): MANAGE,
    ("api_teams", "GET"): RUN,
    ("api_teams", "POST"): MANAGE,
    ("api_team", "GET"): RUN,
    ("api_team", "PATCH"): MANAGE,
    ("api_members", "GET"): MANAGE,
    ("api_members", "POST"): MANAGE,
    ("api_member", "PATCH"): MANAGE,
    ("api_member", "DELETE"): MANAGE,
    ("api_invite_links", "GET"): MANAGE,
    ("api_invite_links", "POST"): MANAGE,
    ("api_invite_link", "DELETE"): MANAGE,
    ("api_tokens", "GET"): MANAGE,
    ("api_tokens", "POST"): MANAGE,
    ("api_token", "GET"): MANAGE,
    ("api_token", "DELETE"): MANAGE,
    ("api_models", "GET"): RUN,
    ("api_completions", "POST"): RUN,
    ("api_runs", "GET"): RUN,
    ("api_run", "GET"): RUN,
    ("api_run", "PATCH"): RUN,  # sharing a run needs no more than reading it
    ("api_run_shared", "GET"): RUN,
    ("api_templates", "GET"): RUN,
    ("api_templates", "POST"): TEMPLATES,
    ("api_template", "GET"): RUN,
    ("api_template", "PATCH"): TEMPLATES,
    ("api_template", "DELETE"): TEMPLATES,
    ("api_template_versions", "GET"): RUN,
    ("api_template_versions", "POST"): TEMPLATES,
    ("api_template_version", "GET"): RUN,
    ("api_template_labels", "GET"): RUN,
    ("api_template_label", "PUT"): TEMPLATES,
    ("api_template_render", "POST"): RUN,
    ("api_template_run", "POST"): RUN,
    ("api_template_fork", "POST"): TEMPLATES,
    ("api_template_policies", "GET"): RUN,
    ("api_template_policy", "PUT"): TEMPLATES,
    ("api_template_policy", "DELETE"): TEMPLATES,
    ("api_team_budgets", "GET"): USAGE,
    ("api_team_budgets", "POST"): MANAGE,
    ("api_team_budget", "DELETE"): MANAGE,
    ("api_usage", "GET"): USAGE,
    ("api_usage_csv", "GET"): USAGE,
    ("api_datasets", "GET"): RUN,
    ("api_datasets", "POST"): DATASETS,
    ("api_dataset", "GET"): RUN,
    ("api_dataset", "PATCH"): DATASETS,
    ("api_dataset", "DELETE"): DATASETS,
    ("api_dataset_items", "GET"): RUN,
    ("api_dataset_items", "POST"): DATASETS,
    ("api_dataset_item", "GET"): RUN,
    ("api_dataset_item", "PATCH"): DATASETS,
    ("api_dataset_item", "DELETE"): DATASETS,
    ("api_dataset_item_revisions", "GET"): RUN,
    ("api_dataset_item_duplicate", "POST"): DATASETS,
    ("api_dataset_item_from_run", "POST"): DATASETS,
    ("api_dataset_import", "POST"): DATASETS,
    ("api_dataset_export_csv", "GET"): RUN,
    ("api_dataset_export_jsonl", "GET"): RUN,
    ("api_dataset_evaluators", "GET"): RUN,
    ("api_dataset_evaluators", "PUT"): DATASETS,
    ("api_experiments", "GET"): RUN,
    ("api_experiments", "POST"): DATASETS,
    ("api_experiment", "GET"): RUN,
    ("api_experiment_estimate", "GET"): RUN,
    ("api_experiment_start", "POST"): DATASETS,
    ("api_experiment_cancel", "POST"): DATASETS,
    ("api_experiment_progress", "GET"): RUN,
    ("api_experiment_summary", "GET"): RUN,
    ("api_experiment_results", "GET"): RUN,
    ("api_experiment_evaluate", "POST"): DATASETS,
    ("api_experiment_export_csv", "GET"): RUN,
    ("api_experiment_export_jsonl", "GET"): RUN,
    ("api_experiments_usage", "GET"): USAGE,
    ("api_experiments_usage_csv", "GET"): USAGE,
    ("api_experiments_compare", "GET"): RUN,
    ("api_experiment_cell_review", "GET"): RUN,
    ("api_experiment_cell_review", "PUT"): DATASETS,
    ("api_experiment_diff", "GET"): RUN,
    ("api_experiment_promote", "POST"): TEMPLATES,
}
# Public descriptions of the API, and the JSON 404 for any other /api/ URL: no token involved.
NOT_SCOPED = {"api_schema", "api_docs", "api_not_found"}


def _api_views():
    """{url name: (view class, its URL pattern's converters)} for every route under /api/."""
    found = {}

    def walk(patterns, converters):
        for pattern in patterns:
            here = {**converters, **pattern.pattern.converters}
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, here)
            elif isinstance(pattern, URLPattern) and pattern.name not in NOT_SCOPED:
                found[pattern.name] = (pattern.callback.cls, here)

    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    walk(api.url_patterns, {})
    return found


VIEWS = _api_views()
SAMPLE = {  # an argument for each kind of path converter (random ids: nothing is found)
    "UUIDConverter": uuid.uuid4(),
    "IntConverter": 1,
    "StringConverter": "nobody",
    "SlugConverter": "staging",
}


def _url(name: str) -> str:
    _, converters = VIEWS[name]
    kwargs = {key: SAMPLE[type(converter).__name__] for key, converter in converters.items()}
    return reverse(name, kwargs=kwargs)


def _methods(view_class) -> list[str]:
    return [
        method.upper()
        for method in view_class.http_method_names
        if method not in ("options", "head") and hasattr(view_class, method)
    ]


def test_every_api_endpoint_declares_the_scope_written_here():
    declared = {
        (name, method): token_scope_needed(view_class, method)
        for name, (view_class, _) in VIEWS.items()
        for method in _methods(view_class)
    }
    assert declared == EXPECTED
    for view_class, _ in VIEWS.values():  # views that set their own permission classes too
        permissions = view_class().get_permissions()
        assert any(isinstance(p, TokenScope) for p in permissions), view_class


def _call(client, name: str, method: str):
    return getattr(client, method.lower())(_url(name), {}, format="json")


@pytest.mark.parametrize(("name", "method"), sorted(EXPECTED))
def test_token_without_the_scope_gets_403_naming_it_and_with_it_gets_past(alice, name, method):
    needed = EXPECTED[(name, method)]
    _, without = token_create(
        user=alice, name="without", scopes=[s for s in Scope.values if s != needed]
    )
    refused = _call(token_client(without), name, method)
    assert refused.status_code == 403
    assert f"“{needed}” scope" in refused.json()["detail"]

    _, only = token_create(user=alice, name="only", scopes=[needed])
    assert _call(token_client(only), name, method).status_code != 403  # 200, 400 or 404


def test_session_needs_no_scope(api, alice, acme):
    response = api(alice).post(
        f"/api/teams/{acme.pk}/invite-links/", {"role": "member"}, format="json"
    )
    assert response.status_code == 201


def test_options_needs_no_scope(alice):
    _, secret = token_create(user=alice, name="usage only", scopes=[USAGE])
    assert token_client(secret).options("/api/tokens/").status_code == 200


# The leaked token of the issue


def test_default_token_only_runs(alice):
    token, _ = token_create(user=alice, name="script")
    assert token.scopes == [RUN]


def test_leaked_default_token_mints_no_token_and_manages_no_team(alice, acme):
    _, leaked = token_create(user=alice, name="ci", team=acme)
    client = token_client(leaked)
    attempts = {
        "token": client.post("/api/tokens/", {"name": "backdoor"}, format="json"),
        "member": client.post(
            f"/api/teams/{acme.pk}/members/", {"user": "charlie", "role": "admin"}, format="json"
        ),
        "invite": client.post(
            f"/api/teams/{acme.pk}/invite-links/", {"role": "owner"}, format="json"
        ),
        "role": client.patch(f"/api/teams/{acme.pk}/members/bob/", {"role": "admin"}),
        "team": client.patch(f"/api/teams/{acme.pk}/", {"name": "Pwned"}, format="json"),
    }
    for what, response in attempts.items():
        assert response.status_code == 403, what
        assert "“manage” scope" in response.json()["detail"]
    assert ApiToken.objects.count() == 1
    assert not InviteLink.objects.exists()
    assert not Membership.objects.filter(team=acme, user__username="charlie").exists()
    assert Membership.objects.get(team=acme, user__username="bob").role == "member"


def test_manage_token_manages_teams_and_tokens(alice, acme, charlie):
    _, secret = token_create(user=alice, name="admin script", team=acme, scopes=[MANAGE])
    client = token_client(secret)
    member = client.post(f"/api/teams/{acme.pk}/members/", {"user": "charlie"}, format="json")
    invite = client.post(f"/api/teams/{acme.pk}/invite-links/", {}, format="json")
    minted = client.post("/api/tokens/", {"name": "child", "scopes": [MANAGE]}, format="json")
    assert (member.status_code, invite.status_code, minted.status_code) == (201, 201, 201)
    assert minted.json()["scopes"] == [MANAGE]


def test_a_token_gives_no_scope_it_lacks(alice):
    parent, secret = token_create(user=alice, name="manager", scopes=[MANAGE])
    response = token_client(secret).post(
        "/api/tokens/", {"name": "wider", "scopes": [MANAGE, USAGE]}, format="json"
    )
    assert response.status_code == 403 and "usage" in response.json()["detail"]
    default = token_client(secret).post("/api/tokens/", {"name": "default"}, format="json")
    assert default.status_code == 403  # the default, run, is beyond it too
    assert list(ApiToken.objects.all()) == [parent]


def test_revoking_a_leaked_token_revokes_every_token_it_minted(api, alice):
    leaked, secret = token_create(user=alice, name="leaked", scopes=[RUN, MANAGE])
    child = token_client(secret).post(
        "/api/tokens/", {"name": "child", "scopes": [RUN, MANAGE]}, format="json"
    )
    assert child.json()["created_by_token"] == str(leaked.pk)
    grandchild = token_client(child.json()["token"]).post(
        "/api/tokens/", {"name": "grandchild"}, format="json"
    )
    _, unrelated = token_create(user=alice, name="unrelated")

    assert api(alice).delete(f"/api/tokens/{leaked.pk}/").json()["is_active"] is False
    for secret_made in (secret, child.json()["token"], grandchild.json()["token"]):
        assert token_client(secret_made).get("/api/me/").status_code == 401
    assert token_client(unrelated).get("/api/me/").status_code == 200


def test_revoking_a_minted_token_leaves_its_maker(alice):
    maker, secret = token_create(user=alice, name="maker", scopes=[MANAGE])
    made, _ = token_create(user=alice, name="made", scopes=[MANAGE], created_by_token=maker)
    token_revoke(token=made)
    maker.refresh_from_db()
    assert maker.is_active


# Choosing scopes


def test_api_rejects_unknown_or_no_scopes(api, alice):
    unknown = api(alice).post("/api/tokens/", {"name": "x", "scopes": ["root"]}, format="json")
    empty = api(alice).post("/api/tokens/", {"name": "x", "scopes": []}, format="json")
    assert (unknown.status_code, empty.status_code) == (400, 400)
    assert "scopes" in unknown.json()["errors"] and "scopes" in empty.json()["errors"]
    assert not ApiToken.objects.exists()


def test_scopes_are_stored_once_each_in_a_fixed_order(alice):
    token, _ = token_create(user=alice, name="x", scopes=[MANAGE, RUN, MANAGE])
    assert token.scopes == [RUN, MANAGE]


def test_tokens_page_checks_only_run_and_creates_the_scopes_ticked(client, alice):
    client.force_login(alice)
    page = client.get("/accounts/tokens/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="scopes" value="(\w+)"([^>]*)>', page)
    assert [(value, "checked" in rest) for value, rest in boxes] == [
        (RUN, True),
        (USAGE, False),
        (TEMPLATES, False),
        (DATASETS, False),
        (MANAGE, False),
    ]
    team = alice.personal_team
    response = client.post(
        "/accounts/tokens/", {"name": "reports", "team": str(team.pk), "scopes": [USAGE]}
    )
    assert response.status_code == 200
    assert ApiToken.objects.get(name="reports").scopes == [USAGE]
    assert '<span class="badge">usage</span>' in response.content.decode()


def test_tokens_page_needs_a_scope(client, alice):
    client.force_login(alice)
    client.post("/accounts/tokens/", {"name": "none", "team": str(alice.personal_team.pk)})
    assert not ApiToken.objects.exists()


def test_create_token_command_takes_scopes_and_prints_them_apart(alice):
    out, err = StringIO(), StringIO()
    call_command(
        "create_token", "alice", "--scope", "manage", "--scope", "run", stdout=out, stderr=err
    )
    token = ApiToken.objects.get()
    assert token.scopes == [RUN, MANAGE] and out.getvalue().strip().startswith("oct_")
    assert "Scopes: run, manage" in err.getvalue()
    call_command("create_token", "alice", "--name", "plain", stdout=out, stderr=err)
    assert ApiToken.objects.get(name="plain").scopes == [RUN]


def test_tokens_made_before_scopes_keep_all_but_manage(alice):
    migration = importlib.import_module("accounts.migrations.0004_apitoken_scopes")
    token, _ = token_create(user=alice, name="old script", scopes=[MANAGE])
    migration.scope_existing_tokens(apps, None)
    token.refresh_from_db()
    assert token.scopes == [RUN, USAGE, TEMPLATES]


def test_schema_names_each_operations_scope_and_its_403(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]
    assert paths["/api/tokens/"]["post"]["x-token-scope"] == MANAGE
    assert "403" in paths["/api/tokens/"]["post"]["responses"]
    assert paths["/api/models/"]["get"]["x-token-scope"] == RUN
    assert "`run` scope" in paths["/api/models/"]["get"]["description"]
    assert paths["/api/usage/csv/"]["get"]["x-token-scope"] == USAGE
