from datetime import date

from usage.charts import OTHER_COLOUR, stacked_by_day

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
