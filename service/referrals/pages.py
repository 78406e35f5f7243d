"""Pages of referrals: a case's referral path, where feedback loops stay open, and a
caseworker's own referrals: listed, recorded and moved on through the API's models and
service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from graph_models import (
    AuditAction,
    CaseTrace,
    FeedbackGaps,
    NewReferral,
    Organization,
    Principal,
    Referral,
    ReferralEventCreate,
    ReferralQuery,
    ReferralStatus,
)
from graph_models.common import MAX_OFFSET, utc_now
from graph_models.referrals import (
    DEFAULT_OVERDUE_AFTER_DAYS,
    LOOP_CLOSING_TEXT,
    TRANSITIONS,
    Direction,
    FeedbackGapsQuery,
    LoopFilter,
    ReferralCategory,
    TracedReferral,
)
from service.access.deps import PageForms, get_principal
from service.access.permissions import Permission, may, require, require_page
from service.errors import DomainError
from service.referrals import service as referrals
from service.referrals.service import RepeatedReferral
from service.store import Store
from service.web.deps import SettingsDep, StoreDep
from service.web.forms import (
    FormBody,
    FormRefused,
    FormState,
    form_values,
    parse_form,
    picked,
)
from service.web.org_picker import Pick, pick_organization, shown_name
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


FEEDBACK_GAPS = "/feedback-gaps"


@router.get(FEEDBACK_GAPS, response_class=HTMLResponse)
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
        require_page(principal, FEEDBACK_GAPS)
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


# -- a caseworker's referrals -----------------------------------------------------------------

MY_PAGE_SIZE = 25
MY_REFERRALS = "/my/referrals"
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


@dataclass(frozen=True)
class ReferralRow:
    """A referral as a list row shows it: which way it went, the other organization, and how
    its loop stands."""

    referral: Referral
    direction: Direction
    partner: str
    loop: str  # closed, open or overdue


@dataclass(frozen=True)
class ReferralSection:
    """One paged list of the page: the open loops, or the referrals answered."""

    rows: list[ReferralRow]
    total: int
    offset: int
    offset_field: str


@router.get(MY_REFERRALS, response_class=HTMLResponse)
def my_referrals_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    org: Annotated[str | None, Query(max_length=200)] = None,
    direction: Direction | None = None,
    status: ReferralStatus | None = None,
    case_ref: Annotated[str | None, Query(max_length=100)] = None,
    open_offset: OffsetQuery = 0,
    closed_offset: OffsetQuery = 0,
) -> Response:
    """The referrals an organization sent and received: open loops first (overdue marked),
    then those answered; filtered by direction and status; a case found by its case_ref."""
    try:
        principal = get_principal(request, store, settings)
        require_page(principal, MY_REFERRALS)
        find = FormState({"case_ref": case_ref} if case_ref else {})
        if case_ref:
            try:
                found = parse_form(ReferralQuery, find.values).case_ref
                return RedirectResponse(f"/cases/{quote(str(found), safe='')}", status_code=303)
            except FormRefused as refused:
                find.errors = refused.errors
        focal, pick = _focal(store, principal, org)
        sections = []
        if focal is not None:
            for loop, offset, field in (
                (LoopFilter.OPEN, open_offset, "open_offset"),
                (LoopFilter.CLOSED, closed_offset, "closed_offset"),
            ):
                query = ReferralQuery(
                    org_id=focal.id,
                    direction=direction,
                    status=status,
                    loop=loop,
                    limit=MY_PAGE_SIZE,
                    offset=offset,
                )
                page = referrals.list_referrals(store, principal, query)
                rows = _rows(store, focal.id, page.items)
                sections.append(ReferralSection(rows, page.total, offset, field))
    except DomainError as error:
        return page_error(request, error)
    return render(
        request,
        "my_referrals.html",
        status_code=422 if find.errors or (pick and pick.problem) else 200,
        principal=principal,
        focal=focal,
        pick=pick,
        direction=direction,
        status=status,
        statuses=list(ReferralStatus),
        find=find,
        sections=sections,
        page_size=MY_PAGE_SIZE,
        overdue_after_days=DEFAULT_OVERDUE_AFTER_DAYS,
        loop_closing=LOOP_CLOSING_TEXT,
        filters={
            name: value
            for name, value in (
                ("org", shown_name(focal) if focal and principal.org_id is None else None),
                ("direction", direction.value if direction else None),
                ("status", status.value if status else None),
            )
            if value
        },
    )


def _focal(
    store: Store, principal: Principal, typed: str | None
) -> tuple[Organization | None, Pick | None]:
    """Whose referrals the page lists: a caseworker's own organization; for an admin, the one
    whose name was typed (none yet when nothing was)."""
    if principal.org_id is not None:
        return store.get_organization(principal.org_id), None
    pick = pick_organization(store, typed)
    return pick.organization, pick


def _rows(store: Store, org_id: str, items: list[Referral]) -> list[ReferralRow]:
    now, names = utc_now(), {}
    rows = []
    for referral in items:
        sent = referral.from_org == org_id
        partner = referral.to_org if sent else referral.from_org
        if partner not in names:
            names[partner] = store.get_organization(partner).name
        rows.append(
            ReferralRow(
                referral=referral,
                direction=Direction.SENT if sent else Direction.RECEIVED,
                partner=names[partner],
                loop=loop_state_class(referral, now),
            )
        )
    return rows


def loop_state_class(referral: Referral, now: datetime) -> str:
    """How a referral's loop stands, as the class that styles it: closed, open or overdue."""
    if referral.loop_closed:
        return "closed"
    overdue = now - referral.sent_at > timedelta(days=DEFAULT_OVERDUE_AFTER_DAYS)
    return "overdue" if overdue else "open"


