"""What both stores do alike with referrals: their rows, their state, the counters of each
pair and the loops read from them."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from heapq import nlargest
from math import inf
from operator import itemgetter
from typing import Any, NamedTuple

from graph_models import (
    FeedbackLoops,
    LoopScope,
    PairLoops,
    Referral,
    ReferralEvent,
    ReferralEventCreate,
    ReferralFlow,
    ReferralImport,
    ReferralStatus,
)
from graph_models.evidence import (
    ReferralFact,
    ReferralTally,
)
from graph_models.referrals import (
    FUNNEL_STAGES,
    LOOP_CLOSING,
    PAIR_COLUMNS,
    PAIR_COUNTERS,
    SENSITIVE_CATEGORIES,
    LoopCounts,
    LoopState,
    ReferralCategory,
    days_between,
    pair_deltas,
    time_problem,
    transition_problem,
)
from service.errors import Conflict, InvalidInput
from service.store.shared.values import from_text, to_text, to_texts


def combine_flows(
    sent: Iterable[Sequence[Any]], received: Iterable[Sequence[Any]]
) -> dict[str, ReferralFlow]:
    """Per partner flows from ``(partner, referrals, closed, first_sent_at)`` rows
    of the referrals an organization sent and received, by partner id.

    Each direction has one row per partner. Summed in plain lists, each flow made once: a hub
    has thousands of partners. Timestamps are :func:`to_text` text, which sorts as the moments
    do, so only the earliest is read.

    >>> flows = combine_flows(
    ...     [("b", 2, 1, "2018-01-05T00:00:00.000000Z")],
    ...     [("b", 1, 0, "2018-01-02T00:00:00.000000Z")])
    >>> flow = flows["b"]
    >>> flow.referrals_sent, flow.referrals_received, flow.open_loops, flow.closed_loops
    (2, 1, 2, 1)
    >>> flow.first_referral_at.month
    1
    """
    totals = {
        partner: [referrals, 0, referrals - closed, closed, first]
        for partner, referrals, closed, first in sent
    }
    for partner, referrals, closed, first in received:
        total = totals.get(partner)
        if total is None:
            totals[partner] = [0, referrals, referrals - closed, closed, first]
        else:
            total[1] = referrals
            total[2] += referrals - closed
            total[3] += closed
            total[4] = min(total[4], first)
    return {
        partner: ReferralFlow(sent_count, received_count, open_loops, closed, from_text(first))
        for partner, (sent_count, received_count, open_loops, closed, first) in totals.items()
    }


def new_referral_id() -> str:
    """An id for a referral the client did not name: random, so it tells nothing of the case.

    >>> new_referral_id().startswith("ref-")
    True
    """
    return f"ref-{secrets.token_hex(8)}"


@dataclass
class PairTotals:
    """What referrals add to one ordered pair's counters, and their first and last sent_at
    (as text, whose order is time order)."""

    first_sent_at: str
    last_sent_at: str
    counts: list[int]


REFERRAL_COLUMNS = (
    "id",
    "case_ref",
    "from_org",
    "to_org",
    "category",
    "sensitive",
    "screening",
    "consent",
    "sent_at",
    "status",
    "status_at",
    "stage",
    "loop_closed_at",
    "feedback_days",
    "recorded_by",
    "recorded_at",
)
"""What both stores keep of a referral besides its later events; timestamps as text."""


def referral_rows(
    ids: list[str],
    referrals: Sequence[ReferralImport],
    *,
    recorded_at: str,
    events_as: Callable[[tuple[str, ...], list[str], str], Any],
    flags_as: Callable[[bool], Any],
) -> list[tuple[Any, ...]]:
    """What to store of validated referrals: per referral its fields (:data:`REFERRAL_COLUMNS`)
    followed by ``events_as(statuses, ats, recorded_by)`` of its later events, statuses and
    times as text, and its yes-or-no fields as ``flags_as`` makes them (a store's driver may
    need one kind, or take it faster). Imports hold millions of events, so timestamps are
    turned into text together, and what a run of statuses implies is worked out once per batch
    for each run that occurs in it."""
    events = [event for referral in referrals for event in referral.events]
    event_texts = to_texts([at for _, at in events])
    statuses = [status for status, _ in events]
    sent_texts = to_texts([referral.sent_at for referral in referrals])
    runs: dict[tuple[ReferralStatus, ...], StatusRun] = {}
    rows: list[tuple[Any, ...]] = []
    end = 0
    for referral_id, referral, sent in zip(ids, referrals, sent_texts, strict=True):
        start, end = end, end + len(referral.events)
        key = tuple(statuses[start:end])
        run = runs.get(key)
        if run is None:
            run = runs[key] = StatusRun.of(key)
        closed = feedback_days = None
        if run.closing is not None:
            closed = event_texts[start + run.closing]
            feedback_days = days_between(referral.sent_at, events[start + run.closing][1])
        category, screening = referral.category, referral.screening
        rows.append(
            (
                referral_id,
                referral.case_ref,
                referral.from_org,
                referral.to_org,
                _CATEGORY_TEXT[category],
                flags_as(category in SENSITIVE_CATEGORIES),
                flags_as(screening),
                flags_as(referral.consent),
                sent,
                run.status,
                event_texts[end - 1] if end > start else sent,
                run.stage,
                closed,
                feedback_days,
                referral.recorded_by,
                recorded_at,
                events_as(run.texts, event_texts[start:end], referral.recorded_by),
            )
        )
    return rows


def pair_totals(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], PairTotals]:
    """What new referrals, rows of :func:`referral_rows`, add to the counters of their pairs.

    >>> row = dict.fromkeys(REFERRAL_COLUMNS) | {"from_org": "a", "to_org": "b", "stage": 2,
    ...     "screening": False, "sent_at": "2018-01-05T00:00:00.000000Z"}
    >>> pair_totals([tuple(row.values())])["a", "b"].counts
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    """
    totals: dict[tuple[str, str], PairTotals] = {}
    for from_org, to_org, screening, sent, stage, closed in map(_PAIR_FIELDS, rows):
        deltas = _DELTAS_OF_NEW[stage, closed is not None, screening]
        pair = totals.get((from_org, to_org))
        if pair is None:
            totals[from_org, to_org] = PairTotals(sent, sent, list(deltas))
            continue
        if sent < pair.first_sent_at:
            pair.first_sent_at = sent
        elif sent > pair.last_sent_at:
            pair.last_sent_at = sent
        pair.counts = [count + delta for count, delta in zip(pair.counts, deltas, strict=True)]
    return totals


_PAIR_FIELDS = itemgetter(
    *(
        REFERRAL_COLUMNS.index(column)
        for column in ("from_org", "to_org", "screening", "sent_at", "stage", "loop_closed_at")
    )
)


class StatusRun(NamedTuple):
    """What a referral's statuses after ``sent`` imply, whatever their times."""

    texts: tuple[str, ...]
    status: str
    """The latest status."""
    stage: int
    """How far along the funnel the referral got."""
    closing: int | None
    """Which status closed the loop, or None if none did."""

    @classmethod
    def of(cls, statuses: tuple[ReferralStatus, ...]) -> StatusRun:
        """The run of ``statuses``, oldest first.

        >>> S = ReferralStatus
        >>> StatusRun.of((S.ACCEPTED, S.DECLINED, S.FEEDBACK_RETURNED, S.CLOSED))
        StatusRun(texts=('accepted', 'declined', 'feedback_returned', 'closed'), \
status='closed', stage=2, closing=1)
        """
        closing = next((i for i, status in enumerate(statuses) if status in LOOP_CLOSING), None)
        return cls(
            tuple(status.value for status in statuses),
            statuses[-1].value if statuses else ReferralStatus.SENT.value,
            max((status.stage or 0 for status in statuses), default=0),
            closing,
        )


