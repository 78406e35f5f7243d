"""Referrals in Neo4j: referrals with their events and per-pair counters, referral flows,
feedback loops, days to feedback, and the referral facts and tallies partnerships read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from neo4j import ManagedTransaction

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
from graph_models.evidence import ReferralFact, ReferralTally
from graph_models.referrals import (
    DAYS_ALONG_UP_TO,
    LOOP_RULE,
    NO_DAYS,
    median_days,
    pair_deltas,
)
from service.store.neo4j import cypher
from service.store.neo4j.bulk import _bump_pairs, _Writer
from service.store.neo4j.connection import (
    Neo4jConnection,
    Row,
    _chunks,
    _fetch,
    _found,
    _lists,
    _now,
    _run,
    _single,
)
from service.store.neo4j.evidence import _evidence_records
from service.store.neo4j.network import _missing_organization
from service.store.shared.network import HealthRecords, LevelRecords
from service.store.shared.referrals import (
    PairTotals,
    assemble_pair_loops,
    combine_flows,
    moved,
    network_loops,
    reclosed,
    referral_facts_of,
    referral_of,
    referral_tallies_of,
    scope_kind,
    state_fields,
)
from service.store.shared.surveys import round_from
from service.store.shared.values import from_text, to_text


class ReferralsMixin(Neo4jConnection):
    """Referrals and their events, flows, feedback loops, days to feedback, and referrals as
    partnership signals (facts and tallies)."""

    def create_referral(self, referral: ReferralCreate, *, recorded_by: str) -> Referral:
        record = ReferralImport(**referral.model_dump(), recorded_by=recorded_by)

        def work(tx: ManagedTransaction) -> Referral:
            [referral_id], _ = _Writer(tx).referrals([record])
            return _get_referral(tx, referral_id)

        return self._write(work)

    def add_referral_event(
        self, referral_id: str, event: ReferralEventCreate, *, recorded_by: str
    ) -> Referral:
        def work(tx: ManagedTransaction) -> Referral:
            missing = f"referral '{referral_id}' does not exist"
            row = _fetch(tx, cypher.LOCK_REFERRAL, missing, id=referral_id)
            before, after = moved(referral_id, row, event)
            _run(
                tx,
                cypher.ADD_REFERRAL_EVENT,
                id=referral_id,
                event={
                    "status": event.status.value,
                    "at": to_text(event.at),
                    "recorded_by": recorded_by,
                    "recorded_at": _now(),
                },
                state=state_fields(from_text(row["sent_at"]), after),
            )
            deltas = pair_deltas(before, after, screening=row["screening"])
            pair = PairTotals(row["sent_at"], row["sent_at"], deltas)
            _bump_pairs(tx, {(row["from_org"], row["to_org"]): pair})
            return _get_referral(tx, referral_id)

        return self._write(work)

    def reclose_loops(self) -> int | None:
        def work(tx: ManagedTransaction) -> int | None:
            if _single(tx, cypher.LOOP_RULE_KEPT) == LOOP_RULE:
                return None
            changes = reclosed(_lists(tx, cypher.REFERRAL_LOOPS))
            referrals = [list(change) for change in changes.referrals]
            pairs = [[*pair, *counts] for pair, counts in changes.pairs.items()]
            for statement, records in (
                (cypher.RECLOSE_REFERRALS, referrals),
                (cypher.RECOUNT_CLOSED_LOOPS, pairs),
            ):
                for rows in _chunks(records):
                    _run(tx, statement, rows=rows)
            _run(tx, cypher.KEEP_LOOP_RULE, rule=LOOP_RULE)
            return len(changes.referrals)

        return self._write(work)

    def get_referral(self, referral_id: str) -> Referral:
        return self._read(_get_referral, referral_id)

    def list_referrals(self, query: ReferralQuery, *, visible_to: str | None) -> Page[Referral]:
        case_ref, org_id, status = query.case_ref, query.org_id, query.status
        anchor, start = (
            ("case", case_ref)
            if case_ref is not None
            else ("org", visible_to or org_id)
            if (visible_to or org_id) is not None
            else ("all", None)
        )
        filters = {
            "anchor": start,
            "visible_to": visible_to,
            "case_ref": case_ref,
            "org_id": org_id,
            "status": status.value if status else None,
            "direction": query.direction.value if query.direction else None,
            "loop": query.loop.value if query.loop else None,
        }
        limit, offset = query.limit, query.offset
        statement = cypher.PAGE_REFERRALS[anchor]
        [(total, rows)] = self._query(statement, **filters, limit=limit, offset=offset)
        items = [_referral(row) for row in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    def referral_flow(
        self, org_id: str, *, as_of: datetime | None = None
    ) -> dict[str, ReferralFlow]:
        query = cypher.REFERRAL_FLOW["now" if as_of is None else "as_of"]
        rows = self._query(query, id=org_id, as_of=to_text(as_of) if as_of else None)
        sent, received = _found(rows, _missing_organization(org_id))
        return combine_flows(sent, received)

    def feedback_loops(
        self,
        *,
        org_id: str | None = None,
        overdue_before: datetime,
        worst: int,
        days_along_up_to: int = DAYS_ALONG_UP_TO,
    ) -> FeedbackLoops:
        before = to_text(overdue_before)
        if org_id is None:
            [(senders, receivers, open_since)] = self._query(cypher.NETWORK_LOOPS, before=before)
            return network_loops(
                senders,
                receivers,
                _by_pair(open_since),
                worst=worst,
                pairs_of=lambda orgs: self._query(cypher.PAIRS_SENT_BY, senders=orgs),
            )
        rows = self._query(
            cypher.FEEDBACK_LOOPS,
            anchor=org_id,
            before=before,
            worst=worst,
            days_along_up_to=days_along_up_to,
        )
        counts, open_since, closed_days = _found(rows, _missing_organization(org_id))
        return FeedbackLoops.of_pairs(
            assemble_pair_loops(counts, _by_pair(open_since)),
            None if closed_days is None else {(a, b): days for a, b, days in closed_days},
        )

    def days_to_feedback(
        self, scopes: list[LoopScope], *, late_after_days: int
    ) -> list[DaysToFeedback]:
        by_kind: dict[str, list[Row]] = {f"{kind}_scopes": [] for kind in cypher.CLOSED_DAYS_KINDS}
        everything = []
        for at, scope in enumerate(scopes):
            kind = scope_kind(scope)
            if kind == "all":
                everything.append(at)
            else:
                by_kind[f"{kind}_scopes"].append({"at": at, **scope._asdict()})

        def work(tx: ManagedTransaction) -> tuple[list[list[Any]], DaysToFeedback]:
            [found] = _lists(tx, cypher.CLOSED_DAYS, **by_kind)
            return found, _network_days_to_feedback(tx, late_after_days)

        if everything:
            found, network = self._read(work)
        else:
            [found], network = self._query(cypher.CLOSED_DAYS, **by_kind), NO_DAYS
        answers = {
            at: DaysToFeedback.of(sorted(days), late_after_days=late_after_days)
            for at, days in found
        }
        return [answers.get(at, network) for at in range(len(scopes))]

    # -- referrals as partnership signals ----

    def referral_facts(
        self, org_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ReferralFact]:
        rows = self._query(
            cypher.REFERRAL_FACTS,
            id=org_id,
            since=to_text(since) if since else None,
            until=to_text(until) if until else None,
        )
        return referral_facts_of(_found(rows, _missing_organization(org_id)))

    def level_records(self, org_id: str, *, until: datetime) -> LevelRecords:
        params = {"id": org_id, "until": to_text(until)}
        rows = self._query(cypher.LEVEL_RECORDS, **params)
        [sent, received], naming = _found(rows, _missing_organization(org_id))
        tallies = self._counted_tallies(sent, received, params)
        return LevelRecords(tallies, _evidence_records(naming))

    def _counted_tallies(
        self, sent: list[list[Any]], received: list[list[Any]], params: dict[str, str]
    ) -> dict[str, ReferralTally]:
        """:func:`_tallies` of pair tallies read in a statement of more, the referrals of a
        pair with some sent after ``params["until"]`` (an answer as of a past day) counted in
        a read of their own."""
        return _tallies(
            sent,
            received,
            params["until"],
            lambda direction: self._query(cypher.REFERRAL_TALLIES_COUNTED[direction], **params),
        )

    def referral_tallies(self, org_id: str, *, until: datetime) -> dict[str, ReferralTally]:
        params = {"id": org_id, "until": to_text(until)}

        def work(tx: ManagedTransaction) -> dict[str, ReferralTally]:
            found = _lists(tx, cypher.REFERRAL_PAIR_TALLIES, **params)
            sent, received = _found(found, _missing_organization(org_id))
            return _tallies(
                sent,
                received,
                params["until"],
                lambda direction: _lists(tx, cypher.REFERRAL_TALLIES_COUNTED[direction], **params),
            )

        return self._read(work)

    def health_records(self, org_id: str, *, since: datetime, until: datetime) -> HealthRecords:
        # One statement reads all but the partners and relationships, which come from the live
        # graph as they do for partner_records.
        params = {"id": org_id, "until": to_text(until)}
        rows = self._query(
            cypher.HEALTH_RECORDS,
            **params,
            org_id=org_id,
            since=to_text(since),
            day=str(until.date()),
        )
        noted, touchpoints, rounds, [sent, received], naming, facts = _found(
            rows, _missing_organization(org_id)
        )
        return HealthRecords(
            self._partners_seeing(org_id, noted),
            {partner: date.fromisoformat(day) for partner, day in touchpoints},
            [round_from(row) for row in rounds],
            self._counted_tallies(sent, received, params),
            _evidence_records(naming),
            referral_facts_of(facts),
        )


# -- reading ------------------------------------------------------------------------------------


def _get_referral(tx: ManagedTransaction, referral_id: str) -> Referral:
    missing = f"referral '{referral_id}' does not exist"
    return _referral(_fetch(tx, cypher.GET_REFERRAL, missing, id=referral_id))


def _referral(row: Row) -> Referral:
    events = [
        ReferralEvent(status=status, at=from_text(at), recorded_by=by)
        for status, at, by in zip(
            row["event_statuses"], row["event_ats"], row["event_by"], strict=True
        )
    ]
    return referral_of(row, events)


def _tallies(
    sent: list[list[Any]],
    received: list[list[Any]],
    until: str,
    counted: Callable[[str], list[list[Any]]],
) -> dict[str, ReferralTally]:
    """Per partner the tally of :data:`~.cypher.REFERRAL_PAIR_TALLIES`'s rows ``sent`` and
    ``received``: a pair's counters when all its referrals were sent by ``until`` (its last
    one was); else its referrals as ``counted(direction)`` reads them
    (:data:`~.cypher.REFERRAL_TALLIES_COUNTED`, all pairs of a direction in one read), read
    only then."""

    def tally(direction: str, pairs: list[list[Any]]) -> list[list[Any]]:
        split = {row[0] for row in pairs if row[3] > until}
        if not split:
            return pairs
        return [row for row in pairs if row[0] not in split] + [
            row for row in counted(direction) if row[0] in split
        ]

    return referral_tallies_of(tally("sent", sent), tally("received", received))


def _by_pair(rows: list[list[Any]]) -> dict[tuple[str, str], Any]:
    """``[from_org, to_org, value]`` rows as a mapping of the pair to the value."""
    return {(from_org, to_org): value for from_org, to_org, value in rows}


def _network_days_to_feedback(tx: ManagedTransaction, late_after_days: int) -> DaysToFeedback:
    """Every closed loop, through the index of days to feedback: the count, the late ones and
    the middle one or two, without reading the rest."""
    [(closed, late)] = _lists(tx, cypher.CLOSED_LOOPS, late=late_after_days)
    if not closed:
        return NO_DAYS
    skip, take = (closed - 1) // 2, 2 - closed % 2
    middle = tx.run(cypher.MIDDLE_CLOSED_DAYS, skip=skip, take=take).value("row")
    return DaysToFeedback(median_days(middle), late)
