"""Eco-maps as pure functions of a partner graph: who the partners are, how each relationship
stands at a moment, and what changed between two moments.

The graph is the one ``Store.partner_graph`` hands out: nodes are organization ids with
``name``, ``sector``, ``region`` and ``internal``; edges carry ``id`` and ``history``, a list of
``(assessed_at, state)`` pairs, oldest first. A relationship whose first assessment comes after
the moment asked for did not exist then.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import networkx as nx

from graph_models import Assessment, ReferralFlow, RelationshipState
from graph_models.ecomaps import (
    EcoMap,
    EcoMapChanges,
    EcoMapPartner,
    EcoMapSummary,
    MapOrganization,
    PartnerChange,
    PartnerLink,
    PartnerOfPartner,
    RegionMap,
    SectorSummary,
    StateCounts,
    StateMove,
)

History = Sequence[tuple[datetime, RelationshipState]]
NO_FLOW = ReferralFlow()


class Standing(NamedTuple):
    """How a relationship stood at a moment: its state, since when, and since when it exists."""

    state: RelationshipState
    since: datetime
    first: datetime


def standing_at(
    history: History, moment: datetime | None = None, ended_at: datetime | None = None
) -> Standing | None:
    """How a relationship with ``history`` stood at ``moment`` (now when None), or None when
    it had not been assessed yet or had ended (``ended_at``, the first instant without it).

    ``since`` is when the relationship moved into the state it had then.

    Examples
    --------
    >>> from datetime import UTC
    >>> jan, mar, may = (datetime(2019, m, 1, tzinfo=UTC) for m in (1, 3, 5))
    >>> history = [(jan, RelationshipState.RED), (mar, RelationshipState.YELLOW)]
    >>> standing_at(history, may).state, standing_at(history, may).since.month
    (<RelationshipState.YELLOW: 'yellow'>, 3)
    >>> standing_at(history, datetime(2018, 12, 1, tzinfo=UTC)) is None
    True
    >>> standing_at(history + [(may, RelationshipState.YELLOW)]).since.month
    3
    >>> standing_at(history, may, ended_at=may) is None, standing_at(history, mar, may).state
    (True, <RelationshipState.YELLOW: 'yellow'>)
    """
    if ended_at is not None and (moment is None or moment >= ended_at):
        return None
    if moment is None and history:
        # Now: the last state, since the run of it that ends the history began; one record
        # made, as a hub's map asks this of thousands of relationships.
        state, start = history[-1][1], len(history) - 1
        while start and history[start - 1][1] is state:
            start -= 1
        return Standing(state, history[start][0], history[0][0])
    standing = None
    for at, state in history:
        if moment is not None and at > moment:
            break
        if standing is None:
            standing = Standing(state, at, at)
        elif state is not standing.state:
            standing = Standing(state, at, standing.first)
    return standing


def map_organization(graph: nx.Graph, org_id: str) -> MapOrganization:
    """The organization ``org_id`` as the nodes of ``graph`` describe it."""
    return MapOrganization.model_validate(_organization_fields(org_id, graph.nodes[org_id]))


def _organization_fields(org_id: str, node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": node["name"],
        "sector": node["sector"],
        "region": node["region"],
        "internal": node["internal"],
    }


def ecomap(graph: nx.Graph, focal: str, **options: Any) -> EcoMap:
    """The eco-map of ``focal``: :func:`ecomap_fields` as an :class:`EcoMap`.

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> for org, sector in [("hub", "early_learning_hub"), ("wic", "wic"), ("lib", "library")]:
    ...     g.add_node(org, name=org.upper(), sector=sector, region=None, internal=False)
    >>> g.add_edge("hub", "wic", id="hub~wic",
    ...            history=[(datetime(2019, 1, 1, tzinfo=UTC), RelationshipState.GREEN)])
    >>> g.add_edge("hub", "lib", id="hub~lib",
    ...            history=[(datetime(2020, 1, 1, tzinfo=UTC), RelationshipState.RED)])
    >>> m = ecomap(g, "hub", profile_sectors=["wic", "library", "tribe"])
    >>> [(p.organization.id, p.state.value) for p in m.partners]
    [('lib', 'red'), ('wic', 'green')]
    >>> [s.sector for s in m.missing_sectors]
    ['tribe']
    >>> then = ecomap(g, "hub", as_of=datetime(2019, 6, 1, tzinfo=UTC))
    >>> [p.organization.id for p in then.partners]
    ['wic']
    """
    return EcoMap.model_validate(ecomap_fields(graph, focal, **options))


def ecomap_fields(
    graph: nx.Graph,
    focal: str,
    *,
    depth: int = 1,
    as_of: datetime | None = None,
    profile: str | None = None,
    profile_sectors: Sequence[str] = (),
    sector_labels: Mapping[str, str] | None = None,
    levels: Mapping[str, int] | None = None,
    flows: Mapping[str, ReferralFlow] | None = None,
    sector: str | None = None,
    q: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """The fields of the :class:`EcoMap` of ``focal``, as plain data: its partners with the
    state of each relationship at ``as_of``.

    Plain dicts and lists in the order of the model's fields, states as their values: a hub
    has thousands of partners, and its map can be written as JSON straight from them (as
    :func:`~service.web.responses.answer_json` writes them, byte for byte what the model would
    write) without a model made for each.

    Parameters
    ----------
    graph : networkx.Graph
        A partner graph holding ``focal`` and every organization within ``depth`` of it.
    focal : str
        The agency at the centre.
    depth : int
        1 for partners only; 2 adds the partners of partners.
    as_of : datetime, optional
        Answer from history as it stood then; relationships first assessed later are left out.
    profile, profile_sectors : str and sequence of str, optional
        A profile's name and sectors; sectors with no partner become ``missing_sectors``.
    sector_labels : mapping, optional
        Labels of sector slugs, for the missing sectors.
    levels : mapping, optional
        Partnership level by partner id; partners left out have none yet.
    flows : mapping, optional
        Referral counts by partner id; partners left out have none.
    sector : str, optional
        Only the partners of this sector; partners of partners and missing sectors are those
        of the whole map.
    q : str, optional
        Only the partners whose name holds this text, in any case.
    limit, offset : int, optional
        Only the page of partners (by name) from ``offset`` on, at most ``limit`` of them.

    Returns
    -------
    dict
        Partners by name; partners of partners by name; missing sectors in profile order.

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> for org in ("hub", "wic"):
    ...     g.add_node(org, name=org.upper(), sector="wic", region=None, internal=False)
    >>> g.add_edge("hub", "wic", id="hub~wic",
    ...            history=[(datetime(2019, 1, 1, tzinfo=UTC), RelationshipState.GREEN)])
    >>> [(p["organization"]["name"], p["action"]) for p in ecomap_fields(g, "hub")["partners"]]
    [('WIC', 'keep')]
    >>> [p["organization"]["id"] for p in ecomap_fields(g, "hub", sector="library")["partners"]]
    []
    >>> [p["organization"]["id"] for p in ecomap_fields(g, "hub", q="wi")["partners"]]
    ['wic']
    """
    levels, flows, labels = levels or {}, flows or {}, sector_labels or {}
    nodes = graph._node  # the graph's own dicts, not views: read thousands of times on a hub
    standing = _partners_at(graph, focal, as_of)
    shown = [(partner, edge, now) for partner, edge, now in standing]
    if sector is not None:
        shown = [entry for entry in shown if nodes[entry[0]]["sector"] == sector]
    if q:
        wanted = q.casefold()
        shown = [entry for entry in shown if wanted in nodes[entry[0]]["name"].casefold()]
    if limit is not None or offset:
        # Only the page is written out: sorted by name first, from the nodes alone.
        shown.sort(key=lambda entry: (nodes[entry[0]]["name"], entry[0]))
        shown = shown[offset : None if limit is None else offset + limit]
    partners = []
    for partner, edge, now in shown:
        node, flow = nodes[partner], flows.get(partner, NO_FLOW)
        state, action = _STATE_AND_ACTION[now.state]
        partners.append(
            {
                "organization": _organization_fields(partner, node),
                "relationship_id": edge["id"],
                "state": state,
                "action": action,
                "state_since": now.since,
                "first_assessed_at": now.first,
                "partnership_level": levels.get(partner),
                "referrals_sent": flow.referrals_sent,
                "referrals_received": flow.referrals_received,
                "open_loops": flow.open_loops,
            }
        )
    partners.sort(key=_by_name)
    covered = {nodes[partner]["sector"] for partner, _, _ in standing} if profile_sectors else set()
    return {
        "focal": _organization_fields(focal, nodes[focal]),
        "as_of": as_of,
        "depth": depth,
        "profile": profile,
        "partners": partners,
        "partners_of_partners": (
            _partners_of_partners(graph, focal, {partner for partner, _, _ in standing}, as_of)
            if depth >= 2
            else []
        ),
        "missing_sectors": _missing_sectors(profile_sectors, covered, labels),
    }


def _partners_at(
    graph: nx.Graph, focal: str, as_of: datetime | None
) -> list[tuple[str, Mapping[str, Any], Standing]]:
    """Each partner of ``focal`` at ``as_of``, with its edge and how the relationship stood."""
    if focal not in graph:
        raise nx.NodeNotFound(f"organization '{focal}' is not in the graph")
    found = []
    for partner, edge in graph._adj[focal].items():
        now = standing_at(edge["history"], as_of, edge.get("ended_at"))
        if now is not None:
            found.append((partner, edge, now))
    return found


def _missing_sectors(
    profile_sectors: Sequence[str], covered: Collection[str], labels: Mapping[str, str]
) -> list[dict[str, str]]:
    """The sectors of the profile, in its order, that no partner covers."""
    return [
        {"sector": sector, "label": labels.get(sector, sector)}
        for sector in dict.fromkeys(profile_sectors)
        if sector not in covered
    ]


def ecomap_summary(
    graph: nx.Graph,
    focal: str,
    *,
    as_of: datetime | None = None,
    profile: str | None = None,
    profile_sectors: Sequence[str] = (),
    sector_labels: Mapping[str, str] | None = None,
    levels: Mapping[str, int] | None = None,
    flows: Mapping[str, ReferralFlow] | None = None,
) -> EcoMapSummary:
    """The eco-map of ``focal`` summed up by sector: how many partners of each sector, by the
    state of the relationship at ``as_of``, and the referrals between them and ``focal``.

    The arguments are those of :func:`ecomap_fields`. Sectors come with the most partners
    first, then by label.

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> for org, sector in [("hub", "early_learning_hub"), ("a", "wic"), ("b", "wic")]:
    ...     g.add_node(org, name=org, sector=sector, region=None, internal=False)
    >>> jan = datetime(2019, 1, 1, tzinfo=UTC)
    >>> g.add_edge("hub", "a", id="a~hub", history=[(jan, RelationshipState.GREEN)])
    >>> g.add_edge("hub", "b", id="b~hub", history=[(jan, RelationshipState.RED)])
    >>> summary = ecomap_summary(g, "hub", profile_sectors=["wic", "library"])
    >>> [(s.sector, s.partners, s.states.green, s.states.red) for s in summary.sectors]
    [('wic', 2, 1, 1)]
    >>> [m.sector for m in summary.missing_sectors]
    ['library']
    """
    flows, labels, levels = flows or {}, sector_labels or {}, levels or {}
    nodes = graph._node
    states: dict[str, Counter[str]] = defaultdict(Counter)
    highest: dict[str, int] = {}
    referrals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for partner, _, now in _partners_at(graph, focal, as_of):
        sector, flow = nodes[partner]["sector"], flows.get(partner, NO_FLOW)
        states[sector][now.state.value] += 1
        if partner in levels:
            highest[sector] = max(levels[partner], highest.get(sector, 0))
        sums = referrals[sector]
        sums[0] += flow.referrals_sent
        sums[1] += flow.referrals_received
        sums[2] += flow.open_loops
    sectors = [
        SectorSummary(
            sector=sector,
            label=labels.get(sector, sector),
            partners=counts.total(),
            states=StateCounts(**counts),
            partnership_level=highest.get(sector),
            referrals_sent=referrals[sector][0],
            referrals_received=referrals[sector][1],
            open_loops=referrals[sector][2],
        )
        for sector, counts in states.items()
    ]
    sectors.sort(key=lambda s: (-s.partners, s.label, s.sector))
    return EcoMapSummary(
        focal=map_organization(graph, focal),
        as_of=as_of,
        profile=profile,
        partners=sum(s.partners for s in sectors),
        states=StateCounts(**sum(states.values(), Counter())),
        sectors=sectors,
        missing_sectors=_missing_sectors(profile_sectors, states.keys(), labels),
    )


_STATE_AND_ACTION = {state: (state.value, state.action) for state in RelationshipState}
"""Each state as plain data (its value, which JSON is written from several times faster than
from the enum) and its action."""


def _by_name(partner: Mapping[str, Any]) -> tuple[str, str]:
    organization = partner["organization"]
    return organization["name"], organization["id"]


def _standing_edges(
    graph: nx.Graph, edges: Iterable[tuple[str, str, dict[str, Any]]], as_of: datetime | None
) -> dict[str, tuple[str, Standing]]:
    """The far end of each edge that existed at ``as_of``, with its relationship id and standing."""
    found = {}
    for _, other, data in edges:
        now = standing_at(data["history"], as_of, data.get("ended_at"))
        if now is not None:
            found[other] = (data["id"], now)
    return found


def _partners_of_partners(
    graph: nx.Graph,
    focal: str,
    partners: Collection[str],
    as_of: datetime | None,
) -> list[PartnerOfPartner]:
    via: dict[str, list[PartnerLink]] = {}
    for partner in sorted(partners):
        for other, (rel_id, now) in _standing_edges(
            graph, graph.edges(partner, data=True), as_of
        ).items():
            if other != focal and other not in partners:
                link = PartnerLink(partner_id=partner, relationship_id=rel_id, state=now.state)
                via.setdefault(other, []).append(link)
    found = [
        PartnerOfPartner(organization=map_organization(graph, org_id), via=links)
        for org_id, links in via.items()
    ]
    return sorted(found, key=lambda p: (p.organization.name, p.organization.id))


def ecomap_changes(
    before: EcoMap,
    after: EcoMap,
    *,
    histories: Mapping[str, Sequence[Assessment]] | None = None,
) -> EcoMapChanges:
    """What changed between two eco-maps of one agency: partners added or gone, states moved.

    Parameters
    ----------
    before, after : EcoMap
        The same agency's map at an earlier and a later moment.
    histories : mapping, optional
        The assessments of a relationship by partner id, to give the reason of each change;
        partners left out get no reason.

    Returns
    -------
    EcoMapChanges
        Each list by partner name. A move is the net change from ``before`` to ``after``, dated
        when the relationship moved into its new state.

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> for org in ("hub", "wic"):
    ...     g.add_node(org, name=org.upper(), sector="wic", region=None, internal=False)
    >>> jan, mar = datetime(2019, 1, 1, tzinfo=UTC), datetime(2019, 3, 1, tzinfo=UTC)
    >>> g.add_edge("hub", "wic", id="hub~wic",
    ...            history=[(jan, RelationshipState.RED), (mar, RelationshipState.YELLOW)])
    >>> changes = ecomap_changes(ecomap(g, "hub", as_of=jan), ecomap(g, "hub"))
    >>> [(m.from_state.value, m.to_state.value, m.at.month) for m in changes.moved]
    [('red', 'yellow', 3)]
    """
    histories = histories or {}
    then = {p.organization.id: p for p in before.partners}
    now = {p.organization.id: p for p in after.partners}

    def reason(partner: EcoMapPartner, at: datetime | None) -> str | None:
        for step in histories.get(partner.organization.id, ()):
            if step.assessed_at == at:
                return step.reason
        return None

    def change(partner: EcoMapPartner, *, gone: bool) -> PartnerChange:
        at = None if gone else partner.first_assessed_at
        return PartnerChange(
            organization=partner.organization,
            relationship_id=partner.relationship_id,
            state=partner.state,
            at=at,
            reason=reason(partner, at) if at else None,
        )

    moved = [
        StateMove(
            organization=partner.organization,
            relationship_id=partner.relationship_id,
            from_state=then[org_id].state,
            to_state=partner.state,
            at=partner.state_since,
            reason=reason(partner, partner.state_since),
        )
        for org_id, partner in now.items()
        if org_id in then and then[org_id].state is not partner.state
    ]
    return EcoMapChanges(
        focal=after.focal,
        since=before.as_of,
        until=after.as_of,
        added=[change(p, gone=False) for org_id, p in now.items() if org_id not in then],
        gone=[change(p, gone=True) for org_id, p in then.items() if org_id not in now],
        moved=moved,
    )


def region_map(graph: nx.Graph, region: str, *, as_of: datetime | None = None) -> RegionMap:
    """Every organization of ``region`` in ``graph`` and their relationships at ``as_of``.

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> for org, region in [("a", "Lane"), ("b", "Lane"), ("c", "Marion")]:
    ...     g.add_node(org, name=org, sector="wic", region=region, internal=False)
    >>> green = [(datetime(2019, 1, 1, tzinfo=UTC), RelationshipState.GREEN)]
    >>> g.add_edge("a", "b", id="a~b", history=green)
    >>> g.add_edge("a", "c", id="a~c", history=green)
    >>> m = region_map(g, "Lane")
    >>> [o.id for o in m.organizations], [r.id for r in m.relationships]
    (['a', 'b'], ['a~b'])
    """
    nodes = graph._node  # the graph's own dicts, not views: read for thousands of members
    members = {org for org, node in nodes.items() if node["region"] == region}
    relationships = []
    for a in members:
        for b, data in graph._adj[a].items():
            if b in members and a < b:  # each relationship once, its ends in order
                now = standing_at(data["history"], as_of, data.get("ended_at"))
                if now is not None:
                    relationships.append(
                        {"id": data["id"], "org_a": a, "org_b": b, "state": now.state}
                    )
    organizations = [_organization_fields(org, nodes[org]) for org in members]
    # One model checked as a whole: thousands of models made one by one cost several times more.
    return RegionMap.model_validate(
        {
            "region": region,
            "as_of": as_of,
            "organizations": sorted(organizations, key=lambda o: (o["name"], o["id"])),
            "relationships": sorted(relationships, key=lambda r: r["id"]),
        }
    )


def changed_partners(graph: nx.Graph, focal: str, since: datetime) -> Collection[str]:
    """The partners of ``focal`` whose relationship was assessed or ended after ``since``: the
    only ones a change since then can concern.

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> g.add_edge("hub", "wic", id="hub~wic",
    ...            history=[(datetime(2019, 1, 1, tzinfo=UTC), RelationshipState.RED)])
    >>> sorted(changed_partners(g, "hub", datetime(2018, 1, 1, tzinfo=UTC)))
    ['wic']
    """
    return {
        other
        for _, other, data in graph.edges(focal, data=True)
        if (data["history"] and data["history"][-1][0] > since)
        or data.get("ended_at", since) > since
    }
