"""Adding a run to a dataset: a template run's variables (found again in the request it sent)
or the last user message as `input`, and the answer as `expected` (JSON when JSON was asked for
and given); and the placeholder inverse it rests on."""

import pytest

from completions.models import Run
from completions.variables import render_messages, values_from_rendered
from tests.helpers import chat, create_dataset, create_template, image_part, post
from tests.samples import CITY_SCHEMA

pytestmark = pytest.mark.django_db


def add_run(api, user, dataset, run):
    url = f"/api/datasets/{dataset.pk}/items/from-run/"
    return api(user).post(url, {"run_id": str(run.pk)}, format="json")


def test_a_template_run_gives_its_variables_and_answer(api, alice, acme):
    template = create_template(api, alice, acme)
    ran = api(alice).post(
        f"/api/templates/{template.pk}/run/",
        {"variables": {"topic": "tides", "audience": "sailors"}},
        format="json",
    )
    assert ran.status_code == 200, ran.json()
    run = Run.objects.get()
    dataset = create_dataset(api, alice, acme)
    item = add_run(api, alice, dataset, run).json()
    assert item["variables"] == {"audience": "sailors", "topic": "tides"}
    assert item["expected"] == run.content and run.content
    assert item["metadata"]["run_id"] == str(run.pk)
    assert item["metadata"]["template_version_id"] == str(run.template_version_id)


def test_a_plain_run_gives_its_last_user_message_as_input(api, alice, acme):
    post(api(alice), chat(team_id=str(acme.pk)))
    run = Run.objects.get()
    dataset = create_dataset(api, alice, acme)
    item = add_run(api, alice, dataset, run).json()
    assert item["variables"] == {"input": "Tell me about octopuses"}
    assert item["expected"] == run.content


def test_a_json_answer_is_kept_as_json(api, alice, acme):
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": CITY_SCHEMA, "strict": True},
    }
    post(api(alice), chat(team_id=str(acme.pk), response_format=response_format))
    run = Run.objects.get()
    dataset = create_dataset(api, alice, acme)
    expected = add_run(api, alice, dataset, run).json()["expected"]
    assert isinstance(expected, dict) and set(expected) == {"name", "population", "tags"}


def test_a_run_still_running_is_refused(api, alice, acme):
    post(api(alice), chat(team_id=str(acme.pk)))
    run = Run.objects.get()
    Run.objects.filter(pk=run.pk).update(status=Run.Status.RUNNING)
    response = add_run(api, alice, create_dataset(api, alice, acme), run)
    assert response.status_code == 400 and "run_id" in response.json()["errors"]


def test_a_message_s_images_are_left_out_and_counted_images_only_is_refused(api, alice, acme):
    """Items hold text: the text of a message with images is kept and the images counted;
    a message of images only is a 400 saying why, and no item is made."""
    text = {"type": "text", "text": "What is in these pictures?"}
    pictured = [{"role": "user", "content": [text, image_part(), image_part()]}]
    post(api(alice), chat(team_id=str(acme.pk), messages=pictured))
    dataset = create_dataset(api, alice, acme)
    item = add_run(api, alice, dataset, Run.objects.get()).json()
    assert item["variables"] == {"input": "What is in these pictures?"}
    assert item["metadata"]["images_left_out"] == 2
    Run.objects.all().delete()
    post(
        api(alice),
        chat(team_id=str(acme.pk), messages=[{"role": "user", "content": [image_part()]}]),
    )
    response = add_run(api, alice, dataset, Run.objects.get())
    assert response.status_code == 400
    assert "images only" in response.json()["errors"]["run_id"][0]
    assert dataset.items.count() == 1


MESSAGES = [
    {"role": "system", "content": "You write for {{audience}}. \\{{literal}}"},
    {"role": "user", "content": "Explain {{ topic }} to {{audience}}, then {{topic}} again."},
]


@pytest.mark.parametrize(
    "values",
    [
        {"audience": "sailors", "topic": "tides"},
        {"audience": "", "topic": "a {{brace}} and\nnewline"},
    ],
)
def test_values_are_found_again_in_the_rendering(values):
    assert values_from_rendered(MESSAGES, render_messages(MESSAGES, values)) == values


def test_a_request_that_is_not_a_rendering_gives_none():
    rendered = render_messages(MESSAGES, {"audience": "a", "topic": "b"})
    rendered[1]["content"] = "Something else entirely"
    assert values_from_rendered(MESSAGES, rendered) is None
    assert values_from_rendered(MESSAGES, rendered[:1]) is None
