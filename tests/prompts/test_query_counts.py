"""Template lists and label histories cost the same number of queries for 3 rows as for 12."""

import pytest

from prompts import services
from tests.samples import PROMPT

pytestmark = pytest.mark.django_db


def add_templates(alice, bob, team, first: int, count: int) -> None:
    """Templates by alice and bob, each at version 2 with `production` on version 1."""
    for number in range(first, first + count):
        author = alice if number % 2 else bob
        template = services.template_create(
            user=author, team=team, name=f"Prompt {number}", data=PROMPT
        )
        services.template_version_create(user=author, template=template, data=PROMPT)
        services.template_label_set(
            user=alice,
            template=template,
            name="production",
            version=template.versions.get(number=1),
        )


def move_labels(alice, template, count: int) -> None:
    """Move `production` back and forth between versions 1 and 2: one LabelMove each."""
    versions = list(template.versions.order_by("number"))
    for _ in range(count):
        current = template.labels.filter(name="production").first()
        goes_to = versions[1] if current is None or current.version == versions[0] else versions[0]
        services.template_label_set(
            user=alice, template=template, name="production", version=goes_to
        )


@pytest.fixture
def template(alice, acme):
    created = services.template_create(user=alice, team=acme, name="Moved", data=PROMPT)
    services.template_version_create(user=alice, template=created, data=PROMPT)
    return created


def test_template_list_page(client, alice, bob, acme, queries_do_not_grow):
    add_templates(alice, bob, acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/templates/"),
        lambda: add_templates(alice, bob, acme, 3, 9),
        at_most=7,
    )
    assert all(f"Prompt {number}<" in page.content.decode() for number in range(12))


def test_template_list_api(api, alice, bob, acme, queries_do_not_grow):
    add_templates(alice, bob, acme, 0, 3)
    client = api(alice)
    response = queries_do_not_grow(
        lambda: client.get("/api/templates/"),
        lambda: add_templates(alice, bob, acme, 3, 9),
        at_most=4,
    )
    rows = [(row["latest_version"], row["labels"]) for row in response.json()]
    assert rows == [(2, {"production": 1})] * 12


def test_label_history_api(api, alice, template, queries_do_not_grow):
    move_labels(alice, template, 3)
    client = api(alice)
    response = queries_do_not_grow(
        lambda: client.get(f"/api/templates/{template.pk}/labels/"),
        lambda: move_labels(alice, template, 9),
        at_most=6,
    )
    assert len(response.json()["history"]) == 12


def test_template_page_with_its_label_history(client, alice, template, queries_do_not_grow):
    move_labels(alice, template, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get(f"/templates/{template.pk}/"),
        lambda: move_labels(alice, template, 9),
        at_most=16,  # two of them the label policies and the datasets a policy may name
    )
    assert page.content.decode().count("moved <strong>production</strong>") == 12
