"""The map pages: an agency's eco-map and a region's network, with filters, the table of
what the map shows, and SVG, PNG and PDF exports.

Large maps are laid out here, once per map, day and view: a second opening takes the layout
kept in :data:`LAYOUTS`, and a write that changes the map lays it out afresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from pydantic import BaseModel

from graph_models import Principal
from graph_models.common import AsOf, utc_now
from graph_models.ecomaps import EcoMap, EcoMapSummary, MapView, RegionMap
from service.access.deps import get_principal
from service.access.permissions import Permission, require
from service.ecomaps.service import (
    load_ecomap,
    load_ecomap_changes,
    load_ecomap_summary,
    load_region_map,
    sector_labels,
)
from service.errors import DomainError, InvalidInput
from service.settings import Settings
from service.store import Store
from service.surveys.service import said_in_words
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error, render, templates
from service.web.responses import ModelResponse
from visualizations.cache import LayoutCache, fingerprint
from visualizations.drawing import (
    WEDGE_LIMIT,
    Drawing,
    ecomap_drawing,
    region_drawing,
    summary_drawing,
    summary_ring,
    wedge_partners,
)
from visualizations.pdf import ecomap_pdf
from visualizations.style import STATE_STYLES
from visualizations.svg import drawing_svg
from visualizations.vis import STATIC_DIR, VIS_NETWORK_DIR, page_data, wedge_data

router = APIRouter(include_in_schema=False)

View = Annotated[MapView, Query()]
SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def mount_assets(app: FastAPI) -> None:
    """Serve vis-network (as pyvis ships it) and the map script and style from the service."""
    app.mount("/assets/vis-network", StaticFiles(directory=VIS_NETWORK_DIR), name="vis-network")
    app.mount("/assets/maps", StaticFiles(directory=STATIC_DIR), name="maps")


def reader(request: Request, store: Store, settings: Settings) -> Principal:
    """Who the browser is signed in as, if that role may read the network."""
    principal = get_principal(request, store, settings)
    require(principal, Permission.READ_NETWORK)
    return principal


@dataclass(frozen=True)
class Picture:
    """A map laid out: its drawing, and the drawing as vis-network data ready for the page."""

    drawing: Drawing
    data: Markup


LAYOUTS: LayoutCache[Picture] = LayoutCache(size=32)
"""Maps laid out, by map, day, view and a fingerprint of what the map shows."""


def picture(
    store: Store,
    kind: str,
    name: str,
    answer: BaseModel,
    view: MapView,
    draw: Callable[[dict[str, str]], Drawing],
) -> Picture:
    """The layout of a map kept under ``kind``, ``name``, the day, ``view`` and a fingerprint
    of ``answer`` (the analytic answer) and the sector labels, or ``draw(labels)``'s, kept from
    now on."""
    labels = sector_labels(store)
    day = (view.as_of or utc_now().date()).isoformat()
    shown = answer.model_dump_json() + str(sorted(labels.items()))
    key = (kind, name, day, view.model_dump_json(exclude={"since"}), fingerprint(shown.encode()))

    def make() -> Picture:
        drawing = draw(labels)
        return Picture(drawing, htmlsafe_json_dumps(page_data(drawing)))

    return LAYOUTS.get(key, make)


def ecomap_and_drawing(store: Store, org_id: str, view: MapView) -> tuple[EcoMap, Picture]:
    """The eco-map ``view`` asks for, and its drawing with the view's filters applied."""
    ecomap = load_ecomap(
        store, org_id, depth=view.depth, as_of=AsOf.of(view.as_of), profile=view.profile
    )
    drawn = picture(
        store,
        "ecomap",
        org_id,
        ecomap,
        view,
        lambda labels: ecomap_drawing(
            ecomap,
            sector_labels=labels,
            sectors=view.sectors,
            states=view.states,
            today=utc_now().date(),
        ),
    )
    return ecomap, drawn


def hub_summary(store: Store, org_id: str, view: MapView) -> EcoMapSummary | None:
    """The summary of the eco-map ``view`` asks for when it is one of wedges: the whole map of
    partners, with more than :data:`WEDGE_LIMIT` of them; None for any other."""
    if view.depth > 1 or view.sector or view.state:
        return None
    summary = load_ecomap_summary(store, org_id, as_of=AsOf.of(view.as_of), profile=view.profile)
    return summary if summary.partners > WEDGE_LIMIT else None


