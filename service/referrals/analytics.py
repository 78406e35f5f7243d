"""Referral analytics: a case's trace and the feedback-gap report.

Pure functions of plain records; the stores hand them what they need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from heapq import nsmallest

from graph_models import PairLoops, Referral
from graph_models.referrals import (
    FUNNEL_STAGES,
    NO_DAYS,
    NO_LOOPS,
    CaseTrace,
    DaysToFeedback,
    FeedbackGaps,
    FeedbackLoops,
    FunnelStage,
    LoopCounts,
    LoopScope,
    LoopStats,
    OpenLoop,
    OrganizationGap,
    OrganizationRef,
    PairGap,
    TracedReferral,
    days_between,
)

LOOP_CLOSED = len(FUNNEL_STAGES)
"""Where :attr:`PairLoops.reached` keeps the number of closed loops."""


def case_trace(
    case_ref: str,
    referrals: Iterable[Referral],
    *,
    organizations: Mapping[str, OrganizationRef],
    as_of: datetime,
    overdue_after_days: int,
) -> CaseTrace:
    """A case's referrals in the order sent, with timing, open loops and directions.

    Parameters
    ----------
    case_ref : str
        The case.
    referrals : iterable of Referral
        The case's referrals that the reader may see, in any order.
    organizations : mapping of str to OrganizationRef
        Names of the organizations involved, by id; an id missing here is shown as itself.
    as_of : datetime
        The moment open loops are aged to.
    overdue_after_days : int
        An open loop older than this many days is overdue; a loop closed after more than
        this many days was closed late.

    Returns
    -------
    CaseTrace
        ``directions`` counts the different organizations the family was referred to; a
        referral to an organization the case was referred to before is a re-referral.

    Examples
    --------
    >>> from datetime import UTC
    >>> from graph_models import ReferralEvent
    >>> def referral(rid, to_org, day, closed_day=None):
    ...     sent = datetime(2018, 1, day, tzinfo=UTC)
    ...     closed = datetime(2018, 1, closed_day, tzinfo=UTC) if closed_day else None
    ...     return Referral(id=rid, case_ref="C-1", from_org="clinic", to_org=to_org,
    ...         category="other", sensitive=False, screening=False, consent=True, sent_at=sent,
    ...         status="closed" if closed else "sent", status_at=closed or sent,
    ...         loop_closed=closed is not None, loop_closed_at=closed,
    ...         events=[ReferralEvent(status="sent", at=sent, recorded_by="t")])
    >>> trace = case_trace("C-1", [referral("b", "ei", 9), referral("a", "ei", 2, 6)],
    ...     organizations={}, as_of=datetime(2018, 1, 19, tzinfo=UTC), overdue_after_days=7)
    >>> [(r.id, r.re_referral, r.days_to_feedback, r.days_open) for r in trace.referrals]
    [('a', False, 4.0, None), ('b', True, None, 10.0)]
    >>> [(loop.referral_id, loop.overdue) for loop in trace.open_loops], trace.directions
    ([('b', True)], 1)
    """
    traced: list[TracedReferral] = []
    referred_to: set[str] = set()
    seen: dict[str, OrganizationRef] = {}
    for position, referral in enumerate(sorted(referrals, key=lambda r: (r.sent_at, r.id)), 1):
        closed_at = referral.loop_closed_at
        to_feedback = days_between(referral.sent_at, closed_at) if closed_at else None
        days_open = None if closed_at else days_between(referral.sent_at, as_of)
        traced.append(
            TracedReferral(
                **referral.model_dump(),
                position=position,
                re_referral=referral.to_org in referred_to,
                days_to_feedback=to_feedback,
                days_open=days_open,
                overdue=days_open is not None and days_open > overdue_after_days,
                closed_late=to_feedback is not None and to_feedback > overdue_after_days,
            )
        )
        referred_to.add(referral.to_org)
        for org_id in (referral.from_org, referral.to_org):
            seen.setdefault(org_id, organizations.get(org_id) or _unnamed(org_id))
    open_loops = [
        OpenLoop(
            referral_id=r.id,
            from_org=r.from_org,
            to_org=r.to_org,
            status=r.status,
            sent_at=r.sent_at,
            days_open=r.days_open,
            overdue=r.overdue,
        )
        for r in traced
        if r.days_open is not None
    ]
    return CaseTrace(
        case_ref=case_ref,
        as_of=as_of,
        overdue_after_days=overdue_after_days,
        referrals=traced,
        open_loops=open_loops,
        directions=len(referred_to),
        organizations=list(seen.values()),
    )


def _unnamed(org_id: str) -> OrganizationRef:
    return OrganizationRef(id=org_id, name=org_id, sector="")


DaysOf = Callable[[list[LoopScope]], Sequence[DaysToFeedback]]
"""Gives the days to feedback of each scope asked for, in the same order."""


def loop_stats(
    sent: int,
    closed: int,
    overdue: int,
    days: DaysToFeedback,
    *,
    pair: tuple[str, str] | None = None,
) -> LoopStats:
    """How referrals fared: ``sent``, ``closed`` loops, ``overdue`` open ones and ``days``,
    how long the closed ones took; a :class:`PairGap` when they went from one organization to
    another, ``pair`` (``from_org``, ``to_org``).

    >>> stats = loop_stats(4, 3, 1, DaysToFeedback(median=5.0, late=1))
    >>> stats.open, stats.closure_rate, stats.median_days_to_feedback, stats.closed_late
    (1, 0.75, 5.0, 1)
    >>> loop_stats(4, 3, 1, DaysToFeedback(median=5.0, late=1), pair=("a", "b")).to_org
    'b'
    """
    fields = {
        "sent": sent,
        "closed": closed,
        "open": sent - closed,
        "closure_rate": round(closed / sent, 3) if sent else None,
        "median_days_to_feedback": days.median,
        "overdue": overdue,
        "closed_late": days.late,
    }
    if pair is None:
        return LoopStats(**fields)
    return PairGap(from_org=pair[0], to_org=pair[1], **fields)


def _rank(sent: int, closed: int, overdue: int) -> tuple[int, float, int]:
    """Sort key: most overdue first, then the lowest closure rate (as reported, rounded;
    nothing sent last), then the most sent."""
    return -overdue, round(closed / sent, 3) if sent else 2.0, -sent


def feedback_gaps(
    loops: FeedbackLoops,
    *,
    days_to_feedback: DaysOf,
    org_id: str | None,
    overdue_after_days: int,
    as_of: datetime,
    limit: int,
    offset: int,
) -> FeedbackGaps:
    """Where referral loops stay open, per pair and per organization, worst first.

    Parameters
    ----------
    loops : FeedbackLoops
        The report's scope, with overdue counted for ``overdue_after_days`` before ``as_of``;
        its pairs at least those ranked among the first ``offset + limit``.
    days_to_feedback : callable
        Given a list of :class:`LoopScope`, how long their closed loops took to close, with
        those closed after more than ``overdue_after_days`` counted late. It is asked once,
        only for the scopes on the page that have a closed loop: the pairs, the
        organizations as senders and as receivers, and the whole scope of the report.
    org_id : str or None
        The organization the report is about (pairs are those it is either end of, and it is
        the one organization listed), or None for the whole network.
    overdue_after_days : int
        The threshold the overdue and closed-late counts use.
    as_of : datetime
        When the report was made.
    limit, offset : int
        The page of pairs and of organizations to return.

    Returns
    -------
    FeedbackGaps
        Pairs most overdue first, then lowest closure rate, then most sent; organizations
        owing the most overdue feedback first; the totals and the funnel of the scope.

    Examples
    --------
    >>> from datetime import UTC
    >>> def pair(a, b, sent, closed, overdue):
    ...     return PairLoops(from_org=a, to_org=b, reached=[sent, sent, 0, 0, 0, closed],
    ...         reached_after_screening=[0] * 6, overdue=overdue)
    >>> def three_days(scopes):
    ...     return [DaysToFeedback(median=3.0, late=0) for _ in scopes]
    >>> loops = FeedbackLoops.of_pairs([pair("a", "b", 4, 4, 0), pair("a", "c", 2, 0, 2)])
    >>> report = feedback_gaps(loops, days_to_feedback=three_days, org_id=None,
    ...     overdue_after_days=30, as_of=datetime(2018, 6, 1, tzinfo=UTC), limit=10, offset=0)
    >>> [(p.to_org, p.closure_rate, p.overdue, p.median_days_to_feedback) for p in report.pairs]
    [('c', 0.0, 2, None), ('b', 1.0, 0, 3.0)]
    >>> [(o.org_id, o.as_receiver.overdue) for o in report.organizations]
    [('c', 2), ('b', 0), ('a', 0)]
    >>> report.totals.closure_rate, [stage.referrals for stage in report.funnel]
    (0.667, [6, 6, 0, 0, 0, 4])
    """
    end = offset + limit
    page_of_pairs = nsmallest(
        end, loops.pairs, key=lambda p: (*_rank(*_counts(p)), p.from_org, p.to_org)
    )[offset:]
    of_pairs = [(LoopScope(p.from_org, p.to_org), _counts(p)) for p in page_of_pairs]
    org_ids = [org_id] if org_id else list(loops.senders.keys() | loops.receivers.keys())
    page_of_orgs = nsmallest(
        end, org_ids, key=lambda org: (*_rank(*loops.receivers.get(org, NO_LOOPS)), org)
    )[offset:]
    whole = (
        LoopScope(party=org_id),
        LoopCounts(loops.reached[0], loops.reached[LOOP_CLOSED], loops.overdue),
    )
    as_sender = [(LoopScope(from_org=o), loops.senders.get(o, NO_LOOPS)) for o in page_of_orgs]
    as_receiver = [(LoopScope(to_org=o), loops.receivers.get(o, NO_LOOPS)) for o in page_of_orgs]
    wanted = list(
        dict.fromkeys(
            scope for scope, counts in (*of_pairs, *as_sender, *as_receiver, whole) if counts.closed
        )
    )
    days = dict(zip(wanted, days_to_feedback(wanted) if wanted else [], strict=True))

    def stats(
        scope: LoopScope, counts: LoopCounts, pair: tuple[str, str] | None = None
    ) -> LoopStats:
        return loop_stats(*counts, days.get(scope, NO_DAYS), pair=pair)

    return FeedbackGaps(
        org_id=org_id,
        overdue_after_days=overdue_after_days,
        as_of=as_of,
        totals=stats(*whole),
        funnel=[
            FunnelStage(
                stage=stage,
                referrals=loops.reached[index],
                after_screening=loops.reached_after_screening[index],
            )
            for index, stage in enumerate((*FUNNEL_STAGES, "loop_closed"))
        ],
        pairs=[
            stats(*asked, pair=(pair.from_org, pair.to_org))
            for pair, asked in zip(page_of_pairs, of_pairs, strict=True)
        ],
        total_pairs=loops.total_pairs,
        organizations=[
            OrganizationGap(
                org_id=org,
                as_sender=stats(*sending),
                as_receiver=stats(*receiving),
            )
            for org, sending, receiving in zip(page_of_orgs, as_sender, as_receiver, strict=True)
        ],
        total_organizations=len(org_ids),
        limit=limit,
        offset=offset,
    )


def _counts(pair: PairLoops) -> LoopCounts:
    return LoopCounts(pair.reached[0], pair.reached[LOOP_CLOSED], pair.overdue)
