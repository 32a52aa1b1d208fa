"""A deterministic, valid example instance for a JSON Schema.

The offline fake upstream answers structured-output requests and calls tools with these
examples, so what it sends must validate against the user's schema (draft 2020-12), and
should read well in demo mode: strings are derived from property names ("city" ->
"example city"). It covers the schemas people write for structured outputs and tool
parameters, not all of JSON Schema: `not`, `if`/`then`/`else`, `patternProperties` and
`minProperties` are ignored, and a `oneOf` branch is taken as is (without checking that no
other branch also matches). Standard library only, like the fake upstream.
"""

import math
import re
import re._constants
import re._parser
from typing import Any

# Past this many nested $ref expansions, keep the example small: optional properties are
# left out, arrays get their minimum length and anyOf/oneOf prefer branches without $ref.
_RELAXED_REF_DEPTH = 3
# Past this many, give up on the branch: a recursive schema with no way to stop.
_MAX_REF_DEPTH = 12

_FORMATS = {
    "date": "2024-01-15",
    "date-time": "2024-01-15T09:30:00Z",
    "time": "09:30:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri-reference": "https://example.com/",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
}
# Tried, in order, when a `pattern` rejects the name-based string and the pattern's own
# example (see _string_matching) is not usable.
_PATTERN_CANDIDATES = ["example", "abc", "ABC", "a", "A", "1", "123", "abc123", "A1", "2024-01-15"]
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
            return _words(name)
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
            return _number(schema, integer=kind == "integer", variant=variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return _string(schema, name, variant)

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


# Strings


def _words(name: str) -> str:
    """ "city" -> "example city", "firstName" / "first_name" -> "example first name"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    return " ".join(["example", *spaced.lower().split()])


def _string(schema: dict, name: str, variant: int) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    base = _words(name) + (f" {variant + 1}" if variant else "")
    min_length = schema.get("minLength", 0)
    max_length = schema.get("maxLength")
    pattern = schema.get("pattern")
    if pattern is None:
        return _fit_length(base, min_length, max_length)
    return _string_matching(pattern, base, min_length, max_length)


def _fit_length(text: str, min_length: int, max_length: int | None) -> str:
    text = text + "x" * (min_length - len(text))
    return text if max_length is None else text[:max_length]


def _string_matching(pattern: str, base: str, min_length: int, max_length: int | None) -> str:
    """A string matching `pattern` within the length bounds: the name-based one, else one
    built from the pattern itself, else one of a few common shapes, else (a schema too
    clever for us) the name-based string, which will not validate."""
    try:
        regex = re.compile(pattern)
    except re.error:
        return _fit_length(base, min_length, max_length)
    candidates = [_fit_length(base, min_length, max_length)]
    for repeat_extra in (0, 1, 3):
        candidates.append(_from_regex(pattern, repeat_extra))
    candidates += _PATTERN_CANDIDATES
    for candidate in candidates:
        if (
            candidate is not None
            and min_length <= len(candidate) <= (max_length if max_length is not None else math.inf)
            and regex.search(candidate)
        ):
            return candidate
    return candidates[0]


def _from_regex(pattern: str, repeat_extra: int) -> str | None:
    """A string the regex matches, built from its parse tree: the first alternative, the
    first character of each class, each repeat `repeat_extra` times past its minimum.

    Uses the re module's own parser (re._parser: private, but it is what `re` runs on);
    anything it cannot handle, or any surprise from it, yields None."""
    try:
        return _emit(re._parser.parse(pattern), repeat_extra)
    except Exception:  # a private parser's surprises must never break a reply
        return None


def _emit(items, repeat_extra: int) -> str | None:
    c = re._constants
    out = []
    for op, arg in items:
        if op == c.LITERAL:
            out.append(chr(arg))
        elif op == c.NOT_LITERAL:
            out.append("b" if arg == ord("a") else "a")
        elif op == c.ANY:
            out.append("a")
        elif op == c.IN:
            out.append(_class_member(arg))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            times = low + repeat_extra if high == c.MAXREPEAT else min(high, low + repeat_extra)
            out.append(_emit(sub, repeat_extra) * times)
        elif op == c.SUBPATTERN:
            out.append(_emit(arg[-1], repeat_extra))
        elif op == c.ATOMIC_GROUP:
            out.append(_emit(arg, repeat_extra))
        elif op == c.BRANCH:
            out.append(_emit(arg[1][0], repeat_extra))
        elif op != c.AT:  # lookarounds, backreferences, conditionals: out of scope
            return None
    return "".join(out)


def _class_member(items) -> str:
    """One character in a regex character class: [A-Z] -> "A", \\d -> "0", [^a-z] -> "A"."""
    c = re._constants
    first_op, first_arg = items[0]
    if first_op == c.NEGATE:
        return next(ch for ch in "aA0_-" if not _in_class(ch, items[1:]))
    if first_op == c.LITERAL:
        return chr(first_arg)
    if first_op == c.RANGE:
        return chr(first_arg[0])
    if first_op == c.CATEGORY:
        return {
            c.CATEGORY_DIGIT: "0",
            c.CATEGORY_SPACE: " ",
            c.CATEGORY_NOT_WORD: "-",
        }.get(first_arg, "a")
    return "a"


def _in_class(char: str, items) -> bool:
    """Whether a class's literals and ranges include `char` (categories are not checked)."""
    c = re._constants
    code = ord(char)
    return any(
        (op == c.LITERAL and arg == code) or (op == c.RANGE and arg[0] <= code <= arg[1])
        for op, arg in items
    )


# Numbers


def _bound(schema: dict, key: str) -> float | None:
    value = schema.get(key)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if is_number else None


def _number(schema: dict, *, integer: bool, variant: int) -> int | float:
    """42 (or 42.5) plus `variant`, moved inside the bounds and onto a multipleOf."""
    low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
    low_strict, high_strict = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")

    def inside(value: float) -> bool:
        return (
            (low is None or value >= low)
            and (high is None or value <= high)
            and (low_strict is None or value > low_strict)
            and (high_strict is None or value < high_strict)
        )

    value = _inside_bounds(
        (42 if integer else 42.5) + variant, integer, inside, low, high, low_strict, high_strict
    )
    step = _bound(schema, "multipleOf")
    if step:
        value = _nearest_multiple(value, step, integer, inside)
    return value


def _inside_bounds(preferred, integer, inside, low, high, low_strict, high_strict):
    if inside(preferred):
        return preferred
    floor_ = max((b for b in (low, low_strict) if b is not None), default=None)
    ceiling = min((b for b in (high, high_strict) if b is not None), default=None)
    if integer:
        candidates = []
        if floor_ is not None:
            candidates += [math.ceil(floor_), math.floor(floor_) + 1]
        if ceiling is not None:
            candidates += [math.floor(ceiling), math.ceil(ceiling) - 1]
        return next((int(v) for v in candidates if inside(v)), preferred)
    if floor_ is not None and ceiling is not None:
        return (floor_ + ceiling) / 2
    return floor_ + 1 if floor_ is not None else ceiling - 1


def _nearest_multiple(value, step, integer, inside):
    """A multiple of `step` near `value`, inside the bounds, that a validator's float
    arithmetic also accepts (0.1 * 43 / 0.1 is not a whole number)."""
    start = round(value / step)
    for offset in (0, 1, -1, 2, -2, 3, -3, 10, -10):
        candidate = (start + offset) * step
        if integer:
            if candidate != int(candidate):
                continue
            candidate = int(candidate)
        elif candidate == int(candidate):
            candidate = int(candidate)
        quotient = candidate / step
        if inside(candidate) and quotient == int(quotient):
            return candidate
    return value
