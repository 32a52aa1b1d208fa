"""Images in user messages (OpenAI image_url parts): accepted as the official schema has them,
checked by their bytes, passed upstream as they are, and kept in runs and templates."""

import base64
import json

import pytest

from accounts.services import token_create
from budgets.services import prompt_estimate
from completions.models import Run
from completions.schemas import schema_validator
from tests.helpers import (
    MODEL,
    create_template,
    data_url,
    image_part,
    png,
    post,
)

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


def with_parts(*parts, **extra) -> dict:
    content = [{"type": "text", "text": "What is in this picture?"}, *parts]
    return {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}


def sent_upstream(upstream) -> dict:
    return [r for r in upstream.requests if r.path.endswith("/chat/completions")][-1].body


@pytest.fixture
def official():
    """The official request schema, checked with this project's own validator helper."""
    with open("tests/spec/openai-chat-completions.schema.json") as spec:
        schema = json.load(spec)
    return schema_validator({**schema, "$ref": "#/$defs/CreateChatCompletionRequest"})


@pytest.mark.parametrize(
    "part",
    [
        image_part(),
        image_part(data_url(JPEG, "image/jpeg"), detail="low"),
        image_part(data_url(GIF, "image/gif"), detail="high"),
        image_part(data_url(WEBP, "image/webp")),
        image_part("https://example.com/octopus.png", detail="auto"),
        image_part("http://example.com/a.jpg?size=large"),
    ],
    ids=["png", "jpeg", "gif", "webp", "https", "http"],
)
def test_accepted_image_parts_run_and_reach_the_upstream_unchanged(
    api, alice, upstream, official, part
):
    body = with_parts(part)
    assert not list(official.iter_errors(body)), "the sample must be a valid OpenAI request"
    response = post(api(alice), body)
    assert response.status_code == 200, response.json()
    assert sent_upstream(upstream)["messages"] == body["messages"]
    assert "I see 1 image." in response.json()["message"]["content"]
    assert Run.objects.get(pk=response.json()["run_id"]).request["messages"] == body["messages"]


def test_a_users_url_is_never_fetched_by_the_server(api, alice, upstream):
    # The only request the server makes is the call to the upstream, which gets the URL.
    before = len(upstream.requests)
    url = f"{upstream.base_url}/secret-image.png"
    assert post(api(alice), with_parts(image_part(url))).status_code == 200
    assert [r.path for r in upstream.requests[before:]] == ["/v1/chat/completions"]


def problem(api, user, body) -> dict:
    response = post(api(user), body)
    assert response.status_code == 400, response.json()
    return response.json()["errors"]


URL_FIELD = "messages[0].content[1].image_url.url"


@pytest.mark.parametrize(
    ("part", "fragment"),
    [
        (image_part("data:image/svg+xml;base64,PHN2Zz4="), "PNG, JPEG, WebP or GIF"),
        (image_part(data_url(JPEG, "image/png")), "says image/png, but the data is image/jpeg"),
        (image_part(data_url(b"just some text, no image")), "not a PNG, JPEG, WebP or GIF"),
        (image_part("data:image/png;base64,%%%notbase64"), "not valid base64"),
        (image_part("data:image/png,rawbytes"), "data:image/png;base64,"),
        (image_part("javascript:alert(1)"), "http(s) URL"),
        (image_part("file:///etc/passwd"), "http(s) URL"),
        (image_part("https://" + "a" * 5000 + ".com/x.png"), "at most 4096 characters"),
        ({"type": "image_url", "image_url": {"url": ""}}, "data URL or an http(s) URL"),
    ],
)
def test_a_bad_image_is_a_400_naming_its_url(api, alice, upstream, part, fragment):
    errors = problem(api, alice, with_parts(part))
    assert fragment in " ".join(errors[URL_FIELD]), errors
    assert not upstream.requests


def test_bad_detail_and_shape_are_named(api, alice, upstream):
    errors = problem(
        api,
        alice,
        with_parts(image_part(detail="ultra"), {"type": "image_url", "image_url": "https://x"}),
    )
    assert "auto, low, high" in errors["messages[0].content[1].image_url.detail"][0]
    assert "Must be an object" in errors["messages[0].content[2].image_url"][0]


def test_an_image_too_large_is_a_400_with_its_size(api, alice, settings):
    settings.COMPLETION_IMAGE_MAX_BYTES = 100
    errors = problem(api, alice, with_parts(image_part(data_url(png(40, 40)))))
    assert errors[URL_FIELD][0].startswith("The image is larger than 0.1 KB (")


def test_too_many_images_is_a_400_at_the_first_one_over(api, alice, settings):
    settings.COMPLETION_MAX_IMAGES = 2
    errors = problem(api, alice, with_parts(image_part(), image_part(), image_part()))
    assert errors == {"messages[0].content[3]": ["At most 2 images in one request."]}


def test_images_together_have_a_limit_of_their_own(api, alice, settings):
    one = len(png(30, 30))
    settings.COMPLETION_IMAGES_MAX_BYTES = one + 10
    errors = problem(api, alice, with_parts(image_part(data_url(png(30, 30))), image_part()))
    assert list(errors) == ["messages[0].content[2].image_url.url"]
    assert "together" in errors["messages[0].content[2].image_url.url"][0]


