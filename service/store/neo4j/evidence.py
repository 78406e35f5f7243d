"""Partnership evidence in Neo4j: joint case plans, joint programs, agreements and
collaboratives, each a node bound to the organizations it names.
"""

from __future__ import annotations

from typing import Any

from neo4j import ManagedTransaction

from graph_models.evidence import (
    Agreement,
    Collaborative,
    EvidenceKind,
    EvidenceRecords,
    JointCasePlan,
    JointProgram,
)
from service.store.neo4j import cypher
from service.store.neo4j.bulk import _Writer
from service.store.neo4j.connection import Neo4jConnection, Row, _rows, _single
from service.store.shared.evidence import (
    EVIDENCE_KINDS,
    EvidenceCreate,
    EvidenceMethods,
    EvidenceRecord,
    evidence_record,
    evidence_row,
)


class EvidenceMixin(EvidenceMethods, Neo4jConnection):
    """Partnership evidence: joint case plans, joint programs, agreements, collaboratives."""

    def _evidence_of(self, model: type[EvidenceRecord], org_id: str) -> list[EvidenceRecord]:
        """The evidence of ``model``'s kind that binds ``org_id``, oldest first."""
        label = cypher.EVIDENCE_LABELS[EVIDENCE_KINDS[model]]
        rows = self._query(cypher.EVIDENCE_OF_ORGANIZATION[label], org_id=org_id)
        return [evidence_record(model, row, row["org_ids"]) for row in rows]

    def evidence_naming(self, org_id: str) -> EvidenceRecords:
        [naming] = self._query(cypher.EVIDENCE_NAMING, org_id=org_id) or [[]]
        return _evidence_records(naming)

    def _evidence_by_id(
        self, model: type[EvidenceRecord], evidence_id: str
    ) -> EvidenceRecord | None:
        def work(tx: ManagedTransaction) -> EvidenceRecord | None:
            label = cypher.EVIDENCE_LABELS[EVIDENCE_KINDS[model]]
            row = _single(tx, cypher.GET_EVIDENCE[label], id=evidence_id)
            return None if row is None else evidence_record(model, row, row["org_ids"])

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


def _evidence_records(naming: list[list[Any]]) -> EvidenceRecords:
    """The records of ``[kind, record]`` rows, as :data:`cypher.EVIDENCE_NAMING` lists them."""
    found: dict[str, list[Row]] = {kind: [] for kind in EvidenceKind}
    for kind, row in naming:
        found[kind].append(row)

    def records(model: type[EvidenceRecord]) -> list[EvidenceRecord]:
        return [evidence_record(model, r, r["org_ids"]) for r in found[EVIDENCE_KINDS[model]]]

    return EvidenceRecords(
        case_plans=records(JointCasePlan),
        programs=records(JointProgram),
        agreements=records(Agreement),
        collaboratives=records(Collaborative),
    )
