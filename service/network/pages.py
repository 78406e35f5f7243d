"""The start page, the organizations of the network, and each organization's home."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from graph_models import (
    MAX_PAGE_SIZE,
    ContactCreate,
    ContactQuery,
    ContactUpdate,
    EngagementCreate,
    EngagementKind,
    EngagementStatus,
    EngagementUpdate,
    OrganizationCreate,
    OrganizationQuery,
    OrganizationUpdate,
    Principal,
    Relationship,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipState,
    RelationshipUpdate,
)
from graph_models.common import utc_now
from service.access.deps import PageForms, get_principal, page_reader
from service.access.permissions import (
    Permission,
    may_relate,
    require_edit,
    require_page,
    require_record,
)
from service.errors import DomainError
from service.network import service
from service.partnerships.engagement_plan import states_as_of
from service.partnerships.service import relationships_of
from service.store.protocol import Store
from service.web.deps import SettingsDep, StoreDep
from service.web.forms import (
    FormBody,
    FormPages,
    FormRefused,
    FormState,
    form_values,
    parse_form,
    picked,
    why_not,
)
from service.web.org_picker import Pick
from service.web.pages import page_as_of, page_error, render

router = APIRouter(include_in_schema=False)


HOME_PAGE_SIZE = 300
"""Organizations listed on one page of the home page."""


@router.get("/", response_class=HTMLResponse)
@router.get("/organizations", response_class=HTMLResponse)
def home(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sector: Annotated[str | None, Query(max_length=80)] = None,
    region: Annotated[str | None, Query(max_length=120)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The organizations of the network, grouped by sector, a page at a time; a name search
    and filters by sector and region narrow the list. Someone whose token belongs to an
    organization starts on that organization's home instead ("my agency"); the list stays
    at ``/organizations``."""
    try:
        principal = get_principal(request, store, settings)
        require_page(principal, "/organizations")
    except DomainError as error:
        return page_error(request, error)
    if principal.org_id and request.url.path == "/" and not request.query_params:
        return RedirectResponse(f"/orgs/{quote(principal.org_id, safe='')}", status_code=303)
    filters = {"q": q or None, "sector": sector or None, "region": region or None}
    sectors = {each.slug: each.label for each in store.list_sectors()}
    organizations = store.list_organizations(
        OrganizationQuery(**filters, limit=HOME_PAGE_SIZE, offset=(page - 1) * HOME_PAGE_SIZE)
    )
    by_sector: dict[str, list[Any]] = {}
    for org in organizations.items:
        by_sector.setdefault(sectors.get(org.sector, org.sector), []).append(org)
    first = (page - 1) * HOME_PAGE_SIZE + 1
    chosen = {name: value for name, value in filters.items() if value}
    return render(
        request,
        "home.html",
        principal=principal,
        by_sector=sorted(by_sector.items()),
        total=organizations.total,
        first=first,
        last=first + len(organizations.items) - 1,
        sectors=sorted(sectors.items(), key=lambda item: item[1]),
        chosen=chosen,
        previous_page=urlencode({**chosen, "page": page - 1}) if page > 1 else None,
        next_page=(
            urlencode({**chosen, "page": page + 1})
            if page * HOME_PAGE_SIZE < organizations.total
            else None
        ),
    )


