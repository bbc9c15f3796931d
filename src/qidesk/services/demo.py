"""A realistic, deterministic demo database: cohorts, coaches, teams and members, then each
feature's own demo records (self-assessments, PDSA cycles, progress scores)."""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qidesk.core.dates import add_months
from qidesk.services.activity_service import mark_demo_built
from qidesk.services.base import UnitOfWork
from qidesk.store.models import Coach, Cohort, Member, Team

#: Modules that add their own demo records; each has ``add_demo(session, rng, today)`` which
#: works on the cohorts, teams and members already in the session.
DEMO_EXTENSIONS: tuple[str, ...] = (
    "qidesk.services.demo_assessment",
    "qidesk.services.demo_pdsa",
)

SITES = [
    ("Glangwili General Hospital", "Carmarthen"),
    ("Withybush General Hospital", "Haverfordwest"),
    ("Bronglais General Hospital", "Aberystwyth"),
    ("Prince Philip Hospital", "Llanelli"),
    ("Tenby Cottage Hospital", "Tenby"),
    ("Amman Valley Hospital", "Glanaman"),
    ("South Pembrokeshire Hospital", "Pembroke Dock"),
    ("Cardigan Integrated Care Centre", "Cardigan"),
]
SERVICES = [
    (
        "Emergency Department",
        "Unscheduled Care",
        "Reducing time to triage in ED",
        ["2", "1"],
        ["great_care"],
        ["timely", "safe"],
    ),
    (
        "Acute Medical Unit",
        "Unscheduled Care",
        "Earlier discharge planning on AMU",
        ["2"],
        ["great_care"],
        ["timely", "efficient"],
    ),
    (
        "Frailty Service",
        "Unscheduled Care",
        "Comprehensive geriatric assessment at the front door",
        ["2", "4"],
        ["positive_futures"],
        ["patient_centred", "effective"],
    ),
    (
        "Stroke Unit",
        "Medicine",
        "Swallow screen within four hours of arrival",
        ["1"],
        ["great_care"],
        ["safe", "timely"],
    ),
    (
        "Diabetes Specialist Nursing",
        "Medicine",
        "Insulin safety on general wards",
        ["1"],
        ["great_care"],
        ["safe"],
    ),
    (
        "Respiratory Medicine",
        "Medicine",
        "Inhaler technique review before discharge",
        ["5", "3"],
        ["healthier_communities"],
        ["effective", "efficient"],
    ),
    (
        "Theatres",
        "Surgery",
        "Reducing on-the-day cancellations",
        ["3", "2"],
        ["great_care"],
        ["efficient", "timely"],
    ),
    (
        "Orthopaedic Ward",
        "Surgery",
        "Early mobilisation after hip fracture",
        ["1", "2"],
        ["great_care"],
        ["effective", "safe"],
    ),
    (
        "Maternity Unit",
        "Women and Children",
        "Skin-to-skin contact in the first hour",
        ["4"],
        ["positive_futures"],
        ["patient_centred"],
    ),
    (
        "Paediatric Ward",
        "Women and Children",
        "Family-centred discharge information",
        ["4"],
        ["positive_futures"],
        ["patient_centred", "equitable"],
    ),
    (
        "Community Nursing",
        "Primary and Community Care",
        "Pressure ulcer prevention at home",
        ["1", "5"],
        ["healthier_communities"],
        ["safe", "equitable"],
    ),
    (
        "District Nursing",
        "Primary and Community Care",
        "Planned visits to reduce missed insulin",
        ["1"],
        ["healthier_communities"],
        ["safe", "timely"],
    ),
    (
        "Adult Mental Health",
        "Mental Health and Learning Disabilities",
        "Reducing restrictive practice",
        ["1", "4"],
        ["great_care"],
        ["safe", "patient_centred"],
    ),
    (
        "Older Adult Mental Health",
        "Mental Health and Learning Disabilities",
        "Delirium recognition on older adult wards",
        ["1"],
        ["positive_futures"],
        ["safe"],
    ),
    (
        "Pharmacy",
        "Clinical Support",
        "Medicines reconciliation within 24 hours",
        ["1", "3"],
        ["great_care"],
        ["safe", "efficient"],
    ),
    (
        "Radiology",
        "Clinical Support",
        "Reducing repeat imaging requests",
        ["3"],
        ["great_care"],
        ["efficient"],
    ),
    (
        "Therapies",
        "Clinical Support",
        "Therapy-led discharge to assess",
        ["2", "5"],
        ["healthier_communities"],
        ["timely", "patient_centred"],
    ),
    (
        "Outpatients",
        "Planned Care",
        "Patient-initiated follow-up",
        ["2", "3"],
        ["great_care"],
        ["efficient", "patient_centred"],
    ),
    (
        "Ophthalmology",
        "Planned Care",
        "Community glaucoma monitoring",
        ["2", "5"],
        ["healthier_communities"],
        ["timely", "equitable"],
    ),
    (
        "Workforce and OD",
        "Corporate",
        "Improving new starter induction",
        ["6"],
        ["thriving_teams"],
        ["effective"],
    ),
    (
        "Palliative Care",
        "Medicine",
        "Advance care planning conversations",
        ["4"],
        ["positive_futures"],
        ["patient_centred", "equitable"],
    ),
    (
        "Sexual Health",
        "Primary and Community Care",
        "Walk-in clinic access for young people",
        ["5", "2"],
        ["healthier_communities"],
        ["equitable", "timely"],
    ),
]
FIRST_NAMES = [
    "Aled",
    "Bethan",
    "Carys",
    "Dafydd",
    "Eleri",
    "Ffion",
    "Gareth",
    "Gwen",
    "Huw",
    "Iwan",
    "Llinos",
    "Rhys",
    "Seren",
    "Siân",
    "Owain",
    "Megan",
    "Nia",
    "Rhodri",
    "Tomos",
    "Cerys",
    "Emyr",
    "Lowri",
    "Manon",
    "Osian",
    "Hywel",
    "Angharad",
    "Dylan",
    "Elin",
    "Geraint",
    "Heledd",
    "Amira",
    "Priya",
    "Kwame",
    "Joanna",
    "Mark",
    "Sarah",
    "David",
    "Helen",
    "Paul",
    "Claire",
]
LAST_NAMES = [
    "Jones",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Lewis",
    "Hughes",
    "Morgan",
    "Griffiths",
    "Williams",
    "Price",
    "Rees",
    "Owen",
    "Jenkins",
    "Powell",
    "Pritchard",
    "Llewellyn",
    "Bowen",
    "Phillips",
    "Vaughan",
    "Howells",
    "Parry",
    "Watkins",
    "Bevan",
    "Mensah",
    "Patel",
    "Khan",
]
ROLES = [
    "Staff Nurse",
    "Ward Manager",
    "Consultant",
    "Specialty Doctor",
    "Healthcare Support Worker",
    "Physiotherapist",
    "Occupational Therapist",
    "Pharmacist",
    "Clinical Nurse Specialist",
    "Service Manager",
    "Administrator",
    "Dietitian",
    "Speech and Language Therapist",
    "Advanced Nurse Practitioner",
    "Social Worker (partner agency)",
    "Paramedic",
]
PARTNERS = [
    "",
    "",
    "",
    "Carmarthenshire County Council",
    "Pembrokeshire Association of Voluntary Services",
    "Welsh Ambulance Services NHS Trust",
    "Ceredigion County Council",
]


