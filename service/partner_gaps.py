"""Missing and weak partners of an organization, a region or any group of organizations.

Reads only what the question needs: the members and their partners first; then, for the
sectors with a gap only, the organizations of those sectors the partners relate to (every warm
introduction) and just enough organizations nobody of ours knows to fill the ranking. The
analytics in :mod:`service.analytics.missing_partners` do the rest.

A region as a whole is the group of every organization whose region is exactly that region:
its partners are the organizations related to any of them, and a candidate in that region is
in the same region. A collaborative is the group of its members, answered the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import islice

import networkx as nx

from graph_models import MAX_PAGE_SIZE, Organization
from graph_models.coverage import Candidate, MissingPartners, SectorCoverage, SectorStatus
from service.analytics.missing_partners import (
    home_regions,
    rank_candidates,
    sector_coverage,
)
from service.errors import NotFound
from service.store import Store

DEFAULT_CANDIDATES = 10
MAX_CANDIDATES = 100


def organization_gaps(store: Store, org_id: str, *, profile: str, limit: int) -> MissingPartners:
    """The sectors of ``profile`` that ``org_id`` has no, weak or a single partner in, each with
    up to ``limit`` ranked candidates."""
    return group_gaps(store, [org_id], profile=profile, limit=limit)


def region_gaps(store: Store, region: str, *, profile: str, limit: int) -> MissingPartners:
    """The same question for every organization of ``region`` taken together."""
    members = [org.id for org in _organizations(store, region=region)]
    if not members:
        raise NotFound(
            f"no organization is in region '{region}'; regions match exactly, as in "
            "GET /api/v1/organizations?region="
        )
    return group_gaps(store, members, profile=profile, limit=limit)


def collaborative_gaps(
    store: Store, collaborative_id: str, *, profile: str, limit: int
) -> MissingPartners:
    """The same question for the members of a collaborative taken together."""
    members = store.get_collaborative(collaborative_id).member_org_ids
    return group_gaps(store, members, profile=profile, limit=limit)


def group_gaps(
    store: Store, focal_org_ids: list[str], *, profile: str, limit: int
) -> MissingPartners:
    """The same question for a group of organizations taken together (their partners pooled,
    each in the best state any member has with it)."""
    chosen = store.get_profile(profile)
    labels = {sector.slug: sector.label for sector in store.list_sectors()}
    graph = store.introduction_graph(focal_org_ids, sectors=())
    coverage = sector_coverage(graph, focal_org_ids, chosen.sectors, labels=labels, limit=limit)
    gaps = [entry.sector for entry in coverage if entry.status is not SectorStatus.COVERED]
    if gaps:
        graph = store.introduction_graph(focal_org_ids, sectors=gaps)
    candidates = _candidates(store, graph, focal_org_ids, gaps, limit)
    by_status: dict[SectorStatus, list[SectorCoverage]] = {status: [] for status in SectorStatus}
    for entry in coverage:
        by_status[entry.status].append(
            entry.model_copy(update={"candidates": candidates.get(entry.sector, [])})
        )
    return MissingPartners(
        profile=chosen,
        focal_org_ids=focal_org_ids,
        home_regions=home_regions(graph, focal_org_ids),
        missing_sectors=by_status[SectorStatus.MISSING],
        weak_sectors=by_status[SectorStatus.WEAK],
        fragile_sectors=by_status[SectorStatus.FRAGILE],
        covered_sectors=by_status[SectorStatus.COVERED],
    )


def referral_activity(store: Store, org_ids: Collection[str]) -> dict[tuple[str, str], int]:
    """How many referrals each of ``org_ids`` sent to each organization and received from it,
    keyed ``(from_org, to_org)``: from the per-partner referral flows the store keeps."""
    counts: dict[tuple[str, str], int] = {}
    for org_id in org_ids:
        for other, flow in store.referral_flow(org_id).items():
            if flow.referrals_sent:
                counts[org_id, other] = flow.referrals_sent
            if flow.referrals_received:
                counts[other, org_id] = flow.referrals_received
    return counts


def _candidates(
    store: Store, graph: nx.Graph, focal_org_ids: list[str], sectors: list[str], limit: int
) -> dict[str, list[Candidate]]:
    """The ranked candidates of ``sectors``. Organizations we exchanged referrals with are
    candidates too. Where warm introductions do not fill the ranking, organizations nobody of
    ours knows are added and the sector is ranked again."""
    referrals = referral_activity(store, focal_org_ids)
    active = {org_id for pair in referrals for org_id in pair if org_id not in graph}
    _add(graph, (store.get_organization(org_id) for org_id in sorted(active)))
    ranked = rank_candidates(graph, focal_org_ids, sectors, referral_counts=referrals, limit=limit)
    cold = [sector for sector, found in ranked.items() if len(found) < limit or not found[-1].score]
    if cold:
        _add_strangers(store, graph, cold, home_regions(graph, focal_org_ids), limit)
        ranked |= rank_candidates(
            graph, focal_org_ids, cold, referral_counts=referrals, limit=limit
        )
    return ranked


def _add_strangers(
    store: Store, graph: nx.Graph, sectors: list[str], regions: list[str], limit: int
) -> None:
    """Add to ``graph`` enough organizations of each sector that none of ours knows for the
    best ``limit`` of them to be among those added: the first by name in our regions, then
    the first by name anywhere."""
    for sector in sectors:
        near = sum(
            _add(graph, _unknown(graph, _organizations(store, sector=sector, region=region), limit))
            for region in regions
        )
        if near < limit:
            _add(graph, _unknown(graph, _organizations(store, sector=sector), limit - near))


def _unknown(
    graph: nx.Graph, organizations: Iterable[Organization], count: int
) -> list[Organization]:
    """The first ``count`` of ``organizations`` that are not in ``graph``."""
    return list(islice((org for org in organizations if org.id not in graph), count))


def _add(graph: nx.Graph, organizations: Iterable[Organization]) -> int:
    """Add organizations to ``graph`` as nodes without edges; returns how many."""
    added = 0
    for org in organizations:
        graph.add_node(org.id, name=org.name, sector=org.sector, region=org.region)
        added += 1
    return added


def _organizations(
    store: Store, *, sector: str | None = None, region: str | None = None
) -> Iterable[Organization]:
    """Organizations by name, read a page at a time as they are consumed; pages grow."""
    offset, size = 0, 20
    while True:
        page = store.list_organizations(sector=sector, region=region, limit=size, offset=offset)
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
        size = min(size * 2, MAX_PAGE_SIZE)
