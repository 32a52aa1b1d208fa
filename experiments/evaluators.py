"""Deterministic evaluators: each checks one cell's run against its item and says pass or fail.

An evaluator is a JSON object, {"kind": ..., options}, kept on the experiment:

- exact_match: the answer equals the item's `expected` (text; JSON compared as JSON), or
  `value` if given; `ignore_case`, `strip` (default true)
- contains / not_contains: `value` (default: the item's expected text), `ignore_case`
- regex: `pattern` searched in the answer (Python syntax, at most 500 characters)
- valid_json: the answer parses as JSON
- json_schema: the answer is valid against `schema` (completions/schemas.py: nothing fetched)
- json_field: the answer's JSON field `path` (dots: "a.b.0") equals `value`, or the item's
  expected value at the same path when `value` is absent
- length: `min` and/or `max` characters
- latency: the run took at most `max_ms`
- cost: the run cost at most `max` (unknown cost: no verdict, passed is null)
- tool_call: the answer calls the tool `name` (which also names the evaluator; `tool` names
  the tool instead, so that two checks of one tool can have names of their own), with
  `arguments` matching if given (a subset: keys given must be there with those values)
- judge: a judge template scores the answer (experiments/judge.py); its verdict comes later,
  from the worker, so it is first recorded as not judged yet (passed null)

Checked when saved (evaluators_clean), so a bad one is a 400 naming it, never a failure later.
"""

import json
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from completions.schemas import schema_problem, schema_validator

KINDS = (
    "exact_match",
    "contains",
    "not_contains",
    "regex",
    "valid_json",
    "json_schema",
    "json_field",
    "length",
    "latency",
    "cost",
    "tool_call",
    "judge",
)
MAX_EVALUATORS = 20
Result = dict[str, Any]


def _problem(spec: Any) -> str | None:
    if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
        return f"Give an object with a kind: one of {', '.join(KINDS)}."
    kind = spec["kind"]
    if "name" in spec and not isinstance(spec["name"], str):
        return "name must be text."
    if "ignore_case" in spec and not isinstance(spec["ignore_case"], bool):
        return "ignore_case must be true or false."
    value = spec.get("value")
    if kind in ("contains", "not_contains") and "value" in spec and not (value and str(value)):
        return "value must be non-empty text."
    if kind == "regex":
        pattern = spec.get("pattern")
        if not isinstance(pattern, str) or not pattern or len(pattern) > 500:
            return "pattern must be a regular expression of 1-500 characters."
        try:
            re.compile(pattern)
        except re.error as error:
            return f"pattern is not a valid regular expression: {error}."
    if kind == "json_schema":
        return schema_problem(spec.get("schema"))
    if kind == "json_field" and (not isinstance(spec.get("path"), str) or not spec["path"]):
        return "path must name a field, e.g. answer.city."
    if kind == "length":
        bounds = [spec.get(k) for k in ("min", "max") if k in spec]
        if not bounds or not all(isinstance(b, int) and b >= 0 for b in bounds):
            return "Give min and/or max as whole numbers of characters."
    if kind == "latency" and not (isinstance(spec.get("max_ms"), int) and spec["max_ms"] > 0):
        return "max_ms must be a positive whole number."
    if kind == "tool_call":
        tool = spec.get("tool", spec.get("name"))
        if not isinstance(tool, str) or not tool.strip():
            return "name (or tool) must name the tool, e.g. get_weather."
        if "arguments" in spec and not isinstance(spec["arguments"], dict):
            return "arguments must be an object (the arguments to expect)."
    if kind == "judge":
        return judge_spec_problem(spec)
    if kind == "cost":
        try:
            if Decimal(str(spec.get("max"))) < 0:
                return "max must be zero or more."
        except InvalidOperation:
            return "max must be a number."
    return None


