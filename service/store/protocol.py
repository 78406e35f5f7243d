"""The one interface every store implements: the embedded SQLite store and the Neo4j store.

Every write is one transaction, acknowledged only after it is committed; a batch is all or
nothing. Errors are the domain errors of :mod:`service.errors`, never driver exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, TypeVar

import networkx as nx
from pydantic import BaseModel

from graph_models import (
    Assessment,
    AuditEntry,
    AuditEntryCreate,
    AuditQuery,
    Contact,
    ContactCreate,
    ContactQuery,
    ContactUpdate,
    DaysToFeedback,
    Engagement,
    EngagementCreate,
    EngagementQuery,
    FeedbackLoops,
    LoopScope,
    NetworkBundle,
    Organization,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
    Page,
    Profile,
    ProfileCreate,
    Referral,
    ReferralCreate,
    ReferralEventCreate,
    ReferralFlow,
    ReferralQuery,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipUpdate,
    Sector,
    SessionRecord,
    SignInCode,
    TokenCreate,
    TokenInfo,
)
from graph_models.evidence import (
    Agreement,
    AgreementCreate,
    Collaborative,
    CollaborativeCreate,
    EvidenceRecords,
    JointCasePlan,
    JointCasePlanCreate,
    JointProgram,
    JointProgramCreate,
    ReferralFact,
    ReferralTally,
)
from graph_models.mail import OutgoingMail
from graph_models.referrals import DAYS_ALONG_UP_TO
from graph_models.surveys import (
    AnswersSave,
    Asked,
    NewSurveyRound,
    Respondent,
    SurveyAnswer,
    SurveyRound,
    SurveyRoundDetail,
    Tally,
)
from service.store.shared.copying import RecordKind, Row
from service.store.shared.network import (
    GapRecords,
    HealthRecords,
    LevelRecords,
    PartnerRecords,
    PlanRecords,
)

T = TypeVar("T")

Progress = Callable[[str, int], None]
"""Called as ``progress(what, count)`` while a bundle is imported: ``count`` more of ``what``."""


class ImportSummary(BaseModel):
    """How many of each kind a bundle import wrote."""

    sectors: int = 0
    profiles: int = 0
    organizations: int = 0
    organizations_updated: int = 0
    contacts: int = 0
    contacts_updated: int = 0
    relationships: int = 0
    assessments: int = 0
    engagements: int = 0
    engagements_updated: int = 0
    evidence: int = 0
    # -- referrals ----
    referrals: int = 0
    referral_events: int = 0


class Store(Protocol):
    """Where the stakeholder graph lives.

    ``partner_graph`` hands analytics a networkx graph: nodes are organization ids with
    ``name``, ``sector``, ``region`` and ``internal``; edges are relationships with ``id``,
    ``state`` and ``history``, a list of ``(assessed_at, state)`` pairs, oldest first.
    """

    kind: str

    def close(self) -> None: ...
    def read_together(self, work: Callable[[], T]) -> T:
        """``work()`` with every read it makes in one read transaction, and so one round of
        retries: on the embedded store one snapshot of the data file; on Neo4j each statement
        sees what was committed when it ran. ``work`` must only read."""

    # sectors and profiles
    def upsert_sectors(self, sectors: list[Sector]) -> None: ...
    def list_sectors(self) -> list[Sector]: ...
    def create_profile(self, profile: ProfileCreate) -> Profile: ...
    def get_profile(self, name: str) -> Profile: ...
    def list_profiles(self) -> list[Profile]: ...

    # organizations
    def create_organization(self, org: OrganizationCreate) -> Organization: ...
    def get_organization(self, org_id: str) -> Organization: ...
    def list_organizations(self, query: OrganizationQuery) -> Page[Organization]: ...
    def update_organization(self, org_id: str, patch: OrganizationUpdate) -> Organization: ...
    def delete_organization(self, org_id: str) -> None: ...

    # contacts
    def create_contact(self, contact: ContactCreate) -> Contact: ...
    def get_contact(self, contact_id: str) -> Contact: ...
    def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact]:
        """The contacts of ``contact_ids``, in that order, read at once; :class:`NotFound`
        names the first unknown id."""
        ...

    def list_contacts(self, query: ContactQuery) -> Page[Contact]: ...
    def update_contact(self, contact_id: str, patch: ContactUpdate) -> Contact: ...
    def delete_contact(self, contact_id: str) -> None: ...

    # relationships
    def create_relationship(self, rel: RelationshipCreate, *, assessed_by: str) -> Relationship: ...
    def get_relationship(self, rel_id: str) -> Relationship: ...
    def list_relationships(self, query: RelationshipQuery) -> Page[Relationship]: ...
    def assess_relationship(
        self, rel_id: str, update: RelationshipUpdate, *, assessed_by: str
    ) -> Relationship: ...
    def relationship_history(self, rel_id: str) -> list[Assessment]: ...
    def end_relationship(self, rel_id: str, end: RelationshipEnd, *, ended_by: str) -> Relationship:
        """Ends a relationship, keeping its history; its edge in every analytics graph then has
        ``ended_at``, the first instant without it. :class:`Conflict` when it has ended
        already; an ended relationship is not assessed again (:class:`Conflict`)."""
        ...

    # engagements
    def create_engagement(self, engagement: EngagementCreate) -> Engagement: ...
    def get_engagement(self, engagement_id: str) -> Engagement: ...
    def list_engagements(self, query: EngagementQuery) -> Page[Engagement]: ...
    def update_engagement(self, engagement_id: str, engagement: EngagementCreate) -> Engagement:
        """Replaces the stored fields of an engagement (its id and ``created_at`` kept)."""
        ...

    def delete_engagement(self, engagement_id: str) -> None: ...

    # bulk
    def import_bundle(
        self, bundle: NetworkBundle, *, progress: Progress | None = None
    ) -> ImportSummary: ...

    # access
    def create_token(self, token: TokenCreate, *, token_hash: str) -> TokenInfo: ...
    def principal_for_token(self, token_hash: str) -> TokenInfo | None: ...
    def list_tokens(self) -> list[TokenInfo]: ...
    def set_token_expiry(self, token_id: str, expires_at: datetime | None) -> TokenInfo: ...
    def revoke_token(self, token_id: str, at: datetime) -> TokenInfo:
        """Keeps the first revocation's time; :class:`NotFound` for an unknown token."""
        ...

    # sessions and one-time sign-in codes, kept by the hashes of their secrets
    def create_session(self, session: SessionRecord) -> None:
        """Stores ``session`` and forgets the sessions that ended before it began."""
        ...

    def get_session(self, id_hash: str) -> SessionRecord | None: ...
    def end_session(self, id_hash: str) -> None: ...
    def create_sign_in_code(self, code: SignInCode) -> None: ...
    def take_sign_in_code(self, code_hash: str) -> SignInCode | None:
        """The code, deleted in the same transaction: a code is taken at most once."""
        ...

    # wrong tokens and sign-in codes by client address, counted by every worker together
    def note_wrong_token(self, client: str, at: datetime, *, since: datetime) -> int:
        """Notes a wrong token of ``client`` at ``at`` and forgets every one (of any client)
        before ``since``; how many ``client`` sent from ``since`` on, this one included."""
        ...

    def refuse_client(self, client: str, until: datetime) -> None:
        """Refuses ``client`` until ``until`` and forgets its wrong tokens."""
        ...

    def client_refused_until(self, client: str) -> datetime | None:
        """Until when ``client`` is refused, if it was ever refused (maybe a past moment)."""
        ...

    # analytics input
    def partner_graph(self, org_id: str | None = None, *, depth: int = 1) -> nx.Graph: ...
    def partner_records(self, org_id: str, *, as_of: datetime | None = None) -> PartnerRecords:
        """``introduction_graph([org_id], sectors=())``, ``referral_flow(org_id, as_of=as_of)``
        and ``evidence_naming(org_id)`` read together (on Neo4j one statement beside the
        live graph).
        :class:`NotFound` when ``org_id`` does not exist."""
        ...

    def health_records(self, org_id: str, *, since: datetime, until: datetime) -> HealthRecords:
        """``introduction_graph([org_id], sectors=())``, by partner the day of the latest
        touchpoint of ``org_id`` with it by ``until``,
        ``list_survey_rounds(org_id=org_id)``, ``referral_tallies(org_id,
        until=until)``, ``evidence_naming(org_id)`` and ``referral_facts(org_id, since=since,
        until=until)`` read together (on Neo4j one statement beside the live graph).
        :class:`NotFound` when ``org_id`` does not exist."""
        ...

    def level_records(self, org_id: str, *, until: datetime) -> LevelRecords:
        """``referral_tallies(org_id, until=until)`` and ``evidence_naming(org_id)`` read
        together (on Neo4j one statement). :class:`NotFound` when ``org_id`` does not exist."""
        ...

    def plan_records(self, org_id: str) -> PlanRecords:
        """``introduction_graph([org_id], sectors=())``, every engagement activity of
        ``org_id``, ``list_survey_rounds(org_id=org_id)`` and the contacts of its planned
        activities read together (on Neo4j one statement beside the live graph).
        :class:`NotFound` when ``org_id`` does not exist."""
        ...

    def organization_stamp(self, org_id: str) -> int | None:
        """A number that changes whenever anything the answers about ``org_id`` show changes,
        by whichever process wrote it: its row or a partner's, its relationships, the
        referrals between it and others, the evidence naming it. None when the store keeps
        no such number (its answers are then never reused)."""
        ...

    # -- partnership evidence ----
    # Each list holds the records naming ``org_id``, oldest first (by date or start, then id).
    def create_joint_case_plan(self, plan: JointCasePlanCreate) -> JointCasePlan: ...
    def list_joint_case_plans(self, *, org_id: str) -> list[JointCasePlan]: ...
    def create_joint_program(self, program: JointProgramCreate) -> JointProgram: ...
    def list_joint_programs(self, *, org_id: str) -> list[JointProgram]: ...
    def create_agreement(self, agreement: AgreementCreate) -> Agreement: ...
    def list_agreements(self, *, org_id: str) -> list[Agreement]: ...
    def create_collaborative(self, collaborative: CollaborativeCreate) -> Collaborative: ...
    def list_collaboratives(self, *, org_id: str) -> list[Collaborative]: ...
    def get_collaborative(self, collaborative_id: str) -> Collaborative: ...
    def evidence_naming(self, org_id: str) -> EvidenceRecords:
        """The four lists above for ``org_id`` at once (one statement on Neo4j)."""

    # -- missing partners ----
    def introduction_graph(self, org_ids: Collection[str], *, sectors: Collection[str]) -> nx.Graph:
        """The organizations ``org_ids``, their partners, and the organizations of ``sectors``
        related to a partner; with every relationship of ``org_ids`` and every relationship of
        a partner with an organization of ``sectors``. Nodes and edges carry what
        ``partner_graph`` gives them, for reading only (a store may hand out views of its
        own). :class:`NotFound` names the first unknown id."""

    def lent_graph(self, org_ids: Collection[str]) -> AbstractContextManager[nx.Graph]:
        """Lends, for the ``with`` block, the store's whole live graph, for the analytics that
        walk it (ranking candidates, searching warm routes): nodes and edges carry what
        ``partner_graph`` gives them, and an ended relationship its ``ended_at``. Read-only and
        under the store's lock: write nothing to it, keep nothing of it past the block.
        :class:`NotFound` names the first of ``org_ids`` not in it."""
        ...

    def lent_gap_records(
        self, org_ids: Collection[str], *, profile: str
    ) -> AbstractContextManager[GapRecords]:
        """``lent_graph(org_ids)`` with ``get_profile(profile)`` and the profile's sectors,
        read together (on Neo4j one statement beside the live graph). :class:`NotFound` for
        an unknown profile, else naming the first of ``org_ids`` not in the graph."""
        ...

    # -- maps ---------------------------------------------------------------------------------
    def region_graph(self, region: str) -> nx.Graph:
        """The organizations of ``region`` and the relationships among them, as in
        ``partner_graph``; empty when no organization is in that region."""
        ...

    # -- referrals ----
    # ``visible_to`` is the reader's organization: it sees the referrals it sent or received.
    # None stands for a reader of no organization (an admin): every referral not sensitive.
    def create_referral(self, referral: ReferralCreate, *, recorded_by: str) -> Referral: ...
    def add_referral_event(
        self, referral_id: str, event: ReferralEventCreate, *, recorded_by: str
    ) -> Referral: ...
    def get_referral(self, referral_id: str) -> Referral: ...
    def list_referrals(self, query: ReferralQuery, *, visible_to: str | None) -> Page[Referral]: ...
    def referral_flow(
        self, org_id: str, *, as_of: datetime | None = None
    ) -> dict[str, ReferralFlow]: ...
    def feedback_loops(
        self,
        *,
        org_id: str | None = None,
        overdue_before: datetime,
        worst: int,
        days_along_up_to: int = DAYS_ALONG_UP_TO,
    ) -> FeedbackLoops:
        """The referral pairs that ``org_id`` is either end of (of the whole network when
        None), their open loops sent before ``overdue_before`` overdue: every organization's
        counts and the totals, and of the pairs at least the ``worst`` that rank first in the
        feedback-gap report (most overdue, then lowest closure rate, then most sent). Of one
        organization, with the days to feedback of every pair of it when they all rank in the
        ``worst`` or it is an end of no more than ``days_along_up_to`` referrals."""
        ...

    def days_to_feedback(
        self, scopes: list[LoopScope], *, late_after_days: int
    ) -> list[DaysToFeedback]:
        """How long the closed loops of each scope took to close, in the order asked, those
        closed after more than ``late_after_days`` counted late."""
        ...

    def reclose_loops(self) -> int | None:
        """Unless the loops were last closed by the current rule (``LOOP_RULE``), work out
        again from every referral's events when its loop closed (at the first status of
        ``LOOP_CLOSING``) and every pair's counters of closed loops, then keep the rule, in
        one transaction; how many referrals' loops changed, or None when already up to date.
        """
        ...

    def record_audit(self, entries: list[AuditEntryCreate]) -> None: ...
    def list_audit(self, query: AuditQuery) -> Page[AuditEntry]: ...

    # -- referrals as partnership signals ----
    def referral_facts(
        self, org_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ReferralFact]:
        """The referrals ``org_id`` sent or received, as the plain facts health weighs in its
        window: every one, or those sent after ``since`` and by ``until`` when given, ordered by
        ``sent_at``, then sender, receiver and case."""
        ...

    def referral_tallies(self, org_id: str, *, until: datetime) -> dict[str, ReferralTally]:
        """The referrals between ``org_id`` and each partner (itself left out) sent by
        ``until``, tallied by partner id: a pair whose referrals were all sent by then is read
        from its counters, only the referrals of the others through their index."""
        ...

    # -- copying between stores ----
    def count_records(self, kind: RecordKind) -> int:
        """How many records of ``kind`` the store keeps."""
        ...

    def export_records(self, kind: RecordKind, *, batch_size: int) -> Iterator[list[Row]]:
        """Every record of ``kind`` as rows of :data:`~service.store.shared.copying.RECORD_FIELDS`,
        by key, ``batch_size`` at a time, each batch read when it is asked for."""
        ...

    def import_records(self, kind: RecordKind, rows: list[Row]) -> None:
        """Write rows another store exported, in one transaction; a row whose key is stored
        replaces it. :class:`InvalidReference` when a row names a record not stored."""
        ...

    # -- surveys ----
    def create_survey_round(self, survey_round: NewSurveyRound) -> SurveyRoundDetail:
        """Stores a round with its respondents; :class:`Conflict` when its id is taken."""
        ...

    def get_survey_round(self, round_id: str) -> SurveyRoundDetail:
        """The round with its respondents by organization then name; :class:`NotFound`."""
        ...

    def list_survey_rounds(
        self, *, org_id: str | None = None, round_id: str | None = None
    ) -> list[SurveyRound]:
        """The rounds ``org_id`` ran (every round when None), newest first; only the round
        ``round_id`` when given (none when there is no such round)."""
        ...

    def survey_answers(self, round_id: str) -> list[SurveyAnswer]:
        """Every answer of the round, by partner, then respondent."""
        ...

    def survey_asked(self, round_id: str) -> list[Asked]:
        """How many respondents of each side are asked about each partner, by partner."""
        ...

    def survey_tallies(self, round_id: str) -> list[Tally]:
        """The round's answers counted and summed per partner, side and view (those who don't
        know also per sum of their six ratings), by partner."""
        ...

    def save_survey_answers(
        self, round_id: str, respondent_id: str, save: AnswersSave, *, saved_at: datetime
    ) -> Respondent:
        """Replaces the respondent's answers about the partners ``save`` names and bumps their
        version, in one transaction; :class:`Conflict` (nothing written) when their version is
        no longer ``save.version``, :class:`NotFound` for an unknown round or respondent."""
        ...

    # -- mail ----
    def queue_mail(self, mails: list[OutgoingMail]) -> None:
        """Adds messages to the outbox, all or nothing."""
        ...

    def list_mail(
        self, *, round_id: str | None = None, unsent_only: bool = False
    ) -> list[OutgoingMail]:
        """The outbox, oldest first: a round's messages, or all; only those not sent yet."""
        ...

    def claim_mail(self, mail_id: str, *, at: datetime) -> bool:
        """Takes an unsent message nobody has taken for sending; False if it is sent or taken."""
        ...

    def settle_mail(self, mail_id: str, *, sent_at: datetime | None, error: str | None) -> None:
        """Records what became of a taken message: sent at ``sent_at``, or failed with
        ``error`` (counted, and given back for the next try)."""
        ...
