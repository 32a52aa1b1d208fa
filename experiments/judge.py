"""The LLM-as-a-judge evaluator: a prompt template of the team's, with `{{input}}`,
`{{output}}` and `{{expected}}`, run on a model that must answer {score: 0..1, reason}.

{"kind": "judge", "template": <template id>, "version" or "label" (default: the latest),
"model" (default: the template's), "threshold" (default 0.5: passed when score >= it)}.

What the judge sees:
- input: the messages the cell's run sent, one "role: text" paragraph each (what the model was
  asked, variables filled in, rather than the bare variables);
- output: the answer's text, or its tool calls as JSON when it called tools instead;
- expected: the item's expected answer (text as is, anything else as JSON; empty if none).

The template is checked when the evaluators are saved (judges_check) and again when a judge
runs, as whoever started the experiment: one the team can read (a team template of the
experiment's team, or a link template) and the user may run. Its version is frozen when the
experiment starts or is re-evaluated (judges_freeze), as variants' versions are.
"""

import json
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import Team, User
from completions.models import Run
from completions.variables import variables_in
from prompts.access import template_access
from prompts.models import PromptTemplate, TemplateVersion, Visibility
from prompts.services import template_render, template_version_get

VARIABLES = ("input", "output", "expected")
VERDICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "verdict",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "reason": {"type": "string"},
            },
            "required": ["score", "reason"],
            "additionalProperties": False,
        },
    },
}


def judge_template_usable(user: User, team: Team, template: PromptTemplate) -> bool:
    """The user may run it and the experiment's team can read it (so a teammate who starts
    or re-evaluates the experiment runs a prompt they may see, logged in their runs)."""
    readable_by_team = template.visibility == Visibility.LINK or (
        template.team_id == team.pk and template.visibility == Visibility.TEAM
    )
    return readable_by_team and template_access(user, template).can_run


def judge_version(spec: dict[str, Any]) -> TemplateVersion:
    """The judge's version: frozen, else the one asked for, else the latest (ValidationError
    if there is none such, or the template went)."""
    template = PromptTemplate.objects.filter(pk=spec["template"]).first()
    if template is None:
        raise ValidationError({"template": "The judge's template no longer exists."})
    number = spec.get("frozen_version") or spec.get("version")
    label = None if number else spec.get("label")
    return template_version_get(template, number=number, label=label)


def judges_check(*, user: User, team: Team, specs: list[dict[str, Any]]) -> None:
    """Each judge's template exists, is usable (judge_template_usable), has the version
    asked for, and needs no variables but input, output and expected."""
    errors: dict[str, list[str]] = {}
    for index, spec in enumerate(specs):
        if spec["kind"] != "judge":
            continue
        where = f"evaluators.{index}"
        template = PromptTemplate.objects.filter(pk=spec["template"]).first()
        if template is None or not judge_template_usable(user, team, template):
            errors[f"{where}.template"] = [
                "No such template that you may run and the experiment's team can read."
            ]
            continue
        try:
            version = judge_version(spec)
        except ValidationError as error:
            errors[where] = [" ".join(error.messages)]
            continue
        unknown = sorted(set(variables_in(version.messages)) - set(VARIABLES))
        if unknown:
            errors[f"{where}.template"] = [
                f"A judge template may use only {{{{input}}}}, {{{{output}}}} and "
                f"{{{{expected}}}}; this one also has {', '.join(unknown)}."
            ]
    if errors:
        raise ValidationError(errors)


def judges_freeze(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evaluators with each judge's version number fixed, so every cell is judged by the
    same prompt even if a label moves meanwhile."""
    frozen = []
    for spec in specs:
        if spec["kind"] == "judge":
            spec = {k: v for k, v in spec.items() if k != "frozen_version"}
            spec["frozen_version"] = judge_version(spec).number
        frozen.append(spec)
    return frozen


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and "text" in p)
    return "" if content is None else json.dumps(content)


def judge_values(run: Run, expected: Any) -> dict[str, str]:
    messages = run.request.get("messages") or []
    asked = "\n\n".join(f"{m.get('role')}: {_text(m.get('content'))}" for m in messages)
    output = run.content if run.content is not None else json.dumps(run.tool_calls or [])
    if expected is None:
        wanted = ""
    else:
        wanted = expected if isinstance(expected, str) else json.dumps(expected, sort_keys=True)
    return {"input": asked, "output": output, "expected": wanted}


def judge_body(spec: dict[str, Any], version: TemplateVersion, *, run: Run, expected: Any) -> dict:
    """The judge's request: its template filled in, on its model, asked for a verdict (no
    tools, no stream: the answer must be the verdict)."""
    used = set(variables_in(version.messages))
    values = {k: v for k, v in judge_values(run, expected).items() if k in used}
    overrides = {"model": spec["model"]} if spec.get("model") else {}
    body = template_render(version=version, values=values, overrides=overrides)
    for name in ("tools", "tool_choice", "stream", "stream_options"):
        body.pop(name, None)
    body["response_format"] = VERDICT_FORMAT
    return body


def verdict_of(run: Run) -> tuple[float | None, str]:
    """(score, reason) from a judge's run; (None, why) when it gave no verdict."""
    if run.status != Run.Status.OK:
        return None, f"The judge's call failed: {run.error_message or run.status}"
    if run.content is None:  # a refusal, or tool calls: no verdict either way
        choices = (run.response or {}).get("choices") or [{}]
        message = (choices[0] if isinstance(choices[0], dict) else {}).get("message") or {}
        refusal = message.get("refusal") if isinstance(message, dict) else None
        return None, f"The judge gave no verdict. {_text(refusal)}".strip()
    try:
        answer = json.loads(run.content)
    except ValueError:
        return None, "The judge's answer is not JSON."
    score = answer.get("score") if isinstance(answer, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        return None, "The judge's answer has no score from 0 to 1."
    reason = answer.get("reason")
    return float(score), (reason if isinstance(reason, str) else "")[:2000]
