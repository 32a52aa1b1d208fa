"""The experiments API: create (400s name the field), estimate, start only when confirmed,
progress, results grid, summary, re-evaluate, cancel, exports, and who reaches each one:
owner, admin, member, removed member, stranger, anonymous; token scopes."""

import csv as csv_module
import io
import json

import pytest

from accounts.models import Membership, Scope
from accounts.services import member_remove, token_create
from experiments.cells import cells_run_here
from experiments.estimate import experiment_estimate
from experiments.models import Experiment
from experiments.services import experiment_start
from tests.helpers import data_url, image_part, png, token_client
from tests.samples import PROMPT

pytestmark = pytest.mark.django_db


def base(experiment) -> str:
    return f"/api/experiments/{experiment.pk}"


def test_create_through_the_api(api, alice, dataset, template):
    body = {
        "dataset_id": str(dataset.pk),
        "name": "Two models",
        "variants": [{"template_id": str(template.pk)}, {"template_id": str(template.pk)}],
        "evaluators": [{"kind": "valid_json"}],
    }
    response = api(alice).post("/api/experiments/", body, format="json")
    assert response.status_code == 201, response.json()
    shown = response.json()
    assert shown["status"] == "draft" and len(shown["variants"]) == 2
    assert shown["evaluators"] == [{"kind": "valid_json", "name": "valid_json"}]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"variants": []}, "variants"),
        ({"variants": [{"template_id": "6d3e1c1e-0000-4000-8000-000000000000"}]}, "variants.0"),
        ({"evaluators": [{"kind": "regex", "pattern": "("}]}, "evaluators.0"),
        ({"evaluators": [{"kind": "nope"}]}, "evaluators.0"),
        (
            {"evaluators": [{"kind": "json_schema", "schema": {"$ref": "http://x/"}}]},
            "evaluators.0",
        ),
        ({"dataset_id": "6d3e1c1e-0000-4000-8000-000000000000"}, "dataset_id"),
        ({"repetitions": 0}, "repetitions"),
        ({"variants": [{"template_id": "TEMPLATE", "params": {"colour": 1}}]}, "variants.0"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, alice, dataset, template, change, field):
    body = {
        "dataset_id": str(dataset.pk),
        "name": "x",
        "variants": [{"template_id": str(template.pk)}],
        **change,
    }
    body = json.loads(json.dumps(body).replace("TEMPLATE", str(template.pk)))
    response = api(alice).post("/api/experiments/", body, format="json")
    assert response.status_code == 400, response.json()
    assert any(name.startswith(field) for name in response.json()["errors"]), response.json()


def test_estimate_counts_calls_and_prices_what_it_can(api, alice, draft, staff):
    from budgets.models import ModelPrice

    ModelPrice.objects.create(
        provider="octopusx", model="octo-demo-large", input_per_million=1, output_per_million=2
    )
    estimate = api(alice).get(f"{base(draft)}/estimate/").json()
    assert (estimate["calls"], estimate["items"], estimate["variants"]) == (6, 3, 2)
    small, large = estimate["by_variant"]
    assert small["cost_min"] is None and small["completion_tokens_max"] is None  # unknown
    assert large["completion_tokens_max"] == 150  # 50 max_tokens × 3 calls
    assert large["cost_min"] is not None and large["cost_max"] is not None
    assert estimate["cost_max"] is None and estimate["tokens_max"] is None
    assert estimate["tokens_min"] > 0


