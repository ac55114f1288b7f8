"""core.platform.ordering: one move renumbers a list densely, whatever its positions were."""

from types import SimpleNamespace

import pytest

from core.platform.ordering import move_to, step


def rows(*positions):
    return [SimpleNamespace(name=chr(97 + n), position=p) for n, p in enumerate(positions)]


@pytest.mark.parametrize("index, order", [(0, "cab"), (1, "acb"), (2, "abc"), (99, "abc"), (-5, "cab")])
def test_a_move_lands_clamped_and_numbers_every_row(index, order):
    items = rows(0, 0, 7)  # gaps and ties before: dense after
    moved = items[2]
    landed = move_to(items, moved, index)
    result = sorted(items, key=lambda r: r.position)
    assert "".join(r.name for r in result) == order and [r.position for r in result] == [0, 1, 2]
    assert landed == result.index(moved)


def test_a_row_from_elsewhere_joins_the_list():
    items, newcomer = rows(0, 1), SimpleNamespace(name="z", position=40)
    assert move_to(items, newcomer, 1) == 1
    assert [r.position for r in (*items, newcomer)] == [0, 2, 1]


def test_step_reads_the_move_forms():
    assert (step("up", 3), step("down", 3), step("0", 3), step("sideways", 3), step(None, 3)) == (2, 4, 0, None, None)
