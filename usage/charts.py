"""Stacked bar charts as plain geometry, drawn by an SVG template (no JavaScript, no build).

Many models stay readable: the biggest few get their own colour, the rest become "other".
The y axis has a few round ticks (0, 50, 100, …) and the bars scale to the top one.
"""

import math
from dataclasses import dataclass, field
from datetime import date

PALETTE = ["#6d4aff", "#1f9d8a", "#e07b24", "#d14d72", "#3b82c4"]
OTHER_COLOUR = "#a3a1b8"


@dataclass
class Segment:
    series: str
    value: float
    colour: str
    y: float = 0
    height: float = 0


@dataclass
class Bar:
    label: str
    x: float
    total: float
    segments: list[Segment] = field(default_factory=list)
    centre: float = 0  # where its date label is centred


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Chart:
    bars: list[Bar]
    legend: list[tuple[str, str]]
    width: int
    height: int
    bar_width: float
    peak: float
    ticks: list[Tick] = field(default_factory=list)
    left: int = 0  # the plot starts here: the y axis's labels sit left of it

    @property
    def empty(self) -> bool:
        return self.peak == 0

    @property
    def right(self) -> int:
        return self.width - RIGHT_MARGIN


AXIS_WIDTH = 52  # room for tick labels like "12.5k" or "0.0025"
RIGHT_MARGIN = 18  # the last date label is centred on its bar: half of it needs room


def nice_ticks(peak: float, count: int = 4) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 times a power of ten) up to the first at or above
    the peak: about `count` intervals."""
    if peak <= 0:
        return [0.0]
    rough = peak / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return [i * step for i in range(math.ceil(peak / step - 1e-9) + 1)]


def tick_label(value: float, step: float) -> str:
    """12000 → "12k", 2500000 → "2.5M", 0.0025 → "0.0025": as many decimals as the step."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.{_decimals(step / size)}f}{suffix}"
    return f"{value:.{_decimals(step)}f}"


def _decimals(step: float) -> int:
    if step >= 1 and float(step).is_integer():
        return 0
    digits = 0
    while digits < 8 and not math.isclose(step * 10**digits, round(step * 10**digits)):
        digits += 1
    return digits


def stacked_by_day(
    rows: list[dict],
    days: list[date],
    metric: str,
    *,
    series: str = "model",
    top: int = 5,
    width: int = 720,
    height: int = 200,
) -> Chart:
    """`rows` grouped by day and `series`; one bar per day, stacked by series."""
    totals: dict[str, float] = {}
    for row in rows:
        totals[row[series]] = totals.get(row[series], 0) + float(row[metric] or 0)
    ranked = [name for name, total in sorted(totals.items(), key=lambda kv: -kv[1]) if total > 0]
    named = ranked[:top]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(named)}
    values: dict[tuple[date, str], float] = {}
    for row in rows:
        name = row[series] if row[series] in colours else "other"
        values[(row["day"], name)] = values.get((row["day"], name), 0) + float(row[metric] or 0)
    order = [*named, *(["other"] if len(ranked) > top else [])]
    left = AXIS_WIDTH
    slot = (width - left - RIGHT_MARGIN) / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        x = left + index * slot + slot * 0.15
        bar = Bar(label=day.strftime("%b %d"), x=x, total=0, centre=x + slot * 0.35)
        for name in order:
            value = values.get((day, name), 0)
            if value:
                bar.segments.append(Segment(name, value, colours.get(name, OTHER_COLOUR)))
                bar.total += value
        bars.append(bar)
    peak = max((bar.total for bar in bars), default=0)
    steps = nice_ticks(peak)
    top_value = steps[-1]
    for bar in bars:
        top_edge: float = height
        for segment in bar.segments:
            segment.height = segment.value / top_value * height if top_value else 0
            top_edge -= segment.height
            segment.y = top_edge
    step = steps[1] if len(steps) > 1 else 1
    ticks = [
        Tick(
            y=height - value / top_value * height if top_value else height,
            label=tick_label(value, step),
        )
        for value in steps
    ]
    legend = [(name, colours.get(name, OTHER_COLOUR)) for name in order]
    return Chart(bars, legend, width, height, slot * 0.7, peak, ticks, left)
