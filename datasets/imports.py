"""Reading items from a CSV or JSON Lines file, all or nothing.

CSV: a header row names the columns; each column becomes a variable, except `expected` (the
answer wanted, text; empty for none), `tags` (comma-separated) and `metadata` (a JSON object).
JSON Lines: one object per line, either flat like a CSV row (every key but `expected`, `tags`
and `metadata` is a variable) or as exported, `{"variables": {…}, "expected": …, "tags": […],
"metadata": {…}}` (an exported `id` and `revision` are ignored). Blank lines are skipped.

Every problem names its line and column; up to MAX_ERRORS are reported at once, and a file
with any problem adds nothing.
"""

import csv
import io
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from completions.input_rules import text_problem

from .content import RESERVED, item_content_clean

FORMATS = ("csv", "jsonl")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
EXPORTED_ONLY = ("id", "revision")
MAX_ERRORS = 20


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, line: int, message: str, column: str = "") -> None:
        where = f"Line {line}, column {column}" if column else f"Line {line}"
        self.messages.append(f"{where}: {message}")
        if len(self.messages) >= MAX_ERRORS:
            self.raise_if_any()

    def raise_if_any(self) -> None:
        if self.messages:
            raise ValidationError({"file": self.messages})


def format_choose(file_format: str, filename: str) -> str:
    """The format asked for, else the one the file name's extension says."""
    if file_format:
        if file_format not in FORMATS:
            raise ValidationError({"format": [f"One of: {', '.join(FORMATS)}."]})
        return file_format
    for extension, found in EXTENSIONS.items():
        if filename.lower().endswith(extension):
            return found
    raise ValidationError({"format": ["Say csv or jsonl (the file name does not tell)."]})


def file_read(upload: Any) -> bytes:
    """An uploaded file's bytes, refused unread when it is too large."""
    limit = settings.DATASET_IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"file": [f"The file is larger than {limit} bytes."]})
    return upload.read(limit + 1)


def _decoded(data: bytes) -> str:
    if len(data) > settings.DATASET_IMPORT_MAX_BYTES:
        limit = settings.DATASET_IMPORT_MAX_BYTES
        raise ValidationError({"file": [f"The file is larger than {limit} bytes."]})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ValidationError(
            {"file": [f"Line {line}, column {column}: not UTF-8 text."]}
        ) from None


def _content(fields: dict[str, Any], line: int, problems: _Problems, column_of) -> dict | None:
    """The cleaned content, or None with its problems noted; `column_of(error key)` says
    which column an error of item_content_clean is in."""
    try:
        return item_content_clean(fields)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            problems.add(line, " ".join(messages), column_of(key))
        return None


def _csv_items(text: str, problems: _Problems) -> list[dict]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    if not header:
        raise ValidationError({"file": ["The file is empty: give a header row first."]})
    for index, name in enumerate(header):
        where = f"{index + 1}"
        if not name:
            problems.add(1, "this column has no name.", where)
        elif problem := text_problem(name):
            problems.add(1, f"the name contains {problem}.", where)
        elif name in header[:index]:
            problems.add(1, f"“{name}” repeats column {header.index(name) + 1}.", where)
    problems.raise_if_any()

    def column_of(key: str) -> str:
        name = key.split(".", 1)[1] if key.startswith("variables.") else key.split(".")[0]
        return f"{header.index(name) + 1} “{name}”" if name in header else ""

    items: list[dict] = []
    line = 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:
            problems.add(line + 1, f"{error}.")
            break
        start, line = line + 1, reader.line_num
        if row is None:
            break
        if not row:
            continue  # a blank line
        if len(row) != len(header):
            problems.add(start, f"{len(row)} fields, but the header names {len(header)}.")
            continue
        cells = dict(zip(header, row, strict=True))
        fields: dict[str, Any] = {
            "variables": {name: cell for name, cell in cells.items() if name not in RESERVED},
            "expected": cells.get("expected") or None,
            "tags": [tag.strip() for tag in cells.get("tags", "").split(",") if tag.strip()],
        }
        if (cells.get("metadata") or "").strip():
            try:
                fields["metadata"] = json.loads(cells["metadata"])
            except ValueError as error:
                problems.add(start, f"not JSON ({error}).", column_of("metadata"))
                continue
        content = _content(fields, start, problems, column_of)
        if content is not None:
            items.append(content)
    return items


def _jsonl_fields(value: dict[str, Any]) -> dict[str, Any]:
    if "variables" not in value:
        fields = {key: value[key] for key in RESERVED if key in value}
        return {**fields, "variables": {k: v for k, v in value.items() if k not in RESERVED}}
    unknown = sorted(set(value) - {"variables", *RESERVED, *EXPORTED_ONLY})
    if unknown:
        known = ", ".join(("variables", *RESERVED))
        raise ValidationError({unknown[0]: [f"Not an item field ({known})."]})
    return {key: value[key] for key in ("variables", *RESERVED) if key in value}


def _jsonl_items(text: str, problems: _Problems) -> list[dict]:
    items: list[dict] = []
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            problems.add(line, f"not JSON ({error.msg}).", str(error.colno))
            continue
        except (ValueError, RecursionError):
            problems.add(line, "not JSON, or nested too deeply.")
            continue
        if not isinstance(value, dict):
            problems.add(line, "each line must be a JSON object.")
            continue
        try:
            fields = _jsonl_fields(value)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                problems.add(line, " ".join(messages), f"“{key}”")
            continue
        content = _content(fields, line, problems, lambda key: f"“{key}”")
        if content is not None:
            items.append(content)
    return items


def items_read(data: bytes, file_format: str) -> list[dict[str, Any]]:
    """The cleaned contents of every item in the file, in order, or a ValidationError on
    `file` listing the problems (line and column each)."""
    text = _decoded(data)
    problems = _Problems()
    read = _csv_items if file_format == "csv" else _jsonl_items
    items = read(text, problems)
    problems.raise_if_any()
    if not items:
        raise ValidationError({"file": ["The file holds no items."]})
    if len(items) > settings.DATASET_IMPORT_MAX_ITEMS:
        limit = settings.DATASET_IMPORT_MAX_ITEMS
        raise ValidationError({"file": [f"More than {limit} items: split the file."]})
    return items
