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
    relationship_id,
)
from graph_models.common import slugify, stored_text, utc_now
from graph_models.evidence import (
    Agreement,
    AgreementCreate,
    Collaborative,
    CollaborativeCreate,
    Evidence,
    EvidenceKind,
    JointCasePlan,
    JointProgram,
    JointProgramCreate,
)
from service.errors import InvalidInput, NotFound
from service.partnerships.levels import as_evidence, levels_with_first_referrals
from service.store import Store
from service.store.shared.copying import RecordKind, Row
from service.store.shared.evidence import EVIDENCE_KINDS, evidence_record

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
    first_sent_at: datetime | None = None

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
    evidence: list[Evidence] = field(default_factory=list)

    def levels(self) -> dict[str, int]:
        """The partnership level (1 to 6) of each exported relationship with evidence, by
        relationship id: the evidence in force today, and referrals either way (level 1).

        >>> Snapshot(NetworkBundle(name="empty", title="Empty"), Scope()).levels()
        {}
        """
        by_org: dict[str, list[Evidence]] = defaultdict(list)
        for item in self.evidence:
            for org_id in item.org_ids:
                by_org[org_id].append(item)
        first: dict[str, dict[str, datetime]] = defaultdict(dict)
        for (from_org, to_org), counts in self.referrals.items():
            if counts.first_sent_at is not None:
                for one, other in ((from_org, to_org), (to_org, from_org)):
                    known = first[one].get(other)
                    first[one][other] = min(counts.first_sent_at, known or counts.first_sent_at)
        today = utc_now().date()
        found: dict[str, int] = {}
        for rel in self.bundle.relationships:
            org_a, org_b = rel.org_a, rel.org_b
            level = levels_with_first_referrals(
                org_a,
                evidence=[item for item in by_org[org_a] if org_b in item.org_ids],
                first_referrals={org_b: first[org_a][org_b]} if org_b in first[org_a] else {},
                as_of=today,
            ).get(org_b)
            if level is not None:
                found[relationship_id(org_a, org_b)] = level
        return found


def read_network(store: Store, scope: Scope | None = None) -> Snapshot:
    """The organizations of ``scope`` with their contacts, the relationships among them with
    every assessment, the engagements naming them, and the sectors they use; text as the
    store holds it (see :func:`~graph_models.common.stored_text`)."""
    with stored_text():
        return _read_network(store, scope)


def _read_network(store: Store, scope: Scope | None) -> Snapshot:
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
    evidence, records = read_evidence(store, org_ids)
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
        joint_programs=[r for r in records if isinstance(r, JointProgramCreate)],
        agreements=[r for r in records if isinstance(r, AgreementCreate)],
        collaboratives=[r for r in records if isinstance(r, CollaborativeCreate)],
    )
    referrals = {
        (row["from_org"], row["to_org"]): PairCounts(
            row["sent"], row["loop_closed"], _moment(row["first_sent_at"])
        )
        for row in stored_rows(store, RecordKind.REFERRAL_PAIRS)
        if row["from_org"] in org_ids and row["to_org"] in org_ids
    }
    return Snapshot(bundle, scope, referrals, evidence)


ExportedEvidence = JointProgramCreate | AgreementCreate | CollaborativeCreate
MODELS = {kind: model for model, kind in EVIDENCE_KINDS.items()}
EXPORTED: dict[type, type[ExportedEvidence]] = {
    JointProgram: JointProgramCreate,
    Agreement: AgreementCreate,
    Collaborative: CollaborativeCreate,
}
"""The evidence an export writes, by stored model: all but joint case plans."""


def read_evidence(store: Store, org_ids: set[str]) -> tuple[list[Evidence], list[ExportedEvidence]]:
    """The stored evidence naming two or more of ``org_ids``: as :class:`Evidence` (what
    levels are read from), and as the records an export writes, bound to those organizations
    only. Joint case plans name cases: they count for levels but are never written."""
    stored: list[JointCasePlan | JointProgram | Agreement | Collaborative] = []
    for row in stored_rows(store, RecordKind.EVIDENCE):
        named = [org_id for org_id in row["org_ids"] if org_id in org_ids]
        if len(named) >= 2:
            model = MODELS[EvidenceKind(row["kind"])]
            stored.append(evidence_record(model, row, named))  # type: ignore[type-var,arg-type]
    evidence = as_evidence(
        case_plans=[r for r in stored if isinstance(r, JointCasePlan)],
        programs=[r for r in stored if isinstance(r, JointProgram)],
        agreements=[r for r in stored if isinstance(r, Agreement)],
        collaboratives=[r for r in stored if isinstance(r, Collaborative)],
    )
    records = [
        EXPORTED[type(record)].model_validate(record.model_dump(exclude={"created_at"}))
        for record in stored
        if type(record) in EXPORTED
    ]
    return evidence, records


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _wanted(row: Row, scope: Scope) -> bool:
    return scope.region is None or row["region"] == scope.region


def stored_rows(store: Store, kind: RecordKind) -> Iterable[Row]:
    """Every stored record of ``kind``, as the rows a copy between stores reads."""
    for batch in store.export_records(kind, batch_size=BATCH):
        yield from batch