@dataclass(frozen=True)
class DemoSummary:
    cohorts: int
    teams: int
    members: int
    coaches: int


class DemoRefused(Exception):
    """The database already holds data and --force was not given."""


def database_is_empty(session: Session) -> bool:
    return (
        not session.scalar(select(func.count()).select_from(Team))
        and not session.scalar(select(func.count()).select_from(Coach))
        and not session.scalar(select(func.count()).select_from(Cohort))
    )


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in used:
            used.add(name)
            return name


def build_demo(
    unit_of_work: UnitOfWork, *, seed: int = 1, today: date | None = None, force: bool = False
) -> DemoSummary:
    """Fill the database with demo data in one unit of work (deterministic for ``seed``)."""
    rng = random.Random(seed)
    today = today or date(2026, 11, 26)
    with unit_of_work() as session:
        if not database_is_empty(session):
            if not force:
                raise DemoRefused("it already holds data; --force replaces all of it with the demo")
            _clear(session)
        used: set[str] = set()
        coaches = []
        coach_roles = ["coach"] * 6 + ["buddy_coach"] * 2 + ["improvement_advisor", "qist_lead"]
        for role in coach_roles:
            coaches.append(
                Coach(
                    name=_person(rng, used),
                    role=role,
                    active=True,
                    iip_accredited_on=(
                        date(rng.randint(2019, 2025), rng.randint(1, 12), 1)
                        if role != "buddy_coach"
                        else None
                    ),
                )
            )
        session.add_all(coaches)
        lead_coaches = [c for c in coaches if c.role in ("coach", "improvement_advisor")]
        buddies = [c for c in coaches if c.role == "buddy_coach"]
        cohort_starts = [add_months(today, -11), add_months(today, -3)]
        cohorts = []
        n_members = 0
        n_teams = 0
        for index, start in enumerate(cohort_starts):
            start = start.replace(day=1)
            end = add_months(start, 9)
            cohort = Cohort(
                name=f"Cohort {8 + index} ({start:%B %Y})",
                start_date=start,
                end_date=end,
                status="completed" if end < today else "running",
            )
            session.add(cohort)
            cohorts.append(cohort)
            services = rng.sample(SERVICES, 15)
            for service, directorate, project, focus, objectives, domains in services:
                site, town = rng.choice(SITES)
                coach = rng.choice(lead_coaches)
                team = Team(
                    cohort=cohort,
                    name=f"{service} {town}",
                    service=service,
                    directorate=directorate,
                    site=site,
                    project_title=project,
                    aim_statement=(
                        f"By {end:%B %Y}, {project[0].lower() + project[1:]} "
                        f"for {rng.choice([80, 85, 90, 95])}% of patients in the {service.lower()} "
                        f"at {site}."
                    ),
                    focus_areas=";".join(sorted(focus)),
                    strategic_objectives=";".join(sorted(objectives)),
                    quality_domains=";".join(sorted(domains)),
                    coach=coach,
                    buddy_coach=rng.choice(buddies) if rng.random() < 0.6 else None,
                    status=(
                        "withdrawn"
                        if rng.random() < 0.07
                        else ("completed" if cohort.status == "completed" else "active")
                    ),
                    partner_agencies=rng.choice(PARTNERS),
                )
                session.add(team)
                n_teams += 1
                for _ in range(rng.randint(6, 10)):
                    session.add(
                        Member(
                            team=team,
                            name=_person(rng, used),
                            role=rng.choice(ROLES),
                            email="",
                            active=rng.random() > 0.08,
                        )
                    )
                    n_members += 1
        session.flush()
        for module_name in DEMO_EXTENSIONS:
            importlib.import_module(module_name).add_demo(session, rng, today)
        mark_demo_built(session)  # the demo's records are the starting point of "not exported"
        return DemoSummary(len(cohorts), n_teams, n_members, len(coaches))


def _clear(session: Session) -> None:
    """Remove every record (used by ``demo --force`` only, on a database being replaced)."""
    from qidesk.store.base import Base

    for table in reversed(Base.metadata.sorted_tables):
        if table.name in (
            "app_meta",
            "alembic_version",
            "strategic_objective",
            "focus_area",
            "quality_domain",
            "progress_scale_level",
        ):
            continue
        session.execute(table.delete())
