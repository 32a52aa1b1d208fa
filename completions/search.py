"""What History shows of a run's prompt and how it searches runs.

A run keeps, beside its request, the first user message cut short (`preview`) and the text of
its messages (`prompt_text`), taken once when the run is made, so a page of History reads
neither the requests nor any JSON. Search looks in the prompt text and the answer: on
PostgreSQL as full text ('simple' configuration: no stemming, so any language; each word
matches as a prefix) through a GIN index on the same expression (migration 0009); on SQLite
as a case-insensitive substring of either, scanning the user's runs only.
"""

import re
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value

PREVIEW_CHARS = 200
PROMPT_TEXT_CHARS = 20_000  # bounds the row and its index entry; searches see this much
WORD = re.compile(r"\w+")


def message_text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of parts (images say so)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, dict) and part.get("type") == "image_url":
                parts.append("[image]")
        return " ".join(parts)
    return ""


def prompt_texts(request: Any) -> tuple[str, str]:
    """(preview, prompt_text) of a request body: the first user message, and every message."""
    messages = request.get("messages") if isinstance(request, dict) else None
    if not isinstance(messages, list):
        return "", ""
    texts = [
        (m.get("role"), message_text(m.get("content"))) for m in messages if isinstance(m, dict)
    ]
    first_user = next((text for role, text in texts if role == "user" and text), "")
    preview = " ".join(first_user.split())
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1] + "…"
    return preview, "\n".join(text for _, text in texts if text)[:PROMPT_TEXT_CHARS]


class SearchDocument(Func):
    """to_tsvector('simple', prompt text || ' ' || answer): written out here once, the very
    expression the GIN index of migration 0009 is built on, so PostgreSQL can use it."""

    # Two columns, each COALESCEd, joined by a space: the joiner closes one and opens the next.
    template = "to_tsvector('simple'::regconfig, COALESCE(%(expressions)s, ''))"
    arg_joiner = ", '') || ' ' || COALESCE("
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("prompt_text"), F("content"))


class Matches(Func):
    """document @@ to_tsquery('simple', terms), a condition to filter on."""

    template = "(%(expressions)s)"
    arg_joiner = " @@ "
    output_field = BooleanField()

    def __init__(self, document: Func, terms: str) -> None:
        query = Func(Value(terms), template="to_tsquery('simple'::regconfig, %(expressions)s)")
        super().__init__(document, query)


def runs_searched(runs: QuerySet, query: str) -> QuerySet:
    """Runs whose prompt or answer holds every word of the query."""
    words = WORD.findall(query)[:10]
    if not words:
        return runs
    if connection.vendor == "postgresql":
        terms = " & ".join(f"{word.lower()}:*" for word in words)
        return runs.filter(Matches(SearchDocument(), terms))
    for word in words:
        runs = runs.filter(Q(prompt_text__icontains=word) | Q(content__icontains=word))
    return runs