def test_start_needs_confirmation_and_answers_with_the_estimate(api, alice, draft):
    refused = api(alice).post(f"{base(draft)}/start/", {}, format="json")
    assert refused.status_code == 400
    assert "confirm" in refused.json()["errors"] and refused.json()["estimate"]["calls"] == 6
    assert Experiment.objects.get(pk=draft.pk).status == "draft"
    started = api(alice).post(f"{base(draft)}/start/", {"confirm": True}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "running"
    assert len(started.json()["item_revision_ids"]) == 3
    again = api(alice).post(f"{base(draft)}/start/", {"confirm": True}, format="json")
    assert again.status_code == 400


def test_progress_results_summary_and_exports(api, alice, draft):
    experiment_start(user=alice, experiment=draft)
    client = api(alice)
    assert client.get(f"{base(draft)}/progress/").json()["remaining"] == 6
    cells_run_here()
    progress = client.get(f"{base(draft)}/progress/").json()
    assert (progress["status"], progress["done"], progress["remaining"]) == ("done", 6, 0)
    page = client.get(f"{base(draft)}/results/", {"page_size": 2}).json()
    assert (page["count"], page["pages"], len(page["results"])) == (3, 2, 2)
    assert [len(row["cells"]) for row in page["results"]] == [2, 2]
    failures = client.get(f"{base(draft)}/results/", {"failures": "true"}).json()
    assert [row["expected"] for row in failures["results"]] == [{"answer": "lava"}]
    assert client.get(f"{base(draft)}/results/", {"page": 9}).status_code == 404
    assert client.get(f"{base(draft)}/results/", {"page_size": 0}).status_code == 400
    summary = client.get(f"{base(draft)}/summary/").json()["variants"]
    assert [v["pass_rates"] for v in summary] == [{"contains": 0.6667}] * 2
    csv = b"".join(client.get(f"{base(draft)}/export/csv/").streaming_content).decode()
    rows = list(csv_module.reader(io.StringIO(csv)))
    assert rows[0][:3] == ["position", "item_revision_id", "variant"] and len(rows) == 7
    jsonl = b"".join(client.get(f"{base(draft)}/export/jsonl/").streaming_content).decode()
    assert len([json.loads(line) for line in jsonl.splitlines()]) == 6


def test_reevaluate_and_cancel(api, alice, draft):
    experiment_start(user=alice, experiment=draft)
    cells_run_here(limit=1)
    client = api(alice)
    cancelled = client.post(f"{base(draft)}/cancel/", format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(f"{base(draft)}/progress/").json()["cancelled"] == 5
    body = {"evaluators": [{"kind": "length", "min": 1}]}
    evaluated = client.post(f"{base(draft)}/evaluate/", body, format="json")
    assert evaluated.status_code == 200
    rows = client.get(f"{base(draft)}/results/").json()["results"]
    judged = [c for row in rows for c in row["cells"] if c["results"]]
    assert [c["results"][0]["passed"] for c in judged] == [True]


def calls(experiment):
    one = base(experiment)
    return [
        ("read", "get", f"{one}/", None),
        ("read", "get", f"{one}/estimate/", None),
        ("read", "get", f"{one}/progress/", None),
        ("read", "get", f"{one}/results/", None),
        ("read", "get", f"{one}/summary/", None),
        ("read", "get", f"{one}/export/csv/", None),
        ("manage", "post", f"{one}/evaluate/", {}),
        ("manage", "post", f"{one}/start/", {"confirm": True}),
        ("manage", "post", f"{one}/cancel/", None),
    ]


EXPECTED = {  # who: (reads, manages)
    "alice": (200, 200),  # owner and creator
    "dana": (200, 200),  # admin
    "bob": (200, 403),  # member
    "charlie": (404, 404),  # stranger
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_reaches_what_it_may(api, who, draft, request):
    user = request.getfixturevalue(who)
    reads, manages = EXPECTED[who]
    client = api(user)
    for kind, method, url, body in calls(draft):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == (reads if kind == "read" else manages), (url, response)
    listed = [e["id"] for e in client.get("/api/experiments/").json()]
    assert listed == ([str(draft.pk)] if reads == 200 else [])


def test_a_removed_member_and_anonymous_reach_nothing(api, alice, bob, acme, draft):
    member_remove(actor=alice, membership=Membership.objects.get(team=acme, user=bob))
    for _, method, url, body in calls(draft):
        assert getattr(api(bob), method)(url, body, format="json").status_code == 404, url
        assert getattr(api(), method)(url, body, format="json").status_code in (401, 403), url
    assert api(bob).get("/api/experiments/").json() == []


def test_tokens_read_with_run_and_write_with_datasets(alice, acme, draft):
    _, run_only = token_create(user=alice, name="ci", team=acme, scopes=[Scope.RUN])
    client = token_client(run_only)
    assert client.get(f"{base(draft)}/progress/").status_code == 200
    refused = client.post(f"{base(draft)}/start/", {"confirm": True}, format="json")
    assert refused.status_code == 403 and "datasets" in refused.json()["detail"]
    _, writer = token_create(user=alice, name="w", team=acme, scopes=[Scope.RUN, Scope.DATASETS])
    started = token_client(writer).post(f"{base(draft)}/start/", {"confirm": True}, format="json")
    assert started.status_code == 200


def test_an_image_in_the_template_is_estimated_as_an_image_not_its_data(api, alice, draft):
    before = experiment_estimate(draft)["by_variant"][0]["prompt_tokens"]
    *others, last = PROMPT["messages"]
    photo = image_part(data_url(png(200, 200, noise=True)))  # 160 kB of data
    with_photo = {**last, "content": [{"type": "text", "text": last["content"]}, photo]}
    template = draft.variants.first().template
    response = api(alice).post(
        f"/api/templates/{template.pk}/versions/",
        {**PROMPT, "messages": [*others, with_photo]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    after = experiment_estimate(draft)["by_variant"][0]["prompt_tokens"]
    assert 3 * 2_000 <= after - before <= 3 * 2_020  # three items, one image each