# -- recording a referral ---------------------------------------------------------------------

NEW_REFERRAL = f"{MY_REFERRALS}/new"
FORM_NAMES = {"from_org": "from_name", "to_org": "to_name", "sent_at": "sent_on"}
"""The form field that holds each field of :class:`NewReferral` the form names otherwise."""


@router.get(NEW_REFERRAL, response_class=HTMLResponse)
def new_referral_page(store: StoreDep, forms: PageForms) -> Response:
    """The form that records a referral the user's organization sends, sent today unless
    another day is given."""
    return forms.get(
        lambda principal, state: _referral_form(forms.request, store, principal, state)
    )


@router.post(NEW_REFERRAL, response_class=HTMLResponse)
def record_referral_form(store: StoreDep, forms: PageForms, form: FormBody) -> Response:
    """Record a referral through the API's own model and service; on a problem the form comes
    back with the message next to its field and nothing is written; the same referral twice on
    one day shows the earlier one and asks to confirm."""

    def act(principal: Principal) -> str:
        require(principal, Permission.CASE_WORK)
        typed = ["to_name"] if principal.org_id else ["from_name", "to_name"]
        found, errors = picked(store, form, typed)
        for name in typed:
            if name not in found:
                errors.setdefault(name, "type the organization's name, then pick it")
        values = {
            "consent": False,
            **form_values(form, NewReferral),
            "from_org": principal.org_id or found.get("from_name", "unknown"),
            "to_org": found.get("to_name", "unknown"),
            "sent_at": _sent_at(form.get("sent_on")),
        }
        referral = parse_form(NewReferral, values, names=FORM_NAMES, also=errors)
        confirmed = form.get("confirm_duplicate") is not None
        created = referrals.record_referral(store, principal, referral, confirm_duplicate=confirmed)
        return f"{MY_REFERRALS}/{quote(created.id, safe='')}"

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _referral_form(forms.request, store, principal, state),
    )


def _sent_at(sent_on: object) -> object:
    """When a referral sent on the day typed was sent: now, for today (or no day); the start
    of the day typed otherwise, which the model reads, or refuses, as it would ``sent_at``."""
    today = utc_now().date().isoformat()
    return utc_now() if sent_on in (None, "", today) else sent_on


def _referral_form(
    request: Request, store: Store, principal: Principal, state: FormState
) -> Response:
    require(principal, Permission.CASE_WORK)
    earlier = state.refusal.earlier if isinstance(state.refusal, RepeatedReferral) else None
    return render(
        request,
        "new_referral.html",
        principal=principal,
        own=store.get_organization(principal.org_id) if principal.org_id else None,
        form=state,
        today=utc_now().date().isoformat(),
        categories=list(ReferralCategory),
        earlier=earlier,
        earlier_names=_names_of(store, earlier),
    )


def _names_of(store: Store, referral: Referral | None) -> dict[str, str]:
    """The names of the two organizations of ``referral``, by id."""
    if referral is None:
        return {}
    return {o: store.get_organization(o).name for o in (referral.from_org, referral.to_org)}


# -- one referral, moved on ------------------------------------------------------------------


@router.get(MY_REFERRALS + "/{referral_id}", response_class=HTMLResponse)
def referral_page(referral_id: str, store: StoreDep, forms: PageForms) -> Response:
    """One referral with its events, and a button for each status it may move to next."""
    return forms.get(
        lambda principal, state: _referral_page(forms.request, store, principal, referral_id, state)
    )


@router.post(MY_REFERRALS + "/{referral_id}/events", response_class=HTMLResponse)
def move_referral_form(
    referral_id: str, store: StoreDep, forms: PageForms, form: FormBody
) -> Response:
    """Move a referral on to ``status``, now, through the API's own model and service; a move
    the transition table does not allow comes back with the reason, and nothing changes."""

    def act(principal: Principal) -> str:
        require(principal, Permission.CASE_WORK)
        event = parse_form(
            ReferralEventCreate, {**form_values(form, ReferralEventCreate), "at": utc_now()}
        )
        referrals.record_event(store, principal, referral_id, event)
        return f"{MY_REFERRALS}/{quote(referral_id, safe='')}"

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _referral_page(
            forms.request, store, principal, referral_id, state
        ),
    )


def _referral_page(
    request: Request, store: Store, principal: Principal, referral_id: str, state: FormState
) -> Response:
    require(principal, Permission.READ_CASES)
    referral = referrals.read_referral(store, principal, referral_id)
    return render(
        request,
        "referral.html",
        principal=principal,
        referral=referral,
        names=_names_of(store, referral),
        loop=loop_state_class(referral, utc_now()),
        next_statuses=[s for s in ReferralStatus if s in TRANSITIONS[referral.status]]
        if may(principal, Permission.CASE_WORK)
        else [],
        problem=next(iter(state.errors.values()), None),
        loop_closing=LOOP_CLOSING_TEXT,
        overdue_after_days=DEFAULT_OVERDUE_AFTER_DAYS,
    )