@router.get("/orgs/{org_id}", response_class=HTMLResponse)
def organization_home(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    as_of: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """One organization's key facts (sector, region, partners by state on a day, open
    feedback loops) and the way to each of its pages."""
    try:
        principal = page_reader(request, store, settings)
        day = page_as_of(as_of)
        focal = store.get_organization(org_id)
        states = Counter(
            state
            for _, state in states_as_of(relationships_of(store, org_id), org_id, day.day).values()
        )
        flows = store.referral_flow(org_id, as_of=day.until)
    except DomainError as error:
        return page_error(request, error)
    sectors = {each.slug: each.label for each in store.list_sectors()}
    return render(
        request,
        "organization.html",
        principal=principal,
        focal=focal,
        current="home",
        as_of=as_of or "",
        day=day.day,
        sector=sectors.get(focal.sector, focal.sector),
        states=[(state, states[state]) for state in RelationshipState],
        partners=sum(states.values()),
        open_loops=sum(flow.open_loops for flow in flows.values()),
        referrals_sent=sum(flow.referrals_sent for flow in flows.values()),
        referrals_received=sum(flow.referrals_received for flow in flows.values()),
        mine=principal.org_id == org_id,
        may_add_partner=why_not(
            lambda: service.check_relate(principal, org_id, _states_for(principal))
        )
        is None,
        may_record_activity=why_not(lambda: require_record(principal, [org_id])) is None,
        may_edit=why_not(lambda: require_edit(principal, org_id, Permission.EDIT_NETWORK)) is None,
    )


# -- a relationship: its history, assessing it, ending it ------------------------------------

STATE_OPTIONS = [
    (state.value, f"{state.value.replace('_', ' ')}: {state.action}") for state in RelationshipState
]
"""The states a form offers, each with what it asks for (``no dot: develop``)."""


@router.get("/relationships/{rel_id}", response_class=HTMLResponse)
def relationship_page(rel_id: str, store: StoreDep, forms: PageForms) -> Response:
    """A relationship: its state, its whole history, and the forms to assess it again (a state
    and the reason) and to end it (a day and the reason), for those who may."""
    return forms.get(
        lambda principal, _: _relationship_page(forms.request, store, principal, rel_id)
    )


def _relationship_page(
    request: Request,
    store: Store,
    principal: Principal,
    rel_id: str,
    *,
    assess: FormState | None = None,
    end: FormState | None = None,
) -> Response:
    relationship = store.get_relationship(rel_id)
    return render(
        request,
        "relationship.html",
        principal=principal,
        relationship=relationship,
        history=list(reversed(store.relationship_history(rel_id))),
        org_a=store.get_organization(relationship.org_a),
        org_b=store.get_organization(relationship.org_b),
        refusal=why_not(lambda: service.check_assess(principal, relationship)),
        assess=assess or FormState(),
        end=end or FormState(),
        states=STATE_OPTIONS,
        today=utc_now().date().isoformat(),
    )


_RELATIONSHIP_FORMS: dict[str, tuple[type[BaseModel], Callable[..., Relationship]]] = {
    "assess": (RelationshipUpdate, service.assess),
    "end": (RelationshipEnd, service.end),
}
"""Each form of a relationship's page: its API model and the service function it calls."""


@router.post("/relationships/{rel_id}/{which}")
def relationship_form(
    rel_id: str,
    which: Annotated[str, Path(pattern="^(assess|end)$")],
    store: StoreDep,
    forms: PageForms,
    form: FormBody,
) -> Response:
    """Assess a relationship again (``assess``) or end it (``end``) from its page; back to the
    page, with the new state or saying it has ended."""
    model, write = _RELATIONSHIP_FORMS[which]

    def act(principal: Principal) -> str:
        write(store, principal, rel_id, parse_form(model, form_values(form, model)))
        return f"/relationships/{quote(rel_id, safe='')}"

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _relationship_page(
            forms.request, store, principal, rel_id, **{which: state}
        ),
    )


# -- adding a partner ------------------------------------------------------------------------


def _states_for(principal: Principal) -> list[tuple[str, str]]:
    """The first states the principal may give a new relationship, as form options."""
    return [
        option for option in STATE_OPTIONS if may_relate(principal, RelationshipState(option[0]))
    ]


@router.get("/orgs/{org_id}/partners/new", response_class=HTMLResponse)
def new_partner_page(org_id: str, store: StoreDep, forms: PageForms) -> Response:
    """Add a partner to an organization: an organization found by typing its name, or a new
    one with its sector and region, with a first state and the reason. Planners propose a
    partner to develop (no dot), which a leader then assesses."""
    return forms.get(
        lambda principal, state: _new_partner_page(forms.request, store, principal, org_id, state)
    )


def _new_partner_page(
    request: Request, store: Store, principal: Principal, org_id: str, state: FormState
) -> Response:
    focal = store.get_organization(org_id)
    states = _states_for(principal)
    return render(
        request,
        "new_partner.html",
        principal=principal,
        focal=focal,
        current="home",
        form=state,
        pick=Pick(typed=state.value("partner"), problem=state.errors.get("partner")),
        states=states,
        sectors=[("", "pick a sector"), *_sector_options(store)],
        refusal=why_not(lambda: service.check_relate(principal, org_id, states)),
    )


