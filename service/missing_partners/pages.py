"""The missing-partners page: coverage of a profile's sectors at a glance, and the candidates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from graph_models.missing_partners import SectorCoverage, SectorStatus
from service.access.deps import get_principal
from service.access.permissions import require_record
from service.errors import DomainError
from service.missing_partners import service as gaps
from service.network.service import relationship_between
from service.store import Store
from service.web.deps import AnalysisLane, SettingsDep, StoreDep
from service.web.forms import why_not
from service.web.pages import page_error, render

router = APIRouter(include_in_schema=False)


@router.get(
    "/orgs/{org_id}/missing-partners", response_class=HTMLResponse, dependencies=[AnalysisLane]
)
def missing_partners_page(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    profile: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=gaps.MAX_CANDIDATES)] = (gaps.DEFAULT_CANDIDATES),
) -> Response:
    """Pick a profile; see which of its sectors are missing, weak, fragile or covered, and the
    ranked candidates for each gap. Before a profile is picked, every profile is summed up in
    one line, so the planner sees where the gaps are before choosing."""
    try:
        principal = get_principal(request, store, settings)
        focal = store.get_organization(org_id)
        profiles = store.list_profiles()
        answer = (
            gaps.organization_gaps(store, org_id, profile=profile, limit=limit) if profile else None
        )
        overview = (
            []
            if profile
            else [
                gaps.organization_gaps(store, org_id, profile=each.name, limit=1)
                for each in profiles
            ]
        )
    except DomainError as error:
        return page_error(request, error)
    glance = []
    if answer:
        order = {sector: place for place, sector in enumerate(answer.profile.sectors)}
        every = (
            answer.missing_sectors
            + answer.weak_sectors
            + answer.fragile_sectors
            + answer.covered_sectors
        )
        glance = sorted(every, key=lambda entry: order[entry.sector])
    gap_entries = (
        answer.missing_sectors + answer.weak_sectors + answer.fragile_sectors if answer else []
    )
    return render(
        request,
        "missing_partners.html",
        principal=principal,
        focal=focal,
        profiles=profiles,
        chosen=profile,
        answer=answer,
        overview=overview,
        glance=glance,
        gaps=gap_entries,
        statuses=list(SectorStatus),
        may_plan=why_not(lambda: require_record(principal, [org_id])) is None,
        ended=_ended(store, org_id, gap_entries),
    )


def _ended(store: Store, org_id: str, gap_entries: list[SectorCoverage]) -> dict[str, date]:
    """The candidates whose relationship with ``org_id`` has ended, with the day it ended: the
    page offers no outreach to them, as planning one would be refused."""
    ended = {}
    for entry in gap_entries:
        for candidate in entry.candidates:
            found = relationship_between(store, org_id, candidate.organization.id)
            if found is not None and found.ended_on is not None:
                ended[candidate.organization.id] = found.ended_on
    return ended
