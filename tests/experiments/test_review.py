"""Human review of cells (score 1-5 and a comment, who and when; who may review), the grid's
server-side filters (failures, disagreeing variants) and sorts, the mean human score in the
summary, and two answers diffed."""

import pytest

from accounts.models import Membership, Scope
from accounts.services import member_remove, token_create
from experiments.models import CellReview
from experiments.services import experiment_create, experiment_start
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


def review_url(experiment, cell) -> str:
    return f"/api/experiments/{experiment.pk}/cells/{cell.pk}/review/"


def first_cells(experiment):
    """Item 1's cells: variant 1's, then variant 2's."""
    return list(experiment.cells.filter(position=1).order_by("variant__position"))


def test_a_member_scores_and_comments_and_the_grid_and_summary_show_it(api, bob, mixed):
    good, bad = first_cells(mixed)
    client = api(bob)
    saved = client.put(review_url(mixed, good), {"score": 5, "comment": "Spot on"}, format="json")
    assert saved.status_code == 200, saved.json()
    assert (saved.json()["review"]["score"], saved.json()["review"]["reviewed_by"]) == (5, "bob")
    client.put(review_url(mixed, bad), {"score": 2}, format="json")
    second = mixed.cells.get(position=2, variant__position=1)
    client.put(review_url(mixed, second), {"score": 4}, format="json")
    assert client.get(review_url(mixed, good)).json()["review"]["comment"] == "Spot on"

    rows = client.get(f"/api/experiments/{mixed.pk}/results/").json()["results"]
    assert rows[0]["cells"][0]["review"]["score"] == 5
    assert rows[2]["cells"][0]["review"] is None
    summary = client.get(f"/api/experiments/{mixed.pk}/summary/").json()["variants"]
    assert [(v["human_score_mean"], v["reviews"]) for v in summary] == [(4.5, 2), (2.0, 1)]

    cleared = client.put(review_url(mixed, bad), {"score": None, "comment": ""}, format="json")
    assert cleared.status_code == 200 and cleared.json() == {"review": None}
    assert not CellReview.objects.filter(cell=bad).exists()


@pytest.mark.parametrize(
    "body, field",
    [({"score": 6}, "score"), ({"score": 0}, "score"), ({"comment": "x" * 4001}, "comment")],
)
def test_a_bad_review_is_a_400_naming_the_field(api, alice, mixed, body, field):
    response = api(alice).put(review_url(mixed, first_cells(mixed)[0]), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_an_unfinished_cell_cannot_be_reviewed(api, alice, draft):
    experiment_start(user=alice, experiment=draft)
    cell = draft.cells.first()
    response = api(alice).put(review_url(draft, cell), {"score": 3}, format="json")
    assert response.status_code == 400 and "cell" in response.json()["errors"]


def test_outsiders_and_removed_members_cannot_review(api, alice, bob, charlie, acme, mixed):
    cell = first_cells(mixed)[0]
    assert api(charlie).put(review_url(mixed, cell), {"score": 1}, format="json").status_code == 404
    assert api().put(review_url(mixed, cell), {"score": 1}, format="json").status_code in (401, 403)
    member_remove(actor=alice, membership=Membership.objects.get(team=acme, user=bob))
    assert api(bob).put(review_url(mixed, cell), {"score": 1}, format="json").status_code == 404
    assert not CellReview.objects.exists()


@pytest.fixture
def other(alice, dataset, two_versions):
    """A second, draft experiment of the same template."""
    variants = [{"template_id": two_versions.pk}]
    return experiment_create(user=alice, dataset=dataset, name="Other", variants=variants)


def test_a_cell_of_another_experiment_is_not_found(api, alice, mixed, other):
    cell = first_cells(mixed)[0]
    response = api(alice).put(review_url(other, cell), {"score": 3}, format="json")
    assert response.status_code == 404


def test_reviewing_by_token_needs_the_datasets_scope(alice, acme, mixed):
    cell = first_cells(mixed)[0]
    _, reader = token_create(user=alice, name="r", team=acme, scopes=[Scope.RUN])
    refused = token_client(reader).put(review_url(mixed, cell), {"score": 3}, format="json")
    assert refused.status_code == 403
    assert token_client(reader).get(review_url(mixed, cell)).status_code == 200
    _, writer = token_create(user=alice, name="w", team=acme, scopes=[Scope.DATASETS])
    saved = token_client(writer).put(review_url(mixed, cell), {"score": 3}, format="json")
    assert saved.status_code == 200


def positions(client, experiment, **query) -> list[int]:
    response = client.get(f"/api/experiments/{experiment.pk}/results/", query)
    assert response.status_code == 200, response.json()
    return [row["position"] for row in response.json()["results"]]


def test_the_grid_filters_and_sorts_on_the_server(api, alice, mixed):
    client = api(alice)
    assert positions(client, mixed) == [1, 2, 3]
    assert positions(client, mixed, failures="true") == [1, 2, 3]  # v2 fails everything
    assert positions(client, mixed, disagree="verdicts") == [1, 2]  # v1 passes these
    assert positions(client, mixed, disagree="answers") == [1, 2, 3]  # truncated differs
    paged = client.get(f"/api/experiments/{mixed.pk}/results/", {"disagree": "verdicts"})
    assert paged.json()["count"] == 2
    assert positions(client, mixed, sort="passed") == [3, 1, 2]  # fewest passing first
    cell = mixed.cells.get(position=2, variant__position=1)
    client.put(review_url(mixed, cell), {"score": 1}, format="json")
    assert positions(client, mixed, sort="score")[0] == 2  # lowest human score first
    assert set(positions(client, mixed, sort="latency")) == {1, 2, 3}
    for bad in ({"sort": "colour"}, {"disagree": "maybe"}):
        response = client.get(f"/api/experiments/{mixed.pk}/results/", bad)
        assert response.status_code == 400 and set(bad) <= set(response.json()["errors"])


def test_two_answers_are_diffed_word_by_word_and_line_by_line(api, alice, mixed, other):
    full, cut = first_cells(mixed)
    client = api(alice)
    diff = client.get(f"/api/experiments/{mixed.pk}/diff/", {"a": full.pk, "b": cut.pk}).json()
    assert diff["words"][0] == [" ", "You said: Explain"]
    assert any(kind == "-" and "tides" in text for kind, text in diff["words"])
    assert not any(kind == "+" for kind, _ in diff["words"])  # the cut answer adds nothing
    assert ["+", "You said: Explain"] in diff["lines"]
    foreign = client.get(f"/api/experiments/{other.pk}/diff/", {"a": full.pk, "b": cut.pk})
    assert foreign.status_code == 400 and "a" in foreign.json()["errors"]
