"""Comparing two experiments of one dataset item by item (regressions, improvements, counts,
pass rate changes per evaluator; only readable experiments of one dataset), promoting the
winner's version to a label, and protected-label policies: refused with what is missing,
allowed once a finished experiment clears the bar, from the API, the page and a promotion."""

import pytest
from django.core.exceptions import ValidationError

from datasets.models import Dataset
from experiments.services import experiment_create
from prompts.models import LabelMove, LabelPolicy, TemplateLabel
from prompts.services import template_label_set
from tests.helpers import create_dataset, experiment_finished

pytestmark = pytest.mark.django_db


def only(template, version):
    return [{"template_id": template.pk, "version": version}]


@pytest.fixture
def baseline(alice, dataset, two_versions):
    """v2 (truncated): fails every item."""
    return experiment_finished(alice, dataset, only(two_versions, 2), name="Short answers")


@pytest.fixture
def candidate(alice, dataset, two_versions):
    """v1: passes tides and octopuses."""
    return experiment_finished(alice, dataset, only(two_versions, 1), name="Full answers")


def compare(client, baseline, candidate, **extra):
    query = {"baseline": baseline.pk, "candidate": candidate.pk, **extra}
    return client.get("/api/experiments/compare/", query)


def test_improvements_and_regressions_are_counted_item_by_item(api, bob, baseline, candidate):
    better = compare(api(bob), baseline, candidate).json()
    assert better["counts"] == {
        "items": 3,
        "regressions": 0,
        "improvements": 2,
        "unchanged_passed": 0,
        "unchanged_failed": 1,
        "other": 0,
    }
    assert [row["change"] for row in better["items"]] == [
        "improvement",
        "improvement",
        "unchanged_failed",
    ]
    assert (better["baseline"]["pass_rate"], better["candidate"]["pass_rate"]) == (0.0, 0.6667)
    assert better["winner"] == "candidate" and better["candidate"]["template_version"] == 1
    (rate,) = better["evaluators"]
    assert (rate["name"], rate["baseline"], rate["candidate"], rate["delta"]) == (
        "contains",
        0.0,
        0.6667,
        0.6667,
    )
    worse = compare(api(bob), candidate, baseline).json()
    assert (worse["counts"]["regressions"], worse["counts"]["improvements"]) == (2, 0)
    assert worse["winner"] == "baseline"


def test_a_variant_of_a_many_variant_experiment_is_chosen_by_position(api, alice, mixed):
    within = compare(api(alice), mixed, mixed, baseline_variant=2, candidate_variant=1).json()
    assert within["counts"]["improvements"] == 2
    missing = compare(api(alice), mixed, mixed, candidate_variant=7)
    assert missing.status_code == 400 and "candidate_variant" in missing.json()["errors"]


def test_compare_refuses_other_datasets_and_unreadable_experiments(
    api, alice, charlie, acme, globex, baseline, two_versions
):
    other = create_dataset(api, alice, acme, name="Other", items=[{"variables": {"topic": "x"}}])
    elsewhere = experiment_create(
        user=alice, dataset=other, name="Elsewhere", variants=only(two_versions, 1)
    )
    refused = compare(api(alice), baseline, elsewhere)
    assert refused.status_code == 400 and "same dataset" in refused.json()["detail"]
    stranger = compare(api(charlie), baseline, baseline)
    assert stranger.status_code == 400 and "baseline" in stranger.json()["errors"]
    bad = api(alice).get("/api/experiments/compare/", {"baseline": "nope"})
    assert bad.status_code == 400 and {"baseline", "candidate"} <= set(bad.json()["errors"])


def promote(client, experiment, label="production", position=1):
    url = f"/api/experiments/{experiment.pk}/variants/{position}/promote/"
    return client.post(url, {"label": label}, format="json")


def test_promoting_moves_the_label_through_the_label_service(api, alice, bob, candidate):
    # bob is neither the template's author nor a manager: he moves none of its labels.
    assert promote(api(bob), candidate).status_code == 403
    assert promote(api(bob), candidate, label="staging").status_code == 403
    moved = promote(api(alice), candidate)
    assert moved.status_code == 200 and moved.json()["version"] == 1
    label = TemplateLabel.objects.get(name="production")
    assert label.version.number == 1 and label.updated_by == alice
    assert LabelMove.objects.filter(label="production", to_version=label.version).count() == 1
    assert promote(api(alice), candidate, label="../x").status_code == 400


def test_a_draft_variant_cannot_be_promoted(api, alice, draft):
    response = promote(api(alice), draft)
    assert response.status_code == 400 and "variant" in response.json()["errors"]


def policy_url(template, label="production"):
    return f"/api/templates/{template.pk}/policies/{label}/"


def set_policy(client, template, dataset, rate="0.6"):
    body = {"dataset_id": str(dataset.pk), "min_pass_rate": rate}
    return client.put(policy_url(template), body, format="json")


def test_only_managers_set_policies_and_bad_ones_are_400s(api, alice, bob, dataset, template):
    assert set_policy(api(bob), template, dataset).status_code == 403
    too_high = set_policy(api(alice), template, dataset, rate="1.5")
    assert too_high.status_code == 400 and "min_pass_rate" in too_high.json()["errors"]
    saved = set_policy(api(alice), template, dataset)
    assert saved.status_code == 200 and saved.json()["dataset_name"] == dataset.name
    listed = api(bob).get(f"/api/templates/{template.pk}/policies/").json()
    assert [(p["label"], p["min_pass_rate"]) for p in listed] == [("production", "0.6000")]
    assert api(bob).delete(policy_url(template)).status_code == 403
    assert api(alice).delete(policy_url(template)).status_code == 204
    assert api(alice).delete(policy_url(template)).status_code == 404


