"""PDSA timeline geometry: lanes, rows, planned and actual bars, ramp connectors, month ticks.

Pure data for the chart to draw and tests to check. x is seconds since 1970-01-01 UTC at
midnight (what pyqtgraph's date axes use); a bar covers its end day (it ends at the next
midnight). y grows downwards: lane 0 is at the top, each row is 1.0 high.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from qidesk.core.pdsa_rules import DECISION_LABELS

DECISION_COLOURS: dict[str | None, str] = {
    "adopt": "#009E73",
    "adapt": "#E69F00",
    "abandon": "#D55E00",
    None: "#8C8C8C",
}
DAY = 86400.0
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
ROW_HEIGHT = 1.0
PLANNED_HEIGHT = 0.72
ACTUAL_HEIGHT = 0.44
LANE_GAP = 0.4
#: Days between two cycles of one row, so that bars never touch.
ROW_GAP_DAYS = 1
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_x(day: date) -> float:
    """x of midnight at the start of ``day``."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY


def x_date(x: float) -> date:
    """The day that x falls in."""
    return date.fromordinal(int(x // DAY) + EPOCH_ORDINAL)


@dataclass(frozen=True)
class TimelineCycle:
    """What the timeline needs of one cycle. ``lane_key`` picks its lane; ``previous_uuid`` is
    the (already resolved) cycle it follows in its ramp."""

    uuid: str
    lane_key: str
    cycle_number: int
    title: str
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    decision: str | None = None
    status: str = "planned"
    previous_uuid: str | None = None
    #: Shown before the title in tooltips (for example the change idea or the team).
    context: str = ""


@dataclass(frozen=True)
class TimelineLane:
    key: str
    title: str


@dataclass(frozen=True)
class Bar:
    """One rectangle: ``kind`` "planned" (hollow outline) or "actual" (filled)."""

    uuid: str
    kind: str
    x0: float
    x1: float
    y: float
    height: float
    colour: str
    filled: bool
    #: True for an actual bar still running (no actual end): it reaches today.
    open_end: bool = False

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and abs(y - self.y) <= self.height / 2


@dataclass(frozen=True)
class Connector:
    """A ramp arrow from the end of the previous cycle's bar to the start of the next one's."""

    from_uuid: str
    to_uuid: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class LaneBox:
    """A lane's place and summary: its rows span y0..y1."""

    key: str
    title: str
    index: int
    y0: float
    y1: float
    rows: int
    cycle_count: int
    running_count: int
    last_activity: date | None
    stalled: bool

    @property
    def y_centre(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class TimelineLayout:
    lanes: tuple[LaneBox, ...]
    bars: tuple[Bar, ...]
    connectors: tuple[Connector, ...]
    x_min: float
    x_max: float
    y_max: float
    today_x: float
    #: Cycles without any date (listed in the table, not drawn).
    unplaced: tuple[str, ...]
    cycle_lane: dict[str, str] = field(default_factory=dict)

    def bars_of(self, uuid: str) -> list[Bar]:
        return [b for b in self.bars if b.uuid == uuid]

    def cycle_at(self, x: float, y: float) -> str | None:
        """The cycle whose bar is at (x, y), or None (the top-most, i.e. actual, bar wins)."""
        for bar in sorted(self.bars, key=lambda b: b.kind != "actual"):
            if bar.contains(x, y):
                return bar.uuid
        return None


def _spans(
    c: TimelineCycle, today: date
) -> tuple[tuple[date, date] | None, tuple[date, date] | None, bool]:
    """(planned span, actual span, actual still open); spans include their end day."""
    planned = None
    if c.planned_start or c.planned_end:
        ps = c.planned_start or c.planned_end
        pe = c.planned_end or c.planned_start
        assert ps is not None and pe is not None
        planned = (ps, max(ps, pe))
    actual = None
    open_end = False
    if c.actual_start:
        if c.actual_end:
            actual = (c.actual_start, max(c.actual_start, c.actual_end))
        else:
            open_end = True
            actual = (c.actual_start, max(c.actual_start, today))
    return planned, actual, open_end


@dataclass(frozen=True)
class LanePart:
    """One lane laid out on its own (so one changed cycle re-lays out only its lane)."""

    box: LaneBox
    bars: tuple[Bar, ...]
    connectors: tuple[Connector, ...]
    unplaced: tuple[str, ...]
    x_lo: float | None
    x_hi: float | None


def layout_lane(
    lane: TimelineLane,
    index: int,
    members: Sequence[TimelineCycle],
    today: date,
    y0: float,
    stall_days: int | None = None,
) -> LanePart:
    """Place a lane's cycles on the first row where each overlaps nothing; connect its ramps."""
    placed: list[tuple[date, date, TimelineCycle]] = []
    spans = {}
    unplaced: list[str] = []
    last_activity: date | None = None
    running = 0
    for c in members:
        planned, actual, open_end = spans[c.uuid] = _spans(c, today)
        if open_end or c.status == "running":
            running += 1
        for d in (c.actual_start, c.actual_end):
            if d and (last_activity is None or d > last_activity):
                last_activity = d
        if planned and actual:
            placed.append((min(planned[0], actual[0]), max(planned[1], actual[1]), c))
        elif planned or actual:
            span = planned or actual
            assert span is not None
            placed.append((span[0], span[1], c))
        else:
            unplaced.append(c.uuid)
    placed.sort(key=lambda p: (p[0], p[2].cycle_number, p[2].uuid))
    row_ends: list[date] = []
    rows: dict[str, int] = {}
    for start, end, c in placed:
        for r, row_end in enumerate(row_ends):
            if start > row_end + timedelta(days=ROW_GAP_DAYS - 1):
                row_ends[r] = end
                rows[c.uuid] = r
                break
        else:
            rows[c.uuid] = len(row_ends)
            row_ends.append(end)
    n_rows = max(1, len(row_ends))
    bars: list[Bar] = []
    centres: dict[str, tuple[float, float, float]] = {}  # uuid -> (y, x_start, x_end)
    x_lo: float | None = None
    x_hi: float | None = None
    none_colour = DECISION_COLOURS[None]
    for start, end, c in placed:
        yc = y0 + (rows[c.uuid] + 0.5) * ROW_HEIGHT
        colour = DECISION_COLOURS.get(c.decision, none_colour)
        planned, actual, open_end = spans[c.uuid]
        if planned:
            bars.append(
                Bar(
                    c.uuid,
                    "planned",
                    date_x(planned[0]),
                    date_x(planned[1]) + DAY,
                    yc,
                    PLANNED_HEIGHT,
                    colour,
                    False,
                )
            )
        if actual:
            bars.append(
                Bar(
                    c.uuid,
                    "actual",
                    date_x(actual[0]),
                    date_x(actual[1]) + DAY,
                    yc,
                    ACTUAL_HEIGHT,
                    colour,
                    True,
                    open_end,
                )
            )
        first = actual or planned
        assert first is not None
        last_end = actual[1] if actual else first[1]
        centres[c.uuid] = (yc, date_x(first[0]), date_x(last_end) + DAY)
        x0, x1 = date_x(start), date_x(end) + DAY
        x_lo = x0 if x_lo is None else min(x_lo, x0)
        x_hi = x1 if x_hi is None else max(x_hi, x1)
    connectors = []
    for c in members:
        prev = c.previous_uuid
        if prev is None or prev not in centres or c.uuid not in centres:
            continue
        py, _, pend = centres[prev]
        cy, cstart, _ = centres[c.uuid]
        connectors.append(Connector(prev, c.uuid, pend, py, cstart, cy))
    stalled = False
    if stall_days is not None:
        quiet = last_activity is None or (today - last_activity).days > stall_days
        stalled = running == 0 and quiet
    box = LaneBox(
        lane.key,
        lane.title,
        index,
        y0,
        y0 + n_rows * ROW_HEIGHT,
        n_rows,
        len(members),
        running,
        last_activity,
        stalled,
    )
    return LanePart(box, tuple(bars), tuple(connectors), tuple(unplaced), x_lo, x_hi)


def assemble(parts: Sequence[LanePart], today: date) -> TimelineLayout:
    """One layout from lanes laid out separately (their y0 must already be stacked)."""
    bars: list[Bar] = []
    connectors: list[Connector] = []
    unplaced: list[str] = []
    cycle_lane: dict[str, str] = {}
    los = [p.x_lo for p in parts if p.x_lo is not None]
    his = [p.x_hi for p in parts if p.x_hi is not None]
    for part in parts:
        bars.extend(part.bars)
        connectors.extend(part.connectors)
        unplaced.extend(part.unplaced)
        for bar in part.bars:
            cycle_lane[bar.uuid] = part.box.key
        for uuid in part.unplaced:
            cycle_lane[uuid] = part.box.key
    today_x = date_x(today)
    x_lo = min(los) if los else date_x(today - timedelta(days=90))
    x_hi = max(his) if his else date_x(today + timedelta(days=30))
    y_max = parts[-1].box.y1 if parts else 0.0
    return TimelineLayout(
        lanes=tuple(p.box for p in parts),
        bars=tuple(bars),
        connectors=tuple(connectors),
        x_min=min(x_lo, today_x),
        x_max=max(x_hi, today_x + DAY),
        y_max=max(y_max, ROW_HEIGHT),
        today_x=today_x,
        unplaced=tuple(unplaced),
        cycle_lane=cycle_lane,
    )


def _group(
    lanes: Sequence[TimelineLane], cycles: Iterable[TimelineCycle]
) -> tuple[list[TimelineLane], dict[str, list[TimelineCycle]]]:
    lane_list = list(lanes)
    by_lane: dict[str, list[TimelineCycle]] = {lane.key: [] for lane in lane_list}
    for c in cycles:
        if c.lane_key not in by_lane:
            lane_list.append(TimelineLane(c.lane_key, c.lane_key or "Other"))
            by_lane[c.lane_key] = []
        by_lane[c.lane_key].append(c)
    return lane_list, by_lane


def layout_timeline(
    lanes: Sequence[TimelineLane],
    cycles: Iterable[TimelineCycle],
    today: date,
    *,
    stall_days: int | None = None,
) -> TimelineLayout:
    """Place every cycle in its lane, on the first row where it overlaps nothing.

    Cycles whose lane is not in ``lanes`` get a lane of their own at the end (titled by key).
    With ``stall_days``, a lane is *stalled* when no cycle runs and nothing started or ended in
    the last ``stall_days`` days.
    """
    return IncrementalTimeline(lanes, cycles, today, stall_days=stall_days).layout


class IncrementalTimeline:
    """A timeline layout that re-lays out only the lane of a changed cycle.

    ``layout`` is always equal to :func:`layout_timeline` of the current lanes and cycles.
    """

    def __init__(
        self,
        lanes: Sequence[TimelineLane],
        cycles: Iterable[TimelineCycle],
        today: date,
        *,
        stall_days: int | None = None,
    ):
        self.today = today
        self.stall_days = stall_days
        self.lanes, self.by_lane = _group(lanes, cycles)
        self.cycles: dict[str, TimelineCycle] = {
            c.uuid: c for members in self.by_lane.values() for c in members
        }
        self.parts: list[LanePart] = []
        self._relayout_from(0)

    def _part(self, index: int, y0: float) -> LanePart:
        lane = self.lanes[index]
        return layout_lane(lane, index, self.by_lane[lane.key], self.today, y0, self.stall_days)

    def _relayout_from(self, start: int) -> None:
        del self.parts[start:]
        y = self.parts[-1].box.y1 + LANE_GAP if self.parts else 0.0
        for index in range(start, len(self.lanes)):
            part = self._part(index, y)
            self.parts.append(part)
            y = part.box.y1 + LANE_GAP
        self.layout = assemble(self.parts, self.today)

    def _relayout_lane(self, key: str) -> None:
        index = next(i for i, lane in enumerate(self.lanes) if lane.key == key)
        old = self.parts[index]
        new = self._part(index, old.box.y0)
        if new.box.rows != old.box.rows:
            self._relayout_from(index)  # lanes below move
            return
        self.parts[index] = new
        self.layout = assemble(self.parts, self.today)

    def update_cycle(self, cycle: TimelineCycle) -> TimelineLayout:
        """Add or replace one cycle; only its lane (and its old lane) are laid out again."""
        old = self.cycles.get(cycle.uuid)
        self.cycles[cycle.uuid] = cycle
        if cycle.lane_key not in self.by_lane:
            self.lanes.append(TimelineLane(cycle.lane_key, cycle.lane_key or "Other"))
            self.by_lane[cycle.lane_key] = []
        if old is not None:
            members = self.by_lane[old.lane_key]
            members[:] = [c for c in members if c.uuid != cycle.uuid]
        self.by_lane[cycle.lane_key].append(cycle)
        if old is not None and old.lane_key != cycle.lane_key:
            first = min(
                i for i, lane in enumerate(self.lanes) if lane.key in (old.lane_key, cycle.lane_key)
            )
            self._relayout_from(first)
        elif len(self.parts) < len(self.lanes):
            self._relayout_from(len(self.parts))
        else:
            self._relayout_lane(cycle.lane_key)
        return self.layout

    def remove_cycle(self, uuid: str) -> TimelineLayout:
        old = self.cycles.pop(uuid, None)
        if old is not None:
            members = self.by_lane[old.lane_key]
            members[:] = [c for c in members if c.uuid != uuid]
            self._relayout_lane(old.lane_key)
        return self.layout


def month_ticks(x_min: float, x_max: float, max_ticks: int = 14) -> list[tuple[float, str]]:
    """Ticks at the first of months between ``x_min`` and ``x_max``: every month, or every 2,
    3, 6 or 12 when there would be more than ``max_ticks``. January and the first tick carry
    the year."""
    if x_max <= x_min:
        return []
    first, last = x_date(x_min), x_date(x_max)
    total = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 6, 12) if total / s <= max_ticks), 12 * (total // 144 + 1))
    ticks: list[tuple[float, str]] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        if (month - 1) % step == 0:
            day = date(year, month, 1)
            x = date_x(day)
            if x_min <= x <= x_max:
                name = MONTH_NAMES[month - 1]
                label = f"{name} {year}" if month == 1 or not ticks else name
                ticks.append((x, label))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return ticks


def _span_text(start: date | None, end: date | None, open_text: str) -> str:
    if not start and not end:
        return "not set"
    s = f"{start.day} {start:%b %Y}" if start else "?"
    e = f"{end.day} {end:%b %Y}" if end else open_text
    return f"{s} – {e}"


def cycle_tooltip(c: TimelineCycle) -> str:
    """The hover text: title, dates and decision."""
    lines = [f"Cycle {c.cycle_number}: {c.title}"]
    if c.context:
        lines.insert(0, c.context)
    lines.append(f"Planned: {_span_text(c.planned_start, c.planned_end, '?')}")
    if c.actual_start or c.actual_end:
        lines.append(f"Actual: {_span_text(c.actual_start, c.actual_end, 'still running')}")
    lines.append(f"Decision: {DECISION_LABELS.get(c.decision, 'Not decided')} · Status: {c.status}")
    return "\n".join(lines)
