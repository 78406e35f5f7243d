"""Eco-maps and region maps as the routes and pages ask for them: read what they need from the
store, then compute them with the pure functions of :mod:`service.ecomaps.analytics`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import networkx as nx
from starlette.concurrency import run_in_threadpool

from graph_models import ReferralFlow
from graph_models.common import AsOf, end_of_day, utc_now
from graph_models.ecomaps import EcoMap, EcoMapChanges, EcoMapSummary, RegionMap
from service.ecomaps.analytics import (
    changed_partners,
    ecomap,
    ecomap_changes,
    ecomap_fields,
    ecomap_summary,
    region_map,
)
from service.errors import InvalidInput, NotFound
from service.partnerships.service import partner_level_map, relationships_of
from service.store import Store
from service.store.shared.network import PartnerRecords
from service.web.responses import answer_json
from service.web.reuse import ReusedAnswers


@dataclass(frozen=True)
class PartnerFacts:
    """What other parts of the service know about each partner of an agency, by partner id."""

    levels: dict[str, int] = field(default_factory=dict)
    flows: dict[str, ReferralFlow] = field(default_factory=dict)


def partner_facts(records: PartnerRecords, org_id: str, *, as_of: AsOf) -> PartnerFacts:
    """The partnership level and the referral flow of each partner of ``org_id`` on the day
    ``as_of``, from its ``records`` (``Store.partner_records`` as of ``as_of.until``).

    This is the one place eco-maps learn about levels and referrals. Levels come from the
    partnership evidence; referral flows from the referrals sent by then, with the loops still
    open then.
    """
    levels = partner_level_map(org_id, records, as_of=as_of)
    return PartnerFacts(levels=levels, flows=records.flows)


def load_ecomap(store: Store, org_id: str, **options: Any) -> EcoMap:
    """The eco-map of ``org_id``: :func:`load_ecomap_fields` as an :class:`EcoMap`."""
    return EcoMap.model_validate(load_ecomap_fields(store, org_id, **options))


def load_ecomap_fields(
    store: Store,
    org_id: str,
    *,
    as_of: AsOf,
    depth: int = 1,
    profile: str | None = None,
    sector: str | None = None,
    q: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """The fields of the eco-map of ``org_id`` as of the end of the day ``as_of`` (now when
    no day was given), with the empty places of ``profile``: plain data, as
    :func:`~service.ecomaps.analytics.ecomap_fields` gives it, its partners only those of
    ``sector`` whose name holds ``q``, and the page ``limit`` and ``offset`` ask for."""

    def gather() -> tuple[nx.Graph, list[str], dict[str, str], PartnerFacts]:
        records = store.partner_records(org_id, as_of=as_of.until)
        graph = store.partner_graph(org_id, depth=depth) if depth > 1 else records.graph
        labels = sector_labels(store) if sector is not None or profile else {}
        if sector is not None and sector not in labels:
            raise InvalidInput(
                f"sector '{sector}' is not known; GET /api/v1/sectors lists the known sectors"
            )
        sectors = store.get_profile(profile).sectors if profile else []
        return graph, sectors, labels, partner_facts(records, org_id, as_of=as_of)

    # The common eco-map is one read, which needs no transaction around it (on Neo4j one
    # statement, its BEGIN sent along with it).
    alone = depth == 1 and sector is None and not profile
    graph, sectors, labels, facts = gather() if alone else store.read_together(gather)
    return ecomap_fields(
        graph,
        org_id,
        depth=depth,
        as_of=as_of.until,
        profile=profile,
        profile_sectors=sectors,
        sector_labels=labels if sectors else {},
        levels=facts.levels,
        flows=facts.flows,
        sector=sector,
        q=q,
        limit=limit,
        offset=offset,
    )


async def ecomap_json(
    store: Store,
    reused: ReusedAnswers,
    turn: asyncio.Semaphore,
    org_id: str,
    *,
    as_of: AsOf,
    depth: int = 1,
    profile: str | None = None,
    sector: str | None = None,
    **page: Any,
) -> bytes:
    """The eco-map of :func:`load_ecomap_fields` as JSON, computed in a thread. Today's
    eco-map of partners, of all sectors and without a profile, is kept in ``reused`` and given
    again while nothing on it has changed; a hub's, computed again, waits for ``turn`` (the
    worker's lane of long analyses). ``page``: the ``q``, ``limit`` and ``offset`` asked for."""

    def answer() -> bytes:
        fields = load_ecomap_fields(
            store, org_id, as_of=as_of, depth=depth, profile=profile, sector=sector, **page
        )
        return answer_json(fields)

    if depth > 1 or profile or sector is not None or as_of.until is not None:
        return await run_in_threadpool(answer)
    key = ("ecomap", org_id, as_of.day, *sorted(page.items()))
    return await reused.answer_in_turn(key, lambda: store.organization_stamp(org_id), answer, turn)


def load_ecomap_summary(
    store: Store, org_id: str, *, as_of: AsOf, profile: str | None = None
) -> EcoMapSummary:
    """The eco-map of ``org_id`` summed up by sector as of the end of the day ``as_of``, as
    :func:`~service.ecomaps.analytics.ecomap_summary` gives it."""
    records = store.partner_records(org_id, as_of=as_of.until)
    sectors = store.get_profile(profile).sectors if profile else []
    facts = partner_facts(records, org_id, as_of=as_of)
    return ecomap_summary(
        records.graph,
        org_id,
        as_of=as_of.until,
        profile=profile,
        profile_sectors=sectors,
        sector_labels=sector_labels(store),
        levels=facts.levels,
        flows=facts.flows,
    )


def load_ecomap_changes(store: Store, org_id: str, *, since: date) -> EcoMapChanges:
    """What changed on the eco-map of ``org_id`` from the start of the day ``since`` until now."""
    if since > utc_now().date():
        raise InvalidInput(f"since={since.isoformat()} is in the future; give a past date")
    graph = relationships_of(store, org_id)
    before = end_of_day(since - timedelta(days=1))
    histories = {
        partner: store.relationship_history(graph.edges[org_id, partner]["id"])
        for partner in changed_partners(graph, org_id, before)
    }
    return ecomap_changes(
        ecomap(graph, org_id, as_of=before), ecomap(graph, org_id), histories=histories
    )


def load_region_map(store: Store, region: str, *, as_of: AsOf) -> RegionMap:
    """Every organization of ``region`` and their relationships as of the end of ``as_of``."""
    graph = store.region_graph(region)
    if not graph:
        raise NotFound(f"no organization is in the region '{region}'")
    return region_map(graph, region, as_of=as_of.until)


def sector_labels(store: Store) -> dict[str, str]:
    """The label of each sector slug."""
    return {sector.slug: sector.label for sector in store.list_sectors()}
