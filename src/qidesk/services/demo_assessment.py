"""Demo self-assessments: every team starts; the completed cohort has mid and end stages too."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.core.assessment_stats import CONSENSUS_RESPONDENT
from qidesk.core.dates import add_months
from qidesk.services.template_service import ensure_default_template
from qidesk.store.models.assessment import (
    Assessment,
    AssessmentResponse,
    TemplateItem,
    assessment_uuid,
    response_uuid,
)
from qidesk.store.models.foundation import Cohort, Member, Team

#: Months after the cohort's start when each stage is done.
STAGE_MONTH = {"start": 0, "mid": 4, "end": 9}
COMMENTS = [
    "Used this on our project for the first time.",
    "Would like more support with this.",
    "Coach helped a lot here.",
    "Taught this to two colleagues on the ward.",
    "Still not confident.",
]


def add_demo(session: Session, rng: random.Random, today: date) -> None:
    """Add start/mid/end assessments with plausible, uneven growth to the demo teams."""
    template = ensure_default_template(session)
    items = list(
        session.scalars(
            select(TemplateItem)
            .where(TemplateItem.template_uuid == template.uuid)
            .order_by(TemplateItem.position)
        )
    )
    lo, hi = template.scale_min, template.scale_max
    cohorts = list(session.scalars(select(Cohort).order_by(Cohort.start_date)))
    for cohort in cohorts:
        teams = list(
            session.scalars(select(Team).where(Team.cohort_uuid == cohort.uuid).order_by(Team.name))
        )
        start_day = cohort.start_date or add_months(today, -3)
        for team in teams:
            stages = ["start"]
            if cohort.status == "completed":
                stages += ["mid"] if team.status == "withdrawn" else ["mid", "end"]
            elif add_months(start_day, 3) <= today and rng.random() < 0.5:
                stages.append("mid")  # the running cohort: some teams did their midpoint early
            members = list(
                session.scalars(
                    select(Member).where(Member.team_uuid == team.uuid).order_by(Member.name)
                )
            )
            # A team-level profile: some capabilities start higher, some grow faster.
            base = {i.code: rng.uniform(1.2, 2.8) for i in items}
            growth = {i.code: rng.choice([0.1, 0.3, 0.6, 0.9, 1.2]) for i in items}
            person = {m.uuid: rng.uniform(-0.6, 0.6) for m in members}
            uses_consensus = rng.random() < 0.1
            for step, stage in enumerate(stages):
                when = add_months(start_day, STAGE_MONTH[stage])
                when = min(today, when + timedelta(days=rng.randint(0, 10)))
                if stage != "start" and when == today:
                    when = today - timedelta(days=rng.randint(1, 14))
                uuid = assessment_uuid(team.uuid, stage)
                session.add(
                    Assessment(
                        uuid=uuid,
                        team_uuid=team.uuid,
                        stage=stage,
                        assessed_on=when,
                        template_uuid=template.uuid,
                        notes="",
                    )
                )
                if uses_consensus:
                    respondents = [CONSENSUS_RESPONDENT]
                else:
                    # Someone misses each stage; members who left miss the later ones.
                    respondents = [
                        m.uuid
                        for m in members
                        if rng.random() > 0.1 and (m.active or stage == "start")
                    ]
                for respondent in respondents:
                    offset = 0.0 if respondent == CONSENSUS_RESPONDENT else person[respondent]
                    for item in items:
                        if rng.random() < 0.04:
                            continue  # left blank on the form
                        value = base[item.code] + offset + step * growth[item.code]
                        value += rng.gauss(0, 0.45)
                        score = max(lo, min(hi, round(value)))
                        session.add(
                            AssessmentResponse(
                                uuid=response_uuid(uuid, respondent, item.code),
                                assessment_uuid=uuid,
                                respondent=respondent,
                                item_code=item.code,
                                score=score,
                                comment=rng.choice(COMMENTS) if rng.random() < 0.03 else "",
                            )
                        )
    session.flush()
