"""Experiments' cast: alice's team template "Explainer" (two variables) and an Acme dataset of
three questions whose expected answers the fake upstream's replies can be checked against."""

import pytest

from experiments.services import experiment_create
from tests.helpers import (
    create_dataset,
    create_template,
    create_two_versions,
    experiment_finished,
)

QUESTIONS = [
    {"variables": {"topic": "tides"}, "expected": "tides"},
    {"variables": {"topic": "octopuses"}, "expected": "octopuses"},
    {"variables": {"topic": "volcanoes"}, "expected": {"answer": "lava"}},
]


@pytest.fixture
def template(api, alice, acme):
    return create_template(api, alice, acme)


@pytest.fixture
def dataset(api, alice, acme):
    return create_dataset(api, alice, acme, items=QUESTIONS)


@pytest.fixture
def draft(alice, dataset, template):
    """A draft experiment: the template's latest version and the same with another model,
    checked by a case-insensitive `contains` of the expected answer."""
    return experiment_create(
        user=alice,
        dataset=dataset,
        name="Baseline",
        variants=[
            {"template_id": template.pk},
            {"template_id": template.pk, "model": "octo-demo-large", "params": {"max_tokens": 50}},
        ],
        evaluators=[{"kind": "contains", "ignore_case": True}],
    )


@pytest.fixture
def two_versions(api, alice, acme):
    """The template with a second version that truncates its answers (v2: worse)."""
    return create_two_versions(api, alice, acme)


@pytest.fixture
def mixed(alice, dataset, two_versions):
    """A finished experiment whose variants disagree: v1 passes tides and octopuses, v2
    (truncated) fails everything; neither passes volcanoes."""
    return experiment_finished(
        alice,
        dataset,
        [
            {"template_id": two_versions.pk, "version": 1},
            {"template_id": two_versions.pk, "version": 2},
        ],
        name="Mixed",
    )
