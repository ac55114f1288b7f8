"""Bar charts of daily figures, laid out here and drawn as SVG by ``templates/_chart.html``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 32
_NICE_STEPS = (1, 2, 4, 6, 8, 10)


@dataclass(frozen=True)
class Bar:
    day: date
    value: float
    text: str  # what a hover (and a screen reader inside the SVG) says: day and formatted value
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    label: str
    y: float


@dataclass(frozen=True)
class DayLabel:
    label: str
    x: float
    anchor: str  # SVG text-anchor: the first label starts at its bar, the last ends at its bar


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    day_labels: list[DayLabel]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def nice_ceiling(value: float, whole: bool) -> float:
    """The smallest round number at or above ``value`` (an axis top): 3 -> 4, 7 -> 10, 0.7 -> 0.8."""
    if value <= 0:
        return 2 if whole else 1
    magnitude = 10 ** math.floor(math.log10(value))
    top = next(step * magnitude for step in _NICE_STEPS if step * magnitude >= value * (1 - 1e-9))
    return max(top, 2) if whole else top


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    points: list[tuple[date, float]],
    describe: Callable[[date, float], str],
    tick_label: Callable[[float], str],
    whole: bool = True,
) -> BarChart:
    """Lay out one bar per day; ``describe(day, value)`` names a bar, ``tick_label`` writes axis values."""
    top_value = nice_ceiling(max((value for _, value in points), default=0), whole)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    gap = slot * 0.15 if slot >= 4 else 0
    bars = []
    for index, (day, value) in enumerate(points):
        height = plot_height * value / top_value
        bars.append(
            Bar(
                day,
                value,
                describe(day, value),
                x=round(LEFT + index * slot + gap / 2, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
            )
        )
    ticks = [Tick(tick_label(top_value * share), round(TOP + plot_height * (1 - share), 2)) for share in (0, 0.5, 1)]
    return BarChart(chart_id, title, description, bars, ticks, day_labels(points, slot))


def day_labels(points: list[tuple[date, float]], slot: float) -> list[DayLabel]:
    """The first, middle and last days under the axis."""
    if not points:
        return []
    last = len(points) - 1
    labels = [DayLabel(points[0][0].isoformat(), LEFT, "start")]
    if last >= 4:
        labels.append(DayLabel(points[last // 2][0].isoformat(), round(LEFT + (last // 2 + 0.5) * slot, 2), "middle"))
    if last >= 1:
        labels.append(DayLabel(points[last][0].isoformat(), round(LEFT + (last + 1) * slot, 2), "end"))
    return labels
