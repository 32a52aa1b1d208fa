"""Example strings for JSON Schema string leaves: worded from the property's name ("city" ->
"example city"), a fixed value for each known `format`, fitted to length bounds, and made to
match a `pattern` when one is given."""

import math
import re

from demo.regex_example import string_for_regex

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
# example (see string_for_regex) is not usable.
_PATTERN_CANDIDATES = ["example", "abc", "ABC", "a", "A", "1", "123", "abc123", "A1", "2024-01-15"]


def words(name: str) -> str:
    """ "city" -> "example city", "firstName" / "first_name" -> "example first name"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    return " ".join(["example", *spaced.lower().split()])


def string_example(schema: dict, name: str, variant: int) -> str:
    """A string for `schema`, a property named `name`; `variant` > 0 makes it differ."""
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    base = words(name) + (f" {variant + 1}" if variant else "")
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
    name_based = _fit_length(base, min_length, max_length)
    candidates: list[str | None] = [name_based]
    for repeat_extra in (0, 1, 3):
        candidates.append(string_for_regex(pattern, repeat_extra))
    candidates += _PATTERN_CANDIDATES
    for candidate in candidates:
        if (
            candidate is not None
            and min_length <= len(candidate) <= (max_length if max_length is not None else math.inf)
            and regex.search(candidate)
        ):
            return candidate
    return name_based
