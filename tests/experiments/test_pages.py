"""Experiment pages: a dataset's experiments with the new-experiment form, and an experiment's
page (estimate and Start for who may start it), for members only."""

import pytest

from experiments.models import Experiment
from experiments.services import experiment_start

pytestmark = pytest.mark.django_db


def test_the_dataset_page_links_to_its_experiments(client, alice, dataset, draft):
    client.force_login(alice)
    page = client.get(f"/datasets/{dataset.pk}/").content.decode()
    assert f"/experiments/dataset/{dataset.pk}/" in page
    listed = client.get(f"/experiments/dataset/{dataset.pk}/").content.decode()
    assert "Baseline" in listed and f"/experiments/{draft.pk}/" in listed


def test_create_from_the_form_then_confirm_and_start(client, alice, dataset, template):
    client.force_login(alice)
    form = {"name": "From the form", "template_1": str(template.pk), "model_2": "ignored"}
    created = client.post(f"/experiments/dataset/{dataset.pk}/new/", form)
    experiment = Experiment.objects.get(name="From the form")
    assert created.url == f"/experiments/{experiment.pk}/"
    page = client.get(created.url).content.decode()
    assert "3</strong> calls" in page and "I confirm" in page
    client.post(f"/experiments/{experiment.pk}/start/", {})  # not confirmed: still a draft
    assert Experiment.objects.get(pk=experiment.pk).status == "draft"
    client.post(f"/experiments/{experiment.pk}/start/", {"confirm": "yes"})
    assert Experiment.objects.get(pk=experiment.pk).status == "running"


def test_a_bad_form_says_why(client, alice, dataset):
    client.force_login(alice)
    response = client.post(
        f"/experiments/dataset/{dataset.pk}/new/", {"name": "x", "evaluators": "[{"}, follow=True
    )
    assert response.status_code == 200 and b"Expecting" in response.content
    assert not Experiment.objects.exists()


def test_a_member_sees_it_without_start_and_strangers_get_404(client, bob, charlie, draft):
    client.force_login(bob)
    page = client.get(f"/experiments/{draft.pk}/").content.decode()
    assert "Baseline" in page and "I confirm" not in page
    client.force_login(charlie)
    assert client.get(f"/experiments/{draft.pk}/").status_code == 404
    assert client.get(f"/experiments/dataset/{draft.dataset_id}/").status_code == 404
    assert client.post(f"/experiments/{draft.pk}/start/", {"confirm": "yes"}).status_code == 404


def test_a_started_experiment_s_page_polls_progress(client, alice, draft):
    experiment_start(user=alice, experiment=draft)
    client.force_login(alice)
    page = client.get(f"/experiments/{draft.pk}/").content.decode()
    assert f"/api/experiments/{draft.pk}/progress/" in page and "js/experiment" in page
