"""Network measures of a partner graph: density, degree, betweenness, per sector and region."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from graph_models.measures import GroupMeasure, NetworkMeasures, OrganizationMeasure


def network_measures(
    graph: nx.Graph, *, top: int = 10, betweenness_samples: int | None = None, seed: int = 0
) -> NetworkMeasures:
    """Density, degree and betweenness of ``graph``, overall and per sector and per region.

    Parameters
    ----------
    graph : networkx.Graph
        A partner graph: nodes are organizations with ``name``, ``sector`` and ``region``.
    top : int
        How many brokers to list at most.
    betweenness_samples : int, optional
        Estimate betweenness from this many sources (chosen with ``seed``) instead of all:
        exact betweenness takes time that grows with nodes times edges.
    seed : int
        The seed of the sample, so that the estimate is the same every time, whatever order
        the graph's nodes and edges were added in.

    Returns
    -------
    NetworkMeasures
        Groups by name, the group without a sector or region last.

    Examples
    --------
    A path a - b - c: b is on the one shortest path between a and c.

    >>> g = nx.Graph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(g, {n: {"name": n, "sector": "wic", "region": None} for n in g})
    >>> m = network_measures(g)
    >>> m.density, [(b.org_id, b.degree, b.betweenness) for b in m.brokers]
    (0.6666666666666666, [('b', 2, 1.0)])
    """
    n = graph.number_of_nodes()
    samples = betweenness_samples if betweenness_samples and betweenness_samples < n else None
    betweenness = nx.betweenness_centrality(
        _in_order(graph), k=samples, seed=seed if samples else None
    )
    measures = [
        OrganizationMeasure(
            org_id=node,
            name=data["name"],
            sector=data["sector"],
            region=data["region"],
            degree=graph.degree(node),
            betweenness=betweenness[node],
        )
        for node, data in graph.nodes(data=True)
    ]
    measures.sort(key=lambda m: (-m.betweenness, -m.degree, m.org_id))
    return NetworkMeasures(
        organizations=n,
        ties=graph.number_of_edges(),
        density=nx.density(graph),
        mean_degree=_mean([m.degree for m in measures]),
        betweenness_samples=samples,
        brokers=[m for m in measures if m.betweenness > 0][:top],
        by_sector=_groups(graph, measures, "sector"),
        by_region=_groups(graph, measures, "region"),
    )


def _in_order(graph: nx.Graph) -> nx.Graph:
    """The same graph with its nodes and edges added in sorted order: sampled sources and
    sums of floats then come out the same however ``graph`` was built."""
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph))
    ordered.add_edges_from(sorted(tuple(sorted(edge)) for edge in graph.edges()))
    return ordered


def _groups(graph: nx.Graph, measures: list[OrganizationMeasure], key: str) -> list[GroupMeasure]:
    members: dict[str | None, list[OrganizationMeasure]] = defaultdict(list)
    for measure in measures:
        members[getattr(measure, key)].append(measure)
    within: dict[str | None, int] = defaultdict(int)
    across: dict[str | None, int] = defaultdict(int)
    for a, b in graph.edges():
        group_a, group_b = graph.nodes[a][key], graph.nodes[b][key]
        if group_a == group_b:
            within[group_a] += 1
        else:
            across[group_a] += 1
            across[group_b] += 1
    groups = []
    for group, people in members.items():
        size = len(people)
        possible = size * (size - 1) / 2
        broker = people[0] if people[0].betweenness > 0 else None
        groups.append(
            GroupMeasure(
                group=group,
                organizations=size,
                ties_within=within[group],
                ties_across=across[group],
                density=within[group] / possible if possible else 0.0,
                mean_degree=_mean([m.degree for m in people]),
                broker=broker.org_id if broker else None,
            )
        )
    groups.sort(key=lambda g: (g.group is None, g.group or ""))
    return groups


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0
