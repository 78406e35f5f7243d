"""The speed of a survey round's results: a round of 2,000 respondents about 500
relationships, its results asked through HTTP of the service started as a subprocess, beside
the same figures summed by one SQL group-by in-process.

The round: one agency with 500 partners, each asked of three or four of its people (1,980 in
all), and 20 of the agency's own staff asked about every relationship: 11,980 answers.
``python -m bench.surveys`` prints the figures alone; ``make bench`` adds them to its table.
"""

from __future__ import annotations

import random
import socket
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from graph_models import ContactCreate, NetworkBundle, OrganizationCreate, Sector
from graph_models.bundles import AssessmentImport, RelationshipImport
from graph_models.surveys import (
    AnswerCreate,
    AnswersSave,
    NewRespondent,
    NewSurveyRound,
    Side,
    StateView,
)
from service.settings import Settings
from service.store.embedded import DATABASE_FILE, EmbeddedStore

if TYPE_CHECKING:
    from bench.run import Figure

PARTNERS = 500
STAFF = 20
PARTNER_PEOPLE = 1_980
ROUND_ID = "bench-round"
ASKED = 40
"""How many times the results are asked."""
BAR_MS = 500
"""A leader opens the results page at once: the p95 within half a second."""


def build_round(data_dir: Path, seed: int = 7) -> int:
    """A store in ``data_dir`` holding the round, answered by everyone; how many answers."""
    rng = random.Random(seed)
    at = datetime(2027, 3, 1, tzinfo=UTC)
    partners = [f"partner-{n:03d}" for n in range(PARTNERS)]
    people = {partner: 3 + (n < PARTNER_PEOPLE - 3 * PARTNERS) for n, partner in
              enumerate(partners)}  # fmt: skip
    bundle = NetworkBundle(
        name="survey-bench",
        title="A round of 2,000 respondents",
        sectors=[Sector(slug="wic", label="WIC")],
        organizations=[
            OrganizationCreate(id=org_id, name=org_id.title(), sector="wic")
            for org_id in ["agency", *partners]
        ],
        contacts=[
            *(ContactCreate(id=f"staff-{n}", org_id="agency", name=f"Staff {n}", role="Staff")
              for n in range(STAFF)),
            *(ContactCreate(id=f"{p}-{n}", org_id=p, name=f"{p} {n}", role="Staff")
              for p in partners for n in range(people[p])),
        ],
        relationships=[
            RelationshipImport(
                org_a="agency",
                org_b=partner,
                history=[
                    AssessmentImport(
                        state=rng.choice(["green", "yellow", "red"]),
                        reason="bench",
                        assessed_by="bench",
                        assessed_at=at,
                    )
                ],
            )
            for partner in partners
        ],
    )  # fmt: skip
    store = EmbeddedStore(data_dir)
    try:
        store.import_bundle(bundle)
        staff = [
            NewRespondent(id=f"staff-{n}", name=f"Staff {n}", org_id="agency",
                          side=Side.AGENCY, email=None, partner_ids=partners)
            for n in range(STAFF)
        ]  # fmt: skip
        outside = [
            NewRespondent(id=f"{p}-{n}", name=f"{p} {n}", org_id=p, side=Side.PARTNER,
                          email=None, partner_ids=[p])
            for p in partners for n in range(people[p])
        ]  # fmt: skip
        store.create_survey_round(
            NewSurveyRound(
                id=ROUND_ID,
                org_id="agency",
                title="Bench round",
                created_by="bench",
                created_at=at,
                closes_at=at + timedelta(days=3650),
                partner_ids=partners,
                people=[*staff, *outside],
            )
        )

        def answer(partner: str) -> AnswerCreate:
            rating = [rng.randint(1, 4) for _ in range(6)]
            return AnswerCreate(
                partner_id=partner,
                openness=rating[0],
                reliability=rating[1],
                shared_mission=rating[2],
                influence=rating[3],
                resources=rating[4],
                involvement=rating[5],
                state_view=rng.choice(list(StateView)),
            )

        answers = 0
        for person in [*staff, *outside]:
            given = [answer(partner) for partner in person.partner_ids]
            store.save_survey_answers(
                ROUND_ID, person.id, AnswersSave(version=0, answers=given), saved_at=at
            )
            answers += len(given)
        return answers
    finally:
        store.close()


def sql_floor(data_dir: Path) -> float:
    """Milliseconds the fair floor takes: each relationship's and side's counts, means and
    votes in one SQL group-by over the answers, in-process."""
    with sqlite3.connect(data_dir / DATABASE_FILE) as db:
        started = time.perf_counter()
        db.execute(
            "SELECT partner_id, side, count(*), "
            "avg((openness + reliability + shared_mission) / 3.0), "
            "avg((influence + resources + involvement) / 3.0), "
            "sum(state_view = 'green'), sum(state_view = 'yellow'), sum(state_view = 'red') "
            "FROM survey_answers WHERE round_id = ? GROUP BY partner_id, side",
            (ROUND_ID,),
        ).fetchall()
        return (time.perf_counter() - started) * 1000


def survey_figures(port: int) -> list[Figure]:
    """The results of a round of 2,000 respondents about 500 relationships through HTTP: p50
    and p95 beside the SQL floor's."""
    from bench.run import TOKEN, Service, spread

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        build_round(data_dir)
        service = Service(Settings(data_dir=data_dir, admin_token=SecretStr(TOKEN)), port)
        try:
            path = f"/api/v1/survey-rounds/{ROUND_ID}/results"
            for _ in range(3):
                service.timed(path)  # warm-up
            samples = [service.timed(path) for _ in range(ASKED)]
        finally:
            service.stop()
        floor = [sql_floor(data_dir) for _ in range(ASKED)]
    return spread(
        "survey round results (2,000 respondents, 500 relationships)",
        samples,
        floor,
        "one SQL group-by over the answers, in-process",
        BAR_MS,
    )


if __name__ == "__main__":
    from bench.run import table

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    print(table(survey_figures(free)))
