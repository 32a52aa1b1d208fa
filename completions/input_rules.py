"""What user input may hold: text PostgreSQL can store and numbers JSON can carry.

PostgreSQL refuses NUL characters in text and in jsonb, and a lone surrogate (half of a
UTF-16 pair, which `"\\ud800"` in JSON decodes to) cannot be encoded at all; NaN and Infinity
are not JSON, so jsonb and most clients refuse them. Accepted at the door, such a value fails
only when its run is written, after the upstream was called and budgets were held; so it is
refused where input comes in (the API's JSON parser, /v1, query strings and forms, and the
completion request itself), with the path of the field, before anything else happens.
"""

import json
import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

ROOT = "non_field_errors"  # the whole body, in the API's error shape
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """What makes this text unstorable ("a NUL character (\\u0000)"), or None."""
    if text.isascii() and "\x00" not in text:  # most text, and images' base64, at memchr speed
        return None
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "a NUL character (\\u0000)"
    return f"a lone surrogate (\\u{ord(found.group()):04x}), which is not valid Unicode"


def storable(value: Any) -> Any:
    """`value` with what PostgreSQL cannot store (NUL, lone surrogates) replaced by U+FFFD, in
    every string of it: for text that comes from an upstream, which is written as it is,
    never refused (the call was answered and made; its run must be written)."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def value_problem(value: Any, *, max_depth: int | None = None) -> tuple[str, str] | None:
    """The path (`messages[0].content`, "" for the value itself) and a description of the first
    string or number in a parsed JSON value that cannot be stored, or of where it nests
    deeper than `max_depth` (default: settings.INPUT_MAX_DEPTH); None when all is well."""
    limit = settings.INPUT_MAX_DEPTH if max_depth is None else max_depth
    return _first_problem(value, "", 0, limit)


def _first_problem(value: Any, path: str, depth: int, limit: int) -> tuple[str, str] | None:
    if isinstance(value, str):
        problem = text_problem(value)
        return (path, f"Contains {problem}; it cannot be stored.") if problem else None
    if isinstance(value, float) and not math.isfinite(value):
        return path, "Must be a finite number: NaN and Infinity are not JSON."
    if not isinstance(value, dict | list):
        return None
    if depth >= limit:
        return path, f"Nested more than {limit} levels deep."
    if isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        for key in value:
            problem = text_problem(key)
            if problem:  # the key itself is not repeated in the path
                return path, f"Has a key containing {problem}; it cannot be stored."
        items = ((f"{path}.{key}" if path else key, item) for key, item in value.items())
    for item_path, item in items:
        found = _first_problem(item, item_path, depth + 1, limit)
        if found is not None:
            return found
    return None


def value_check(value: Any) -> None:
    """Raise ValidationError({path: [message]}) for the first unstorable value."""
    found = value_problem(value)
    if found is not None:
        path, message = found
        raise ValidationError({path or ROOT: [message]})


def json_parse(raw: bytes | str) -> Any:
    """A request body, parsed and checked. ValidationError when it is not JSON, nests too
    deeply for the parser, or holds something that cannot be stored (naming the field)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValidationError(
            {ROOT: [f"The JSON nests too deeply (at most {settings.INPUT_MAX_DEPTH} levels)."]}
        ) from None
    except ValueError as error:  # UnicodeDecodeError included
        raise ValidationError({ROOT: [f"JSON parse error - {error}"]}) from None  # DRF's words
    value_check(value)
    return value


def too_large_message() -> str:
    """Why a body over DATA_UPLOAD_MAX_MEMORY_SIZE gets a 413: the same words on /api/ and /v1."""
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