_CATEGORY_TEXT = {category: category.value for category in ReferralCategory}


def _deltas_of_new(stage: int, closed: bool, screening: bool) -> list[int]:
    """The counters a new referral that reached ``stage`` (and closed its loop) adds."""
    moment = datetime(2000, 1, 1, tzinfo=UTC)
    state = LoopState(ReferralStatus.SENT, moment, stage, moment if closed else None)
    return pair_deltas(None, state, screening=screening)


_DELTAS_OF_NEW = {
    (stage, closed, screening): _deltas_of_new(stage, closed, screening)
    for stage in range(len(FUNNEL_STAGES))
    for closed in (False, True)
    for screening in (False, True)
}
"""What a new referral adds to its pair's counters, by its stage, closed loop and screening."""


def loop_state_of(row: Any) -> LoopState:
    """The state kept on a stored referral (a row or map with :data:`REFERRAL_COLUMNS`)."""
    closed = row["loop_closed_at"]
    return LoopState(
        status=ReferralStatus(row["status"]),
        status_at=from_text(row["status_at"]),
        stage=row["stage"],
        loop_closed_at=from_text(closed) if closed else None,
    )


def moved(referral_id: str, row: Any, event: ReferralEventCreate) -> tuple[LoopState, LoopState]:
    """A stored referral's state before and after ``event``; :class:`Conflict` when the
    transition table forbids the move, :class:`InvalidInput` when ``event.at`` comes too early.
    """
    before = loop_state_of(row)
    problem = transition_problem(before.status, event.status)
    if problem:
        raise Conflict(f"referral '{referral_id}': {problem}")
    problem = time_problem(
        event.at,
        sent_at=from_text(row["sent_at"]),
        last_status=before.status,
        last_at=before.status_at,
    )
    if problem:
        raise InvalidInput(f"referral '{referral_id}': {problem}")
    return before, before.after(event.status, event.at)


