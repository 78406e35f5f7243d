"""The store contract for referrals, their feedback loops and the audit log, on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from graph_models import (
    AuditAction,
    AuditEntryCreate,
    AuditQuery,
    DaysToFeedback,
    LoopCounts,
    LoopScope,
    NetworkBundle,
    OrganizationCreate,
    PairLoops,
    ReferralCreate,
    ReferralEventCreate,
    ReferralImport,
    ReferralQuery,
    ReferralStatus,
    Role,
)
from graph_models.evidence import ReferralTally
from graph_models.referrals import days_between
from service.data.migration import bring_up_to_date
from service.errors import Conflict, InvalidInput, InvalidReference, NotFound
from service.store.shared.copying import RecordKind
from service.store.shared.values import from_text, to_text
from tests.conftest import add_orgs
from tests.networks import tallied

S = ReferralStatus
LONG_AGO = datetime(2030, 1, 1, tzinfo=UTC)


def at(day: int, month: int = 1) -> datetime:
    return datetime(2018, month, day, tzinfo=UTC)


def refer(store, referral_id, case_ref, from_org, to_org, day, **extra):
    return store.create_referral(
        ReferralCreate(
            id=referral_id,
            case_ref=case_ref,
            from_org=from_org,
            to_org=to_org,
            sent_at=at(day),
            consent=True,
            **extra,
        ),
        recorded_by="Case worker",
    )


def move(store, referral_id, *steps: tuple[ReferralStatus, int]):
    for status, day in steps:
        store.add_referral_event(
            referral_id, ReferralEventCreate(status=status, at=at(day)), recorded_by="Receiver"
        )
    return store.get_referral(referral_id)


@pytest.fixture
def orgs(store):
    add_orgs(
        store,
        ("clinic", "primary_care"),
        ("ei", "early_intervention"),
        ("hub", "early_learning_hub"),
    )
    return store


def test_a_new_referral_is_sent_with_consent_and_its_loop_open(orgs):
    referral = refer(orgs, "r1", "C-1", "clinic", "ei", 5, screening=True)
    assert (referral.status, referral.status_at, referral.loop_closed) == (S.SENT, at(5), False)
    assert [(e.status, e.at, e.recorded_by) for e in referral.events] == [
        (S.SENT, at(5), "Case worker")
    ]
    assert (referral.consent, referral.screening, referral.sensitive) == (True, True, False)
    assert orgs.get_referral("r1") == referral


def test_the_loop_closes_at_the_first_outcome_recorded_and_stays_closed(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    accepted = move(orgs, "r1", (S.RECEIVED, 6), (S.ACCEPTED, 8))
    assert (accepted.status, accepted.loop_closed) == (S.ACCEPTED, False)
    enrolled = move(orgs, "r1", (S.ENROLLED, 20))
    assert (enrolled.status, enrolled.loop_closed, enrolled.loop_closed_at) == (
        S.ENROLLED,
        True,
        at(20),
    )
    done = move(orgs, "r1", (S.FEEDBACK_RETURNED, 22), (S.CLOSED, 30))
    assert (done.status, done.status_at) == (S.CLOSED, at(30))
    assert (done.loop_closed, done.loop_closed_at) == (True, at(20))
    assert [e.status for e in done.events] == [
        S.SENT,
        S.RECEIVED,
        S.ACCEPTED,
        S.ENROLLED,
        S.FEEDBACK_RETURNED,
        S.CLOSED,
    ]


def test_recording_a_decline_or_unable_to_contact_reports_back_and_closes_the_loop(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    refer(orgs, "r2", "C-2", "clinic", "ei", 5)
    assert move(orgs, "r1", (S.DECLINED, 7)).loop_closed_at == at(7)
    assert move(orgs, "r1", (S.FEEDBACK_RETURNED, 9)).loop_closed_at == at(7)
    assert move(orgs, "r2", (S.UNABLE_TO_CONTACT, 8)).loop_closed_at == at(8)


def test_an_illegal_transition_is_a_conflict_naming_the_allowed_moves_and_writes_nothing(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    move(orgs, "r1", (S.DECLINED, 7))
    with pytest.raises(
        Conflict,
        match="a declined referral cannot become enrolled; from "
        "declined it may become: closed, feedback_returned",
    ):
        move(orgs, "r1", (S.ENROLLED, 9))
    assert [e.status for e in orgs.get_referral("r1").events] == [S.SENT, S.DECLINED]
    [pair] = pairs_of(orgs)
    assert pair.reached == [1, 1, 0, 0, 0, 1]


def test_an_event_before_the_referral_was_sent_or_before_the_last_event_is_refused(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    with pytest.raises(InvalidInput, match="is before the referral was sent"):
        move(orgs, "r1", (S.RECEIVED, 4))
    move(orgs, "r1", (S.RECEIVED, 8))
    with pytest.raises(
        InvalidInput, match=r"is before the previous event \(received at 2018-01-08"
    ):
        move(orgs, "r1", (S.ACCEPTED, 7))
    assert orgs.get_referral("r1").status is S.RECEIVED


def test_an_event_for_an_unknown_referral_is_not_found(orgs):
    with pytest.raises(NotFound, match="referral 'nope' does not exist"):
        move(orgs, "nope", (S.RECEIVED, 4))


def test_a_referral_to_an_unknown_organization_is_refused_and_nothing_is_written(orgs):
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        refer(orgs, "r1", "C-1", "clinic", "ghost", 5)
    assert orgs.list_referrals(ReferralQuery(limit=10), visible_to=None).total == 0
    assert pairs_of(orgs) == []


def test_a_second_referral_with_the_same_id_is_a_conflict(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    with pytest.raises(Conflict, match="referral 'r1' already exists"):
        refer(orgs, "r1", "C-2", "clinic", "hub", 6)
    assert orgs.get_referral("r1").case_ref == "C-1"


def test_a_referral_without_an_id_gets_one_that_tells_nothing_of_the_case(orgs):
    referral = refer(orgs, None, "C-1", "clinic", "ei", 5)
    assert referral.id.startswith("ref-") and "C-1" not in referral.id


def test_an_organization_sees_what_it_sent_or_received_and_no_one_else_sees_sensitive_ones(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    refer(orgs, "r2", "C-1", "ei", "hub", 6, category="domestic_violence")
    refer(orgs, "r3", "C-2", "hub", "clinic", 7)

    def ids(visible_to, **filters):
        page = orgs.list_referrals(
            ReferralQuery(limit=10, offset=0, **filters), visible_to=visible_to
        )
        return [r.id for r in page.items]

    assert ids("clinic") == ["r1", "r3"]
    assert ids("ei") == ["r1", "r2"]
    assert ids("hub") == ["r2", "r3"]
    assert ids(None) == ["r1", "r3"]
    assert ids("ei", case_ref="C-1") == ["r1", "r2"]
    assert ids("clinic", case_ref="C-1") == ["r1"]
    assert ids(None, org_id="hub") == ["r3"]
    assert ids("ei", org_id="hub") == ["r2"]


def test_referrals_filter_by_status_and_page_in_the_order_sent(orgs):
    for n, day in enumerate((9, 3, 6), start=1):
        refer(orgs, f"r{n}", f"C-{n}", "clinic", "ei", day)
    move(orgs, "r2", (S.RECEIVED, 10))
    page = orgs.list_referrals(ReferralQuery(limit=2, offset=1), visible_to=None)
    assert (page.total, [r.id for r in page.items]) == (3, ["r3", "r1"])
    received = orgs.list_referrals(ReferralQuery(status=S.RECEIVED, limit=10), visible_to=None)
    assert [r.id for r in received.items] == ["r2"]


def test_referral_flow_counts_each_partner_both_ways_with_open_loops_and_first_date(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    refer(orgs, "r2", "C-2", "clinic", "ei", 9)
    refer(orgs, "r3", "C-3", "ei", "clinic", 12)
    refer(orgs, "r4", "C-4", "hub", "clinic", 14)
    move(orgs, "r1", (S.CLOSED, 20))
    flow = orgs.referral_flow("clinic")
    assert list(flow) == ["ei", "hub"]
    ei = flow["ei"]
    assert (ei.referrals_sent, ei.referrals_received, ei.open_loops, ei.closed_loops) == (
        2,
        1,
        2,
        1,
    )
    assert ei.first_referral_at == at(5)
    hub = flow["hub"]
    assert (hub.referrals_sent, hub.referrals_received, hub.open_loops) == (0, 1, 1)
    assert orgs.referral_flow("hub")["clinic"].referrals_sent == 1


def test_referral_flow_as_of_a_date_counts_what_was_sent_and_closed_by_then(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    refer(orgs, "r2", "C-2", "clinic", "ei", 9)
    move(orgs, "r1", (S.CLOSED, 20))
    before_close = orgs.referral_flow("clinic", as_of=at(10))["ei"]
    assert (before_close.referrals_sent, before_close.open_loops) == (2, 2)
    assert orgs.referral_flow("clinic", as_of=at(21))["ei"].closed_loops == 1
    assert orgs.referral_flow("clinic", as_of=at(6))["ei"].referrals_sent == 1
    assert orgs.referral_flow("clinic", as_of=at(1)) == {}
    with pytest.raises(NotFound):
        orgs.referral_flow("ghost")


def pairs_of(store, org_id=None, overdue_before=LONG_AGO) -> list[PairLoops]:
    """Every pair in scope, by sender then receiver."""
    loops = store.feedback_loops(org_id=org_id, overdue_before=overdue_before, worst=1000)
    return sorted(loops.pairs)


def test_feedback_loops_count_funnel_stages_and_overdue_loops_per_pair_organization_and_all(
    orgs,
):
    refer(orgs, "r1", "C-1", "clinic", "ei", 1, screening=True)
    refer(orgs, "r2", "C-2", "clinic", "ei", 2)
    refer(orgs, "r3", "C-3", "clinic", "ei", 10)
    refer(orgs, "r4", "C-4", "ei", "hub", 3)
    move(orgs, "r1", (S.ACCEPTED, 2), (S.ENROLLED, 4), (S.FEEDBACK_RETURNED, 5))
    move(orgs, "r2", (S.DECLINED, 3), (S.CLOSED, 12))
    loops = orgs.feedback_loops(overdue_before=at(8), worst=10)
    pairs = sorted(loops.pairs)
    assert [(p.from_org, p.to_org) for p in pairs] == [("clinic", "ei"), ("ei", "hub")]
    clinic_ei = pairs[0]
    assert clinic_ei.reached == [3, 2, 1, 1, 0, 2]
    assert clinic_ei.reached_after_screening == [1, 1, 1, 1, 0, 1]
    # r3 is open but sent after the cut-off; r4 is open and sent before it.
    assert (clinic_ei.overdue, pairs[1].overdue) == (0, 1)
    assert loops.total_pairs == 2
    assert loops.senders == {"clinic": LoopCounts(3, 2, 0), "ei": LoopCounts(1, 0, 1)}
    assert loops.receivers == {"ei": LoopCounts(3, 2, 0), "hub": LoopCounts(1, 0, 1)}
    assert (loops.reached, loops.reached_after_screening, loops.overdue) == (
        [4, 2, 1, 1, 0, 2],
        [1, 1, 1, 1, 0, 1],
        1,
    )
    of_hub = orgs.feedback_loops(org_id="hub", overdue_before=at(11), worst=10)
    assert [(p.from_org, p.to_org, p.overdue) for p in of_hub.pairs] == [("ei", "hub", 1)]
    assert (of_hub.total_pairs, of_hub.receivers["hub"]) == (1, LoopCounts(1, 0, 1))
    with pytest.raises(NotFound):
        orgs.feedback_loops(org_id="ghost", overdue_before=at(1), worst=10)


def test_the_most_overdue_pairs_are_among_those_given_when_fewer_are_asked_for(orgs):
    for n, (from_org, to_org, open_loops) in enumerate(
        [("clinic", "ei", 3), ("ei", "hub", 1), ("hub", "clinic", 2), ("clinic", "hub", 2)]
    ):
        for k in range(open_loops):
            refer(orgs, f"r{n}-{k}", f"C-{n}-{k}", from_org, to_org, 1 + k)
    refer(orgs, "late", "C-9", "ei", "hub", 20)
    loops = orgs.feedback_loops(overdue_before=at(10), worst=2)
    given = {(p.from_org, p.to_org): p.overdue for p in loops.pairs}
    # clinic → hub ties with hub → clinic and comes first by name.
    assert (given[("clinic", "ei")], given[("clinic", "hub")]) == (3, 2)
    assert loops.total_pairs == 4
    assert loops.overdue == 8


@pytest.fixture
def closed_loops(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 1)
    refer(orgs, "r2", "C-2", "clinic", "ei", 2)
    refer(orgs, "r3", "C-3", "hub", "ei", 1)
    refer(orgs, "r4", "C-4", "ei", "hub", 3)
    refer(orgs, "r5", "C-5", "ei", "clinic", 3)
    move(orgs, "r1", (S.CLOSED, 5))  # 4 days
    move(orgs, "r2", (S.RECEIVED, 3), (S.DECLINED, 12))  # 10 days
    move(orgs, "r3", (S.ACCEPTED, 2), (S.ENROLLED, 31))  # 30 days
    move(orgs, "r4", (S.CLOSED, 4))  # 1 day
    return orgs


def test_days_to_feedback_give_the_median_and_late_closings_of_each_scope(closed_loops):
    orgs = closed_loops
    scopes = [
        LoopScope("clinic", "ei"),
        LoopScope(from_org="clinic"),
        LoopScope(to_org="ei"),
        LoopScope(party="ei"),
        LoopScope(party="clinic"),
        LoopScope(),
        LoopScope("ei", "clinic"),
        LoopScope(to_org="wic"),
    ]
    assert orgs.days_to_feedback(scopes, late_after_days=5) == [
        DaysToFeedback(7.0, 1),
        DaysToFeedback(7.0, 1),
        DaysToFeedback(10.0, 2),
        DaysToFeedback(7.0, 2),
        DaysToFeedback(7.0, 1),
        DaysToFeedback(7.0, 2),
        DaysToFeedback(None, 0),
        DaysToFeedback(None, 0),
    ]
    late = [orgs.days_to_feedback([LoopScope()], late_after_days=days) for days in (29, 30)]
    assert late == [[DaysToFeedback(7.0, 1)], [DaysToFeedback(7.0, 0)]]
    assert orgs.days_to_feedback([], late_after_days=5) == []


def test_an_organizations_days_to_feedback_read_along_with_its_pairs_are_the_stores_own(
    closed_loops,
):
    orgs = closed_loops
    # ei is part of four pairs: all of them rank on a page of ten, not on a page of two, and
    # an end of five referrals. Read along with the pairs, the days save a read per pair
    # on the page: when all the pairs are on it, or when they hold few referrals.
    on_the_page = orgs.feedback_loops(org_id="ei", overdue_before=at(1), worst=10)
    few = orgs.feedback_loops(org_id="ei", overdue_before=at(1), worst=2, days_along_up_to=5)
    many = orgs.feedback_loops(org_id="ei", overdue_before=at(1), worst=2, days_along_up_to=4)
    assert on_the_page.closed_days is not None and few.closed_days is not None
    assert many.closed_days is None
    scopes = [LoopScope(p.from_org, p.to_org) for p in on_the_page.pairs]
    scopes += [LoopScope(from_org="ei"), LoopScope(to_org="ei"), LoopScope(party="ei")]
    expected = orgs.days_to_feedback(scopes, late_after_days=5)
    assert expected[-3:] == [
        DaysToFeedback(1.0, 0),
        DaysToFeedback(10.0, 2),
        DaysToFeedback(7.0, 2),
    ]
    for loops in (on_the_page, few):
        assert loops.days_to_feedback(scopes, late_after_days=5) == expected


def bundle_of(*referrals: ReferralImport, organizations=()) -> NetworkBundle:
    return NetworkBundle(
        name="referrals",
        title="Referrals",
        organizations=list(organizations),
        referrals=list(referrals),
    )


def imported(referral_id, case_ref, from_org, to_org, day, *events, **extra) -> ReferralImport:
    return ReferralImport(
        id=referral_id,
        case_ref=case_ref,
        from_org=from_org,
        to_org=to_org,
        sent_at=at(day),
        consent=True,
        recorded_by="Referral platform",
        events=[(status, at(event_day)) for status, event_day in events],
        **extra,
    )


def test_a_bundle_of_referrals_counts_exactly_as_the_same_writes_one_by_one(store, reopen):
    add_orgs(store, ("clinic", "primary_care"), ("ei", "early_intervention"))
    summary = store.import_bundle(
        bundle_of(
            imported(
                "r1",
                "C-1",
                "clinic",
                "ei",
                1,
                (S.ACCEPTED, 2),
                (S.ENROLLED, 4),
                (S.FEEDBACK_RETURNED, 5),
                screening=True,
            ),
            imported("r2", "C-2", "clinic", "ei", 2, (S.RECEIVED, 3), (S.DECLINED, 13)),
            imported("r3", "C-3", "clinic", "ei", 10),
            organizations=[OrganizationCreate(id="hub", name="Hub", sector="early_learning_hub")],
        )
    )
    assert (summary.referrals, summary.referral_events, summary.organizations) == (3, 5, 1)
    r1 = store.get_referral("r1")
    assert (r1.status, r1.loop_closed_at, r1.events[-1].recorded_by) == (
        S.FEEDBACK_RETURNED,
        at(4),
        "Referral platform",
    )
    [pair] = pairs_of(store, overdue_before=at(8))
    assert (pair.reached, pair.overdue) == ([3, 2, 1, 1, 0, 2], 0)
    [days] = store.days_to_feedback([LoopScope("clinic", "ei")], late_after_days=5)
    assert days == DaysToFeedback(median=7.0, late=1)
    store.close()
    again = reopen()
    try:
        assert again.get_referral("r2").loop_closed_at == at(13)
        assert again.referral_flow("ei")["clinic"].referrals_received == 3
    finally:
        again.close()


def test_who_recorded_imported_events_is_kept_whatever_characters_it_holds(orgs):
    who = 'Plateforme "Référence" \\ 2'
    referral = imported("r1", "C-1", "clinic", "ei", 1, (S.RECEIVED, 2), (S.CLOSED, 3))
    orgs.import_bundle(bundle_of(referral.model_copy(update={"recorded_by": who})))
    stored = orgs.get_referral("r1")
    assert [(e.status, e.at, e.recorded_by) for e in stored.events] == [
        (S.SENT, at(1), who),
        (S.RECEIVED, at(2), who),
        (S.CLOSED, at(3), who),
    ]


def test_each_bundle_adds_only_its_own_referrals_to_the_counters_of_their_pairs(orgs):
    orgs.import_bundle(bundle_of(imported("r1", "C-1", "clinic", "ei", 3, (S.ACCEPTED, 4))))
    refer(orgs, "r2", "C-2", "clinic", "ei", 5, screening=True)
    orgs.import_bundle(
        bundle_of(
            imported("r3", "C-3", "clinic", "ei", 1, (S.RECEIVED, 2), (S.CLOSED, 9)),
            imported("r4", "C-4", "ei", "clinic", 8, screening=True),
        )
    )
    assert [
        (p.from_org, p.to_org, p.reached, p.reached_after_screening) for p in pairs_of(orgs)
    ] == [
        ("clinic", "ei", [3, 2, 1, 0, 0, 1], [1, 0, 0, 0, 0, 0]),
        ("ei", "clinic", [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]),
    ]
    tally = orgs.referral_tallies("clinic", until=at(10))["ei"]
    assert (tally.sent, tally.received, tally.first_sent_at, tally.last_sent_at) == (
        3,
        1,
        at(1),
        at(8),
    )


def test_imported_referrals_with_the_same_statuses_keep_their_own_times_and_recorders(orgs):
    braced = "{0} {} }{"
    first = imported("r1", "C-1", "clinic", "ei", 1, (S.RECEIVED, 2), (S.CLOSED, 3))
    second = imported("r2", "C-2", "clinic", "ei", 4, (S.RECEIVED, 5), (S.CLOSED, 6))
    orgs.import_bundle(bundle_of(first, second.model_copy(update={"recorded_by": braced})))
    assert [(e.at, e.recorded_by) for e in orgs.get_referral("r1").events] == [
        (at(1), "Referral platform"),
        (at(2), "Referral platform"),
        (at(3), "Referral platform"),
    ]
    assert [(e.at, e.recorded_by) for e in orgs.get_referral("r2").events] == [
        (at(4), braced),
        (at(5), braced),
        (at(6), braced),
    ]


def test_a_bundle_with_one_bad_referral_writes_none_of_them(orgs):
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        orgs.import_bundle(
            bundle_of(
                imported("r1", "C-1", "clinic", "ei", 1, (S.RECEIVED, 2)),
                imported("r2", "C-2", "ghost", "ei", 2),
            )
        )
    with pytest.raises(Conflict, match="referral 'r1' appears twice in the batch"):
        orgs.import_bundle(
            bundle_of(
                imported("r1", "C-1", "clinic", "ei", 1), imported("r1", "C-2", "ei", "hub", 2)
            )
        )
    assert orgs.list_referrals(ReferralQuery(limit=10), visible_to=None).total == 0
    assert orgs.referral_flow("clinic") == {}


def test_a_bad_bundle_names_an_unknown_organization_first_then_a_taken_id(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 1)
    taken = imported("r1", "C-9", "ei", "clinic", 3)
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        orgs.import_bundle(
            bundle_of(
                imported("r2", "C-2", "clinic", "ei", 2),
                taken,
                imported("r3", "C-3", "ghost", "ei", 2),
            )
        )
    with pytest.raises(Conflict, match="referral 'r1' already exists"):
        orgs.import_bundle(bundle_of(imported("r2", "C-2", "clinic", "ei", 2), taken))
    assert [r.id for r in orgs.list_referrals(ReferralQuery(limit=10), visible_to=None).items] == [
        "r1"
    ]
    [pair] = pairs_of(orgs)
    assert pair.reached[0] == 1


def test_a_bundle_may_refer_to_organizations_it_brings_itself(orgs):
    shelter = OrganizationCreate(id="shelter", name="Shelter", sector="early_learning_hub")
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        orgs.import_bundle(
            bundle_of(imported("r1", "C-1", "shelter", "ghost", 1), organizations=[shelter])
        )
    with pytest.raises(NotFound):
        orgs.get_organization("shelter")
    orgs.import_bundle(
        bundle_of(imported("r1", "C-1", "shelter", "clinic", 1), organizations=[shelter])
    )
    assert orgs.referral_flow("clinic")["shelter"].referrals_received == 1


SENT_JAN_5 = {
    "id": "r1",
    "case_ref": "C-1",
    "from_org": "clinic",
    "to_org": "ei",
    "sent_at": "2018-01-05T10:00:00Z",
    "consent": True,
}
DECLINED_THEN_ENROLLED = (
    "referral 'r1': a declined referral cannot become enrolled; "
    "from declined it may become: closed, feedback_returned"
)


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            {"events": [["declined", "2018-01-06"], ["enrolled", "2018-01-07"]]},
            (),
            DECLINED_THEN_ENROLLED,
        ),
        (
            {"events": [["closed", "2018-01-06"], ["received", "2018-01-07"]]},
            (),
            "referral 'r1': a closed referral cannot become received; closed is final",
        ),
        (
            {"events": [["received", "2018-01-04"]]},
            (),
            "referral 'r1': at 2018-01-04T00:00:00+00:00 is before the referral was sent "
            "(2018-01-05T10:00:00+00:00)",
        ),
        (
            {
                "events": [
                    ["received", "2018-01-06T10:00:00"],
                    ["accepted", "2018-01-06T11:00+02:00"],
                ]
            },
            (),
            "referral 'r1': at 2018-01-06T11:00:00+02:00 is before the previous event "
            "(received at 2018-01-06T10:00:00+00:00)",
        ),
        (
            {"events": [["received", "2018-01-08"], ["closed", "2999-01-01T00:00:00Z"]]},
            (),
            "referral 'r1': 2999-01-01T00:00:00+00:00 is in the future",
        ),
        (
            {"events": [["received", "2999-01-08"], ["closed", "2018-02-01"]]},
            (),
            "referral 'r1': 2999-01-08T00:00:00+00:00 is in the future",
        ),
        (
            {"events": [["received", "2998-01-08"], ["closed", "2999-02-01"]]},
            (),
            "referral 'r1': 2998-01-08T00:00:00+00:00 is in the future",
        ),
        (
            {"id": None, "events": [["enrolled", "2018-01-06"]]},
            (),
            "referral 'C-1': a sent referral cannot become enrolled; from sent it may become: "
            "received, accepted, declined, unable_to_contact, closed",
        ),
        (
            {"to_org": "clinic", "events": [["enrolled", "2018-01-06"]]},
            (),
            "a referral goes from one organization to another",
        ),
        (
            {"consent": False},
            ("consent",),
            "a referral needs the family's consent: set consent to true once the family has "
            "authorized it",
        ),
        (
            {"case_ref": "lopez-2017-03-04"},
            ("case_ref",),
            "a case_ref must not hold a date (it may be a birth date); use a pseudonymous code "
            "such as 'OR-C-0412'",
        ),
        (
            {"sent_at": "2999-01-01T00:00:00Z"},
            ("sent_at",),
            "2999-01-01T00:00:00+00:00 is in the future",
        ),
    ],
)
def test_a_bundle_with_a_bad_referral_is_refused_saying_which_and_what_is_wrong(
    change, where, message
):
    good = {**SENT_JAN_5, "id": "r0"}
    payload = {"name": "n", "title": "T", "referrals": [good, {**SENT_JAN_5, **change}]}
    with pytest.raises(ValidationError) as refused:
        NetworkBundle.model_validate_json(json.dumps(payload))
    [error] = refused.value.errors()
    assert (error["loc"], error["msg"]) == (("referrals", 1, *where), f"Value error, {message}")


def test_imported_events_without_an_offset_are_read_as_utc():
    referral = ReferralImport.model_validate(
        {**SENT_JAN_5, "events": [["received", "2018-01-06T10:00:00"], ["closed", "2018-01-07"]]}
    )
    assert referral.events == [
        (S.RECEIVED, datetime(2018, 1, 6, 10, tzinfo=UTC)),
        (S.CLOSED, datetime(2018, 1, 7, tzinfo=UTC)),
    ]
    assert all(at.tzinfo is not None for _, at in referral.events)


def test_a_bundle_refuses_every_bad_referral_it_holds():
    referrals = [
        {**SENT_JAN_5, "consent": False},
        {
            **SENT_JAN_5,
            "id": "r2",
            "events": [["declined", "2018-01-06"], ["enrolled", "2018-01-07"]],
        },
    ]
    with pytest.raises(ValidationError) as refused:
        NetworkBundle.model_validate({"name": "n", "title": "T", "referrals": referrals})
    assert [error["loc"] for error in refused.value.errors()] == [
        ("referrals", 0, "consent"),
        ("referrals", 1),
    ]


def test_an_organization_with_referrals_cannot_be_deleted(orgs):
    refer(orgs, "r1", "C-1", "clinic", "ei", 5)
    with pytest.raises(Conflict, match="'ei' has referrals, which keep case history"):
        orgs.delete_organization("ei")
    assert orgs.get_organization("ei").id == "ei"
    orgs.delete_organization("hub")


def audit_entry(case_ref, action=AuditAction.TRACE_CASE, org_id=None, role=Role.ADMIN):
    return AuditEntryCreate(
        actor="Reader", token_id="t1", role=role, org_id=org_id, action=action, case_ref=case_ref
    )


def test_the_audit_log_lists_entries_newest_first_with_filters(store):
    start = datetime.now(UTC) - timedelta(seconds=1)
    store.record_audit([audit_entry("C-1"), audit_entry("C-2")])
    store.record_audit([audit_entry("C-1", AuditAction.LIST_REFERRALS, "clinic", Role.CASEWORKER)])
    store.record_audit([])
    page = store.list_audit(AuditQuery(limit=10))
    assert [(e.seq, e.case_ref, e.action) for e in page.items] == [
        (3, "C-1", AuditAction.LIST_REFERRALS),
        (2, "C-2", AuditAction.TRACE_CASE),
        (1, "C-1", AuditAction.TRACE_CASE),
    ]
    assert page.items[0].at >= start
    assert store.list_audit(AuditQuery(case_ref="C-1", limit=10)).total == 2
    assert [e.seq for e in store.list_audit(AuditQuery(org_id="clinic", limit=10)).items] == [3]
    listed = store.list_audit(AuditQuery(action=AuditAction.TRACE_CASE, limit=1, offset=1))
    assert (listed.total, [e.seq for e in listed.items]) == (2, [1])
    assert (
        store.list_audit(
            AuditQuery(since=datetime.now(UTC) + timedelta(hours=1), limit=5, offset=0)
        ).total
        == 0
    )


def test_referral_facts_list_what_an_organization_sent_and_received_with_loop_closure(store, orgs):
    refer(store, "r1", "case-1", "clinic", "ei", 2)
    move(store, "r1", (S.RECEIVED, 3), (S.DECLINED, 9), (S.FEEDBACK_RETURNED, 10))
    refer(store, "r2", "case-2", "hub", "clinic", 5)
    refer(store, "r3", "case-3", "hub", "ei", 6)
    facts = store.referral_facts("clinic")
    assert [(f.from_org, f.to_org, f.case_ref, f.closed_at) for f in facts] == [
        ("clinic", "ei", "case-1", at(9)),
        ("hub", "clinic", "case-2", None),
    ]
    assert store.referral_facts("ei")[0].sent_at == at(2)
    with pytest.raises(NotFound):
        store.referral_facts("nowhere")


def test_referral_facts_of_a_window_are_those_sent_after_its_start_and_by_its_end(store, orgs):
    refer(store, "r1", "case-1", "clinic", "ei", 2)
    refer(store, "r2", "case-2", "hub", "clinic", 5)
    refer(store, "r3", "case-3", "clinic", "hub", 6)
    refer(store, "r4", "case-4", "ei", "clinic", 9)
    window = store.referral_facts("clinic", since=at(2), until=at(6))
    assert [f.case_ref for f in window] == ["case-2", "case-3"]
    assert [f.case_ref for f in store.referral_facts("clinic", since=at(5))] == ["case-3", "case-4"]
    assert [f.case_ref for f in store.referral_facts("clinic", until=at(5))] == ["case-1", "case-2"]


def test_referral_tallies_count_each_partners_referrals_either_way_sent_by_a_moment(store, orgs):
    refer(store, "r1", "case-1", "clinic", "ei", 2)
    refer(store, "r2", "case-2", "ei", "clinic", 4)
    refer(store, "r3", "case-3", "clinic", "ei", 7)
    refer(store, "r4", "case-4", "hub", "clinic", 5)
    refer(store, "r5", "case-5", "hub", "ei", 3)
    assert store.referral_tallies("clinic", until=at(30)) == {
        "ei": ReferralTally(sent=2, received=1, first_sent_at=at(2), last_sent_at=at(7)),
        "hub": ReferralTally(sent=0, received=1, first_sent_at=at(5), last_sent_at=at(5)),
    }
    # The pair clinic-ei has referrals on both sides of day 4: they are counted one by one.
    assert store.referral_tallies("clinic", until=at(4)) == {
        "ei": ReferralTally(sent=1, received=1, first_sent_at=at(2), last_sent_at=at(4))
    }
    for until in (at(1), at(3), at(5), at(7)):
        facts = store.referral_facts("ei")
        assert store.referral_tallies("ei", until=until) == tallied("ei", facts, until=until)
    with pytest.raises(NotFound):
        store.referral_tallies("nowhere", until=at(30))


def kept_as_by_the_old_rule(store, closed_at: dict[str, datetime | None], pair_closed: list[int]):
    """Rewrite the stored loops as a store kept them when only feedback_returned, completed and
    closed closed a loop: each referral's ``closed_at`` and the one pair's closed counters."""
    [referrals] = store.export_records(RecordKind.REFERRALS, batch_size=100)
    for row in referrals:
        closed = closed_at[row["id"]]
        row["loop_closed_at"] = to_text(closed) if closed else None
        row["feedback_days"] = days_between(from_text(row["sent_at"]), closed) if closed else None
    store.import_records(RecordKind.REFERRALS, referrals)
    [[pair]] = store.export_records(RecordKind.REFERRAL_PAIRS, batch_size=100)
    pair["loop_closed"], pair["screening_loop_closed"] = pair_closed
    store.import_records(RecordKind.REFERRAL_PAIRS, [pair])


def test_loops_kept_by_the_old_rule_are_closed_again_once_at_the_first_outcome(store, reopen):
    add_orgs(store, ("clinic", "primary_care"), ("ei", "early_intervention"))
    refer(store, "r1", "C-1", "clinic", "ei", 5)
    move(store, "r1", (S.DECLINED, 7), (S.FEEDBACK_RETURNED, 9))
    refer(store, "r2", "C-2", "clinic", "ei", 5)
    move(store, "r2", (S.ACCEPTED, 6))
    refer(store, "r3", "C-3", "clinic", "ei", 5, screening=True)
    move(store, "r3", (S.ACCEPTED, 6), (S.ENROLLED, 20), (S.COMPLETED, 30))
    refer(store, "r4", "C-4", "clinic", "ei", 5, screening=True)
    move(store, "r4", (S.UNABLE_TO_CONTACT, 8))
    kept_as_by_the_old_rule(store, {"r1": at(9), "r2": None, "r3": at(30), "r4": None}, [2, 1])
    assert pairs_of(store)[0].reached[5] == 2

    assert bring_up_to_date(store) == 3
    closed = {
        r.id: r.loop_closed_at for r in store.list_referrals(ReferralQuery(), visible_to=None).items
    }
    assert closed == {"r1": at(7), "r2": None, "r3": at(20), "r4": at(8)}
    [pair] = pairs_of(store)
    assert (pair.reached, pair.reached_after_screening) == ([4, 4, 2, 1, 1, 3], [2, 2, 1, 1, 1, 2])
    [days] = store.days_to_feedback([LoopScope("clinic", "ei")], late_after_days=5)
    assert days == DaysToFeedback(median=3.0, late=1)
    assert bring_up_to_date(store) is None
    store.close()
    again = reopen()
    try:
        assert bring_up_to_date(again) is None
        assert again.get_referral("r3").loop_closed_at == at(20)
    finally:
        again.close()
