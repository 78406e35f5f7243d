"""Referrals in the embedded store: referrals and their events, the per-pair counters kept
with them, flows, feedback loops, days to feedback, and referrals as partnership signals
(referral facts and tallies).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from itertools import chain
from typing import Any

from graph_models import (
    DaysToFeedback,
    FeedbackLoops,
    LoopScope,
    Page,
    Referral,
    ReferralCreate,
    ReferralEvent,
    ReferralEventCreate,
    ReferralFlow,
    ReferralImport,
    ReferralQuery,
)
from graph_models.common import utc_now
from graph_models.evidence import ReferralFact, ReferralTally
from graph_models.referrals import (
    DAYS_ALONG_UP_TO,
    FUNNEL_STAGES,
    LOOP_RULE,
    NO_DAYS,
    PAIR_COLUMNS,
    Direction,
    LoopFilter,
    median_days,
    pair_deltas,
)
from service.errors import InvalidReference, NotFound
from service.store.embedded.connection import KEEP_LOOP_RULE
from service.store.embedded.network import NetworkMixin
from service.store.shared.referrals import (
    REFERRAL_COLUMNS,
    PairTotals,
    assemble_pair_loops,
    combine_flows,
    moved,
    network_loops,
    new_referral_id,
    reclosed,
    referral_facts_of,
    referral_of,
    referral_rows,
    referral_tallies_of,
    refuse_repeated_referral_ids,
    scope_kind,
    state_fields,
)
from service.store.shared.values import from_text, to_text

_END_OF = {Direction.SENT: "from_org", Direction.RECEIVED: "to_org"}
"""The end of a referral an organization is at, by the way the referral went."""
_LOOP_IS = {LoopFilter.OPEN: "NULL", LoopFilter.CLOSED: "NOT NULL"}
_SENT_IN_PAIR_ROW = 2 + PAIR_COLUMNS.index("sent")
"""Where a row of ``_pair_rows`` (``from_org, to_org, *PAIR_COLUMNS``) holds the referrals
sent."""
_REFERRALS_OF_PAIRS_OF_ORG = (
    "(SELECT r.from_org, r.to_org, r.feedback_days, r.sent_at FROM "
    "(SELECT from_org, to_org FROM referral_pairs WHERE from_org = :org OR to_org = :org) p "
    "JOIN referrals r ON r.from_org = p.from_org AND r.to_org = p.to_org)"
)
"""The referrals of the pairs the organization ``:org`` is an end of, through the pairs'
index, with what feedback loops read of them."""

CLOSED_DAYS = {
    "pair": "SELECT feedback_days FROM referrals "
    "WHERE from_org = :from_org AND to_org = :to_org AND feedback_days IS NOT NULL",
    "sender": "SELECT feedback_days FROM referrals "
    "WHERE from_org = :from_org AND feedback_days IS NOT NULL",
    "receiver": "SELECT r.feedback_days FROM referral_pairs p JOIN referrals r "
    "ON r.from_org = p.from_org AND r.to_org = p.to_org "
    "WHERE p.to_org = :to_org AND r.feedback_days IS NOT NULL",
}
"""Days to feedback of the closed loops of a pair, a sender or a receiver, each read
through the index of the pairs' referrals."""


_PAIR_INSERT = (
    f"INSERT INTO referral_pairs (from_org, to_org, first_sent_at, last_sent_at, "
    f"{', '.join(PAIR_COLUMNS)})"
)
_PAIR_ADD = (
    "ON CONFLICT (from_org, to_org) DO UPDATE SET "
    "first_sent_at = min(first_sent_at, excluded.first_sent_at), "
    "last_sent_at = max(last_sent_at, excluded.last_sent_at), "
    + ", ".join(f"{column} = {column} + excluded.{column}" for column in PAIR_COLUMNS)
)
"""Adds the counters of the rows to insert to those of pairs already there."""
_REACHED = [
    *(f"stage >= {stage}" for stage in range(len(FUNNEL_STAGES))),
    "loop_closed_at IS NOT NULL",
]
_PAIR_COUNTED = [*_REACHED, *(f"screening AND {reached}" for reached in _REACHED)]
"""Which stored referrals each counter of :data:`PAIR_COLUMNS` counts."""


