"""/v1 checks its tokens itself, the scope too: it needs `run`."""

import pytest

from accounts.models import Scope
from accounts.services import token_create
from completions.models import Run

pytestmark = pytest.mark.django_db

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


def _auth(user, scopes) -> dict:
    _, secret = token_create(user=user, name="sdk", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/v1/models"), ("post", "/v1/chat/completions")]
)
def test_token_without_run_is_403_in_openai_shape_and_calls_nothing(
    client, alice, upstream, method, path
):
    auth = _auth(alice, [Scope.USAGE, Scope.TEMPLATES, Scope.MANAGE])
    response = getattr(client, method)(path, BODY, content_type="application/json", **auth)
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("permission_error", "insufficient_scope")
    assert "“run” scope" in error["message"]
    assert not upstream.requests and not Run.objects.exists()


def test_run_token_is_served(client, alice):
    auth = _auth(alice, [Scope.RUN])
    response = client.post("/v1/chat/completions", BODY, content_type="application/json", **auth)
    assert response.status_code == 200 and Run.objects.get().source == "openai"
