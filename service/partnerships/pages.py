"""The partnership pages: levels with their evidence, relationship health, the engagement plan
and network measures, each read through the same service functions as the API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from graph_models import Principal
from graph_models.enums import RelationshipState
from graph_models.evidence import (
    AgreementCreate,
    AgreementKind,
    CollaborativeCreate,
    JointProgramCreate,
    PartnershipLevel,
)
from service.access.deps import PageForms, page_reader
from service.access.permissions import Permission, may, require_evidence, require_record
from service.errors import DomainError, NotFound
from service.partnerships import service as partnerships
from service.store import Store
from service.surveys.service import latest_results
from service.web.deps import SettingsDep, StoreDep
from service.web.forms import (
    FormBody,
    FormState,
    form_values,
    parse_form,
    picked,
    why_not,
)
from service.web.org_picker import Pick, pick_organization
from service.web.pages import narrowed, page_as_of, page_error, render

router = APIRouter(include_in_schema=False)

Search = Annotated[str | None, Query(max_length=200)]
Day = Annotated[str | None, Query(max_length=20)]


@dataclass(frozen=True)
class Named:
    """An organization as a page names it."""

    id: str
    name: str
    sector: str
    region: str | None


def partners_named(store: Store, org_id: str, partner_ids: Iterable[str]) -> dict[str, Named]:
    """The name, sector and region of each of ``partner_ids``: from ``org_id``'s relationships
    where they have one, from the organization itself otherwise (a partner by evidence or
    referrals alone)."""
    graph = partnerships.relationships_of(store, org_id)
    named = {}
    for partner in partner_ids:
        if partner in graph:
            node = graph.nodes[partner]
            named[partner] = Named(partner, node["name"], node["sector"], node.get("region"))
        else:
            org = store.get_organization(partner)
            named[partner] = Named(org.id, org.name, org.sector, org.region)
    return named


@router.get("/orgs/{org_id}/partnership-levels", response_class=HTMLResponse)
def levels_page(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    as_of: Day = None,
    q: Search = None,
) -> Response:
    """Each partner's partnership level on a day, with every piece of evidence behind it; case
    refs only for those who may see them, each read audited."""
    try:
        principal = page_reader(request, store, settings)
        focal = store.get_organization(org_id)
        answer = partnerships.levels_of(store, org_id, principal=principal, as_of=page_as_of(as_of))
        names = partners_named(store, org_id, (p.partner_id for p in answer.partners))
    except DomainError as error:
        return page_error(request, error)
    ranked = sorted(answer.partners, key=lambda p: (-p.level, names[p.partner_id].name))
    shown, matching = narrowed(ranked, q, lambda p: names[p.partner_id].name)
    counts = {level: 0 for level in PartnershipLevel}
    for partner in answer.partners:
        counts[partner.level] += 1
    return render(
        request,
        "partnership_levels.html",
        principal=principal,
        focal=focal,
        current="levels",
        as_of=as_of or "",
        day=answer.as_of,
        q=q or "",
        counts=counts,
        partners=shown,
        matching=matching,
        total=len(answer.partners),
        names=names,
        may_record=may(principal, Permission.EDIT_NETWORK),
    )


@router.get("/orgs/{org_id}/relationship-health", response_class=HTMLResponse)
def health_page(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    as_of: Day = None,
    q: Search = None,
    flagged: Annotated[bool, Query()] = False,
) -> Response:
    """A suggested state for each partner with its explanation; where it disagrees with the
    assessed state, the flag says why. Flagged partners first."""
    try:
        principal = page_reader(request, store, settings)
        focal = store.get_organization(org_id)
        answer = partnerships.health_of(store, org_id, as_of=page_as_of(as_of))
        names = partners_named(store, org_id, (p.partner_id for p in answer.partners))
    except DomainError as error:
        return page_error(request, error)
    rows = [p for p in answer.partners if p.flag or not flagged]
    shown, matching = narrowed(rows, q, lambda p: names[p.partner_id].name)
    return render(
        request,
        "relationship_health.html",
        principal=principal,
        focal=focal,
        current="health",
        as_of=as_of or "",
        day=answer.as_of,
        window_days=answer.window_days,
        q=q or "",
        flagged=flagged,
        flags=sum(1 for p in answer.partners if p.flag),
        partners=shown,
        matching=matching,
        total=len(answer.partners),
        names=names,
        states=list(RelationshipState),
        survey=latest_results(store, org_id),
    )


@router.get("/orgs/{org_id}/engagement-plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    as_of: Day = None,
    q: Search = None,
) -> Response:
    """The partners grouped by what their state asks for (keep, improve, heal, develop), each
    with its last touchpoint and planned activities; overdue ones marked."""
    try:
        principal = page_reader(request, store, settings)
        focal = store.get_organization(org_id)
        plan = partnerships.plan_of(store, org_id, as_of=page_as_of(as_of))
    except DomainError as error:
        return page_error(request, error)
    groups = [(group, *narrowed(group.partners, q, lambda p: p.name)) for group in plan.groups]
    return render(
        request,
        "engagement_plan.html",
        principal=principal,
        focal=focal,
        current="plan",
        as_of=as_of or "",
        plan=plan,
        q=q or "",
        groups=groups,
        survey=latest_results(store, org_id),
        may_record=why_not(lambda: require_record(principal, [org_id])) is None,
    )


@router.get("/network/measures", response_class=HTMLResponse)
def measures_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    org: Annotated[str | None, Query(max_length=300)] = None,
    depth: Annotated[int, Query(ge=1, le=4)] = 1,
    region: Annotated[str | None, Query(max_length=120)] = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """Density, degree and brokers of the whole network, a region, or one organization's
    neighbourhood (picked by typing its name), overall and by sector and region."""
    try:
        principal = page_reader(request, store, settings)
        pick = pick_organization(store, org)
        measures = (
            None
            if pick.problem
            else partnerships.measures_of(
                store,
                org_id=pick.organization.id if pick.organization else None,
                depth=depth,
                region=region or None,
                top=top,
            )
        )
        groups = (measures.by_sector + measures.by_region) if measures else []
        broker_names = {
            group.broker: store.get_organization(group.broker).name
            for group in groups
            if group.broker
        }
    except DomainError as error:
        return page_error(request, error)
    sectors = {sector.slug: sector.label for sector in store.list_sectors()}
    return render(
        request,
        "network_measures.html",
        principal=principal,
        focal=pick.organization,
        current="measures",
        pick=pick,
        depth=depth,
        region=region or "",
        top=top,
        measures=measures,
        sectors=sectors,
        broker_names=broker_names,
        status_code=422 if pick.problem else 200,
    )


# -- recording partnership evidence ----------------------------------------------------------

PARTNER_FIELDS = ("partner_1", "partner_2", "partner_3")
"""The name fields of the other organizations a piece of evidence binds."""


@dataclass(frozen=True)
class EvidenceForm:
    """One kind of evidence a page records: its API model, the model's field of organization
    ids, and the store's write."""

    model: type[BaseModel]
    orgs_field: str
    write: Callable[[Store, Any], object]


