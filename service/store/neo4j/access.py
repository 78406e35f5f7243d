"""Access in Neo4j: access tokens, stored by their hash, and the audit log."""

from __future__ import annotations

from neo4j import ManagedTransaction

from graph_models import AuditEntry, AuditEntryCreate, AuditQuery, Page, Principal, TokenCreate
from service.store.neo4j import cypher
from service.store.neo4j.bulk import _Writer
from service.store.neo4j.connection import Neo4jConnection, _anchor, _model, _now, _run
from service.store.shared.values import to_text


class AccessMixin(Neo4jConnection):
    """Access tokens and the audit log."""

    # -- tokens -----------------------------------------------------------------------------

    def create_token(self, token: TokenCreate, *, token_hash: str) -> Principal:
        token_id = self._write(lambda tx: _Writer(tx).token(token, token_hash))
        return Principal(token_id=token_id, name=token.name, role=token.role, org_id=token.org_id)

    def principal_for_token(self, token_hash: str) -> Principal | None:
        rows = self._query(cypher.PRINCIPAL_FOR_TOKEN, token_hash=token_hash)
        return _model(Principal, rows[0]) if rows else None

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