def test_a_dataset_a_policy_rests_on_cannot_be_deleted_until_the_policy_goes(
    api, client, alice, dataset, template
):
    """Deleting it would silently lift the label's protection: a 400 naming the policy, on
    the API and the page, and nothing deleted."""
    assert set_policy(api(alice), template, dataset).status_code == 200
    refused = api(alice).delete(f"/api/datasets/{dataset.pk}/")
    assert refused.status_code == 400
    [message] = refused.json()["errors"]["dataset"]
    assert f"{template.name}@production" in message
    client.force_login(alice)
    page = client.post(f"/datasets/{dataset.pk}/delete/", follow=True).content.decode()
    assert "Label policies rest on this dataset" in page
    assert Dataset.objects.filter(pk=dataset.pk).exists() and template.label_policies.exists()
    assert api(alice).delete(policy_url(template)).status_code == 204
    assert api(alice).delete(f"/api/datasets/{dataset.pk}/").status_code == 204


def test_deleting_the_team_takes_its_policies_datasets_and_templates(api, alice, dataset, template):
    assert set_policy(api(alice), template, dataset).status_code == 200
    template.team.delete()  # the policy goes with its template, so the dataset may go too
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    assert not LabelPolicy.objects.exists()


def test_a_policy_names_a_dataset_of_the_templates_team(api, alice, charlie, globex, template):
    theirs = create_dataset(api, charlie, globex, name="Theirs")
    refused = set_policy(api(alice), template, theirs)
    assert refused.status_code == 400 and "dataset_id" in refused.json()["errors"]


def test_the_policy_refuses_unproven_versions_everywhere_and_allows_proven_ones(
    api, client, alice, dataset, two_versions, baseline
):
    set_policy(api(alice), two_versions, dataset)
    # v2's only experiment passed 0%: refused through the API, the page and a promotion.
    refused = api(alice).put(
        f"/api/templates/{two_versions.pk}/labels/production/", {"version": 2}, format="json"
    )
    assert refused.status_code == 400
    assert (
        "passing at least 60%" in refused.json()["detail"]
        and "best passed 0%" in (refused.json()["detail"])
    )
    assert promote(api(alice), baseline).status_code == 400
    client.force_login(alice)
    page = client.post(
        f"/templates/{two_versions.pk}/label/", {"name": "production", "version": 2}, follow=True
    )
    assert "is protected" in page.content.decode()
    # v1 has never run: nothing to show yet.
    with pytest.raises(ValidationError, match="it has none"):
        template_label_set(
            user=alice,
            template=two_versions,
            name="production",
            version=two_versions.versions.get(number=1),
        )
    assert not TemplateLabel.objects.filter(name="production").exists()
    # Other labels are free; a finished experiment of v1 at 67% clears the bar.
    assert promote(api(alice), baseline, label="staging").status_code == 200
    candidate = experiment_finished(alice, dataset, only(two_versions, 1), name="Full")
    assert promote(api(alice), candidate).status_code == 200
    assert TemplateLabel.objects.get(name="production").version.number == 1


def test_the_compare_page_shows_counts_and_promotes_the_winner(
    client, alice, charlie, baseline, candidate, two_versions
):
    client.force_login(alice)
    url = f"/experiments/compare/?baseline={baseline.pk}&candidate={candidate.pk}"
    page = client.get(url).content.decode()
    assert "2</strong>improvements" in page and 'class="cmp-improvement"' in page
    assert "Point it at v1" in page
    missing = client.get(f"{url}&candidate_variant=9").content.decode()
    assert "Full answers has no variant 9." in missing
    promote_url = f"/experiments/{candidate.pk}/variants/1/promote/"
    body = {"label": "production", "baseline": baseline.pk, "candidate": candidate.pk}
    moved = client.post(promote_url, body, follow=True)
    assert "now points at v1" in moved.content.decode()
    assert TemplateLabel.objects.get(template=two_versions, name="production").version.number == 1
    client.force_login(charlie)
    assert "that you may read" in client.get(url).content.decode()
    assert client.post(promote_url, body).status_code == 404


def test_managers_set_and_lift_policies_on_the_template_page(client, alice, bob, dataset, template):
    client.force_login(bob)
    assert "Set policy" not in client.get(f"/templates/{template.pk}/").content.decode()
    client.force_login(alice)
    body = {"label": "production", "dataset_id": dataset.pk, "min_pass_rate": "75"}
    page = client.post(f"/templates/{template.pk}/policy/", body, follow=True).content.decode()
    assert "needs 75% on the dataset" in page and "passing at least 75%" in page
    policy = template.label_policies.get()
    assert (policy.label, str(policy.min_pass_rate)) == ("production", "0.7500")
    client.post(f"/templates/{template.pk}/policy/delete/", {"label": "production"})
    assert not template.label_policies.exists()


@pytest.mark.parametrize("rate", ["nan", "inf", "-5", "many"])
def test_a_policy_form_with_a_rate_that_is_no_percentage_says_so(
    client, alice, dataset, template, rate
):
    client.force_login(alice)
    body = {"label": "production", "dataset_id": dataset.pk, "min_pass_rate": rate}
    page = client.post(f"/templates/{template.pk}/policy/", body, follow=True).content.decode()
    assert "pass rate" in page and not template.label_policies.exists()
