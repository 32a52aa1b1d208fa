"""The dataset pages: the list per team, creating one, a dataset's items (escaped, paged),
importing a file with its errors shown, settings and deletion; outsiders get 404s."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from completions.models import Run
from datasets.models import Dataset, Item
from tests.helpers import chat, create_dataset, post

pytestmark = pytest.mark.django_db


def test_list_shows_each_team_with_its_datasets(client, api, alice, bob, acme):
    create_dataset(api, bob, acme, name="Shared", items=[{"variables": {"q": "x"}}])
    create_dataset(api, bob, acme, name="Bob's own", visibility="private")
    client.force_login(alice)
    page = client.get("/datasets/").content.decode()
    assert "Shared</a>" in page and "Bob&#x27;s own" not in page
    assert '<a href="/datasets/" aria-current="page">Datasets</a>' in page


def test_create_from_the_list(client, alice, acme):
    client.force_login(alice)
    response = client.post(
        "/datasets/new/", {"name": "Evals", "team": str(acme.pk), "visibility": "private"}
    )
    dataset = Dataset.objects.get()
    assert response.url == f"/datasets/{dataset.pk}/"
    assert (dataset.team, dataset.visibility, dataset.created_by) == (acme, "private", alice)
    again = client.post("/datasets/new/", {"name": "Evals", "team": str(acme.pk)}, follow=True)
    assert "already has a dataset called" in again.content.decode()
    odd = {"name": "Other", "team": str(acme.pk), "visibility": "public"}
    assert (
        "One of: private, team." in client.post("/datasets/new/", odd, follow=True).content.decode()
    )
    assert Dataset.objects.count() == 1


def test_items_are_escaped(client, api, alice, acme):
    evil = {"variables": {"<b>n</b>": "<script>alert(1)</script>"}, "expected": "<img src=x>"}
    dataset = create_dataset(api, alice, acme, items=[evil])
    client.force_login(alice)
    page = client.get(f"/datasets/{dataset.pk}/").content.decode()
    assert "<script>alert" not in page and "<img src=x>" not in page and "<b>n" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_items_are_paged_fifty_at_a_time(client, api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    upload = SimpleUploadedFile(
        "a.csv", ("q\n" + "".join(f"row {n}\n" for n in range(120))).encode()
    )
    client.force_login(alice)
    client.post(f"/datasets/{dataset.pk}/import/", {"file": upload})
    last = client.get(f"/datasets/{dataset.pk}/?page=last").content.decode()
    assert "Page 3 of 3" in last and "row 119" in last and "row 99<" not in last


def test_import_errors_are_shown_and_nothing_is_added(client, api, alice, acme):
    dataset = create_dataset(api, alice, acme)
    client.force_login(alice)
    bad = SimpleUploadedFile("a.csv", b'q,tags\nfine,a\nbad,"' + b"x" * 50 + b'"\n')
    response = client.post(f"/datasets/{dataset.pk}/import/", {"file": bad})
    assert response.status_code == 400
    assert "Line 3, column 2 “tags”:" in response.content.decode()
    assert not Item.objects.exists()
    good = SimpleUploadedFile("a.csv", b"q\nfine\n")
    done = client.post(f"/datasets/{dataset.pk}/import/", {"file": good}, follow=True)
    assert "Imported 1 items" in done.content.decode() and Item.objects.count() == 1


def test_settings_and_delete(client, api, alice, bob, acme):
    dataset = create_dataset(api, alice, acme)
    client.force_login(bob)  # a member edits; only the creator and managers change visibility
    client.post(f"/datasets/{dataset.pk}/settings/", {"name": "Renamed", "visibility": "private"})
    dataset.refresh_from_db()
    assert (dataset.name, dataset.visibility) == ("Renamed", "team")
    client.post(f"/datasets/{dataset.pk}/delete/")
    assert Dataset.objects.exists()
    client.force_login(alice)
    client.post(f"/datasets/{dataset.pk}/delete/")
    assert not Dataset.objects.exists()


def test_outsiders_get_404s(client, api, alice, charlie, acme):
    dataset = create_dataset(api, alice, acme)
    client.force_login(charlie)
    for url in ("", "import/", "settings/", "delete/"):
        method = client.get if url == "" else client.post
        assert method(f"/datasets/{dataset.pk}/{url}").status_code == 404, url
    client.logout()
    assert client.get(f"/datasets/{dataset.pk}/").status_code == 302  # to the log-in page


def test_the_run_page_offers_the_team_datasets(client, api, alice, acme):
    post(api(alice), chat(team_id=str(acme.pk)))
    run = Run.objects.get()
    client.force_login(alice)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert f'data-team="{acme.pk}"' in page and 'id="add-to-dataset"' in page
