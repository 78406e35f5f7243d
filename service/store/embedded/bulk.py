"""Bulk import into the embedded store: a whole network bundle in one transaction."""

from __future__ import annotations

import sqlite3

from graph_models import AssessmentImport, NetworkBundle, relationship_id
from graph_models.bundles import collector_paused
from service.store.embedded.evidence import EvidenceMixin
from service.store.embedded.referrals import ReferralsMixin
from service.store.protocol import ImportSummary, Progress
from service.store.shared.evidence import evidence_row
from service.store.shared.values import to_text

_CHECKED_HERE = frozenset({"name", "title", "description", "referrals"})
"""The parts of a bundle that need no foreign-key lookups by SQLite: its labels, and its
referrals, whose organizations ``_insert_referrals`` checks itself. Any other part, even one
added to bundles later, keeps the lookups on."""


class BulkMixin(ReferralsMixin, EvidenceMixin):
    """Imports a bundle through the inserts of the network, of evidence and of referrals."""

    def _insert_history(
        self, db: sqlite3.Connection, rel_id: str, history: list[AssessmentImport]
    ) -> None:
        for step in history:
            self._insert_assessment(
                db, rel_id, step.state, step.reason, step.assessed_by, to_text(step.assessed_at)
            )

    def import_bundle(
        self, bundle: NetworkBundle, *, progress: Progress | None = None
    ) -> ImportSummary:
        tick = progress or (lambda what, count: None)
        summary = ImportSummary()
        # A batch of referrals alone, as large imports come, has the organizations it names
        # checked in one query (_insert_referrals) rather than looked up by SQLite for each
        # referral and each new pair: those lookups were about 8% of such an import, validation
        # included.
        key_lookups = any(value for part, value in bundle if part not in _CHECKED_HERE)
        with collector_paused(), self._write_large(key_lookups=key_lookups) as db:
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
            for org in bundle.organizations:
                self._insert_organization(db, org)
                tick("organizations", 1)
            summary.organizations = len(bundle.organizations)
            for contact in bundle.contacts:
                self._insert_contact(db, contact)
                tick("contacts", 1)
            summary.contacts = len(bundle.contacts)
            for rel in bundle.relationships:
                rel_id = relationship_id(rel.org_a, rel.org_b)
                self._insert_relationship(db, rel_id, rel.org_a, rel.org_b)
                self._insert_history(db, rel_id, rel.history)
                summary.assessments += len(rel.history)
                tick("relationships", 1)
            summary.relationships = len(bundle.relationships)
            for org in bundle.updated_organizations:
                self._replace_organization(db, org)
            summary.organizations_updated = len(bundle.updated_organizations)
            for rel in bundle.added_assessments:
                rel_id = relationship_id(rel.org_a, rel.org_b)
                self._require_relationship(rel_id)
                self._insert_history(db, rel_id, rel.history)
                summary.assessments += len(rel.history)
            for engagement in bundle.engagements:
                self._insert_engagement(db, engagement)
                tick("engagements", 1)
            summary.engagements = len(bundle.engagements)
            for contact in bundle.updated_contacts:
                self._replace_contact(db, contact)
            summary.contacts_updated = len(bundle.updated_contacts)
            for engagement in bundle.updated_engagements:
                self._replace_engagement(db, engagement)
            summary.engagements_updated = len(bundle.updated_engagements)
            for record in bundle.evidence:
                self._insert_evidence(db, evidence_row(record))
            summary.evidence = len(bundle.evidence)
            summary.referral_events = self._insert_referrals(db, bundle.referrals)[1]
            summary.referrals = len(bundle.referrals)
            tick("referrals", summary.referrals)
        return summary
