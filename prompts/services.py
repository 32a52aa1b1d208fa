"""Prompt templates: create, version, label, fork, render and run.

Versions are immutable: every save makes the next number. Permission checks use
prompts.access; these functions raise PermissionDenied or ValidationError.
"""

import re
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Team, User
from accounts.services import request_team_resolve
from completions.models import Run
from completions.services import RunStream, run_start_blocking
from completions.validation import validate_chat_request
from completions.variables import render_messages, resolve_values, variables_in

from .access import template_access
from .models import LabelMove, PromptTemplate, TemplateLabel, TemplateVersion, Visibility
from .policy import label_policy_problem

TEMPLATE_PARAMS = {
    "temperature",
    "top_p",
    "max_tokens",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "reasoning_effort",
    "max_completion_tokens",
    "n",
    "logprobs",
    "top_logprobs",
}
RUN_OVERRIDES = TEMPLATE_PARAMS | {"model", "stream"}
LATEST = "latest"
# A label is a slug (the API's URL takes <slug:name>); the page's form says the same in its
# pattern attribute (templates/prompts/template_detail.html).
LABEL_NAME = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _request_body(data: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
    body = {"model": model or data.get("model") or "", "messages": data.get("messages")}
    for field in ("tools", "tool_choice", "response_format"):
        if data.get(field) is not None:
            body[field] = data[field]
    body.update(data.get("params") or {})
    return body


def version_data_clean(data: dict[str, Any]) -> dict[str, Any]:
    """What a version stores, checked like a completion request (placeholders and all)."""
    params = data.get("params") or {}
    errors: dict[str, list[str]] = {}
    if not isinstance(params, dict):
        raise ValidationError({"params": ["Give parameters as an object."]})
    for unknown in sorted(set(params) - TEMPLATE_PARAMS):
        errors[f"params.{unknown}"] = [
            f"Not a template parameter ({', '.join(sorted(TEMPLATE_PARAMS))})."
        ]
    known_params = {key: value for key, value in params.items() if key in TEMPLATE_PARAMS}
    body = _request_body({**data, "params": known_params})
    body["model"] = body["model"] or "any-model"  # a template may leave the model to the runner
    try:
        validate_chat_request(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    variables = data.get("variables") or {}
    if not isinstance(variables, dict) or not all(isinstance(v, dict) for v in variables.values()):
        errors["variables"] = ['Give variables as {"name": {"default": …, "description": …}}.']
    if errors:
        raise ValidationError(errors)
    names = variables_in(data["messages"])
    return {
        "model": data.get("model") or "",
        "messages": data["messages"],
        "tools": data.get("tools"),
        "tool_choice": data.get("tool_choice"),
        "response_format": data.get("response_format"),
        "params": params,
        # Every variable the messages use, with its default and description if given.
        "variables": {
            name: {
                "default": (variables.get(name) or {}).get("default"),
                "description": (variables.get(name) or {}).get("description", ""),
            }
            for name in names
        },
    }


def template_create(
    *,
    user: User,
    team: Team,
    name: str,
    data: dict[str, Any],
    description: str = "",
    visibility: str = Visibility.TEAM,
    commit_message: str = "",
    forked_from: TemplateVersion | None = None,
) -> PromptTemplate:
    if not team.memberships.filter(user=user).exists():
        raise ValidationError({"team_id": "Choose one of your own teams."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    cleaned = version_data_clean(data)
    try:
        with transaction.atomic():
            template = PromptTemplate.objects.create(
                team=team,
                created_by=user,
                name=name,
                description=description,
                visibility=visibility,
                forked_from=forked_from,
            )
            TemplateVersion.objects.create(
                template=template,
                number=1,
                created_by=user,
                commit_message=commit_message,
                **cleaned,
            )
    except IntegrityError:
        raise ValidationError({"name": f"{team} already has a template called “{name}”."}) from None
    return template


def template_version_create(
    *, user: User, template: PromptTemplate, data: dict[str, Any], commit_message: str = ""
) -> TemplateVersion:
    if not template_access(user, template).can_edit:
        raise PermissionDenied("Only the author and team owners/admins can save new versions.")
    cleaned = version_data_clean(data)
    with transaction.atomic():
        # Lock the template row so two saves can't take the same number.
        PromptTemplate.objects.select_for_update().filter(pk=template.pk).first()
        number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = TemplateVersion.objects.create(
            template=template,
            number=number,
            created_by=user,
            commit_message=commit_message,
            **cleaned,
        )
        PromptTemplate.objects.filter(pk=template.pk).update(updated_at=timezone.now())
    return version


def template_update(*, user: User, template: PromptTemplate, **changes: Any) -> PromptTemplate:
    if not template_access(user, template).can_edit:
        raise PermissionDenied("Only the author and team owners/admins can change this template.")
    for field in ("name", "description", "visibility"):
        if field in changes:
            setattr(template, field, changes[field])
    template.updated_at = timezone.now()
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationError(
            {"name": "This team already has a template with that name."}
        ) from None
    return template


def template_delete(*, user: User, template: PromptTemplate) -> None:
    if not template_access(user, template).can_edit:
        raise PermissionDenied("Only the author and team owners/admins can delete this template.")
    template.delete()


def template_version_get(
    template: PromptTemplate, *, number: int | None = None, label: str | None = None
) -> TemplateVersion:
    """A version by number, by label, or the latest. ValidationError if there is no such one."""
    versions = template.versions.all()
    if number is not None:
        version = versions.filter(number=number).first()
        if version is None:
            raise ValidationError({"version": f"There is no version {number}."})
        return version
    if label and label != LATEST:
        found = template.labels.select_related("version").filter(name=label).first()
        if found is None:
            raise ValidationError({"label": f"There is no label “{label}”."})
        return found.version
    latest = versions.order_by("-number").first()
    if latest is None:  # every template is created with its first version
        raise ValidationError({"version": "This template has no versions."})
    return latest


def template_label_set(
    *, user: User, template: PromptTemplate, name: str, version: TemplateVersion
) -> TemplateLabel:
    """Point a label at a version (creating it), recording the move. A label with a policy
    (prompts.policy) moves only to a version that meets it."""
    if not LABEL_NAME.fullmatch(name):
        raise ValidationError({"name": "A label is 1-40 letters, digits, hyphens or underscores."})
    if name == LATEST:
        raise ValidationError(
            {"name": "“latest” always means the newest version; pick another name."}
        )
    if not template_access(user, template).can_move_label(name):
        raise PermissionDenied(f"Only team owners and admins can move the “{name}” label.")
    problem = label_policy_problem(template, name, version)
    if problem:
        raise ValidationError({"version": problem})
    with transaction.atomic():
        label = (
            TemplateLabel.objects.select_for_update().filter(template=template, name=name).first()
        )
        previous = label.version if label else None
        if label is None:
            label = TemplateLabel(template=template, name=name)
        label.version = version
        label.updated_by = user
        label.updated_at = timezone.now()
        label.save()
        if previous != version:
            LabelMove.objects.create(
                template=template,
                label=name,
                from_version=previous,
                to_version=version,
                moved_by=user,
            )
    return label


def template_fork(
    *, user: User, template: PromptTemplate, version: TemplateVersion, team: Team, name: str = ""
) -> PromptTemplate:
    if not template_access(user, template).can_run:
        raise PermissionDenied("Log in to fork this template.")
    base = name.strip() or f"{template.name} (fork)"
    taken = set(PromptTemplate.objects.filter(team=team).values_list("name", flat=True))
    name, n = base, 2
    while name in taken:
        name, n = f"{base} {n}", n + 1
    return template_create(
        user=user,
        team=team,
        name=name,
        data=version.content(),
        description=template.description,
        visibility=Visibility.PRIVATE if team.is_personal else Visibility.TEAM,
        commit_message=f"Forked from {template.name} v{version.number}",
        forked_from=version,
    )


def template_render(
    *, version: TemplateVersion, values: dict[str, Any], overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The exact completion request this version makes with these variables."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - RUN_OVERRIDES - {"provider"})
    if unknown:
        raise ValidationError(
            {f"overrides.{name}": [f"Can't override {name}."] for name in unknown}
        )
    resolved = resolve_values(variables_in(version.messages), version.variables, values)
    data = {field: getattr(version, field) for field in ("tools", "tool_choice", "response_format")}
    data["messages"] = render_messages(version.messages, resolved)
    data["params"] = {
        **version.params,
        **{k: v for k, v in overrides.items() if k in TEMPLATE_PARAMS},
    }
    body = _request_body(data, model=overrides.get("model") or version.model)
    if "stream" in overrides:
        body["stream"] = overrides["stream"]
    return body


def template_run_team(
    *, user: User, auth: object, template: PromptTemplate, team_id: UUID | str | None = None
) -> Team:
    """Where a template run is charged, the same over the API and in the browser: the team
    named, else the template's own team when the runner belongs to it (a teammate's run of a
    team template is the team's), else the API token's team or the runner's active team (a
    link holder from elsewhere pays for their own runs)."""
    if not team_id and template.team.memberships.filter(user=user).exists():
        return template.team
    return request_team_resolve(user=user, auth=auth, team_id=team_id)


def template_run(
    *,
    user: User,
    team: Team,
    template: PromptTemplate,
    version: TemplateVersion,
    values: dict[str, Any],
    overrides: dict[str, Any] | None = None,
    source: str = Run.Source.TEMPLATE,
) -> Run | RunStream:
    """Run a version as `user`, charged to `team`; logged with the version it used."""
    if not template_access(user, template).can_run:
        raise PermissionDenied("Log in to run this template.")
    overrides = overrides or {}
    body = template_render(version=version, values=values, overrides=overrides)
    arguments: dict[str, Any] = dict(
        user=user,
        team=team,
        body=body,
        source=source,
        provider_slug=overrides.get("provider"),
        template_version=version,
    )
    return run_start_blocking(**arguments)