def state_fields(sent_at: datetime, state: LoopState) -> dict[str, Any]:
    """The stored fields that say where a referral sent at ``sent_at`` stands."""
    closed = state.loop_closed_at
    return {
        "status": state.status.value,
        "status_at": to_text(state.status_at),
        "stage": state.stage,
        "loop_closed_at": to_text(closed) if closed else None,
        "feedback_days": days_between(sent_at, closed) if closed else None,
    }


def referral_of(row: Any, later_events: list[ReferralEvent]) -> Referral:
    """The read model of a stored referral and its events after ``sent``."""
    state = loop_state_of(row)
    sent = ReferralEvent(
        status=ReferralStatus.SENT, at=from_text(row["sent_at"]), recorded_by=row["recorded_by"]
    )
    return Referral(
        id=row["id"],
        case_ref=row["case_ref"],
        from_org=row["from_org"],
        to_org=row["to_org"],
        category=row["category"],
        sensitive=bool(row["sensitive"]),
        screening=bool(row["screening"]),
        consent=bool(row["consent"]),
        sent_at=sent.at,
        status=state.status,
        status_at=state.status_at,
        loop_closed=state.loop_closed_at is not None,
        loop_closed_at=state.loop_closed_at,
        events=[sent, *later_events],
    )


def refuse_repeated_referral_ids(ids: list[str], stored: set[str]) -> None:
    """Raise :class:`Conflict` for the first id that is stored or repeats within ``ids``."""
    seen: set[str] = set()
    for referral_id in ids:
        if referral_id in stored:
            raise Conflict(f"referral '{referral_id}' already exists")
        if referral_id in seen:
            raise Conflict(f"referral '{referral_id}' appears twice in the batch")
        seen.add(referral_id)


def assemble_pair_loops(
    counts: Iterable[Sequence[Any]], open_since: Mapping[tuple[str, str], int]
) -> list[PairLoops]:
    """The feedback-gap input per pair from ``(from_org, to_org, *counters)`` rows, the
    counters those of :data:`PAIR_COLUMNS`, and per pair its open loops sent at or after the
    overdue cut-off (pairs with none may be left out): every other open loop is overdue.

    >>> [pair] = assemble_pair_loops([("a", "b", 5, 4, 3, 2, 1, 2, *[0] * 6)], {("a", "b"): 1})
    >>> pair.reached, pair.overdue
    ([5, 4, 3, 2, 1, 2], 2)
    """
    half = len(PAIR_COUNTERS)
    closed = PAIR_COUNTERS.index("loop_closed")
    return [
        PairLoops(
            from_org=row[0],
            to_org=row[1],
            reached=list(row[2 : 2 + half]),
            reached_after_screening=list(row[2 + half :]),
            overdue=row[2] - row[2 + closed] - open_since.get((row[0], row[1]), 0),
        )
        for row in counts
    ]


