"""Partnership evidence in Neo4j: joint case plans, joint programs, agreements and
collaboratives, each a node bound to the organizations it names.
"""

from __future__ import annotations

from neo4j import ManagedTransaction

from graph_models.evidence import (
    Agreement,
    AgreementCreate,
    Collaborative,
    CollaborativeCreate,
    JointCasePlan,
    JointCasePlanCreate,
    JointProgram,
    JointProgramCreate,
)
from service.errors import NotFound
from service.store.neo4j import cypher
from service.store.neo4j.bulk import _Writer
from service.store.neo4j.connection import Neo4jConnection, _rows, _single
from service.store.neo4j.cypher import Label
from service.store.shared.evidence import (
    EVIDENCE_KINDS,
    EvidenceCreate,
    EvidenceRecord,
    evidence_record,
    evidence_row,
)


class EvidenceMixin(Neo4jConnection):
    """Partnership evidence: joint case plans, joint programs, agreements, collaboratives."""

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
