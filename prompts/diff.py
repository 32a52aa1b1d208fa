"""What changed between two versions of a template, as a person reads a prompt: message by
message (its role and content), then each other field (model, parameters, tools, …) on its own.

A version's JSON diffed line by line mixes every message into one blob, where a message added
near the top shifts everything after it; here messages are matched first, so an insertion is
one added message and the rest read as unchanged.
"""

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from completions.images import brief

from .models import TemplateVersion

Kind = Literal["+", "-", " "]
Status = Literal["added", "removed", "changed", "unchanged"]

# The fields besides the messages, in the order a person looks at them.
OTHER_FIELDS = (
    ("model", "Model"),
    ("params", "Parameters"),
    ("tools", "Tools"),
    ("tool_choice", "Tool choice"),
    ("response_format", "Response format (schema)"),
    ("variables", "Variables"),
)


@dataclass(frozen=True)
class DiffSection:
    title: str
    status: Status
    lines: list[tuple[Kind, str]]


@dataclass(frozen=True)
class VersionDiff:
    changed: list[DiffSection]  # added, removed or changed, in reading order
    unchanged: list[str]  # the titles of the rest


def version_diff(old: TemplateVersion, new: TemplateVersion) -> VersionDiff:
    """One section per message (matched across the versions), then one per other field."""
    sections = _message_sections(old.messages or [], new.messages or [])
    for field, title in OTHER_FIELDS:
        before, after = _field_lines(getattr(old, field)), _field_lines(getattr(new, field))
        if before is not None or after is not None:  # set in neither: nothing to say
            sections.append(_section(title, before, after))
    return VersionDiff(
        changed=[s for s in sections if s.status != "unchanged"],
        unchanged=[s.title for s in sections if s.status == "unchanged"],
    )


def _message_sections(old: list[Any], new: list[Any]) -> list[DiffSection]:
    matcher = difflib.SequenceMatcher(
        a=[_key(m) for m in old], b=[_key(m) for m in new], autojunk=False
    )
    sections = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        # A replaced block pairs its messages in order; any left over were added or removed.
        width = max(i2 - i1, j2 - j1) if tag != "equal" else i2 - i1
        for offset in range(width):
            before = old[i1 + offset] if i1 + offset < i2 else None
            after = new[j1 + offset] if j1 + offset < j2 else None
            number = j1 + offset + 1 if after is not None else i1 + offset + 1
            shown = after if after is not None else before
            title = f"Message {number} · {_role(shown)}"
            sections.append(_section(title, _message_lines(before), _message_lines(after)))
    return sections


def _section(title: str, old: list[str] | None, new: list[str] | None) -> DiffSection:
    if old is None:
        return DiffSection(title, "added", [("+", line) for line in new or []])
    if new is None:
        return DiffSection(title, "removed", [("-", line) for line in old])
    if old == new:
        return DiffSection(title, "unchanged", [(" ", line) for line in new])
    return DiffSection(title, "changed", _line_diff(old, new))


def _line_diff(old: list[str], new: list[str]) -> list[tuple[Kind, str]]:
    """Every line, each marked kept, removed or added (prompts are short: all context)."""
    lines: list[tuple[Kind, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [(" ", line) for line in old[i1:i2]]
            continue
        lines += [("-", line) for line in old[i1:i2]]
        lines += [("+", line) for line in new[j1:j2]]
    return lines


def _key(message: Any) -> str:
    return json.dumps(message, sort_keys=True, ensure_ascii=False)


def _role(message: Any) -> str:
    return str(message.get("role", "?")) if isinstance(message, dict) else "?"


def _message_lines(message: Any) -> list[str] | None:
    if message is None:
        return None
    if not isinstance(message, dict):
        return _pretty(message)
    lines = [f"role: {_role(message)}"]
    if message.get("tool_call_id"):
        lines.append(f"tool_call_id: {message['tool_call_id']}")
    content = message.get("content")
    if isinstance(content, str):
        lines += content.splitlines() or [""]
    elif content is not None:
        lines += _pretty(brief(content))  # an uploaded image as its size and digest
    if message.get("tool_calls"):
        lines += ["tool_calls:", *_pretty(message["tool_calls"])]
    return lines


def _field_lines(value: Any) -> list[str] | None:
    """None when the field is not set (no tools, no schema, …)."""
    if value in (None, "", {}, []):
        return None
    if isinstance(value, str):
        return value.splitlines()
    return _pretty(value)


def _pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).splitlines()


def text_diff(old: str, new: str) -> dict[str, list[tuple[Kind, str]]]:
    """Two texts (e.g. two answers) compared line by line and word by word: `lines` as the
    version diff marks them, `words` as runs of words and spaces kept, removed or added."""
    old_words, new_words = re.findall(r"\s+|[^\s]+", old), re.findall(r"\s+|[^\s]+", new)
    words: list[tuple[Kind, str]] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            words.append((" ", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            words.append(("-", "".join(old_words[i1:i2])))
        if j2 > j1:
            words.append(("+", "".join(new_words[j1:j2])))
    return {"lines": _line_diff(old.splitlines(), new.splitlines()), "words": words}
