"""Access in the embedded store: API tokens, sessions, sign-in codes and the audit log."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from graph_models import (
    AuditEntry,
    AuditEntryCreate,
    AuditQuery,
    Page,
    SessionRecord,
    SignInCode,
    TokenCreate,
    TokenInfo,
)
from graph_models.common import utc_now
from service.errors import NotFound
from service.store.embedded.connection import EmbeddedBase
from service.store.shared.values import from_text, new_id, optional_text, to_text


class AccessMixin(EmbeddedBase):
    """Tokens, sessions, sign-in codes and the audit log."""

    def create_token(self, token: TokenCreate, *, token_hash: str) -> TokenInfo:
        created_at = utc_now()
        with self._write() as db:
            if token.org_id:
                self._require_org(token.org_id)
            token_id = new_id(None, token.name, lambda slug: self._exists("tokens", "id", slug))
            db.execute(
                "INSERT INTO tokens (id, name, role, org_id, token_hash, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    token.name,
                    token.role.value,
                    token.org_id,
                    token_hash,
                    to_text(created_at),
                    optional_text(token.expires_at),
                ),
            )
        return TokenInfo(
            token_id=token_id,
            name=token.name,
            role=token.role,
            org_id=token.org_id,
            created_at=created_at,
            expires_at=token.expires_at,
        )

    def principal_for_token(self, token_hash: str) -> TokenInfo | None:
        row = self._one("SELECT * FROM tokens WHERE token_hash = ?", (token_hash,))
        return None if row is None else _token(row)

    def list_tokens(self) -> list[TokenInfo]:
        return [_token(row) for row in self._all("SELECT * FROM tokens ORDER BY created_at, id")]

    def set_token_expiry(self, token_id: str, expires_at: datetime | None) -> TokenInfo:
        return self._update_token(token_id, "expires_at = ?", optional_text(expires_at))

    def revoke_token(self, token_id: str, at: datetime) -> TokenInfo:
        return self._update_token(token_id, "revoked_at = coalesce(revoked_at, ?)", to_text(at))

    def _update_token(self, token_id: str, assignment: str, value: str | None) -> TokenInfo:
        with self._write() as db:
            row = db.execute(
                f"UPDATE tokens SET {assignment} WHERE id = ? RETURNING *", (value, token_id)
            ).fetchone()
        if row is None:
            raise NotFound(f"token '{token_id}' does not exist")
        return _token(row)

    # -- sessions and sign-in codes ---------------------------------------------------------

    def create_session(self, session: SessionRecord) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (to_text(session.created_at),))
            db.execute(
                "INSERT INTO sessions (id_hash, token_hash, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    session.id_hash,
                    session.token_hash,
                    to_text(session.created_at),
                    to_text(session.expires_at),
                ),
            )

    def get_session(self, id_hash: str) -> SessionRecord | None:
        row = self._one("SELECT * FROM sessions WHERE id_hash = ?", (id_hash,))
        if row is None:
            return None
        return SessionRecord(
            id_hash=row["id_hash"],
            token_hash=row["token_hash"],
            created_at=from_text(row["created_at"]),
            expires_at=from_text(row["expires_at"]),
        )

    def end_session(self, id_hash: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    def note_wrong_token(self, client: str, at: datetime, *, since: datetime) -> int:
        with self._write() as db:
            db.execute("DELETE FROM wrong_tokens WHERE at < ?", (to_text(since),))
            db.execute("INSERT INTO wrong_tokens (client, at) VALUES (?, ?)", (client, to_text(at)))
            [count] = db.execute(
                "SELECT count(*) FROM wrong_tokens WHERE client = ?", (client,)
            ).fetchone()
        return int(count)

    def refuse_client(self, client: str, until: datetime) -> None:
        with self._write() as db:
            db.execute("DELETE FROM wrong_tokens WHERE client = ?", (client,))
            db.execute(
                "INSERT INTO refused_clients (client, until) VALUES (?, ?) "
                "ON CONFLICT (client) DO UPDATE SET until = excluded.until",
                (client, to_text(until)),
            )

    def client_refused_until(self, client: str) -> datetime | None:
        row = self._one("SELECT until FROM refused_clients WHERE client = ?", (client,))
        return from_text(row["until"]) if row else None

    def create_sign_in_code(self, code: SignInCode) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO sign_in_codes (code_hash, token_hash, expires_at) VALUES (?, ?, ?)",
                (code.code_hash, code.token_hash, to_text(code.expires_at)),
            )

    def take_sign_in_code(self, code_hash: str) -> SignInCode | None:
        with self._write() as db:
            row = db.execute(
                "DELETE FROM sign_in_codes WHERE code_hash = ? RETURNING *", (code_hash,)
            ).fetchone()
        if row is None:
            return None
        return SignInCode(
            code_hash=row["code_hash"],
            token_hash=row["token_hash"],
            expires_at=from_text(row["expires_at"]),
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


def _token(row: sqlite3.Row) -> TokenInfo:
    return TokenInfo(
        token_id=row["id"],
        name=row["name"],
        role=row["role"],
        org_id=row["org_id"],
        created_at=from_text(row["created_at"]),
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


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
