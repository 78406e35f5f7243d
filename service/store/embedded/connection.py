"""The embedded store's plumbing: the SQLite file and its connection, the lock, and the
networkx graph derived from it, which the other parts of the store share.

SQLite runs in WAL mode with foreign keys on (a batch of referrals alone has its organizations
checked in one query instead) and ``synchronous=FULL``; every write is one transaction and
returns only after it is committed. The data file is the one source of truth:
several processes may serve it at once (the workers of ``serve``, a CLI ``import`` or
``seed load`` beside them). Each keeps the analytics graph in memory, built on start (or at
its first read when the store is opened ``lazy``: a process that only writes never holds it), and
brings it up to date from the file's change log (``graph_changes``, written by triggers in the
same transaction as each change) before it reads the graph and after each of its own writes:
when no other process has committed since it last looked, that costs one ``PRAGMA
data_version``; otherwise it applies only the organizations and relationships changed since,
or reloads the graph when more changed than it holds organizations.

SQLite copies the write-ahead log into the data file (a checkpoint) at the commit that takes
the log past 1,000 pages (32 MB, with :data:`FILE_PAGE_SIZE`). A bulk import writes tens of
megabytes of pages at once, so its commit leaves that copy to a thread of the store's own
(:meth:`EmbeddedBase._write_large`): the import is acknowledged once the log is synced, and
the copy and its sync run while the caller prepares its next batch.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from graph_models import ListQuery, Page
from graph_models.referrals import LOOP_RULE
from service.errors import InvalidReference
from service.store.shared.live_graph import Change, Edge, GraphRows, LiveGraph

T = TypeVar("T")

DATABASE_FILE = "stakeholder-graph.sqlite3"
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "tokens": ("expires_at TEXT", "revoked_at TEXT"),
    "relationships": ("ended_on TEXT", "end_reason TEXT", "ended_by TEXT"),
    "survey_rounds": ("collaborative_id TEXT",),
}
"""Columns added to ``schema.sql`` after data directories were made with the table."""
GRAPH_CHANGES = {
    "organizations": "SELECT 'organization' AS kind, {row}.id AS key, NULL, NULL",
    "relationships": "SELECT 'relationship' AS kind, {row}.id AS key, {row}.org_a, {row}.org_b",
    "assessments": "SELECT 'relationship' AS kind, id AS key, org_a, org_b "
    "FROM relationships WHERE id = {row}.rel_id",
}
"""The row of ``graph_changes`` a write to each table notes, of the row written (``{row}``)."""


STAMPED = {
    "organizations": "SELECT {row}.id UNION SELECT org_b FROM relationships WHERE org_a = {row}.id "
    "UNION SELECT org_a FROM relationships WHERE org_b = {row}.id",
    "relationships": "SELECT {row}.org_a UNION SELECT {row}.org_b",
    "assessments": "SELECT org_a FROM relationships WHERE id = {row}.rel_id "
    "UNION SELECT org_b FROM relationships WHERE id = {row}.rel_id",
    "evidence_orgs": "SELECT {row}.org_id UNION SELECT org_id FROM evidence_orgs "
    "WHERE kind = {row}.kind AND evidence_id = {row}.evidence_id",
}
"""The organizations whose ``organization_stamps`` a write to each table counts, of the row
written (``{row}``): an organization's answers show its partners' names and sectors, the
evidence it shares with fellow members and the referrals between it and its partners.
Evidence rows are only ever inserted, before their members: their members' rows count.
Referrals are counted by their writers, once per write of many (``_stamp``): a trigger per
referral would slow the bulk import by about a tenth."""

KEEP_LOOP_RULE = (
    "INSERT INTO store_marks (name, value) VALUES ('loop_rule', :rule) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)
"""Mark the referral loops kept as closed by the loop rule ``:rule``."""


AUTOCHECKPOINT_PAGES = 1000
"""SQLite's own threshold: a commit that takes the write-ahead log past it copies the log
into the data file."""
WRITE_WAIT_S = 5.0
"""How long a statement waits for another process's hold on the data file (``sqlite3``'s
default), and a write for its write lock, before it fails."""
WRITE_RETRY_S = 0.0005
"""How often a write waiting for another process's write tries again (:meth:`_begin_write`)."""
FILE_PAGE_SIZE = 32_768
"""Bytes in a page of a new data file (SQLite's default is 4,096). A bulk import lands its
rows all over the referral indexes and the pair counters; larger pages leave fewer pages to
split and to log, and shallower trees: the statewide import of referral events 10 to 18%
faster. A page not yet in memory is read whole: a typical agency's answers take up to 0.1 ms
longer in-process. A data file keeps the page size it was made with (README, Stores)."""


