"""Relationship health on constructed histories: the suggested state, its explanation, and the
flag where it disagrees with the assessed state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from graph_models import RelationshipState
from graph_models.common import end_of_day
from graph_models.evidence import Agreement, AgreementKind, ReferralFact
from graph_models.partnerships import RelationshipHealth
from service.partnerships.health import relationship_health
from service.partnerships.levels import as_evidence
from tests.networks import tallied

GREEN, YELLOW, RED, NO_DOT = (
    RelationshipState.GREEN,
    RelationshipState.YELLOW,
    RelationshipState.RED,
    RelationshipState.NO_DOT,
)
TODAY = date(2018, 3, 1)


def days_ago(days: int) -> datetime:
    day = TODAY - timedelta(days=days)
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def referrals(
    from_org: str, to_org: str, count: int, *, with_feedback: int, days: int = 10
) -> list[ReferralFact]:
    """``count`` referrals sent ``days`` ago; the first ``with_feedback`` got feedback."""
    return [
        ReferralFact(
            from_org,
            to_org,
            days_ago(days),
            f"C-{from_org}-{n}",
            closed_at=days_ago(days - 2) if n < with_feedback else None,
        )
        for n in range(count)
    ]


def data_mou(start: date, end: date | None = None) -> list:
    return as_evidence(
        agreements=[
            Agreement(
                id="data-mou",
                kind=AgreementKind.INFORMATION_SHARING,
                title="Data MOU",
                org_ids=["eld", "hub"],
                start=start,
                end=end,
                notes="",
                created_at=datetime(2016, 1, 1, tzinfo=UTC),
            )
        ]
    )


def health(*, referrals: Iterable[ReferralFact] = (), **inputs):
    """The health of eld's one partner today, its ``referrals`` also tallied as the store
    would, as the model the API documents."""
    tallies = tallied("eld", referrals, until=end_of_day(TODAY))
    [only] = relationship_health("eld", as_of=TODAY, tallies=tallies, referrals=referrals, **inputs)
    return RelationshipHealth.model_validate(only)


def test_a_green_partner_whose_referrals_get_no_feedback_is_flagged_with_the_count():
    found = health(
        assessed={"hub": GREEN},
        touchpoints={"hub": TODAY - timedelta(days=12)},
        referrals=referrals("eld", "hub", 8, with_feedback=1)
        + referrals("hub", "eld", 4, with_feedback=2),
    )
    assert (found.assessed, found.suggested, found.action) == (GREEN, RED, "heal")
    assert found.flag == "assessed green, but 9 of 12 referrals in 90 days have had no feedback"
    assert found.explanation == (
        "9 of 12 referrals in 90 days have had no feedback; "
        "last engagement 10 days ago (2018-02-19); "
        "referrals in 90 days went both ways: 8 sent (7 without feedback), "
        "4 received (2 without feedback); "
        "level rose from 0 to 1 in the past year"
    )
    signals = found.signals
    assert (signals.referrals_sent, signals.sent_without_feedback) == (8, 7)
    assert (signals.referrals_received, signals.received_without_feedback) == (4, 2)


def test_a_red_partner_with_fresh_engagement_closed_loops_and_a_rising_level_is_flagged():
    found = health(
        assessed={"hub": RED},
        touchpoints={"hub": TODAY - timedelta(days=12)},
        referrals=referrals("eld", "hub", 3, with_feedback=3)
        + referrals("hub", "eld", 3, with_feedback=3),
        evidence=data_mou(date(2017, 9, 1)),
    )
    assert found.suggested is GREEN
    assert found.flag == (
        "assessed red, but last engagement 10 days ago (2018-02-19); "
        "all 6 referrals in 90 days have had feedback; "
        "referrals in 90 days went both ways: 3 sent (0 without feedback), "
        "3 received (0 without feedback); "
        "level rose from 0 to 4 in the past year"
    )


def test_a_yellow_partner_suggested_red_is_flagged_only_with_what_is_graver_than_yellow():
    found = health(
        assessed={"hub": YELLOW},
        touchpoints={"hub": TODAY - timedelta(days=12)},
        referrals=referrals("eld", "hub", 12, with_feedback=3),
    )
    assert found.suggested is RED
    assert "all 12 referrals in 90 days went one way, from eld to hub" in found.explanation
    assert found.flag == "assessed yellow, but 9 of 12 referrals in 90 days have had no feedback"


def test_a_red_partner_suggested_yellow_is_flagged_with_the_good_signals():
    found = health(
        assessed={"hub": RED},
        touchpoints={},
        referrals=referrals("eld", "hub", 3, with_feedback=3)
        + referrals("hub", "eld", 3, with_feedback=3),
        evidence=data_mou(date(2016, 1, 1), end=date(2017, 12, 31)),
    )
    assert (found.signals.level, found.signals.level_a_year_ago) == (1, 4)
    assert found.suggested is YELLOW
    assert found.flag == (
        "assessed red, but last engagement 10 days ago (2018-02-19); "
        "all 6 referrals in 90 days have had feedback; "
        "referrals in 90 days went both ways: 3 sent (0 without feedback), "
        "3 received (0 without feedback)"
    )


def test_a_partner_not_engaged_for_half_a_year_is_suggested_yellow():
    found = health(assessed={"hub": GREEN}, touchpoints={"hub": TODAY - timedelta(days=200)})
    assert found.suggested is YELLOW
    assert found.explanation == (
        "last engagement 200 days ago (2017-08-13); no partnership evidence on record"
    )
    assert found.flag == "assessed green, but last engagement 200 days ago (2017-08-13)"


def test_a_partner_not_engaged_for_over_a_year_is_suggested_red():
    found = health(assessed={"hub": YELLOW}, touchpoints={"hub": TODAY - timedelta(days=400)})
    assert (found.suggested, found.action) == (RED, "heal")
    assert found.flag == "assessed yellow, but last engagement 400 days ago (2017-01-25)"


def test_an_ended_agreement_shows_as_a_falling_level():
    found = health(
        assessed={"hub": GREEN},
        touchpoints={"hub": TODAY - timedelta(days=30)},
        evidence=data_mou(date(2016, 1, 1), end=date(2017, 12, 31)),
    )
    assert (found.signals.level, found.signals.level_a_year_ago) == (0, 4)
    assert found.suggested is YELLOW
    assert found.flag == "assessed green, but level fell from 4 to 0 in the past year"


def test_referrals_that_all_go_one_way_suggest_improving_the_relationship():
    found = health(
        assessed={"hub": GREEN},
        touchpoints={"hub": TODAY - timedelta(days=5)},
        referrals=referrals("hub", "eld", 6, with_feedback=6),
    )
    assert found.suggested is YELLOW
    assert found.flag == (
        "assessed green, but all 6 referrals in 90 days went one way, from hub to eld"
    )


def test_a_few_referrals_without_feedback_are_too_few_to_judge_on():
    found = health(
        assessed={"hub": GREEN},
        touchpoints={"hub": TODAY - timedelta(days=5)},
        referrals=referrals("eld", "hub", 4, with_feedback=0),
    )
    assert found.suggested is GREEN
    assert found.flag is None
    assert found.explanation == (
        "last engagement 5 days ago (2018-02-24); "
        "4 of 4 referrals in 90 days have had no feedback; "
        "level rose from 0 to 1 in the past year"
    )


def test_feedback_after_the_day_read_and_referrals_before_the_window_do_not_count():
    late = [
        ReferralFact("eld", "hub", days_ago(20), f"C-{n}", closed_at=days_ago(-3)) for n in range(5)
    ]
    old = referrals("eld", "hub", 5, with_feedback=0, days=120)
    found = health(assessed={"hub": GREEN}, touchpoints={}, referrals=late + old)
    assert (found.signals.referrals_sent, found.signals.sent_without_feedback) == (5, 5)
    assert found.signals.last_engagement == date(2018, 2, 9)
    assert found.suggested is RED


def test_a_partner_with_nothing_on_record_is_suggested_no_dot_and_agrees_with_no_dot():
    found = health(assessed={"hub": NO_DOT}, touchpoints={})
    assert (found.suggested, found.action, found.flag) == (NO_DOT, "develop", None)
    assert found.explanation == "no touchpoint, referral or partnership evidence on record"
    green = health(assessed={"hub": GREEN}, touchpoints={})
    assert green.flag == (
        "assessed green, but no touchpoint, referral or partnership evidence on record"
    )


def test_partners_without_an_assessment_get_a_suggestion_and_no_flag():
    found = health(assessed={}, touchpoints={}, evidence=data_mou(date(2017, 1, 1)))
    assert (found.partner_id, found.assessed, found.flag) == ("hub", None, None)
    assert found.suggested is YELLOW
    assert found.explanation == "no touchpoint or referral on record; level 4 as a year ago"


def test_flagged_partners_come_first():
    report = relationship_health(
        "eld",
        assessed={"apano": GREEN, "bpi": GREEN, "naya": NO_DOT},
        touchpoints={"apano": TODAY, "bpi": TODAY - timedelta(days=300)},
        as_of=TODAY,
    )
    assert [(h["partner_id"], h["flag"] is not None) for h in report] == [
        ("bpi", True),
        ("apano", False),
        ("naya", False),
    ]
