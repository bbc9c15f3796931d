"""Demo change ideas, ramps of PDSA cycles and monthly progress scores for the demo teams."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy.orm import Session

from qidesk.core.dates import add_months
from qidesk.core.pdsa_rules import PlanTask, Question, format_questions, format_tasks
from qidesk.core.progress_scale import progress_uuid
from qidesk.services.base import live
from qidesk.store.models import ChangeIdea, Cohort, PdsaCycle, ProgressScore, Team

CHANGE_IDEAS = [
    ("Safety huddle at shift handover", "Reliable processes", "Shared awareness of risk"),
    ("Standardised checklist", "Reliable processes", "Do the right thing every time"),
    ("Visual status board", "Communication", "Everyone sees the same picture"),
    ("Nurse-led early review", "Timely decisions", "Decisions made at the first contact"),
    ("Patient information leaflet", "Patient and carer involvement", "Patients know what next"),
    ("Daily board round at 9am", "Timely decisions", "Plans agreed early in the day"),
    ("Text message reminders", "Patient and carer involvement", "Fewer missed appointments"),
    ("Protected time for training", "Staff knowledge and skills", "Confident staff"),
    ("Single referral form", "Reliable processes", "Complete information first time"),
    ("Pre-assessment phone call", "Timely decisions", "Problems found before the day"),
    ("Ask the patient what matters", "Patient and carer involvement", "Care built around them"),
    ("Weekly data review at team meeting", "Staff knowledge and skills", "Learning from data"),
]
TEST_AREAS = [
    "in one bay",
    "on the early shift",
    "with two consultants",
    "on Mondays",
    "in one clinic",
    "on Ward 5",
]
TASKS = [
    ("Brief the team at handover", "Ward manager", "Day 1", "Staff room"),
    ("Print and place the checklist", "Healthcare support worker", "Day 1", "Nurses' station"),
    ("Collect the tally sheet daily", "Staff nurse", "Every day", "Ward office"),
    ("Ask five patients for feedback", "Student nurse", "Friday", "Bedside"),
    ("Review results with the coach", "Project lead", "Last day", "Teams call"),
]
OBSERVATIONS = [
    "Night staff were not briefed, so weekend use was lower.",
    "Carried out as planned; two agency staff needed a walk-through.",
    "Busy Monday: the huddle was skipped once.",
    "Patients asked for a Welsh-language version.",
    "The printer was out of action for two days.",
]
LEARNING = [
    "It works when the shift lead owns it.",
    "Timing matters: after the drug round is better.",
    "Staff like it but need a prompt on the board.",
    "Works in one bay; needs a tweak before wider testing.",
    "Too much extra work for the benefit seen.",
]
NOTES = ["", "", "", "Good month", "Sickness slowed testing", "Coach visit", "Data now weekly"]


def _ramp_cycles(
    rng: random.Random,
    session: Session,
    team: Team,
    idea: ChangeIdea,
    length: int,
    first_start: date,
    horizon: date,
    today: date,
) -> int:
    """Add a ramp of up to ``length`` cycles of ``idea`` starting on ``first_start``."""
    start = first_start
    previous: PdsaCycle | None = None
    area = rng.choice(TEST_AREAS)
    made = 0
    for number in range(1, length + 1):
        days = rng.choice([7, 10, 14, 14, 21, 28])
        planned_start, planned_end = start, start + timedelta(days=days - 1)
        if planned_start > horizon:
            break
        slip = rng.choice([0, 0, 0, 1, 2, 3])
        actual_start = planned_start + timedelta(days=slip)
        actual_end = planned_end + timedelta(days=slip + rng.choice([0, 0, 2, 5]))
        last = number == length
        title = f"{idea.title} {area}" if number == 1 else f"{idea.title}: cycle {number}"
        cycle = PdsaCycle(
            team_uuid=team.uuid,
            change_idea_uuid=idea.uuid,
            previous_cycle_uuid=previous.uuid if previous else None,
            cycle_number=number,
            title=title,
            objective=f"Test whether {idea.title.lower()} works {area}.",
            questions=format_questions(
                [
                    Question("Will staff use it on every shift?", "Yes, on 8 of 10 shifts."),
                    Question("Does it change the measure?", "A small improvement within a week."),
                ]
            ),
            plan_tasks=format_tasks(PlanTask(*t) for t in rng.sample(TASKS, rng.randint(2, 4))),
            data_collection_plan="Daily tally on the ward sheet; weekly run chart.",
            planned_start=planned_start,
            planned_end=planned_end,
        )
        if actual_start > today:
            cycle.status = "planned"
        elif actual_end >= today:
            cycle.actual_start = actual_start
            cycle.status = "running"
            cycle.do_as_planned = rng.choice(["", "yes"])
        else:
            cycle.actual_start, cycle.actual_end = actual_start, actual_end
            cycle.do_as_planned = rng.choice(["yes", "yes", "partly", "no"])
            cycle.do_observations = rng.choice(OBSERVATIONS)
            if (today - actual_end).days < 8 and rng.random() < 0.6:
                cycle.status = "studying"
            else:
                cycle.study_results = rng.choice(
                    [
                        "Used on 9 of 10 shifts; the measure improved slightly.",
                        "Used on 5 of 10 shifts; no change in the measure yet.",
                        "Results matched our predictions.",
                        "Fewer delays than predicted.",
                    ]
                )
                cycle.study_learning = rng.choice(LEARNING)
                if last:
                    cycle.act_decision = rng.choices(
                        ["adopt", "adapt", "abandon"], weights=[5, 3, 2]
                    )[0]
                else:
                    cycle.act_decision = rng.choices(["adapt", "adopt"], weights=[4, 1])[0]
                cycle.act_next_step = {
                    "adopt": "Make it standard practice and check monthly that it holds.",
                    "adapt": "Refine it with the team's suggestions and test again.",
                    "abandon": "Stop; try another change idea from the driver diagram.",
                }[cycle.act_decision]
                cycle.status = "done"
        session.add(cycle)
        session.flush()
        made += 1
        previous = cycle
        if cycle.act_decision == "abandon" or cycle.status != "done":
            break
        start = actual_end + timedelta(days=rng.randint(1, 14))
    if previous is not None and previous.act_decision in ("adopt", "abandon"):
        idea.status = "adopted" if previous.act_decision == "adopt" else "abandoned"
    return made


def _half(value: float) -> float:
    """``value`` rounded to the nearest half, within 0.5 .. 5.0."""
    return min(5.0, max(0.5, round(value * 2) / 2))


def _scores(rng: random.Random, session: Session, team: Team, start: date, last: date) -> None:
    """Monthly scores that mostly rise (a trend plus a little noise); the coach is usually a
    little more cautious than the team."""
    months = []
    month = start.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    first = rng.choice([0.5, 1.0, 1.0, 1.5])
    final = rng.choice([2.5, 3.0, 3.5, 3.5, 4.0, 4.0, 4.5, 5.0])
    for index, month in enumerate(months):
        trend = first + (final - first) * index / 8  # nine months of programme
        team_score = _half(trend + rng.choice([0, 0, 0, 0.5, -0.5]))
        coach_score = _half(team_score + rng.choice([-1.0, -0.5, -0.5, 0, 0, 0.5]))
        for rater, score in (("team", team_score), ("coach", coach_score)):
            if rng.random() < 0.1:
                continue
            session.add(
                ProgressScore(
                    uuid=progress_uuid(team.uuid, month, rater),
                    team_uuid=team.uuid,
                    month=month,
                    rater=rater,
                    score=score,
                    note=rng.choice(NOTES),
                )
            )


def add_demo(session: Session, rng: random.Random, today: date) -> None:
    """Change ideas, ramps of cycles and progress scores for every team already in ``session``."""
    cohorts = session.scalars(live(Cohort).order_by(Cohort.start_date, Cohort.name)).all()
    for cohort in cohorts:
        start = cohort.start_date or add_months(today, -3)
        end = cohort.end_date or add_months(start, 9)
        teams = session.scalars(
            live(Team).where(Team.cohort_uuid == cohort.uuid).order_by(Team.name)
        ).all()
        for team in teams:
            withdrawn = team.status == "withdrawn"
            stop = start + timedelta(days=75)  # a withdrawn team stopped testing early
            horizon = min(end, today + timedelta(days=21)) if not withdrawn else stop
            target = rng.randint(3, 12)
            ideas = []
            for title, primary, secondary in rng.sample(CHANGE_IDEAS, rng.randint(2, 5)):
                idea = ChangeIdea(
                    team_uuid=team.uuid,
                    title=title,
                    description=f"{title} for the {team.service.lower() or 'team'}.",
                    primary_driver=primary,
                    secondary_driver=secondary,
                    status="testing",
                )
                session.add(idea)
                ideas.append(idea)
            session.flush()
            made = 0
            for index, idea in enumerate(ideas):
                remaining = target - made
                if remaining <= 0:
                    idea.status = "proposed"
                    continue
                later = len(ideas) - index - 1
                length = remaining if not later else rng.randint(1, max(1, remaining - later))
                first = start + timedelta(days=rng.randint(20, 110))
                made += _ramp_cycles(rng, session, team, idea, length, first, horizon, today)
            score_end = min(end, today) if not withdrawn else stop
            _scores(rng, session, team, start, score_end)
    session.flush()
