"""Timeline geometry: lanes, rows, planned and actual bars, colours, connectors, ticks, hits."""

from __future__ import annotations

from datetime import date

from qidesk.core.timeline_layout import (
    DAY,
    DECISION_COLOURS,
    TimelineCycle,
    TimelineLane,
    cycle_tooltip,
    date_x,
    layout_timeline,
    month_ticks,
    x_date,
)

TODAY = date(2026, 5, 15)
LANES = [TimelineLane("idea-a", "Checklist"), TimelineLane("idea-b", "Huddle")]


def cyc(uuid: str, lane: str, n: int, ps: date | None, pe: date | None, **kw) -> TimelineCycle:  # type: ignore[no-untyped-def]
    return TimelineCycle(uuid, lane, n, f"Cycle {uuid}", ps, pe, **kw)


def test_planned_bars_are_hollow_actual_bars_filled_and_coloured_by_decision() -> None:
    cycles = [
        cyc(
            "a1",
            "idea-a",
            1,
            date(2026, 3, 1),
            date(2026, 3, 14),
            actual_start=date(2026, 3, 2),
            actual_end=date(2026, 3, 16),
            decision="adapt",
        ),
        cyc("a2", "idea-a", 2, date(2026, 3, 20), date(2026, 4, 2), decision=None),
        cyc(
            "b1",
            "idea-b",
            1,
            date(2026, 4, 1),
            date(2026, 4, 10),
            actual_start=date(2026, 4, 1),
            actual_end=date(2026, 4, 9),
            decision="abandon",
        ),
    ]
    layout = layout_timeline(LANES, cycles, TODAY)
    a1 = {b.kind: b for b in layout.bars_of("a1")}
    assert a1["planned"].filled is False and a1["actual"].filled is True
    assert a1["planned"].colour == a1["actual"].colour == DECISION_COLOURS["adapt"] == "#E69F00"
    assert a1["planned"].x0 == date_x(date(2026, 3, 1))
    assert a1["planned"].x1 == date_x(date(2026, 3, 14)) + DAY  # the end day is covered
    assert a1["actual"].x1 == date_x(date(2026, 3, 17))
    assert [b.kind for b in layout.bars_of("a2")] == ["planned"]
    assert layout.bars_of("a2")[0].colour == DECISION_COLOURS[None]
    assert layout.bars_of("b1")[1].colour == "#D55E00"
    # lanes in the order given, one row each (a1 and a2 do not overlap)
    assert [(lane.title, lane.rows, lane.cycle_count) for lane in layout.lanes] == [
        ("Checklist", 1, 2),
        ("Huddle", 1, 1),
    ]
    assert layout.lanes[0].y0 <= a1["planned"].y <= layout.lanes[0].y1
    assert layout.lanes[1].y0 <= layout.bars_of("b1")[0].y <= layout.lanes[1].y1
    assert layout.today_x == date_x(TODAY)


def test_overlapping_cycles_of_a_lane_get_rows_and_unknown_lanes_are_added() -> None:
    cycles = [
        cyc("x", "idea-a", 1, date(2026, 3, 1), date(2026, 3, 20)),
        cyc("y", "idea-a", 2, date(2026, 3, 10), date(2026, 3, 30)),
        cyc("z", "idea-a", 3, date(2026, 3, 21), date(2026, 3, 25)),
        cyc("n", "", 1, date(2026, 3, 1), date(2026, 3, 5)),
        cyc("undated", "idea-b", 1, None, None),
    ]
    layout = layout_timeline(LANES, cycles, TODAY)
    ys = {u: layout.bars_of(u)[0].y for u in ("x", "y", "z")}
    assert ys["x"] == ys["z"] != ys["y"]
    assert layout.lanes[0].rows == 2
    assert [lane.key for lane in layout.lanes] == ["idea-a", "idea-b", ""]
    assert layout.unplaced == ("undated",)
    assert layout.lanes[1].cycle_count == 1 and layout.lanes[1].rows == 1


def test_ramp_connectors_run_from_end_to_start() -> None:
    cycles = [
        cyc(
            "a1",
            "idea-a",
            1,
            date(2026, 3, 1),
            date(2026, 3, 14),
            actual_start=date(2026, 3, 1),
            actual_end=date(2026, 3, 18),
            decision="adapt",
        ),
        cyc("a2", "idea-a", 2, date(2026, 3, 20), date(2026, 4, 2), previous_uuid="a1"),
        cyc("a3", "idea-a", 3, None, None, previous_uuid="a2"),
    ]
    layout = layout_timeline(LANES, cycles, TODAY)
    assert len(layout.connectors) == 1
    (c,) = layout.connectors
    assert (c.from_uuid, c.to_uuid) == ("a1", "a2")
    assert c.x0 == date_x(date(2026, 3, 19)) and c.x1 == date_x(date(2026, 3, 20))