def test_images_go_in_user_messages_only(api, alice):
    body = with_parts()
    body["messages"].insert(0, {"role": "system", "content": [image_part()]})
    assert problem(api, alice, body) == {
        "messages[0].content[0]": ["Images go in user messages only."]
    }


def test_image_data_does_not_count_against_the_request_size_limit(api, alice, settings):
    settings.COMPLETION_MAX_BODY_BYTES = 1000
    big = image_part(data_url(png(200, 200, (1, 2, 3)) + b"\x00" * 3000))
    assert len(big["image_url"]["url"]) > 1000
    assert post(api(alice), with_parts(big)).status_code == 200


def test_variables_fill_text_parts_and_leave_images_alone(api, alice, upstream):
    part = image_part()
    body = {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Is this {{ thing }}?"}, part]}
        ],
        "variables": {"thing": "an octopus"},
    }
    assert post(api(alice), body).status_code == 200
    assert sent_upstream(upstream)["messages"][0]["content"] == [
        {"type": "text", "text": "Is this an octopus?"},
        part,
    ]


def test_v1_passes_parts_through_and_names_a_bad_one(client, alice, upstream):
    _, secret = token_create(user=alice, name="vision")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = with_parts(image_part(), image_part("https://example.com/b.webp"))
    response = client.post("/v1/chat/completions", body, content_type="application/json", **auth)
    assert response.status_code == 200
    assert sent_upstream(upstream)["messages"] == body["messages"]
    assert "I see 2 images." in response.json()["choices"][0]["message"]["content"]
    bad = with_parts(image_part(data_url(b"<svg/>", "image/png")))
    response = client.post("/v1/chat/completions", bad, content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == URL_FIELD


def test_the_run_reopens_with_its_images(api, alice):
    body = with_parts(image_part(), image_part("https://example.com/c.png"))
    run_id = post(api(alice), body).json()["run_id"]
    reopened = api(alice).get(f"/api/runs/{run_id}/").json()
    assert reopened["request"]["messages"] == body["messages"]


def test_a_template_keeps_its_images_and_renders_them(api, alice):
    part = image_part()
    template = create_template(
        api,
        alice,
        alice.personal_team,
        messages=[{"role": "user", "content": [{"type": "text", "text": "Describe {{x}}"}, part]}],
    )
    version = api(alice).get(f"/api/templates/{template.pk}/versions/1/").json()
    assert version["messages"][0]["content"][1] == part
    rendered = api(alice).post(
        f"/api/templates/{template.pk}/render/", {"variables": {"x": "it"}}, format="json"
    )
    assert rendered.status_code == 200, rendered.json()
    assert rendered.json()["request"]["messages"][0]["content"] == [
        {"type": "text", "text": "Describe it"},
        part,
    ]
    ran = api(alice).post(
        f"/api/templates/{template.pk}/run/", {"variables": {"x": "it"}}, format="json"
    )
    assert ran.status_code == 200, ran.json()
    assert "I see 1 image." in ran.json()["message"]["content"]


def test_a_template_with_a_bad_image_is_refused(api, alice):
    response = api(alice).post(
        "/api/templates/",
        {
            "name": "Bad",
            "team_id": str(alice.personal_team.pk),
            "model": MODEL,
            "messages": [{"role": "user", "content": [image_part("ftp://example.com/x.png")]}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "messages[0].content[0].image_url.url" in json.dumps(response.json())


def test_an_images_budget_estimate_is_not_its_data_size():
    image = image_part(data_url(png(300, 300, (9, 9, 9)) + b"\x00" * 300_000))
    assert 2_000 < prompt_estimate(with_parts(image)) < 2_100


def test_the_run_page_shows_thumbnails_and_a_short_request(api, alice, client):
    png_url = data_url(png(60, 60))
    body = with_parts(image_part(png_url), image_part("https://example.com/d.png"))
    run_id = post(api(alice), body).json()["run_id"]
    client.force_login(alice)
    page = client.get(f"/runs/{run_id}/").content.decode()
    assert f'src="{png_url}"' in page
    assert 'href="https://example.com/d.png"' in page and '<img src="https://' not in page
    # The request's JSON shows each upload by type and size, not its data again.
    assert page.count(base64.b64encode(png(60, 60)).decode()) == 1


def test_template_pages_show_an_upload_as_its_size_and_digest(api, alice, client):
    first, second = png(80, 80, noise=True), png(81, 80, noise=True)
    template = create_template(
        api,
        alice,
        alice.personal_team,
        messages=[{"role": "user", "content": [image_part(data_url(first))]}],
    )
    response = api(alice).post(
        f"/api/templates/{template.pk}/versions/",
        {"model": MODEL, "messages": [{"role": "user", "content": [image_part(data_url(second))]}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    client.force_login(alice)
    page = client.get(f"/templates/{template.pk}/?v=1").content.decode()
    assert "data:image/png;base64,… (" in page and base64.b64encode(first).decode() not in page
    diff = client.get(f"/templates/{template.pk}/?a=1&b=2").content.decode()
    assert base64.b64encode(second).decode() not in diff
    digests = {line.split("sha256 ")[1][:12] for line in diff.splitlines() if "sha256 " in line}
    assert len(digests) == 2  # the old image and the new one, told apart
