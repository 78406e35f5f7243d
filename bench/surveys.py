"""The speed of a survey round's results: a round of 2,000 respondents about 500
relationships, its results asked through HTTP of the service started as a subprocess, beside
the fair floor: the same answer written in-process from the same tables by the simplest direct
way (the round's row, names and states, two SQL group-bys and one Python pass), checked to be
the service's answer before it is timed.

The round: one agency with 500 partners, each asked of three or four of its people (1,980 in
all), and 20 of the agency's own staff asked about every relationship: 11,980 answers.
``python -m bench.surveys`` prints the figures alone; ``make bench`` adds them to its table.
"""

from __future__ import annotations

import json
import random
import socket
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from pydantic_core import to_json

from graph_models import ContactCreate, NetworkBundle, OrganizationCreate, Sector
from graph_models.bundles import AssessmentImport, RelationshipImport
from graph_models.relationships import relationship_id
from graph_models.surveys import (
    MIN_RESPONDENTS,
    SCALE_TOP,
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
FLOOR_HOW = (
    "the round, names and states, two SQL group-bys (answers with votes, who was asked), "
    "one Python pass, to_json; in-process"
)


def build_round(
    data_dir: Path,
    seed: int = 7,
    *,
    size: tuple[int, int, int] = (PARTNERS, STAFF, PARTNER_PEOPLE),
    answering: float = 1.0,
) -> int:
    """A store in ``data_dir`` holding the round of ``size`` (partners, staff, people at the
    partners), each asked answering about each relationship with the chance ``answering``;
    how many answers."""
    rng = random.Random(seed)
    at = datetime(2027, 3, 1, tzinfo=UTC)
    partner_count, staff_count, partner_people = size
    partners = [f"partner-{n:03d}" for n in range(partner_count)]
    people = {partner: 3 + (n < partner_people - 3 * partner_count) for n, partner in
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
              for n in range(staff_count)),
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
            for n in range(staff_count)
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
            given = [
                answer(partner)
                for partner in person.partner_ids
                if answering >= 1 or rng.random() < answering
            ]
            if given:
                store.save_survey_answers(
                    ROUND_ID, person.id, AnswersSave(version=0, answers=given), saved_at=at
                )
            answers += len(given)
        return answers
    finally:
        store.close()


_VOTED = (
    "SELECT partner_id, side, count(*), sum(trust), sum(value), sum(vote = 'red'), "
    "sum(vote = 'yellow'), sum(vote = 'green') FROM (SELECT partner_id, side, "
    "openness + reliability + shared_mission AS trust, influence + resources + involvement AS "
    "value, CASE WHEN state_view <> 'dont_know' THEN state_view "
    "WHEN openness + reliability + shared_mission + influence + resources + involvement >= 18 "
    "THEN 'green' WHEN openness + reliability + shared_mission + influence + resources "
    "+ involvement >= 12 THEN 'yellow' ELSE 'red' END AS vote "
    "FROM survey_answers WHERE round_id = ?) GROUP BY partner_id, side"
)
"""Each relationship's and side's answers, item sums and votes: a view where the respondent
said one, else the band of the mean of their six ratings (18 of 24 green, 12 yellow)."""
_ASKED = (
    "SELECT asked.value, p.side, count(*) FROM survey_respondents p, "
    "json_each(p.partner_ids) asked WHERE p.round_id = ? GROUP BY asked.value, p.side"
)
WORSE_FIRST = ("red", "yellow", "green")


def floor_answer(db: sqlite3.Connection, round_id: str) -> bytes:
    """The round's results as the fair floor writes them: the round's row, the partners'
    names and latest states, two SQL group-bys (the answers with their votes, who was asked)
    and one Python pass for the three-answer rule, the suggestions and the flags."""
    row = db.execute(
        "SELECT id, org_id, title, created_by, created_at, closes_at, partner_ids, "
        "collaborative_id, (SELECT count(*) FROM survey_respondents WHERE round_id = r.id), "
        "(SELECT count(DISTINCT respondent_id) FROM survey_answers WHERE round_id = r.id) "
        "FROM survey_rounds r WHERE id = ?",
        (round_id,),
    ).fetchone()
    agency, partner_ids = row[1], json.loads(row[6])
    survey_round = dict(
        zip(
            ("id", "org_id", "title", "created_by", "created_at", "closes_at", "partner_ids",
             "collaborative_id", "respondents", "answered"),
            (*row[:4], datetime.fromisoformat(row[4]), datetime.fromisoformat(row[5]),
             partner_ids, *row[7:]),
            strict=True,
        )
    )  # fmt: skip
    names = dict(
        db.execute(
            "SELECT id, name FROM organizations WHERE id IN (SELECT value FROM json_each(?))",
            (row[6],),
        )
    )
    pairs = {relationship_id(agency, partner): partner for partner in partner_ids}
    states = {  # the rows in order: the latest assessment of each relationship last
        pairs[rel_id]: state
        for rel_id, state in db.execute(
            "SELECT rel_id, state FROM assessments WHERE rel_id IN (SELECT value FROM "
            "json_each(?)) ORDER BY rel_id, assessed_at, seq",
            (json.dumps(list(pairs)),),
        )
    }
    asked = {(partner, side): n for partner, side, n in db.execute(_ASKED, (round_id,))}
    sums = {
        (partner, side): (n, trust, value, dict(zip(WORSE_FIRST, votes, strict=True)))
        for partner, side, n, trust, value, *votes in db.execute(_VOTED, (round_id,))
    }
    nothing = (0, 0, 0, dict.fromkeys(WORSE_FIRST, 0))
    results = []
    for partner in partner_ids:
        agency_sums, partner_sums = (
            sums.get((partner, "agency"), nothing),
            sums.get((partner, "partner"), nothing),
        )
        sides = {
            side: _side(side, asked.get((partner, side), 0), mine, theirs[0])
            for side, mine, theirs in (
                ("agency", agency_sums, partner_sums),
                ("partner", partner_sums, agency_sums),
            )
        }
        answered = agency_sums[0] + partner_sums[0]
        total_asked = sides["agency"]["asked"] + sides["partner"]["asked"]
        shown = answered >= MIN_RESPONDENTS
        votes = {s: agency_sums[3][s] + partner_sums[3][s] for s in WORSE_FIRST}
        trust, value = (
            _means(answered, agency_sums[1] + partner_sums[1], agency_sums[2] + partner_sums[2])
            if shown
            else (None, None)
        )
        suggested = max(WORSE_FIRST, key=votes.__getitem__) if shown else None
        a, p = sides["agency"], sides["partner"]
        results.append(
            {
                "partner_id": partner,
                "partner_name": names.get(partner, partner),
                "assessed": states.get(partner),
                "asked": total_asked,
                "answered": answered,
                "shown": shown,
                "withheld": None
                if shown
                else f"{answered} of {total_asked} answered; figures are shown once at least "
                f"{MIN_RESPONDENTS} have, so that no answer can be traced to its author",
                "trust": trust,
                "value": value,
                "agency": a,
                "partner": p,
                "agreement": None
                if a["trust"] is None or p["trust"] is None
                else round(
                    1
                    - (abs(a["trust"] - p["trust"]) + abs(a["value"] - p["value"]))
                    / 2
                    / (SCALE_TOP - 1),
                    2,
                ),
                "suggested": suggested,
                "confidence": round(votes[suggested] / answered, 2) if suggested else None,
                "flag": _flag(states.get(partner), p, votes, trust) if shown else None,
            }
        )
    results.sort(
        key=lambda r: (not r["shown"], r["trust"] or 0.0, r["partner_name"], r["partner_id"])
    )
    shown_ones = [r for r in results if r["shown"]]
    return to_json(
        {
            "round": survey_round,
            "min_respondents": MIN_RESPONDENTS,
            "trust": _mean([r["trust"] for r in shown_ones]),
            "value": _mean([r["value"] for r in shown_ones]),
            "relationships": results,
        }
    )


def _means(answered: int, trust: int, value: int) -> tuple[float, float]:
    return round(trust / (3 * answered), 2), round(value / (3 * answered), 2)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _side(
    side: str, asked: int, sums: tuple[int, int, int, dict[str, int]], other: int
) -> dict[str, Any]:
    """One side's figures: shown with three answers where the other side has none or three."""
    answered = sums[0]
    shown = answered >= MIN_RESPONDENTS and (other == 0 or other >= MIN_RESPONDENTS)
    trust, value = _means(answered, sums[1], sums[2]) if shown else (None, None)
    return {
        "side": side,
        "asked": asked,
        "answered": answered,
        "shown": shown,
        "trust": trust,
        "value": value,
        "votes": sums[3] if shown else None,
    }


def _flag(
    assessed: str | None, partner: dict[str, Any], votes: dict[str, int], trust: float | None
) -> str | None:
    """Where the assessment differs from the partner's respondents (everyone's, where the
    partner side is not shown)."""
    if assessed is None:
        return None
    who = "respondents"
    if partner["shown"]:
        votes, trust, who = partner["votes"], partner["trust"], "respondents at the partner"
    pointed = max(WORSE_FIRST, key=votes.__getitem__)
    if pointed == assessed:
        return None
    return (
        f"assessed {assessed.replace('_', ' ')}; {votes[pointed]} of {sum(votes.values())} "
        f"{who} point to {pointed}, trust {trust or 0.0:.1f} of {SCALE_TOP}"
    )


def floor_ms(db: sqlite3.Connection) -> float:
    """Milliseconds the fair floor takes to write the round's results, in-process."""
    started = time.perf_counter()
    floor_answer(db, ROUND_ID)
    return (time.perf_counter() - started) * 1000


def survey_figures(port: int) -> list[Figure]:
    """The results of a round of 2,000 respondents about 500 relationships through HTTP: p50
    and p95 beside the fair floor's, once the floor is seen to give the service's answer. The
    two are timed in turn, so that a machine shared with others slows both alike."""
    from bench.run import NEAR_FLOOR, TOKEN, Service, spread

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        build_round(data_dir)
        service = Service(Settings(data_dir=data_dir, admin_token=SecretStr(TOKEN)), port)
        path = f"/api/v1/survey-rounds/{ROUND_ID}/results"
        try:
            with sqlite3.connect(data_dir / DATABASE_FILE) as db:
                if json.loads(floor_answer(db, ROUND_ID)) != service.client.get(path).json():
                    raise SystemExit("the survey results' floor does not give the service's answer")
                for _ in range(3):  # warm-up
                    service.timed(path)
                    floor_ms(db)
                samples, floor = [], []
                for _ in range(ASKED):
                    samples.append(service.timed(path))
                    floor.append(floor_ms(db))
        finally:
            service.stop()
    return spread(
        "survey round results (2,000 respondents, 500 relationships)",
        samples,
        floor,
        FLOOR_HOW,
        BAR_MS,
        NEAR_FLOOR,
    )


if __name__ == "__main__":
    from bench.run import table

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    print(table(survey_figures(free)))
