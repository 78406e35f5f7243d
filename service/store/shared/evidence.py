"""What both stores do alike with partnership evidence: the row of a record and back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from graph_models.evidence import (
    Agreement,
    AgreementCreate,
    Collaborative,
    CollaborativeCreate,
    EvidenceKind,
    EvidenceRecords,
    JointCasePlan,
    JointCasePlanCreate,
    JointProgram,
    JointProgramCreate,
)
from service.errors import NotFound
from service.store.shared.values import from_text

EvidenceCreate = JointCasePlanCreate | JointProgramCreate | AgreementCreate | CollaborativeCreate
EvidenceRecord = TypeVar("EvidenceRecord", JointCasePlan, JointProgram, Agreement, Collaborative)
EVIDENCE_KINDS: dict[type[BaseModel], EvidenceKind] = {
    JointCasePlan: EvidenceKind.JOINT_CASE_PLAN,
    JointProgram: EvidenceKind.JOINT_PROGRAM,
    Agreement: EvidenceKind.AGREEMENT,
    Collaborative: EvidenceKind.COLLABORATIVE,
}
"""The kind under which each evidence model is stored."""


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence record flattened the way both stores keep it.

    ``columns`` are ``subkind`` (an agreement's kind or a collaborative's scope), ``name`` (a
    program's name, an agreement's title, a collaborative's name), ``case_ref``,
    ``governance``, ``notes`` (``""`` for kinds without notes), ``start_date`` and
    ``end_date`` (ISO dates).
    """

    kind: EvidenceKind
    wanted_id: str | None
    id_source: str
    org_ids: list[str]
    columns: dict[str, str | None]


def evidence_row(record: EvidenceCreate) -> EvidenceRow:
    """Flatten a new evidence record; ``id_source`` is what its id is made from if it has none.

    >>> row = evidence_row(AgreementCreate(kind="liaison", org_ids=["a", "b"], start="2018-01-01"))
    >>> row.kind.value, row.id_source, row.columns["name"]
    ('agreement', 'liaison 2018-01-01', 'Staff liaison position')
    """
    if isinstance(record, JointCasePlanCreate):
        return EvidenceRow(
            EvidenceKind.JOINT_CASE_PLAN,
            record.id,
            f"joint case plan {record.date}",
            record.org_ids,
            {"case_ref": record.case_ref, "notes": "", **_period(record.date, None)},
        )
    if isinstance(record, JointProgramCreate):
        return EvidenceRow(
            EvidenceKind.JOINT_PROGRAM,
            record.id,
            record.name,
            record.org_ids,
            {"name": record.name, "notes": record.notes, **_period(record.start, record.end)},
        )
    if isinstance(record, AgreementCreate):
        return EvidenceRow(
            EvidenceKind.AGREEMENT,
            record.id,
            record.title or f"{record.kind.value} {record.start}",
            record.org_ids,
            {
                "subkind": record.kind.value,
                "name": record.title or record.kind.label.capitalize(),
                "notes": record.notes,
                **_period(record.start, record.end),
            },
        )
    return EvidenceRow(
        EvidenceKind.COLLABORATIVE,
        record.id,
        record.name,
        record.member_org_ids,
        {
            "subkind": record.scope.value,
            "name": record.name,
            "governance": record.governance,
            "notes": "",
            **_period(record.start, record.end),
        },
    )


def _period(start: date, end: date | None) -> dict[str, str | None]:
    return {"start_date": start.isoformat(), "end_date": end.isoformat() if end else None}


def evidence_record(
    model: type[EvidenceRecord], row: Mapping[str, Any], org_ids: list[str]
) -> EvidenceRecord:
    """The stored evidence ``row`` (with ``id`` and ``created_at`` text) as ``model``."""
    period = {"start": row["start_date"], "end": row["end_date"]}
    fields: dict[str, Any] = {"id": row["id"], "created_at": from_text(row["created_at"])}
    if model is JointCasePlan:
        fields |= {"case_ref": row["case_ref"], "org_ids": org_ids, "date": row["start_date"]}
    elif model is JointProgram:
        fields |= {"name": row["name"], "org_ids": org_ids, "notes": row["notes"], **period}
    elif model is Agreement:
        fields |= {"kind": row["subkind"], "title": row["name"], "org_ids": org_ids}
        fields |= {"notes": row["notes"], **period}
    else:
        fields |= {"name": row["name"], "scope": row["subkind"], "member_org_ids": org_ids}
        fields |= {"governance": row["governance"], **period}
    return model.model_validate(fields)


def evidence_noun(kind: EvidenceKind) -> str:
    """What a kind of evidence is called in messages, the same on every store.

    >>> evidence_noun(EvidenceKind.JOINT_PROGRAM)
    'joint program'
    """
    return kind.value.replace("_", " ")


class EvidenceMethods(ABC):
    """The Store's evidence methods, written once for both stores over the three each store
    writes: :meth:`_create_evidence`, :meth:`_evidence_of` and :meth:`_evidence_by_id`."""

    @abstractmethod
    def _create_evidence(
        self, record: EvidenceCreate, model: type[EvidenceRecord]
    ) -> EvidenceRecord:
        """Write one evidence record and the organizations it binds, and read it back."""

    @abstractmethod
    def _evidence_of(self, model: type[EvidenceRecord], org_id: str) -> list[EvidenceRecord]:
        """The evidence of ``model``'s kind that binds ``org_id``, oldest first."""

    @abstractmethod
    def _evidence_by_id(
        self, model: type[EvidenceRecord], evidence_id: str
    ) -> EvidenceRecord | None:
        """The evidence of ``model``'s kind with ``evidence_id``, if there is one."""

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

    def get_collaborative(self, collaborative_id: str) -> Collaborative:
        found = self._evidence_by_id(Collaborative, collaborative_id)
        if found is None:
            raise NotFound(f"collaborative '{collaborative_id}' does not exist")
        return found

    def evidence_naming(self, org_id: str) -> EvidenceRecords:
        return EvidenceRecords(
            case_plans=self.list_joint_case_plans(org_id=org_id),
            programs=self.list_joint_programs(org_id=org_id),
            agreements=self.list_agreements(org_id=org_id),
            collaboratives=self.list_collaboratives(org_id=org_id),
        )