def test_running_cycle_reaches_today_and_stalled_lanes() -> None:
    cycles = [
        cyc(
            "r",
            "team-1",
            1,
            date(2026, 5, 1),
            date(2026, 5, 30),
            actual_start=date(2026, 5, 2),
            status="running",
        ),
        cyc(
            "old",
            "team-2",
            1,
            date(2026, 1, 1),
            date(2026, 1, 20),
            actual_start=date(2026, 1, 1),
            actual_end=date(2026, 1, 20),
            decision="adopt",
        ),
    ]
    lanes = [TimelineLane("team-1", "A"), TimelineLane("team-2", "B"), TimelineLane("t3", "C")]
    layout = layout_timeline(lanes, cycles, TODAY, stall_days=42)
    actual = layout.bars_of("r")[1]
    assert actual.open_end and actual.x1 == date_x(TODAY) + DAY
    assert [lane.stalled for lane in layout.lanes] == [False, True, True]
    assert layout.lanes[0].running_count == 1
    assert layout.lanes[1].last_activity == date(2026, 1, 20)


def test_cycle_at_finds_the_bar_under_the_pointer() -> None:
    cycles = [cyc("a1", "idea-a", 1, date(2026, 3, 1), date(2026, 3, 14))]
    layout = layout_timeline(LANES, cycles, TODAY)
    bar = layout.bars_of("a1")[0]
    assert layout.cycle_at((bar.x0 + bar.x1) / 2, bar.y) == "a1"
    assert layout.cycle_at(bar.x1 + DAY, bar.y) is None
    assert layout.cycle_at(bar.x0 + DAY, bar.y + 0.5) is None


def test_month_ticks_and_tooltip() -> None:
    ticks = month_ticks(date_x(date(2025, 11, 20)), date_x(date(2026, 3, 5)))
    assert [label for _, label in ticks] == ["Dec 2025", "Jan 2026", "Feb", "Mar"]
    assert x_date(ticks[0][0]) == date(2025, 12, 1)
    long = month_ticks(date_x(date(2020, 1, 1)), date_x(date(2026, 1, 1)))
    assert len(long) <= 14 and all(x_date(x).day == 1 for x, _ in long)
    text = cycle_tooltip(
        cyc(
            "a",
            "i",
            3,
            date(2026, 3, 1),
            date(2026, 3, 14),
            actual_start=date(2026, 3, 2),
            decision="adopt",
            context="Checklist",
        )
    )
    assert text.splitlines() == [
        "Checklist",
        "Cycle 3: Cycle a",
        "Planned: 1 Mar 2026 – 14 Mar 2026",
        "Actual: 2 Mar 2026 – still running",
        "Decision: Adopt · Status: planned",
    ]


def test_incremental_update_equals_a_full_layout() -> None:
    import dataclasses
    import random

    from qidesk.core.timeline_layout import IncrementalTimeline

    rng = random.Random(3)
    lanes = [TimelineLane(f"l{i}", f"Lane {i}") for i in range(4)]
    cycles = []
    for i in range(40):
        start = date(2026, 1, 1).toordinal() + rng.randint(0, 200)
        ps = date.fromordinal(start)
        cycles.append(
            cyc(f"c{i}", f"l{i % 4}", i // 4 + 1, ps, date.fromordinal(start + rng.randint(3, 30)),
                previous_uuid=f"c{i - 4}" if i >= 4 and rng.random() < 0.7 else None)
        )  # fmt: skip
    timeline = IncrementalTimeline(lanes, cycles, TODAY, stall_days=42)
    current = {c.uuid: c for c in cycles}
    for step in range(30):
        c = current[f"c{rng.randrange(40)}"]
        shift = rng.randint(-20, 20)
        changed = dataclasses.replace(
            c,
            planned_start=date.fromordinal(c.planned_start.toordinal() + shift),  # type: ignore[union-attr]
            planned_end=date.fromordinal(c.planned_end.toordinal() + shift),  # type: ignore[union-attr]
            lane_key=f"l{rng.randrange(4)}" if step % 7 == 0 else c.lane_key,
        )
        current[c.uuid] = changed
        incremental = timeline.update_cycle(changed)
        full = layout_timeline(lanes, list(current.values()), TODAY, stall_days=42)
        assert incremental.lanes == full.lanes
        assert sorted(incremental.bars, key=repr) == sorted(full.bars, key=repr)
        assert sorted(incremental.connectors, key=repr) == sorted(full.connectors, key=repr)
        assert (incremental.x_min, incremental.x_max, incremental.y_max) == (
            full.x_min,
            full.x_max,
            full.y_max,
        )
    timeline.remove_cycle("c0")
    del current["c0"]
    full = layout_timeline(lanes, list(current.values()), TODAY, stall_days=42)
    assert timeline.layout.lanes == full.lanes
