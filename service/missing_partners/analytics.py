"""Missing and weak partners: the sectors of a profile an agency lacks, and who could fill them.

The focal side is a set of organizations: one agency, or the members of a group (a region, a
collaborative). Its *partners* are the organizations related to any member, in the best state
any member has with them. A sector of the profile is

- **missing** when no partner is in it;
- **weak** when its partners are all red or no dot;
- **fragile** when exactly one partner in it is in good standing (green or yellow);
- **covered** otherwise.

*Candidates* for a sector are the graph's organizations of that sector that are neither members
nor partners; a relationship in any state makes a partner. They are ranked by warm
introductions (partners of ours who have a relationship with them, weighted by both
relationships), then by being in one of the members' regions, then by referral activity with
the members, then by name.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

import networkx as nx

from graph_models import (
    SECTOR_NEIGHBOURS,
    SECTOR_ROSTER,
    RelationshipState,
    SectorNeighbours,
    SectorRoster,
)
from graph_models.missing_partners import (
    Candidate,
    Introducer,
    OrganizationRef,
    SectorCoverage,
    SectorPartner,
    SectorStatus,
)

GREEN, YELLOW, RED, NO_DOT = (
    RelationshipState.GREEN,
    RelationshipState.YELLOW,
    RelationshipState.RED,
    RelationshipState.NO_DOT,
)
BEST_FIRST = (GREEN, YELLOW, NO_DOT, RED)
"""States from the best standing to the most strained."""
STANDING = {state: rank for rank, state in enumerate(BEST_FIRST)}
"""Each state's place in :data:`BEST_FIRST`."""
GOOD_STANDING = frozenset({GREEN, YELLOW})
WARMTH = {GREEN: 1.0, YELLOW: 0.5, NO_DOT: 0.0, RED: 0.0}
"""What one relationship lends an introduction; the two relationships of one multiply."""
NAMES_IN_A_REASON = 3


def partners_of(graph: nx.Graph, focal_org_ids: Collection[str]) -> dict[str, RelationshipState]:
    """Every organization related to a member of ``focal_org_ids``, with the best state any
    member has with it. Members related to one another are partners of the group.

    >>> g = nx.Graph()
    >>> g.add_edge("eld", "hub", state=GREEN); g.add_edge("oha", "hub", state=RED)
    >>> g.add_edge("eld", "oha", state=YELLOW)
    >>> partners_of(g, ["eld"])
    {'hub': <RelationshipState.GREEN: 'green'>, 'oha': <RelationshipState.YELLOW: 'yellow'>}
    >>> sorted(partners_of(g, ["eld", "oha"]).items())[0]
    ('eld', <RelationshipState.YELLOW: 'yellow'>)
    """
    return _best_states(graph._adj[member] for member in focal_org_ids)


def _best_states(
    relationships: Iterable[Mapping[str, Mapping[str, Any]]],
) -> dict[str, RelationshipState]:
    """Each organization of ``relationships`` (each an organization's edges by the other
    end) with the best state of its current ones: an ended relationship makes no partner."""
    best: dict[str, RelationshipState] = {}
    for edges in relationships:
        for other, edge in edges.items():
            if "ended_at" in edge:
                continue
            state = edge["state"]
            if (known := best.get(other)) is None or STANDING[state] < STANDING[known]:
                best[other] = state
    return best


def home_regions(graph: nx.Graph, focal_org_ids: Collection[str]) -> list[str]:
    """The regions of the members, sorted: a candidate in one of them is in the same region.

    >>> g = nx.Graph(); g.add_node("eld", region="Statewide"); g.add_node("x", region=None)
    >>> home_regions(g, ["eld", "x"])
    ['Statewide']
    """
    return sorted({region for org in focal_org_ids if (region := graph.nodes[org].get("region"))})


