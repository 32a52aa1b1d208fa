"""A deterministic, valid example instance for a JSON Schema.

The offline fake upstream answers structured-output requests and calls tools with these
examples, so what it sends must validate against the user's schema (draft 2020-12), and
should read well in demo mode: strings are derived from property names ("city" ->
"example city"). It covers the schemas people write for structured outputs and tool
parameters, not all of JSON Schema: `not`, `if`/`then`/`else`, `patternProperties` and
`minProperties` are ignored, and a `oneOf` branch is taken as is (without checking that no
other branch also matches). Standard library only, like the fake upstream.

This module holds the walk over the schema ($ref, allOf, anyOf/oneOf, objects, arrays);
leaves come from `schema_strings` and `schema_numbers`.
"""

from typing import Any

from demo.schema_numbers import number_example
from demo.schema_strings import string_example, words

# Past this many nested $ref expansions, keep the example small: optional properties are
# left out, arrays get their minimum length and anyOf/oneOf prefer branches without $ref.
_RELAXED_REF_DEPTH = 3
# Past this many, give up on the branch: a recursive schema with no way to stop.
_MAX_REF_DEPTH = 12
_LOWER_BOUNDS = {"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"}
_UPPER_BOUNDS = {"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"}


class _Unsatisfiable(Exception):
    """This (sub)schema admits no instance we can build; an anyOf/oneOf tries the next branch."""


def example_for_schema(schema: dict | bool) -> Any:
    """A deterministic instance of `schema`; None if none could be built (e.g. `false`)."""
    try:
        return _Builder(schema).value(schema, name="", ref_depth=0, variant=0)
    except _Unsatisfiable:
        return None


class _Builder:
    """Builds examples within one root schema, which its $refs point into."""

    def __init__(self, root: dict | bool):
        self.root = root

    def value(self, schema: dict | bool, *, name: str, ref_depth: int, variant: int) -> Any:
        """An instance of `schema`. `name` is the property it is for (to word strings);
        `variant` makes array items differ, for `uniqueItems`."""
        if schema is True or schema == {}:
            return words(name)
        if schema is False or not isinstance(schema, dict):
            raise _Unsatisfiable
        if "$ref" in schema:
            if ref_depth >= _MAX_REF_DEPTH:
                raise _Unsatisfiable
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            target = _merge([siblings, self._resolve(schema["$ref"])])
            return self.value(target, name=name, ref_depth=ref_depth + 1, variant=variant)
        if "allOf" in schema:
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            merged = _merge([rest, *schema["allOf"]])
            return self.value(merged, name=name, ref_depth=ref_depth, variant=variant)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._first_branch(schema, keyword, name, ref_depth, variant)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][variant % len(schema["enum"])]

        relaxed = ref_depth >= _RELAXED_REF_DEPTH
        kind = _pick_type(schema, prefer_null=relaxed)
        if kind == "object":
            return self._object(schema, ref_depth, relaxed)
        if kind == "array":
            return self._array(schema, name, ref_depth, relaxed)
        if kind in ("integer", "number"):
            return number_example(schema, integer=kind == "integer", variant=variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return string_example(schema, name, variant)

    def _first_branch(
        self, schema: dict, keyword: str, name: str, ref_depth: int, variant: int
    ) -> Any:
        """The first anyOf/oneOf branch we can build, with the schema's other keywords applied.

        Non-null branches come first so examples say something; once deep in a recursive
        schema, branches without $ref come first so the recursion stops."""
        rest = {key: value for key, value in schema.items() if key != keyword}
        if ref_depth >= _RELAXED_REF_DEPTH:
            branches = sorted(schema[keyword], key=_mentions_ref)
        else:
            branches = sorted(schema[keyword], key=_is_null_schema)
        for branch in branches:
            try:
                combined = _merge([rest, branch]) if isinstance(branch, dict) else branch
                return self.value(combined, name=name, ref_depth=ref_depth, variant=variant)
            except _Unsatisfiable:
                continue
        raise _Unsatisfiable

    def _object(self, schema: dict, ref_depth: int, relaxed: bool) -> dict:
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        wanted = [key for key in properties if key in required or not relaxed]
        wanted += [key for key in required if key not in properties]
        extra = schema.get("additionalProperties", True)
        instance = {}
        for key in wanted:
            subschema = properties.get(key, extra)
            try:
                instance[key] = self.value(subschema, name=key, ref_depth=ref_depth, variant=0)
            except _Unsatisfiable:
                if key in required:
                    raise
        return instance

    def _array(self, schema: dict, name: str, ref_depth: int, relaxed: bool) -> list:
        prefix = schema.get("prefixItems") or []
        items = schema.get("items", True)
        count = max(schema.get("minItems", 0), 0 if relaxed else 1)
        if items is False:
            count = min(count, len(prefix))
        count = min(count, schema.get("maxItems", count))
        return [
            self.value(
                prefix[index] if index < len(prefix) else items,
                name=name,
                ref_depth=ref_depth,
                variant=index,
            )
            for index in range(count)
        ]

    def _resolve(self, ref: str) -> Any:
        """A local reference ("#", "#/$defs/Name", "#/definitions/Name", any JSON pointer)."""
        if not ref.startswith("#"):
            raise _Unsatisfiable  # remote references are out of scope
        node: Any = self.root
        for token in filter(None, ref[1:].split("/")):
            token = token.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(token)] if isinstance(node, list) else node[token]
            except (KeyError, IndexError, ValueError, TypeError):
                raise _Unsatisfiable from None
        return node


def _merge(schemas: list) -> dict:
    """One schema that asks for everything the given ones do (for allOf and $ref siblings).

    Properties are merged (a property in several becomes their allOf), `required` is the
    union, numeric bounds take the tightest value; for other keywords the first one wins."""
    merged: dict = {}
    for schema in schemas:
        if schema is True:
            continue
        if not isinstance(schema, dict):
            raise _Unsatisfiable
        for key, value in schema.items():
            if key not in merged:
                merged[key] = value
            elif key == "properties":
                mine = merged[key]
                merged[key] = {
                    **mine,
                    **{k: {"allOf": [mine[k], v]} if k in mine else v for k, v in value.items()},
                }
            elif key == "required":
                merged[key] = list(dict.fromkeys([*merged[key], *value]))
            elif key == "allOf":
                merged[key] = [*merged[key], *value]
            elif key in _LOWER_BOUNDS:
                merged[key] = max(merged[key], value)
            elif key in _UPPER_BOUNDS:
                merged[key] = min(merged[key], value)
    return merged


def _pick_type(schema: dict, *, prefer_null: bool) -> str:
    """The JSON type to produce: the declared one (the first non-null of a list, or null when
    stopping a recursion), else the one the keywords imply, else string."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list) and declared:
        if prefer_null and "null" in declared:
            return "null"
        return next((kind for kind in declared if kind != "null"), "null")
    if {"properties", "required", "additionalProperties"} & schema.keys():
        return "object"
    if {"items", "prefixItems", "minItems", "maxItems"} & schema.keys():
        return "array"
    if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & schema.keys():
        return "number"
    return "string"


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _mentions_ref(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or any(_mentions_ref(value) for value in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(value) for value in schema)
    return False
