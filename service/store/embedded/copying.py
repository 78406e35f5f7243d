"""Copying between stores, the embedded side: counting, exporting and importing records of
each kind as the plain rows of :mod:`service.store.shared.copying`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from service.store.embedded.network import NetworkMixin
from service.store.shared.copying import (
    LOOPS_KEPT_IN,
    RECORD_FIELDS,
    RecordKind,
    Row,
    check_references,
    record_key,
)


class CopyingMixin(NetworkMixin):
    """Counts, exports and imports records, keeping the graph in step."""

    def count_records(self, kind: RecordKind) -> int:
        row = self._one(f"SELECT count(*) FROM {kind.value}")
        return row[0] if row else 0

    def export_records(self, kind: RecordKind, *, batch_size: int) -> Iterator[list[Row]]:
        key = ", ".join(record_key(kind))
        links = "".join(
            f", (SELECT json_group_array({link.member}) FROM {link.table} "
            f"WHERE {link.owned_by('t.')}) AS {link.field}"
            for link in _LINKS.get(kind, ())
        )
        select = f"SELECT t.*{links} FROM {kind.value} t"
        after: tuple[Any, ...] = ()
        while True:
            where = f"WHERE ({key}) > ({', '.join('?' * len(after))})" if after else ""
            rows = self._all(f"{select} {where} ORDER BY {key} LIMIT ?", (*after, batch_size))
            if not rows:
                return
            yield [_exported(kind, row) for row in rows]
            after = tuple(rows[-1][column] for column in record_key(kind))

    def import_records(self, kind: RecordKind, rows: list[Row]) -> None:
        links = _LINKS.get(kind, ())
        columns = [field for field in RECORD_FIELDS[kind] if field not in _LINK_FIELDS]
        updates = ", ".join(f"{column} = excluded.{column}" for column in columns)
        upsert = (
            f"INSERT INTO {kind.value} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + column for column in columns)}) "
            f"ON CONFLICT ({', '.join(record_key(kind))}) DO UPDATE SET {updates}"
        )
        with self._write() as db:
            check_references(
                kind, rows, lambda named, keys: self._present(named, record_key(named)[0], keys)
            )
            db.executemany(upsert, [_imported(row) for row in rows])
            if kind in LOOPS_KEPT_IN:
                db.execute("DELETE FROM store_marks WHERE name = 'loop_rule'")
            for link in links:
                db.executemany(f"DELETE FROM {link.table} WHERE {link.owned_by(':')}", rows)
                db.executemany(
                    f"INSERT INTO {link.table} ({', '.join(link.columns)}, {link.member}) "
                    f"VALUES ({', '.join(':' + field for field in link.key)}, :member)",
                    [{**row, "member": m} for row in rows for m in row[link.field]],
                )


@dataclass(frozen=True)
class _Link:
    """A list ``field`` of a record kept as rows of a link ``table``, whose ``columns`` hold the
    owner's ``key`` fields and whose ``member`` column holds each item."""

    field: str
    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    member: str

    def owned_by(self, owner: str) -> str:
        """The condition that a link row belongs to ``owner``: ``t.`` (the owner's table,
        aliased ``t``) or ``:`` (the owner's named parameters)."""
        pairs = zip(self.columns, self.key, strict=True)
        return " AND ".join(f"{column} = {owner}{field}" for column, field in pairs)


_LINKS: dict[RecordKind, tuple[_Link, ...]] = {
    RecordKind.ENGAGEMENTS: (
        _Link("org_ids", "engagement_orgs", ("engagement_id",), ("id",), "org_id"),
        _Link("contact_ids", "engagement_contacts", ("engagement_id",), ("id",), "contact_id"),
    ),
    RecordKind.EVIDENCE: (
        _Link("org_ids", "evidence_orgs", ("kind", "evidence_id"), ("kind", "id"), "org_id"),
    ),
}
_LINK_FIELDS = {link.field for links in _LINKS.values() for link in links}
_BOOLEANS = {"internal", "sensitive", "screening", "consent"}
_JSON = {"sectors", "events", "partner_ids"}


def _exported(kind: RecordKind, row: sqlite3.Row) -> Row:
    """A stored row as the plain row of :data:`RECORD_FIELDS`."""
    found = dict(row)
    exported: Row = {}
    for field in RECORD_FIELDS[kind]:
        value = found[field]
        if field in _BOOLEANS:
            value = bool(value)
        elif field in _LINK_FIELDS:
            value = sorted(json.loads(value))
        elif field in _JSON:
            value = json.loads(value)
        exported[field] = value
    return exported


def _imported(row: Row) -> Row:
    """A plain row as stored: lists as JSON text."""
    return {
        field: json.dumps(value) if field in _JSON else value
        for field, value in row.items()
        if field not in _LINK_FIELDS
    }
