"""A dataset item from a run ("Add to dataset" on a run's page): what was asked and what
came back, so a good answer becomes a test case.

variables: the run's template variables when it came from a template that has some (found
again in the request it sent, which is what a run keeps); otherwise the last user message's
text, as `input`. Items hold text: a message's images are left out, and the item's metadata
says how many (`images_left_out`); a message of images only cannot become an item.
expected: the answer; parsed JSON when the run asked for JSON and got it; the tool calls
when it answered with those only; none for a run without an answer.
"""

import json
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from completions.models import Run
from completions.variables import values_from_rendered, variables_in

from .models import Dataset, Item
from .services import item_add

JSON_FORMATS = {"json_object", "json_schema"}


def _last_user_message(messages: list[Any]) -> tuple[str | None, int]:
    """The last user message's text (None without one) and how many images it has."""
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            parts = [part for part in content if isinstance(part, dict)]
            texts = [part.get("text") for part in parts if part.get("type") == "text"]
            images = sum(part.get("type") == "image_url" for part in parts)
            return "\n".join(text for text in texts if isinstance(text, str)), images
        return (content if isinstance(content, str) else None), 0
    return None, 0


def run_variables(run: Run) -> tuple[dict[str, Any], int]:
    """The item's variables, and how many images of the run's message they leave out."""
    messages = run.request.get("messages") if isinstance(run.request, dict) else None
    messages = messages if isinstance(messages, list) else []
    version = run.template_version
    if version is not None and variables_in(version.messages):
        values = values_from_rendered(version.messages, messages)
        if values is not None:
            return dict(values), 0
    text, images = _last_user_message(messages)
    if images and not text:
        raise ValidationError(
            {"run_id": ["This run's message is images only, and dataset items hold text."]}
        )
    if text is None:
        raise ValidationError({"run_id": ["This run has no template variables or user message."]})
    return {"input": text}, images


def run_answer(run: Run) -> Any:
    if run.content is None:
        return run.tool_calls or None
    response_format = run.request.get("response_format") if isinstance(run.request, dict) else {}
    if isinstance(response_format, dict) and response_format.get("type") in JSON_FORMATS:
        try:
            return json.loads(run.content)
        except ValueError:
            pass  # the model broke the format: keep what it said
    return run.content


def item_add_from_run(*, user: User, dataset: Dataset, run: Run) -> Item:
    """The run as a new item of `dataset`, which must be in the run's team."""
    if run.status == Run.Status.RUNNING:
        raise ValidationError({"run_id": ["This run has not finished yet."]})
    if dataset.team_id != run.team_id:
        raise ValidationError({"dataset_id": ["Choose a dataset of the run's team."]})
    metadata: dict[str, Any] = {"run_id": str(run.pk), "model": run.model}
    if run.template_version_id:
        metadata["template_version_id"] = str(run.template_version_id)
    variables, images_left_out = run_variables(run)
    if images_left_out:
        metadata["images_left_out"] = images_left_out
    data = {"variables": variables, "expected": run_answer(run), "metadata": metadata}
    return item_add(user=user, dataset=dataset, data=data)
