"""Each evaluator on answers it should pass and fail, and the checks that refuse a bad one."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from completions.models import Run
from experiments.evaluators import all_passed, cell_evaluate, evaluators_clean
from tests.samples import CITY_SCHEMA

CITY = '{"name": "Oslo", "population": 700000, "tags": ["fjord"]}'


def verdict(spec, answer, expected=None, **run_fields):
    run = Run(status="ok", content=answer, **run_fields)
    [result] = cell_evaluate(evaluators_clean([spec]), run=run, expected=expected)
    return result["passed"]


@pytest.mark.parametrize(
    "spec, answer, expected, passed",
    [
        ({"kind": "exact_match"}, " Paris ", "Paris", True),
        ({"kind": "exact_match"}, "paris", "Paris", False),
        ({"kind": "exact_match", "ignore_case": True}, "paris", "Paris", True),
        ({"kind": "exact_match"}, '{"a": 1}', {"a": 1}, True),
        ({"kind": "exact_match"}, "anything", None, None),
        ({"kind": "contains", "value": "Fjord"}, CITY, None, False),
        ({"kind": "contains", "value": "Fjord", "ignore_case": True}, CITY, None, True),
        ({"kind": "contains"}, "It is Paris.", "Paris", True),
        ({"kind": "not_contains", "value": "sorry"}, "Sure: Paris", None, True),
        ({"kind": "not_contains", "value": "SORRY", "ignore_case": True}, "sorry", None, False),
        ({"kind": "regex", "pattern": r"^\d{4}-\d{2}$"}, "2026-12", None, True),
        ({"kind": "regex", "pattern": r"^\d+$"}, "12a", None, False),
        ({"kind": "valid_json"}, CITY, None, True),
        ({"kind": "valid_json"}, "{name: 1}", None, False),
        ({"kind": "json_schema", "schema": CITY_SCHEMA}, CITY, None, True),
        ({"kind": "json_schema", "schema": CITY_SCHEMA}, '{"name": "Oslo"}', None, False),
        ({"kind": "json_field", "path": "tags.0", "value": "fjord"}, CITY, None, True),
        ({"kind": "json_field", "path": "name"}, CITY, {"name": "Bergen"}, False),
        ({"kind": "json_field", "path": "name"}, CITY, {"name": "Oslo"}, True),
        ({"kind": "json_field", "path": "missing", "value": 1}, CITY, None, False),
        ({"kind": "length", "min": 1, "max": 5}, "Paris", None, True),
        ({"kind": "length", "max": 4}, "Paris", None, False),
    ],
)
def test_each_evaluator_passes_and_fails(spec, answer, expected, passed):
    assert verdict(spec, answer, expected) is passed


def test_latency_and_cost_thresholds_and_unknowns():
    assert verdict({"kind": "latency", "max_ms": 100}, "x", latency_ms=99) is True
    assert verdict({"kind": "latency", "max_ms": 100}, "x", latency_ms=101) is False
    assert verdict({"kind": "cost", "max": "0.01"}, "x", cost=Decimal("0.005")) is True
    assert verdict({"kind": "cost", "max": 0.001}, "x", cost=Decimal("0.005")) is False
    assert verdict({"kind": "cost", "max": 1}, "x", cost=None) is None  # unknown: no verdict


def test_tool_call_names_the_tool_and_a_subset_of_its_arguments():
    args = '{"city": "Oslo", "days": 2, "units": {"temp": "C", "wind": "m/s"}}'
    calls = [{"function": {"name": "get_weather", "arguments": args}}]
    called = {"kind": "tool_call", "name": "get_weather"}
    assert verdict(called, None, tool_calls=calls) is True
    assert (
        verdict(
            {**called, "arguments": {"city": "Oslo", "units": {"temp": "C"}}},
            None,
            tool_calls=calls,
        )
        is True
    )
    assert verdict({**called, "arguments": {"city": "Bergen"}}, None, tool_calls=calls) is False
    assert (
        verdict({**called, "arguments": {"units": {"temp": "F"}}}, None, tool_calls=calls) is False
    )
    assert verdict({"kind": "tool_call", "name": "get_time"}, None, tool_calls=calls) is False
    assert verdict(called, "It is sunny.") is False  # no tool called at all
    named = {"kind": "tool_call", "tool": "get_weather", "name": "Oslo", "arguments": {"days": 2}}
    assert verdict(named, None, tool_calls=calls) is True
    odd = [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}, "odd"]
    assert verdict({**called, "arguments": {"city": "Oslo"}}, None, tool_calls=odd) is False


def test_a_failed_run_gets_no_verdicts_and_a_cell_passes_only_on_verdicts():
    failed = Run(status="error", content=None)
    assert (
        cell_evaluate(evaluators_clean([{"kind": "valid_json"}]), run=failed, expected=None) == []
    )
    assert all_passed([]) is None
    assert all_passed([{"passed": True}, {"passed": None}]) is True
    assert all_passed([{"passed": True}, {"passed": False}]) is False


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "regex", "pattern": "(unclosed"},
        {"kind": "json_schema", "schema": {"$ref": "https://example.com/schema.json"}},
        {"kind": "json_schema", "schema": "not a schema"},
        {"kind": "json_field"},
        {"kind": "length"},
        {"kind": "latency", "max_ms": 0},
        {"kind": "cost", "max": "lots"},
        {"kind": "contains", "value": ""},
        {"kind": "sentiment"},
        {"kind": "tool_call"},
        {"kind": "tool_call", "name": "f", "arguments": "city=Oslo"},
        {"kind": "judge"},
        {"kind": "judge", "template": "6d3e1c1e-0000-4000-8000-000000000000", "threshold": -1},
        {"kind": "judge", "template": "6d3e1c1e-0000-4000-8000-000000000000", "label": ""},
        "contains",
    ],
)
def test_a_bad_evaluator_is_refused_naming_it(spec):
    with pytest.raises(ValidationError) as refused:
        evaluators_clean([{"kind": "valid_json"}, spec])
    assert list(refused.value.message_dict) == ["evaluators.1"]
