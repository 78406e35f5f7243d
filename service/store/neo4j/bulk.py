"""Bulk writes in Neo4j: :meth:`BulkMixin.import_bundle`, and the :class:`_Writer` every
section writes new records through, checked the way the embedded store checks them and
MERGEd in UNWIND batches (with :class:`_Keys`, which keys exist, and :class:`_Step`, one
assessment), noting what the live graph shows in the change log; and :func:`_bump_pairs`, the
per-pair referral counters it and referral events raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from neo4j import ManagedTransaction

from graph_models import (
    AssessmentImport,
    ContactCreate,
    EngagementCreate,
    NetworkBundle,
    OrganizationCreate,
    ProfileCreate,
    ReferralImport,
    RelationshipState,
    Sector,
    TokenCreate,
    relationship_id,
)
from service.errors import Conflict, InvalidReference, NotFound
from service.store.neo4j import cypher
from service.store.neo4j.connection import (
    Neo4jConnection,
    Row,
    _chunks,
    _note_graph_changes,
    _now,
    _run,
)
from service.store.neo4j.cypher import Label
from service.store.protocol import ImportSummary, Progress
from service.store.shared.evidence import EvidenceRow, evidence_noun, evidence_row
from service.store.shared.live_graph import ORGANIZATION, RELATIONSHIP
from service.store.shared.referrals import (
    REFERRAL_COLUMNS,
    PairTotals,
    new_referral_id,
    pair_totals,
    referral_rows,
    refuse_repeated_referral_ids,
)
from service.store.shared.values import new_id, optional_text, to_text


class BulkMixin(Neo4jConnection):
    """Bundle imports: a whole network in one transaction."""

    def import_bundle(
        self, bundle: NetworkBundle, *, progress: Progress | None = None
    ) -> ImportSummary:
        def work(tx: ManagedTransaction) -> tuple[int, int]:
            writer = _Writer(tx, progress)
            writer.sectors(bundle.sectors)
            profiles = writer.profiles(bundle.profiles)
            writer.organizations(bundle.organizations)
            writer.contacts(bundle.contacts)
            writer.relationships(
                [
                    (rel.org_a, rel.org_b, [_Step.of(step) for step in rel.history])
                    for rel in bundle.relationships
                ]
            )
            writer.replace_organizations(bundle.updated_organizations)
            writer.add_assessments(
                [
                    (rel.org_a, rel.org_b, [_Step.of(step) for step in rel.history])
                    for rel in bundle.added_assessments
                ]
            )
            writer.engagements(bundle.engagements)
            writer.replace_contacts(bundle.updated_contacts)
            writer.replace_engagements(bundle.updated_engagements)
            for record in bundle.evidence:
                writer.evidence(evidence_row(record))
            referral_events = writer.referrals(bundle.referrals)[1]
            writer.note_graph_changes()
            return profiles, referral_events

        profiles, referral_events = self._write(work)
        return ImportSummary(
            sectors=len(bundle.sectors),
            profiles=profiles,
            organizations=len(bundle.organizations),
            organizations_updated=len(bundle.updated_organizations),
            contacts=len(bundle.contacts),
            contacts_updated=len(bundle.updated_contacts),
            relationships=len(bundle.relationships),
            assessments=sum(
                len(rel.history) for rel in (*bundle.relationships, *bundle.added_assessments)
            ),
            engagements=len(bundle.engagements),
            engagements_updated=len(bundle.updated_engagements),
            evidence=len(bundle.evidence),
            referrals=len(bundle.referrals),
            referral_events=referral_events,
        )


class _Step(NamedTuple):
    """One assessment to record."""

    state: RelationshipState
    reason: str
    assessed_by: str
    assessed_at: datetime

    @classmethod
    def of(cls, step: AssessmentImport) -> _Step:
        return cls(step.state, step.reason, step.assessed_by, step.assessed_at)


class _Keys:
    """Which keys of one label exist: asked of the store at most once each, in batches, and
    kept up to date with what the transaction writes."""

    def __init__(self, tx: ManagedTransaction, label: Label) -> None:
        self._tx = tx
        self._query = cypher.EXISTING_KEYS[label]
        self._asked: set[str] = set()
        self._present: set[str] = set()

    def prefetch(self, keys: Iterable[str]) -> None:
        """Ask the store about many keys at once."""
        new = list(set(keys) - self._asked)
        for chunk in _chunks(new):
            self._present.update(self._tx.run(self._query, keys=chunk).value())
        self._asked.update(new)

    def __contains__(self, key: str) -> bool:
        self.prefetch([key])
        return key in self._present

    def add(self, key: str) -> None:
        """Note a key written by this transaction."""
        self._asked.add(key)
        self._present.add(key)


class _Writer:
    """Writes records inside one transaction, checked the way the embedded store checks them.

    Each method checks its whole batch in order, raising the embedded store's error for the
    first bad record before anything of the batch is written, then writes it in UNWIND chunks.
    Records written earlier in the transaction count as existing. The organizations and
    relationships written are noted in the change log by :meth:`note_graph_changes`, called
    last.
    """

    def __init__(self, tx: ManagedTransaction, progress: Progress | None = None) -> None:
        self._tx = tx
        self._progress = progress
        self.known = {label: _Keys(tx, label) for label in cypher.EXISTING_KEYS}
        self._changed: dict[tuple[str, str], None] = {}

    def note_graph_changes(self) -> None:
        """Note the organizations and relationships written so far in the change log."""
        _note_graph_changes(self._tx, list(self._changed))
        self._changed.clear()

    def require_org(self, org_id: str) -> None:
        if org_id not in self.known[Label.ORGANIZATION]:
            raise InvalidReference(f"organization '{org_id}' does not exist")

    def require_sector(self, sector: str) -> None:
        if sector not in self.known[Label.SECTOR]:
            raise InvalidReference(
                f"sector '{sector}' is not known; GET /api/v1/sectors lists the known sectors"
            )

    def sectors(self, sectors: Sequence[Sector]) -> None:
        """Insert or update sectors."""
        self._write("sectors", [sector.model_dump() for sector in sectors], cypher.UPSERT_SECTORS)
        for sector in sectors:
            self.known[Label.SECTOR].add(sector.slug)

    def profiles(self, profiles: Sequence[ProfileCreate]) -> int:
        """Write the profiles whose name is not taken yet; returns how many it wrote."""
        self.known[Label.PROFILE].prefetch(profile.name for profile in profiles)
        self.known[Label.SECTOR].prefetch(slug for profile in profiles for slug in profile.sectors)
        rows: list[Row] = []
        for profile in profiles:
            if profile.name in self.known[Label.PROFILE]:
                continue
            for sector in profile.sectors:
                self.require_sector(sector)
            self.known[Label.PROFILE].add(profile.name)
            rows.append(profile.model_dump(mode="json"))
        self._write("profiles", rows, cypher.MERGE_PROFILES)
        return len(rows)

    def organizations(self, orgs: Sequence[OrganizationCreate]) -> list[str]:
        """Write organizations; returns their ids."""
        self.known[Label.ORGANIZATION].prefetch(org.id for org in orgs if org.id)
        self.known[Label.SECTOR].prefetch(org.sector for org in orgs)
        rows: list[Row] = []
        for org in orgs:
            org_id = self._claim(Label.ORGANIZATION, "organization", org.id, org.name)
            self.require_sector(org.sector)
            rows.append({**org.model_dump(mode="json"), "id": org_id, "created_at": _now()})
        self._write("organizations", rows, cypher.MERGE_ORGANIZATIONS)
        self._changed.update(((ORGANIZATION, row["id"]), None) for row in rows)
        return [row["id"] for row in rows]

    def contacts(self, contacts: Sequence[ContactCreate]) -> list[str]:
        """Write contacts, each working at its organization; returns their ids."""
        self.known[Label.CONTACT].prefetch(contact.id for contact in contacts if contact.id)
        self.known[Label.ORGANIZATION].prefetch(contact.org_id for contact in contacts)
        rows: list[Row] = []
        for contact in contacts:
            slug_source = f"{contact.org_id}-{contact.role}"
            contact_id = self._claim(Label.CONTACT, "contact", contact.id, slug_source)
            self.require_org(contact.org_id)
            properties = contact.model_dump(mode="json", exclude={"id", "org_id"})
            rows.append(
                {
                    "id": contact_id,
                    "org_id": contact.org_id,
                    "properties": {**properties, "created_at": _now()},
                }
            )
        self._write("contacts", rows, cypher.MERGE_CONTACTS)
        return [row["id"] for row in rows]

    def relationships(self, rels: Sequence[tuple[str, str, Sequence[_Step]]]) -> None:
        """Write relationships between two organizations (given as ``(org_a, org_b, history)``),
        each with its history in recording order."""
        self.known[Label.RELATIONSHIP].prefetch(relationship_id(a, b) for a, b, _ in rels)
        self.known[Label.ORGANIZATION].prefetch(org for a, b, _ in rels for org in (a, b))
        rows: list[Row] = []
        steps: list[tuple[str, _Step]] = []
        for org_a, org_b, history in rels:
            rel_id = relationship_id(org_a, org_b)
            self.require_org(org_a)
            self.require_org(org_b)
            if rel_id in self.known[Label.RELATIONSHIP]:
                raise Conflict(
                    f"'{org_a}' and '{org_b}' already have a relationship ({rel_id}); "
                    f"PATCH /api/v1/relationships/{rel_id} to assess it again"
                )
            self.known[Label.RELATIONSHIP].add(rel_id)
            rows.append({"id": rel_id, "org_a": org_a, "org_b": org_b, "created_at": _now()})
            steps += [(rel_id, step) for step in history]
        self._write("relationships", rows, cypher.MERGE_RELATIONSHIPS)
        self.assessments(steps)

    def replace_organizations(self, orgs: Sequence[OrganizationCreate]) -> None:
        """Give stored organizations (by id) the fields of ``orgs``."""
        self.known[Label.ORGANIZATION].prefetch(str(org.id) for org in orgs)
        self.known[Label.SECTOR].prefetch(org.sector for org in orgs)
        for org in orgs:
            self.require_org(str(org.id))
            self.require_sector(org.sector)
            changes = org.model_dump(mode="json", exclude={"id"})
            _run(self._tx, cypher.UPDATE_ORGANIZATION, id=org.id, changes=changes)
            self._changed[ORGANIZATION, str(org.id)] = None

    def add_assessments(self, rels: Sequence[tuple[str, str, Sequence[_Step]]]) -> None:
        """Add assessments to the history of stored relationships (``(org_a, org_b, steps)``)."""
        self.known[Label.RELATIONSHIP].prefetch(relationship_id(a, b) for a, b, _ in rels)
        steps: list[tuple[str, _Step]] = []
        for org_a, org_b, history in rels:
            rel_id = relationship_id(org_a, org_b)
            if rel_id not in self.known[Label.RELATIONSHIP]:
                raise InvalidReference(f"relationship '{rel_id}' does not exist")
            steps += [(rel_id, step) for step in history]
        self.assessments(steps)

    def assessments(self, steps: Sequence[tuple[str, _Step]]) -> None:
        """Record assessments of relationships, numbered (``seq``) in the order given."""
        if not steps:
            return
        reserved = self._tx.run(cypher.RESERVE_ASSESSMENT_SEQS, count=len(steps))
        first = reserved.single(strict=True)["last"] - len(steps) + 1
        rows = [
            {
                "seq": first + number,
                "rel_id": rel_id,
                "state": step.state.value,
                "reason": step.reason,
                "assessed_by": step.assessed_by,
                "assessed_at": to_text(step.assessed_at),
                "recorded_at": _now(),
            }
            for number, (rel_id, step) in enumerate(steps)
        ]
        self._write("assessments", rows, cypher.MERGE_ASSESSMENTS, cypher.KEEP_ROUTE_FACTS)
        self._changed.update(((RELATIONSHIP, rel_id), None) for rel_id, _ in steps)

    def engagements(self, engagements: Sequence[EngagementCreate]) -> list[str]:
        """Write engagements linked to their organizations and contacts; returns their ids."""
        self.known[Label.ENGAGEMENT].prefetch(e.id for e in engagements if e.id)
        self.known[Label.ORGANIZATION].prefetch(o for e in engagements for o in e.org_ids)
        self.known[Label.CONTACT].prefetch(c for e in engagements for c in e.contact_ids)
        rows = [
            self._engagement_row(
                self._claim(
                    Label.ENGAGEMENT,
                    "engagement",
                    engagement.id,
                    f"{engagement.date.isoformat()}-{engagement.title}",
                ),
                engagement,
                created_at=_now(),
            )
            for engagement in engagements
        ]
        self._write(
            "engagements",
            rows,
            cypher.MERGE_ENGAGEMENTS,
            cypher.LINK_ENGAGEMENT_ORGANIZATIONS,
            cypher.LINK_ENGAGEMENT_CONTACTS,
        )
        return [row["id"] for row in rows]

    def _engagement_row(
        self, engagement_id: str, engagement: EngagementCreate, **extra: str
    ) -> Row:
        """The row of an engagement to write, its organizations and contacts checked."""
        for org_id in engagement.org_ids:
            self.require_org(org_id)
        for contact_id in engagement.contact_ids:
            if contact_id not in self.known[Label.CONTACT]:
                raise InvalidReference(f"contact '{contact_id}' does not exist")
        properties = engagement.model_dump(mode="json", exclude={"id", "org_ids", "contact_ids"})
        return {
            "id": engagement_id,
            "org_ids": engagement.org_ids,
            "contact_ids": engagement.contact_ids,
            "properties": {**properties, **extra},
        }

    def replace_engagements(self, engagements: Sequence[EngagementCreate]) -> None:
        """Give stored engagements (by id) the fields, organizations and contacts of these."""
        self.known[Label.ENGAGEMENT].prefetch(str(e.id) for e in engagements)
        self.known[Label.ORGANIZATION].prefetch(o for e in engagements for o in e.org_ids)
        self.known[Label.CONTACT].prefetch(c for e in engagements for c in e.contact_ids)
        for engagement in engagements:
            if str(engagement.id) not in self.known[Label.ENGAGEMENT]:
                raise NotFound(f"engagement '{engagement.id}' does not exist")
        rows = [self._engagement_row(str(e.id), e) for e in engagements]
        self._write(
            "engagements",
            rows,
            cypher.REPLACE_ENGAGEMENTS,
            cypher.LINK_ENGAGEMENT_ORGANIZATIONS,
            cypher.LINK_ENGAGEMENT_CONTACTS,
        )

    def replace_contacts(self, contacts: Sequence[ContactCreate]) -> None:
        """Give stored contacts (by id) the organization, name, role and email of these."""
        self.known[Label.CONTACT].prefetch(str(contact.id) for contact in contacts)
        self.known[Label.ORGANIZATION].prefetch(contact.org_id for contact in contacts)
        for contact in contacts:
            if str(contact.id) not in self.known[Label.CONTACT]:
                raise NotFound(f"contact '{contact.id}' does not exist")
            self.require_org(contact.org_id)
            changes = contact.model_dump(mode="json", exclude={"id", "org_id"})
            _run(self._tx, cypher.UPDATE_CONTACT, id=contact.id, changes=changes)
            _run(self._tx, cypher.MOVE_CONTACT, id=contact.id, org_id=contact.org_id)

    def token(self, token: TokenCreate, token_hash: str) -> str:
        """Write an access token, stored by its hash; returns its id."""
        if token.org_id:
            self.require_org(token.org_id)
        token_id = self._claim(Label.TOKEN, "token", None, token.name)
        row = {
            **token.model_dump(mode="json"),
            "id": token_id,
            "token_hash": token_hash,
            "created_at": _now(),
            "expires_at": optional_text(token.expires_at),
        }
        _run(self._tx, cypher.MERGE_TOKEN, row=row)
        return token_id

    def evidence(self, row: EvidenceRow) -> str:
        """Write one piece of partnership evidence bound to its organizations; returns its id."""
        label = cypher.EVIDENCE_LABELS[row.kind]
        self.known[Label.ORGANIZATION].prefetch(row.org_ids)
        evidence_id = self._claim(label, evidence_noun(row.kind), row.wanted_id, row.id_source)
        for org_id in row.org_ids:
            self.require_org(org_id)
        properties = {**row.columns, "created_at": _now()}
        rows = [{"id": evidence_id, "org_ids": row.org_ids, "properties": properties}]
        self._write("evidence", rows, cypher.MERGE_EVIDENCE[label])
        return evidence_id

    def _claim(self, label: Label, what: str, wanted: str | None, name: str) -> str:
        """The key of a new record: ``wanted`` unless it exists (a conflict), else a free slug
        of ``name``; from now on it counts as existing."""
        known = self.known[label]
        if wanted and wanted in known:
            raise Conflict(f"{what} '{wanted}' already exists")
        key = new_id(wanted, name, known.__contains__)
        known.add(key)
        return key

    def _write(self, what: str, rows: list[Row], *queries: str) -> None:
        """Run each query on every chunk of ``rows`` (as ``$rows``), reporting progress."""
        for chunk in _chunks(rows):
            for query in queries:
                _run(self._tx, query, rows=chunk)
            if self._progress:
                self._progress(what, len(chunk))

    # -- referrals ----

    def referrals(self, referrals: Sequence[ReferralImport]) -> tuple[list[str], int]:
        """Write validated referrals with their events and pair counters; returns their ids
        and how many events they hold."""
        if not referrals:
            return [], 0
        self.known[Label.ORGANIZATION].prefetch(
            org for r in referrals for org in (r.from_org, r.to_org)
        )
        for referral in referrals:
            self.require_org(referral.from_org)
            self.require_org(referral.to_org)
        ids = [referral.id or new_referral_id() for referral in referrals]
        known = self.known[Label.REFERRAL]
        known.prefetch(ids)
        refuse_repeated_referral_ids(
            ids, {referral_id for referral_id in ids if referral_id in known}
        )
        now = _now()

        def events_fields(statuses: tuple[str, ...], ats: list[str], recorded_by: str) -> Row:
            return {
                "event_statuses": list(statuses),
                "event_ats": ats,
                "event_by": [recorded_by] * len(ats),
                "event_recorded_at": [now] * len(ats),
            }

        found = referral_rows(
            ids, referrals, recorded_at=now, events_as=events_fields, flags_as=bool
        )
        rows = [dict(zip(REFERRAL_COLUMNS, row[:-1], strict=True)) | row[-1] for row in found]
        self._write("referrals", rows, cypher.MERGE_REFERRALS)
        for referral_id in ids:
            known.add(referral_id)
        _bump_pairs(self._tx, pair_totals(found))
        return ids, sum(len(referral.events) for referral in referrals)


def _bump_pairs(tx: ManagedTransaction, totals: dict[tuple[str, str], PairTotals]) -> None:
    rows = [
        {
            "from_org": from_org,
            "to_org": to_org,
            "first_sent_at": pair.first_sent_at,
            "last_sent_at": pair.last_sent_at,
            "counts": pair.counts,
        }
        for (from_org, to_org), pair in totals.items()
    ]
    for chunk in _chunks(rows):
        _run(tx, cypher.BUMP_REFERRAL_PAIRS, rows=chunk)