def sector_coverage(
    graph: nx.Graph,
    focal_org_ids: Collection[str],
    sectors: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    limit: int = 10,
) -> list[SectorCoverage]:
    """How each sector of a profile is covered by the partners of ``focal_org_ids``.

    Parameters
    ----------
    graph : nx.Graph
        Organizations as nodes (``name``, ``sector``, ``region``), relationships as edges with
        a ``state``. It must hold the members and every organization related to them.
    focal_org_ids : collection of str
        The agency, or the members of a group, whose coverage is asked about.
    sectors : sequence of str
        The profile's sector slugs; the answer keeps their order.
    labels : mapping, optional
        Sector slug to the label people read; the slug stands in for a missing one.
    limit : int, default 10
        The most partners listed per sector; all are counted.

    Returns
    -------
    list of SectorCoverage
        One per sector, with its status, its partners counted by state and the first
        ``limit`` listed (best state first, then by name), and no candidates yet:
        :func:`rank_candidates` finds those.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_node("eld", name="ELD", sector="state_agency", region="Lane")
    >>> g.add_node("wic", name="WIC Lane", sector="wic", region="Lane")
    >>> g.add_node("esd", name="Lane ESD", sector="early_intervention", region="Lane")
    >>> g.add_edge("eld", "esd", state=RED)
    >>> coverage = sector_coverage(g, ["eld"], ["wic", "early_intervention"])
    >>> [(c.sector, c.status.value, c.partner_count) for c in coverage]
    [('wic', 'missing', 0), ('early_intervention', 'weak', 1)]
    """
    nodes, neighbours = graph._node, _sector_neighbours(graph)
    coverage = []
    for sector in sectors:
        best = _best_states(neighbours.in_sector(member, sector) for member in focal_org_ids)
        found = [(STANDING[state], nodes[org_id]["name"], org_id) for org_id, state in best.items()]
        by_state = Counter(best.values())
        coverage.append(
            SectorCoverage(
                sector=sector,
                label=(labels or {}).get(sector, sector),
                status=_status(by_state),
                partner_count=len(found),
                partners_by_state={state: by_state[state] for state in BEST_FIRST},
                partners=[
                    SectorPartner(organization=_ref(graph, org_id), state=BEST_FIRST[standing])
                    for standing, _, org_id in heapq.nsmallest(limit, found)
                ],
                candidates=[],
            )
        )
    return coverage


def _status(by_state: Counter[RelationshipState]) -> SectorStatus:
    good = by_state[GREEN] + by_state[YELLOW]
    if not by_state:
        return SectorStatus.MISSING
    if good == 0:
        return SectorStatus.WEAK
    return SectorStatus.FRAGILE if good == 1 else SectorStatus.COVERED


def rank_candidates(
    graph: nx.Graph,
    focal_org_ids: Collection[str],
    sectors: Iterable[str],
    *,
    referral_counts: Mapping[tuple[str, str], int] | None = None,
    limit: int = 10,
) -> dict[str, list[Candidate]]:
    """The best candidates of each sector: organizations not yet partnered, ranked.

    Parameters
    ----------
    graph : nx.Graph
        As for :func:`sector_coverage`, plus the organizations to consider: those of the asked
        sectors with their relationships to our partners (all that introductions need), and
        any others as nodes; the whole network will do.
    focal_org_ids : collection of str
        The agency, or the members of a group.
    sectors : iterable of str
        The sectors to find candidates for.
    referral_counts : mapping, optional
        Referrals sent between two organizations, keyed ``(from_org, to_org)``. Referrals
        between a candidate and a member, either way, count as its referral activity.
    limit : int, default 10
        The most candidates returned per sector.

    Returns
    -------
    dict of str to list of Candidate
        Each asked sector to its candidates, best first: by score (warm introductions), then
        in one of the members' regions, then referral activity, then name and id.

    Examples
    --------
    >>> g = nx.Graph()
    >>> for org, sector in [("eld", "state_agency"), ("oha", "state_agency"),
    ...                     ("hub", "early_learning_hub"), ("wic", "wic"), ("wic2", "wic")]:
    ...     g.add_node(org, name=org.upper(), sector=sector, region="Lane")
    >>> g.add_edge("eld", "oha", state=GREEN); g.add_edge("eld", "hub", state=YELLOW)
    >>> g.add_edge("oha", "wic", state=GREEN); g.add_edge("hub", "wic2", state=GREEN)
    >>> [(c.organization.id, c.score) for c in rank_candidates(g, ["eld"], ["wic"])["wic"]]
    [('wic', 1.0), ('wic2', 0.5)]
    >>> rank_candidates(g, ["eld"], ["wic"])["wic"][0].reason
    '1 green partner works with them: OHA; same region (Lane)'
    """
    members = set(focal_org_ids)
    partners = partners_of(graph, members)
    activity = _referral_activity(referral_counts or {}, members)
    regions = set(home_regions(graph, members))
    # Warmth flows out from our partners in good standing to the organizations of the asked
    # sectors, through their relationships in those sectors alone: not through every
    # relationship of each of the thousands of organizations a hub knows.
    taken, nodes = members | partners.keys(), graph._node
    neighbours = _sector_neighbours(graph)
    warmth: dict[str, defaultdict[str, float]] = {sector: defaultdict(float) for sector in sectors}
    for partner, state in partners.items():
        if not (ours := WARMTH[state]):
            continue
        for sector, warm in warmth.items():
            for other, edge in neighbours.in_sector(partner, sector).items():
                if other not in taken:
                    warm[other] += ours * WARMTH[edge["state"]]
    active: defaultdict[str, list[str]] = defaultdict(list)
    for org_id in activity:
        if (node := nodes.get(org_id)) is not None and org_id not in taken:
            active[node["sector"]].append(org_id)
    # Of the others, only those that could rank among the best: the first by name in a region
    # of the members, and the first by name of all (the rest rank after as many of them).
    roster = graph.graph.get(SECTOR_ROSTER) or SectorRoster.of(graph.nodes(data=True))
    best: dict[str, list[Candidate]] = {}
    for sector, warm in warmth.items():
        regional = (org for org in roster.in_regions(sector, regions) if org not in taken)
        cold = (org for org in roster.by_name(sector) if org not in warm and org not in taken)
        pool = {*_warmest(warm, limit), *active[sector], *islice(regional, limit)}
        pool.update(islice(cold, limit))
        ranks = (
            (
                -warm.get(org_id, 0.0),
                nodes[org_id].get("region") not in regions,
                -activity[org_id],
                nodes[org_id]["name"],
                org_id,
            )
            for org_id in pool
        )
        best[sector] = [
            _candidate(graph, rank[-1], partners, regions, activity[rank[-1]])
            for rank in heapq.nsmallest(limit, ranks)
        ]
    return best


