"""The live graph both stores keep in each process: every organization and relationship as a
networkx graph, built from the store's rows, brought up to date from the store's change log
before each read that uses it, and lent read-only to analytics under the store's lock.

A store gives only how it reads: its rows of organizations and relationships (all of them,
or those a list of changes names), its change log after a point, and ``_catch_up``, which
brings the graph up to the log in one read of the store. The rest is here, once.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, NamedTuple

import networkx as nx

from graph_models import SECTOR_NEIGHBOURS, SECTOR_ROSTER, SectorNeighbours, SectorRoster
from service.errors import NotFound
from service.store.shared.network import add_relationship_edge, organization_node

ORGANIZATION = "organization"
RELATIONSHIP = "relationship"
WHOLE_GRAPH = "graph"
"""The kind of change a bulk write notes in place of each record it wrote: a reader that meets
it loads the graph whole."""

Change = tuple[str, str, str | None, str | None]
"""One entry of a change log: ``(kind, key, org_a, org_b)``, the ends for a relationship."""
Edge = tuple[str, str, str, Sequence[tuple[str, str]], str | None]
"""A relationship row: ``(id, org_a, org_b, history, ended_on)``, its history the
``(assessed_at, state)`` text of each assessment in recording order."""


class GraphRows(NamedTuple):
    """Organization rows (read by key: ``id``, ``name``, ``sector``, ``region``, ``internal``) and
    relationship rows (:data:`Edge`), as a store reads them for its live graph."""

    organizations: Iterable[Any]
    relationships: Iterable[Edge]


def graph_of(rows: GraphRows) -> nx.Graph:
    """The analytics graph of ``rows``, with its sector roster and its relationships by sector;
    a relationship without any assessment (copied before its history) is left out.

    >>> org = {"name": "WIC", "sector": "wic", "region": None, "internal": False}
    >>> rows = GraphRows([{"id": "a", **org}, {"id": "b", **org}],
    ...                  [("a~b", "a", "b", [("2024-01-02T00:00:00+00:00", "green")], None)])
    >>> graph_of(rows).edges["a", "b"]["state"].value
    'green'
    """
    graph = nx.Graph()
    graph.add_nodes_from((row["id"], organization_node(row)) for row in rows.organizations)
    graph.graph[SECTOR_ROSTER] = SectorRoster.of(graph.nodes(data=True))
    graph.graph[SECTOR_NEIGHBOURS] = SectorNeighbours(graph._adj, graph._node)
    for rel_id, org_a, org_b, history, ended_on in rows.relationships:
        if history:
            add_relationship_edge(graph, rel_id, org_a, org_b, history, ended_on)
    return graph


class LiveGraph(ABC):
    """The lock, the live graph and what is lent from it; a store's base class derives from it
    and gives the readers below."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._graph = nx.Graph()
        self._seen = -1
        """The last change of the log the graph holds; -1 before the first load."""

    # -- what each store gives ------------------------------------------------------------

    @abstractmethod
    def _catch_up(self) -> None:
        """Bring the graph up to what is committed, through :meth:`_bring_up_to` in one read
        of the store (call under the lock)."""

    @abstractmethod
    def _graph_rows(self) -> GraphRows:
        """Every organization and relationship."""

    @abstractmethod
    def _changes_after(self, seen: int, latest: int, most: int) -> list[Change]:
        """The changes of the log after ``seen`` up to ``latest``, in order, at most ``most``."""

    @abstractmethod
    def _changed_rows(self, org_ids: Collection[str], rel_ids: Collection[str]) -> GraphRows:
        """The rows of those of ``org_ids`` and ``rel_ids`` that exist."""

    # -- keeping it -----------------------------------------------------------------------

    def _bring_up_to(self, latest: int) -> None:
        """Load the graph, or apply the changes after the last one it holds, up to change
        ``latest`` of the log (call under the lock, in one read of the store)."""
        if self._seen < 0:
            self._graph = graph_of(self._graph_rows())
        elif latest != self._seen:
            self._apply_changes(latest)
        self._seen = latest

    def _apply_changes(self, latest: int) -> None:
        """Apply the changes after ``_seen`` to the graph, or reload it when there are more
        of them than organizations in it (a reload reads every organization and relationship,
        a few per organization, at about the cost of applying that many changes) or a bulk
        write asked for it."""
        graph = self._graph
        most = len(graph)
        changes = self._changes_after(self._seen, latest, most + 1)
        if len(changes) > most or any(kind == WHOLE_GRAPH for kind, *_ in changes):
            self._graph = graph_of(self._graph_rows())
            return
        org_ids = {key for kind, key, _, _ in changes if kind == ORGANIZATION}
        rels = {key: (a, b) for kind, key, a, b in changes if kind == RELATIONSHIP}
        rows = self._changed_rows(org_ids, rels)
        organizations = list(rows.organizations)
        roster: SectorRoster = graph.graph[SECTOR_ROSTER]
        neighbours: SectorNeighbours = graph.graph[SECTOR_NEIGHBOURS]
        for row in organizations:
            node = organization_node(row)
            if row["id"] in graph and graph._node[row["id"]]["sector"] != node["sector"]:
                neighbours.forget(graph._adj[row["id"]])
            graph.add_node(row["id"], **node)
            roster.place(row["id"], name=node["name"], sector=node["sector"], region=node["region"])
        kept = set()
        for rel_id, org_a, org_b, history, ended_on in rows.relationships:
            if history:
                was_current = _current(graph, org_a, org_b)
                add_relationship_edge(graph, rel_id, org_a, org_b, history, ended_on)
                kept.add(rel_id)
                if _current(graph, org_a, org_b) != was_current:
                    neighbours.forget((org_a, org_b))
        for rel_id, (end_a, end_b) in rels.items():
            if rel_id in kept or end_a is None or end_b is None or not graph.has_edge(end_a, end_b):
                continue
            if _current(graph, end_a, end_b):
                neighbours.forget((end_a, end_b))
            graph.remove_edge(end_a, end_b)
        gone = org_ids - {row["id"] for row in organizations}
        for org_id in gone:
            if org_id in graph:
                neighbours.forget([org_id, *graph._adj[org_id]])
                graph.remove_node(org_id)
            roster.remove(org_id)

    def _require_in_graph(self, org_ids: Iterable[str]) -> None:
        """:class:`NotFound` naming the first of ``org_ids`` not in the graph, brought up to
        date first (call under the lock)."""
        self._catch_up()
        for org_id in org_ids:
            if org_id not in self._graph:
                raise NotFound(f"organization '{org_id}' does not exist")

    # -- lending it (the graph reads of ``Store``) ---------------------------------------

    def partner_graph(self, org_id: str | None = None, *, depth: int = 1) -> nx.Graph:
        with self._lock:
            if org_id is None:
                self._catch_up()
                whole = self._graph.copy()
                for kept in (SECTOR_ROSTER, SECTOR_NEIGHBOURS):  # the store's own, in step with it
                    del whole.graph[kept]
                return whole
            self._require_in_graph([org_id])
            within = nx.single_source_shortest_path_length(self._graph, org_id, cutoff=depth)
            return induced(self._graph, within)

    def introduction_graph(self, org_ids: Collection[str], *, sectors: Collection[str]) -> nx.Graph:
        with self._lock:
            self._require_in_graph(org_ids)  # first: it may bring in a graph reloaded whole
            return self._introduced(org_ids, sectors)

    def _introduced(self, org_ids: Collection[str], sectors: Collection[str]) -> nx.Graph:
        """:meth:`introduction_graph` from the graph as it is (call under the lock, with
        ``org_ids`` in the graph)."""
        # The graph's own dicts, read and written directly: this runs on every missing-partners
        # question and eco-map, and a partner that is a hub brings thousands of edges. Nodes
        # and edges are handed out as read-only views of the store's own: no copies.
        wanted = set(sectors)
        adjacency, nodes, view = self._graph._adj, self._graph._node, MappingProxyType
        found: dict[str, dict[str, Any]] = {org_id: {} for org_id in org_ids}
        partners = {other for org_id in org_ids for other in adjacency[org_id]} if wanted else ()
        for org_id in org_ids:
            for other, edge in adjacency[org_id].items():
                found.setdefault(other, {})[org_id] = found[org_id][other] = view(edge)
        for partner in partners:
            ours = found[partner]
            for other, edge in adjacency[partner].items():
                if other not in ours and nodes[other]["sector"] in wanted:
                    found.setdefault(other, {})[partner] = ours[other] = view(edge)
        graph = nx.Graph()
        graph._node.update((org_id, view(nodes[org_id])) for org_id in found)
        graph._adj.update(found)
        return graph

    @contextmanager
    def lent_graph(self, org_ids: Collection[str]) -> Iterator[nx.Graph]:
        with self._lock:  # the whole network as a view: no copy of a hub's partners
            self._require_in_graph(org_ids)
            yield self._graph.copy(as_view=True)


