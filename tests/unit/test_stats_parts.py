"""The stats plugin's pure parts: axis tops, CSV cells, periods, chart layout."""

from datetime import date

import pytest

from plugins.stats.charts import BOTTOM, HEIGHT, TOP, bar_chart, nice_ceiling
from plugins.stats.csvexport import csv_text, safe_cell
from plugins.stats.queries import PeriodError, parse_period


@pytest.mark.parametrize(
    "value, whole, top",
    [
        (0, True, 2),
        (1, True, 2),
        (3, True, 4),
        (5, True, 6),
        (7, True, 8),
        (9, True, 10),
        (10, True, 10),
        (15, True, 20),
        (130, True, 200),
        (0.7, False, 0.8),
        (0, False, 1),
        (2.5, False, 4),
    ],
)
def test_axis_tops_are_round(value, whole, top):
    assert nice_ceiling(value, whole) == pytest.approx(top)


def test_formula_cells_are_defused_and_numbers_kept():
    assert [safe_cell(v) for v in ("=1+1", "+33", "-x", "@A1", "\tx", "plain", 5, -3, 2.5)] == [
        "'=1+1",
        "'+33",
        "'-x",
        "'@A1",
        "'\tx",
        "plain",
        5,
        -3,
        2.5,
    ]
    assert (
        csv_text(["a", "b"], [("=cmd|' /C calc'!A0", 'say "hi", then')])
        == 'a,b\r\n\'=cmd|\' /C calc\'!A0,"say ""hi"", then"\r\n'
    )


def test_periods():
    today = date(2026, 11, 20)
    assert parse_period({}, today).days[0] == date(2026, 10, 22) and len(parse_period({}, today).days) == 30
    assert parse_period({"start": "2026-11-20"}, today).days == [today]
    for bad in ({"end": "2026-02-30"}, {"start": "2026-11-21"}, {"start": "2024-11-19"}):
        with pytest.raises(PeriodError):
            parse_period(bad, today)


def test_bar_heights_follow_the_values():
    chart = bar_chart(
        "c",
        "t",
        "d",
        [(date(2026, 1, 1), 0), (date(2026, 1, 2), 6), (date(2026, 1, 3), 3)],
        describe=lambda d, v: f"{d}: {v}",
        tick_label=str,
    )
    plot = HEIGHT - TOP - BOTTOM
    assert [b.height for b in chart.bars] == [0, plot * 6 / 6, plot * 3 / 6]
    assert [(t.label, t.y) for t in chart.ticks] == [("0", TOP + plot), ("3.0", TOP + plot / 2), ("6", TOP)]
    assert chart.bars[1].text == "2026-01-02: 6" and [d.label for d in chart.day_labels] == ["2026-01-01", "2026-01-03"]
