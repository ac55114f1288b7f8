"""The editor's timeline bar: each enrichment a segment, overlapping ones on separate lanes."""

from __future__ import annotations

from dataclasses import dataclass

from plugins.enrichment.models import Enrichment


@dataclass(frozen=True)
class Segment:
    item: Enrichment
    left: float  # percent of the video's length
    width: float
    lane: int


def timeline(items: list[Enrichment], duration: float | None) -> list[Segment]:
    """Segments for ``items`` (ordered by start), placed on the first lane free at their start."""
    length = max([duration or 0] + [i.end for i in items]) or 1
    lanes_end: list[int] = []
    segments = []
    for item in sorted(items, key=lambda i: (i.start_ms, i.end_ms, i.id)):
        lane = next((n for n, end in enumerate(lanes_end) if end <= item.start_ms), len(lanes_end))
        if lane == len(lanes_end):
            lanes_end.append(0)
        lanes_end[lane] = item.end_ms
        left = 100 * item.start / length
        segments.append(Segment(item, round(left, 3), round(max(0.5, 100 * (item.end - item.start) / length), 3), lane))
    return segments