def network_loops(
    senders: Iterable[Sequence[Any]],
    receivers: Iterable[Sequence[Any]],
    open_since: Mapping[tuple[str, str], int],
    *,
    worst: int,
    pairs_of: Callable[[list[str]], Iterable[Sequence[Any]]],
) -> FeedbackLoops:
    """The loops of the whole network from what the store summed up: per sender ``(org,
    pairs, widest, *sums)``, its pairs, the most open loops of any one of them and the sums of
    :data:`PAIR_COLUMNS` over them; per receiver ``(org, sent, closed)``; per pair its open
    loops not yet overdue (as :func:`assemble_pair_loops` takes them). Of the pairs only the
    ``worst`` most overdue and every pair as overdue as the least of them are made, from the
    ``(from_org, to_org, *counters)`` rows ``pairs_of(senders)`` reads of some senders' pairs.

    A pair's overdue loops are at most its open ones, and those at most the widest of its
    sender: the pairs of the ``worst`` senders with the widest pairs set a threshold, and
    only the senders that reach it can hold a pair that does.

    >>> rows = [("a", "b", 3, 3, 0, 0, 0, 2, *[0] * 6), ("c", "b", 4, 4, 0, 0, 0, 0, *[0] * 6)]
    >>> sums = [(row[0], 1, row[2] - row[7], *row[2:]) for row in rows]
    >>> loops = network_loops(sums, [("b", 7, 2)], {("c", "b"): 1}, worst=1,
    ...     pairs_of=lambda senders: [row for row in rows if row[0] in senders])
    >>> [(p.from_org, p.overdue) for p in loops.pairs], loops.receivers["b"], loops.overdue
    ([('c', 3)], LoopCounts(sent=7, closed=2, overdue=4), 4)
    >>> loops == FeedbackLoops.of_pairs(assemble_pair_loops(rows, {("c", "b"): 1}))._replace(
    ...     pairs=loops.pairs)
    True
    """
    pending_from: Counter[str] = Counter()
    pending_to: Counter[str] = Counter()
    for (from_org, to_org), count in open_since.items():
        pending_from[from_org] += count
        pending_to[to_org] += count
    sent, closed = PAIR_COLUMNS.index("sent"), PAIR_COLUMNS.index("loop_closed")
    by_sender: dict[str, LoopCounts] = {}
    widest: dict[str, int] = {}
    total_pairs, totals = 0, [0] * len(PAIR_COLUMNS)
    for org, pairs_sent, most_open, *sums in senders:
        open_loops = sums[sent] - sums[closed]
        by_sender[org] = LoopCounts(sums[sent], sums[closed], open_loops - pending_from[org])
        widest[org] = most_open
        total_pairs += pairs_sent
        totals = [total + count for total, count in zip(totals, sums, strict=True)]
    by_receiver = {
        org: LoopCounts(sent_loops, closed_loops, sent_loops - closed_loops - pending_to[org])
        for org, sent_loops, closed_loops in receivers
    }

    def pairs_sent_by(orgs: list[str]) -> list[PairLoops]:
        return assemble_pair_loops(pairs_of(orgs), open_since) if orgs else []

    ranked = sorted(widest, key=lambda org: (-widest[org], org))
    pairs = pairs_sent_by(ranked[:worst])
    threshold = _least_of_most(worst, pairs)
    pairs += pairs_sent_by([org for org in ranked[worst:] if widest[org] >= threshold])
    threshold = _least_of_most(worst, pairs)
    return FeedbackLoops(
        pairs=[pair for pair in pairs if pair.overdue >= threshold],
        total_pairs=total_pairs,
        senders=by_sender,
        receivers=by_receiver,
        reached=totals[: len(PAIR_COUNTERS)],
        reached_after_screening=totals[len(PAIR_COUNTERS) :],
        overdue=totals[sent] - totals[closed] - sum(open_since.values()),
    )


def _least_of_most(worst: int, pairs: list[PairLoops]) -> float:
    """The overdue loops of the ``worst``-th most overdue of ``pairs``; minus infinity when
    there are fewer pairs.

    >>> _least_of_most(2, assemble_pair_loops([("a", "b", 5, *[0] * 11)], {}))
    -inf
    """
    if not 0 < worst <= len(pairs):
        return -inf
    return nlargest(worst, (pair.overdue for pair in pairs))[-1]


def scope_kind(scope: LoopScope) -> str:
    """Which closed loops ``scope`` means: ``pair``, ``sender``, ``receiver``, ``party`` (one
    organization at either end) or ``all``.

    >>> scope_kind(LoopScope("a", "b")), scope_kind(LoopScope(to_org="b")), scope_kind(LoopScope())
    ('pair', 'receiver', 'all')
    """
    if scope.party is not None:
        return "party"
    if scope.from_org is not None:
        return "pair" if scope.to_org is not None else "sender"
    return "receiver" if scope.to_org is not None else "all"


