"""Partnership levels from evidence: the highest level each partner has reached, and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from graph_models.common import end_of_day
from graph_models.evidence import (
    Agreement,
    Collaborative,
    CollaborativeScope,
    Evidence,
    EvidenceKind,
    JointCasePlan,
    JointProgram,
    PartnerLevel,
    PartnershipLevel,
    ReferralTally,
)


def as_evidence(
    *,
    case_plans: Iterable[JointCasePlan] = (),
    programs: Iterable[JointProgram] = (),
    agreements: Iterable[Agreement] = (),
    collaboratives: Iterable[Collaborative] = (),
) -> list[Evidence]:
    """Stored evidence records as :class:`Evidence`, each with its level and a plain summary.

    Examples
    --------
    >>> from graph_models.evidence import AgreementKind
    >>> mou = Agreement(id="mou", kind=AgreementKind.INFORMATION_SHARING, title="Data MOU",
    ...     org_ids=["eld", "hub"], start=date(2017, 1, 1), end=date(2018, 6, 30), notes="",
    ...     created_at=datetime(2017, 1, 1, tzinfo=UTC))
    >>> [(int(e.level), e.summary) for e in as_evidence(agreements=[mou])]
    [(4, "written information-sharing agreement 'Data MOU', from 2017-01-01 to 2018-06-30")]
    """
    found = [
        Evidence(
            level=PartnershipLevel.JOINT_CASE_PLANNING,
            kind=EvidenceKind.JOINT_CASE_PLAN,
            id=plan.id,
            summary=f"joint case plan made on {plan.date}",
            org_ids=plan.org_ids,
            start=plan.date,
            end=None,
            case_ref=plan.case_ref,
        )
        for plan in case_plans
    ]
    found += [
        Evidence(
            level=PartnershipLevel.JOINT_PROGRAM,
            kind=EvidenceKind.JOINT_PROGRAM,
            id=program.id,
            summary=f"joint program '{program.name}', {_period(program.start, program.end)}",
            org_ids=program.org_ids,
            start=program.start,
            end=program.end,
        )
        for program in programs
    ]
    found += [_agreement_evidence(a) for a in agreements]
    found += [_collaborative_evidence(c) for c in collaboratives]
    return found


def _agreement_evidence(agreement: Agreement) -> Evidence:
    what = agreement.kind.label
    if agreement.title.lower() != what:
        what += f" '{agreement.title}'"
    return Evidence(
        level=PartnershipLevel.SHARED_INFRASTRUCTURE,
        kind=EvidenceKind.AGREEMENT,
        id=agreement.id,
        summary=f"{what}, {_period(agreement.start, agreement.end)}",
        org_ids=agreement.org_ids,
        start=agreement.start,
        end=agreement.end,
    )


def _collaborative_evidence(collaborative: Collaborative) -> Evidence:
    if collaborative.scope is CollaborativeScope.STATE:
        level, what = PartnershipLevel.STATE_COLLABORATIVE, "state-level collaborative"
    else:
        level, what = PartnershipLevel.LOCAL_COLLABORATIVE, "local collaborative"
    governed = f" governed by {collaborative.governance}" if collaborative.governance else ""
    return Evidence(
        level=level,
        kind=EvidenceKind.COLLABORATIVE,
        id=collaborative.id,
        summary=f"members of the {what} '{collaborative.name}'{governed}, "
        f"{_period(collaborative.start, collaborative.end)}",
        org_ids=collaborative.member_org_ids,
        start=collaborative.start,
        end=collaborative.end,
    )


def _period(start: date, end: date | None) -> str:
    return f"since {start}" if end is None else f"from {start} to {end}"


def partnership_levels(
    focal: str,
    *,
    evidence: Iterable[Evidence],
    referrals: Mapping[str, ReferralTally] | None = None,
    as_of: date | None = None,
) -> list[PartnerLevel]:
    """:func:`partner_level_fields` as models, for pages and tests.

    >>> on = datetime(2018, 1, 5, tzinfo=UTC)
    >>> sent = {"hub": ReferralTally(sent=1, received=0, first_sent_at=on, last_sent_at=on)}
    >>> [(p.partner_id, int(p.level), p.evidence[0].summary)
    ...  for p in partnership_levels("eld", evidence=[], referrals=sent, as_of=date(2018, 2, 1))]
    [('hub', 1, '1 referral between eld and hub (1 sent, 0 received), on 2018-01-05')]
    """
    fields = partner_level_fields(focal, evidence=evidence, referrals=referrals, as_of=as_of)
    return [PartnerLevel.model_validate(partner) for partner in fields]


def partner_level_fields(
    focal: str,
    *,
    evidence: Iterable[Evidence],
    referrals: Mapping[str, ReferralTally] | None = None,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """The level each partner of ``focal`` has reached by ``as_of``, with the evidence for it.

    Evidence counts from its start; evidence with an end (an agreement, a program, a
    collaborative) stops counting after its last day. Referrals either way between the two
    organizations are level 1, summed up in one piece of evidence per partner from their
    tally: a hub's tens of thousands of referrals are never read one by one.

    Parameters
    ----------
    focal : str
        The organization whose partners are levelled.
    evidence : iterable of Evidence
        Joint case plans, programs, agreements and collaboratives, as from :func:`as_evidence`.
    referrals : mapping of partner id to ReferralTally, optional
        The referrals between ``focal`` and each partner sent by the end of ``as_of``, as
        ``Store.referral_tallies`` gives them.
    as_of : date, optional
        The day the levels are read on; today (UTC) if left out.

    Returns
    -------
    list of dict
        The fields of a :class:`~graph_models.evidence.PartnerLevel` for each partner, in the
        model's order, its evidence the fields of :class:`~graph_models.evidence.Evidence`
        (each partner's own, levels as PartnershipLevel): plain data, as a hub has thousands
        of partners. Highest level first, then by partner id; evidence highest level first,
        then oldest.

    Examples
    --------
    >>> on = datetime(2018, 1, 5, tzinfo=UTC)
    >>> sent = {"hub": ReferralTally(sent=1, received=0, first_sent_at=on, last_sent_at=on)}
    >>> [(p["partner_id"], p["label"], p["evidence"][0]["end"]) for p in partner_level_fields(
    ...     "eld", evidence=[], referrals=sent, as_of=date(2018, 2, 1))]
    [('hub', 'basic effective referrals', datetime.date(2018, 1, 5))]
    """
    day = as_of or datetime.now(UTC).date()
    by_partner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in evidence:
        if focal in item.org_ids and _in_force(item, day):
            for partner in item.org_ids:
                if partner != focal:
                    by_partner[partner].append(item.model_dump())
    for partner, tally in (referrals or {}).items():
        if partner != focal:
            by_partner[partner].append(_referral_evidence(focal, partner, tally))
    levels = []
    for partner, items in by_partner.items():
        items.sort(key=lambda e: (-e["level"], e["start"], e["id"] or ""))
        top = items[0]["level"]
        levels.append({"partner_id": partner, "level": top, "label": top.label, "evidence": items})
    levels.sort(key=lambda p: (-p["level"], p["partner_id"]))
    return levels


def levels_by_partner(levels: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Each partner's level as a plain mapping, for maps and tables, from the fields
    :func:`partner_level_fields` gives.

    >>> levels_by_partner([{"partner_id": "hub", "level": PartnershipLevel.REFERRALS}])
    {'hub': 1}
    """
    return {partner["partner_id"]: int(partner["level"]) for partner in levels}


def levels_with_first_referrals(
    focal: str,
    *,
    evidence: Iterable[Evidence],
    first_referrals: Mapping[str, datetime],
    as_of: date,
) -> dict[str, int]:
    """Each partner's level on ``as_of``, as :func:`levels_by_partner` of
    :func:`partnership_levels` gives it, for a caller that knows only when each partner's
    first referral was sent: referrals only ever make level 1, so a partner first referred by
    the end of ``as_of`` is at level 1 at least. Cheaper than summing up a hub's thousands of
    referrals as evidence.

    >>> on = datetime(2018, 1, 5, tzinfo=UTC)
    >>> levels_with_first_referrals(
    ...     "eld", evidence=[], first_referrals={"hub": on}, as_of=date(2018, 2, 1))
    {'hub': 1}
    >>> levels_with_first_referrals(
    ...     "eld", evidence=[], first_referrals={"hub": on}, as_of=date(2018, 1, 4))
    {}
    """
    found = levels_by_partner(partner_level_fields(focal, evidence=evidence, as_of=as_of))
    until = end_of_day(as_of)
    for partner, first in first_referrals.items():
        if partner != focal and first <= until:
            found.setdefault(partner, int(PartnershipLevel.REFERRALS))
    return found


def _in_force(item: Evidence, day: date) -> bool:
    return item.start <= day and (item.end is None or day <= item.end)


def _referral_evidence(focal: str, partner: str, tally: ReferralTally) -> dict[str, Any]:
    """The fields of the :class:`Evidence` that sums up ``tally``."""
    first = tally.first_sent_at.astimezone(UTC).date()
    last = tally.last_sent_at.astimezone(UTC).date()
    total = tally.sent + tally.received
    count = f"{total} referral{'s' if total != 1 else ''}"
    when = f"on {first}" if first == last else f"from {first} to {last}"
    return {
        "level": PartnershipLevel.REFERRALS,
        "kind": EvidenceKind.REFERRALS,
        "id": None,
        "summary": f"{count} between {focal} and {partner} "
        f"({tally.sent} sent, {tally.received} received), {when}",
        "org_ids": [focal, partner],
        "start": first,
        "end": last,
        "case_ref": None,
    }