def induced(graph: nx.Graph, nodes: Collection[str]) -> nx.Graph:
    """A copy of ``graph.subgraph(nodes)``, built straight from the adjacency: several times
    faster than copying a subgraph view. Nodes keep the order of ``nodes``.

    >>> list(induced(nx.path_graph(4), [2, 1, 3])), induced(nx.path_graph(4), [2, 1, 3]).size()
    ([2, 1, 3], 2)
    """
    order = {node: place for place, node in enumerate(dict.fromkeys(nodes))}
    found = nx.Graph()
    found.add_nodes_from((node, graph.nodes[node]) for node in order)
    found.add_edges_from(  # each edge once, from its end that comes first
        (node, other, data)
        for node, place in order.items()
        for other, data in graph.adj[node].items()
        if order.get(other, -1) > place
    )
    return found


def _current(graph: nx.Graph, org_a: str, org_b: str) -> bool:
    """Whether ``graph`` holds a relationship of ``org_a`` and ``org_b`` that has not ended:
    one the :class:`~graph_models.SectorNeighbours` group. Assessed again, it stays in its
    group, which holds the graph's own edge, so the group shows its new state as it is.

    >>> graph = nx.Graph([("wic", "esd", {"state": "red"})])
    >>> _current(graph, "wic", "esd"), _current(graph, "wic", "hub")
    (True, False)
    """
    edge = graph._adj.get(org_a, {}).get(org_b)
    return edge is not None and "ended_at" not in edge