def _sector_options(store: Store) -> list[tuple[str, str]]:
    """Every sector as a form option, by label."""
    return sorted(((s.slug, s.label) for s in store.list_sectors()), key=lambda item: item[1])


@router.post("/orgs/{org_id}/partners/new")
def add_partner(org_id: str, store: StoreDep, forms: PageForms, form: FormBody) -> Response:
    """Add the partner the form names; on to the new relationship's page."""

    def act(principal: Principal) -> str:
        found, errors = picked(store, form, ["partner"])
        if errors:
            raise FormRefused(errors)
        partner = found.get("partner")
        new = form_values(form, OrganizationCreate, prefix="new_")
        if partner is None and not new:
            raise FormRefused(
                {"partner": "type a partner's name, or give a new organization's name and sector"}
            )
        relationship = service.add_partner(
            store, principal, org_id, partner, first=form_values(form, RelationshipCreate), new=new
        )
        return f"/relationships/{quote(relationship.id, safe='')}"

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _new_partner_page(
            forms.request, store, principal, org_id, state
        ),
    )


# -- engagement activities: recording, changing, cancelling, planning an outreach -------------

KIND_OPTIONS = [(kind.value, kind.value.replace("_", " ")) for kind in EngagementKind]
STATUS_OPTIONS = [
    (EngagementStatus.PLANNED.value, "planned"),
    (EngagementStatus.HELD.value, "held (it took place)"),
]
NEW = "new"
"""The address part that adds an activity or a contact rather than changing one."""


@router.get("/orgs/{org_id}/engagements/{engagement_id}", response_class=HTMLResponse)
def engagement_page(
    org_id: str,
    engagement_id: str,
    store: StoreDep,
    forms: PageForms,
    partner: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Record an activity of an organization (``engagement_id`` ``new``), held or planned,
    with a partner picked by typing its name (``partner`` fills it in); or an activity, with
    the form to change it and the button to cancel it (the record is kept)."""
    typed = {"partner": partner} if partner and engagement_id == NEW else {}
    return forms.get(
        lambda principal, state: _engagement_page(
            forms.request, store, principal, org_id, engagement_id, state
        ),
        FormState(typed),
    )


def _engagement_page(
    request: Request,
    store: Store,
    principal: Principal,
    org_id: str,
    engagement_id: str,
    state: FormState,
) -> Response:
    focal = store.get_organization(org_id)
    engagement = None if engagement_id == NEW else store.get_engagement(engagement_id)
    org_ids = engagement.org_ids if engagement else [org_id]
    return render(
        request,
        "engagement_form.html",
        principal=principal,
        focal=focal,
        current="plan",
        engagement=engagement,
        others=[store.get_organization(other) for other in org_ids if other != org_id],
        form=state,
        pick=Pick(typed=state.value("partner"), problem=state.errors.get("partner")),
        kinds=KIND_OPTIONS,
        statuses=STATUS_OPTIONS,
        today=utc_now().date().isoformat(),
        refusal=why_not(lambda: require_record(principal, org_ids)),
    )


def _plan_address(org_id: str) -> str:
    return f"/orgs/{quote(org_id, safe='')}/engagement-plan"


@router.post("/orgs/{org_id}/engagements/{engagement_id}")
def save_engagement(
    org_id: str, engagement_id: str, store: StoreDep, forms: PageForms, form: FormBody
) -> Response:
    """Record the activity the form describes (``engagement_id`` ``new``), or change one, or
    cancel it (the form's ``status`` is ``cancelled``), on the rules of ``POST`` and ``PATCH
    /api/v1/engagements``; on to the organization's engagement plan."""

    def act(principal: Principal) -> str:
        if engagement_id == NEW:
            found, errors = picked(store, form, ["partner"])
            values = {**form_values(form, EngagementCreate), "org_ids": [org_id, *found.values()]}
            new = parse_form(EngagementCreate, values, also=errors)
            service.record_engagement(store, principal, new)
        else:
            change = parse_form(EngagementUpdate, form_values(form, EngagementUpdate))
            service.change_engagement(store, principal, engagement_id, change)
        return _plan_address(org_id)

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _engagement_page(
            forms.request, store, principal, org_id, engagement_id, state
        ),
    )


@router.post("/orgs/{org_id}/outreach")
def plan_outreach(org_id: str, store: StoreDep, forms: PageForms, form: FormBody) -> Response:
    """Plan an outreach to a missing-partners candidate in one click; on to the engagement
    plan, where the candidate is listed to develop with the outreach planned."""

    def act(principal: Principal) -> str:
        candidate = form.get("candidate")
        if not isinstance(candidate, str) or not candidate:
            raise FormRefused({"candidate": "pick a candidate to reach out to"})
        service.plan_outreach(store, principal, org_id, candidate)
        return f"{_plan_address(org_id)}#plan-develop"

    def show(principal: Principal, state: FormState) -> Response:
        raise FormRefused(state.errors)

    return forms.post(form, act=act, show=show)


# -- an organization and its contacts --------------------------------------------------------


@router.get("/orgs/{org_id}/edit", response_class=HTMLResponse)
def edit_organization_page(org_id: str, store: StoreDep, forms: PageForms) -> Response:
    """Change an organization's name, sector, region, notes and whether it is internal; add,
    change and remove its contacts."""
    return forms.get(
        lambda principal, state: _edit_organization_page(
            forms.request, store, principal, org_id, organization=state
        )
    )


def _edit_organization_page(
    request: Request,
    store: Store,
    principal: Principal,
    org_id: str,
    *,
    organization: FormState | None = None,
    contact: tuple[str, FormState] | None = None,
) -> Response:
    focal = store.get_organization(org_id)
    which, state = contact or ("", FormState())
    return render(
        request,
        "edit_organization.html",
        principal=principal,
        focal=focal,
        current="home",
        form=organization or FormState(),
        contacts=store.list_contacts(ContactQuery(org_id=org_id, limit=MAX_PAGE_SIZE)).items,
        contact_forms={which: state},
        blank=FormState(),
        sectors=_sector_options(store),
        refusal=why_not(lambda: require_edit(principal, org_id, Permission.EDIT_NETWORK)),
        may_remove=why_not(lambda: require_edit(principal, org_id, Permission.DELETE)) is None,
    )


def _organization_address(org_id: str) -> str:
    return f"/orgs/{quote(org_id, safe='')}"


@router.post("/orgs/{org_id}/edit")
def edit_organization(org_id: str, store: StoreDep, forms: PageForms, form: FormBody) -> Response:
    """Save the organization's changes (``PATCH /api/v1/organizations/{id}``'s rules); back to
    its home."""

    def act(principal: Principal) -> str:
        values = form_values(form, OrganizationUpdate)
        body = parse_form(OrganizationUpdate, values, required=["name"])
        service.edit_organization(store, principal, org_id, body)
        return _organization_address(org_id)

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _edit_organization_page(
            forms.request, store, principal, org_id, organization=state
        ),
    )


