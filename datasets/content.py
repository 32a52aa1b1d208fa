"""What an item may hold, checked in one place for the API, the pages, imports and runs.

variables: an object whose keys are non-empty names (a CSV column or a template's {{name}}),
other than RESERVED (the item's own fields, which are columns of their own in a CSV).
expected: the answer wanted, text or any JSON; null (or absent) for none.
tags: short labels, at most MAX_TAGS of at most TAG_MAX_LENGTH characters, without commas (a
CSV cell holds them comma-separated) or surrounding spaces; repeats are dropped.
metadata: an object, for whatever else a person wants to keep with the item.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from completions.input_rules import value_problem

RESERVED = ("expected", "tags", "metadata")
MAX_TAGS = 20
TAG_MAX_LENGTH = 40
NAME_MAX_LENGTH = 100
# For the schema: what one tag looks like (no comma, no leading or trailing space).
TAG_PATTERN = r"^[^,\s]([^,]*[^,\s])?$"


def _tags_clean(tags: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        errors["tags"] = ["Give tags as a list of strings."]
        return []
    if len(tags) > MAX_TAGS:
        errors["tags"] = [f"At most {MAX_TAGS} tags."]
    cleaned: list[str] = []
    for tag in tags:
        if not tag or tag != tag.strip() or "," in tag or len(tag) > TAG_MAX_LENGTH:
            errors["tags"] = [
                f"“{tag[:TAG_MAX_LENGTH]}”: a tag has 1 to {TAG_MAX_LENGTH} characters, no "
                "commas and no spaces around it."
            ]
        elif tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def item_content_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The content of a revision from `data` (missing fields take their empty value), or a
    ValidationError naming each field at fault (`variables.topic`, `tags`, …)."""
    errors: dict[str, list[str]] = {}
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        errors["variables"] = ['Give variables as an object: {"name": value}.']
        variables = {}
    for name in variables:
        if not name.strip() or len(name) > NAME_MAX_LENGTH:
            errors["variables"] = [f"A variable's name has 1 to {NAME_MAX_LENGTH} characters."]
        elif name in RESERVED:
            errors[f"variables.{name}"] = [f"“{name}” is an item field, not a variable name."]
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        errors["metadata"] = ["Give metadata as an object."]
    content = {
        "variables": variables,
        "expected": data.get("expected"),
        "tags": _tags_clean(data.get("tags", []), errors),
        "metadata": metadata,
    }
    for field in ("variables", "expected", "metadata"):
        found = value_problem(content[field])
        if found is not None and field not in errors:
            path, message = found
            errors[f"{field}{'' if path.startswith('[') else '.'}{path}" if path else field] = [
                message
            ]
    if errors:
        raise ValidationError(errors)
    return content
