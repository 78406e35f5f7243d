"""Partnership levels from evidence, on constructed records: the level rises with the evidence,
reads as of any day, and drops when an agreement ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from graph_models.common import end_of_day
from graph_models.evidence import (
    Agreement,
    AgreementKind,
    Collaborative,
    CollaborativeScope,
    JointCasePlan,
    JointProgram,
    ReferralFact,
)
from service.partnerships.levels import as_evidence, levels_by_partner, partnership_levels
from tests.networks import tallied

CREATED = datetime(2017, 1, 1, tzinfo=UTC)


def referral(from_org: str, to_org: str, day: date, case_ref: str = "C-1") -> ReferralFact:
    return ReferralFact(
        from_org, to_org, datetime(day.year, day.month, day.day, tzinfo=UTC), case_ref
    )


def plan(day: date, *org_ids: str, case_ref: str = "C-7") -> JointCasePlan:
    return JointCasePlan(
        id=f"plan-{day}", case_ref=case_ref, org_ids=list(org_ids), date=day, created_at=CREATED
    )


def program(name: str, start: date, *org_ids: str, end: date | None = None) -> JointProgram:
    return JointProgram(
        id=name.lower().replace(" ", "-"),
        name=name,
        org_ids=list(org_ids),
        start=start,
        end=end,
        notes="",
        created_at=CREATED,
    )


def agreement(
    kind: AgreementKind, title: str, start: date, *org_ids: str, end: date | None = None
) -> Agreement:
    return Agreement(
        id=title.lower().replace(" ", "-"),
        kind=kind,
        title=title,
        org_ids=list(org_ids),
        start=start,
        end=end,
        notes="",
        created_at=CREATED,
    )


def collaborative(
    name: str, scope: CollaborativeScope, start: date, *members: str, governance: str = ""
) -> Collaborative:
    return Collaborative(
        id=name.lower().replace(" ", "-"),
        name=name,
        scope=scope,
        governance=governance,
        member_org_ids=list(members),
        start=start,
        end=None,
        created_at=CREATED,
    )


def levels_of(focal: str, *, referrals: Iterable[ReferralFact] = (), as_of: date, **inputs) -> list:
    """The levels of ``focal``'s partners, its ``referrals`` tallied as the store would."""
    tallies = tallied(focal, referrals, until=end_of_day(as_of))
    return partnership_levels(focal, referrals=tallies, as_of=as_of, **inputs)


def level_of(partner: str, focal: str = "eld", **inputs) -> tuple[int, list[str]]:
    """The level of ``partner`` and the summaries of its evidence."""
    found = {p.partner_id: p for p in levels_of(focal, **inputs)}
    if partner not in found:
        return 0, []
    return int(found[partner].level), [e.summary for e in found[partner].evidence]


def test_the_level_rises_from_1_to_6_as_evidence_builds_up_and_lists_it():
    today = date(2018, 6, 1)
    referrals = [
        referral("eld", "hub", date(2017, 3, 1)),
        referral("hub", "eld", date(2017, 4, 2), "C-2"),
    ]
    records: dict[str, list] = {
        "case_plans": [],
        "programs": [],
        "agreements": [],
        "collaboratives": [],
    }

    def now() -> tuple[int, list[str]]:
        return level_of("hub", evidence=as_evidence(**records), referrals=referrals, as_of=today)

    assert now() == (
        1,
        ["2 referrals between eld and hub (1 sent, 1 received), from 2017-03-01 to 2017-04-02"],
    )
    records["case_plans"].append(plan(date(2017, 5, 3), "eld", "hub"))
    assert now()[0] == 2
    assert now()[1][0] == "joint case plan made on 2017-05-03"
    records["programs"].append(program("Parent Pathway", date(2017, 6, 1), "eld", "hub"))
    assert now()[0] == 3
    records["agreements"].append(
        agreement(AgreementKind.CO_LOCATION, "Hub liaison desk", date(2017, 7, 1), "eld", "hub")
    )
    assert now()[0] == 4
    records["collaboratives"].append(
        collaborative(
            "Lane Child Protection Collaborative",
            CollaborativeScope.LOCAL,
            date(2017, 8, 1),
            "eld",
            "hub",
            "wic",
            governance="a board elected by its members",
        )
    )
    assert now()[0] == 5
    records["collaboratives"].append(
        collaborative(
            "Children's Cabinet", CollaborativeScope.STATE, date(2017, 9, 1), "eld", "hub"
        )
    )
    assert now() == (
        6,
        [
            "members of the state-level collaborative 'Children's Cabinet', since 2017-09-01",
            "members of the local collaborative 'Lane Child Protection Collaborative' governed "
            "by a board elected by its members, since 2017-08-01",
            "staff located in the other agency 'Hub liaison desk', since 2017-07-01",
            "joint program 'Parent Pathway', since 2017-06-01",
            "joint case plan made on 2017-05-03",
            "2 referrals between eld and hub (1 sent, 1 received), from 2017-03-01 to 2017-04-02",
        ],
    )


