"""Geometry of a radar (spider) chart: axes, rings, polygons and non-overlapping axis labels.

Coordinates are chart units with the centre at (0, 0), y pointing up and the outer ring at
radius 1. The first axis points straight up and the others follow clockwise. A scale from
``lo`` to ``hi`` has one ring per level; level ``k`` lies at radius ``(k - lo + 1) / levels``,
so the lowest level is a small ring rather than the centre point (a team scoring the lowest
level everywhere still draws a visible polygon).

Text is measured by a function the caller passes in (``measure(line) -> (width, height)`` in
chart units), so the drawing code can use real font metrics; :func:`estimate_measure` is a
font-free estimate for tests and headless use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Measure = Callable[[str], tuple[float, float]]

MIN_AXES = 3
MAX_AXES = 20
#: Gap between the outer ring and the nearest corner of an axis label, in chart units.
LABEL_GAP = 0.08
#: Vertical gap kept between two labels pushed apart, in chart units.
LABEL_SPACING = 0.02


def axis_angles(n: int) -> list[float]:
    """Angle (radians, mathematical orientation) of each of ``n`` axes: first up, clockwise."""
    if n < 1:
        raise ValueError("a radar chart needs at least one axis")
    return [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]


def level_radius(value: float, lo: float, hi: float) -> float:
    """Radius of ``value`` on a scale ``lo``..``hi`` (see the module docstring)."""
    levels = hi - lo + 1
    return (value - lo + 1) / levels


def ring_radii(lo: int, hi: int) -> list[float]:
    """Radius of the ring of each level from ``lo`` to ``hi``."""
    return [level_radius(level, lo, hi) for level in range(lo, hi + 1)]


def polygon_points(
    values: Sequence[float | None], lo: float, hi: float
) -> list[tuple[float, float] | None]:
    """The vertex of each value on its axis (None for a missing value: no vertex drawn)."""
    angles = axis_angles(len(values))
    points: list[tuple[float, float] | None] = []
    for value, angle in zip(values, angles, strict=True):
        if value is None:
            points.append(None)
            continue
        r = level_radius(min(max(value, lo), hi), lo, hi)
        points.append((r * math.cos(angle), r * math.sin(angle)))
    return points


def closed_path(points: Sequence[tuple[float, float] | None]) -> list[tuple[float, float]]:
    """Points of a closed polygon, ``(nan, nan)`` where a missing value breaks the outline."""
    nan = (math.nan, math.nan)
    path: list[tuple[float, float]] = []
    for point in [*points, points[0]] if points else []:
        path.append(point if point is not None else nan)
    return path


def wrap_text(text: str, width: int) -> list[str]:
    """Greedy word wrap of ``text`` to lines of at most ``width`` characters."""
    width = max(4, width)
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current = f"{current} {word}"
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def estimate_measure(char_height: float = 0.06) -> Measure:
    """A font-free text measure: average glyph width 0.55 of the line height."""

    def measure(line: str) -> tuple[float, float]:
        return (len(line) * char_height * 0.55, char_height * 1.25)

    return measure


@dataclass(frozen=True)
class LabelBox:
    """Where one axis label goes: its wrapped lines, alignment and box (chart units)."""

    lines: tuple[str, ...]
    #: "left", "right" or "center": how the lines align inside the box.
    align: str
    left: float
    top: float
    width: float
    height: float
    #: Point of the axis end the label belongs to.
    anchor_x: float
    anchor_y: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top - self.height

    def overlaps(self, other: LabelBox) -> bool:
        """True when the two boxes share any area (touching edges do not overlap)."""
        return (
            self.left < other.right
            and other.left < self.right
            and self.bottom < other.top
            and other.bottom < self.top
        )

    def moved_to_top(self, top: float) -> LabelBox:
        return LabelBox(
            self.lines,
            self.align,
            self.left,
            top,
            self.width,
            self.height,
            self.anchor_x,
            self.anchor_y,
        )


def _box_for(lines: list[str], angle: float, measure: Measure, radius: float) -> LabelBox:
    sizes = [measure(line) for line in lines]
    width = max(w for w, _ in sizes)
    height = sum(h for _, h in sizes)
    cos, sin = math.cos(angle), math.sin(angle)
    ax, ay = radius * cos, radius * sin
    if abs(cos) < 0.2:
        align = "center"
        left = ax - width / 2
    elif cos > 0:
        align = "left"
        left = ax
    else:
        align = "right"
        left = ax - width
    if align == "center":
        top = ay + height if sin > 0 else ay
    else:
        # Beside the axis end, vertically centred on it and nudged outwards near the poles.
        top = ay + height / 2 + (height / 2) * sin
    # A tall label beside a slanted axis can reach back into the rings: move it away from the
    # centre line until its nearest corner is clear of them.
    clear = (1.0 + radius) / 2
    dx = 0.0 if left <= 0.0 <= left + width else min(abs(left), abs(left + width))
    if dx < clear:
        dy = math.sqrt(clear * clear - dx * dx)
        top = max(top, dy + height) if sin > 0 else min(top, -dy)
    return LabelBox(tuple(lines), align, left, top, width, height, ax, ay)


def layout_labels(
    titles: Sequence[str],
    measure: Measure | None = None,
    wrap_width: int = 22,
    gap: float = LABEL_GAP,
) -> list[LabelBox]:
    """Boxes for the axis labels of ``titles`` such that no two boxes overlap.

    Each title is word-wrapped to ``wrap_width`` characters and placed just outside the outer
    ring at the end of its axis: left-aligned on the right half, right-aligned on the left half,
    centred at the top and bottom. Labels that would overlap are then pushed apart vertically,
    away from the horizontal centre line (upper labels up, lower labels down), which is where
    a radar chart has free space. The result never overlaps (the tests check it).
    """
    measure = measure or estimate_measure()
    n = len(titles)
    angles = axis_angles(n) if n else []
    boxes = [
        _box_for(wrap_text(title, wrap_width), angle, measure, 1.0 + gap)
        for title, angle in zip(titles, angles, strict=True)
    ]
    order_up = sorted(
        (i for i, b in enumerate(boxes) if b.anchor_y > 1e-9),
        key=lambda i: (boxes[i].anchor_y, i),
    )
    order_down = sorted(
        (i for i, b in enumerate(boxes) if b.anchor_y <= 1e-9),
        key=lambda i: (-boxes[i].anchor_y, i),
    )
    placed: list[int] = []
    # The lower half first, from the centre line downwards (labels move down only) ...
    for i in order_down:
        box = boxes[i]
        moved = True
        while moved:
            moved = False
            for j in placed:
                if box.overlaps(boxes[j]):
                    box = box.moved_to_top(boxes[j].bottom - LABEL_SPACING)
                    moved = True
        boxes[i] = box
        placed.append(i)
    # ... then the upper half from the centre line upwards (labels move up only).
    for i in order_up:
        box = boxes[i]
        moved = True
        while moved:
            moved = False
            for j in placed:
                if box.overlaps(boxes[j]):
                    box = box.moved_to_top(boxes[j].top + box.height + LABEL_SPACING)
                    moved = True
        boxes[i] = box
        placed.append(i)
    return boxes


def extent(boxes: Sequence[LabelBox], margin: float = 0.04) -> tuple[float, float, float, float]:
    """``(left, bottom, right, top)`` enclosing the rings and every label box, plus ``margin``."""
    left, bottom, right, top = -1.0, -1.0, 1.0, 1.0
    for box in boxes:
        left = min(left, box.left)
        right = max(right, box.right)
        bottom = min(bottom, box.bottom)
        top = max(top, box.top)
    return (left - margin, bottom - margin, right + margin, top + margin)