@router.get("/orgs/{org_id}/ecomap", response_class=HTMLResponse)
def ecomap_page(
    org_id: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """An agency's eco-map with its legend, filters, details, exports and what changed.

    A hub's map comes from its summary: a wedge per sector, whose partners the page asks of
    :func:`wedge_partners_data` when it opens, and the table by sector in the same way."""
    try:
        principal = reader(request, store, settings)
        summary = hub_summary(store, org_id, view)
        if summary is None:
            ecomap, drawn = ecomap_and_drawing(store, org_id, view)
        else:
            ecomap, drawn = None, summary_picture(store, org_id, summary, view)
        changes = load_ecomap_changes(store, org_id, since=view.since) if view.since else None
        said = said_in_words(store, org_id, until=AsOf.of(view.as_of).until)
    except DomainError as error:
        return page_error(request, error)
    shown = ecomap or summary
    assert shown is not None
    on_map = {p.organization.sector for p in ecomap.partners} if ecomap else set()
    on_map |= {s.sector for s in summary.sectors} if summary else set()
    return render_map(
        request,
        store,
        "ecomap.html",
        drawn,
        view,
        on_map | {m.sector for m in shown.missing_sectors},
        principal=principal,
        focal=shown.focal,
        missing_sectors=shown.missing_sectors,
        ecomap=ecomap,
        summary=summary,
        summary_query=view.model_dump(mode="json", include={"as_of", "profile"}, exclude_none=True),
        changes=changes,
        profiles=store.list_profiles(),
        said=said,
        said_data=htmlsafe_json_dumps(said),
    )


def summary_picture(store: Store, org_id: str, summary: EcoMapSummary, view: MapView) -> Picture:
    """The drawing of a hub's eco-map from its summary: closed wedges around the agency."""
    today = utc_now().date()
    return picture(
        store,
        "ecomap-summary",
        org_id,
        summary,
        view,
        lambda labels: summary_drawing(summary, sector_labels=labels, today=today),
    )


@router.get("/orgs/{org_id}/ecomap/partners")
def wedge_partners_data(
    org_id: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """The partners of one sector (``sector``) of a hub's eco-map as the page opens its wedge:
    ``nodes`` and ``edges`` placed in the wedge, as vis-network draws them, and ``rows``, the
    sector's rows of the table, written as the page writes the others."""
    reader(request, store, settings)
    sector = view.sector
    if sector is None:
        raise InvalidInput("sector is missing: say the wedge of which sector to open")
    as_of = AsOf.of(view.as_of)
    summary = load_ecomap_summary(store, org_id, as_of=as_of, profile=view.profile)
    if sector not in {s.sector for s in summary.sectors}:
        raise InvalidInput(f"sector '{sector}' has no partner on this eco-map")
    partners = load_ecomap(store, org_id, as_of=as_of, sector=sector).partners
    labels = sector_labels(store)
    ring = summary_ring(summary, sector_labels=labels, today=utc_now().date())
    rows = templates.get_template("ecomap_rows.html").render(
        partners=partners, sector_labels=labels, legend=STATE_STYLES
    )
    return ModelResponse(
        {**wedge_data(wedge_partners(ring, sector, partners, labels)), "rows": rows}
    )


@router.get("/orgs/{org_id}/ecomap.svg")
def ecomap_svg(
    org_id: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """The eco-map as the page shows it, as an SVG file."""
    try:
        reader(request, store, settings)
        _, drawn = ecomap_and_drawing(store, org_id, view)
    except DomainError as error:
        return page_error(request, error)
    return svg_response(drawing_svg(drawn.drawing), f"ecomap-{org_id}.svg")


@router.get("/orgs/{org_id}/ecomap.pdf")
def ecomap_pdf_file(
    org_id: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """The eco-map on one page for a report: the map, its legend, the partner table and what
    changed since the view's ``since`` (90 days before the map's day when left out)."""
    try:
        reader(request, store, settings)
        ecomap, drawn = ecomap_and_drawing(store, org_id, view)
        since = view.since or (view.as_of or utc_now().date()) - timedelta(days=90)
        changes = load_ecomap_changes(store, org_id, since=since)
    except DomainError as error:
        return page_error(request, error)
    labels = sector_labels(store)
    content = ecomap_pdf(drawn.drawing, ecomap, changes, since=since, sector_labels=labels)
    headers = {"Content-Disposition": f'inline; filename="ecomap-{org_id}.pdf"'}
    return Response(content, media_type="application/pdf", headers=headers)


def region_and_drawing(store: Store, region: str, view: MapView) -> tuple[RegionMap, Picture]:
    """The region's map as of the view's date, and its drawing with the view's filters,
    grouping and focus."""
    region_map = load_region_map(store, region, as_of=AsOf.of(view.as_of))
    if view.focus and view.focus not in {org.id for org in region_map.organizations}:
        raise InvalidInput(f"focus={view.focus} is not an organization of the region {region}")
    drawn = picture(
        store,
        "region",
        region,
        region_map,
        view,
        lambda labels: region_drawing(
            region_map,
            sector_labels=labels,
            sectors=view.sectors,
            states=view.states,
            grouping=view.group or "sector",
            focus=view.focus,
            depth=view.focus_depth or 1,
            today=utc_now().date(),
        ),
    )
    return region_map, drawn


@router.get("/regions/{region}/map", response_class=HTMLResponse)
def region_page(
    region: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """Every organization of a region and their relationships, in clusters."""
    try:
        principal = reader(request, store, settings)
        region_map, drawn = region_and_drawing(store, region, view)
    except DomainError as error:
        return page_error(request, error)
    return render_map(
        request,
        store,
        "region_map.html",
        drawn,
        view,
        {org.sector for org in region_map.organizations},
        principal=principal,
        region_map=region_map,
        degrees=Counter(end for edge in drawn.drawing.edges for end in (edge.source, edge.target)),
    )


@router.get("/regions/{region}/map.svg")
def region_svg(
    region: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """A region's network as an SVG file."""
    try:
        reader(request, store, settings)
        _, drawn = region_and_drawing(store, region, view)
    except DomainError as error:
        return page_error(request, error)
    return svg_response(drawing_svg(drawn.drawing), "region-map.svg")


def render_map(
    request: Request,
    store: Store,
    template: str,
    drawn: Picture,
    view: MapView,
    sectors: set[str],
    **context: Any,
) -> Response:
    """A map page: the drawing for vis-network, the legend, and the filter menu of
    ``sectors``."""
    labels = sector_labels(store)
    return render(
        request,
        template,
        drawing=drawn.drawing,
        vis=drawn.data,
        sector_labels=labels,
        view=view,
        sector_options=sorted((labels.get(slug, slug), slug) for slug in sectors),
        legend=STATE_STYLES,
        query=request.url.query,
        **context,
    )


def svg_response(svg: str, filename: str) -> Response:
    """An SVG file that runs nothing even when opened on its own."""
    headers = {**SVG_HEADERS, "Content-Disposition": f'inline; filename="{filename}"'}
    return Response(svg, media_type="image/svg+xml", headers=headers)
