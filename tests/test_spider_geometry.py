"""Radar chart geometry: angles, rings, polygons and axis labels that never overlap."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from qidesk.core.radar_geometry import (
    axis_angles,
    closed_path,
    extent,
    layout_labels,
    polygon_points,
    ring_radii,
    wrap_text,
)

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14)
titles = st.lists(words, min_size=1, max_size=9).map(" ".join)


def test_first_axis_up_then_clockwise() -> None:
    angles = axis_angles(4)
    assert math.isclose(angles[0], math.pi / 2)
    assert math.isclose(math.cos(angles[1]), 1.0)  # second axis points right
    assert math.isclose(math.sin(angles[2]), -1.0)


def test_rings_and_polygon_points() -> None:
    assert ring_radii(1, 5) == [0.2, 0.4, 0.6, 0.8, 1.0]
    points = polygon_points([5, None, 1, 3], 1, 5)
    assert points[1] is None
    assert math.isclose(points[0][1], 1.0) and math.isclose(points[2][1], -0.2)  # type: ignore[index]
    path = closed_path(points)
    assert len(path) == 5 and math.isnan(path[1][0]) and path[-1] == path[0]


@given(st.lists(st.one_of(st.none(), st.floats(1, 5)), min_size=3, max_size=20))
def test_points_lie_within_the_outer_ring(values) -> None:
    for point in polygon_points(values, 1, 5):
        if point is not None:
            assert math.hypot(*point) <= 1.0 + 1e-9


def test_wrap_text_keeps_words_and_width() -> None:
    lines = wrap_text("Understanding the system (process mapping, cause and effect)", 22)
    assert all(len(line) <= 22 for line in lines)
    assert " ".join(lines) == "Understanding the system (process mapping, cause and effect)"
    assert all(len(line) <= 8 for line in wrap_text("Supercalifragilistic word", 8))


@settings(max_examples=150, deadline=None)
@given(st.lists(titles, min_size=3, max_size=20), st.integers(10, 30))
def test_labels_never_overlap_each_other_or_the_rings(label_titles, wrap_width) -> None:
    boxes = layout_labels(label_titles, wrap_width=wrap_width)
    assert len(boxes) == len(label_titles)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
        # the nearest point of the box to the centre is outside the outer ring
        nx = min(max(0.0, a.left), a.right)
        ny = min(max(0.0, a.bottom), a.top)
        assert math.hypot(nx, ny) >= 1.0
    left, bottom, right, top = extent(boxes)
    assert all(
        left <= b.left and b.right <= right and bottom <= b.bottom and b.top <= top for b in boxes
    )


def test_labels_align_away_from_the_chart() -> None:
    boxes = layout_labels(["Top", "Right", "Bottom", "Left"])
    assert [b.align for b in boxes] == ["center", "left", "center", "right"]
