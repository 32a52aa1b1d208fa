"""Requests the fake upstream refuses, with OpenAI's status codes and error shape."""

import pytest
import requests

from tests.demo.helpers import KEY, WEATHER, assert_error, body, post


@pytest.mark.parametrize("authorization", [None, "Bearer sk-wrong", KEY])
def test_wrong_or_missing_key_is_401(fake, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(
        f"{fake.base_url}/chat/completions", json=body(), headers=headers, timeout=5
    )
    assert response.json() == {
        "error": {
            "message": "Incorrect API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    assert response.status_code == 401


def test_body_that_is_not_json_is_400(fake, session):
    response = session.post(
        f"{fake.base_url}/chat/completions",
        data=b"{oops",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert "could not parse the JSON body" in assert_error(response, 400)["message"]


@pytest.mark.parametrize("missing", ["model", "messages"])
def test_missing_required_field_is_400_naming_it(fake, session, missing):
    payload = {key: value for key, value in body().items() if key != missing}
    error = assert_error(
        post(fake, session, payload), 400, param=missing, code="missing_required_parameter"
    )
    assert missing in error["message"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"messages": []}, "messages"),
        ({"n": 0}, "n"),
        ({"max_tokens": "many"}, "max_tokens"),
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"tools": [WEATHER], "tool_choice": "sometimes"}, "tool_choice"),
        (
            {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}},
            "tool_choice",
        ),
    ],
)
def test_invalid_fields_are_400_naming_them(fake, session, extra, param):
    assert_error(post(fake, session, body(**extra)), 400, param=param, code="invalid_value")


def test_unknown_model_is_404(fake, session):
    error = assert_error(
        post(fake, session, body(model="gpt-imaginary")), 404, code="model_not_found"
    )
    assert "gpt-imaginary" in error["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/nothing"), ("POST", "/v1/models"), ("GET", "/")]
)
def test_unknown_path_is_404_json(fake, session, method, path):
    url = fake.base_url.removesuffix("/v1") + path
    error = assert_error(session.request(method, url, timeout=5), 404)
    assert error["message"] == f"Invalid URL ({method} {path})"
