"""The Neo4j store: the stakeholder graph on a Neo4j 5 server, through the official driver.

It behaves as :class:`service.store.embedded.EmbeddedStore` does: the same ids, errors and
messages, orders and totals. Every method is one managed transaction, so the driver retries
transient failures and a write returns only after it is committed. A write first checks its
records in the embedded store's order, then MERGEs them on their keys in UNWIND batches; a
bundle is one transaction, all or nothing. The Cypher is in :mod:`service.store.neo4j.cypher`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import networkx as nx
from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledCategory,
    Result,
    RoutingControl,
    Session,
)
from neo4j.exceptions import (
    AuthError,
    IncompleteCommit,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from pydantic import BaseModel

from graph_models import (
    Assessment,
    AssessmentImport,
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
from service.errors import Conflict, InvalidReference, NotFound, StoreUnavailable
from service.settings import Settings
from service.store.neo4j import cypher
from service.store.neo4j.cypher import Label
from service.store.protocol import ImportSummary, Progress
from service.store.records import (
    EVIDENCE_KINDS,
    PAIR_COLUMNS,
    REFERRAL_COLUMNS,
    EvidenceCreate,
    EvidenceRecord,
    EvidenceRow,
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
    pair_totals,
    referral_facts_of,
    referral_of,
    referral_rows,
    referral_tallies_of,
    refuse_repeated_referral_ids,
    scope_kind,
    state_fields,
    to_text,
)
from service.store.transfer import RECORD_FIELDS, RecordKind, check_references, record_key

BATCH_SIZE = 5_000
"""Rows per UNWIND statement."""

P = ParamSpec("P")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Row = dict[str, Any]


class Neo4jStore:
    """The store on Neo4j, at any URI the driver takes (``bolt://``, ``neo4j://``, ``neo4j+s://``).

    Open it with :meth:`connect`, which also creates the constraints and indexes.
    """

    kind = "neo4j"

    def __init__(self, driver: Driver, *, uri: str, database: str) -> None:
        self._driver = driver
        self._uri = uri
        self._database = database
        # Shared bookmarks: a read sees every write acknowledged before it, on any cluster member.
        self._bookmarks = GraphDatabase.bookmark_manager()

    @classmethod
    def connect(cls, settings: Settings) -> Neo4jStore:
        """A store on the server the settings name, with its schema in place."""
        auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
        driver = GraphDatabase.driver(
            settings.neo4j_uri,
            auth=auth,
            max_transaction_retry_time=settings.neo4j_retry_seconds,
            connection_acquisition_timeout=settings.neo4j_retry_seconds,
            connection_timeout=settings.neo4j_retry_seconds,
            # A property no node has yet (an e-mail nobody gave) is a null, not a problem.
            notifications_disabled_categories=[NotificationDisabledCategory.UNRECOGNIZED],
        )
        store = cls(driver, uri=settings.neo4j_uri, database=settings.neo4j_database)
        try:
            with store._reachable():
                driver.verify_connectivity()  # fails fast, where a transaction would retry
            for statement in cypher.SCHEMA:
                store._write(_run, statement)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self._driver.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _reachable(self, *, writing: bool = False) -> Iterator[None]:
        """Turns a server that cannot answer into :class:`StoreUnavailable` (a 503).

        The driver has retried transient failures by then. It never retries a commit whose
        answer was lost, so no write is applied twice; the message says to read it back.
        """
        where = f"Neo4j at {self._uri}"
        try:
            yield
        except IncompleteCommit as error:
            if not writing:
                raise StoreUnavailable(f"{where} dropped the connection; try again") from error
            raise StoreUnavailable(
                f"{where} dropped the connection while committing; the write may or may not "
                "have been applied: read it back before sending it again"
            ) from error
        except (ServiceUnavailable, SessionExpired) as error:
            raise StoreUnavailable(f"{where} is unreachable: {_one_line(error)}") from error
        except TransientError as error:
            raise StoreUnavailable(f"{where} is busy ({error.code}); try again") from error
        except AuthError as error:
            raise StoreUnavailable(
                f"{where} refused the user name or password: {error.message}"
            ) from error

    @contextmanager
    def _session(self, *, writing: bool) -> Iterator[Session]:
        with (
            self._reachable(writing=writing),
            self._driver.session(
                database=self._database, bookmark_manager=self._bookmarks
            ) as session,
        ):
            yield session

    def _read(
        self,
        work: Callable[Concatenate[ManagedTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(tx, ...)`` in one read transaction."""
        with self._session(writing=False) as session:
            return session.execute_read(work, *args, **kwargs)

    def _query(self, query: str, **params: Any) -> list[Any]:
        """The ``row`` of each record of the one read statement ``query``.

        It is one managed transaction like :meth:`_read`, but the driver sends its BEGIN along
        with the statement rather than waiting for the server's answer to it first: a round
        trip fewer, which is much of the time of a short read.
        """
        with self._reachable():
            return self._driver.execute_query(
                query,
                params,
                routing_=RoutingControl.READ,
                database_=self._database,
                bookmark_manager_=self._bookmarks,
                result_transformer_=_row_column,
            )

    def _write(
        self,
        work: Callable[Concatenate[ManagedTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(tx, ...)`` in one write transaction, committed when it returns."""
        with self._session(writing=True) as session:
            return session.execute_write(work, *args, **kwargs)

    def _page(self, model: type[M], query: str, limit: int, offset: int, **filters: Any) -> Page[M]:
        """One page of a ``PAGE_*`` query: the records and the count of all that match."""
        [(total, rows)] = self._query(query, **filters, limit=limit, offset=offset)
        return Page(items=[_model(model, r) for r in rows], total=total, limit=limit, offset=offset)

    # -- sectors and profiles ---------------------------------------------------------------

    def upsert_sectors(self, sectors: list[Sector]) -> None:
        self._write(lambda tx: _Writer(tx).sectors(sectors))

    def list_sectors(self) -> list[Sector]:
        return [Sector.model_validate(row) for row in self._query(cypher.LIST_SECTORS)]

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
            [org_id] = _Writer(tx).organizations([org])
            return _get_organization(tx, org_id)

        return self._write(work)

    def get_organization(self, org_id: str) -> Organization:
        rows = self._query(cypher.GET_ORGANIZATION, id=org_id)
        return _model(Organization, _found(rows, _missing_organization(org_id)))

    def list_organizations(
        self,
        *,
        sector: str | None = None,
        region: str | None = None,
        q: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[Organization]:
        anchor = _anchor(sector=sector or None, region=region or None)
        return self._page(
            Organization,
            cypher.PAGE_ORGANIZATIONS[anchor],
            limit,
            offset,
            sector=sector or None,
            region=region or None,
            q=q or None,
        )

    def update_organization(self, org_id: str, patch: OrganizationUpdate) -> Organization:
        changes = _changes(patch, nullable="region")

        def work(tx: ManagedTransaction) -> Organization:
            _get_organization(tx, org_id)
            if "sector" in changes:
                _Writer(tx).require_sector(changes["sector"])
            _run(tx, cypher.UPDATE_ORGANIZATION, id=org_id, changes=changes)
            return _get_organization(tx, org_id)

        return self._write(work)

    def delete_organization(self, org_id: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            _get_organization(tx, org_id)
            _refuse_if_referred(tx, org_id)
            _run(tx, cypher.DELETE_RELATIONSHIPS_OF_ORGANIZATION, id=org_id)
            _run(tx, cypher.DELETE_ORGANIZATION, id=org_id)

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

    def list_contacts(
        self, *, org_id: str | None = None, q: str | None = None, limit: int, offset: int
    ) -> Page[Contact]:
        anchor = _anchor(org_id=org_id or None)
        return self._page(
            Contact,
            cypher.PAGE_CONTACTS[anchor],
            limit,
            offset,
            org_id=org_id or None,
            q=q or None,
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
            _Writer(tx).relationships([(rel.org_a, rel.org_b, [first])])
            return _get_relationship(tx, relationship_id(rel.org_a, rel.org_b))

        return self._write(work)

    def get_relationship(self, rel_id: str) -> Relationship:
        return self._read(_get_relationship, rel_id)

    def list_relationships(
        self,
        *,
        org_id: str | None = None,
        state: RelationshipState | None = None,
        limit: int,
        offset: int,
    ) -> Page[Relationship]:
        anchor = _anchor(org_id=org_id or None)
        return self._page(
            Relationship,
            cypher.PAGE_RELATIONSHIPS[anchor],
            limit,
            offset,
            org_id=org_id or None,
            state=state.value if state else None,
        )

    def assess_relationship(
        self, rel_id: str, update: RelationshipUpdate, *, assessed_by: str
    ) -> Relationship:
        def work(tx: ManagedTransaction) -> Relationship:
            current = _get_relationship(tx, rel_id)
            step = _Step(
                update.state or current.state,
                update.reason or current.reason,
                assessed_by,
                update.assessed_at or utc_now(),
            )
            _Writer(tx).assessments([(rel_id, step)])
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
        anchor = _anchor(org_id=org_id or None)
        return self._page(
            Engagement,
            cypher.PAGE_ENGAGEMENTS[anchor],
            limit,
            offset,
            org_id=org_id or None,
            kind=kind.value if kind else None,
            status=status.value if status else None,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
        )

    def delete_engagement(self, engagement_id: str) -> None:
        def work(tx: ManagedTransaction) -> None:
            _get_engagement(tx, engagement_id)
            _run(tx, cypher.DELETE_ENGAGEMENT, id=engagement_id)

        self._write(work)

    # -- bulk -------------------------------------------------------------------------------

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
            writer.engagements(bundle.engagements)
            return profiles, writer.referrals(bundle.referrals)[1]

        profiles, referral_events = self._write(work)
        return ImportSummary(
            sectors=len(bundle.sectors),
            profiles=profiles,
            organizations=len(bundle.organizations),
            contacts=len(bundle.contacts),
            relationships=len(bundle.relationships),
            assessments=sum(len(rel.history) for rel in bundle.relationships),
            engagements=len(bundle.engagements),
            referrals=len(bundle.referrals),
            referral_events=referral_events,
        )

    # -- access -----------------------------------------------------------------------------

    def create_token(self, token: TokenCreate, *, token_hash: str) -> Principal:
        token_id = self._write(lambda tx: _Writer(tx).token(token, token_hash))
        return Principal(token_id=token_id, name=token.name, role=token.role, org_id=token.org_id)

    def principal_for_token(self, token_hash: str) -> Principal | None:
        rows = self._query(cypher.PRINCIPAL_FOR_TOKEN, token_hash=token_hash)
        return _model(Principal, rows[0]) if rows else None

    # -- analytics input --------------------------------------------------------------------

    def partner_graph(self, org_id: str | None = None, *, depth: int = 1) -> nx.Graph:
        return self._read(_partner_graph, org_id, depth)

    # -- partnership evidence ---------------------------------------------------------------

    def create_joint_case_plan(self, plan: JointCasePlanCreate) -> JointCasePlan:
        return self._create_evidence(plan, JointCasePlan)

    def list_joint_case_plans(self, *, org_id: str) -> list[JointCasePlan]:
        return self._evidence_of(JointCasePlan, org_id)

    def create_joint_program(self, program: JointProgramCreate) -> JointProgram:
        return self._create_evidence(program, JointProgram)

    def list_joint_programs(self, *, org_id: str) -> list[JointProgram]:
        return self._evidence_of(JointProgram, org_id)

    def create_agreement(self, agreement: AgreementCreate) -> Agreement:
        return self._create_evidence(agreement, Agreement)

    def list_agreements(self, *, org_id: str) -> list[Agreement]:
        return self._evidence_of(Agreement, org_id)

    def create_collaborative(self, collaborative: CollaborativeCreate) -> Collaborative:
        return self._create_evidence(collaborative, Collaborative)

    def list_collaboratives(self, *, org_id: str) -> list[Collaborative]:
        return self._evidence_of(Collaborative, org_id)

    def _evidence_of(self, model: type[EvidenceRecord], org_id: str) -> list[EvidenceRecord]:
        """The evidence of ``model``'s kind that binds ``org_id``, oldest first."""
        label = cypher.EVIDENCE_LABELS[EVIDENCE_KINDS[model]]
        rows = self._query(cypher.EVIDENCE_OF_ORGANIZATION[label], org_id=org_id)
        return [evidence_record(model, row, row["org_ids"]) for row in rows]

    def get_collaborative(self, collaborative_id: str) -> Collaborative:
        def work(tx: ManagedTransaction) -> Collaborative:
            query = cypher.GET_EVIDENCE[Label.COLLABORATIVE]
            row = _single(tx, query, id=collaborative_id)
            if row is None:
                raise NotFound(f"collaborative '{collaborative_id}' does not exist")
            return evidence_record(Collaborative, row, row["org_ids"])

        return self._read(work)

    def _create_evidence(
        self, record: EvidenceCreate, model: type[EvidenceRecord]
    ) -> EvidenceRecord:
        row = evidence_row(record)

        def work(tx: ManagedTransaction) -> EvidenceRecord:
            evidence_id = _Writer(tx).evidence(row)
            label = cypher.EVIDENCE_LABELS[row.kind]
            [stored] = _rows(tx, cypher.GET_EVIDENCE[label], id=evidence_id)
            return evidence_record(model, stored, stored["org_ids"])

        return self._write(work)

    # -- missing partners ----

    def introduction_graph(self, org_ids: Collection[str], *, sectors: Collection[str]) -> nx.Graph:
        ids, wanted = list(org_ids), sorted(set(sectors))
        if wanted:
            edges, orgs = self._read(_introductions, ids, wanted)
        else:
            [(edges, orgs)] = self._query(cypher.RELATIONSHIPS_OF, ids=ids)
        known = {org["id"] for org in orgs}
        for org_id in ids:
            if org_id not in known:
                raise NotFound(_missing_organization(org_id))
        return _analytics_graph(sorted(orgs, key=itemgetter("id")), edges)

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
        # The warm candidates, and of the others only those that could rank among the best:
        # the first by same region and name, and those with referral activity.
        graph = self.introduction_graph(org_ids, sectors=sectors)
        rows = self._query(
            cypher.CANDIDATES_BEYOND,
            sectors=sorted(set(sectors)),
            known=sorted(graph),
            regions=sorted(regions),
            active=sorted(active),
            limit=limit,
        )
        graph.add_nodes_from((row["id"], organization_node(row)) for row in rows)
        yield graph

    # -- maps -------------------------------------------------------------------------------

    def region_graph(self, region: str) -> nx.Graph:
        return self._read(_region_graph, region)

    # -- warm routes ------------------------------------------------------------------------

    @contextmanager
    def route_graph(self, from_org: str, to_org: str, *, max_hops: int) -> Iterator[nx.Graph]:
        yield self._read(_route_graph, from_org, to_org, max_hops)

    # -- referrals --------------------------------------------------------------------------

    def create_referral(self, referral: ReferralCreate, *, recorded_by: str) -> Referral:
        record = ReferralImport(**referral.model_dump(), recorded_by=recorded_by)

        def work(tx: ManagedTransaction) -> Referral:
            [referral_id], _ = _Writer(tx).referrals([record])
            return _get_referral(tx, referral_id)

        return self._write(work)

    def add_referral_event(
        self, referral_id: str, event: ReferralEventCreate, *, recorded_by: str
    ) -> Referral:
        def work(tx: ManagedTransaction) -> Referral:
            missing = f"referral '{referral_id}' does not exist"
            row = _fetch(tx, cypher.LOCK_REFERRAL, missing, id=referral_id)
            before, after = moved(referral_id, row, event)
            _run(
                tx,
                cypher.ADD_REFERRAL_EVENT,
                id=referral_id,
                event={
                    "status": event.status.value,
                    "at": to_text(event.at),
                    "recorded_by": recorded_by,
                    "recorded_at": _now(),
                },
                state=state_fields(from_text(row["sent_at"]), after),
            )
            deltas = pair_deltas(before, after, screening=row["screening"])
            pair = PairTotals(row["sent_at"], row["sent_at"], deltas)
            _bump_pairs(tx, {(row["from_org"], row["to_org"]): pair})
            return _get_referral(tx, referral_id)

        return self._write(work)

    def get_referral(self, referral_id: str) -> Referral:
        return self._read(_get_referral, referral_id)

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
        anchor, start = (
            ("case", case_ref)
            if case_ref is not None
            else ("org", visible_to or org_id)
            if (visible_to or org_id) is not None
            else ("all", None)
        )
        filters = {
            "anchor": start,
            "visible_to": visible_to,
            "case_ref": case_ref,
            "org_id": org_id,
            "status": status.value if status else None,
        }

        query = cypher.PAGE_REFERRALS[anchor]
        [(total, rows)] = self._query(query, **filters, limit=limit, offset=offset)
        items = [_referral(row) for row in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    def referral_flow(
        self, org_id: str, *, as_of: datetime | None = None
    ) -> dict[str, ReferralFlow]:
        query = cypher.REFERRAL_FLOW if as_of is None else cypher.REFERRAL_FLOW_AS_OF
        rows = self._query(query, id=org_id, as_of=to_text(as_of) if as_of else None)
        sent, received = _found(rows, _missing_organization(org_id))
        return combine_flows(sent, received)

    def feedback_loops(
        self, *, org_id: str | None = None, overdue_before: datetime, worst: int
    ) -> FeedbackLoops:
        query = cypher.FEEDBACK_LOOPS["all" if org_id is None else "org"]
        rows = self._query(query, anchor=org_id, before=to_text(overdue_before))
        counts, open_since = _found(rows, _missing_organization(org_id or ""))
        return FeedbackLoops.of_pairs(assemble_pair_loops(counts, _by_pair(open_since)))

    def days_to_feedback(
        self, scopes: list[LoopScope], *, late_after_days: int
    ) -> list[DaysToFeedback]:
        by_kind: dict[str, list[Row]] = {f"{kind}_scopes": [] for kind in cypher.CLOSED_DAYS_KINDS}
        everything = []
        for at, scope in enumerate(scopes):
            kind = scope_kind(scope)
            if kind == "all":
                everything.append(at)
            else:
                by_kind[f"{kind}_scopes"].append({"at": at, **scope._asdict()})

        def work(tx: ManagedTransaction) -> list[list[Any]]:
            [found] = _lists(tx, cypher.CLOSED_DAYS["some"], **by_kind)
            [every] = _lists(tx, cypher.CLOSED_DAYS["all"])
            return found + [[at, every] for at in everything]

        if everything:
            days = dict(self._read(work))
        else:
            [found] = self._query(cypher.CLOSED_DAYS["some"], **by_kind)
            days = dict(found)
        return [
            DaysToFeedback.of(sorted(days[at]), late_after_days=late_after_days)
            for at in range(len(scopes))
        ]

    def record_audit(self, entries: list[AuditEntryCreate]) -> None:
        if not entries:
            return
        at = _now()

        def work(tx: ManagedTransaction) -> None:
            reserved = tx.run(cypher.RESERVE_AUDIT_SEQS, count=len(entries))
            first = reserved.single(strict=True)["last"] - len(entries) + 1
            rows = [
                {**entry.model_dump(mode="json"), "seq": first + number, "at": at}
                for number, entry in enumerate(entries)
            ]
            _run(tx, cypher.MERGE_AUDIT_ENTRIES, rows=rows)

        self._write(work)

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
        anchor = _anchor(case_ref=case_ref, org_id=org_id)
        return self._page(
            AuditEntry,
            cypher.PAGE_AUDIT[anchor],
            limit,
            offset,
            case_ref=case_ref,
            org_id=org_id,
            action=action.value if action else None,
            since=to_text(since) if since else None,
            until=to_text(until) if until else None,
        )

    # -- referrals as partnership signals ----

    def referral_facts(
        self, org_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ReferralFact]:
        rows = self._query(
            cypher.REFERRAL_FACTS,
            id=org_id,
            since=to_text(since) if since else None,
            until=to_text(until) if until else None,
        )
        return referral_facts_of(_found(rows, _missing_organization(org_id)))

    def referral_tallies(self, org_id: str, *, until: datetime) -> dict[str, ReferralTally]:
        params = {"id": org_id, "until": to_text(until)}

        def tally(tx: ManagedTransaction, direction: str) -> list[list[Any]]:
            """A pair's counters when all its referrals were sent by ``until``; else its
            referrals counted, those of all pairs in one read."""
            pairs = _lists(tx, cypher.REFERRAL_PAIR_TALLIES[direction], **params)
            split = {row[0] for row in pairs if row[4]}
            if not split:
                return [row[:4] for row in pairs]
            counted = _lists(tx, cypher.REFERRAL_TALLIES_COUNTED[direction], **params)
            return [row[:4] for row in pairs if not row[4]] + [
                row for row in counted if row[0] in split
            ]

        def work(tx: ManagedTransaction) -> dict[str, ReferralTally]:
            _get_organization(tx, org_id)
            return referral_tallies_of(tally(tx, "sent"), tally(tx, "received"))

        return self._read(work)

    # -- copying between stores ----

    def count_records(self, kind: RecordKind) -> int:
        def work(tx: ManagedTransaction) -> int:
            return sum(
                tx.run(cypher.COUNT_COPIED[name]).single(strict=True)["total"]
                for name in _copied_as(kind)
            )

        return self._read(work)

    def export_records(self, kind: RecordKind, *, batch_size: int) -> Iterator[list[Row]]:
        batch: list[Row] = []
        for name in _copied_as(kind):
            after: Any = _FIRST_KEYS.get(kind, "")
            while rows := self._read(
                _rows, cypher.EXPORT_COPIED[name], after=after, limit=batch_size
            ):
                batch += [_exported(kind, name, row) for row in rows]
                while len(batch) >= batch_size:
                    yield batch[:batch_size]
                    batch = batch[batch_size:]
                last = rows[-1]
                pair = kind is RecordKind.REFERRAL_PAIRS
                after = [last["from_org"], last["to_org"]] if pair else last[record_key(kind)[-1]]
        if batch:
            yield batch

    def import_records(self, kind: RecordKind, rows: list[Row]) -> None:
        def work(tx: ManagedTransaction) -> None:
            check_references(kind, rows, lambda named, keys: _stored(tx, named, keys))
            for name, stored in _to_import(kind, rows).items():
                for statement in cypher.IMPORT_COPIED[name]:
                    _run(tx, statement, rows=stored)
            counter = _COUNTERS.get(kind)
            if counter and rows:
                _run(tx, cypher.RAISE_COUNTER, name=counter, last=max(r["seq"] for r in rows))

        self._write(work)


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
    Records written earlier in the transaction count as existing.
    """

    def __init__(self, tx: ManagedTransaction, progress: Progress | None = None) -> None:
        self._tx = tx
        self._progress = progress
        self.known = {label: _Keys(tx, label) for label in cypher.EXISTING_KEYS}

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
        self._write("assessments", rows, cypher.MERGE_ASSESSMENTS)

    def engagements(self, engagements: Sequence[EngagementCreate]) -> list[str]:
        """Write engagements linked to their organizations and contacts; returns their ids."""
        self.known[Label.ENGAGEMENT].prefetch(e.id for e in engagements if e.id)
        self.known[Label.ORGANIZATION].prefetch(o for e in engagements for o in e.org_ids)
        self.known[Label.CONTACT].prefetch(c for e in engagements for c in e.contact_ids)
        rows: list[Row] = []
        for engagement in engagements:
            slug_source = f"{engagement.date.isoformat()}-{engagement.title}"
            engagement_id = self._claim(Label.ENGAGEMENT, "engagement", engagement.id, slug_source)
            for org_id in engagement.org_ids:
                self.require_org(org_id)
            for contact_id in engagement.contact_ids:
                if contact_id not in self.known[Label.CONTACT]:
                    raise InvalidReference(f"contact '{contact_id}' does not exist")
            properties = engagement.model_dump(
                mode="json", exclude={"id", "org_ids", "contact_ids"}
            )
            rows.append(
                {
                    "id": engagement_id,
                    "org_ids": engagement.org_ids,
                    "contact_ids": engagement.contact_ids,
                    "properties": {**properties, "created_at": _now()},
                }
            )
        self._write(
            "engagements",
            rows,
            cypher.MERGE_ENGAGEMENTS,
            cypher.LINK_ENGAGEMENT_ORGANIZATIONS,
            cypher.LINK_ENGAGEMENT_CONTACTS,
        )
        return [row["id"] for row in rows]

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

        found = referral_rows(ids, referrals, recorded_at=now, events_as=events_fields)
        rows = [dict(zip(REFERRAL_COLUMNS, row[:-1], strict=True)) | row[-1] for row in found]
        self._write("referrals", rows, cypher.MERGE_REFERRALS)
        for referral_id in ids:
            known.add(referral_id)
        _bump_pairs(self._tx, pair_totals(found))
        return ids, sum(len(referral.events) for referral in referrals)


# -- reading ----------------------------------------------------------------------------------


def _run(tx: ManagedTransaction, query: str, **params: Any) -> None:
    tx.run(query, params).consume()


def _rows(tx: ManagedTransaction, query: str, **params: Any) -> list[Row]:
    return [record["row"] for record in tx.run(query, params)]


def _row_column(result: Result) -> list[Any]:
    """The ``row`` of each record of ``result``."""
    return result.value("row")


def _single(tx: ManagedTransaction, query: str, **params: Any) -> Row | None:
    record = tx.run(query, params).single()
    return None if record is None else record["row"]


def _found(rows: list[T], missing: str) -> T:
    """The first of ``rows``, else :class:`NotFound` with the message ``missing``."""
    if not rows:
        raise NotFound(missing)
    return rows[0]


def _fetch(tx: ManagedTransaction, query: str, missing: str, **params: Any) -> Row:
    """The one row ``query`` finds, else :class:`NotFound` with the message ``missing``."""
    return _found(_rows(tx, query, **params), missing)


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


def _partner_graph(tx: ManagedTransaction, org_id: str | None, depth: int) -> nx.Graph:
    """The analytics graph: all of it, or the organizations within ``depth`` relationships of
    ``org_id`` and the relationships among them."""
    if org_id is None:
        orgs, edges = _rows(tx, cypher.ALL_ORGANIZATIONS), _lists(tx, cypher.ALL_EDGES)
    else:
        ids = _neighbourhood(tx, org_id, depth)
        orgs = _rows(tx, cypher.ORGANIZATIONS_AMONG, ids=ids)
        if not orgs:
            raise NotFound(_missing_organization(org_id))
        edges = _lists(tx, cypher.EDGES_AMONG, ids=ids)
    return _analytics_graph(orgs, edges)


def _analytics_graph(orgs: Iterable[Row], edges: Iterable[Sequence[Any]]) -> nx.Graph:
    """A graph of organization rows and ``[id, org_a, org_b, history]`` relationship rows."""
    graph = nx.Graph()
    graph.add_nodes_from((org["id"], organization_node(org)) for org in orgs)
    for rel_id, org_a, org_b, history in edges:
        add_relationship_edge(graph, rel_id, org_a, org_b, history)
    return graph


def _neighbourhood(tx: ManagedTransaction, org_id: str, depth: int) -> list[str]:
    """``org_id`` and the ids of the organizations within ``depth`` relationships of it."""
    seen, frontier = {org_id}, [org_id]
    for _ in range(depth):
        frontier = [
            found for found in tx.run(cypher.NEIGHBOURS, ids=frontier).value() if found not in seen
        ]
        if not frontier:
            break
        seen.update(frontier)
    return sorted(seen)


# -- converting -------------------------------------------------------------------------------


def _model(model: type[M], row: Row) -> M:
    """A read model from a row: ``*_at`` text becomes a datetime; a ``state`` brings its action."""
    values = {
        key: from_text(value) if key.endswith("_at") and value is not None else value
        for key, value in row.items()
    }
    if "state" in row:
        values["action"] = RelationshipState(row["state"]).action
    return model.model_validate(values)


def _anchor(**filters: object) -> str:
    """Where a list query starts: the first filter given, in the order named, else ``all``.

    >>> _anchor(sector=None, region="Lane"), _anchor(org_id=None)
    ('region', 'all')
    """
    return next((name for name, value in filters.items() if value is not None), "all")


def _changes(patch: BaseModel, *, nullable: str) -> Row:
    """The fields a patch sets; ``None`` means "leave as is", except for ``nullable``."""
    changes = patch.model_dump(mode="json", exclude_unset=True)
    return {key: value for key, value in changes.items() if value is not None or key == nullable}


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _now() -> str:
    return to_text(utc_now())


def _one_line(error: Exception) -> str:
    """The driver's message on one line, or the error's name if it has none."""
    return " ".join(str(error).split()) or type(error).__name__


# -- missing partners -------------------------------------------------------------------------


def _introductions(
    tx: ManagedTransaction, org_ids: list[str], sectors: list[str]
) -> tuple[list[list[Any]], list[Row]]:
    """The relationships of the members, then those of their partners with organizations of
    ``sectors``, and the organizations at their ends, each once."""
    [(edges, orgs)] = _lists(tx, cypher.RELATIONSHIPS_OF, ids=org_ids)
    partners = sorted({end for _, org_a, org_b, _ in edges for end in (org_a, org_b)})
    [(into, ends)] = _lists(tx, cypher.RELATIONSHIPS_INTO_SECTORS, ids=partners, sectors=sectors)
    known = {org["id"] for org in orgs}
    return edges + into, orgs + [org for org in ends if org["id"] not in known]


# -- maps -------------------------------------------------------------------------------------


def _region_graph(tx: ManagedTransaction, region: str) -> nx.Graph:
    """The organizations of ``region`` and the relationships among them."""
    orgs = _rows(tx, cypher.ORGANIZATIONS_IN_REGION, region=region)
    edges = _lists(tx, cypher.EDGES_AMONG, ids=[org["id"] for org in orgs])
    return _analytics_graph(orgs, edges)


# -- warm routes ------------------------------------------------------------------------------


def _route_graph(tx: ManagedTransaction, from_org: str, to_org: str, max_hops: int) -> nx.Graph:
    """The organizations within ``ceil(max_hops / 2)`` relationships of ``from_org`` or
    ``floor(max_hops / 2)`` of ``to_org``, and the relationships among them: every route of
    at most ``max_hops`` between the two lies in it."""
    ids = set(_neighbourhood(tx, from_org, (max_hops + 1) // 2))
    ids.update(_neighbourhood(tx, to_org, max_hops // 2))
    orgs = _rows(tx, cypher.ORGANIZATIONS_AMONG, ids=sorted(ids))
    known = {org["id"] for org in orgs}
    for org_id in (from_org, to_org):
        if org_id not in known:
            raise NotFound(_missing_organization(org_id))
    return _analytics_graph(orgs, _lists(tx, cypher.EDGES_AMONG, ids=sorted(ids)))


# -- referrals ----


def _get_referral(tx: ManagedTransaction, referral_id: str) -> Referral:
    missing = f"referral '{referral_id}' does not exist"
    return _referral(_fetch(tx, cypher.GET_REFERRAL, missing, id=referral_id))


def _referral(row: Row) -> Referral:
    events = [
        ReferralEvent(status=status, at=from_text(at), recorded_by=by)
        for status, at, by in zip(
            row["event_statuses"], row["event_ats"], row["event_by"], strict=True
        )
    ]
    return referral_of(row, events)


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


def _refuse_if_referred(tx: ManagedTransaction, org_id: str) -> None:
    if _single(tx, cypher.ORGANIZATION_HAS_REFERRALS, id=org_id):
        raise Conflict(
            f"organization '{org_id}' has referrals, which keep case history; it cannot be deleted"
        )


def _lists(tx: ManagedTransaction, query: str, **params: Any) -> list[list[Any]]:
    """The ``row`` column of each record, where a query returns rows as lists."""
    return [record["row"] for record in tx.run(query, params)]


def _by_pair(rows: list[list[Any]]) -> dict[tuple[str, str], Any]:
    """``[from_org, to_org, value]`` rows as a mapping of the pair to the value."""
    return {(from_org, to_org): value for from_org, to_org, value in rows}


# -- copying between stores ----

_FIRST_KEYS: dict[RecordKind, Any] = {
    RecordKind.ASSESSMENTS: 0,
    RecordKind.AUDIT_LOG: 0,
    RecordKind.REFERRAL_PAIRS: ["", ""],
}
"""A key below every key of the kind: where an export starts (text keys start at '')."""
_COUNTERS = {RecordKind.ASSESSMENTS: "assessment", RecordKind.AUDIT_LOG: "audit"}
"""The counter that numbers each kind of record kept by sequence number."""
_REFERENCED = {
    RecordKind.SECTORS: Label.SECTOR,
    RecordKind.ORGANIZATIONS: Label.ORGANIZATION,
    RecordKind.CONTACTS: Label.CONTACT,
    RecordKind.RELATIONSHIPS: Label.RELATIONSHIP,
}
"""The label of each kind of record other records name."""


def _stored(tx: ManagedTransaction, kind: RecordKind, keys: set[str]) -> set[str]:
    """Which of ``keys`` of records of ``kind`` are stored."""
    found = set()
    for chunk in _chunks(sorted(keys)):
        found.update(tx.run(cypher.EXISTING_KEYS[_REFERENCED[kind]], keys=chunk).value())
    return found


def _copied_as(kind: RecordKind) -> list[str]:
    """The names of the queries of :mod:`cypher` that copy ``kind``: evidence label by label,
    in the order of its kinds."""
    if kind is RecordKind.EVIDENCE:
        return [f"evidence:{evidence}" for evidence in sorted(cypher.EVIDENCE_LABELS)]
    return [kind.value]


def _exported(kind: RecordKind, name: str, row: Row) -> Row:
    """A row read by :data:`cypher.EXPORT_COPIED` as the plain row of ``kind``."""
    if kind is RecordKind.EVIDENCE:
        row = {**row, "kind": name.split(":")[1]}
    elif kind is RecordKind.REFERRAL_PAIRS:
        row = {**row, **dict(zip(PAIR_COLUMNS, row["counts"], strict=True))}
    return {field: row[field] for field in RECORD_FIELDS[kind]}


def _to_import(kind: RecordKind, rows: list[Row]) -> dict[str, list[Row]]:
    """Plain rows of ``kind`` as :data:`cypher.IMPORT_COPIED` takes them, by query name."""
    if kind is RecordKind.CONTACTS:
        return {kind.value: [_split(row, "id", "org_id") for row in rows]}
    if kind is RecordKind.ENGAGEMENTS:
        return {kind.value: [_split(row, "id", "org_ids", "contact_ids") for row in rows]}
    if kind is RecordKind.EVIDENCE:
        by_kind: dict[str, list[Row]] = {}
        for row in rows:
            split = _split({k: v for k, v in row.items() if k != "kind"}, "id", "org_ids")
            by_kind.setdefault(f"evidence:{row['kind']}", []).append(split)
        return by_kind
    if kind is RecordKind.REFERRALS:
        return {kind.value: [_referral_properties(row) for row in rows]}
    if kind is RecordKind.REFERRAL_PAIRS:
        return {
            kind.value: [
                {
                    "from_org": row["from_org"],
                    "to_org": row["to_org"],
                    "first_sent_at": row["first_sent_at"],
                    "last_sent_at": row["last_sent_at"],
                    "counts": [row[column] for column in PAIR_COLUMNS],
                }
                for row in rows
            ]
        }
    return {kind.value: rows}


def _split(row: Row, *kept: str) -> Row:
    """The ``kept`` fields of ``row`` and the rest as ``properties``."""
    return {
        **{field: row[field] for field in kept},
        "properties": {field: value for field, value in row.items() if field not in kept},
    }


def _referral_properties(row: Row) -> Row:
    """A plain referral row as the node keeps it: its later events as parallel lists."""
    events = row["events"]
    return {
        **{field: value for field, value in row.items() if field != "events"},
        "event_statuses": [event[0] for event in events],
        "event_ats": [event[1] for event in events],
        "event_by": [event[2] for event in events],
        "event_recorded_at": [event[3] for event in events],
    }
