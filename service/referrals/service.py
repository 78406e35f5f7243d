"""Referrals as a request sees them: who may see and record what, and the audit of every read.

The rules, in one place:

- a caseworker records referrals its own organization sends, and status events of referrals
  its organization sent or received;
- a caseworker sees only the referrals its organization sent or received; an admin sees every
  referral that is not sensitive (substance use, domestic violence, child protection), which
  only the two organizations involved see;
- a referral the reader may not see is answered as if it did not exist;
- every response that names a case, and every request that asks for a case by its
  ``case_ref``, writes one audit entry per case before the data leaves.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from graph_models import (
    AuditAction,
    AuditEntryCreate,
    CaseTrace,
    FeedbackGaps,
    NewReferral,
    Page,
    Principal,
    Referral,
    ReferralCreate,
    ReferralEventCreate,
    ReferralQuery,
    Role,
)
from graph_models.common import MAX_PAGE_SIZE, utc_now
from graph_models.referrals import (
    FeedbackGapsQuery,
    OrganizationRef,
    pseudonymous,
    repeats,
    visible_to,
)
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.referrals.analytics import case_trace, feedback_gaps
from service.store import Store

MAX_CASE_REFERRALS = 500
"""The most referrals a trace shows: far more than any one family receives."""


def reader_org(principal: Principal) -> str | None:
    """Whose referrals the principal sees: a caseworker its organization's; None for all that
    are not sensitive."""
    return principal.org_id if principal.role is Role.CASEWORKER else None


def audit(
    store: Store,
    principal: Principal,
    action: AuditAction,
    case_refs: list[str],
    referral_id: str | None = None,
) -> None:
    """Write one audit entry per case (each named once) that ``principal`` read."""
    store.record_audit(
        [
            AuditEntryCreate(
                actor=principal.name,
                token_id=principal.token_id,
                role=principal.role,
                org_id=principal.org_id,
                action=action,
                case_ref=case_ref,
                referral_id=referral_id,
            )
            for case_ref in dict.fromkeys(case_refs)
        ]
    )


class RepeatedReferral(Conflict):
    """The same referral was recorded on the same day already: ``earlier``."""

    def __init__(self, earlier: Referral) -> None:
        super().__init__(
            f"case '{earlier.case_ref}' was referred from '{earlier.from_org}' to "
            f"'{earlier.to_org}' on {earlier.sent_at.date().isoformat()} already (referral "
            f"'{earlier.id}'); confirm to record it a second time"
        )
        self.earlier = earlier


def earlier_same_day(store: Store, principal: Principal, referral: NewReferral) -> Referral | None:
    """The referral of the same case between the same two organizations sent the same day,
    if one was recorded already."""
    same_case = store.list_referrals(
        ReferralQuery(case_ref=referral.case_ref, org_id=referral.from_org, limit=MAX_PAGE_SIZE),
        visible_to=reader_org(principal),
    ).items
    return next((earlier for earlier in same_case if repeats(referral, earlier)), None)


def record_referral(
    store: Store, principal: Principal, referral: NewReferral, *, confirm_duplicate: bool = False
) -> Referral:
    """Record a referral, under an id the service makes; a caseworker may record only those
    its own organization sends, and no one a referral they could not then read. The same
    referral recorded twice on one day is :class:`RepeatedReferral` unless confirmed."""
    if principal.role is Role.CASEWORKER and referral.from_org != principal.org_id:
        raise Forbidden(
            f"a caseworker records referrals its own organization ('{principal.org_id}') "
            f"sends, not those of '{referral.from_org}'"
        )
    if not visible_to(referral, reader_org(principal)):
        raise Forbidden(
            f"a {referral.category.value} referral is sensitive: only the two organizations "
            f"involved see it, so a caseworker of '{referral.from_org}' records it"
        )
    if not confirm_duplicate:
        earlier = earlier_same_day(store, principal, referral)
        if earlier is not None:
            audit(store, principal, AuditAction.READ_REFERRAL, [earlier.case_ref], earlier.id)
            raise RepeatedReferral(earlier)
    created = store.create_referral(
        ReferralCreate.model_construct(**dict(referral)), recorded_by=principal.name
    )
    audit(store, principal, AuditAction.RECORD_REFERRAL, [created.case_ref], created.id)
    return created


def _visible_referral(store: Store, principal: Principal, referral_id: str) -> Referral:
    try:
        referral = store.get_referral(referral_id)
    except NotFound:
        referral = None
    if referral is None or not visible_to(referral, reader_org(principal)):
        raise NotFound(f"referral '{referral_id}' does not exist")
    return referral


def record_event(
    store: Store, principal: Principal, referral_id: str, event: ReferralEventCreate
) -> Referral:
    """Record a referral's new status, if the principal may see the referral."""
    _visible_referral(store, principal, referral_id)
    updated = store.add_referral_event(referral_id, event, recorded_by=principal.name)
    audit(store, principal, AuditAction.RECORD_EVENT, [updated.case_ref], referral_id)
    return updated


