"""A synthetic statewide network with a fixed seed, for benchmarks and scale tests.

The shape follows what a state's early-childhood network looks like: organizations of every
sector spread over Oregon's 36 counties, a heavy-tailed degree (a score of statewide hubs tied to
thousands of partners, most agencies to a handful, mostly in their own county), relationships
with one to four assessments, and cases referred along relationships (mostly) with feedback
loops closed at rates that differ from receiver to receiver, some late.

Everything comes from one ``random.Random(seed)``: the same scale and seed give the same
network, ids included. Batches are :class:`NetworkBundle`\\ s, each imported all or nothing
through ``store.import_bundle``, the path users load networks by.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from graph_models import NetworkBundle, ReferralCategory, ReferralStatus, RelationshipState
from service.store import ImportSummary, Store
from service.store.protocol import Progress

GENERATOR_VERSION = 2
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


SCALES = {
    "statewide": Scale(25_000, 3, 150_000, 2_000_000, 20, (1_000, 6_000)),
    "statewide-x2": Scale(50_000, 3, 300_000, 4_000_000, 40, (1_000, 6_000)),
    "small": Scale(2_500, 3, 15_000, 200_000, 10, (150, 600)),
    "tiny": Scale(1_000, 1, 3_000, 5_000, 4, (100, 300)),
}

ORGANIZATION_BATCH = 5_000
RELATIONSHIP_BATCH = 25_000
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


def generate_network(*, scale: str, seed: int) -> Iterator[NetworkBundle]:
    """The network of ``scale`` (a key of :data:`SCALES`) for ``seed``, in batches to import
    in order: the catalog and organizations first, then contacts, relationships and referrals.

    >>> batches = list(generate_network(scale="tiny", seed=7))
    >>> sum(len(batch.organizations) for batch in batches)
    1000
    >>> sum(len(batch.referrals) for batch in batches)
    5000
    """
    for part in _raw_network(SCALES[scale], random.Random(seed)):
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


def _raw_network(scale: Scale, rng: random.Random) -> Iterator[dict[str, Any]]:
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
                "id": f"org-{number:05d}",
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
    return {"org_a": f"org-{a:05d}", "org_b": f"org-{b:05d}", "history": history}


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
                "from_org": f"org-{sender:05d}",
                "to_org": f"org-{receiver:05d}",
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