@router.post("/orgs/{org_id}/contacts/{contact_id}")
def save_contact(
    org_id: str, contact_id: str, store: StoreDep, forms: PageForms, form: FormBody
) -> Response:
    """Add a contact (``contact_id`` ``new``) or change one, on the rules of ``POST`` and
    ``PATCH /api/v1/contacts``; back to the organization's page of contacts."""

    def write(principal: Principal) -> None:
        if contact_id == NEW:
            fields = {**form_values(form, ContactCreate), "org_id": org_id}
            service.add_contact(store, principal, parse_form(ContactCreate, fields))
        else:
            values = form_values(form, ContactUpdate)
            body = parse_form(ContactUpdate, values, required=["name", "role"])
            service.change_contact(store, principal, contact_id, body)

    return _contact_form(org_id, contact_id, store, forms, form, write)


@router.post("/orgs/{org_id}/contacts/{contact_id}/remove")
def remove_contact(
    org_id: str, contact_id: str, store: StoreDep, forms: PageForms, form: FormBody
) -> Response:
    """Remove a contact (``DELETE /api/v1/contacts/{id}``'s rules); back to the contacts."""

    def write(principal: Principal) -> None:
        service.remove_contact(store, principal, contact_id)

    return _contact_form(org_id, contact_id, store, forms, form, write)


def _contact_form(
    org_id: str,
    contact_id: str,
    store: Store,
    forms: FormPages,
    form: FormData,
    write: Callable[[Principal], None],
) -> Response:
    def act(principal: Principal) -> str:
        write(principal)
        return f"{_organization_address(org_id)}/edit#contacts"

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _edit_organization_page(
            forms.request, store, principal, org_id, contact=(contact_id, state)
        ),
    )
