"""The network in Neo4j: sectors, profiles, organizations, contacts, relationships and their
assessments, engagements; the region graphs of maps and the partner records of eco-maps (the
other graphs analytics read are lent by :class:`~service.store.shared.live_graph.LiveGraph`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import networkx as nx
from neo4j import ManagedTransaction

from graph_models import (
    Assessment,
    Contact,
    ContactCreate,
    ContactQuery,
    ContactUpdate,
    Engagement,
    EngagementCreate,
    EngagementQuery,
    Organization,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
    Page,
    Profile,
    ProfileCreate,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipUpdate,
    Sector,
    relationship_id,
)
from graph_models.common import stored_text, utc_now
from service.errors import Conflict, NotFound
from service.store.neo4j import cypher
from service.store.neo4j.bulk import _Step, _Writer
from service.store.neo4j.connection import (
    Neo4jConnection,
    Row,
    _anchor,
    _changes,
    _fetch,
    _found,
    _model,
    _note_graph_changes,
    _rows,
    _run,
    _single,
)
from service.store.neo4j.cypher import Label
from service.store.neo4j.evidence import _evidence_records
from service.store.shared.live_graph import ORGANIZATION, RELATIONSHIP, induced
from service.store.shared.network import (
    GapRecords,
    PartnerRecords,
    PlanRecords,
    check_end,
    contacts_in_order,
    refuse_if_ended,
)
from service.store.shared.referrals import combine_flows
from service.store.shared.surveys import round_from
from service.store.shared.values import to_text


class NetworkMixin(Neo4jConnection):
    """Sectors, profiles, organizations, contacts, relationships and their assessments,
    engagements, and the graphs the store hands or lends to analytics."""

    # -- sectors and profiles ---------------------------------------------------------------

    def upsert_sectors(self, sectors: list[Sector]) -> None:
        self._write(lambda tx: _Writer(tx).sectors(sectors))

    def list_sectors(self) -> list[Sector]:
        rows = self._query(cypher.LIST_SECTORS)
        with stored_text():  # a label as it was taken when written
            return [Sector.model_validate(row) for row in rows]

    def create_profile(self, profile: ProfileCreate) -> Profile:
        def work(tx: ManagedTransaction) -> Profile:
            writer = _Writer(tx)
            if profile.name in writer.known[Label.PROFILE]:
                raise Conflict(f"profile '{profile.name}' already exists")
            writer.profiles([profile])
            return _get_profile(tx, profile.name)

        return self._write(work)

    def get_profile(self, name: str) -> Profile:
        rows = self._query(cypher.GET_PROFILE, name=name)
        return _model(Profile, _found(rows, _missing_profile(name)))

    def list_profiles(self) -> list[Profile]:
        return [_model(Profile, row) for row in self._query(cypher.LIST_PROFILES)]

    # -- organizations ----------------------------------------------------------------------

    def create_organization(self, org: OrganizationCreate) -> Organization:
        def work(tx: ManagedTransaction) -> Organization:
            writer = _Writer(tx)
            [org_id] = writer.organizations([org])
            writer.note_graph_changes()
            return _get_organization(tx, org_id)

        return self._write(work)

    def get_organization(self, org_id: str) -> Organization:
        rows = self._query(cypher.GET_ORGANIZATION, id=org_id)
        return _model(Organization, _found(rows, _missing_organization(org_id)))

    def list_organizations(self, query: OrganizationQuery) -> Page[Organization]:
        anchor = _anchor(sector=query.sector or None, region=query.region or None)
        return self._page(
            Organization,
            cypher.PAGE_ORGANIZATIONS[anchor],
            query,
            sector=query.sector or None,
            region=query.region or None,
            q=query.q or None,
        )

    def update_organization(self, org_id: str, patch: OrganizationUpdate) -> Organization:
        changes = _changes(patch, nullable="region")

        def work(tx: ManagedTransaction) -> Organization:
            _get_organization(tx, org_id)
            if "sector" in changes:
                _Writer(tx).require_sector(changes["sector"])
            _run(tx, cypher.UPDATE_ORGANIZATION, id=org_id, changes=changes)
            _note_graph_changes(tx, [(ORGANIZATION, org_id)])
            return _get_organization(tx, org_id)

        return self._write(work)

    def delete_organization(self, org_id: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            _get_organization(tx, org_id)
            _refuse_if_referred(tx, org_id)
            _run(tx, cypher.DELETE_RELATIONSHIPS_OF_ORGANIZATION, id=org_id)
            _run(tx, cypher.DELETE_ORGANIZATION, id=org_id)
            _note_graph_changes(tx, [(ORGANIZATION, org_id)])

        self._write(work)

    # -- contacts ---------------------------------------------------------------------------

    def create_contact(self, contact: ContactCreate) -> Contact:
        def work(tx: ManagedTransaction) -> Contact:
            [contact_id] = _Writer(tx).contacts([contact])
            return _get_contact(tx, contact_id)

        return self._write(work)

    def get_contact(self, contact_id: str) -> Contact:
        rows = self._query(cypher.GET_CONTACT, id=contact_id)
        return _model(Contact, _found(rows, _missing_contact(contact_id)))

    def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact]:
        if not contact_ids:  # an engagement plan with nothing planned: no round trip
            return []
        rows = self._query(cypher.GET_CONTACTS, ids=list(contact_ids))
        return contacts_in_order(contact_ids, {row["id"]: _model(Contact, row) for row in rows})

    def list_contacts(self, query: ContactQuery) -> Page[Contact]:
        anchor = _anchor(org_id=query.org_id or None)
        return self._page(
            Contact,
            cypher.PAGE_CONTACTS[anchor],
            query,
            org_id=query.org_id or None,
            q=query.q or None,
        )

    def update_contact(self, contact_id: str, patch: ContactUpdate) -> Contact:
        changes = _changes(patch, nullable="email")
        org_id = changes.pop("org_id", None)

        def work(tx: ManagedTransaction) -> Contact:
            _get_contact(tx, contact_id)
            if org_id:
                _Writer(tx).require_org(org_id)
                _run(tx, cypher.MOVE_CONTACT, id=contact_id, org_id=org_id)
            _run(tx, cypher.UPDATE_CONTACT, id=contact_id, changes=changes)
            return _get_contact(tx, contact_id)

        return self._write(work)

    def delete_contact(self, contact_id: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            _get_contact(tx, contact_id)
            _run(tx, cypher.DELETE_CONTACT, id=contact_id)

        self._write(work)

    # -- relationships ----------------------------------------------------------------------

    def create_relationship(self, rel: RelationshipCreate, *, assessed_by: str) -> Relationship:
        first = _Step(rel.state, rel.reason, assessed_by, rel.assessed_at or utc_now())

        def work(tx: ManagedTransaction) -> Relationship:
            writer = _Writer(tx)
            writer.relationships([(rel.org_a, rel.org_b, [first])])
            writer.note_graph_changes()
            return _get_relationship(tx, relationship_id(rel.org_a, rel.org_b))

        return self._write(work)

    def get_relationship(self, rel_id: str) -> Relationship:
        return self._read(_get_relationship, rel_id)

    def list_relationships(self, query: RelationshipQuery) -> Page[Relationship]:
        anchor = _anchor(org_id=query.org_id or None)
        return self._page(
            Relationship,
            cypher.PAGE_RELATIONSHIPS[anchor],
            query,
            org_id=query.org_id or None,
            state=query.state.value if query.state else None,
        )

    def assess_relationship(
        self, rel_id: str, update: RelationshipUpdate, *, assessed_by: str
    ) -> Relationship:
        def work(tx: ManagedTransaction) -> Relationship:
            current = _get_relationship(tx, rel_id)
            refuse_if_ended(current)
            step = _Step(
                update.state or current.state,
                update.reason or current.reason,
                assessed_by,
                update.assessed_at or utc_now(),
            )
            writer = _Writer(tx)
            writer.assessments([(rel_id, step)])
            writer.note_graph_changes()
            return _get_relationship(tx, rel_id)

        return self._write(work)

    def end_relationship(self, rel_id: str, end: RelationshipEnd, *, ended_by: str) -> Relationship:
        def work(tx: ManagedTransaction) -> Relationship:
            check_end(_get_relationship(tx, rel_id), end)
            _run(
                tx,
                cypher.END_RELATIONSHIP,
                id=rel_id,
                ended_on=end.ended_on.isoformat(),
                reason=end.reason,
                ended_by=ended_by,
            )
            _note_graph_changes(tx, [(RELATIONSHIP, rel_id)])
            return _get_relationship(tx, rel_id)

        return self._write(work)

    def relationship_history(self, rel_id: str) -> list[Assessment]:
        def work(tx: ManagedTransaction) -> list[Row]:
            _get_relationship(tx, rel_id)
            return _rows(tx, cypher.RELATIONSHIP_HISTORY, id=rel_id)

        return [_model(Assessment, row) for row in self._read(work)]

    # -- engagements ------------------------------------------------------------------------

    def create_engagement(self, engagement: EngagementCreate) -> Engagement:
        def work(tx: ManagedTransaction) -> Engagement:
            [engagement_id] = _Writer(tx).engagements([engagement])
            return _get_engagement(tx, engagement_id)

        return self._write(work)

    def get_engagement(self, engagement_id: str) -> Engagement:
        return self._read(_get_engagement, engagement_id)

    def list_engagements(self, query: EngagementQuery) -> Page[Engagement]:
        anchor = _anchor(org_id=query.org_id or None)
        return self._page(
            Engagement,
            cypher.PAGE_ENGAGEMENTS[anchor],
            query,
            org_id=query.org_id or None,
            kind=query.kind.value if query.kind else None,
            status=query.status.value if query.status else None,
            since=query.since.isoformat() if query.since else None,
            until=query.until.isoformat() if query.until else None,
        )

    def update_engagement(self, engagement_id: str, engagement: EngagementCreate) -> Engagement:
        def work(tx: ManagedTransaction) -> Engagement:
            _get_engagement(tx, engagement_id)
            _Writer(tx).replace_engagements([engagement.model_copy(update={"id": engagement_id})])
            return _get_engagement(tx, engagement_id)

        return self._write(work)

    def delete_engagement(self, engagement_id: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            _get_engagement(tx, engagement_id)
            _run(tx, cypher.DELETE_ENGAGEMENT, id=engagement_id)

        self._write(work)

    # -- analytics input --------------------------------------------------------------------

    def partner_records(self, org_id: str, *, as_of: datetime | None = None) -> PartnerRecords:
        # One statement reads the flows, the evidence and how far the change log has gone;
        # the partners and relationships come from the live graph.
        query = cypher.PARTNER_RECORDS["now" if as_of is None else "as_of"]
        rows = self._query(query, id=org_id, as_of=to_text(as_of) if as_of else None)
        noted, sent, received, naming = _found(rows, _missing_organization(org_id))
        graph = self._partners_seeing(org_id, noted)
        return PartnerRecords(graph, combine_flows(sent, received), _evidence_records(naming))

    def plan_records(self, org_id: str) -> PlanRecords:
        rows = self._query(cypher.PLAN_RECORDS, org_id=org_id)
        noted, engagements, rounds, contacts = _found(rows, _missing_organization(org_id))
        return PlanRecords(
            self._partners_seeing(org_id, noted),
            [_model(Engagement, row) for row in engagements],
            [round_from(row) for row in rounds],
            [_model(Contact, row) for row in contacts],
        )

    @contextmanager
    def lent_gap_records(self, org_ids: Collection[str], *, profile: str) -> Iterator[GapRecords]:
        # One statement reads the profile, its sectors and how far the change log has gone;
        # the graph is the live graph, lent.
        [[noted, found, sectors]] = self._query(cypher.GAP_RECORDS, name=profile)
        if found is None:
            raise NotFound(_missing_profile(profile))
        with stored_text():  # a label as it was taken when written
            listed = [Sector.model_validate(sector) for sector in sectors]
        with self._lent_seeing(org_ids, noted) as graph:
            yield GapRecords(graph, _model(Profile, found), listed)

    def organization_stamp(self, org_id: str) -> int | None:
        return None  # no stamps are kept: every answer is read afresh

    # -- maps -------------------------------------------------------------------------------

    def region_graph(self, region: str) -> nx.Graph:
        with self._lock:
            self._catch_up()
            nodes = self._graph.nodes(data="region")
            return induced(self._graph, [org_id for org_id, at in nodes if at == region])


# -- reading ------------------------------------------------------------------------------------


def _missing_profile(name: str) -> str:
    return f"profile '{name}' does not exist; GET /api/v1/profiles lists them"


def _missing_organization(org_id: str) -> str:
    return f"organization '{org_id}' does not exist"


def _missing_contact(contact_id: str) -> str:
    return f"contact '{contact_id}' does not exist"


def _get_profile(tx: ManagedTransaction, name: str) -> Profile:
    return _model(Profile, _fetch(tx, cypher.GET_PROFILE, _missing_profile(name), name=name))


def _get_organization(tx: ManagedTransaction, org_id: str) -> Organization:
    missing = _missing_organization(org_id)
    return _model(Organization, _fetch(tx, cypher.GET_ORGANIZATION, missing, id=org_id))


def _get_contact(tx: ManagedTransaction, contact_id: str) -> Contact:
    missing = _missing_contact(contact_id)
    return _model(Contact, _fetch(tx, cypher.GET_CONTACT, missing, id=contact_id))


def _get_relationship(tx: ManagedTransaction, rel_id: str) -> Relationship:
    missing = f"relationship '{rel_id}' does not exist"
    return _model(Relationship, _fetch(tx, cypher.GET_RELATIONSHIP, missing, id=rel_id))


def _get_engagement(tx: ManagedTransaction, engagement_id: str) -> Engagement:
    missing = f"engagement '{engagement_id}' does not exist"
    return _model(Engagement, _fetch(tx, cypher.GET_ENGAGEMENT, missing, id=engagement_id))


def _refuse_if_referred(tx: ManagedTransaction, org_id: str) -> None:
    if _single(tx, cypher.ORGANIZATION_HAS_REFERRALS, id=org_id):
        raise Conflict(
            f"organization '{org_id}' has referrals, which keep case history; it cannot be deleted"
        )
