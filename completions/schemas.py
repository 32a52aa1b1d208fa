"""Users' JSON Schemas (response_format, tool parameters): checked when a request comes in,
and answers checked against them, without ever fetching anything.

A schema is user input, from anyone who may run a completion or a link-shared template. Left
to itself, jsonschema fetches whatever a `$ref` names (URLs, redirects, files), which would
let anyone make the server request any address and read the answer back. So a validator's
registry is empty (a `$ref` outside the schema raises instead of being fetched), every `$ref`
must resolve inside its schema when the request comes in, and size and depth are bounded.
"""

import json
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from .input_rules import value_problem


def schema_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """The one way a user's schema becomes a validator: with an empty registry, so a `$ref`
    to a URL or a file raises Unresolvable instead of being fetched."""
    return Draft202012Validator(schema, registry=Registry())


def schema_problem(schema: Any) -> str | None:
    """What is wrong with a user's schema, or None: it must be a draft 2020-12 schema object,
    within SCHEMA_MAX_DEPTH and SCHEMA_MAX_BYTES, whose every `$ref` resolves inside it."""
    if not isinstance(schema, dict):
        return "Must be a JSON Schema object."
    too_deep = value_problem(schema, max_depth=settings.SCHEMA_MAX_DEPTH)
    if too_deep is not None:
        where, message = too_deep
        return f"{message.rstrip('.')} (at {where or 'the top'})."
    if len(json.dumps(schema)) > settings.SCHEMA_MAX_BYTES:
        return f"A schema takes at most {settings.SCHEMA_MAX_BYTES} bytes of JSON."
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.absolute_path)
        return f"Not a valid JSON Schema{f' at {where}' if where else ''}: {error.message}"
    root = DRAFT202012.create_resource(schema)
    try:
        found = _unresolvable_ref(root, Registry().resolver_with_root(root))
    except ValueError:  # urljoin's verdict on an "$id" that is no URI at all
        return 'An "$id" in this schema is not a valid URI.'
    if found is None:
        return None
    keyword, ref = found
    shown = ref if len(ref) <= 100 else f"{ref[:100]}…"
    return (
        f'"{keyword}": "{shown}" does not point inside this schema; '
        "other documents (URLs, files) are never fetched."
    )


def _unresolvable_ref(resource: Resource, resolver) -> tuple[str, str] | None:
    """The first `$ref` (or `$dynamicRef`) that the schema's own contents can't resolve, with
    its keyword. Only subschemas are searched: a "$ref" inside `const` is data."""
    resolver = resolver.in_subresource(resource)
    contents = resource.contents
    if isinstance(contents, dict):
        for keyword in ("$ref", "$dynamicRef"):
            ref = contents.get(keyword)
            if isinstance(ref, str):
                try:
                    resolver.lookup(ref)
                except Unresolvable:
                    return keyword, ref
    for subresource in resource.subresources():
        found = _unresolvable_ref(subresource, resolver)
        if found is not None:
            return found
    return None


def answer_check(response_format: Any, content: str) -> tuple[bool, str] | None:
    """Whether an answer is the JSON its request asked for (json_object or json_schema), and
    why not; None when it asked for none."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind not in ("json_schema", "json_object"):
        return None
    try:
        instance = json.loads(content)
    except ValueError as error:
        return False, f"The answer is not valid JSON: {error}"
    except RecursionError:
        return False, "The answer nests too deeply to be checked."
    if kind == "json_object":
        is_object = isinstance(instance, dict)
        return is_object, "" if is_object else "The answer is JSON but not an object."
    validator = schema_validator(response_format["json_schema"]["schema"])
    try:
        mismatch = best_match(validator.iter_errors(instance))
    except Unresolvable:  # refused at the door today; a template saved before may hold one
        return False, "The schema refers to another document, which is never fetched."
    except RecursionError:
        return False, "The answer nests too deeply to be checked."
    if mismatch is None:
        return True, ""
    return False, f"At {mismatch.json_path}: {mismatch.message}"
