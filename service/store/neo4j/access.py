"""Access in Neo4j: access tokens, sessions and sign-in codes, each stored by the hash of its
secret, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction
from pydantic import BaseModel

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
from service.errors import NotFound
from service.store.neo4j import cypher
from service.store.neo4j.bulk import _Writer
from service.store.neo4j.connection import (
    Neo4jConnection,
    _anchor,
    _model,
    _now,
    _rows,
    _run,
)
from service.store.shared.values import from_text, optional_text, to_text


class AccessMixin(Neo4jConnection):
    """Access tokens, sessions, sign-in codes and the audit log."""

    # -- tokens -----------------------------------------------------------------------------

    def create_token(self, token: TokenCreate, *, token_hash: str) -> TokenInfo:
        self._write(lambda tx: _Writer(tx).token(token, token_hash))
        return _model(TokenInfo, self._query(cypher.PRINCIPAL_FOR_TOKEN, token_hash=token_hash)[0])

    def principal_for_token(self, token_hash: str) -> TokenInfo | None:
        rows = self._query(cypher.PRINCIPAL_FOR_TOKEN, token_hash=token_hash)
        return _model(TokenInfo, rows[0]) if rows else None

    def list_tokens(self) -> list[TokenInfo]:
        return [_model(TokenInfo, row) for row in self._query(cypher.LIST_TOKENS)]

    def set_token_expiry(self, token_id: str, expires_at: datetime | None) -> TokenInfo:
        return self._changed_token(
            cypher.SET_TOKEN_EXPIRY, id=token_id, expires_at=optional_text(expires_at)
        )

    def revoke_token(self, token_id: str, at: datetime) -> TokenInfo:
        return self._changed_token(cypher.REVOKE_TOKEN, id=token_id, at=to_text(at))

    def _changed_token(self, statement: str, **params: Any) -> TokenInfo:
        rows = self._write(lambda tx: _rows(tx, statement, **params))
        if not rows:
            raise NotFound(f"token '{params['id']}' does not exist")
        return _model(TokenInfo, rows[0])

    # -- sessions and sign-in codes ---------------------------------------------------------

    def create_session(self, session: SessionRecord) -> None:
        row = _texts(session)

        def work(tx: ManagedTransaction) -> None:
            _run(tx, cypher.END_SESSIONS_BEFORE, before=row["created_at"])
            _run(tx, cypher.CREATE_SESSION, row=row)

        self._write(work)

    def get_session(self, id_hash: str) -> SessionRecord | None:
        rows = self._query(cypher.GET_SESSION, id_hash=id_hash)
        return _model(SessionRecord, rows[0]) if rows else None

    def end_session(self, id_hash: str) -> None:
        self._write(lambda tx: _run(tx, cypher.END_SESSION, id_hash=id_hash))

    def note_wrong_token(self, client: str, at: datetime, *, since: datetime) -> int:
        def work(tx: ManagedTransaction) -> int:
            _run(tx, cypher.FORGET_WRONG_TOKENS_BEFORE, since=to_text(since))
            noted = tx.run(cypher.NOTE_WRONG_TOKEN, client=client, at=to_text(at))
            return int(noted.single(strict=True)["row"])

        return self._write(work)

    def refuse_client(self, client: str, until: datetime) -> None:
        self._write(lambda tx: _run(tx, cypher.REFUSE_CLIENT, client=client, until=to_text(until)))

    def client_refused_until(self, client: str) -> datetime | None:
        rows = self._query(cypher.CLIENT_REFUSED_UNTIL, client=client)
        return from_text(rows[0]) if rows else None

    def create_sign_in_code(self, code: SignInCode) -> None:
        self._write(lambda tx: _run(tx, cypher.CREATE_SIGN_IN_CODE, row=_texts(code)))

    def take_sign_in_code(self, code_hash: str) -> SignInCode | None:
        rows = self._write(lambda tx: _rows(tx, cypher.TAKE_SIGN_IN_CODE, code_hash=code_hash))
        return _model(SignInCode, rows[0]) if rows else None

    # -- audit log --------------------------------------------------------------------------

    def record_audit(self, entries: list[AuditEntryCreate]) -> None:
        if not entries:
            return
        at = _now()

        def work(tx: ManagedTransaction) -> None:
            reserved = tx.run(cypher.RESERVE_AUDIT_SEQS, count=len(entries))
            first = reserved.single(strict=True)["last"] - len(entries) + 1
            rows = [
                {**entry.model_dump(mode="json"), "seq": first + number, "at": at}
                for number, entry in enumerate(entries)
            ]
            _run(tx, cypher.MERGE_AUDIT_ENTRIES, rows=rows)

        self._write(work)

    def list_audit(self, query: AuditQuery) -> Page[AuditEntry]:
        anchor = _anchor(case_ref=query.case_ref, org_id=query.org_id)
        return self._page(
            AuditEntry,
            cypher.PAGE_AUDIT[anchor],
            query,
            case_ref=query.case_ref,
            org_id=query.org_id,
            action=query.action.value if query.action else None,
            since=to_text(query.since) if query.since else None,
            until=to_text(query.until) if query.until else None,
        )


def _texts(record: BaseModel) -> dict[str, Any]:
    """A record's fields as properties, its timestamps as the store's sortable text."""
    return {
        key: to_text(value) if isinstance(value, datetime) else value
        for key, value in record.model_dump().items()
    }
