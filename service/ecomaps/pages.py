"""The map pages: an agency's eco-map and a region's network, with filters and SVG exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from graph_models import Principal
from graph_models.common import AsOf
from graph_models.ecomaps import EcoMap, MapView, RegionMap
from service.access.deps import get_principal
from service.access.permissions import Permission, require
from service.ecomaps.service import load_ecomap, load_ecomap_changes, load_region_map, sector_labels
from service.errors import DomainError
from service.settings import Settings
from service.store import Store
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error, render
from visualizations.drawing import Drawing, ecomap_drawing, region_drawing
from visualizations.style import STATE_STYLES
from visualizations.svg import drawing_svg
from visualizations.vis import STATIC_DIR, VIS_NETWORK_DIR, vis_network

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


def ecomap_and_drawing(store: Store, org_id: str, view: MapView) -> tuple[EcoMap, Drawing]:
    """The eco-map ``view`` asks for, and its drawing with the view's filters applied."""
    ecomap = load_ecomap(
        store, org_id, depth=view.depth, as_of=AsOf.of(view.as_of), profile=view.profile
    )
    labels = sector_labels(store)
    drawing = ecomap_drawing(ecomap, sector_labels=labels, sectors=view.sectors, states=view.states)
    return ecomap, drawing


@router.get("/orgs/{org_id}/ecomap", response_class=HTMLResponse)
def ecomap_page(
    org_id: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """An agency's eco-map with its legend, filters, details, exports and what changed."""
    try:
        principal = reader(request, store, settings)
        ecomap, drawing = ecomap_and_drawing(store, org_id, view)
        changes = load_ecomap_changes(store, org_id, since=view.since) if view.since else None
    except DomainError as error:
        return page_error(request, error)
    on_map = {p.organization.sector for p in ecomap.partners} | {
        m.sector for m in ecomap.missing_sectors
    }
    return render_map(
        request,
        store,
        "ecomap.html",
        drawing,
        view,
        on_map,
        principal=principal,
        ecomap=ecomap,
        changes=changes,
        profiles=store.list_profiles(),
    )


@router.get("/orgs/{org_id}/ecomap.svg")
def ecomap_svg(
    org_id: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """The eco-map as the page shows it, as an SVG file."""
    try:
        reader(request, store, settings)
        _, drawing = ecomap_and_drawing(store, org_id, view)
    except DomainError as error:
        return page_error(request, error)
    return svg_response(drawing_svg(drawing), f"ecomap-{org_id}.svg")


def region_and_drawing(store: Store, region: str, view: MapView) -> tuple[RegionMap, Drawing]:
    """The region's map as of the view's date, and its drawing with the view's filters."""
    region_map = load_region_map(store, region, as_of=AsOf.of(view.as_of))
    labels = sector_labels(store)
    drawing = region_drawing(
        region_map, sector_labels=labels, sectors=view.sectors, states=view.states
    )
    return region_map, drawing


@router.get("/regions/{region}/map", response_class=HTMLResponse)
def region_page(
    region: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """Every organization of a region and their relationships."""
    try:
        principal = reader(request, store, settings)
        region_map, drawing = region_and_drawing(store, region, view)
    except DomainError as error:
        return page_error(request, error)
    return render_map(
        request,
        store,
        "region_map.html",
        drawing,
        view,
        {org.sector for org in region_map.organizations},
        principal=principal,
        region_map=region_map,
    )


@router.get("/regions/{region}/map.svg")
def region_svg(
    region: str, view: View, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """A region's network as an SVG file."""
    try:
        reader(request, store, settings)
        _, drawing = region_and_drawing(store, region, view)
    except DomainError as error:
        return page_error(request, error)
    return svg_response(drawing_svg(drawing), "region-map.svg")


def render_map(
    request: Request,
    store: Store,
    template: str,
    drawing: Drawing,
    view: MapView,
    sectors: set[str],
    **context: Any,
) -> Response:
    """A map page: ``drawing`` for vis-network, the legend, and the filter menu of ``sectors``."""
    labels = sector_labels(store)
    return render(
        request,
        template,
        drawing=drawing,
        vis=vis_network(drawing),
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
