"""Pages of referrals: a case's referral path, and where feedback loops stay open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from graph_models import AuditAction, CaseTrace, FeedbackGaps
from graph_models.common import MAX_OFFSET
from graph_models.referrals import (
    DEFAULT_OVERDUE_AFTER_DAYS,
    LOOP_CLOSING_TEXT,
    FeedbackGapsQuery,
    TracedReferral,
)
from service.access.deps import get_principal
from service.access.permissions import Permission, require
from service.errors import DomainError
from service.referrals import service as referrals
from service.store import Store
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error, render

router = APIRouter(include_in_schema=False)

OverdueAfterDays = Annotated[int, Query(ge=1, le=3650)]
COLUMN_WIDTH = 210
ROW_HEIGHT = 64
HEADER_HEIGHT = 70
NAME_LENGTH = 27
PAGE_SIZE = 50


@dataclass(frozen=True)
class Lane:
    """An organization's column in the drawn path."""

    org_id: str
    name: str
    short_name: str
    x: int


@dataclass(frozen=True)
class Arrow:
    """A referral drawn from the sender's column to the receiver's, in its row."""

    referral: TracedReferral
    x1: int
    x2: int
    y: int
    loop: str  # closed, late, open or overdue: the class that styles it


@dataclass(frozen=True)
class PathDrawing:
    """Where everything of a case's referral path goes in the SVG."""

    lanes: list[Lane]
    arrows: list[Arrow]
    width: int
    height: int


def draw_path(trace: CaseTrace) -> PathDrawing:
    """Lay a trace out as a sequence diagram: one column per organization in order of first
    appearance, one row per referral in the order sent, an arrow from sender to receiver."""
    lanes = [
        Lane(
            org_id=org.id,
            name=org.name,
            short_name=_shortened(org.name),
            x=COLUMN_WIDTH // 2 + index * COLUMN_WIDTH,
        )
        for index, org in enumerate(trace.organizations)
    ]
    x_of = {lane.org_id: lane.x for lane in lanes}
    arrows = [
        Arrow(
            referral=referral,
            x1=x_of[referral.from_org],
            x2=x_of[referral.to_org],
            y=HEADER_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT // 2,
            loop=_loop_class(referral),
        )
        for row, referral in enumerate(trace.referrals)
    ]
    return PathDrawing(
        lanes=lanes,
        arrows=arrows,
        width=COLUMN_WIDTH * max(len(lanes), 2),
        height=HEADER_HEIGHT + ROW_HEIGHT * len(arrows) + 16,
    )


def _loop_class(referral: TracedReferral) -> str:
    if referral.loop_closed:
        return "late" if referral.closed_late else "closed"
    return "overdue" if referral.overdue else "open"


def _shortened(name: str) -> str:
    """A name short enough for a column header; the full name shows on hover.

    >>> _shortened("Oregon Department of Education, Early Learning Division")
    'Oregon Department of Educa…'
    """
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1].rstrip() + "…"


@router.get("/cases/{case_ref}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_ref: str,
    store: StoreDep,
    settings: SettingsDep,
    overdue_after_days: OverdueAfterDays = DEFAULT_OVERDUE_AFTER_DAYS,
) -> Response:
    """A case's referral path drawn across organizations, with its open loops marked."""
    try:
        principal = get_principal(request, store, settings)
        require(principal, Permission.READ_CASES)
        trace = referrals.trace_case(
            store,
            principal,
            case_ref,
            overdue_after_days=overdue_after_days,
            action=AuditAction.VIEW_CASE_PAGE,
        )
    except DomainError as error:
        return page_error(request, error)
    drawing = draw_path(trace)
    names = {lane.org_id: lane.name for lane in drawing.lanes}
    return render(
        request,
        "case.html",
        principal=principal,
        trace=trace,
        drawing=drawing,
        names=names,
        loop_closing=LOOP_CLOSING_TEXT,
    )


@router.get("/feedback-gaps", response_class=HTMLResponse)
def feedback_gaps_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    org_id: Annotated[str | None, Query(max_length=80)] = None,
    overdue_after_days: OverdueAfterDays = DEFAULT_OVERDUE_AFTER_DAYS,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Which referral links never report back, pair by pair and organization by organization."""
    try:
        principal = get_principal(request, store, settings)
        require(principal, Permission.READ_NETWORK)
        report = referrals.gap_report(
            store,
            FeedbackGapsQuery(
                org_id=org_id or None,
                overdue_after_days=overdue_after_days,
                limit=PAGE_SIZE,
                offset=offset,
            ),
        )
    except DomainError as error:
        return page_error(request, error)
    return render(
        request,
        "feedback_gaps.html",
        principal=principal,
        report=report,
        names=_names(store, report),
        page_size=PAGE_SIZE,
        loop_closing=LOOP_CLOSING_TEXT,
    )


def _names(store: Store, report: FeedbackGaps) -> dict[str, str]:
    """The names of the organizations the page shows, by id."""
    org_ids = {p.from_org for p in report.pairs} | {p.to_org for p in report.pairs}
    org_ids |= {o.org_id for o in report.organizations}
    return {org_id: store.get_organization(org_id).name for org_id in sorted(org_ids)}
