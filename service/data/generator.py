"""A synthetic statewide network with a fixed seed, for benchmarks and scale tests.

The shape follows what a state's early-childhood network looks like: organizations of every
sector spread over Oregon's 36 counties, a heavy-tailed degree (a score of statewide hubs tied to
thousands of partners, most agencies to a handful, mostly in their own county), relationships
with one to four assessments, meetings between partners and the sessions hubs hold for many of
theirs (held, planned or cancelled), joint programs, agreements and collaboratives (evidence of
partnership levels 3 to 6), and cases referred along relationships (mostly) with feedback loops
closed at rates that differ from receiver to receiver, some late.

Everything comes from ``random.Random(seed)``, the engagements and evidence from a generator of
their own seeded from it (so that adding them left the rest as it was): the same scale and seed
give the same network, ids included. Batches are :class:`NetworkBundle`\\ s, each imported all
or nothing through ``store.import_bundle``, the path users load networks by.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from graph_models import (
    EngagementKind,
    EngagementStatus,
    NetworkBundle,
    ReferralCategory,
    ReferralStatus,
    RelationshipState,
)
from graph_models.evidence import AgreementKind, CollaborativeScope
from service.store import ImportSummary, Store
from service.store.protocol import Progress

GENERATOR_VERSION = 3
"""Bumped whenever the same scale and seed would give a different network."""

CATALOG = Path(__file__).resolve().parents[2] / "seeds" / "catalog.json"

CLOCK = datetime(2025, 6, 30, tzinfo=UTC)
"""The generated network's 'now': nothing happens after it."""

