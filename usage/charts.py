"""Stacked bar charts as plain geometry, drawn by an SVG template (no JavaScript, no build).

Many models stay readable: the biggest few get their own colour, the rest become "other".
"""

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


@dataclass
class Chart:
    bars: list[Bar]
    legend: list[tuple[str, str]]
    width: int
    height: int
    bar_width: float
    peak: float

    @property
    def empty(self) -> bool:
        return self.peak == 0


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
    slot = width / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        bar = Bar(label=day.strftime("%b %d"), x=index * slot + slot * 0.15, total=0)
        for name in order:
            value = values.get((day, name), 0)
            if value:
                bar.segments.append(Segment(name, value, colours.get(name, OTHER_COLOUR)))
                bar.total += value
        bars.append(bar)
    peak = max((bar.total for bar in bars), default=0)
    for bar in bars:
        top_edge: float = height
        for segment in bar.segments:
            segment.height = segment.value / peak * height if peak else 0
            top_edge -= segment.height
            segment.y = top_edge
    legend = [(name, colours.get(name, OTHER_COLOUR)) for name in order]
    return Chart(bars, legend, width, height, slot * 0.7, peak)
