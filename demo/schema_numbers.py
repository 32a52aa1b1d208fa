"""Example numbers for JSON Schema integer and number leaves: 42 (or 42.5), moved inside
the bounds and onto a `multipleOf` that a validator's float arithmetic also accepts."""

import math


def _bound(schema: dict, key: str) -> float | None:
    value = schema.get(key)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if is_number else None


def number_example(schema: dict, *, integer: bool, variant: int) -> int | float:
    """42 (or 42.5) plus `variant`, moved inside the bounds and onto a multipleOf."""
    low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
    low_strict, high_strict = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")

    def inside(value: float) -> bool:
        return (
            (low is None or value >= low)
            and (high is None or value <= high)
            and (low_strict is None or value > low_strict)
            and (high_strict is None or value < high_strict)
        )

    value = _inside_bounds(
        (42 if integer else 42.5) + variant, integer, inside, low, high, low_strict, high_strict
    )
    step = _bound(schema, "multipleOf")
    if step:
        value = _nearest_multiple(value, step, integer, inside)
    return value


def _inside_bounds(preferred, integer, inside, low, high, low_strict, high_strict):
    if inside(preferred):
        return preferred
    floor_ = max((b for b in (low, low_strict) if b is not None), default=None)
    ceiling = min((b for b in (high, high_strict) if b is not None), default=None)
    if integer:
        candidates = []
        if floor_ is not None:
            candidates += [math.ceil(floor_), math.floor(floor_) + 1]
        if ceiling is not None:
            candidates += [math.floor(ceiling), math.ceil(ceiling) - 1]
        return next((int(v) for v in candidates if inside(v)), preferred)
    if floor_ is not None and ceiling is not None:
        return (floor_ + ceiling) / 2
    if floor_ is not None:
        return floor_ + 1
    return ceiling - 1 if ceiling is not None else preferred  # no bounds: preferred was inside


def _nearest_multiple(value, step, integer, inside):
    """A multiple of `step` near `value`, inside the bounds, that a validator's float
    arithmetic also accepts (0.1 * 43 / 0.1 is not a whole number)."""
    start = round(value / step)
    for offset in (0, 1, -1, 2, -2, 3, -3, 10, -10):
        candidate = (start + offset) * step
        if integer:
            if candidate != int(candidate):
                continue
            candidate = int(candidate)
        elif candidate == int(candidate):
            candidate = int(candidate)
        quotient = candidate / step
        if inside(candidate) and quotient == int(quotient):
            return candidate
    return value