def test_a_level_reads_as_of_a_past_date_counting_only_evidence_that_had_begun():
    evidence = as_evidence(
        case_plans=[plan(date(2017, 2, 1), "eld", "hub")],
        programs=[program("Parent Pathway", date(2017, 6, 1), "eld", "hub")],
        collaboratives=[
            collaborative("Cabinet", CollaborativeScope.STATE, date(2018, 1, 1), "eld", "hub")
        ],
    )
    assert level_of("hub", evidence=evidence, as_of=date(2017, 1, 31))[0] == 0
    assert level_of("hub", evidence=evidence, as_of=date(2017, 2, 1))[0] == 2
    assert level_of("hub", evidence=evidence, as_of=date(2017, 12, 31))[0] == 3
    assert level_of("hub", evidence=evidence, as_of=date(2018, 1, 1))[0] == 6


def test_an_agreement_that_has_ended_no_longer_counts_after_its_last_day():
    evidence = as_evidence(
        programs=[program("Parent Pathway", date(2017, 1, 1), "eld", "hub")],
        agreements=[
            agreement(
                AgreementKind.INFORMATION_SHARING,
                "Data MOU",
                date(2017, 3, 1),
                "eld",
                "hub",
                end=date(2017, 12, 31),
            )
        ],
    )
    assert level_of("hub", evidence=evidence, as_of=date(2017, 12, 31)) == (
        4,
        [
            "written information-sharing agreement 'Data MOU', from 2017-03-01 to 2017-12-31",
            "joint program 'Parent Pathway', since 2017-01-01",
        ],
    )
    assert level_of("hub", evidence=evidence, as_of=date(2018, 1, 1)) == (
        3,
        ["joint program 'Parent Pathway', since 2017-01-01"],
    )


def test_referrals_either_way_count_and_referrals_between_other_orgs_do_not():
    referrals = [
        referral("hub", "eld", date(2018, 1, 5)),
        referral("wic", "hub", date(2018, 1, 6)),
        referral("eld", "eld", date(2018, 1, 7)),
        referral("eld", "wic", date(2018, 3, 1)),
    ]
    levels = levels_of("eld", evidence=[], referrals=referrals, as_of=date(2018, 2, 1))
    assert levels_by_partner(p.model_dump() for p in levels) == {"hub": 1}
    assert levels[0].evidence[0].summary == (
        "1 referral between eld and hub (0 sent, 1 received), on 2018-01-05"
    )


def test_every_member_pair_of_a_collaborative_is_levelled_but_only_for_the_focal_org():
    evidence = as_evidence(
        collaboratives=[
            collaborative(
                "Cabinet", CollaborativeScope.STATE, date(2017, 1, 1), "eld", "oha", "dhs"
            )
        ],
        programs=[program("Pilot", date(2017, 1, 1), "oha", "dhs")],
    )
    levels = partnership_levels("eld", evidence=evidence, as_of=date(2018, 1, 1))
    assert levels_by_partner(p.model_dump() for p in levels) == {"dhs": 6, "oha": 6}
    assert [p.partner_id for p in levels] == ["dhs", "oha"]
    levels = partnership_levels("oha", evidence=evidence, as_of=date(2018, 1, 1))
    assert [(p.partner_id, [e.level for e in p.evidence]) for p in levels] == [
        ("dhs", [6, 3]),
        ("eld", [6]),
    ]


def test_partners_come_highest_level_first():
    evidence = as_evidence(
        programs=[program("Pilot", date(2017, 1, 1), "eld", "apano")],
        case_plans=[plan(date(2017, 1, 1), "eld", "zeta"), plan(date(2017, 1, 2), "eld", "bpi")],
    )
    levels = partnership_levels("eld", evidence=evidence, as_of=date(2018, 1, 1))
    assert [(p.partner_id, p.level, p.label) for p in levels] == [
        ("apano", 3, "joint program development"),
        ("bpi", 2, "joint case planning"),
        ("zeta", 2, "joint case planning"),
    ]
