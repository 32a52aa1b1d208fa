"""Two versions compared message by message, then field by field (prompts/diff.py), and shown
single-spaced on the template page."""

import pytest

from prompts.diff import version_diff
from prompts.models import TemplateVersion
from tests.helpers import create_template
from tests.samples import PROMPT, WEATHER_TOOL


def version(**changes) -> TemplateVersion:
    return TemplateVersion(**{**PROMPT, "tools": None, "response_format": None, **changes})


SYSTEM = PROMPT["messages"][0]
USER = PROMPT["messages"][1]


def test_an_inserted_message_is_one_added_section_and_the_rest_unchanged():
    extra = {"role": "assistant", "content": "Sure.\nAsk away."}
    diff = version_diff(version(), version(messages=[SYSTEM, extra, USER]))
    assert [(s.title, s.status) for s in diff.changed] == [("Message 2 · assistant", "added")]
    assert diff.changed[0].lines == [("+", "role: assistant"), ("+", "Sure."), ("+", "Ask away.")]
    assert diff.unchanged == [
        "Message 1 · system",
        "Message 3 · user",
        "Model",
        "Parameters",
        "Variables",
    ]


def test_a_changed_message_shows_role_and_content_line_by_line():
    edited = {"role": "user", "content": "Explain {{ topic }} briefly.\nUse one example."}
    diff = version_diff(version(), version(messages=[SYSTEM, edited]))
    (section,) = diff.changed
    assert (section.title, section.status) == ("Message 2 · user", "changed")
    assert section.lines == [
        (" ", "role: user"),
        (" ", "Explain {{ topic }} briefly."),
        ("+", "Use one example."),
    ]


def test_a_role_change_and_a_removed_message():
    diff = version_diff(
        version(), version(messages=[{"role": "developer", **{"content": SYSTEM["content"]}}])
    )
    titles = [(s.title, s.status) for s in diff.changed]
    assert titles == [("Message 1 · developer", "changed"), ("Message 2 · user", "removed")]
    assert ("-", "role: system") in diff.changed[0].lines
    assert ("+", "role: developer") in diff.changed[0].lines


def test_model_params_tools_and_schema_are_sections_of_their_own():
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    diff = version_diff(
        version(),
        version(
            model="octo-demo-large",
            params={"temperature": 0.9},
            tools=[WEATHER_TOOL],
            response_format=schema,
        ),
    )
    by_title = {s.title: s for s in diff.changed}
    assert list(by_title) == ["Model", "Parameters", "Tools", "Response format (schema)"]
    assert by_title["Model"].lines == [("-", "octo-demo-small"), ("+", "octo-demo-large")]
    assert ("-", '  "temperature": 0.2') in by_title["Parameters"].lines
    assert ("+", '  "temperature": 0.9') in by_title["Parameters"].lines
    assert by_title["Tools"].status == "added"
    assert diff.unchanged == ["Message 1 · system", "Message 2 · user", "Variables"]


def test_identical_versions_have_no_changed_sections():
    assert version_diff(version(), version()).changed == []


@pytest.mark.django_db
def test_the_page_shows_the_diff_single_spaced(client, api, alice, acme):
    template = create_template(api, alice, acme)
    changed = {**PROMPT, "messages": [SYSTEM, {"role": "user", "content": "Explain {{ topic }}."}]}
    response = api(alice).post(f"/api/templates/{template.pk}/versions/", changed, format="json")
    assert response.status_code == 201, response.json()
    client.force_login(alice)
    page = client.get(f"/templates/{template.pk}/?a=1&b=2").content.decode()
    assert "Message 2 · user" in page and "Unchanged: Message 1 · system; Model" in page
    assert '<span class="diff-line diff-del">- Explain {{ topic }} briefly.</span>' in page
    # Each line is a block: a newline between them would show as an empty line.
    assert '</span>\n<span class="diff-line' not in page
    assert '</span><span class="diff-line diff-add">+ Explain {{ topic }}.</span>' in page
