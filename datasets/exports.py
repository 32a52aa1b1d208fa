"""Writing a dataset's current items as CSV or JSON Lines, streamed row by row.

CSV has a column per variable (every name any item uses, in order of first use), then
`expected` (text; a JSON answer as its JSON text), `tags` (comma-separated) and `metadata`
(JSON): what imports.py reads back. JSON Lines keeps every type, plus each item's `id` and
`revision` (the revision id an experiment would record); importing ignores those two.
"""

import csv
import json
from collections.abc import Iterator
from typing import Any

from .content import RESERVED
from .models import Dataset
from .selectors import items_exported, variable_names


class _Line:
    """csv.writer's file: hands back what it is given, so each row is yielded as written."""

    def write(self, text: str) -> str:
        return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def csv_lines(dataset: Dataset) -> Iterator[str]:
    names = variable_names(dataset)
    writer = csv.writer(_Line())
    yield writer.writerow([*names, *RESERVED])
    for row in items_exported(dataset):
        variables = row["variables"]
        yield writer.writerow(
            [
                *(_cell(variables.get(name)) for name in names),
                _cell(row["expected"]),
                ", ".join(row["tags"]),
                _cell(row["metadata"] or None),
            ]
        )


def jsonl_lines(dataset: Dataset) -> Iterator[str]:
    for row in items_exported(dataset):
        yield json.dumps(row, ensure_ascii=False) + "\n"


WRITERS = {
    "csv": (csv_lines, "text/csv; charset=utf-8"),
    "jsonl": (jsonl_lines, "application/x-ndjson; charset=utf-8"),
}