def referral_facts_of(rows: Iterable[Sequence[Any]]) -> list[ReferralFact]:
    """Referral facts from ``[from_org, to_org, sent_at, case_ref, loop_closed_at]`` rows with
    timestamps as text, in the order the Protocol promises.

    >>> [fact.to_org for fact in referral_facts_of([
    ...     ["a", "c", "2018-02-01T00:00:00.000000Z", "c2", None],
    ...     ["b", "a", "2018-01-01T00:00:00.000000Z", "c1", "2018-01-09T00:00:00.000000Z"]])]
    ['a', 'c']
    """
    facts = [
        ReferralFact(
            from_org=from_org,
            to_org=to_org,
            sent_at=from_text(sent_at),
            case_ref=case_ref,
            closed_at=from_text(closed_at) if closed_at else None,
        )
        for from_org, to_org, sent_at, case_ref, closed_at in rows
    ]
    return sorted(facts, key=lambda f: (f.sent_at, f.from_org, f.to_org, f.case_ref))


def referral_tallies_of(
    sent: Iterable[Sequence[Any]], received: Iterable[Sequence[Any]]
) -> dict[str, ReferralTally]:
    """Per partner tallies from ``(partner, referrals, first_sent_at, last_sent_at)`` rows of
    the referrals an organization sent and received, timestamps as :func:`to_text` text.

    >>> tally = referral_tallies_of(
    ...     [("b", 2, "2018-01-05T00:00:00.000000Z", "2018-03-01T00:00:00.000000Z")],
    ...     [("b", 1, "2018-01-02T00:00:00.000000Z", "2018-01-02T00:00:00.000000Z")])["b"]
    >>> tally.sent, tally.received, tally.first_sent_at.day, tally.last_sent_at.month
    (2, 1, 2, 3)
    """
    totals: dict[str, list[Any]] = {}
    for field, rows in enumerate((sent, received)):
        for partner, referrals, first, last in rows:
            total = totals.get(partner)
            if total is None:
                totals[partner] = total = [0, 0, first, last]
            else:
                total[2], total[3] = min(total[2], first), max(total[3], last)
            total[field] += referrals
    return {
        partner: ReferralTally(sent, received, from_text(first), from_text(last))
        for partner, (sent, received, first, last) in totals.items()
    }


class Reclosed(NamedTuple):
    """What closing loops by the current rule changes: the referrals whose loop now closes at
    another moment, as ``(loop_closed_at, feedback_days, id)``, and every pair's counts of
    closed loops, ``[loop_closed, screening_loop_closed]``."""

    referrals: list[tuple[str | None, float | None, str]]
    pairs: dict[tuple[str, str], list[int]]


def reclosed(rows: Iterable[Sequence[Any]]) -> Reclosed:
    """Close the loops of stored referrals again by :data:`LOOP_CLOSING`, from rows of
    ``(id, from_org, to_org, screening, sent_at, loop_closed_at, statuses, ats)``, the
    statuses after ``sent`` and their times as text. The stage a referral reached does not
    depend on the rule, so only the loop's closing and the pairs' closed counters change.

    >>> sent, enrolled = "2018-01-01T00:00:00.000000Z", "2018-01-03T12:00:00.000000Z"
    >>> reclosed([("r1", "a", "b", True, sent, None, ["received", "enrolled"],
    ...     ["2018-01-02T00:00:00.000000Z", enrolled])])
    Reclosed(referrals=[('2018-01-03T12:00:00.000000Z', 2.5, 'r1')], pairs={('a', 'b'): [1, 1]})
    """
    changed: list[tuple[str | None, float | None, str]] = []
    pairs: dict[tuple[str, str], list[int]] = {}
    runs: dict[tuple[str, ...], int | None] = {}
    for referral_id, from_org, to_org, screening, sent_at, closed_at, statuses, ats in rows:
        key = tuple(statuses)
        if key not in runs:
            runs[key] = StatusRun.of(tuple(map(ReferralStatus, key))).closing
        closing = runs[key]
        closed = None if closing is None else ats[closing]
        if closed != closed_at:
            days = None if closed is None else days_between(from_text(sent_at), from_text(closed))
            changed.append((closed, days, referral_id))
        counts = pairs.setdefault((from_org, to_org), [0, 0])
        if closed is not None:
            counts[0] += 1
            counts[1] += bool(screening)
    return Reclosed(changed, pairs)