def _sector_neighbours(graph: nx.Graph) -> SectorNeighbours:
    """The relationships of ``graph`` by sector: the store's own, kept with its graph, or
    grouped as they are asked for."""
    return graph.graph.get(SECTOR_NEIGHBOURS) or SectorNeighbours(graph._adj, graph._node)


def _warmest(warmth: Mapping[str, float], limit: int) -> Iterable[str]:
    """Those of ``warmth`` that may rank among its ``limit`` warmest: all of a few, else those
    at least as warm as the ``limit``-th warmest (the rest rank after as many).

    >>> sorted(_warmest({"a": 1.0, "b": 0.5, "c": 0.5, "d": 0.25}, 2))
    ['a', 'b', 'c']
    """
    if len(warmth) <= limit:
        return warmth
    least = heapq.nlargest(limit, warmth.values())[-1]
    return [org_id for org_id, warm in warmth.items() if warm >= least]


def _introducers(
    graph: nx.Graph, org_id: str, partners: Mapping[str, RelationshipState]
) -> list[Introducer]:
    adjacency = graph._adj[org_id]
    shared = (
        ((other, adjacency[other]) for other in partners if other in adjacency)
        if len(partners) < len(adjacency)  # a candidate may know thousands, we a few
        else ((other, edge) for other, edge in adjacency.items() if other in partners)
    )
    via = [
        Introducer(
            org_id=other,
            name=graph._node[other]["name"],
            state=partners[other],
            their_state=edge["state"],
            warmth=WARMTH[partners[other]] * WARMTH[edge["state"]],
        )
        for other, edge in shared
        if "ended_at" not in edge
    ]
    return sorted(via, key=lambda i: (-i.warmth, STANDING[i.state], i.name, i.org_id))


def _candidate(
    graph: nx.Graph,
    org_id: str,
    partners: Mapping[str, RelationshipState],
    regions: set[str],
    referrals: int,
) -> Candidate:
    organization = _ref(graph, org_id)
    via = _introducers(graph, org_id, partners)
    same_region = organization.region in regions
    return Candidate(
        organization=organization,
        score=sum(introducer.warmth for introducer in via),
        same_region=same_region,
        referrals=referrals,
        via=via,
        reason=_reason(via, organization.region if same_region else None, referrals),
    )


def _referral_activity(
    referral_counts: Mapping[tuple[str, str], int], members: Collection[str]
) -> Counter[str]:
    """Referrals of each organization with the members, either way."""
    activity: Counter[str] = Counter()
    for (sender, receiver), count in referral_counts.items():
        if receiver in members:
            activity[sender] += count
        if sender in members:
            activity[receiver] += count
    return activity


def _reason(via: list[Introducer], region: str | None, referrals: int) -> str:
    """One line: who works with them, same region, referral activity."""
    parts = []
    working = [i for i in via if i.their_state in GOOD_STANDING]
    for state in BEST_FIRST:
        names = [i.name for i in working if i.state is state]
        if names:
            works = "works" if len(names) == 1 else "work"
            parts.append(
                f"{_count(len(names), f'{_word(state)} partner')} {works} with them: "
                f"{_names(names)}"
            )
    for state in (NO_DOT, RED):
        names = [i.name for i in via if i.their_state is state]
        if names:
            parts.append(f"a {_word(state)} relationship with {_names(names)}")
    if region:
        parts.append(f"same region ({region})")
    if referrals:
        parts.append(f"{_count(referrals, 'referral')} with us")
    return "; ".join(parts) or "no partner of ours works with them yet"


def _word(state: RelationshipState) -> str:
    return "no-dot" if state is NO_DOT else state.value


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``, ``A, B, C and 2 more``."""
    if len(names) > NAMES_IN_A_REASON:
        shown = names[:NAMES_IN_A_REASON]
        return f"{', '.join(shown)} and {len(names) - len(shown)} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _ref(graph: nx.Graph, org_id: str) -> OrganizationRef:
    node = graph.nodes[org_id]
    return OrganizationRef(
        id=org_id, name=node["name"], sector=node["sector"], region=node.get("region")
    )