EVIDENCE_FORMS = {
    "joint-program": EvidenceForm(
        JointProgramCreate, "org_ids", lambda store, body: store.create_joint_program(body)
    ),
    "agreement": EvidenceForm(
        AgreementCreate, "org_ids", lambda store, body: store.create_agreement(body)
    ),
    "collaborative": EvidenceForm(
        CollaborativeCreate,
        "member_org_ids",
        lambda store, body: store.create_collaborative(body),
    ),
}


@router.get("/orgs/{org_id}/evidence", response_class=HTMLResponse)
def evidence_page(org_id: str, store: StoreDep, forms: PageForms) -> Response:
    """Record partnership evidence of an organization with partners picked by name: a joint
    program (level 3), an agreement (level 4) or a collaborative and its members (5 and 6)."""
    return forms.get(
        lambda principal, state: _evidence_page(forms.request, store, principal, org_id, "", state)
    )


def _evidence_page(
    request: Request, store: Store, principal: Principal, org_id: str, which: str, state: FormState
) -> Response:
    focal = store.get_organization(org_id)
    forms = {kind: state if kind == which else FormState() for kind in EVIDENCE_FORMS}
    return render(
        request,
        "evidence_form.html",
        principal=principal,
        focal=focal,
        current="levels",
        forms=forms,
        picks={
            kind: [
                Pick(typed=form.value(name), problem=form.errors.get(name))
                for name in PARTNER_FIELDS
            ]
            for kind, form in forms.items()
        },
        agreement_kinds=[(kind.value, kind.label) for kind in AgreementKind],
        scopes=[("local", "local (level 5)"), ("state", "state (level 6)")],
        refusal=why_not(lambda: require_evidence(principal, [org_id])),
    )


@router.post("/orgs/{org_id}/evidence/{kind}")
def record_evidence(
    org_id: str, kind: str, store: StoreDep, forms: PageForms, form: FormBody
) -> Response:
    """Record one piece of evidence on its API model and rules; on to the partnership levels,
    where the level it brings shows."""

    def act(principal: Principal) -> str:
        require_evidence(principal, [org_id])
        spec = EVIDENCE_FORMS.get(kind)
        if spec is None:
            raise NotFound(f"no evidence of the kind '{kind}'; one of {', '.join(EVIDENCE_FORMS)}")
        partners, errors = picked(store, form, PARTNER_FIELDS)
        if not partners and not errors:
            errors[PARTNER_FIELDS[0]] = "type the name of at least one partner"
        org_ids = [org_id, *partners.values()]
        values = {**form_values(form, spec.model), spec.orgs_field: org_ids}
        body = parse_form(spec.model, values, also=errors)
        partnerships.record_evidence(principal, org_ids, lambda: spec.write(store, body))
        return f"/orgs/{quote(org_id, safe='')}/partnership-levels"

    return forms.post(
        form,
        act=act,
        show=lambda principal, state: _evidence_page(
            forms.request, store, principal, org_id, kind, state
        ),
    )