def _checkpoint(path: Path) -> None:
    """Copy the write-ahead log of the data file at ``path`` into it, through a connection of
    its own, as far as no reader still needs the log (a passive checkpoint: it never waits
    for, nor holds up, readers or writers). What it leaves, the next checkpoint copies."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        db.close()


def change_triggers() -> str:
    """The triggers that note every write of :data:`GRAPH_CHANGES` in ``graph_changes`` and
    count it in the stamps of the organizations :data:`STAMPED` names. In ``graph_changes``
    the row noted before for the same organization or relationship is deleted, then the new
    one inserted (not INSERT OR REPLACE, whose policy the statement that fires a trigger
    overrides).

    >>> "AFTER DELETE ON assessments" in change_triggers()
    True
    """
    triggers = []
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        for table, noted in GRAPH_CHANGES.items():
            change = noted.format(row=row)
            triggers.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_noted "
                f"AFTER {event} ON {table} BEGIN "
                f"DELETE FROM graph_changes "
                f"WHERE (kind, key) IN (SELECT kind, key FROM ({change})); "
                f"INSERT INTO graph_changes (kind, key, org_a, org_b) {change}; END;"
            )
        for table, stamped in STAMPED.items():
            triggers.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_stamped "
                f"AFTER {event} ON {table} BEGIN "
                f"INSERT INTO organization_stamps (org_id, stamp) "
                f"SELECT *, 1 FROM ({stamped.format(row=row)}) WHERE true "
                f"ON CONFLICT (org_id) DO UPDATE SET stamp = stamp + 1; END;"
            )
    return "\n".join(triggers)


class EmbeddedBase(LiveGraph):
    """The connection, its lock and the live graph, with the helpers that read and write
    through them; each part of :class:`~service.store.embedded.EmbeddedStore` builds on it."""

    def __init__(self, data_dir: Path, *, lazy: bool = False) -> None:
        super().__init__()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DATABASE_FILE
        self._db = sqlite3.connect(
            self.path, timeout=WRITE_WAIT_S, check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA page_size={FILE_PAGE_SIZE}")  # a new file's, before WAL
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports touch big indexes
        self._db.executescript(
            resources.files("service.store.embedded").joinpath("schema.sql").read_text()
            + change_triggers()
        )
        self._add_missing_columns()
        self._data_version = -1
        self._checkpointer: threading.Thread | None = None
        self._mark_loop_rule_of_empty_store()
        if not lazy:
            self._catch_up()

    def close(self) -> None:
        with self._lock:
            self._await_checkpoint()
            self._db.close()

    def _add_missing_columns(self) -> None:
        """Bring a data directory made before a column of :data:`ADDED_COLUMNS` existed up to
        the schema."""
        for table, columns in ADDED_COLUMNS.items():
            present = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in present:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def _mark_loop_rule_of_empty_store(self) -> None:
        """Mark a store that holds no referrals as keeping its loops by the current rule, as
        every writer of referrals does: a store filled by the bulk import then has nothing to
        work out again at its first start. Writes only when the mark is missing or old."""
        kept = self._db.execute("SELECT value FROM store_marks WHERE name = 'loop_rule'")
        if [row[0] for row in kept] == [LOOP_RULE]:
            return
        with self._write() as db:
            if db.execute("SELECT NOT EXISTS (SELECT 1 FROM referrals)").fetchone()[0]:
                db.execute(KEEP_LOOP_RULE, {"rule": LOOP_RULE})

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._lock:
            self._begin_write()
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            if self._seen >= 0:  # a graph not built yet is built whole at its first read
                self._catch_up(written=True)

    def _begin_write(self) -> None:
        """``BEGIN IMMEDIATE``, under the lock. While another process holds the data file's
        write lock, try again every :data:`WRITE_RETRY_S`, letting go of this process's lock in
        between so that its readers go on: SQLite's own wait holds it, asleep up to 100 ms at a
        time (two workers at 32 clients lost about a fifth of their time so). After
        :data:`WRITE_WAIT_S` the write fails as SQLite's wait would."""
        deadline = time.monotonic() + WRITE_WAIT_S
        while True:
            self._db.execute("PRAGMA busy_timeout=0")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # recovery too
                if not busy or time.monotonic() > deadline:
                    raise
            finally:
                self._db.execute(f"PRAGMA busy_timeout={round(WRITE_WAIT_S * 1000)}")
            self._lock.release()
            try:
                time.sleep(WRITE_RETRY_S)
            finally:
                self._lock.acquire()

    @contextmanager
    def _write_large(self, *, key_lookups: bool = True) -> Iterator[sqlite3.Connection]:
        """:meth:`_write` for a write of many pages: its commit only syncs the write-ahead log,
        and a thread of its own then copies the log into the data file. One copy runs at a
        time: a large write waits for the one before, so the log holds at most two of them.

        ``key_lookups=False``: the caller checks every reference it writes itself, within the
        transaction, and SQLite skips its foreign-key lookups, one per reference and row."""
        with self._lock:
            self._await_checkpoint()
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._db.execute(f"PRAGMA foreign_keys={'ON' if key_lookups else 'OFF'}")
            try:
                with self._write() as db:
                    yield db
            finally:
                self._db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                self._db.execute("PRAGMA foreign_keys=ON")
            self._checkpointer = threading.Thread(
                target=_checkpoint, args=(self.path,), name="checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _await_checkpoint(self) -> None:
        """Wait for the copy a large write left to its thread, if it still runs."""
        if self._checkpointer is not None:
            self._checkpointer.join()
            self._checkpointer = None

    def _catch_up(self, *, written: bool = False) -> None:
        """Bring the graph up to what is committed to the data file, by any process.

        ``written``: this process has just committed, which ``PRAGMA data_version`` (changed
        only by other connections' commits) does not show.
        """
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version and not written:
                return
            self._data_version = version
            with self._snapshot():  # the log and the rows it names agree
                [latest] = self._db.execute(
                    "SELECT coalesce(max(seq), 0) FROM graph_changes"
                ).fetchone()
                self._bring_up_to(latest)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction for the block, or the one already open (call under the lock)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def read_together(self, work: Callable[[], T]) -> T:
        """``work()`` with every read it makes in one read transaction of the data file, the
        graph brought up to it first; ``work`` must only read (a write in it fails).

        For example ``store.read_together(lambda: (store.list_sectors(), store.list_profiles()))``.
        """
        with self._lock, self._snapshot():
            self._catch_up()
            return work()

    def _changes_after(self, seen: int, latest: int, most: int) -> list[Change]:
        rows = self._tuples(
            "SELECT kind, key, org_a, org_b FROM graph_changes "
            "WHERE seq > :seen AND seq <= :latest ORDER BY seq LIMIT :most",
            {"seen": seen, "latest": latest, "most": most},
        )
        return [(kind, key, org_a, org_b) for kind, key, org_a, org_b in rows]

    def _changed_rows(self, org_ids: Collection[str], rel_ids: Collection[str]) -> GraphRows:
        histories = self._histories(self._rows_of("assessments", "rel_id", rel_ids, "seq"))
        return GraphRows(
            self._rows_of("organizations", "id", org_ids),
            _edges(self._rows_of("relationships", "id", rel_ids), histories),
        )

    @staticmethod
    def _stamp(db: sqlite3.Connection, org_ids: Iterable[str]) -> None:
        """Count a write in the stamps of ``org_ids``, for the writes no trigger counts (see
        :data:`STAMPED`); in the writer's transaction. One statement over their JSON list (a
        batch of referrals names some 20,000): half the time of a row each."""
        db.execute(
            "INSERT INTO organization_stamps (org_id, stamp) "
            "SELECT value, 1 FROM json_each(?) WHERE true "  # WHERE: SQLite reads ON as a join's
            "ON CONFLICT (org_id) DO UPDATE SET stamp = stamp + 1",
            (json.dumps(sorted(set(org_ids))),),
        )

    def _rows_of(
        self, table: str, column: str, values: Iterable[str], order: str = "rowid"
    ) -> list[sqlite3.Row]:
        """The rows of ``table`` whose ``column`` is one of ``values``, asked in one query."""
        return self._all(
            f"SELECT * FROM {table} WHERE {column} IN (SELECT value FROM json_each(?)) "
            f"ORDER BY {order}",
            (json.dumps(sorted(values)),),
        )

    @staticmethod
    def _histories(assessments: Iterable[sqlite3.Row]) -> dict[str, list[tuple[str, str]]]:
        """Each relationship's ``(assessed_at, state)`` in recording order, from its
        assessments in order of ``seq``."""
        histories: dict[str, list[tuple[str, str]]] = {}
        for row in assessments:
            histories.setdefault(row["rel_id"], []).append((row["assessed_at"], row["state"]))
        return histories

    def _one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _tuples(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Rows as plain tuples: cheaper than named rows when a read returns hundreds of
        thousands."""
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None
            rows: list[tuple[Any, ...]] = cursor.execute(sql, params).fetchall()
            return rows

    def _exists(self, table: str, key: str, value: str) -> bool:
        return self._one(f"SELECT 1 FROM {table} WHERE {key} = ?", (value,)) is not None

    def _require_org(self, org_id: str) -> None:
        if not self._exists("organizations", "id", org_id):
            raise InvalidReference(f"organization '{org_id}' does not exist")

    def _require_relationship(self, rel_id: str) -> None:
        if not self._exists("relationships", "id", rel_id):
            raise InvalidReference(f"relationship '{rel_id}' does not exist")

    def _require_sector(self, sector: str) -> None:
        if not self._exists("sectors", "slug", sector):
            raise InvalidReference(
                f"sector '{sector}' is not known; GET /api/v1/sectors lists the known sectors"
            )

    def _page(
        self, sql: str, params: list[Any], query: ListQuery, item: Callable[[sqlite3.Row], T]
    ) -> Page[T]:
        """The page of ``query`` of what ``sql`` selects, each row read by ``item``."""
        return self._page_of(sql, params, query, lambda rows: [item(row) for row in rows])

    def _page_of(
        self,
        sql: str,
        params: list[Any],
        query: ListQuery,
        items: Callable[[list[sqlite3.Row]], list[T]],
    ) -> Page[T]:
        """The page of ``query`` of what ``sql`` selects, its rows read together by ``items``."""
        total_row = self._one(f"SELECT count(*) FROM ({sql})", tuple(params))
        rows = self._all(f"{sql} LIMIT ? OFFSET ?", (*params, query.limit, query.offset))
        return Page(
            items=items(rows),
            total=total_row[0] if total_row else 0,
            limit=query.limit,
            offset=query.offset,
        )

    def _graph_rows(self) -> GraphRows:
        histories = self._histories(
            self._all("SELECT rel_id, assessed_at, state FROM assessments ORDER BY seq")
        )
        relationships = self._all("SELECT id, org_a, org_b, ended_on FROM relationships")
        return GraphRows(self._all("SELECT * FROM organizations"), _edges(relationships, histories))

    def _present(self, table: str, column: str, values: Iterable[str]) -> set[str]:
        """Which of ``values`` are in ``table.column``, asked in one query, in order: the
        index is read in one sweep."""
        rows = self._tuples(
            f"SELECT {column} FROM {table} "
            f"WHERE {column} IN (SELECT value FROM json_each(:values))",
            {"values": json.dumps(sorted(values))},
        )
        return {row[0] for row in rows}


def _edges(
    relationships: Iterable[sqlite3.Row], histories: dict[str, list[tuple[str, str]]]
) -> list[Edge]:
    """The relationship rows of the live graph, each with its history (empty when it has none:
    copied without its assessments yet)."""
    return [
        (row["id"], row["org_a"], row["org_b"], histories.get(row["id"], []), row["ended_on"])
        for row in relationships
    ]
