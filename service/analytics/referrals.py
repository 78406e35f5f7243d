"""Referral analytics: a case's trace and the feedback-gap report.

Pure functions of plain records; the stores hand them what they need.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import datetime
from statistics import median

from graph_models import PairLoops, Referral
from graph_models.referrals import (
    FUNNEL_STAGES,
    CaseTrace,
    FeedbackGaps,
    FunnelStage,
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


def loop_stats(pairs: Iterable[PairLoops], *, overdue_after_days: int) -> LoopStats:
    """How the referrals of ``pairs`` fared, taken together.

    >>> pair = PairLoops(from_org="a", to_org="b", reached=[4, 3, 3, 2, 1, 3],
    ...     reached_after_screening=[0] * 6, overdue=1, feedback_days=[2.0, 5.0, 40.0])
    >>> stats = loop_stats([pair], overdue_after_days=30)
    >>> stats.sent, stats.closed, stats.open, stats.closure_rate, stats.closed_late
    (4, 3, 1, 0.75, 1)
    >>> stats.median_days_to_feedback
    5.0
    """
    pairs = list(pairs)
    sent = sum(pair.reached[0] for pair in pairs)
    closed = sum(pair.reached[LOOP_CLOSED] for pair in pairs)
    days = [day for pair in pairs for day in pair.feedback_days]
    return LoopStats(
        sent=sent,
        closed=closed,
        open=sent - closed,
        closure_rate=round(closed / sent, 3) if sent else None,
        median_days_to_feedback=round(median(days), 2) if days else None,
        overdue=sum(pair.overdue for pair in pairs),
        closed_late=sum(
            len(pair.feedback_days) - bisect_right(pair.feedback_days, overdue_after_days)
            for pair in pairs
        ),
    )


def _rank(sent: int, closed: int, overdue: int) -> tuple[int, float, int]:
    """Sort key: most overdue first, then the lowest closure rate (as reported, rounded;
    nothing sent last), then the most sent."""
    return -overdue, round(closed / sent, 3) if sent else 2.0, -sent


def _rank_all(pairs: Iterable[PairLoops]) -> tuple[int, float, int]:
    sent = closed = overdue = 0
    for pair in pairs:
        sent += pair.reached[0]
        closed += pair.reached[LOOP_CLOSED]
        overdue += pair.overdue
    return _rank(sent, closed, overdue)


def feedback_gaps(
    pairs: list[PairLoops],
    *,
    org_id: str | None,
    overdue_after_days: int,
    as_of: datetime,
    limit: int,
    offset: int,
) -> FeedbackGaps:
    """Where referral loops stay open, per pair and per organization, worst first.

    Parameters
    ----------
    pairs : list of PairLoops
        Every ordered pair in the report's scope, with overdue counted for
        ``overdue_after_days`` before ``as_of``.
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
    ...         reached_after_screening=[0] * 6, overdue=overdue, feedback_days=[3.0] * closed)
    >>> report = feedback_gaps([pair("a", "b", 4, 4, 0), pair("a", "c", 2, 0, 2)],
    ...     org_id=None, overdue_after_days=30, as_of=datetime(2018, 6, 1, tzinfo=UTC),
    ...     limit=10, offset=0)
    >>> [(p.to_org, p.closure_rate, p.overdue) for p in report.pairs]
    [('c', 0.0, 2), ('b', 1.0, 0)]
    >>> [(o.org_id, o.as_receiver.overdue) for o in report.organizations]
    [('c', 2), ('b', 0), ('a', 0)]
    >>> report.totals.closure_rate, [stage.referrals for stage in report.funnel]
    (0.667, [6, 6, 0, 0, 0, 4])
    """
    ranked_pairs = sorted(
        pairs,
        key=lambda p: (
            *_rank(p.reached[0], p.reached[LOOP_CLOSED], p.overdue),
            p.from_org,
            p.to_org,
        ),
    )
    page_of_pairs = [
        PairGap(
            from_org=pair.from_org,
            to_org=pair.to_org,
            **loop_stats([pair], overdue_after_days=overdue_after_days).model_dump(),
        )
        for pair in ranked_pairs[offset : offset + limit]
    ]
    sending: dict[str, list[PairLoops]] = {}
    receiving: dict[str, list[PairLoops]] = {}
    for pair in pairs:
        sending.setdefault(pair.from_org, []).append(pair)
        receiving.setdefault(pair.to_org, []).append(pair)
    org_ids = [org_id] if org_id else list(sending.keys() | receiving.keys())
    ranked_orgs = sorted(org_ids, key=lambda org: (*_rank_all(receiving.get(org, [])), org))
    page_of_orgs = [
        OrganizationGap(
            org_id=org,
            as_sender=loop_stats(sending.get(org, []), overdue_after_days=overdue_after_days),
            as_receiver=loop_stats(receiving.get(org, []), overdue_after_days=overdue_after_days),
        )
        for org in ranked_orgs[offset : offset + limit]
    ]
    return FeedbackGaps(
        org_id=org_id,
        overdue_after_days=overdue_after_days,
        as_of=as_of,
        totals=loop_stats(pairs, overdue_after_days=overdue_after_days),
        funnel=funnel(pairs),
        pairs=page_of_pairs,
        total_pairs=len(ranked_pairs),
        organizations=page_of_orgs,
        total_organizations=len(ranked_orgs),
        limit=limit,
        offset=offset,
    )


def funnel(pairs: Iterable[PairLoops]) -> list[FunnelStage]:
    """How many referrals reached each stage, from sent to the loop closed.

    >>> pair = PairLoops(from_org="a", to_org="b", reached=[5, 4, 3, 2, 1, 2],
    ...     reached_after_screening=[2, 2, 1, 1, 0, 1], overdue=0, feedback_days=[1.0, 2.0])
    >>> [(s.stage, s.referrals, s.after_screening) for s in funnel([pair])][:2]
    [('sent', 5, 2), ('received', 4, 2)]
    """
    empty = [[0] * (LOOP_CLOSED + 1)]
    pairs = list(pairs)
    totals = [sum(stage) for stage in zip(*(empty + [p.reached for p in pairs]), strict=True)]
    screened = [
        sum(stage)
        for stage in zip(*(empty + [p.reached_after_screening for p in pairs]), strict=True)
    ]
    return [
        FunnelStage(stage=stage, referrals=totals[index], after_screening=screened[index])
        for index, stage in enumerate((*FUNNEL_STAGES, "loop_closed"))
    ]
