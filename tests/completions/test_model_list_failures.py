"""A provider whose model list fails is not asked again by every request for a while."""

import pytest

from completions.models import Provider
from tests.helpers import chat, post

pytestmark = pytest.mark.django_db


def test_a_failed_model_list_is_remembered_briefly(api, alice, staff, upstream):
    # An extra provider whose /models answers 404 (a wrong base URL on the same fake upstream).
    Provider.objects.create(slug="broken", name="Broken", base_url=f"{upstream.base_url}/broken")
    for _ in range(3):
        post(api(alice), chat(model="listed-by-nobody"))  # every provider's list is consulted
    asked = [r for r in upstream.requests if r.path.startswith("/v1/broken/")]
    assert len(asked) == 1
    group = api(alice).get("/api/models/").json()[1]
    assert group["provider"] == "broken" and "HTTP 404" in group["error"]
    assert len([r for r in upstream.requests if r.path.startswith("/v1/broken/")]) == 1
