"""Provider API keys: encrypted at rest, never shown, rotatable."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from completions import crypto
from completions.models import Provider

pytestmark = pytest.mark.django_db

KEY = "sk-live-provider-secret-1234567890"


def stored_row() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM completions_provider")
        return repr(cursor.fetchall())


def make_provider() -> Provider:
    provider = Provider(slug="local", name="Local", base_url="http://127.0.0.1:9/v1")
    provider.set_api_key(KEY)
    provider.save()
    return provider


def test_key_is_encrypted_at_rest_and_readable_back():
    provider = make_provider()
    assert KEY not in stored_row()
    assert Provider.objects.get(pk=provider.pk).api_key == KEY
    assert provider.api_key_hint == "…7890"


def test_key_derived_from_secret_key_when_no_dedicated_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt("x")
    settings.SECRET_KEY = "a different secret"
    with pytest.raises(crypto.DecryptionError, match="Rotating the encryption key"):
        crypto.decrypt(token)


def test_rotation_re_encrypts_with_the_new_key(settings):
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    provider = make_provider()
    before = Provider.objects.get(pk=provider.pk).api_key_encrypted

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_provider_keys", stdout=out)
    assert "Re-encrypted 1 provider key" in out.getvalue()
    after = Provider.objects.get(pk=provider.pk).api_key_encrypted
    assert after != before

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # old key retired
    assert Provider.objects.get(pk=provider.pk).api_key == KEY


def test_admin_never_renders_the_key(client, staff):
    provider = make_provider()
    client.force_login(staff)
    for url in (
        "/admin/completions/provider/",
        f"/admin/completions/provider/{provider.pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert KEY not in page.content.decode()
        assert provider.api_key_encrypted not in page.content.decode()


def test_admin_sets_keeps_and_clears_key(client, staff):
    client.force_login(staff)
    data = {
        "slug": "llama",
        "name": "Llama",
        "base_url": "http://127.0.0.1:8081/v1",
        "is_active": "on",
    }
    client.post("/admin/completions/provider/add/", {**data, "api_key": KEY})
    provider = Provider.objects.get(slug="llama")
    assert provider.api_key == KEY
    client.post(f"/admin/completions/provider/{provider.pk}/change/", {**data, "api_key": ""})
    assert Provider.objects.get(pk=provider.pk).api_key == KEY
    client.post(
        f"/admin/completions/provider/{provider.pk}/change/", {**data, "clear_api_key": "on"}
    )
    assert Provider.objects.get(pk=provider.pk).api_key == ""


def test_only_staff_reach_provider_admin(client, alice):
    client.force_login(alice)
    assert client.get("/admin/completions/provider/add/").status_code == 302


def test_moving_from_the_derived_key_to_a_dedicated_one_then_changing_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    provider = make_provider()  # encrypted with the SECRET_KEY-derived key
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    call_command("rotate_provider_keys", stdout=StringIO())
    settings.SECRET_KEY = "a brand new secret key"
    assert Provider.objects.get(pk=provider.pk).api_key == KEY
