import json

from django import template
from django.conf import settings

from completions import images
from completions.search import message_text

register = template.Library()


@register.filter
def json_pretty(value) -> str:
    """JSON as people write it (not Python's repr); autoescaped by the template as usual."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def lookup(mapping: dict, key: str):
    return mapping.get(key)


@register.filter
def json_brief(value) -> str:
    """json_pretty with uploaded images' data shortened to their type and size."""
    return json_pretty(images.brief(value))


@register.filter
def request_images(request) -> list[dict[str, str]]:
    """The images of a logged request's messages: {"src"} data URLs, {"link"} web addresses."""
    return images.images_in(request.get("messages") if isinstance(request, dict) else None)


@register.filter
def cost(value) -> str:
    """A run's cost with its currency, or why there is none (usage or price unknown)."""
    if value is None:
        return "unknown"
    return f"{value.normalize():f} {settings.USAGE_CURRENCY}"


@register.filter
def message_shown(message) -> str:
    """A request message as text (text parts of a list too), or what it holds instead."""
    if not isinstance(message, dict):
        return ""
    text = message_text(message.get("content"))
    if not text and message.get("tool_calls"):
        return "(tool calls)"
    return text
