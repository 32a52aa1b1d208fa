"""The site's door (playground/input_checks.py): a NUL in the path, a query string or a form
is a 400 naming the parameter, in the shape of the part of the site asked, never a 500."""

import pytest

from accounts.services import token_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/runs/?model=%00",
        "/usage/?team=%00",
        "/templates/?scope=all&q=x%00",
        "/accounts/tokens/?a=%00",
    ],
)
def test_nul_in_a_pages_query_is_a_plain_400(client, alice, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Contains a NUL character" in response.content.decode()


def test_nul_in_the_path_is_a_400(client, alice):
    client.force_login(alice)
    response = client.get("/teams/join/%00/")
    assert response.status_code == 400 and response.content.startswith(b"path: ")


def test_nul_in_a_parameter_name_is_a_400(client, alice):
    client.force_login(alice)
    assert client.get("/runs/?a%00b=1").content.startswith(b"query string: ")


@pytest.mark.parametrize("url", ["/api/runs/?model=%00", "/api/usage/?range=%00"])
def test_nul_in_an_api_query_is_a_400_in_the_apis_shape(api, alice, url):
    response = api(alice).get(url)
    assert response.status_code == 400
    [field] = response.json()["errors"]
    assert response.json()["detail"].startswith(f"{field}: Contains a NUL character")


def test_nul_in_a_v1_query_is_a_400_in_openai_shape(client, alice):
    _, secret = token_create(user=alice, name="v1")
    response = client.get("/v1/models?x=%00", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "x"


def test_a_form_with_a_nul_is_refused_before_its_view(client, alice):
    client.force_login(alice)
    response = client.post("/teams/", {"name": "Acme\x00"})
    assert response.status_code == 400 and response.content.startswith(b"name: ")