START = datetime(2019, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Scale:
    """How big a generated network is."""

    organizations: int
    contacts_per_organization: int
    relationships: int
    referrals: int
    hubs: int
    hub_degrees: tuple[int, int]
    """The fewest and most ties of a hub."""

    @property
    def counted(self) -> int:
        """How many records of the kinds in :data:`COUNTED` the network holds, for a progress
        bar of loading it.

        >>> SCALES["tiny"].counted
        10000
        """
        return self.organizations * (1 + self.contacts_per_organization) + (
            self.relationships + self.referrals
        )


SCALES = {
    "statewide": Scale(25_000, 3, 150_000, 2_000_000, 20, (1_000, 6_000)),
    "statewide-x2": Scale(50_000, 3, 300_000, 4_000_000, 40, (1_000, 6_000)),
    "small": Scale(2_500, 3, 15_000, 200_000, 10, (150, 600)),
    "tiny": Scale(1_000, 1, 3_000, 5_000, 4, (100, 300)),
}

COUNTED = ("organizations", "contacts", "relationships", "referrals")
"""The kinds of record whose number a scale fixes (engagements and evidence follow from the
draw)."""

ORGANIZATION_BATCH = 5_000
RELATIONSHIP_BATCH = 25_000
ENGAGEMENT_BATCH = 25_000
REFERRAL_BATCH = 25_000

COUNTIES = {
    "Multnomah": 815,
    "Washington": 600,
    "Clackamas": 421,
    "Lane": 382,
    "Marion": 345,
    "Jackson": 223,
    "Deschutes": 198,
    "Linn": 128,
    "Douglas": 111,
    "Yamhill": 107,
    "Benton": 95,
    "Josephine": 88,
    "Polk": 87,
    "Umatilla": 80,
    "Klamath": 69,
    "Coos": 64,
    "Columbia": 52,
    "Lincoln": 50,
    "Clatsop": 41,
    "Malheur": 31,
    "Tillamook": 27,
    "Union": 26,
    "Jefferson": 24,
    "Crook": 24,
    "Hood River": 23,
    "Curry": 23,
    "Wasco": 26,
    "Baker": 16,
    "Morrow": 12,
    "Lake": 8,
    "Harney": 7,
    "Grant": 7,
    "Wallowa": 7,
    "Gilliam": 2,
    "Sherman": 2,
    "Wheeler": 2,
}
"""Oregon's counties with their population in thousands, which weighs where agencies are."""

SECTOR_WEIGHTS = {
    "community_based_organization": 14,
    "child_care": 14,
    "primary_care": 9,
    "family_support": 7,
    "education": 6,
    "basic_needs": 6,
    "mental_health": 5,
    "home_visiting": 4,
    "library": 4,
    "early_intervention": 3,
    "wic": 3,
    "substance_use_treatment": 3,
    "peer_support": 3,
    "parents_families": 3,
    "early_head_start": 3,
    "child_welfare": 2,
    "domestic_violence": 2,
    "hospital": 2,
    "court": 2,
    "criminal_justice": 2,
    "youth": 2,
    "resource_referral": 1,
    "early_learning_hub": 1,
    "coordinated_care_organization": 1,
    "parent_advocacy": 1,
    "tribe": 1,
    "state_agency": 1,
}
"""How common each sector of the catalog is among the generated organizations."""

HUB_SECTORS = (
    "state_agency",
    "coordinated_care_organization",
    "early_learning_hub",
    "child_welfare",
    "resource_referral",
)

ROLES = ("Director", "Program manager", "Referral coordinator", "Family liaison", "Intake lead")
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Maria", "Lee", "Ana", "Chris", "Dana", "Noor", "Kai")
LAST_NAMES = ("Rivera", "Nguyen", "Smith", "Johnson", "Garcia", "Lee", "Patel", "Brown", "Kim")
ASSESSORS = ("Community engagement lead", "Program director", "Regional coordinator")
REASONS = {
    RelationshipState.GREEN: "Regular referrals and shared meetings; feedback comes back.",
    RelationshipState.YELLOW: "Some contact, but referrals go unanswered at times.",
    RelationshipState.RED: "A falling-out over a shared case; staff no longer meet.",
    RelationshipState.NO_DOT: "Known to each other, no working contact yet.",
}
STATE_WEIGHTS = {
    RelationshipState.GREEN: 40,
    RelationshipState.YELLOW: 30,
    RelationshipState.RED: 10,
    RelationshipState.NO_DOT: 20,
}

S = ReferralStatus
OUTCOMES: list[tuple[tuple[ReferralStatus, ...], int]] = [
    ((), 8),
    ((S.RECEIVED,), 10),
    ((S.RECEIVED, S.ACCEPTED), 8),
    ((S.RECEIVED, S.ACCEPTED, S.ENROLLED), 12),
    ((S.RECEIVED, S.DECLINED), 6),
    ((S.UNABLE_TO_CONTACT,), 4),
    ((S.RECEIVED, S.ACCEPTED, S.ENROLLED, S.COMPLETED), 18),
    ((S.RECEIVED, S.ACCEPTED, S.ENROLLED, S.FEEDBACK_RETURNED), 12),
    ((S.RECEIVED, S.DECLINED, S.FEEDBACK_RETURNED), 8),
    ((S.UNABLE_TO_CONTACT, S.CLOSED), 6),
    ((S.RECEIVED, S.ACCEPTED, S.ENROLLED, S.COMPLETED, S.CLOSED), 8),
]
"""Where referrals end up, as the statuses after 'sent', with how often; some close the loop."""


def _outcome_table(closing: bool) -> tuple[list[tuple[ReferralStatus, ...]], list[int]]:
    """The outcomes that close the loop (or leave it open), with cumulative weights."""
    chosen = [(path, w) for path, w in OUTCOMES if any(s.closes_loop for s in path) is closing]
    return [path for path, _ in chosen], list(accumulate(w for _, w in chosen))


CLOSING_OUTCOMES = _outcome_table(closing=True)
OPEN_OUTCOMES = _outcome_table(closing=False)

RELATIONSHIP_SHARES = {
    "met": 0.25,
    "planned": 0.05,
    "joint_program": 0.015,
    "agreement": 0.01,
}
"""Of every relationship, the share whose two organizations met (once or twice), have a
meeting planned after the clock, run a joint program, or keep an agreement."""
HUB_SESSIONS = 24
"""Listening sessions, webinars and outreach each hub held for many of its partners at once."""
SESSION_KINDS = (EngagementKind.LISTENING_SESSION, EngagementKind.WEBINAR, EngagementKind.OUTREACH)


def generate_network(*, scale: str, seed: int) -> Iterator[NetworkBundle]:
    """The network of ``scale`` (a key of :data:`SCALES`) for ``seed``, in batches to import
    in order: the catalog and organizations first, then contacts, relationships and referrals.

    >>> batches = list(generate_network(scale="tiny", seed=7))
    >>> sum(len(batch.organizations) for batch in batches)
    1000
    >>> sum(len(batch.referrals) for batch in batches)
    5000
    """
    for part in _raw_network(SCALES[scale], seed):
        yield NetworkBundle.model_validate(part)


def load_network(
    store: Store, *, scale: str, seed: int, progress: Progress | None = None
) -> ImportSummary:
    """Generate the network of ``scale`` and ``seed`` and import it batch by batch."""
    total = ImportSummary()
    for batch in generate_network(scale=scale, seed=seed):
        summary = store.import_bundle(batch, progress=progress)
        for field, value in summary:
            setattr(total, field, getattr(total, field) + value)
    return total


def _raw_network(scale: Scale, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    catalog = json.loads(CATALOG.read_text())
    organizations = _organizations(scale, rng)
    for start in range(0, len(organizations), ORGANIZATION_BATCH):
        first = start == 0
        yield _bundle(
            sectors=catalog["sectors"] if first else [],
            profiles=catalog["profiles"] if first else [],
            organizations=organizations[start : start + ORGANIZATION_BATCH],
            focal_org_ids=[org["id"] for org in organizations[: scale.hubs]] if first else [],
        )
    contacts = _contacts(scale, organizations, rng)
    yield _bundle(contacts=contacts)
    edges = _edges(scale, organizations, rng)
    relationships = [_relationship(a, b, rng) for a, b in edges]
    for start in range(0, len(relationships), RELATIONSHIP_BATCH):
        yield _bundle(relationships=relationships[start : start + RELATIONSHIP_BATCH])
    yield from _partnerships(scale, organizations, edges, random.Random(f"{seed}-partnerships"))
    referrals = _referrals(scale, organizations, edges, rng)
    while True:
        batch = [referral for _, referral in zip(range(REFERRAL_BATCH), referrals, strict=False)]
        if not batch:
            return
        yield _bundle(referrals=batch)


def _bundle(**parts: Any) -> dict[str, Any]:
    return {
        "name": "statewide",
        "title": "Synthetic statewide network",
        "description": "Generated: no real organization, person or case.",
        **parts,
    }


def _organizations(scale: Scale, rng: random.Random) -> list[dict[str, Any]]:
    """Hubs first (statewide agencies), then agencies spread over the counties."""
    counties = list(COUNTIES)
    county_weights = list(accumulate(COUNTIES.values()))
    sectors = list(SECTOR_WEIGHTS)
    sector_weights = list(accumulate(SECTOR_WEIGHTS.values()))
    organizations = []
    for number in range(scale.organizations):
        if number < scale.hubs:
            sector, region = HUB_SECTORS[number % len(HUB_SECTORS)], "Statewide"
        else:  # the first few cover every county and every sector once
            index = number - scale.hubs
            sector = (
                sectors[index]
                if index < len(sectors)
                else rng.choices(sectors, cum_weights=sector_weights)[0]
            )
            region = (
                counties[index]
                if index < len(counties)
                else rng.choices(counties, cum_weights=county_weights)[0]
            )
        label = sector.replace("_", " ").title()
        organizations.append(
            {
                "id": _org_id(number),
                "name": f"{region} {label} {number}",
                "sector": sector,
                "region": region,
                "internal": number < scale.hubs and sector == "state_agency",
            }
        )
    return organizations


def _contacts(
    scale: Scale, organizations: list[dict[str, Any]], rng: random.Random
) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{org['id']}-c{number}",
            "org_id": org["id"],
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "role": ROLES[number % len(ROLES)],
        }
        for org in organizations
        for number in range(scale.contacts_per_organization)
    ]


