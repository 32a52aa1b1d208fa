"""The Django admin works for every model: list, detail and (where allowed) add pages."""

import pytest
from django.contrib import admin
from django.urls import reverse

from completions.models import Run
from tests.helpers import chat, create_dataset, create_template, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(api, alice, acme):
    """One of everything, so change pages have an object to show."""
    template = create_template(api, alice, acme)
    api(alice).put(
        f"/api/templates/{template.pk}/labels/production/", {"version": 1}, format="json"
    )
    api(alice).post(f"/api/teams/{acme.pk}/invite-links/", {}, format="json")
    api(alice).post("/api/tokens/", {"name": "t"}, format="json")
    post(api(alice), chat())
    assert Run.objects.exists()
    create_dataset(api, alice, acme, items=[{"variables": {"topic": "tides"}}])


def test_every_registered_model_has_working_admin_pages(client, staff, populated):
    client.force_login(staff)
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert client.get(reverse(f"{prefix}_changelist")).status_code == 200, prefix
        if model_admin.has_add_permission(type("Request", (), {"user": staff})()):
            assert client.get(reverse(f"{prefix}_add")).status_code == 200, prefix
        obj = model._default_manager.first()
        if obj is not None:
            url = reverse(f"{prefix}_change", args=[obj.pk])
            assert client.get(url).status_code == 200, prefix


def test_admin_is_for_staff_only(client, alice):
    client.force_login(alice)
    assert client.get("/admin/").status_code == 302
