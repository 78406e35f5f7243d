"""Case traces and feedback-gap figures on constructed histories, computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_models import (
    DaysToFeedback,
    FeedbackLoops,
    LoopScope,
    PairLoops,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from graph_models.referrals import OrganizationRef
from service.referrals.analytics import case_trace, feedback_gaps, loop_stats

S = ReferralStatus


def at(day: int, month: int = 1) -> datetime:
    return datetime(2018, month, day, tzinfo=UTC)


def referral(referral_id, from_org, to_org, sent, *events, category="other") -> Referral:
    """A referral of case C-7 with ``events`` as ``(status, moment)`` after 'sent'."""
    history = [ReferralEvent(status=S.SENT, at=sent, recorded_by="t")]
    history += [
        ReferralEvent(status=status, at=moment, recorded_by="t") for status, moment in events
    ]
    closed = next((e.at for e in history if e.status.closes_loop), None)
    return Referral(
        id=referral_id,
        case_ref="C-7",
        from_org=from_org,
        to_org=to_org,
        category=category,
        sensitive=False,
        screening=False,
        consent=True,
        sent_at=sent,
        status=history[-1].status,
        status_at=history[-1].at,
        loop_closed=closed is not None,
        loop_closed_at=closed,
        events=history,
    )


# A family referred four times: declined by early intervention within 2 days (the decline,
# recorded here, is the report back; feedback given outside followed a day later);
# sent to home visiting, which reported back after 46 days; passed on by home visiting to
# family support, never heard of again; and referred to early intervention a second time.
DECLINED = referral("r1", "clinic", "ei", at(1), (S.DECLINED, at(3)), (S.FEEDBACK_RETURNED, at(4)))
LATE = referral("r2", "clinic", "hv", at(5), (S.ACCEPTED, at(8)), (S.CLOSED, at(20, 2)))
RE_REFERRAL = referral("r3", "clinic", "ei", at(1, 3), (S.RECEIVED, at(2, 3)))
NEVER_CLOSED = referral("r4", "hv", "family-support", at(10), (S.RECEIVED, at(11)))
AS_OF = at(11, 3)


@pytest.fixture
def trace():
    names = {"clinic": OrganizationRef(id="clinic", name="Clinic", sector="primary_care")}
    return case_trace(
        "C-7",
        [RE_REFERRAL, NEVER_CLOSED, LATE, DECLINED],
        organizations=names,
        as_of=AS_OF,
        overdue_after_days=30,
    )


def test_a_trace_lists_the_referrals_in_the_order_sent_with_their_timing(trace):
    assert [(r.position, r.id) for r in trace.referrals] == [
        (1, "r1"),
        (2, "r2"),
        (3, "r4"),
        (4, "r3"),
    ]
    assert [r.days_to_feedback for r in trace.referrals] == [2.0, 46.0, None, None]
    assert [r.days_open for r in trace.referrals] == [None, None, 60.0, 10.0]


def test_a_trace_marks_the_re_referral_the_late_loop_and_the_overdue_one(trace):
    assert [r.id for r in trace.referrals if r.re_referral] == ["r3"]
    assert [r.id for r in trace.referrals if r.closed_late] == ["r2"]
    assert [(loop.referral_id, loop.overdue) for loop in trace.open_loops] == [
        ("r4", True),
        ("r3", False),
    ]


def test_a_trace_counts_the_directions_and_names_each_organization_once(trace):
    assert trace.directions == 3
    assert [(o.id, o.name) for o in trace.organizations] == [
        ("clinic", "Clinic"),
        ("ei", "ei"),
        ("hv", "hv"),
        ("family-support", "family-support"),
    ]


def pair(from_org, to_org, reached, days, overdue=0, screened=None) -> PairLoops:
    DAYS[from_org, to_org] = days
    return PairLoops(
        from_org=from_org,
        to_org=to_org,
        reached=reached,
        reached_after_screening=screened or [0] * 6,
        overdue=overdue,
    )


DAYS: dict[tuple[str, str], list[float]] = {}
"""Days to feedback of the closed loops of each pair below."""

# clinic → ei: 4 sent, 3 closed after 3, 5 and 40 days, 1 overdue.
# clinic → hv: 2 sent, both closed, after 10 and 46 days.
# hv → ei: 1 sent, never closed, overdue.
PAIRS = [
    pair("clinic", "ei", [4, 4, 2, 1, 0, 3], [3.0, 5.0, 40.0], 1, [2, 2, 1, 1, 0, 1]),
    pair("clinic", "hv", [2, 2, 2, 2, 1, 2], [10.0, 46.0]),
    pair("hv", "ei", [1, 1, 0, 0, 0, 0], [], 1),
]


def report(pairs=PAIRS, asked: list[LoopScope] | None = None, **options):
    days = {(p.from_org, p.to_org): DAYS[p.from_org, p.to_org] for p in pairs}
    loops = FeedbackLoops.of_pairs(pairs, days)

    def days_to_feedback(scopes: list[LoopScope]) -> list[DaysToFeedback]:
        if asked is not None:
            asked.extend(scopes)
        late_after_days = options.get("overdue_after_days", 30)
        return loops.days_to_feedback(scopes, late_after_days=late_after_days)

    values = {"org_id": None, "overdue_after_days": 30, "as_of": AS_OF, "limit": 10, "offset": 0}
    return feedback_gaps(loops, days_to_feedback=days_to_feedback, **{**values, **options})


def test_the_gap_report_puts_the_most_overdue_link_with_the_lowest_closure_rate_first():
    pairs = report().pairs
    assert [(p.from_org, p.to_org) for p in pairs] == [
        ("hv", "ei"),
        ("clinic", "ei"),
        ("clinic", "hv"),
    ]
    assert [(p.sent, p.closed, p.closure_rate, p.overdue) for p in pairs] == [
        (1, 0, 0.0, 1),
        (4, 3, 0.75, 1),
        (2, 2, 1.0, 0),
    ]
    assert [p.median_days_to_feedback for p in pairs] == [None, 5.0, 28.0]
    assert [p.closed_late for p in pairs] == [0, 1, 1]


def test_organizations_are_judged_as_senders_and_as_receivers_from_all_their_links():
    by_org = {o.org_id: o for o in report().organizations}
    ei = by_org["ei"].as_receiver
    assert (ei.sent, ei.closed, ei.open, ei.closure_rate, ei.overdue) == (5, 3, 2, 0.6, 2)
    assert ei.median_days_to_feedback == 5.0
    clinic = by_org["clinic"].as_sender
    assert (clinic.sent, clinic.closed, clinic.closure_rate) == (6, 5, 0.833)
    assert clinic.median_days_to_feedback == 10.0
    assert by_org["clinic"].as_receiver.closure_rate is None
    assert report().organizations[0].org_id == "ei"


def test_the_totals_and_the_funnel_cover_every_link_in_scope():
    totals = report().totals
    assert (totals.sent, totals.closed, totals.overdue, totals.closed_late) == (7, 5, 2, 2)
    assert totals.median_days_to_feedback == 10.0
    funnel = [(s.stage, s.referrals, s.after_screening) for s in report().funnel]
    assert funnel == [
        ("sent", 7, 2),
        ("received", 7, 2),
        ("accepted", 4, 1),
        ("enrolled", 3, 1),
        ("completed", 1, 0),
        ("loop_closed", 5, 1),
    ]


def test_a_report_about_one_organization_lists_only_it_and_pages_the_pairs():
    first = report(PAIRS[1:], org_id="hv", limit=1, offset=0)
    assert [o.org_id for o in first.organizations] == ["hv"]
    assert (first.organizations[0].as_sender.sent, first.organizations[0].as_receiver.sent) == (
        1,
        2,
    )
    assert [(p.from_org, p.to_org) for p in first.pairs] == [("hv", "ei")]
    second = report(PAIRS[1:], org_id="hv", limit=1, offset=1)
    assert [(p.from_org, p.to_org) for p in second.pairs] == [("clinic", "hv")]
    assert (second.total_pairs, second.total_organizations, second.organizations) == (2, 1, [])


def test_days_to_feedback_are_asked_only_for_what_the_page_shows_with_a_closed_loop():
    asked: list[LoopScope] = []
    report(asked=asked, limit=1)
    # hv → ei has no closed loop, ei sent nothing: only ei as receiver and the whole network.
    assert asked == [LoopScope(to_org="ei"), LoopScope()]
    asked.clear()
    report(PAIRS[1:], asked=asked, org_id="hv", limit=2)
    assert asked == [
        LoopScope("clinic", "hv"),
        LoopScope(to_org="hv"),
        LoopScope(party="hv"),
    ]


def test_a_page_may_come_from_more_pairs_than_it_shows_and_counts_every_pair_in_scope():
    loops = FeedbackLoops.of_pairs(PAIRS)._replace(total_pairs=40)
    gaps = feedback_gaps(
        loops,
        days_to_feedback=lambda scopes: [DaysToFeedback(None, 0) for _ in scopes],
        org_id=None,
        overdue_after_days=30,
        as_of=AS_OF,
        limit=2,
        offset=0,
    )
    assert [(p.from_org, p.to_org) for p in gaps.pairs] == [("hv", "ei"), ("clinic", "ei")]
    assert gaps.total_pairs == 40


def test_with_nothing_sent_the_rates_and_medians_are_empty_not_zero():
    stats = loop_stats(0, 0, 0, DaysToFeedback.of([], late_after_days=30))
    assert (stats.sent, stats.closure_rate, stats.median_days_to_feedback) == (0, None, None)
