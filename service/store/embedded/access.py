"""Access in the embedded store: API tokens and the audit log."""

from __future__ import annotations

import sqlite3

from graph_models import AuditEntry, AuditEntryCreate, AuditQuery, Page, Principal, TokenCreate
from graph_models.common import utc_now
from service.store.embedded.connection import EmbeddedBase
from service.store.shared.values import from_text, new_id, to_text


class AccessMixin(EmbeddedBase):
    """Tokens and the audit log."""

    def create_token(self, token: TokenCreate, *, token_hash: str) -> Principal:
        with self._write() as db:
            if token.org_id:
                self._require_org(token.org_id)
            token_id = new_id(None, token.name, lambda slug: self._exists("tokens", "id", slug))
            db.execute(
                "INSERT INTO tokens (id, name, role, org_id, token_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    token.name,
                    token.role.value,
                    token.org_id,
                    token_hash,
                    to_text(utc_now()),
                ),
            )
        return Principal(token_id=token_id, name=token.name, role=token.role, org_id=token.org_id)

    def principal_for_token(self, token_hash: str) -> Principal | None:
        row = self._one("SELECT * FROM tokens WHERE token_hash = ?", (token_hash,))
        if row is None:
            return None
        return Principal(
            token_id=row["id"],
            name=row["name"],
            role=row["role"],
            org_id=row["org_id"],
            created_at=from_text(row["created_at"]),
        )

    def record_audit(self, entries: list[AuditEntryCreate]) -> None:
        at = to_text(utc_now())
        with self._write() as db:
            db.executemany(
                "INSERT INTO audit_log (at, actor, token_id, role, org_id, action, case_ref, "
                "referral_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        at,
                        e.actor,
                        e.token_id,
                        e.role.value,
                        e.org_id,
                        e.action.value,
                        e.case_ref,
                        e.referral_id,
                    )
                    for e in entries
                ],
            )

    def list_audit(self, query: AuditQuery) -> Page[AuditEntry]:
        where, params = ["1 = 1"], []
        for condition, value in (
            ("case_ref = ?", query.case_ref),
            ("org_id = ?", query.org_id),
            ("action = ?", query.action.value if query.action else None),
            ("at >= ?", to_text(query.since) if query.since else None),
            ("at <= ?", to_text(query.until) if query.until else None),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        sql = f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC"
        return self._page(sql, params, query, _audit_entry)


def _audit_entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        at=from_text(row["at"]),
        actor=row["actor"],
        token_id=row["token_id"],
        role=row["role"],
        org_id=row["org_id"],
        action=row["action"],
        case_ref=row["case_ref"],
        referral_id=row["referral_id"],
    )
