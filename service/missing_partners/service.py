"""Missing and weak partners of an organization, a region or any group of organizations.

Reads the members and their partners first, for the coverage of each sector; then the store
ranks the candidates of the sectors with a gap over the whole network (every organization of
those sectors, warm introductions and the members' referrals weighed), as
:func:`service.missing_partners.analytics.rank_candidates` does.

A region as a whole is the group of every organization whose region is exactly that region:
its partners are the organizations related to any of them, and a candidate in that region is
in the same region. A collaborative is the group of its members, answered the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from graph_models import MAX_PAGE_SIZE, Organization, OrganizationQuery
from graph_models.missing_partners import MissingPartners, SectorCoverage, SectorStatus
from service.errors import NotFound
from service.missing_partners.analytics import home_regions, rank_candidates, sector_coverage
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
    # The whole network as the store lends it, once for coverage and candidates alike: a hub's
    # thousands of partners are read where they are rather than copied.
    with store.lent_gap_records(focal_org_ids, profile=profile) as records:
        graph, chosen = records.graph, records.profile
        labels = {sector.slug: sector.label for sector in records.sectors}
        coverage = sector_coverage(graph, focal_org_ids, chosen.sectors, labels=labels, limit=limit)
        regions = home_regions(graph, focal_org_ids)
        gaps = [entry.sector for entry in coverage if entry.status is not SectorStatus.COVERED]
        # Of every organization of those sectors, neither a member nor a partner, the best; the
        # members' referral flows are read only then (a hub's are thousands, its gaps few).
        candidates = (
            rank_candidates(
                graph,
                focal_org_ids,
                gaps,
                referral_counts=referral_activity(store, focal_org_ids),
                limit=limit,
            )
            if gaps
            else {}
        )
    by_status: dict[SectorStatus, list[SectorCoverage]] = {status: [] for status in SectorStatus}
    for entry in coverage:
        by_status[entry.status].append(
            entry.model_copy(update={"candidates": candidates.get(entry.sector, [])})
        )
    return MissingPartners(
        profile=chosen,
        focal_org_ids=focal_org_ids,
        home_regions=regions,
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


def _organizations(store: Store, *, region: str) -> Iterable[Organization]:
    """The organizations of ``region`` by name, read a page at a time; pages grow."""
    offset, size = 0, 20
    while True:
        page = store.list_organizations(OrganizationQuery(region=region, limit=size, offset=offset))
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
        size = min(size * 2, MAX_PAGE_SIZE)
