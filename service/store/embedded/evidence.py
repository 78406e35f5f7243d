"""Partnership evidence in the embedded store: joint case plans, joint programs, agreements
and collaboratives, each with the organizations it binds.
"""

from __future__ import annotations

import json
import sqlite3

from graph_models.common import utc_now
from service.errors import Conflict
from service.store.embedded.connection import EmbeddedBase
from service.store.shared.evidence import (
    EVIDENCE_KINDS,
    EvidenceCreate,
    EvidenceMethods,
    EvidenceRecord,
    EvidenceRow,
    evidence_noun,
    evidence_record,
    evidence_row,
)
from service.store.shared.values import new_id, to_text


class EvidenceMixin(EvidenceMethods, EmbeddedBase):
    """Partnership evidence: one table of records of every kind, and their organizations."""

    def _evidence_of(self, model: type[EvidenceRecord], org_id: str) -> list[EvidenceRecord]:
        return self._evidence(model, org_id=org_id)

    def _evidence_by_id(
        self, model: type[EvidenceRecord], evidence_id: str
    ) -> EvidenceRecord | None:
        found = self._evidence(model, evidence_id=evidence_id)
        return found[0] if found else None

    def _create_evidence(
        self, record: EvidenceCreate, model: type[EvidenceRecord]
    ) -> EvidenceRecord:
        """Write one evidence record and the organizations it binds, and read it back."""
        with self._write() as db:
            evidence_id = self._insert_evidence(db, evidence_row(record))
        return self._evidence(model, evidence_id=evidence_id)[0]

    def _insert_evidence(self, db: sqlite3.Connection, row: EvidenceRow) -> str:
        """Insert one evidence record and the organizations it binds; its id."""

        def taken(slug: str) -> bool:
            found = self._one("SELECT 1 FROM evidence WHERE kind = ? AND id = ?", (row.kind, slug))
            return found is not None

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
            f"INSERT INTO evidence ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
            tuple(values.values()),
        )
        db.executemany(
            "INSERT INTO evidence_orgs (kind, evidence_id, org_id) VALUES (?, ?, ?)",
            [(row.kind.value, evidence_id, org_id) for org_id in row.org_ids],
        )
        return evidence_id

    def _evidence(
        self,
        model: type[EvidenceRecord],
        *,
        org_id: str | None = None,
        evidence_id: str | None = None,
    ) -> list[EvidenceRecord]:
        """Evidence of one kind naming ``org_id`` (or with ``evidence_id``), oldest first: the
        organization's found through the index of the organizations' evidence (left to itself,
        SQLite's planner walks every record of the kind, the key of the organizations' table
        covering its columns)."""
        which = (
            "e.id = :id"
            if evidence_id is not None
            else "e.id IN (SELECT evidence_id FROM evidence_orgs INDEXED BY evidence_orgs_by_org "
            "WHERE org_id = :org AND kind = :kind)"
        )
        rows = self._all(
            "SELECT e.*, (SELECT json_group_array(org_id) FROM evidence_orgs "
            "             WHERE kind = e.kind AND evidence_id = e.id) AS org_ids "
            f"FROM evidence e WHERE e.kind = :kind AND {which} ORDER BY e.start_date, e.id",
            {"kind": EVIDENCE_KINDS[model].value, "id": evidence_id, "org": org_id},
        )
        return [
            evidence_record(model, dict(row), sorted(json.loads(row["org_ids"]))) for row in rows
        ]
