"""An experiment's results as CSV or JSON Lines, one line per cell, streamed."""

import csv
import json
from collections.abc import Iterator
from typing import Any

from .models import Experiment

COLUMNS = [
    "position", "item_revision_id", "variant", "repetition", "status", "answer", "error",
    "passed", "latency_ms", "total_tokens", "cost", "results", "run_id",
]  # fmt: skip


class _Line:
    def write(self, text: str) -> str:
        return text


def _rows(experiment: Experiment) -> Iterator[dict[str, Any]]:
    cells = experiment.cells.select_related("run", "variant").order_by(
        "position", "variant__position", "repetition"
    )
    for cell in cells.iterator(chunk_size=500):
        run = cell.run
        yield {
            "position": cell.position,
            "item_revision_id": str(cell.item_revision_id),
            "variant": cell.variant.position,
            "repetition": cell.repetition,
            "status": cell.status,
            "answer": run.content if run else None,
            "error": cell.error,
            "passed": cell.passed,
            "latency_ms": run.latency_ms if run else None,
            "total_tokens": run.total_tokens if run else None,
            "cost": str(run.cost) if run and run.cost is not None else None,
            "results": cell.results,
            "run_id": str(run.pk) if run else None,
        }


def _spreadsheet_safe(value: Any) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (model output is
    untrusted)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def csv_lines(experiment: Experiment) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in _rows(experiment):
        yield writer.writerow([_spreadsheet_safe(row[column]) for column in COLUMNS])


def jsonl_lines(experiment: Experiment) -> Iterator[str]:
    for row in _rows(experiment):
        yield json.dumps(row, ensure_ascii=False) + "\n"


WRITERS = {
    "csv": (csv_lines, "text/csv; charset=utf-8"),
    "jsonl": (jsonl_lines, "application/x-ndjson; charset=utf-8"),
}