def read_referral(store: Store, principal: Principal, referral_id: str) -> Referral:
    """One referral the principal may see."""
    referral = _visible_referral(store, principal, referral_id)
    audit(store, principal, AuditAction.READ_REFERRAL, [referral.case_ref], referral_id)
    return referral


def list_referrals(
    store: Store,
    principal: Principal,
    query: ReferralQuery,
) -> Page[Referral]:
    """The referrals the principal may see, filtered; every case on the page is audited."""
    page = store.list_referrals(query, visible_to=reader_org(principal))
    asked = [query.case_ref] if query.case_ref else []
    audit(store, principal, AuditAction.LIST_REFERRALS, asked + [r.case_ref for r in page.items])
    return page


def trace_case(
    store: Store,
    principal: Principal,
    case_ref: str,
    *,
    overdue_after_days: int,
    action: AuditAction = AuditAction.TRACE_CASE,
) -> CaseTrace:
    """The case's referrals the principal may see, in order, with open loops; audited even
    when there is nothing to show. A ``case_ref`` that may name a family is refused (422)
    before anything is read or audited."""
    case_ref = checked_case_ref(case_ref)
    referrals = store.list_referrals(
        ReferralQuery(case_ref=case_ref, limit=MAX_CASE_REFERRALS), visible_to=reader_org(principal)
    ).items
    audit(store, principal, action, [case_ref])
    if not referrals:
        raise NotFound(f"case '{case_ref}' has no referrals you may see")
    org_ids = dict.fromkeys(o for r in referrals for o in (r.from_org, r.to_org))
    organizations = {}
    for org_id in org_ids:
        org = store.get_organization(org_id)
        organizations[org_id] = OrganizationRef(id=org.id, name=org.name, sector=org.sector)
    return case_trace(
        case_ref,
        referrals,
        organizations=organizations,
        as_of=utc_now(),
        overdue_after_days=overdue_after_days,
    )


def checked_case_ref(case_ref: str) -> str:
    """``case_ref`` if it is a pseudonymous code; else :class:`InvalidInput` saying why."""
    try:
        return pseudonymous(case_ref)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def gap_report(store: Store, query: FeedbackGapsQuery) -> FeedbackGaps:
    """The feedback-gap report of one organization or of the whole network, as of now."""
    org_id, overdue_after_days = query.org_id, query.overdue_after_days
    limit, offset = query.limit, query.offset
    now = utc_now()
    loops = store.feedback_loops(
        org_id=org_id,
        overdue_before=now - timedelta(days=overdue_after_days),
        worst=offset + limit,
    )
    # One organization's report may come with its pairs' days to feedback read along.
    days_of = store.days_to_feedback if loops.closed_days is None else loops.days_to_feedback
    return feedback_gaps(
        loops,
        days_to_feedback=partial(days_of, late_after_days=overdue_after_days),
        org_id=org_id,
        overdue_after_days=overdue_after_days,
        as_of=now,
        limit=limit,
        offset=offset,
    )