def _edges(
    scale: Scale, organizations: list[dict[str, Any]], rng: random.Random
) -> list[tuple[int, int]]:
    """Pairs of organization numbers: hubs tied to thousands, then a Chung-Lu graph over
    heavy-tailed (Pareto) weights, three in four ties within a county."""
    count = len(organizations)
    seen: set[tuple[int, int]] = set()
    edges: list[tuple[int, int]] = []

    def tie(a: int, b: int) -> None:
        pair = (a, b) if a < b else (b, a)
        if a != b and pair not in seen and len(edges) < scale.relationships:
            seen.add(pair)
            edges.append(pair)

    low, high = scale.hub_degrees
    for hub in range(scale.hubs):
        degree = int(low * (high / low) ** (1 - hub / max(scale.hubs - 1, 1)))
        for other in rng.sample(range(scale.hubs, count), degree):
            tie(hub, other)
    weights = [0.0] * scale.hubs + [
        min(rng.paretovariate(1.8), 25.0) for _ in range(scale.hubs, count)
    ]
    cumulative = list(accumulate(weights))
    by_county: dict[str, list[int]] = {}
    for number in range(scale.hubs, count):
        by_county.setdefault(organizations[number]["region"], []).append(number)
    county_cumulative = {
        county: (members, list(accumulate(weights[m] for m in members)))
        for county, members in by_county.items()
    }
    while len(edges) < scale.relationships:
        a = rng.choices(range(count), cum_weights=cumulative)[0]
        if rng.random() < 0.75:
            members, cum = county_cumulative[organizations[a]["region"]]
            b = rng.choices(members, cum_weights=cum)[0]
        else:
            b = rng.choices(range(count), cum_weights=cumulative)[0]
        tie(a, b)
    return edges