class ReferralsMixin(NetworkMixin):
    """Referrals, their events and what they add up to."""

    _PAIR_UPSERT = f"{_PAIR_INSERT} VALUES (?, ?, ?, ?{', ?' * len(PAIR_COLUMNS)}) {_PAIR_ADD}"
    # Row by row rather than summed per pair first: pairs rarely repeat within a batch, and
    # SQLite groups rows slower than it adds them. NOT INDEXED: the new rows by rowid; in
    # pair order, so that the pairs' pages are visited in turn.
    _PAIRS_OF_NEW_REFERRALS = (
        f"{_PAIR_INSERT} SELECT from_org, to_org, sent_at, sent_at, {', '.join(_PAIR_COUNTED)} "
        f"FROM referrals NOT INDEXED WHERE rowid > ? ORDER BY from_org, to_org {_PAIR_ADD}"
    )

    def create_referral(self, referral: ReferralCreate, *, recorded_by: str) -> Referral:
        record = ReferralImport(**referral.model_dump(), recorded_by=recorded_by)
        with self._write() as db:
            ids, _ = self._insert_referrals(db, [record])
        return self.get_referral(ids[0])

    def _insert_referrals(
        self, db: sqlite3.Connection, referrals: list[ReferralImport]
    ) -> tuple[list[str], int]:
        """Insert validated referrals with their events and counters; the ids and the number
        of events written."""
        if not referrals:
            return [], 0
        ids = [referral.id or new_referral_id() for referral in referrals]
        now = to_text(utc_now())

        templates: dict[tuple[tuple[str, ...], str], str] = {}

        def events_json(statuses: tuple[str, ...], ats: list[str], recorded_by: str) -> str:
            """``json.dumps`` of ``[status, at, recorded_by, now]`` lists, written directly:
            statuses and timestamps hold no character JSON escapes. All but the times is the
            same for every referral with these statuses and recorder, so made once."""
            template = templates.get((statuses, recorded_by))
            if template is None:
                by = json.dumps(recorded_by).replace("{", "{{").replace("}", "}}")
                template = templates[statuses, recorded_by] = (
                    "["
                    + ", ".join(f'["{status}", "{{}}", {by}, "{now}"]' for status in statuses)
                    + "]"
                )
            return template.format(*ats)

        named = self._organizations_named(referrals)
        # A new row's rowid is one past the largest: the referrals written here follow `last`.
        [last] = db.execute("SELECT coalesce(max(rowid), 0) FROM referrals").fetchone()
        db.execute("SAVEPOINT referrals")
        try:
            db.executemany(
                f"INSERT INTO referrals ({', '.join(REFERRAL_COLUMNS)}, events) "
                f"VALUES ({', '.join('?' * (len(REFERRAL_COLUMNS) + 1))})",
                # As 1 and 0: Python's sqlite3 binds an int at once, a bool only after
                # looking for an adapter (about a microsecond a row for the three).
                referral_rows(ids, referrals, recorded_at=now, events_as=events_json, flags_as=int),
            )
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK TO referrals")
            refuse_repeated_referral_ids(ids, self._present("referrals", "id", ids))
            raise
        db.execute("RELEASE referrals")
        db.execute(self._PAIRS_OF_NEW_REFERRALS, (last,))
        self._stamp(db, named)
        return ids, sum(len(referral.events) for referral in referrals)

    def _organizations_named(self, referrals: list[ReferralImport]) -> set[str]:
        """The organizations ``referrals`` name, checked in one query; refused, the first one
        named, if it does not exist: a bulk import writes with the schema's row-by-row key
        lookups off (:meth:`BulkMixin.import_bundle`), so this is where they are checked."""
        named = {r.from_org for r in referrals} | {r.to_org for r in referrals}
        missing = named - self._present("organizations", "id", named)
        if missing:
            first = next(o for r in referrals for o in (r.from_org, r.to_org) if o in missing)
            raise InvalidReference(f"organization '{first}' does not exist")
        return named

    def _bump_pairs(
        self, db: sqlite3.Connection, totals: dict[tuple[str, str], PairTotals]
    ) -> None:
        db.executemany(
            self._PAIR_UPSERT,
            [
                (from_org, to_org, t.first_sent_at, t.last_sent_at, *t.counts)
                for (from_org, to_org), t in totals.items()
            ],
        )
        self._stamp(db, chain.from_iterable(totals))

    def add_referral_event(
        self, referral_id: str, event: ReferralEventCreate, *, recorded_by: str
    ) -> Referral:
        with self._write() as db:
            row = self._referral_row(referral_id)
            before, after = moved(referral_id, row, event)
            events = json.loads(row["events"])
            events.append((event.status.value, to_text(event.at), recorded_by, to_text(utc_now())))
            db.execute(
                "UPDATE referrals SET status = :status, status_at = :status_at, stage = :stage, "
                "loop_closed_at = :loop_closed_at, feedback_days = :feedback_days, "
                "events = :events WHERE id = :id",
                {
                    **state_fields(from_text(row["sent_at"]), after),
                    "events": json.dumps(events),
                    "id": referral_id,
                },
            )
            deltas = pair_deltas(before, after, screening=bool(row["screening"]))
            pair = PairTotals(row["sent_at"], row["sent_at"], deltas)
            self._bump_pairs(db, {(row["from_org"], row["to_org"]): pair})
        return self.get_referral(referral_id)

    def reclose_loops(self) -> int | None:
        with self._write() as db:
            kept = db.execute("SELECT value FROM store_marks WHERE name = 'loop_rule'").fetchone()
            if kept is not None and kept[0] == LOOP_RULE:
                return None
            cursor = db.cursor()
            cursor.row_factory = None
            rows = cursor.execute(
                "SELECT id, from_org, to_org, screening, sent_at, loop_closed_at, events "
                "FROM referrals"
            )
            changes = reclosed(
                (*row[:6], [e[0] for e in events], [e[1] for e in events])
                for row in rows
                for events in (json.loads(row[6]),)
            )
            db.executemany(
                "UPDATE referrals SET loop_closed_at = ?, feedback_days = ? WHERE id = ?",
                changes.referrals,
            )
            db.executemany(
                "UPDATE referral_pairs SET loop_closed = ?, screening_loop_closed = ? "
                "WHERE from_org = ? AND to_org = ?",
                [(*counts, *pair) for pair, counts in changes.pairs.items()],
            )
            self._stamp(db, chain.from_iterable(changes.pairs))
            db.execute(KEEP_LOOP_RULE, {"rule": LOOP_RULE})
        return len(changes.referrals)

    def _referral_row(self, referral_id: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM referrals WHERE id = ?", (referral_id,))
        if row is None:
            raise NotFound(f"referral '{referral_id}' does not exist")
        return row

    def get_referral(self, referral_id: str) -> Referral:
        return _referral(self._referral_row(referral_id))

    @staticmethod
    def _of_org(columns: str) -> str:
        """The ``columns`` of the referrals the organization ``:org`` sent or received, each
        found through an index: those it received through the pairs that point at it."""
        received = ", ".join(f"r.{column.strip()}" for column in columns.split(","))
        return (
            f"(SELECT {columns} FROM referrals WHERE from_org = :org UNION ALL "
            f"SELECT {received} FROM referral_pairs p JOIN referrals r "
            f"ON r.from_org = p.from_org AND r.to_org = p.to_org WHERE p.to_org = :org)"
        )

    def list_referrals(self, query: ReferralQuery, *, visible_to: str | None) -> Page[Referral]:
        case_ref, org_id, status = query.case_ref, query.org_id, query.status
        params: dict[str, Any] = {"visible_to": visible_to, "org_id": org_id}
        source = "referrals"
        if case_ref is None and (visible_to or org_id):
            source, params["org"] = self._of_org("*"), visible_to or org_id
        where = ["sensitive = 0" if visible_to is None else ":visible_to IN (from_org, to_org)"]
        if org_id is not None:
            where.append(":org_id IN (from_org, to_org)")
        if case_ref is not None:
            where.append("case_ref = :case_ref")
            params["case_ref"] = case_ref
        if status is not None:
            where.append("status = :status")
            params["status"] = status.value
        if query.direction is not None:
            where.append(f"{_END_OF[query.direction]} = :org_id")
        if query.loop is not None:
            where.append(f"loop_closed_at IS {_LOOP_IS[query.loop]}")
        sql = f"SELECT * FROM {source} WHERE {' AND '.join(where)} ORDER BY sent_at, id"
        total_row = self._one(f"SELECT count(*) FROM ({sql})", params)
        rows = self._all(
            f"{sql} LIMIT :limit OFFSET :offset",
            {**params, "limit": query.limit, "offset": query.offset},
        )
        return Page(
            items=[_referral(row) for row in rows],
            total=total_row[0] if total_row else 0,
            limit=query.limit,
            offset=query.offset,
        )

    def referral_flow(
        self, org_id: str, *, as_of: datetime | None = None
    ) -> dict[str, ReferralFlow]:
        self.get_organization(org_id)
        params = {"org": org_id, "as_of": to_text(as_of) if as_of else None}
        if as_of is None:
            sql = (
                "SELECT {partner}, sent, loop_closed, first_sent_at "
                "FROM referral_pairs WHERE {end} = :org"
            )
            sent = self._tuples(sql.format(partner="to_org", end="from_org"), params)
            received = self._tuples(sql.format(partner="from_org", end="to_org"), params)
        else:
            sql = (
                "SELECT {partner}, count(*), sum(coalesce(loop_closed_at <= :as_of, 0)), "
                "min(sent_at) FROM {source} "
                "WHERE {end} = :org AND sent_at <= :as_of GROUP BY {partner}"
            )
            sent = self._tuples(
                sql.format(partner="to_org", end="from_org", source="referrals"), params
            )
            received = self._tuples(
                sql.format(
                    partner="from_org",
                    end="to_org",
                    source=self._of_org("from_org, to_org, sent_at, loop_closed_at"),
                ),
                params,
            )
        return combine_flows(sent, received)

    def feedback_loops(
        self,
        *,
        org_id: str | None = None,
        overdue_before: datetime,
        worst: int,
        days_along_up_to: int = DAYS_ALONG_UP_TO,
    ) -> FeedbackLoops:
        params: dict[str, Any] = {"org": org_id, "before": to_text(overdue_before)}
        with self._lock:
            if org_id is not None:
                self.get_organization(org_id)
                # The organization's open loops not yet overdue, through the pairs' index.
                open_since = self._open_since(_REFERRALS_OF_PAIRS_OF_ORG, params)
                pairs = self._pair_rows("WHERE from_org = :org OR to_org = :org", params)
                sent = sum(row[_SENT_IN_PAIR_ROW] for row in pairs)
                along = len(pairs) <= worst or sent <= days_along_up_to
                return FeedbackLoops.of_pairs(
                    assemble_pair_loops(pairs, open_since),
                    self._closed_days_of_org(params) if along else None,
                )
            return self._network_loops(params, worst)

    def _closed_days_of_org(self, params: dict[str, Any]) -> dict[tuple[str, str], list[float]]:
        """Per pair the organization ``:org`` is an end of, the days to feedback of its closed
        loops, in one read through the pairs' index (instead of one read per pair listed)."""
        days: dict[tuple[str, str], list[float]] = {}
        for from_org, to_org, feedback_days in self._tuples(
            f"SELECT from_org, to_org, feedback_days FROM {_REFERRALS_OF_PAIRS_OF_ORG} "
            "WHERE feedback_days IS NOT NULL",
            params,
        ):
            days.setdefault((from_org, to_org), []).append(feedback_days)
        return days

    def _network_loops(self, params: dict[str, Any], worst: int) -> FeedbackLoops:
        """The loops of the whole network (:func:`network_loops`), summed up by SQL from the
        pairs' counters and the index of open loops, in one pass over the pairs by sender and
        one over their index by receiver; the pairs asked for are read sender by sender
        through the pairs' key."""
        return network_loops(
            self._tuples(
                f"SELECT from_org, count(*), max(sent - loop_closed), "
                f"{', '.join(f'sum({c})' for c in PAIR_COLUMNS)} "
                "FROM referral_pairs GROUP BY from_org",
                params,
            ),
            self._tuples(
                "SELECT to_org, sum(sent), sum(loop_closed) FROM referral_pairs GROUP BY to_org",
                params,
            ),
            self._open_since("referrals INDEXED BY referrals_open_by_sent", params),
            worst=worst,
            pairs_of=lambda senders: self._pair_rows(
                "WHERE from_org IN (SELECT value FROM json_each(:senders))",
                {"senders": json.dumps(senders)},
            ),
        )

    def _open_since(self, source: str, params: dict[str, Any]) -> dict[tuple[str, str], int]:
        """Per pair, the open loops of ``source`` sent at or after the overdue cut-off."""
        rows = self._tuples(
            f"SELECT from_org, to_org, count(*) FROM {source} "
            f"WHERE feedback_days IS NULL AND sent_at >= :before GROUP BY from_org, to_org",
            params,
        )
        return {(from_org, to_org): count for from_org, to_org, count in rows}

    def _pair_rows(self, clause: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return self._tuples(
            f"SELECT from_org, to_org, {', '.join(PAIR_COLUMNS)} FROM referral_pairs {clause}",
            params,
        )

    def days_to_feedback(
        self, scopes: list[LoopScope], *, late_after_days: int
    ) -> list[DaysToFeedback]:
        read: dict[LoopScope, list[float]] = {}

        def closed_days(scope: LoopScope) -> list[float]:
            """The days of a pair, sender or receiver, read once per call."""
            if scope not in read:
                sql = CLOSED_DAYS[scope_kind(scope)]
                read[scope] = [row[0] for row in self._tuples(sql, scope._asdict())]
            return read[scope]

        answers = []
        with self._lock:
            for scope in scopes:
                kind = scope_kind(scope)
                if kind == "all":
                    answers.append(self._network_days_to_feedback(late_after_days))
                    continue
                if kind == "party":
                    days = [
                        *closed_days(LoopScope(from_org=scope.party)),
                        *closed_days(LoopScope(to_org=scope.party)),
                    ]
                else:
                    days = closed_days(scope)
                answers.append(DaysToFeedback.of(sorted(days), late_after_days=late_after_days))
        return answers

    def _network_days_to_feedback(self, late_after_days: int) -> DaysToFeedback:
        """Every closed loop, through their index in order of days: the count, the late ones
        and the middle one or two, without reading the rest."""
        where = "FROM referrals WHERE feedback_days IS NOT NULL"
        [(closed, late)] = self._tuples(
            f"SELECT count(*), count(feedback_days > :late OR NULL) {where}",
            {"late": late_after_days},
        )
        if not closed:
            return NO_DAYS
        middle = self._tuples(
            f"SELECT feedback_days {where} ORDER BY feedback_days LIMIT :take OFFSET :skip",
            {"take": 2 - closed % 2, "skip": (closed - 1) // 2},
        )
        return DaysToFeedback(median_days([row[0] for row in middle]), late)

    # -- referrals as partnership signals ----

    def referral_facts(
        self, org_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ReferralFact]:
        self.get_organization(org_id)
        params = {
            "org": org_id,
            "since": to_text(since) if since else None,
            "until": to_text(until) if until else None,
        }
        # Only the pairs with referrals in the window (the pairs first: CROSS JOIN keeps that
        # order), and of theirs only those sent in it, read from the index before any row.
        window = [
            *(["p.last_sent_at > :since", "r.sent_at > :since"] if since else []),
            *(["p.first_sent_at <= :until", "r.sent_at <= :until"] if until else []),
        ]
        sql = (
            "SELECT r.from_org, r.to_org, r.sent_at, r.case_ref, r.loop_closed_at "
            "FROM referral_pairs p CROSS JOIN referrals r "
            "ON r.from_org = p.from_org AND r.to_org = p.to_org WHERE "
        )
        sent = " AND ".join(["p.from_org = :org", *window])
        received = " AND ".join(["p.to_org = :org", "p.from_org <> :org", *window])
        rows = self._tuples(f"{sql}{sent} UNION ALL {sql}{received}", params)
        return referral_facts_of(rows)

    def referral_tallies(self, org_id: str, *, until: datetime) -> dict[str, ReferralTally]:
        self.get_organization(org_id)
        sql = (
            "SELECT {partner}, sent, first_sent_at, last_sent_at FROM referral_pairs "
            "WHERE {end} = :org AND {partner} <> :org AND last_sent_at <= :until "
            "UNION ALL "
            "SELECT r.{partner}, count(*), min(r.sent_at), max(r.sent_at) "
            "FROM referral_pairs p CROSS JOIN referrals r "
            "ON r.from_org = p.from_org AND r.to_org = p.to_org "
            "WHERE p.{end} = :org AND p.{partner} <> :org AND p.first_sent_at <= :until "
            "AND p.last_sent_at > :until AND r.sent_at <= :until GROUP BY r.{partner}"
        )
        params = {"org": org_id, "until": to_text(until)}
        return referral_tallies_of(
            self._tuples(sql.format(partner="to_org", end="from_org"), params),
            self._tuples(sql.format(partner="from_org", end="to_org"), params),
        )


def _referral(row: sqlite3.Row) -> Referral:
    events = [
        ReferralEvent(status=status, at=from_text(at), recorded_by=recorded_by)
        for status, at, recorded_by, _ in json.loads(row["events"])
    ]
    return referral_of(row, events)
