"""Copying between stores in Neo4j: counting, exporting and importing records kind by kind
(:mod:`service.store.shared.copying`), in the plain rows both stores share.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from neo4j import ManagedTransaction

from graph_models.referrals import PAIR_COLUMNS
from service.store.neo4j import cypher
from service.store.neo4j.connection import (
    Neo4jConnection,
    Row,
    _chunks,
    _note_graph_changes,
    _rows,
    _run,
)
from service.store.neo4j.cypher import Label
from service.store.shared.copying import (
    LOOPS_KEPT_IN,
    RECORD_FIELDS,
    RecordKind,
    check_references,
    record_key,
)
from service.store.shared.live_graph import WHOLE_GRAPH


class CopyingMixin(Neo4jConnection):
    """Records copied between stores, kind by kind."""

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
                last, keys = rows[-1], _PAGED_BY.get(kind, record_key(kind))
                after = [last[key] for key in keys] if len(keys) > 1 else last[keys[0]]
        if batch:
            yield batch

    def import_records(self, kind: RecordKind, rows: list[Row]) -> None:
        def work(tx: ManagedTransaction) -> None:
            check_references(kind, rows, lambda named, keys: _stored(tx, named, keys))
            for name, stored in _to_import(kind, rows).items():
                for statement in cypher.IMPORT_COPIED[name]:
                    _run(tx, statement, rows=stored)
            if kind in LOOPS_KEPT_IN:
                _run(tx, cypher.MARK_LOOPS_COPIED)
            counter = _COUNTERS.get(kind)
            if counter and rows:
                _run(tx, cypher.RAISE_COUNTER, name=counter, last=max(r["seq"] for r in rows))
            if kind in _IN_LIVE_GRAPH and rows:
                _note_graph_changes(tx, [(WHOLE_GRAPH, WHOLE_GRAPH)])

        self._write(work)


_FIRST_KEYS: dict[RecordKind, Any] = {
    RecordKind.ASSESSMENTS: 0,
    RecordKind.AUDIT_LOG: 0,
    RecordKind.REFERRAL_PAIRS: ["", ""],
    RecordKind.SURVEY_RESPONDENTS: ["", ""],
    RecordKind.SURVEY_ANSWERS: ["", "", ""],
}
"""A key below every key of the kind: where an export starts (text keys start at '')."""
_PAGED_BY = {RecordKind.EVIDENCE: ("id",)}
"""The key an export pages by where it is not the kind's key: evidence goes label by label."""
_COUNTERS = {RecordKind.ASSESSMENTS: "assessment", RecordKind.AUDIT_LOG: "audit"}
"""The counter that numbers each kind of record kept by sequence number."""
_IN_LIVE_GRAPH = {RecordKind.ORGANIZATIONS, RecordKind.RELATIONSHIPS, RecordKind.ASSESSMENTS}
"""The kinds the live graph shows: a copy of a batch of them is noted as a change of the whole
graph."""
_REFERENCED = {
    RecordKind.SECTORS: Label.SECTOR,
    RecordKind.ORGANIZATIONS: Label.ORGANIZATION,
    RecordKind.CONTACTS: Label.CONTACT,
    RecordKind.RELATIONSHIPS: Label.RELATIONSHIP,
    RecordKind.SURVEY_ROUNDS: Label.SURVEY_ROUND,
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