def _relationship(a: int, b: int, rng: random.Random) -> dict[str, Any]:
    states = list(STATE_WEIGHTS)
    state_weights = list(STATE_WEIGHTS.values())
    moment = START - timedelta(days=rng.randrange(0, 1500))
    history = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        state = rng.choices(states, state_weights)[0]
        history.append(
            {
                "state": state.value,
                "reason": REASONS[state],
                "assessed_by": rng.choice(ASSESSORS),
                "assessed_at": moment.isoformat(),
            }
        )
        moment += timedelta(days=rng.randrange(60, 500))
    return {"org_a": _org_id(a), "org_b": _org_id(b), "history": history}


def _partnerships(
    scale: Scale,
    organizations: list[dict[str, Any]],
    edges: list[tuple[int, int]],
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """Engagements in batches, then the evidence of partnership levels: joint programs and
    agreements between partners, a local collaborative in each county and the state cabinet of
    the hubs."""
    engagements = _engagements(scale, edges, rng)
    for start in range(0, len(engagements), ENGAGEMENT_BATCH):
        yield _bundle(engagements=engagements[start : start + ENGAGEMENT_BATCH])
    programs: list[dict[str, Any]] = []
    agreements: list[dict[str, Any]] = []
    for a, b in edges:
        draw = rng.random()
        if draw >= RELATIONSHIP_SHARES["joint_program"] + RELATIONSHIP_SHARES["agreement"]:
            continue
        began = _past_day(rng)
        bound = {
            "org_ids": [_org_id(a), _org_id(b)],
            "start": began.isoformat(),
            "end": _maybe_ended(rng, began),
        }
        if draw < RELATIONSHIP_SHARES["joint_program"]:
            number = len(programs) + 1
            name = f"Joint family support program {number}"
            programs.append({"id": f"program-{number:06d}", "name": name, **bound})
        else:
            kind = rng.choice([kind.value for kind in AgreementKind])
            agreements.append({"id": f"agreement-{len(agreements) + 1:06d}", "kind": kind, **bound})
    yield _bundle(
        joint_programs=programs,
        agreements=agreements,
        collaboratives=_collaboratives(scale, organizations, rng),
    )


def _engagements(
    scale: Scale, edges: list[tuple[int, int]], rng: random.Random
) -> list[dict[str, Any]]:
    """Meetings of two partners, each with one contact of each, held (one in twenty
    cancelled) before the clock or planned in the half year after it; and the sessions each
    hub held for 20 to 200 of its partners."""
    engagements: list[dict[str, Any]] = []

    def add(kind: EngagementKind, title: str, day: date, status: str, org_ids: list[str]) -> None:
        engagements.append(
            {
                "id": f"engagement-{len(engagements) + 1:07d}",
                "kind": kind.value,
                "title": title,
                "date": day.isoformat(),
                "status": status,
                "org_ids": org_ids,
                "contact_ids": [
                    f"{org_id}-c{rng.randrange(scale.contacts_per_organization)}"
                    for org_id in org_ids[:2]
                ],
            }
        )

    partners: list[list[int]] = [[] for _ in range(scale.hubs)]
    for a, b in edges:
        pair = [_org_id(a), _org_id(b)]
        if a < scale.hubs:
            partners[a].append(b)
        if rng.random() < RELATIONSHIP_SHARES["met"]:
            for _ in range(rng.choice((1, 2))):
                day = _past_day(rng)
                status = (
                    EngagementStatus.CANCELLED if rng.random() < 0.05 else EngagementStatus.HELD
                )
                add(EngagementKind.MEETING, "Partner meeting", day, status.value, pair)
        if rng.random() < RELATIONSHIP_SHARES["planned"]:
            day = CLOCK.date() + timedelta(days=rng.randrange(1, 180))
            add(
                EngagementKind.MEETING,
                "Planned partner meeting",
                day,
                EngagementStatus.PLANNED.value,
                pair,
            )
    for hub, ties in enumerate(partners):
        for number in range(HUB_SESSIONS):
            kind = SESSION_KINDS[number % len(SESSION_KINDS)]
            invited = rng.sample(ties, min(len(ties), rng.randrange(20, 200)))
            org_ids = [_org_id(hub), *(_org_id(other) for other in invited)]
            day = _past_day(rng)
            title = f"{kind.value.replace('_', ' ').capitalize()} {number + 1}"
            add(kind, title, day, EngagementStatus.HELD.value, org_ids)
    return engagements


def _collaboratives(
    scale: Scale, organizations: list[dict[str, Any]], rng: random.Random
) -> list[dict[str, Any]]:
    """A local collaborative of 6 to 25 agencies in each county, and the state cabinet of the
    hubs."""
    by_county: dict[str, list[str]] = {}
    for org in organizations[scale.hubs :]:
        by_county.setdefault(org["region"], []).append(org["id"])
    collaboratives = [
        {
            "id": f"collaborative-{number + 1:03d}",
            "name": f"{county} Early Learning Collaborative",
            "scope": CollaborativeScope.LOCAL.value,
            "governance": "Steering committee elected by the members",
            "member_org_ids": rng.sample(members, min(len(members), rng.randrange(6, 26))),
            "start": _past_day(rng).isoformat(),
        }
        for number, (county, members) in enumerate(sorted(by_county.items()))
        if len(members) >= 2
    ]
    collaboratives.append(
        {
            "id": "collaborative-state",
            "name": "Children's Cabinet",
            "scope": CollaborativeScope.STATE.value,
            "member_org_ids": [org["id"] for org in organizations[: scale.hubs]],
            "start": START.date().isoformat(),
        }
    )
    return collaboratives


def _org_id(number: int) -> str:
    """The id of the organization numbered ``number``.

    >>> _org_id(42)
    'org-00042'
    """
    return f"org-{number:05d}"


def _past_day(rng: random.Random) -> date:
    """A day from the network's start to its clock, both included."""
    first, last = START.date(), CLOCK.date()
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _maybe_ended(rng: random.Random, start: date) -> str | None:
    """One in four ended within three years of ``start``, by the clock."""
    end = start + timedelta(days=rng.randrange(30, 1100))
    return end.isoformat() if rng.random() < 0.25 and end <= CLOCK.date() else None


def _referrals(
    scale: Scale,
    organizations: list[dict[str, Any]],
    edges: list[tuple[int, int]],
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """Cases referred one to four times, each referral from the last receiver (or the first
    sender) along a relationship nine times in ten. Each receiver closes loops at its own rate."""
    partners: list[list[int]] = [[] for _ in organizations]
    for a, b in edges:
        partners[a].append(b)
        partners[b].append(a)
    senders = [number for number, ties in enumerate(partners) if ties]
    responsiveness = [rng.betavariate(5, 4) for _ in organizations]
    categories = [category.value for category in ReferralCategory]
    span = (CLOCK - START).total_seconds()
    made, case = 0, 0
    while made < scale.referrals:
        case += 1
        sender = rng.choice(senders)
        moment = START + timedelta(seconds=rng.random() * span * 0.98)
        for _ in range(min(rng.choice((1, 1, 1, 2, 2, 3, 4)), scale.referrals - made)):
            ties = partners[sender]
            receiver = rng.choice(ties) if ties and rng.random() < 0.9 else rng.choice(senders)
            if receiver == sender:
                break
            made += 1
            yield {
                "id": f"ref-{made:07d}",
                "case_ref": f"C-{case:07d}",
                "from_org": _org_id(sender),
                "to_org": _org_id(receiver),
                "sent_at": moment.isoformat(),
                "consent": True,
                "category": rng.choice(categories),
                "screening": rng.random() < 0.3,
                "events": _events(moment, responsiveness[receiver], rng),
            }
            sender = receiver
            moment += timedelta(days=rng.randrange(1, 90))
            if moment >= CLOCK:
                break


def _events(sent: datetime, closure_rate: float, rng: random.Random) -> list[tuple[str, str]]:
    """The statuses after 'sent', each hours to days after the last (the status that closes
    the loop late one time in five), never after the clock; the loop closes with
    ``closure_rate``."""
    paths, weights = CLOSING_OUTCOMES if rng.random() < closure_rate else OPEN_OUTCOMES
    events, moment, open_loop = [], sent, True
    for status in rng.choices(paths, cum_weights=weights)[0]:
        late = open_loop and status.closes_loop and rng.random() < 0.2
        open_loop = open_loop and not status.closes_loop
        moment += timedelta(hours=rng.expovariate(1 / (24 * (45 if late else 4))))
        if moment > CLOCK:
            break
        events.append((status.value, moment.isoformat()))
    return events
