"""The connection to Neo4j and what every section of the store reads and converts with.

:class:`Neo4jConnection` holds the driver, the server's URI and database and the shared
bookmarks, and runs work in managed transactions (``_read``, ``_write``, ``_query``,
``_page``), turning a server that cannot answer into :class:`StoreUnavailable`. It keeps the
live graph of :class:`~service.store.shared.live_graph.LiveGraph` from the change log every
write of organizations and relationships notes (``_note_graph_changes``). The module
functions run statements and take their rows (``_run``, ``_rows``, ``_lists``, ``_single``,
``_fetch``...) and convert rows and patches (``_model``, ``_anchor``, ``_changes``...).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

import networkx as nx
from neo4j import (
    READ_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledCategory,
    Result,
    RoutingControl,
    Session,
)
from neo4j.exceptions import (
    AuthError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from pydantic import BaseModel

from graph_models import ListQuery, Page, RelationshipState
from graph_models.common import utc_now
from graph_models.referrals import LOOP_RULE
from service.errors import NotFound, StoreUnavailable
from service.settings import Settings
from service.store.neo4j import cypher
from service.store.shared.live_graph import WHOLE_GRAPH, Change, GraphRows, LiveGraph
from service.store.shared.values import from_text, to_text

BATCH_SIZE = 5_000
"""Rows per UNWIND statement."""

P = ParamSpec("P")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Row = dict[str, Any]

_SHARED_READ: ContextVar[ManagedTransaction | None] = ContextVar("shared_read", default=None)
"""The read transaction that :meth:`Neo4jConnection.read_together` holds open, if any."""


class Neo4jConnection(LiveGraph):
    """The driver, the server's URI and database, and the plumbing every section runs its
    transactions through: each call one managed transaction, a server that cannot answer a
    :class:`StoreUnavailable`; and the live graph."""

    def __init__(self, driver: Driver, *, uri: str, database: str) -> None:
        super().__init__()
        self._driver = driver
        self._uri = uri
        self._database = database
        # Shared bookmarks: a read sees every write acknowledged before it, on any cluster member.
        self._bookmarks = GraphDatabase.bookmark_manager()

    @classmethod
    def connect(cls, settings: Settings, *, lazy: bool = False) -> Self:
        """A store on the server the settings name, with its schema in place and its live graph
        loaded (``lazy``: at its first read)."""
        auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
        driver = GraphDatabase.driver(
            settings.neo4j_uri,
            auth=auth,
            max_transaction_retry_time=settings.neo4j_retry_seconds,
            connection_acquisition_timeout=settings.neo4j_retry_seconds,
            connection_timeout=settings.neo4j_retry_seconds,
            # A property no node has yet (an e-mail nobody gave) is a null, not a problem.
            notifications_disabled_categories=[NotificationDisabledCategory.UNRECOGNIZED],
        )
        store = cls(driver, uri=settings.neo4j_uri, database=settings.neo4j_database)
        try:
            with store._reachable():
                driver.verify_connectivity()  # fails fast, where a transaction would retry
            store._ensure_schema()
            store._ensure_route_facts()
            store._mark_loop_rule_of_empty_store()
            if not lazy:
                store._catch_up()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self._driver.close()

    def _ensure_schema(self) -> None:
        """Create the constraints and indexes of :data:`cypher.SCHEMA` that the server lacks,
        all in one transaction: one read on a server that has them all."""
        [present] = self._query(cypher.SCHEMA_NAMES)
        missing = [s for s in cypher.SCHEMA if cypher.schema_name(s) not in present]
        if missing:
            self._write(_run_each, missing)

    def _ensure_route_facts(self) -> None:
        """Give every ``RELATED`` link the facts a walk of routes reads (its state and end),
        once, in one transaction, when the data was written before the links kept them."""
        if not self._query(cypher.ROUTE_FACTS_KEPT):
            self._write(_run, cypher.KEEP_ALL_ROUTE_FACTS)

    def _mark_loop_rule_of_empty_store(self) -> None:
        """Mark a store that holds no referrals as keeping its loops by the current rule (see
        the embedded store's method of the same name); writes only when the mark is not."""
        if self._query(cypher.LOOP_RULE_KEPT) != [LOOP_RULE]:
            self._write(_run, cypher.KEEP_LOOP_RULE_OF_EMPTY_STORE, rule=LOOP_RULE)

    # -- the live graph ---------------------------------------------------------------------

    def _catch_up(self) -> None:
        """Bring the live graph up to the change log: one small read of its counter when
        nothing changed since the last look. Else the counter is read again under its lock,
        taken and let go at once in a transaction that writes nothing: each writer holds that
        lock until its commit is in place, so every change numbered up to it is then whole
        (Neo4j's reads are read committed, with no snapshot of their own). The changes up to
        it, or every organization and relationship, are then read in one read transaction of
        their own; rows a later commit changed meanwhile are read again with its change, which
        is harmless."""
        with self._lock:
            if self._query(cypher.GRAPH_CHANGES_NOTED) == [self._seen]:
                return
            with self._session(writing=False) as session:
                latest = session.execute_write(_settled_change)
            apart = _SHARED_READ.set(None)  # not a read begun before those commits
            try:
                self.read_together(lambda: self._bring_up_to(latest))
            finally:
                _SHARED_READ.reset(apart)

    def _partners_seeing(self, org_id: str, noted: int) -> nx.Graph:
        """``introduction_graph([org_id], sectors=())`` for a statement that saw the change log
        at ``noted`` (its ``_NOTED``)."""
        with self._lock:
            self._seeing([org_id], noted)
            return self._introduced([org_id], ())

    @contextmanager
    def _lent_seeing(self, org_ids: Collection[str], noted: int) -> Iterator[nx.Graph]:
        """``lent_graph(org_ids)`` for a statement that saw the change log at ``noted``."""
        with self._lock:
            self._seeing(org_ids, noted)
            yield self._graph.copy(as_view=True)

    def _seeing(self, org_ids: Collection[str], noted: int) -> None:
        """Have the live graph see at least what a statement that saw the change log at
        ``noted`` saw, and hold ``org_ids`` (else :class:`NotFound`): caught up only when the
        log went further than the graph, which then reads the counter again (call under the
        lock)."""
        if noted != self._seen or any(org_id not in self._graph for org_id in org_ids):
            self._require_in_graph(org_ids)

    def _graph_rows(self) -> GraphRows:
        return GraphRows(self._query(cypher.ALL_ORGANIZATIONS), self._query(cypher.ALL_EDGES))

    def _changes_after(self, seen: int, latest: int, most: int) -> list[Change]:
        rows = self._query(cypher.GRAPH_CHANGES_AFTER, seen=seen, latest=latest, most=most)
        return [(kind, key, org_a, org_b) for kind, key, org_a, org_b in rows]

    def _changed_rows(self, org_ids: Collection[str], rel_ids: Collection[str]) -> GraphRows:
        return GraphRows(
            self._query(cypher.ORGANIZATIONS_AMONG, ids=sorted(org_ids)),
            self._query(cypher.EDGES_AMONG, ids=sorted(rel_ids)),
        )

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _reachable(self, *, writing: bool = False) -> Iterator[None]:
        """Turns a server that cannot answer into :class:`StoreUnavailable` (a 503).

        The driver has retried transient failures by then. It never retries a commit whose
        answer was lost, so no write is applied twice; the message says to read it back.
        """
        where = f"Neo4j at {self._uri}"
        try:
            yield
        except IncompleteCommit as error:
            if not writing:
                raise StoreUnavailable(f"{where} dropped the connection; try again") from error
            raise StoreUnavailable(
                f"{where} dropped the connection while committing; the write may or may not "
                "have been applied: read it back before sending it again"
            ) from error
        except (ServiceUnavailable, SessionExpired) as error:
            raise StoreUnavailable(f"{where} is unreachable: {_one_line(error)}") from error
        except TransientError as error:
            raise StoreUnavailable(f"{where} is busy ({error.code}); try again") from error
        except AuthError as error:
            raise StoreUnavailable(
                f"{where} refused the user name or password: {error.message}"
            ) from error

    @contextmanager
    def _session(self, *, writing: bool) -> Iterator[Session]:
        with (
            self._reachable(writing=writing),
            self._driver.session(
                database=self._database, bookmark_manager=self._bookmarks
            ) as session,
        ):
            yield session

    def read_together(self, work: Callable[[], T]) -> T:
        """``work()`` with every read it makes in one read transaction, which the driver
        retries as a whole; ``work`` must only read.

        For example ``store.read_together(lambda: (store.list_sectors(), store.list_profiles()))``.
        """
        if _SHARED_READ.get() is not None:
            return work()

        def together(tx: ManagedTransaction) -> T:
            held = _SHARED_READ.set(tx)
            try:
                return work()
            finally:
                _SHARED_READ.reset(held)

        return self._read(together)

    def _read(
        self,
        work: Callable[Concatenate[ManagedTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(tx, ...)`` in one read transaction, the one of :meth:`read_together` if
        it holds one."""
        shared = _SHARED_READ.get()
        if shared is not None:
            return work(shared, *args, **kwargs)
        with self._session(writing=False) as session:
            return session.execute_read(work, *args, **kwargs)

    def _query(self, query: str, **params: Any) -> list[Any]:
        """The ``row`` of each record of the one read statement ``query``.

        It is sent as an auto-commit read: one message out, answered with its records, where a
        managed transaction also waits for the answer to its COMMIT (a round trip more, much
        of the time of a short read). A failure the driver deems retryable sends it again as a
        managed transaction, which the driver retries as it does :meth:`_read`. Under
        :meth:`read_together` it is a statement of that transaction.
        """
        shared = _SHARED_READ.get()
        if shared is not None:
            return _row_column(shared.run(query, params))
        with self._reachable():
            try:
                with self._driver.session(
                    database=self._database,
                    bookmark_manager=self._bookmarks,
                    default_access_mode=READ_ACCESS,
                ) as session:
                    return _row_column(session.run(query, params))
            except (Neo4jError, DriverError) as error:
                if not error.is_retryable():
                    raise
            return self._driver.execute_query(
                query,
                params,
                routing_=RoutingControl.READ,
                database_=self._database,
                bookmark_manager_=self._bookmarks,
                result_transformer_=_row_column,
            )

    def _write(
        self,
        work: Callable[Concatenate[ManagedTransaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(tx, ...)`` in one write transaction, committed when it returns."""
        with self._session(writing=True) as session:
            return session.execute_write(work, *args, **kwargs)

    def _page(self, model: type[M], statement: str, query: ListQuery, **filters: Any) -> Page[M]:
        """The page of ``query`` of a ``PAGE_*`` statement: the records and the count of all
        that match."""
        limit, offset = query.limit, query.offset
        [(total, rows)] = self._query(statement, **filters, limit=limit, offset=offset)
        return Page(items=[_model(model, r) for r in rows], total=total, limit=limit, offset=offset)


# -- reading ------------------------------------------------------------------------------------


def _run(tx: ManagedTransaction, query: str, **params: Any) -> None:
    tx.run(query, params).consume()


def _run_each(tx: ManagedTransaction, queries: Sequence[str]) -> None:
    for query in queries:
        _run(tx, query)


def _rows(tx: ManagedTransaction, query: str, **params: Any) -> list[Row]:
    return [record["row"] for record in tx.run(query, params)]


def _settled_change(tx: ManagedTransaction) -> int:
    """The number of the last change noted, read under the counter's lock."""
    [latest] = _row_column(tx.run(cypher.SETTLED_GRAPH_CHANGES))
    return int(latest)


def _row_column(result: Result) -> list[Any]:
    """The ``row`` of each record of ``result``."""
    return result.value("row")


def _single(tx: ManagedTransaction, query: str, **params: Any) -> Row | None:
    record = tx.run(query, params).single()
    return None if record is None else record["row"]


def _found(rows: list[T], missing: str) -> T:
    """The first of ``rows``, else :class:`NotFound` with the message ``missing``."""
    if not rows:
        raise NotFound(missing)
    return rows[0]


def _fetch(tx: ManagedTransaction, query: str, missing: str, **params: Any) -> Row:
    """The one row ``query`` finds, else :class:`NotFound` with the message ``missing``."""
    return _found(_rows(tx, query, **params), missing)


def _lists(tx: ManagedTransaction, query: str, **params: Any) -> list[list[Any]]:
    """The ``row`` column of each record, where a query returns rows as lists."""
    return [record["row"] for record in tx.run(query, params)]


# -- writing ------------------------------------------------------------------------------------


def _note_graph_changes(tx: ManagedTransaction, changes: Collection[tuple[str, str]]) -> None:
    """Note ``changes`` (``(kind, key)``: an organization or a relationship of the live graph
    written by ``tx``) in the change log, in ``tx``; more than :data:`BATCH_SIZE` are noted as
    one change of the whole graph, which readers load again whole."""
    if len(changes) > BATCH_SIZE:
        changes = [(WHOLE_GRAPH, WHOLE_GRAPH)]
    if changes:
        rows = [{"kind": kind, "key": key} for kind, key in changes]
        _run(tx, cypher.NOTE_GRAPH_CHANGES, changes=rows)


# -- converting ---------------------------------------------------------------------------------


def _model(model: type[M], row: Row) -> M:
    """A read model from a row: ``*_at`` text becomes a datetime; a ``state`` brings its action."""
    values = {
        key: from_text(value) if key.endswith("_at") and value is not None else value
        for key, value in row.items()
    }
    if "state" in row:
        values["action"] = RelationshipState(row["state"]).action
    return model.model_validate(values)


def _anchor(**filters: object) -> str:
    """Where a list query starts: the first filter given, in the order named, else ``all``.

    >>> _anchor(sector=None, region="Lane"), _anchor(org_id=None)
    ('region', 'all')
    """
    return next((name for name, value in filters.items() if value is not None), "all")


def _changes(patch: BaseModel, *, nullable: str) -> Row:
    """The fields a patch sets; ``None`` means "leave as is", except for ``nullable``."""
    changes = patch.model_dump(mode="json", exclude_unset=True)
    return {key: value for key, value in changes.items() if value is not None or key == nullable}


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _now() -> str:
    return to_text(utc_now())


def _one_line(error: Exception) -> str:
    """The driver's message on one line, or the error's name if it has none."""
    return " ".join(str(error).split()) or type(error).__name__
