"""The embedded store: one SQLite file, with a networkx graph derived from it for analytics.

SQLite runs in WAL mode with foreign keys on and ``synchronous=FULL``; every write is one
transaction and returns only after it is committed. The analytics graph is rebuilt on start and
kept in step after every committed write.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx

from graph_models import (
    Assessment,
    AuditAction,
    AuditEntry,
    AuditEntryCreate,
    Contact,
    ContactCreate,
    ContactUpdate,
    DaysToFeedback,
    Engagement,
    EngagementCreate,
    EngagementKind,
    EngagementStatus,
    FeedbackLoops,
    LoopCounts,
    LoopScope,
    NetworkBundle,
    Organization,
    OrganizationCreate,
    OrganizationUpdate,
    Page,
    Principal,
    Profile,
    ProfileCreate,
    Referral,
    ReferralCreate,
    ReferralEvent,
    ReferralEventCreate,
    ReferralFlow,
    ReferralImport,
    ReferralStatus,
    Relationship,
    RelationshipCreate,
    RelationshipState,
    RelationshipUpdate,
    Sector,
    TokenCreate,
    relationship_id,
)
from graph_models.bundles import collector_paused
from graph_models.common import utc_now
from graph_models.evidence import (
    Agreement,
    AgreementCreate,
    Collaborative,
    CollaborativeCreate,
    JointCasePlan,
    JointCasePlanCreate,
    JointProgram,
    JointProgramCreate,
    ReferralFact,
    ReferralTally,
)
from graph_models.referrals import FUNNEL_STAGES, NO_DAYS, median_days
from service.errors import Conflict, InvalidReference, NotFound
from service.store.protocol import ImportSummary, Progress
from service.store.records import (
    EVIDENCE_KINDS,
    PAIR_COLUMNS,
    PAIR_COUNTERS,
    REFERRAL_COLUMNS,
    EvidenceCreate,
    EvidenceRecord,
    PairTotals,
    add_relationship_edge,
    assemble_pair_loops,
    combine_flows,
    evidence_noun,
    evidence_record,
    evidence_row,
    from_text,
    moved,
    new_id,
    new_referral_id,
    organization_node,
    pair_deltas,
    referral_facts_of,
    referral_of,
    referral_rows,
    referral_tallies_of,
    refuse_repeated_referral_ids,
    scope_kind,
    state_fields,
    to_text,
)
from service.store.transfer import (
    RECORD_FIELDS,
    RecordKind,
    Row,
    check_references,
    record_key,
)

DATABASE_FILE = "stakeholder-graph.sqlite3"


CLOSED_DAYS = {
    "pair": "SELECT feedback_days FROM referrals "
    "WHERE from_org = :from_org AND to_org = :to_org AND feedback_days IS NOT NULL",
    "sender": "SELECT feedback_days FROM referrals "
    "WHERE from_org = :from_org AND feedback_days IS NOT NULL",
    "receiver": "SELECT r.feedback_days FROM referral_pairs p JOIN referrals r "
    "ON r.from_org = p.from_org AND r.to_org = p.to_org "
    "WHERE p.to_org = :to_org AND r.feedback_days IS NOT NULL",
}
"""Days to feedback of the closed loops of a pair, a sender or a receiver, each read
through the index of the pairs' referrals."""


_PAIR_INSERT = (
    f"INSERT INTO referral_pairs (from_org, to_org, first_sent_at, last_sent_at, "
    f"{', '.join(PAIR_COLUMNS)})"
)
_PAIR_ADD = (
    "ON CONFLICT (from_org, to_org) DO UPDATE SET "
    "first_sent_at = min(first_sent_at, excluded.first_sent_at), "
    "last_sent_at = max(last_sent_at, excluded.last_sent_at), "
    + ", ".join(f"{column} = {column} + excluded.{column}" for column in PAIR_COLUMNS)
)
"""Adds the counters of the rows to insert to those of pairs already there."""
_REACHED = [
    *(f"stage >= {stage}" for stage in range(len(FUNNEL_STAGES))),
    "loop_closed_at IS NOT NULL",
]
_PAIR_COUNTED = [*_REACHED, *(f"screening AND {reached}" for reached in _REACHED)]
"""Which stored referrals each counter of :data:`PAIR_COLUMNS` counts."""


