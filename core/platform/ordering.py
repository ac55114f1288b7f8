"""Ordered rows (channels, themes, playlist items...): one move, dense positions.

A list shown in an order its keepers choose stores a ``position`` on each row.
Moving one row renumbers the whole list 0..n-1 in the same transaction, so
positions never collide or leave gaps, whatever they were before.
"""

from __future__ import annotations

from collections.abc import Sequence


def move_to(rows: Sequence, row, index: int) -> int:
    """Put ``row`` at ``index`` (clamped) among ``rows`` (in their current order) and number them all 0..n-1.

    ``row`` need not be in ``rows`` yet (a new row, or one coming from another list).
    :return: the index where ``row`` landed.
    """
    others = [each for each in rows if each is not row]
    index = max(0, min(index, len(others)))
    others.insert(index, row)
    renumber(others)
    return index


def renumber(rows: Sequence) -> None:
    """Number ``rows`` 0..n-1 in their order (only the rows whose position changes are written)."""
    for position, each in enumerate(rows):
        if each.position != position:
            each.position = position


def step(target: str, current: int) -> int | None:
    """The index a move form asks for: ``up``, ``down`` (from ``current``) or a number; None if neither."""
    if target in ("up", "down"):
        return current + (-1 if target == "up" else 1)
    try:
        return int(target)
    except (TypeError, ValueError):
        return None
