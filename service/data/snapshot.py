"""The part of the stored network an export writes: the whole network, one region, or one
organization's eco-map to a depth, read as a :class:`~graph_models.NetworkBundle` with every
relationship's whole history, and the referral counts between its organizations.

Referrals themselves are case-level data and never leave in an export; only the per-pair
counts every role may see do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from graph_models import (
    AssessmentImport,
    ContactCreate,
    EngagementCreate,
    NetworkBundle,
    OrganizationCreate,
    RelationshipImport,
    Sector,
)
from graph_models.common import slugify
from service.errors import InvalidInput, NotFound
from service.store import Store
from service.store.shared.copying import RecordKind, Row

BATCH = 5_000


@dataclass(frozen=True)
class Scope:
    """Which part of the network to export: all of it, one region, or ``org_id`` with the
    partners ``depth`` relationships away.

    >>> Scope(org_id="wic-lane", depth=2).describe()
    'wic-lane-depth-2'
    """

    org_id: str | None = None
    depth: int = 1
    region: str | None = None

    def __post_init__(self) -> None:
        if self.org_id and self.region:
            raise InvalidInput("export one organization's eco-map or one region, not both")
        if not 1 <= self.depth <= 5:
            raise InvalidInput(f"depth {self.depth} is out of range; give 1 to 5")

    def describe(self) -> str:
        """A short name for file names."""
        if self.org_id:
            return f"{self.org_id}-depth-{self.depth}"
        if self.region:
            return f"region-{slugify(self.region)}"
        return "network"


@dataclass
class PairCounts:
    """Referrals sent from one organization to another, and how many of their loops closed."""

    sent: int = 0
    closed: int = 0

    @property
    def open(self) -> int:
        """Loops still open: sent, and nobody has reported back how it ended."""
        return self.sent - self.closed


@dataclass
class Snapshot:
    """An exported part of the network: the bundle, and the referral counts of each ordered
    pair of its organizations."""

    bundle: NetworkBundle
    scope: Scope
    referrals: dict[tuple[str, str], PairCounts] = field(default_factory=dict)


def read_network(store: Store, scope: Scope | None = None) -> Snapshot:
    """The organizations of ``scope`` with their contacts, the relationships among them with
    every assessment, the engagements naming them, and the sectors they use."""
    scope = scope or Scope()
    orgs = [row for row in stored_rows(store, RecordKind.ORGANIZATIONS) if _wanted(row, scope)]
    if scope.org_id:
        members = set(store.partner_graph(scope.org_id, depth=scope.depth).nodes)
        orgs = [row for row in orgs if row["id"] in members]
    if scope.region and not orgs:
        raise NotFound(f"no organization is in region '{scope.region}'")
    org_ids = {row["id"] for row in orgs}
    contacts = [row for row in stored_rows(store, RecordKind.CONTACTS) if row["org_id"] in org_ids]
    contact_ids = {row["id"] for row in contacts}
    rels = {
        row["id"]: row
        for row in stored_rows(store, RecordKind.RELATIONSHIPS)
        if row["org_a"] in org_ids and row["org_b"] in org_ids
    }
    histories: dict[str, list[AssessmentImport]] = defaultdict(list)
    for row in stored_rows(store, RecordKind.ASSESSMENTS):
        if row["rel_id"] in rels:
            histories[row["rel_id"]].append(
                AssessmentImport(
                    state=row["state"],
                    reason=row["reason"],
                    assessed_by=row["assessed_by"],
                    assessed_at=datetime.fromisoformat(row["assessed_at"]),
                )
            )
    engagements = []
    for row in stored_rows(store, RecordKind.ENGAGEMENTS):
        named = [org_id for org_id in row["org_ids"] if org_id in org_ids]
        if named:
            engagements.append(
                EngagementCreate(
                    id=row["id"],
                    kind=row["kind"],
                    title=row["title"],
                    date=row["date"],
                    status=row["status"],
                    org_ids=named,
                    contact_ids=[c for c in row["contact_ids"] if c in contact_ids],
                    notes=row["notes"],
                )
            )
    used = {row["sector"] for row in orgs}
    bundle = NetworkBundle(
        name="export",
        title="Export",
        sectors=[
            Sector(**row) for row in stored_rows(store, RecordKind.SECTORS) if row["slug"] in used
        ],
        organizations=[
            OrganizationCreate(
                id=row["id"],
                name=row["name"],
                sector=row["sector"],
                region=row["region"],
                internal=bool(row["internal"]),
                notes=row["notes"],
            )
            for row in orgs
        ],
        contacts=[
            ContactCreate(
                id=row["id"],
                org_id=row["org_id"],
                name=row["name"],
                role=row["role"],
                email=row["email"],
            )
            for row in contacts
        ],
        relationships=[
            RelationshipImport(
                org_a=row["org_a"],
                org_b=row["org_b"],
                history=sorted(histories[rel_id], key=lambda step: step.assessed_at),
            )
            for rel_id, row in rels.items()
            if histories[rel_id]
        ],
        engagements=engagements,
    )
    referrals = {
        (row["from_org"], row["to_org"]): PairCounts(row["sent"], row["loop_closed"])
        for row in stored_rows(store, RecordKind.REFERRAL_PAIRS)
        if row["from_org"] in org_ids and row["to_org"] in org_ids
    }
    return Snapshot(bundle, scope, referrals)


def _wanted(row: Row, scope: Scope) -> bool:
    return scope.region is None or row["region"] == scope.region


def stored_rows(store: Store, kind: RecordKind) -> Iterable[Row]:
    """Every stored record of ``kind``, as the rows a copy between stores reads."""
    for batch in store.export_records(kind, batch_size=BATCH):
        yield from batch
