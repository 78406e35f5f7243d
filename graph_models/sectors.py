"""Sectors and sector profiles: the list of sectors an agency is expected to engage."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping
from heapq import merge
from typing import Any

from pydantic import Field

from graph_models.common import Name, ReadModel, Slug, StrictModel, Text


class Sector(StrictModel):
    """A sector, such as ``early_intervention``, with a label people read."""

    slug: Slug
    label: Name
    description: Text = ""


class ProfileCreate(StrictModel):
    """A named list of sectors, e.g. the target audiences of an engagement plan."""

    name: Slug
    label: Name
    source: Text = Field(default="", description="Where the list comes from.")
    sectors: list[Slug] = Field(min_length=1, max_length=200)


class Profile(ReadModel):
    """A sector profile as stored."""

    name: str
    label: str
    source: str
    sectors: list[str]


SECTOR_ROSTER = "sector_roster"
"""The graph attribute under which a store keeps the :class:`SectorRoster` of its graph."""


class SectorRoster:
    """The organizations of each sector, by name and by region: where the candidates of a
    sector are found without a look at every organization of the network.

    >>> roster = SectorRoster.of([("wic2", {"name": "WIC B", "sector": "wic", "region": "Lane"}),
    ...                           ("wic1", {"name": "WIC A", "sector": "wic", "region": None})])
    >>> list(roster.by_name("wic")), list(roster.in_regions("wic", ["Lane", "Coos"]))
    (['wic1', 'wic2'], ['wic2'])
    >>> roster.place("wic1", name="WIC C", sector="wic", region="Coos")
    >>> list(roster.by_name("wic")), list(roster.in_regions("wic", ["Lane", "Coos"]))
    (['wic2', 'wic1'], ['wic2', 'wic1'])
    """

    def __init__(self) -> None:
        self._named: dict[str, list[tuple[str, str]]] = {}
        self._regional: dict[tuple[str, str | None], list[tuple[str, str]]] = {}
        self._placed: dict[str, tuple[str, str, str | None]] = {}

    @classmethod
    def of(cls, nodes: Iterable[tuple[str, Mapping[str, Any]]]) -> SectorRoster:
        """The roster of ``nodes``: organization ids with their ``name``, ``sector`` and
        ``region``, as a graph's ``nodes(data=True)`` gives them."""
        roster = cls()
        for org_id, node in nodes:
            roster._placed[org_id] = (node["name"], node["sector"], node.get("region"))
        for org_id, (name, sector, region) in roster._placed.items():
            roster._named.setdefault(sector, []).append((name, org_id))
            roster._regional.setdefault((sector, region), []).append((name, org_id))
        for named in (*roster._named.values(), *roster._regional.values()):
            named.sort()
        return roster

    def place(self, org_id: str, *, name: str, sector: str, region: str | None) -> None:
        """Put ``org_id`` where its name, sector and region now put it."""
        self.remove(org_id)
        self._placed[org_id] = (name, sector, region)
        insort(self._named.setdefault(sector, []), (name, org_id))
        insort(self._regional.setdefault((sector, region), []), (name, org_id))

    def remove(self, org_id: str) -> None:
        """Take ``org_id`` off the roster, if it is on it."""
        if (placed := self._placed.pop(org_id, None)) is None:
            return
        name, sector, region = placed
        for named in (self._named[sector], self._regional[sector, region]):
            del named[bisect_left(named, (name, org_id))]

    def by_name(self, sector: str) -> Iterator[str]:
        """The organizations of ``sector``, by name and then id."""
        return (org_id for _, org_id in self._named.get(sector, ()))

    def in_regions(self, sector: str, regions: Iterable[str]) -> Iterator[str]:
        """The organizations of ``sector`` in one of ``regions``, by name and then id."""
        named = (self._regional.get((sector, region), ()) for region in set(regions))
        return (org_id for _, org_id in merge(*named))


SECTOR_NEIGHBOURS = "sector_neighbours"
"""The graph attribute under which a store keeps the :class:`SectorNeighbours` of its graph."""


class SectorNeighbours:
    """The current relationships of each organization, grouped by the sector of the other
    end: warm introductions into a few sectors walk only those of a hub's thousands of
    partners that are in them. An organization's are grouped the first time they are asked
    for, and grouped again after :meth:`forget`.

    ``adjacency`` and ``nodes`` are a graph's own mappings (``graph._adj`` and
    ``graph._node`` of a networkx graph): a node has a ``sector``, an edge ``ended_at`` once
    its relationship has ended. The edges handed out are the graph's own.

    >>> nodes = {"hub": {"sector": "hub"}, "wic": {"sector": "wic"}, "esd": {"sector": "wic"}}
    >>> adjacency = {"hub": {"wic": {"state": "green"}, "esd": {"ended_at": "2024-01-01"}}}
    >>> neighbours = SectorNeighbours(adjacency, nodes)
    >>> neighbours.in_sector("hub", "wic"), neighbours.in_sector("hub", "early_intervention")
    ({'wic': {'state': 'green'}}, {})
    >>> del adjacency["hub"]["esd"]["ended_at"]; neighbours.forget(["hub"])
    >>> sorted(neighbours.in_sector("hub", "wic"))
    ['esd', 'wic']
    """

    def __init__(
        self,
        adjacency: Mapping[str, Mapping[str, Mapping[str, Any]]],
        nodes: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self._adjacency, self._nodes = adjacency, nodes
        self._grouped: dict[str, dict[str, dict[str, Mapping[str, Any]]]] = {}

    def in_sector(self, org_id: str, sector: str) -> Mapping[str, Mapping[str, Any]]:
        """The organizations of ``sector`` in a current relationship with ``org_id``, each
        with its edge."""
        if (grouped := self._grouped.get(org_id)) is None:
            grouped = self._grouped[org_id] = {}
            nodes = self._nodes
            for other, edge in self._adjacency[org_id].items():
                if "ended_at" not in edge:
                    grouped.setdefault(nodes[other]["sector"], {})[other] = edge
        return grouped.get(sector, {})

    def forget(self, org_ids: Iterable[str]) -> None:
        """Group the relationships of ``org_ids`` again when next asked (after one of them,
        or the sector of an organization related to them, has changed)."""
        for org_id in org_ids:
            self._grouped.pop(org_id, None)
