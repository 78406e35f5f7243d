"""The embedded store: one SQLite file, with a networkx graph derived from it for analytics.

Its parts, each a mixin over :class:`~service.store.embedded.connection.EmbeddedBase`:
:mod:`.connection` (the connection, lock and live graph), :mod:`.network` (sectors,
profiles, organizations, contacts, relationships, engagements and the graphs lent to
analytics), :mod:`.evidence` (partnership evidence), :mod:`.referrals` (referrals, flows,
feedback loops), :mod:`.access` (tokens and the audit log), :mod:`.bulk` (bundle imports)
and :mod:`.copying` (copying between stores); :mod:`.surveys` keeps survey rounds and the
outbox.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime

from graph_models import EngagementStatus
from service.store.embedded.access import AccessMixin
from service.store.embedded.bulk import BulkMixin
from service.store.embedded.connection import DATABASE_FILE
from service.store.embedded.copying import CopyingMixin
from service.store.embedded.evidence import EvidenceMixin
from service.store.embedded.network import NetworkMixin
from service.store.embedded.referrals import ReferralsMixin
from service.store.embedded.surveys import SurveysMixin
from service.store.shared.network import (
    GapRecords,
    HealthRecords,
    LevelRecords,
    PartnerRecords,
    PlanRecords,
)

__all__ = ["DATABASE_FILE", "EmbeddedStore"]


class EmbeddedStore(
    BulkMixin,
    CopyingMixin,
    ReferralsMixin,
    NetworkMixin,
    EvidenceMixin,
    AccessMixin,
    SurveysMixin,
):
    """The default store: ``DATA_DIR/stakeholder-graph.sqlite3`` and an in-memory graph.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from graph_models import OrganizationCreate, Sector
    >>> store = EmbeddedStore(Path(tempfile.mkdtemp()))
    >>> store.upsert_sectors([Sector(slug="wic", label="WIC")])
    >>> store.create_organization(OrganizationCreate(name="WIC Lane County", sector="wic")).id
    'wic-lane-county'
    >>> store.close()
    """

    kind = "embedded"

    def partner_records(self, org_id: str, *, as_of: datetime | None = None) -> PartnerRecords:
        # The three reads of the graph, the referral pairs and the evidence, in one snapshot.
        return self.read_together(
            lambda: PartnerRecords(
                self.introduction_graph([org_id], sectors=()),
                self.referral_flow(org_id, as_of=as_of),
                self.evidence_naming(org_id),
            )
        )

    def health_records(self, org_id: str, *, since: datetime, until: datetime) -> HealthRecords:
        return self.read_together(
            lambda: HealthRecords(
                self.introduction_graph([org_id], sectors=()),  # first: NotFound
                self._touchpoints(org_id, until=until),
                self.list_survey_rounds(org_id=org_id),
                self.referral_tallies(org_id, until=until),
                self.evidence_naming(org_id),
                self.referral_facts(org_id, since=since, until=until),
            )
        )

    def level_records(self, org_id: str, *, until: datetime) -> LevelRecords:
        return self.read_together(
            lambda: LevelRecords(
                self.referral_tallies(org_id, until=until),  # first: NotFound
                self.evidence_naming(org_id),
            )
        )

    @contextmanager
    def lent_gap_records(self, org_ids: Collection[str], *, profile: str) -> Iterator[GapRecords]:
        with self._lock, self._snapshot():
            chosen = self.get_profile(profile)  # first: NotFound
            sectors = [sector for sector in self.list_sectors() if sector.slug in chosen.sectors]
            with self.lent_graph(org_ids) as graph:
                yield GapRecords(graph, chosen, sectors)

    def plan_records(self, org_id: str) -> PlanRecords:
        def read() -> PlanRecords:
            graph = self.introduction_graph([org_id], sectors=())  # first: NotFound
            engagements = self._engagements_of(org_id)
            planned = {
                contact_id
                for engagement in engagements
                if engagement.status is EngagementStatus.PLANNED
                for contact_id in engagement.contact_ids
            }
            contacts = self.get_contacts(sorted(planned))
            return PlanRecords(graph, engagements, self.list_survey_rounds(org_id=org_id), contacts)

        return self.read_together(read)

    def organization_stamp(self, org_id: str) -> int | None:
        row = self._one("SELECT stamp FROM organization_stamps WHERE org_id = ?", (org_id,))
        return row[0] if row else 0
