"""`{{variable}}` placeholders in template messages.

`{{ name }}` (spaces optional) is replaced by the variable's value; `\\{{` writes a literal
`{{`. A variable with no value and no default is an error, never a silent empty string.
"""

import re

from django.core.exceptions import ValidationError

PLACEHOLDER = re.compile(r"\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _texts(messages: list[dict]):
    """Every text a placeholder can live in: string contents and text parts."""
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            yield content
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield part["text"]


def variables_in(messages: list[dict]) -> list[str]:
    """Variable names in order of first appearance."""
    names: list[str] = []
    for text in _texts(messages):
        for match in PLACEHOLDER.finditer(text):
            if match.group(1) and match.group(1) not in names:
                names.append(match.group(1))
    return names


def _render_text(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values[m.group(1)] if m.group(1) else "{{", text)


def resolve_values(names: list[str], declared: dict, given: dict) -> dict[str, str]:
    """Values for every variable: given, else the default. Raises ValidationError naming
    each missing or unknown variable."""
    if not isinstance(given, dict):
        raise ValidationError({"variables": 'Give variables as an object: {"name": "value"}.'})
    errors: dict[str, list[str]] = {}
    for unknown in sorted(set(given) - set(names)):
        known = ", ".join(names) or "none"
        errors[f"variables.{unknown}"] = [
            f"This template has no variable {unknown} (it has: {known})."
        ]
    values: dict[str, str] = {}
    for name in names:
        if name in given:
            values[name] = given[name] if isinstance(given[name], str) else str(given[name])
        elif (declared.get(name) or {}).get("default") is not None:
            values[name] = str(declared[name]["default"])
        else:
            errors[f"variables.{name}"] = ["Missing value (this variable has no default)."]
    if errors:
        raise ValidationError(errors)
    return values


def messages_with_values(messages, values: dict) -> list:
    """The messages with every placeholder filled from `values` (no defaults here)."""
    if not isinstance(messages, list):
        return messages  # not ours to judge: request validation reports it
    return render_messages(messages, resolve_values(variables_in(messages), {}, values))


def render_messages(messages: list[dict], values: dict[str, str]) -> list[dict]:
    rendered = []
    for message in messages:
        if not isinstance(message, dict):
            rendered.append(message)
            continue
        message = dict(message)
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = _render_text(content, values)
        elif isinstance(content, list):
            message["content"] = [
                {**part, "text": _render_text(part["text"], values)}
                if isinstance(part, dict) and isinstance(part.get("text"), str)
                else part
                for part in content
            ]
        rendered.append(message)
    return rendered


def values_from_rendered(messages: list[dict], rendered: list[dict]) -> dict[str, str] | None:
    """The values `render_messages(messages, values)` was given to make `rendered` (render's
    inverse: runs keep the request they sent, not the values), or None when `rendered` is not
    a rendering of `messages`. Where placeholders touch, the split is one of the possible."""
    texts, rendered_texts = list(_texts(messages)), list(_texts(rendered))
    if len(messages) != len(rendered) or len(texts) != len(rendered_texts):
        return None
    values: dict[str, str] = {}
    for text, result in zip(texts, rendered_texts, strict=True):
        pattern, seen, at = [], set(values), 0
        for match in PLACEHOLDER.finditer(text):
            pattern.append(re.escape(text[at : match.start()]))
            name = match.group(1)
            if name is None:
                pattern.append(re.escape("{{"))
            elif name in seen:
                pattern.append(f"(?P={name})" if name not in values else re.escape(values[name]))
            else:
                pattern.append(f"(?P<{name}>.*?)")
                seen.add(name)
            at = match.end()
        pattern.append(re.escape(text[at:]))
        found = re.fullmatch("".join(pattern), result, flags=re.DOTALL)
        if found is None:
            return None
        values.update(found.groupdict())
    return values
