from datetime import date

import pytest

from usage.charts import OTHER_COLOUR, nice_ticks, stacked_by_day, tick_label

DAYS = [date(2026, 11, 10), date(2026, 11, 11)]


def rows(models: dict, metric: str = "total_tokens") -> list[dict]:
    return [{"day": DAYS[0], "model": m, metric: v} for m, v in models.items()]


def test_many_models_become_top_five_and_other():
    chart = stacked_by_day(rows({f"m{i}": 100 - i for i in range(8)}), DAYS, "total_tokens")
    assert [name for name, _ in chart.legend] == ["m0", "m1", "m2", "m3", "m4", "other"]
    assert chart.legend[-1][1] == OTHER_COLOUR
    other = chart.bars[0].segments[-1]
    assert (other.series, other.value) == ("other", 95 + 94 + 93)


def test_bars_scale_to_the_peak_and_stack():
    chart = stacked_by_day(rows({"a": 30, "b": 10}), DAYS, "total_tokens", height=200)
    first, empty = chart.bars
    assert [round(s.height) for s in first.segments] == [150, 50]
    assert first.segments[0].y == 50 and first.segments[1].y == 0
    assert empty.segments == [] and chart.peak == 40


def test_unknown_values_count_as_nothing_and_empty_charts_say_so():
    chart = stacked_by_day(rows({"a": None}, "cost"), DAYS, "cost")
    assert chart.empty and chart.legend == []


def test_the_y_axis_has_round_ticks_and_the_bars_scale_to_the_top_one():
    chart = stacked_by_day(rows({"a": 12_345}), DAYS, "total_tokens", height=200)
    assert [tick.label for tick in chart.ticks] == ["0", "5k", "10k", "15k"]
    assert [tick.y for tick in chart.ticks] == pytest.approx([200, 200 * 2 / 3, 200 / 3, 0])
    assert chart.bars[0].segments[0].height == pytest.approx(12_345 / 15_000 * 200)


@pytest.mark.parametrize(
    ("peak", "ticks", "labels"),
    [
        (40, [0, 10, 20, 30, 40], ["0", "10", "20", "30", "40"]),
        (7, [0, 2, 4, 6, 8], ["0", "2", "4", "6", "8"]),
        (0.0123, [0, 0.005, 0.01, 0.015], ["0.000", "0.005", "0.010", "0.015"]),
        (2_600_000, [0, 1e6, 2e6, 3e6], ["0", "1M", "2M", "3M"]),
    ],
)
def test_nice_ticks(peak, ticks, labels):
    found = nice_ticks(peak)
    assert found == pytest.approx(ticks)
    assert [tick_label(value, found[1]) for value in found] == labels


def test_date_labels_are_centred_within_the_chart():
    days = [date(2026, 11, d) for d in range(1, 31)]
    chart = stacked_by_day(rows({"a": 5}), days, "total_tokens", width=720)
    half_label = 18  # "Nov 30" at 10px is about 33px wide
    assert chart.bars[0].centre - half_label >= 0
    assert chart.bars[-1].centre + half_label <= chart.width
    assert chart.left > 0 and all(bar.x >= chart.left for bar in chart.bars)