def judge_spec_problem(spec: dict[str, Any]) -> str | None:
    """The judge's options, as data (its template is checked against the database by
    experiments/judge.py)."""
    try:
        uuid.UUID(str(spec.get("template")))
    except ValueError:
        return "template must be the id of the judge's prompt template."
    if "version" in spec and "label" in spec:
        return "Give a version or a label, not both."
    version = spec.get("version")
    if "version" in spec and not (isinstance(version, int) and 1 <= version < 2**31):
        return "version must be a version number."
    if "label" in spec and not (isinstance(spec["label"], str) and spec["label"]):
        return "label must be a label's name."
    if "model" in spec and not (isinstance(spec["model"], str) and spec["model"]):
        return "model must be a model's name."
    threshold = spec.get("threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        return "threshold must be a number from 0 to 1."
    if not 0 <= threshold <= 1:
        return "threshold must be a number from 0 to 1."
    return None


def evaluators_clean(specs: Any) -> list[dict[str, Any]]:
    """The evaluators as stored, each checked; ValidationError naming each bad one."""
    if not isinstance(specs, list) or len(specs) > MAX_EVALUATORS:
        raise ValidationError({"evaluators": [f"Give a list of at most {MAX_EVALUATORS}."]})
    errors = {f"evaluators.{i}": [p] for i, spec in enumerate(specs) if (p := _problem(spec))}
    if errors:
        raise ValidationError(errors)
    named = [dict(spec, name=spec.get("name") or _default_name(spec)) for spec in specs]
    names = [spec["name"] for spec in named]
    for i, name in enumerate(names):
        if name in names[:i]:  # verdicts and pass rates are told apart by name
            errors[f"evaluators.{i}.name"] = [f"Another evaluator is named {name}: rename one."]
    if errors:
        raise ValidationError(errors)
    return named


def _default_name(spec: dict[str, Any]) -> str:
    detail = spec.get("value") or spec.get("pattern") or spec.get("path") or ""
    if spec["kind"] == "judge":
        detail = spec.get("label") or (f"v{spec['version']}" if "version" in spec else "")
    return f"{spec['kind']} {detail}".strip()[:60]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _parsed(answer: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(answer)
    except ValueError:
        return False, None


def _field(value: Any, path: str) -> tuple[bool, Any]:
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _check(spec: dict[str, Any], answer: str, expected: Any, run: Any) -> tuple[bool | None, str]:
    kind, fold = spec["kind"], spec.get("ignore_case", False)
    if kind == "exact_match":
        want = spec.get("value", expected)
        if want is None:
            return None, "No expected answer."
        if not isinstance(want, str):
            ok, got = _parsed(answer)
            return ok and got == want, "" if ok else "The answer is not JSON."
        a, b = (answer.strip(), want.strip()) if spec.get("strip", True) else (answer, want)
        return (a.casefold() == b.casefold()) if fold else a == b, ""
    if kind in ("contains", "not_contains"):
        want = spec.get("value", expected)
        if want is None:
            return None, "No expected answer."
        want = _text(want)
        found = want.casefold() in answer.casefold() if fold else want in answer
        return found == (kind == "contains"), ""
    if kind == "regex":
        flags = re.IGNORECASE if fold else 0
        return re.search(spec["pattern"], answer, flags) is not None, ""
    if kind == "valid_json":
        return _parsed(answer)[0], ""
    if kind == "json_schema":
        ok, value = _parsed(answer)
        if not ok:
            return False, "The answer is not JSON."
        errors = sorted(schema_validator(spec["schema"]).iter_errors(value), key=str)
        return not errors, errors[0].message[:300] if errors else ""
    if kind == "json_field":
        ok, value = _parsed(answer)
        found, got = _field(value, spec["path"]) if ok else (False, None)
        if "value" in spec:
            want_found, want = True, spec["value"]
        else:
            want_found, want = _field(expected, spec["path"])
        if not want_found:
            return None, "No expected value at that path."
        return found and got == want, "" if found else f"No field {spec['path']}."
    if kind == "length":
        n = len(answer)
        return spec.get("min", 0) <= n <= spec.get("max", n), f"{n} characters"
    if kind == "tool_call":
        return _tool_called(spec, run.tool_calls or [])
    if kind == "latency":
        if run is None or run.latency_ms is None:
            return None, "Latency unknown."
        return run.latency_ms <= spec["max_ms"], f"{run.latency_ms} ms"
    if run is None or run.cost is None:  # cost
        return None, "Cost unknown."
    return run.cost <= Decimal(str(spec["max"])), f"{run.cost}"


def _subset(want: Any, got: Any) -> bool:
    if isinstance(want, dict):
        found = isinstance(got, dict)
        return found and all(k in got and _subset(v, got[k]) for k, v in want.items())
    return bool(want == got)


def _tool_called(spec: dict[str, Any], calls: list[Any]) -> tuple[bool, str]:
    tool = spec.get("tool", spec["name"])
    named = [
        call.get("function") or {}
        for call in calls
        if isinstance(call, dict) and (call.get("function") or {}).get("name") == tool
    ]
    if not named:
        return False, f"{tool} was not called."
    if "arguments" not in spec:
        return True, ""
    for function in named:
        arguments = function.get("arguments")
        ok, given = _parsed(arguments) if isinstance(arguments, str) else (False, None)
        if ok and _subset(spec["arguments"], given):
            return True, ""
    return False, f"{tool} was called with other arguments."


def has_judge(specs: list[dict[str, Any]]) -> bool:
    return any(spec["kind"] == "judge" for spec in specs)


def cell_evaluate(specs: list[dict[str, Any]], *, run: Any, expected: Any) -> list[Result]:
    """Every evaluator's verdict on a run (None: the cell has no run, so no verdicts). A
    judge's verdict is given later (experiments/judging.py): here it is not judged yet."""
    if run is None or run.status != "ok":
        return []
    answer = run.content or ""
    results: list[Result] = []
    for spec in specs:
        if spec["kind"] == "judge":
            results.append(judge_result(spec, detail="Not judged yet."))
            continue
        passed, detail = _check(spec, answer, expected, run)
        results.append(
            {"name": spec["name"], "kind": spec["kind"], "passed": passed, "detail": detail}
        )
    return results


def judge_result(
    spec: dict[str, Any],
    *,
    detail: str,
    score: float | None = None,
    run_id: Any = None,
) -> Result:
    """A judge's entry among a cell's results: its score and reason (the judge model's own
    words: untrusted text), passed when the score reaches the threshold; null without one."""
    passed = None if score is None else score >= spec.get("threshold", 0.5)
    return {
        "name": spec["name"],
        "kind": "judge",
        "passed": passed,
        "detail": detail,
        "score": score,
        "reason": detail if score is not None else "",
        "judge_run_id": None if run_id is None else str(run_id),
    }


def all_passed(results: list[Result]) -> bool | None:
    """A cell passes when no verdict failed and at least one was given."""
    verdicts = [r["passed"] for r in results if r["passed"] is not None]
    return all(verdicts) if verdicts else None
