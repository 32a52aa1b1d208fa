import json

from django import template

register = template.Library()


@register.filter
def json_pretty(value) -> str:
    """JSON as people write it (not Python's repr); autoescaped by the template as usual."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def lookup(mapping: dict, key: str):
    return mapping.get(key)
