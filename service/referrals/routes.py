"""Referrals of cases between organizations, their status events, case traces and the
feedback-gap report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from graph_models import (
    CaseTrace,
    FeedbackGaps,
    NewReferral,
    Page,
    Referral,
    ReferralEventCreate,
    ReferralQuery,
)
from graph_models.referrals import (
    CASE_REF_TEXT,
    DEFAULT_OVERDUE_AFTER_DAYS,
    OVERDUE_AFTER_DAYS_RANGE,
    OVERDUE_AFTER_DAYS_TEXT,
    FeedbackGapsQuery,
    describe_transitions,
)
from service.access.deps import CaseReader, CaseWorker, Reader
from service.referrals import service as referrals
from service.referrals.service import RepeatedReferral
from service.web.deps import StoreDep
from service.web.responses import ModelResponse

router = APIRouter(tags=["referrals"])

OverdueAfterDays = Annotated[
    int,
    Query(
        ge=OVERDUE_AFTER_DAYS_RANGE[0],
        le=OVERDUE_AFTER_DAYS_RANGE[1],
        description=OVERDUE_AFTER_DAYS_TEXT,
    ),
]


class RepeatedReferralAnswer(BaseModel):
    """Why a referral was not recorded: the same one was recorded that day already."""

    detail: str
    earlier_referral_id: str = Field(description="The id of the referral recorded earlier.")


@router.post(
    "/referrals",
    status_code=status.HTTP_201_CREATED,
    response_model=Referral,
    responses={
        409: {
            "model": RepeatedReferralAnswer,
            "description": "The same referral (same case_ref, same two organizations) was "
            "recorded on the same day (UTC) already; nothing was written. Send "
            "`confirm_duplicate=true` to record it a second time.",
        }
    },
)
def create_referral(
    body: NewReferral,
    store: StoreDep,
    principal: CaseWorker,
    confirm_duplicate: Annotated[
        bool,
        Query(
            description="Record the referral even though the same one was recorded the same "
            "day; without it such a referral is answered 409 with the earlier one's id."
        ),
    ] = False,
) -> Referral | JSONResponse:
    """Record that a case was referred from one organization to another, with the family's
    consent (`consent: true`; without it the referral is refused). A caseworker records the
    referrals its own organization sends; an admin records referrals that are not sensitive.
    The referral starts as `sent` at `sent_at`; its id is made by the service. A `case_ref`
    that looks like a name or holds a date is refused (422), as pseudonymous codes only are
    kept. The same referral recorded twice on one day is flagged (409) before it is saved."""
    try:
        return referrals.record_referral(
            store, principal, body, confirm_duplicate=confirm_duplicate
        )
    except RepeatedReferral as repeated:
        answer = RepeatedReferralAnswer(
            detail=repeated.message, earlier_referral_id=repeated.earlier.id
        )
        return JSONResponse(answer.model_dump(), status_code=status.HTTP_409_CONFLICT)


@router.get("/referrals")
def list_referrals(
    store: StoreDep, principal: CaseReader, query: Annotated[ReferralQuery, Query()]
) -> Page[Referral]:
    """Referrals in the order sent. A caseworker sees those its organization sent or received;
    an admin sees all but the sensitive ones (substance use, domestic violence, child
    protection), which only the two organizations involved see. Every case listed is written
    to the audit log."""
    return referrals.list_referrals(store, principal, query)


@router.get("/referrals/{referral_id}")
def get_referral(referral_id: str, store: StoreDep, principal: CaseReader) -> Referral:
    """One referral with its events, if the token may see it (else 404); audited."""
    return referrals.read_referral(store, principal, referral_id)


@router.post(
    "/referrals/{referral_id}/events",
    status_code=status.HTTP_201_CREATED,
    description="Record a referral's new status, reached at `at`: not before the referral was "
    "sent nor before its previous event, and not in the future. A move the table does not "
    "allow is refused with 409. A caseworker of either organization may record it.\n\n"
    + describe_transitions(),
)
def add_referral_event(
    referral_id: str, body: ReferralEventCreate, store: StoreDep, principal: CaseWorker
) -> Referral:
    return referrals.record_event(store, principal, referral_id, body)


@router.get("/cases/{case_ref}/trace", tags=["cases"])
def trace_case(
    case_ref: Annotated[str, Path(description=CASE_REF_TEXT)],
    store: StoreDep,
    principal: CaseReader,
    overdue_after_days: OverdueAfterDays = DEFAULT_OVERDUE_AFTER_DAYS,
) -> CaseTrace:
    """A case's referrals in the order sent, across organizations, with status and timing; its
    `open_loops` (overdue ones marked); and `directions`, how many different organizations the
    family was pointed to. A caseworker sees only its organization's referrals of the case;
    404 when there is none to show. Every trace is written to the audit log."""
    return referrals.trace_case(store, principal, case_ref, overdue_after_days=overdue_after_days)


@router.get("/feedback-gaps", response_model=FeedbackGaps)
def feedback_gaps(
    store: StoreDep, _: Reader, query: Annotated[FeedbackGapsQuery, Query()]
) -> ModelResponse:
    """Which referral links never report back. Per ordered pair of organizations: referrals
    `sent`, loops `closed`, `closure_rate`, `median_days_to_feedback`, open loops `overdue`
    and loops `closed_late`, most overdue first; per organization the same as sender and as
    receiver; the funnel from sent to received, accepted, enrolled, completed and loop closed,
    also for referrals a screening prompted. Aggregates only: no case_ref appears. Sensitive
    referrals are counted too. A loop closes when the receiving side reports an outcome back
    (declined, enrolled, unable_to_contact, completed, feedback_returned or closed); open loops
    are aged to now."""
    return ModelResponse(referrals.gap_report(store, query))