class EmbeddedStore:
    """The default store: ``DATA_DIR/stakeholder-graph.sqlite3`` and an in-memory graph.

    >>> import tempfile
    >>> store = EmbeddedStore(Path(tempfile.mkdtemp()))
    >>> store.upsert_sectors([Sector(slug="wic", label="WIC")])
    >>> store.create_organization(OrganizationCreate(name="WIC Lane County", sector="wic")).id
    'wic-lane-county'
    >>> store.close()
    """

    kind = "embedded"

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DATABASE_FILE
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports touch big indexes
        self._db.executescript(
            resources.files("service.store.embedded").joinpath("schema.sql").read_text()
        )
        self._graph = self._load_graph()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _tuples(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Rows as plain tuples: cheaper than named rows when a read returns hundreds of
        thousands."""
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None
            rows: list[tuple[Any, ...]] = cursor.execute(sql, params).fetchall()
            return rows

    def _exists(self, table: str, key: str, value: str) -> bool:
        return self._one(f"SELECT 1 FROM {table} WHERE {key} = ?", (value,)) is not None

    def _require_org(self, org_id: str) -> None:
        if not self._exists("organizations", "id", org_id):
            raise InvalidReference(f"organization '{org_id}' does not exist")

    def _require_sector(self, sector: str) -> None:
        if not self._exists("sectors", "slug", sector):
            raise InvalidReference(
                f"sector '{sector}' is not known; GET /api/v1/sectors lists the known sectors"
            )

    def _page(
        self, sql: str, params: list[Any], limit: int, offset: int
    ) -> tuple[int, list[sqlite3.Row]]:
        total_row = self._one(f"SELECT count(*) FROM ({sql})", tuple(params))
        rows = self._all(f"{sql} LIMIT ? OFFSET ?", (*params, limit, offset))
        return (total_row[0] if total_row else 0), rows

    # -- sectors and profiles ---------------------------------------------------------------

    def upsert_sectors(self, sectors: list[Sector]) -> None:
        with self._write() as db:
            db.executemany(
                "INSERT INTO sectors (slug, label, description) VALUES (?, ?, ?) "
                "ON CONFLICT (slug) DO UPDATE SET label = excluded.label, "
                "description = excluded.description",
                [(s.slug, s.label, s.description) for s in sectors],
            )

    def list_sectors(self) -> list[Sector]:
        rows = self._all("SELECT slug, label, description FROM sectors ORDER BY slug")
        return [
            Sector(slug=r["slug"], label=r["label"], description=r["description"]) for r in rows
        ]

    def create_profile(self, profile: ProfileCreate) -> Profile:
        with self._write() as db:
            if self._exists("profiles", "name", profile.name):
                raise Conflict(f"profile '{profile.name}' already exists")
            for sector in profile.sectors:
                self._require_sector(sector)
            self._insert_profile(db, profile)
        return self.get_profile(profile.name)

    def _insert_profile(self, db: sqlite3.Connection, profile: ProfileCreate) -> None:
        db.execute(
            "INSERT INTO profiles (name, label, source, sectors) VALUES (?, ?, ?, ?)",
            (profile.name, profile.label, profile.source, json.dumps(profile.sectors)),
        )

    def get_profile(self, name: str) -> Profile:
        row = self._one("SELECT * FROM profiles WHERE name = ?", (name,))
        if row is None:
            raise NotFound(f"profile '{name}' does not exist; GET /api/v1/profiles lists them")
        return _profile(row)

    def list_profiles(self) -> list[Profile]:
        return [_profile(r) for r in self._all("SELECT * FROM profiles ORDER BY name")]

    # -- organizations ----------------------------------------------------------------------

    def create_organization(self, org: OrganizationCreate) -> Organization:
        with self._lock:
            with self._write() as db:
                org_id = self._insert_organization(db, org)
            self._graph.add_node(org_id, **organization_node(org.model_dump()))
        return self.get_organization(org_id)

    def _insert_organization(self, db: sqlite3.Connection, org: OrganizationCreate) -> str:
        if org.id and self._exists("organizations", "id", org.id):
            raise Conflict(f"organization '{org.id}' already exists")
        self._require_sector(org.sector)
        org_id = new_id(org.id, org.name, lambda slug: self._exists("organizations", "id", slug))
        db.execute(
            "INSERT INTO organizations (id, name, sector, region, internal, notes, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                org_id,
                org.name,
                org.sector,
                org.region,
                int(org.internal),
                org.notes,
                to_text(utc_now()),
            ),
        )
        return org_id

    def get_organization(self, org_id: str) -> Organization:
        row = self._one("SELECT * FROM organizations WHERE id = ?", (org_id,))
        if row is None:
            raise NotFound(f"organization '{org_id}' does not exist")
        return _organization(row)

    def list_organizations(
        self,
        *,
        sector: str | None = None,
        region: str | None = None,
        q: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[Organization]:
        where, params = ["1 = 1"], []
        if sector:
            where.append("sector = ?")
            params.append(sector)
        if region:
            where.append("region = ?")
            params.append(region)
        if q:
            where.append("(instr(lower(name), lower(?)) > 0 OR instr(id, lower(?)) > 0)")
            params += [q, q]
        sql = f"SELECT * FROM organizations WHERE {' AND '.join(where)} ORDER BY name, id"
        total, rows = self._page(sql, params, limit, offset)
        return Page(items=[_organization(r) for r in rows], total=total, limit=limit, offset=offset)

    def update_organization(self, org_id: str, patch: OrganizationUpdate) -> Organization:
        changes = patch.model_dump(exclude_unset=True)
        with self._lock:
            with self._write() as db:
                self.get_organization(org_id)
                if changes.get("sector"):
                    self._require_sector(changes["sector"])
                for column, value in changes.items():
                    if value is None and column != "region":
                        continue
                    db.execute(
                        f"UPDATE organizations SET {column} = ? WHERE id = ?", (value, org_id)
                    )
            updated = self.get_organization(org_id)
            self._graph.add_node(org_id, **organization_node(updated.model_dump()))
        return updated

    def delete_organization(self, org_id: str) -> None:
        with self._lock:
            with self._write() as db:
                self.get_organization(org_id)
                self._refuse_if_referred(org_id)
                db.execute("DELETE FROM organizations WHERE id = ?", (org_id,))
            self._graph.remove_node(org_id)

    # -- contacts ---------------------------------------------------------------------------

    def create_contact(self, contact: ContactCreate) -> Contact:
        with self._write() as db:
            contact_id = self._insert_contact(db, contact)
        return self.get_contact(contact_id)

    def _insert_contact(self, db: sqlite3.Connection, contact: ContactCreate) -> str:
        if contact.id and self._exists("contacts", "id", contact.id):
            raise Conflict(f"contact '{contact.id}' already exists")
        self._require_org(contact.org_id)
        contact_id = new_id(
            contact.id,
            f"{contact.org_id}-{contact.role}",
            lambda slug: self._exists("contacts", "id", slug),
        )
        db.execute(
            "INSERT INTO contacts (id, org_id, name, role, email, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                contact_id,
                contact.org_id,
                contact.name,
                contact.role,
                contact.email,
                to_text(utc_now()),
            ),
        )
        return contact_id

    def get_contact(self, contact_id: str) -> Contact:
        row = self._one("SELECT * FROM contacts WHERE id = ?", (contact_id,))
        if row is None:
            raise NotFound(f"contact '{contact_id}' does not exist")
        return _contact(row)

    def list_contacts(
        self, *, org_id: str | None = None, q: str | None = None, limit: int, offset: int
    ) -> Page[Contact]:
        where, params = ["1 = 1"], []
        if org_id:
            where.append("org_id = ?")
            params.append(org_id)
        if q:
            where.append("(instr(lower(name), lower(?)) > 0 OR instr(lower(role), lower(?)) > 0)")
            params += [q, q]
        sql = f"SELECT * FROM contacts WHERE {' AND '.join(where)} ORDER BY org_id, name, id"
        total, rows = self._page(sql, params, limit, offset)
        return Page(items=[_contact(r) for r in rows], total=total, limit=limit, offset=offset)

    def update_contact(self, contact_id: str, patch: ContactUpdate) -> Contact:
        changes = patch.model_dump(exclude_unset=True)
        with self._write() as db:
            self.get_contact(contact_id)
            if changes.get("org_id"):
                self._require_org(changes["org_id"])
            for column, value in changes.items():
                if value is None and column != "email":
                    continue
                db.execute(f"UPDATE contacts SET {column} = ? WHERE id = ?", (value, contact_id))
        return self.get_contact(contact_id)

    def delete_contact(self, contact_id: str) -> None:
        with self._write() as db:
            self.get_contact(contact_id)
            db.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))

    # -- relationships ----------------------------------------------------------------------

    def create_relationship(self, rel: RelationshipCreate, *, assessed_by: str) -> Relationship:
        rel_id = relationship_id(rel.org_a, rel.org_b)
        assessed_at = to_text(rel.assessed_at or utc_now())
        with self._lock:
            with self._write() as db:
                self._insert_relationship(db, rel_id, rel.org_a, rel.org_b)
                self._insert_assessment(db, rel_id, rel.state, rel.reason, assessed_by, assessed_at)
            self._refresh_edge(rel_id)
        return self.get_relationship(rel_id)

    def _insert_relationship(self, db: sqlite3.Connection, rel_id: str, a: str, b: str) -> None:
        self._require_org(a)
        self._require_org(b)
        if self._exists("relationships", "id", rel_id):
            raise Conflict(
                f"'{a}' and '{b}' already have a relationship ({rel_id}); "
                f"PATCH /api/v1/relationships/{rel_id} to assess it again"
            )
        db.execute(
            "INSERT INTO relationships (id, org_a, org_b, created_at) VALUES (?, ?, ?, ?)",
            (rel_id, a, b, to_text(utc_now())),
        )

    def _insert_assessment(
        self,
        db: sqlite3.Connection,
        rel_id: str,
        state: RelationshipState,
        reason: str,
        assessed_by: str,
        assessed_at: str,
    ) -> None:
        db.execute(
            "INSERT INTO assessments (rel_id, state, reason, assessed_by, assessed_at, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (rel_id, state.value, reason, assessed_by, assessed_at, to_text(utc_now())),
        )

    def _refresh_edge(self, rel_id: str) -> None:
        row = self._one("SELECT org_a, org_b FROM relationships WHERE id = ?", (rel_id,))
        if row is None:
            return
        history = self._all(
            "SELECT assessed_at, state FROM assessments WHERE rel_id = ? ORDER BY seq", (rel_id,)
        )
        add_relationship_edge(
            self._graph,
            rel_id,
            row["org_a"],
            row["org_b"],
            [(h["assessed_at"], h["state"]) for h in history],
        )

    _RELATIONSHIP_SQL = """
        SELECT r.id, r.org_a, r.org_b, a.state, a.reason, a.assessed_by, a.assessed_at,
               (SELECT count(*) FROM assessments WHERE rel_id = r.id) AS assessments
        FROM relationships r
        JOIN assessments a ON a.seq = (
            SELECT seq FROM assessments WHERE rel_id = r.id
            ORDER BY assessed_at DESC, seq DESC LIMIT 1)
    """

    def get_relationship(self, rel_id: str) -> Relationship:
        row = self._one(f"{self._RELATIONSHIP_SQL} WHERE r.id = ?", (rel_id,))
        if row is None:
            raise NotFound(f"relationship '{rel_id}' does not exist")
        return _relationship(row)

    def list_relationships(
        self,
        *,
        org_id: str | None = None,
        state: RelationshipState | None = None,
        limit: int,
        offset: int,
    ) -> Page[Relationship]:
        where, params = ["1 = 1"], []
        if org_id:
            where.append("(r.org_a = ? OR r.org_b = ?)")
            params += [org_id, org_id]
        if state:
            where.append("a.state = ?")
            params.append(state.value)
        sql = f"{self._RELATIONSHIP_SQL} WHERE {' AND '.join(where)} ORDER BY r.id"
        total, rows = self._page(sql, params, limit, offset)
        return Page(items=[_relationship(r) for r in rows], total=total, limit=limit, offset=offset)

    def assess_relationship(
        self, rel_id: str, update: RelationshipUpdate, *, assessed_by: str
    ) -> Relationship:
        with self._lock:
            with self._write() as db:
                current = self.get_relationship(rel_id)
                self._insert_assessment(
                    db,
                    rel_id,
                    update.state or current.state,
                    update.reason or current.reason,
                    assessed_by,
                    to_text(update.assessed_at or utc_now()),
                )
            self._refresh_edge(rel_id)
        return self.get_relationship(rel_id)

    def relationship_history(self, rel_id: str) -> list[Assessment]:
        self.get_relationship(rel_id)
        rows = self._all(
            "SELECT * FROM assessments WHERE rel_id = ? ORDER BY assessed_at, seq", (rel_id,)
        )
        return [_assessment(r) for r in rows]

    # -- engagements ------------------------------------------------------------------------

    def create_engagement(self, engagement: EngagementCreate) -> Engagement:
        with self._write() as db:
            engagement_id = self._insert_engagement(db, engagement)
        return self.get_engagement(engagement_id)

    def _insert_engagement(self, db: sqlite3.Connection, engagement: EngagementCreate) -> str:
        if engagement.id and self._exists("engagements", "id", engagement.id):
            raise Conflict(f"engagement '{engagement.id}' already exists")
        for org_id in engagement.org_ids:
            self._require_org(org_id)
        for contact_id in engagement.contact_ids:
            if not self._exists("contacts", "id", contact_id):
                raise InvalidReference(f"contact '{contact_id}' does not exist")
        engagement_id = new_id(
            engagement.id,
            f"{engagement.date.isoformat()}-{engagement.title}",
            lambda slug: self._exists("engagements", "id", slug),
        )
        db.execute(
            "INSERT INTO engagements (id, kind, title, date, status, notes, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                engagement_id,
                engagement.kind.value,
                engagement.title,
                engagement.date.isoformat(),
                engagement.status.value,
                engagement.notes,
                to_text(utc_now()),
            ),
        )
        db.executemany(
            "INSERT OR IGNORE INTO engagement_orgs (engagement_id, org_id) VALUES (?, ?)",
            [(engagement_id, org_id) for org_id in engagement.org_ids],
        )
        db.executemany(
            "INSERT OR IGNORE INTO engagement_contacts (engagement_id, contact_id) VALUES (?, ?)",
            [(engagement_id, contact_id) for contact_id in engagement.contact_ids],
        )
        return engagement_id

    def get_engagement(self, engagement_id: str) -> Engagement:
        row = self._one("SELECT * FROM engagements WHERE id = ?", (engagement_id,))
        if row is None:
            raise NotFound(f"engagement '{engagement_id}' does not exist")
        return self._engagement(row)

    def _engagement(self, row: sqlite3.Row) -> Engagement:
        org_ids = self._all(
            "SELECT org_id FROM engagement_orgs WHERE engagement_id = ? ORDER BY org_id",
            (row["id"],),
        )
        contact_ids = self._all(
            "SELECT contact_id FROM engagement_contacts WHERE engagement_id = ? "
            "ORDER BY contact_id",
            (row["id"],),
        )
        return Engagement(
            id=row["id"],
            kind=row["kind"],
            title=row["title"],
            date=row["date"],
            status=row["status"],
            notes=row["notes"],
            created_at=from_text(row["created_at"]),
            org_ids=[r[0] for r in org_ids],
            contact_ids=[r[0] for r in contact_ids],
        )

    def list_engagements(
        self,
        *,
        org_id: str | None = None,
        kind: EngagementKind | None = None,
        status: EngagementStatus | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int,
        offset: int,
    ) -> Page[Engagement]:
        where, params = ["1 = 1"], []
        if org_id:
            where.append("id IN (SELECT engagement_id FROM engagement_orgs WHERE org_id = ?)")
            params.append(org_id)
        for column, value in (("kind", kind), ("status", status)):
            if value:
                where.append(f"{column} = ?")
                params.append(value.value)
        if since:
            where.append("date >= ?")
            params.append(since.isoformat())
        if until:
            where.append("date <= ?")
            params.append(until.isoformat())
        sql = f"SELECT * FROM engagements WHERE {' AND '.join(where)} ORDER BY date, id"
        total, rows = self._page(sql, params, limit, offset)
        items = [self._engagement(r) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    def delete_engagement(self, engagement_id: str) -> None:
        with self._write() as db:
            self.get_engagement(engagement_id)
            db.execute("DELETE FROM engagements WHERE id = ?", (engagement_id,))

    # -- bulk -------------------------------------------------------------------------------

    def import_bundle(
        self, bundle: NetworkBundle, *, progress: Progress | None = None
    ) -> ImportSummary:
        tick = progress or (lambda what, count: None)
        summary = ImportSummary()
        with collector_paused(), self._lock, self._write() as db:
            if bundle.sectors:
                db.executemany(
                    "INSERT INTO sectors (slug, label, description) VALUES (?, ?, ?) "
                    "ON CONFLICT (slug) DO UPDATE SET label = excluded.label, "
                    "description = excluded.description",
                    [(s.slug, s.label, s.description) for s in bundle.sectors],
                )
                summary.sectors = len(bundle.sectors)
                tick("sectors", summary.sectors)
            for profile in bundle.profiles:
                if self._exists("profiles", "name", profile.name):
                    continue
                for sector in profile.sectors:
                    self._require_sector(sector)
                self._insert_profile(db, profile)
                summary.profiles += 1
            tick("profiles", summary.profiles)
            new_nodes = []
            for org in bundle.organizations:
                org_id = self._insert_organization(db, org)
                new_nodes.append((org_id, organization_node(org.model_dump())))
                tick("organizations", 1)
            summary.organizations = len(bundle.organizations)
            for contact in bundle.contacts:
                self._insert_contact(db, contact)
                tick("contacts", 1)
            summary.contacts = len(bundle.contacts)
            new_edges = []
            for rel in bundle.relationships:
                rel_id = relationship_id(rel.org_a, rel.org_b)
                self._insert_relationship(db, rel_id, rel.org_a, rel.org_b)
                for step in rel.history:
                    self._insert_assessment(
                        db,
                        rel_id,
                        step.state,
                        step.reason,
                        step.assessed_by,
                        to_text(step.assessed_at),
                    )
                summary.assessments += len(rel.history)
                new_edges.append(
                    (
                        rel_id,
                        rel.org_a,
                        rel.org_b,
                        [(to_text(a.assessed_at), a.state.value) for a in rel.history],
                    )
                )
                tick("relationships", 1)
            summary.relationships = len(bundle.relationships)
            for engagement in bundle.engagements:
                self._insert_engagement(db, engagement)
                tick("engagements", 1)
            summary.engagements = len(bundle.engagements)
            summary.referral_events = self._insert_referrals(db, bundle.referrals)[1]
            summary.referrals = len(bundle.referrals)
            tick("referrals", summary.referrals)
        with self._lock:
            # Committed: the graph gains the batch, rather than being reloaded whole.
            self._graph.add_nodes_from(new_nodes)
            for rel_id, org_a, org_b, history in new_edges:
                add_relationship_edge(self._graph, rel_id, org_a, org_b, history)
        return summary

    # -- access -----------------------------------------------------------------------------

    def create_token(self, token: TokenCreate, *, token_hash: str) -> Principal:
        with self._write() as db:
            if token.org_id:
                self._require_org(token.org_id)
            token_id = new_id(None, token.name, lambda slug: self._exists("tokens", "id", slug))
            db.execute(
                "INSERT INTO tokens (id, name, role, org_id, token_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    token.name,
                    token.role.value,
                    token.org_id,
                    token_hash,
                    to_text(utc_now()),
                ),
            )
        return Principal(token_id=token_id, name=token.name, role=token.role, org_id=token.org_id)

    def principal_for_token(self, token_hash: str) -> Principal | None:
        row = self._one("SELECT * FROM tokens WHERE token_hash = ?", (token_hash,))
        if row is None:
            return None
        return Principal(
            token_id=row["id"],
            name=row["name"],
            role=row["role"],
            org_id=row["org_id"],
            created_at=from_text(row["created_at"]),
        )

    # -- analytics input --------------------------------------------------------------------

    def partner_graph(self, org_id: str | None = None, *, depth: int = 1) -> nx.Graph:
        with self._lock:
            if org_id is None:
                return self._graph.copy()
            self._require_in_graph([org_id])
            return _neighbourhood(self._graph, org_id, depth)

    def _require_in_graph(self, org_ids: Iterable[str]) -> None:
        """:class:`NotFound` naming the first of ``org_ids`` not in the graph (under the lock)."""
        for org_id in org_ids:
            if org_id not in self._graph:
                raise NotFound(f"organization '{org_id}' does not exist")

    def _load_graph(self) -> nx.Graph:
        graph = nx.Graph()
        for row in self._all("SELECT * FROM organizations"):
            graph.add_node(row["id"], **organization_node(row))
        histories: dict[str, list[tuple[str, str]]] = {}
        for row in self._all("SELECT rel_id, assessed_at, state FROM assessments ORDER BY seq"):
            histories.setdefault(row["rel_id"], []).append((row["assessed_at"], row["state"]))
        for row in self._all("SELECT id, org_a, org_b FROM relationships"):
            add_relationship_edge(
                graph, row["id"], row["org_a"], row["org_b"], histories[row["id"]]
            )
        return graph

    # -- partnership evidence ---------------------------------------------------------------

    def create_joint_case_plan(self, plan: JointCasePlanCreate) -> JointCasePlan:
        return self._create_evidence(plan, JointCasePlan)

    def list_joint_case_plans(self, *, org_id: str) -> list[JointCasePlan]:
        return self._evidence(JointCasePlan, org_id=org_id)

    def create_joint_program(self, program: JointProgramCreate) -> JointProgram:
        return self._create_evidence(program, JointProgram)

    def list_joint_programs(self, *, org_id: str) -> list[JointProgram]:
        return self._evidence(JointProgram, org_id=org_id)

    def create_agreement(self, agreement: AgreementCreate) -> Agreement:
        return self._create_evidence(agreement, Agreement)

    def list_agreements(self, *, org_id: str) -> list[Agreement]:
        return self._evidence(Agreement, org_id=org_id)

    def create_collaborative(self, collaborative: CollaborativeCreate) -> Collaborative:
        return self._create_evidence(collaborative, Collaborative)

    def list_collaboratives(self, *, org_id: str) -> list[Collaborative]:
        return self._evidence(Collaborative, org_id=org_id)

    def get_collaborative(self, collaborative_id: str) -> Collaborative:
        found = self._evidence(Collaborative, evidence_id=collaborative_id)
        if not found:
            raise NotFound(f"collaborative '{collaborative_id}' does not exist")
        return found[0]

    def _create_evidence(
        self, record: EvidenceCreate, model: type[EvidenceRecord]
    ) -> EvidenceRecord:
        """Write one evidence record and the organizations it binds, and read it back."""
        row = evidence_row(record)

        def taken(slug: str) -> bool:
            found = self._one("SELECT 1 FROM evidence WHERE kind = ? AND id = ?", (row.kind, slug))
            return found is not None

        with self._write() as db:
            if row.wanted_id and taken(row.wanted_id):
                raise Conflict(f"{evidence_noun(row.kind)} '{row.wanted_id}' already exists")
            for org_id in row.org_ids:
                self._require_org(org_id)
            evidence_id = new_id(row.wanted_id, row.id_source, taken)
            values = {
                "kind": row.kind.value,
                "id": evidence_id,
                "created_at": to_text(utc_now()),
                **row.columns,
            }
            db.execute(
                f"INSERT INTO evidence ({', '.join(values)}) "
                f"VALUES ({', '.join('?' for _ in values)})",
                tuple(values.values()),
            )
            db.executemany(
                "INSERT INTO evidence_orgs (kind, evidence_id, org_id) VALUES (?, ?, ?)",
                [(row.kind.value, evidence_id, org_id) for org_id in row.org_ids],
            )
        return self._evidence(model, evidence_id=evidence_id)[0]

    def _evidence(
        self,
        model: type[EvidenceRecord],
        *,
        org_id: str | None = None,
        evidence_id: str | None = None,
    ) -> list[EvidenceRecord]:
        """Evidence of one kind naming ``org_id`` (or with ``evidence_id``), oldest first."""
        rows = self._all(
            "SELECT e.*, (SELECT json_group_array(org_id) FROM evidence_orgs "
            "             WHERE kind = e.kind AND evidence_id = e.id) AS org_ids "
            "FROM evidence e WHERE e.kind = :kind AND (:id IS NULL OR e.id = :id) AND "
            "(:org IS NULL OR e.id IN (SELECT evidence_id FROM evidence_orgs "
            "                          WHERE kind = :kind AND org_id = :org)) "
            "ORDER BY e.start_date, e.id",
            {"kind": EVIDENCE_KINDS[model].value, "id": evidence_id, "org": org_id},
        )
        return [
            evidence_record(model, dict(row), sorted(json.loads(row["org_ids"]))) for row in rows
        ]

    # -- missing partners ----

    def introduction_graph(self, org_ids: Collection[str], *, sectors: Collection[str]) -> nx.Graph:
        wanted = set(sectors)
        with self._lock:
            # The graph's own dicts, read and written directly: this runs on every
            # missing-partners question, and a partner that is a hub brings thousands of edges.
            # Nodes and edges are handed out as read-only views of the store's own: no copies.
            adjacency, nodes, view = self._graph._adj, self._graph._node, MappingProxyType
            self._require_in_graph(org_ids)
            found: dict[str, dict[str, Any]] = {org_id: {} for org_id in org_ids}
            partners = (
                {other for org_id in org_ids for other in adjacency[org_id]} if wanted else ()
            )
            for org_id in org_ids:
                for other, edge in adjacency[org_id].items():
                    found.setdefault(other, {})[org_id] = found[org_id][other] = view(edge)
            for partner in partners:
                ours = found[partner]
                for other, edge in adjacency[partner].items():
                    if other not in ours and nodes[other]["sector"] in wanted:
                        found.setdefault(other, {})[partner] = ours[other] = view(edge)
            graph = nx.Graph()
            graph._node.update((org_id, view(nodes[org_id])) for org_id in found)
            graph._adj.update(found)
            return graph

    @contextmanager
    def candidate_graph(
        self,
        org_ids: Collection[str],
        *,
        sectors: Collection[str],
        regions: Collection[str],
        active: Collection[str],
        limit: int,
    ) -> Iterator[nx.Graph]:
        with self._lent_graph(org_ids) as graph:  # the whole network, no copy of a hub's partners
            yield graph

    # -- maps -------------------------------------------------------------------------------

    def region_graph(self, region: str) -> nx.Graph:
        with self._lock:
            rows = self._all("SELECT id FROM organizations WHERE region = ?", (region,))
            return self._graph.subgraph(row["id"] for row in rows).copy()

    # -- warm routes ------------------------------------------------------------------------

    @contextmanager
    def route_graph(self, from_org: str, to_org: str, *, max_hops: int) -> Iterator[nx.Graph]:
        with self._lent_graph([from_org, to_org]) as graph:  # a search reads only what it passes
            yield graph

    @contextmanager
    def _lent_graph(self, org_ids: Iterable[str]) -> Iterator[nx.Graph]:
        """The live graph as a read-only view, under the lock while the block runs;
        :class:`NotFound` names the first of ``org_ids`` not in it."""
        with self._lock:
            self._require_in_graph(org_ids)
            yield self._graph.copy(as_view=True)

    # -- referrals --------------------------------------------------------------------------

    _PAIR_UPSERT = f"{_PAIR_INSERT} VALUES (?, ?, ?, ?{', ?' * len(PAIR_COLUMNS)}) {_PAIR_ADD}"
    # Row by row rather than summed per pair first: pairs rarely repeat within a batch, and
    # SQLite groups rows slower than it adds them. NOT INDEXED: the new rows by rowid; in
    # pair order, so that the pairs' pages are visited in turn.
    _PAIRS_OF_NEW_REFERRALS = (
        f"{_PAIR_INSERT} SELECT from_org, to_org, sent_at, sent_at, {', '.join(_PAIR_COUNTED)} "
        f"FROM referrals NOT INDEXED WHERE rowid > ? ORDER BY from_org, to_org {_PAIR_ADD}"
    )

    def create_referral(self, referral: ReferralCreate, *, recorded_by: str) -> Referral:
        record = ReferralImport(**referral.model_dump(), recorded_by=recorded_by)
        with self._write() as db:
            ids, _ = self._insert_referrals(db, [record])
        return self.get_referral(ids[0])

    def _insert_referrals(
        self, db: sqlite3.Connection, referrals: list[ReferralImport]
    ) -> tuple[list[str], int]:
        """Insert validated referrals with their events and counters; the ids and the number
        of events written."""
        if not referrals:
            return [], 0
        ids = [referral.id or new_referral_id() for referral in referrals]
        now = to_text(utc_now())

        templates: dict[tuple[tuple[str, ...], str], str] = {}

        def events_json(statuses: tuple[str, ...], ats: list[str], recorded_by: str) -> str:
            """``json.dumps`` of ``[status, at, recorded_by, now]`` lists, written directly:
            statuses and timestamps hold no character JSON escapes. All but the times is the
            same for every referral with these statuses and recorder, so made once."""
            template = templates.get((statuses, recorded_by))
            if template is None:
                by = json.dumps(recorded_by).replace("{", "{{").replace("}", "}}")
                template = templates[statuses, recorded_by] = (
                    "["
                    + ", ".join(f'["{status}", "{{}}", {by}, "{now}"]' for status in statuses)
                    + "]"
                )
            return template.format(*ats)

        # A new row's rowid is one past the largest: the referrals written here follow `last`.
        [last] = db.execute("SELECT coalesce(max(rowid), 0) FROM referrals").fetchone()
        db.execute("SAVEPOINT referrals")
        try:
            db.executemany(
                f"INSERT INTO referrals ({', '.join(REFERRAL_COLUMNS)}, events) "
                f"VALUES ({', '.join('?' * (len(REFERRAL_COLUMNS) + 1))})",
                referral_rows(ids, referrals, recorded_at=now, events_as=events_json),
            )
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK TO referrals")
            self._refuse_unknown_names(referrals, ids)
            raise
        db.execute("RELEASE referrals")
        db.execute(self._PAIRS_OF_NEW_REFERRALS, (last,))
        return ids, sum(len(referral.events) for referral in referrals)

    def _refuse_unknown_names(self, referrals: list[ReferralImport], ids: list[str]) -> None:
        """Say why the schema's keys refused ``referrals``: the first organization that does
        not exist, else the first id that is taken or repeats. Asked only once refused, as the
        keys check every row anyway."""
        known = self._present(
            "organizations", "id", {r.from_org for r in referrals} | {r.to_org for r in referrals}
        )
        for referral in referrals:
            for org_id in (referral.from_org, referral.to_org):
                if org_id not in known:
                    raise InvalidReference(f"organization '{org_id}' does not exist")
        refuse_repeated_referral_ids(ids, self._present("referrals", "id", ids))

    def _bump_pairs(
        self, db: sqlite3.Connection, totals: dict[tuple[str, str], PairTotals]
    ) -> None:
        db.executemany(
            self._PAIR_UPSERT,
            [
                (from_org, to_org, t.first_sent_at, t.last_sent_at, *t.counts)
                for (from_org, to_org), t in totals.items()
            ],
        )

    def _present(self, table: str, column: str, values: Iterable[str]) -> set[str]:
        """Which of ``values`` are in ``table.column``, asked in one query, in order: the
        index is read in one sweep."""
        rows = self._tuples(
            f"SELECT {column} FROM {table} "
            f"WHERE {column} IN (SELECT value FROM json_each(:values))",
            {"values": json.dumps(sorted(values))},
        )
        return {row[0] for row in rows}

    def _refuse_if_referred(self, org_id: str) -> None:
        if self._one(
            "SELECT 1 FROM referral_pairs WHERE from_org = ? OR to_org = ? LIMIT 1",
            (org_id, org_id),
        ):
            raise Conflict(
                f"organization '{org_id}' has referrals, which keep case history; "
                "it cannot be deleted"
            )

    def add_referral_event(
        self, referral_id: str, event: ReferralEventCreate, *, recorded_by: str
    ) -> Referral:
        with self._write() as db:
            row = self._referral_row(referral_id)
            before, after = moved(referral_id, row, event)
            events = json.loads(row["events"])
            events.append((event.status.value, to_text(event.at), recorded_by, to_text(utc_now())))
            db.execute(
                "UPDATE referrals SET status = :status, status_at = :status_at, stage = :stage, "
                "loop_closed_at = :loop_closed_at, feedback_days = :feedback_days, "
                "events = :events WHERE id = :id",
                {
                    **state_fields(from_text(row["sent_at"]), after),
                    "events": json.dumps(events),
                    "id": referral_id,
                },
            )
            deltas = pair_deltas(before, after, screening=bool(row["screening"]))
            pair = PairTotals(row["sent_at"], row["sent_at"], deltas)
            self._bump_pairs(db, {(row["from_org"], row["to_org"]): pair})
        return self.get_referral(referral_id)

    def _referral_row(self, referral_id: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM referrals WHERE id = ?", (referral_id,))
        if row is None:
            raise NotFound(f"referral '{referral_id}' does not exist")
        return row

    def get_referral(self, referral_id: str) -> Referral:
        return _referral(self._referral_row(referral_id))

    @staticmethod
    def _of_org(columns: str) -> str:
        """The ``columns`` of the referrals the organization ``:org`` sent or received, each
        found through an index: those it received through the pairs that point at it."""
        received = ", ".join(f"r.{column.strip()}" for column in columns.split(","))
        return (
            f"(SELECT {columns} FROM referrals WHERE from_org = :org UNION ALL "
            f"SELECT {received} FROM referral_pairs p JOIN referrals r "
            f"ON r.from_org = p.from_org AND r.to_org = p.to_org WHERE p.to_org = :org)"
        )

    def list_referrals(
        self,
        *,
        visible_to: str | None,
        case_ref: str | None = None,
        org_id: str | None = None,
        status: ReferralStatus | None = None,
        limit: int,
        offset: int,
    ) -> Page[Referral]:
        params: dict[str, Any] = {"visible_to": visible_to, "org_id": org_id}
        source = "referrals"
        if case_ref is None and (visible_to or org_id):
            source, params["org"] = self._of_org("*"), visible_to or org_id
        where = ["sensitive = 0" if visible_to is None else ":visible_to IN (from_org, to_org)"]
        if org_id is not None:
            where.append(":org_id IN (from_org, to_org)")
        if case_ref is not None:
            where.append("case_ref = :case_ref")
            params["case_ref"] = case_ref
        if status is not None:
            where.append("status = :status")
            params["status"] = status.value
        sql = f"SELECT * FROM {source} WHERE {' AND '.join(where)} ORDER BY sent_at, id"
        total_row = self._one(f"SELECT count(*) FROM ({sql})", params)
        rows = self._all(
            f"{sql} LIMIT :limit OFFSET :offset", {**params, "limit": limit, "offset": offset}
        )
        return Page(
            items=[_referral(row) for row in rows],
            total=total_row[0] if total_row else 0,
            limit=limit,
            offset=offset,
        )

    def referral_flow(
        self, org_id: str, *, as_of: datetime | None = None
    ) -> dict[str, ReferralFlow]:
        self.get_organization(org_id)
        params = {"org": org_id, "as_of": to_text(as_of) if as_of else None}
        if as_of is None:
            sql = (
                "SELECT {partner}, sent, loop_closed, first_sent_at "
                "FROM referral_pairs WHERE {end} = :org"
            )
            sent = self._tuples(sql.format(partner="to_org", end="from_org"), params)
            received = self._tuples(sql.format(partner="from_org", end="to_org"), params)
        else:
            sql = (
                "SELECT {partner}, count(*), sum(coalesce(loop_closed_at <= :as_of, 0)), "
                "min(sent_at) FROM {source} "
                "WHERE {end} = :org AND sent_at <= :as_of GROUP BY {partner}"
            )
            sent = self._tuples(
                sql.format(partner="to_org", end="from_org", source="referrals"), params
            )
            received = self._tuples(
                sql.format(
                    partner="from_org",
                    end="to_org",
                    source=self._of_org("from_org, to_org, sent_at, loop_closed_at"),
                ),
                params,
            )
        return combine_flows(sent, received)

    def feedback_loops(
        self, *, org_id: str | None = None, overdue_before: datetime, worst: int
    ) -> FeedbackLoops:
        params: dict[str, Any] = {"org": org_id, "before": to_text(overdue_before)}
        with self._lock:
            if org_id is not None:
                self.get_organization(org_id)
                # The organization's open loops not yet overdue, through the pairs' index.
                open_since = self._open_since(
                    "(SELECT r.from_org, r.to_org, r.feedback_days, r.sent_at FROM "
                    "(SELECT from_org, to_org FROM referral_pairs "
                    "WHERE from_org = :org OR to_org = :org) p "
                    "JOIN referrals r ON r.from_org = p.from_org AND r.to_org = p.to_org)",
                    params,
                )
                pairs = self._pair_rows("WHERE from_org = :org OR to_org = :org", params)
                return FeedbackLoops.of_pairs(assemble_pair_loops(pairs, open_since))
            return self._network_loops(params, worst)

    def _network_loops(self, params: dict[str, Any], worst: int) -> FeedbackLoops:
        """The loops of the whole network, summed up by SQL from the pairs' counters and the
        index of open loops; of the pairs only the ``worst`` most overdue and those that might
        tie with them are read."""
        open_since = self._open_since("referrals INDEXED BY referrals_open_by_sent", params)
        pending_from: Counter[str] = Counter()
        pending_to: Counter[str] = Counter()
        for (from_org, to_org), count in open_since.items():
            pending_from[from_org] += count
            pending_to[to_org] += count
        sent, closed = PAIR_COLUMNS.index("sent"), PAIR_COLUMNS.index("loop_closed")
        senders: dict[str, LoopCounts] = {}
        total_pairs, totals = 0, [0] * len(PAIR_COLUMNS)
        for org, pairs_sent, *counts in self._tuples(
            f"SELECT from_org, count(*), {', '.join(f'sum({c})' for c in PAIR_COLUMNS)} "
            f"FROM referral_pairs GROUP BY from_org",
            params,
        ):
            open_loops = counts[sent] - counts[closed]
            senders[org] = LoopCounts(counts[sent], counts[closed], open_loops - pending_from[org])
            total_pairs += pairs_sent
            totals = [total + count for total, count in zip(totals, counts, strict=True)]
        receivers = {
            org: LoopCounts(sent_loops, closed_loops, sent_loops - closed_loops - pending_to[org])
            for org, sent_loops, closed_loops in self._tuples(
                "SELECT to_org, sum(sent), sum(loop_closed) FROM referral_pairs GROUP BY to_org",
                params,
            )
        }
        # A pair's overdue loops are at most its open ones: once the ``worst`` pairs with the
        # most open loops are known, no pair with fewer open loops than the least overdue of
        # them can rank before any of them.
        most_open = assemble_pair_loops(
            self._pair_rows("ORDER BY sent - loop_closed DESC LIMIT :worst", {"worst": worst}),
            open_since,
        )
        pairs = most_open
        if len(most_open) == worst:
            floor = min(pair.overdue for pair in most_open)
            rows = self._pair_rows("WHERE sent - loop_closed >= :floor", {"floor": floor})
            pairs = assemble_pair_loops(rows, open_since)
        return FeedbackLoops(
            pairs=pairs,
            total_pairs=total_pairs,
            senders=senders,
            receivers=receivers,
            reached=totals[: len(PAIR_COUNTERS)],
            reached_after_screening=totals[len(PAIR_COUNTERS) :],
            overdue=totals[sent] - totals[closed] - sum(open_since.values()),
        )

    def _open_since(self, source: str, params: dict[str, Any]) -> dict[tuple[str, str], int]:
        """Per pair, the open loops of ``source`` sent at or after the overdue cut-off."""
        rows = self._tuples(
            f"SELECT from_org, to_org, count(*) FROM {source} "
            f"WHERE feedback_days IS NULL AND sent_at >= :before GROUP BY from_org, to_org",
            params,
        )
        return {(from_org, to_org): count for from_org, to_org, count in rows}

    def _pair_rows(self, clause: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return self._tuples(
            f"SELECT from_org, to_org, {', '.join(PAIR_COLUMNS)} FROM referral_pairs {clause}",
            params,
        )

    def days_to_feedback(
        self, scopes: list[LoopScope], *, late_after_days: int
    ) -> list[DaysToFeedback]:
        read: dict[LoopScope, list[float]] = {}

        def closed_days(scope: LoopScope) -> list[float]:
            """The days of a pair, sender or receiver, read once per call."""
            if scope not in read:
                sql = CLOSED_DAYS[scope_kind(scope)]
                read[scope] = [row[0] for row in self._tuples(sql, scope._asdict())]
            return read[scope]

        answers = []
        with self._lock:
            for scope in scopes:
                kind = scope_kind(scope)
                if kind == "all":
                    answers.append(self._network_days_to_feedback(late_after_days))
                    continue
                if kind == "party":
                    days = [
                        *closed_days(LoopScope(from_org=scope.party)),
                        *closed_days(LoopScope(to_org=scope.party)),
                    ]
                else:
                    days = closed_days(scope)
                answers.append(DaysToFeedback.of(sorted(days), late_after_days=late_after_days))
        return answers

    def _network_days_to_feedback(self, late_after_days: int) -> DaysToFeedback:
        """Every closed loop, through their index in order of days: the count, the late ones
        and the middle one or two, without reading the rest."""
        where = "FROM referrals WHERE feedback_days IS NOT NULL"
        [(closed, late)] = self._tuples(
            f"SELECT count(*), count(feedback_days > :late OR NULL) {where}",
            {"late": late_after_days},
        )
        if not closed:
            return NO_DAYS
        middle = self._tuples(
            f"SELECT feedback_days {where} ORDER BY feedback_days LIMIT :take OFFSET :skip",
            {"take": 2 - closed % 2, "skip": (closed - 1) // 2},
        )
        return DaysToFeedback(median_days([row[0] for row in middle]), late)

    def record_audit(self, entries: list[AuditEntryCreate]) -> None:
        at = to_text(utc_now())
        with self._write() as db:
            db.executemany(
                "INSERT INTO audit_log (at, actor, token_id, role, org_id, action, case_ref, "
                "referral_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        at,
                        e.actor,
                        e.token_id,
                        e.role.value,
                        e.org_id,
                        e.action.value,
                        e.case_ref,
                        e.referral_id,
                    )
                    for e in entries
                ],
            )

    def list_audit(
        self,
        *,
        case_ref: str | None = None,
        org_id: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int,
        offset: int,
    ) -> Page[AuditEntry]:
        where, params = ["1 = 1"], []
        for condition, value in (
            ("case_ref = ?", case_ref),
            ("org_id = ?", org_id),
            ("action = ?", action.value if action else None),
            ("at >= ?", to_text(since) if since else None),
            ("at <= ?", to_text(until) if until else None),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        sql = f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC"
        total, rows = self._page(sql, params, limit, offset)
        items = [
            AuditEntry(
                seq=row["seq"],
                at=from_text(row["at"]),
                actor=row["actor"],
                token_id=row["token_id"],
                role=row["role"],
                org_id=row["org_id"],
                action=row["action"],
                case_ref=row["case_ref"],
                referral_id=row["referral_id"],
            )
            for row in rows
        ]
        return Page(items=items, total=total, limit=limit, offset=offset)

    # -- referrals as partnership signals ----

    def referral_facts(
        self, org_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ReferralFact]:
        self.get_organization(org_id)
        params = {
            "org": org_id,
            "since": to_text(since) if since else None,
            "until": to_text(until) if until else None,
        }
        # Only the pairs with referrals in the window (the pairs first: CROSS JOIN keeps that
        # order), and of theirs only those sent in it, read from the index before any row.
        window = [
            *(["p.last_sent_at > :since", "r.sent_at > :since"] if since else []),
            *(["p.first_sent_at <= :until", "r.sent_at <= :until"] if until else []),
        ]
        sql = (
            "SELECT r.from_org, r.to_org, r.sent_at, r.case_ref, r.loop_closed_at "
            "FROM referral_pairs p CROSS JOIN referrals r "
            "ON r.from_org = p.from_org AND r.to_org = p.to_org WHERE "
        )
        sent = " AND ".join(["p.from_org = :org", *window])
        received = " AND ".join(["p.to_org = :org", "p.from_org <> :org", *window])
        rows = self._tuples(f"{sql}{sent} UNION ALL {sql}{received}", params)
        return referral_facts_of(rows)

    def referral_tallies(self, org_id: str, *, until: datetime) -> dict[str, ReferralTally]:
        self.get_organization(org_id)
        sql = (
            "SELECT {partner}, sent, first_sent_at, last_sent_at FROM referral_pairs "
            "WHERE {end} = :org AND {partner} <> :org AND last_sent_at <= :until "
            "UNION ALL "
            "SELECT r.{partner}, count(*), min(r.sent_at), max(r.sent_at) "
            "FROM referral_pairs p CROSS JOIN referrals r "
            "ON r.from_org = p.from_org AND r.to_org = p.to_org "
            "WHERE p.{end} = :org AND p.{partner} <> :org AND p.first_sent_at <= :until "
            "AND p.last_sent_at > :until AND r.sent_at <= :until GROUP BY r.{partner}"
        )
        params = {"org": org_id, "until": to_text(until)}
        return referral_tallies_of(
            self._tuples(sql.format(partner="to_org", end="from_org"), params),
            self._tuples(sql.format(partner="from_org", end="to_org"), params),
        )

    # -- copying between stores ----

    def count_records(self, kind: RecordKind) -> int:
        row = self._one(f"SELECT count(*) FROM {kind.value}")
        return row[0] if row else 0

    def export_records(self, kind: RecordKind, *, batch_size: int) -> Iterator[list[Row]]:
        key = ", ".join(record_key(kind))
        links = "".join(
            f", (SELECT json_group_array({link.member}) FROM {link.table} "
            f"WHERE {link.owned_by('t.')}) AS {link.field}"
            for link in _LINKS.get(kind, ())
        )
        select = f"SELECT t.*{links} FROM {kind.value} t"
        after: tuple[Any, ...] = ()
        while True:
            where = f"WHERE ({key}) > ({', '.join('?' * len(after))})" if after else ""
            rows = self._all(f"{select} {where} ORDER BY {key} LIMIT ?", (*after, batch_size))
            if not rows:
                return
            yield [_exported(kind, row) for row in rows]
            after = tuple(rows[-1][column] for column in record_key(kind))

    def import_records(self, kind: RecordKind, rows: list[Row]) -> None:
        links = _LINKS.get(kind, ())
        columns = [field for field in RECORD_FIELDS[kind] if field not in _LINK_FIELDS]
        updates = ", ".join(f"{column} = excluded.{column}" for column in columns)
        upsert = (
            f"INSERT INTO {kind.value} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + column for column in columns)}) "
            f"ON CONFLICT ({', '.join(record_key(kind))}) DO UPDATE SET {updates}"
        )
        with self._lock:
            with self._write() as db:
                check_references(
                    kind, rows, lambda named, keys: self._present(named, record_key(named)[0], keys)
                )
                db.executemany(upsert, [_imported(row) for row in rows])
                for link in links:
                    db.executemany(f"DELETE FROM {link.table} WHERE {link.owned_by(':')}", rows)
                    db.executemany(
                        f"INSERT INTO {link.table} ({', '.join(link.columns)}, {link.member}) "
                        f"VALUES ({', '.join(':' + field for field in link.key)}, :member)",
                        [{**row, "member": m} for row in rows for m in row[link.field]],
                    )
            if kind is RecordKind.ORGANIZATIONS:
                self._graph.add_nodes_from((row["id"], organization_node(row)) for row in rows)
            elif kind in (RecordKind.RELATIONSHIPS, RecordKind.ASSESSMENTS):
                for rel_id in sorted({row["rel_id" if "rel_id" in row else "id"] for row in rows}):
                    if self._exists("assessments", "rel_id", rel_id):
                        self._refresh_edge(rel_id)


def _neighbourhood(graph: nx.Graph, org_id: str, depth: int) -> nx.Graph:
    """A copy of ``nx.ego_graph(graph, org_id, radius=depth)``, built straight from the
    adjacency: a few times faster than copying a subgraph view around a hub."""
    nodes = nx.single_source_shortest_path_length(graph, org_id, cutoff=depth)
    found = nx.Graph()
    found.add_nodes_from((node, graph.nodes[node]) for node in nodes)
    found.add_edges_from(
        (node, other, data)
        for node in nodes
        for other, data in graph.adj[node].items()
        if other in nodes
    )
    return found


def _organization(row: sqlite3.Row) -> Organization:
    return Organization(
        id=row["id"],
        name=row["name"],
        sector=row["sector"],
        region=row["region"],
        internal=bool(row["internal"]),
        notes=row["notes"],
        created_at=from_text(row["created_at"]),
    )


def _contact(row: sqlite3.Row) -> Contact:
    return Contact(
        id=row["id"],
        org_id=row["org_id"],
        name=row["name"],
        role=row["role"],
        email=row["email"],
        created_at=from_text(row["created_at"]),
    )


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(
        name=row["name"],
        label=row["label"],
        source=row["source"],
        sectors=json.loads(row["sectors"]),
    )


def _relationship(row: sqlite3.Row) -> Relationship:
    state = RelationshipState(row["state"])
    return Relationship(
        id=row["id"],
        org_a=row["org_a"],
        org_b=row["org_b"],
        state=state,
        action=state.action,
        reason=row["reason"],
        assessed_by=row["assessed_by"],
        assessed_at=from_text(row["assessed_at"]),
        assessments=row["assessments"],
    )


def _assessment(row: sqlite3.Row) -> Assessment:
    state = RelationshipState(row["state"])
    return Assessment(
        state=state,
        action=state.action,
        reason=row["reason"],
        assessed_by=row["assessed_by"],
        assessed_at=from_text(row["assessed_at"]),
        recorded_at=from_text(row["recorded_at"]),
    )


# -- referrals ----


def _referral(row: sqlite3.Row) -> Referral:
    events = [
        ReferralEvent(status=status, at=from_text(at), recorded_by=recorded_by)
        for status, at, recorded_by, _ in json.loads(row["events"])
    ]
    return referral_of(row, events)


# -- copying between stores ----


@dataclass(frozen=True)
class _Link:
    """A list ``field`` of a record kept as rows of a link ``table``, whose ``columns`` hold the
    owner's ``key`` fields and whose ``member`` column holds each item."""

    field: str
    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    member: str

    def owned_by(self, owner: str) -> str:
        """The condition that a link row belongs to ``owner``: ``t.`` (the owner's table,
        aliased ``t``) or ``:`` (the owner's named parameters)."""
        pairs = zip(self.columns, self.key, strict=True)
        return " AND ".join(f"{column} = {owner}{field}" for column, field in pairs)


_LINKS: dict[RecordKind, tuple[_Link, ...]] = {
    RecordKind.ENGAGEMENTS: (
        _Link("org_ids", "engagement_orgs", ("engagement_id",), ("id",), "org_id"),
        _Link("contact_ids", "engagement_contacts", ("engagement_id",), ("id",), "contact_id"),
    ),
    RecordKind.EVIDENCE: (
        _Link("org_ids", "evidence_orgs", ("kind", "evidence_id"), ("kind", "id"), "org_id"),
    ),
}
_LINK_FIELDS = {link.field for links in _LINKS.values() for link in links}
_BOOLEANS = {"internal", "sensitive", "screening", "consent"}
_JSON = {"sectors", "events"}


def _exported(kind: RecordKind, row: sqlite3.Row) -> Row:
    """A stored row as the plain row of :data:`RECORD_FIELDS`."""
    found = dict(row)
    exported: Row = {}
    for field in RECORD_FIELDS[kind]:
        value = found[field]
        if field in _BOOLEANS:
            value = bool(value)
        elif field in _LINK_FIELDS:
            value = sorted(json.loads(value))
        elif field in _JSON:
            value = json.loads(value)
        exported[field] = value
    return exported


def _imported(row: Row) -> Row:
    """A plain row as stored: lists as JSON text."""
    return {
        field: json.dumps(value) if field in _JSON else value
        for field, value in row.items()
        if field not in _LINK_FIELDS
    }
