"""Maps laid out as drawings: positioned nodes and lines whose every text is plain text.

A drawing is made from an analytics result (an :class:`~graph_models.ecomaps.EcoMap` or a
:class:`~graph_models.ecomaps.RegionMap`) and nothing else; the page and the SVG export both
draw it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

import networkx as nx

from graph_models import RelationshipState
from graph_models.ecomaps import (
    EcoMap,
    EcoMapPartner,
    EcoMapSummary,
    MapOrganization,
    MissingSector,
    RegionMap,
    SectorSummary,
)
from visualizations.layout import (
    CLUSTER_GAP,
    CLUSTER_SPACING,
    LINE_HEIGHT,
    MIN_RADIUS,
    WEDGE_LABEL_ROOM,
    LabelPlaces,
    Point,
    angle_of,
    disc_radius,
    label_box,
    mean_angle,
    outer_positions,
    overlaps,
    pack_discs,
    polar,
    ring_positions,
    sunflower,
    wedge_members,
    wedge_spans,
)
from visualizations.style import (
    BASE_WIDTH,
    FOCAL_COLOUR,
    MISSING_BORDER,
    NEUTRAL_BORDER,
    NEUTRAL_FILL,
    STATE_STYLES,
    font_size,
    line_width,
    short_label,
)

WEDGE_LIMIT = 150
"""Beyond this many partners an eco-map groups them by sector in wedges that open on click."""
NOTABLE = 24
"""How many partners that matter most a map of wedges shows before any wedge is opened."""
MANY_LINES = 500
"""Beyond this many lines, lines are drawn half transparent, so that clusters show through,
and their dashes as long as the map is large (see :attr:`Drawing.dash_scale`)."""
SCREEN = (860.0, 720.0)
"""The room a map has on a laptop's page, in pixels: the page opens with the whole map in it."""


@dataclass(slots=True)
class MapNode:
    """A node: an organization, or an empty place for a missing sector."""

    id: str
    name: str
    """The whole name, for menus; ``label`` is the short one drawn under the node."""
    label: str
    kind: str
    """``focal``, ``partner``, ``partner_of_partner``, ``missing_sector`` or ``organization``."""
    x: float
    y: float
    size: float
    fill: str
    border: str
    tooltip: str
    sector: str | None = None
    state: RelationshipState | None = None
    dashed: bool = False
    group: str | None = None
    """The wedge or cluster the node belongs to."""
    font: float = 0.0
    """The label's font size; 0 for the size of its kind."""

    @property
    def text_size(self) -> float:
        """The label's font size in pixels."""
        return self.font or font_size(self.kind)


@dataclass(frozen=True)
class MapEdge:
    """A line: a relationship, with arrows for the referrals that flow along it."""

    id: str
    source: str
    target: str
    state: RelationshipState
    width: float
    tooltip: str
    arrow_to: bool = False
    arrow_from: bool = False
    label: str = ""

    @property
    def colour(self) -> str:
        return STATE_STYLES[self.state].colour

    @property
    def dashes(self) -> tuple[int, ...] | None:
        return STATE_STYLES[self.state].dashes


@dataclass(frozen=True)
class Closed:
    """What a closed wedge holds: drawn when it opens, at the places computed for it."""

    nodes: list[MapNode]
    edges: list[MapEdge]


@dataclass(frozen=True)
class Drawing:
    """A whole map. ``settled`` is true when the positions are final (physics off);
    ``notes`` are what the legend says beyond the states; ``subtitle`` the day and profile;
    ``closed`` the partners of each closed wedge, by wedge id; ``apart`` the organizations
    without any relationship, listed beside the map rather than drawn."""

    title: str
    nodes: list[MapNode]
    edges: list[MapEdge]
    settled: bool = True
    notes: tuple[str, ...] = ()
    subtitle: str = ""
    closed: Mapping[str, Closed] = field(default_factory=dict)
    apart: tuple[MapOrganization, ...] = ()

    def every_node(self) -> list[MapNode]:
        """The nodes drawn and those of every closed wedge."""
        return self.nodes + [node for group in self.closed.values() for node in group.nodes]

    @property
    def dash_scale(self) -> float:
        """How many times their legend's length dashes are drawn: 1, save on a map of more than
        :data:`MANY_LINES` lines, whose dashes keep their legend's length on the screen when the
        whole map fits the :data:`SCREEN`, as the page opens.

        Dashes are drawn in the map's units: on a map forty times the screen's width, dashes
        of the legend's length would be a fortieth of a pixel, millions of them, that the
        browser takes seconds to draw and nobody can see.

        >>> node = lambda x: MapNode(str(x), "", "", "organization", x, 0, 10, "", "", "")
        >>> line = MapEdge("a~b", "a", "b", RelationshipState.YELLOW, 1.0, "")
        >>> Drawing("t", [node(0), node(8600)], [line] * (MANY_LINES + 1)).dash_scale
        10.0
        >>> Drawing("t", [node(0), node(8600)], [line]).dash_scale
        1.0
        """
        if len(self.edges) <= MANY_LINES:
            return 1.0
        xs, ys = [node.x for node in self.nodes], [node.y for node in self.nodes]
        return max(1.0, (max(xs) - min(xs)) / SCREEN[0], (max(ys) - min(ys)) / SCREEN[1])


ECOMAP_NOTES = (
    "Dashed empty circle: a sector of the profile with no partner yet.",
    "Small grey circle: a partner of a partner.",
    "The heavier the line, the higher the partnership level (1 to 6).",
    "Arrows show the direction of referrals, with their counts on the line.",
)
DEPTH_NOTE = (
    f"Partners of partners are drawn on maps of up to {WEDGE_LIMIT} partners: choose a sector "
    "or a state to see them."
)
WEDGE_NOTES = (
    "Each wedge holds the partners of one sector, with their count in each state; "
    "click a wedge to open it. Labels name the partners that matter most.",
    "A wedge's line takes the state most of its partners are in and the highest level reached.",
)


def subtitle(as_of: datetime | None, today: date | None, profile: str | None = None) -> str:
    """The line under a map's title: the day it answers for, and its profile.

    >>> subtitle(None, date(2024, 5, 1), "infant-toddler")
    'As of 2024-05-01 · profile infant-toddler'
    >>> subtitle(None, None)
    'As it stands today'
    """
    day = as_of.date() if as_of else today
    shown = f"As of {day.isoformat()}" if day else "As it stands today"
    return shown + (f" · profile {profile}" if profile else "")


def ecomap_drawing(
    ecomap: EcoMap,
    *,
    sector_labels: Mapping[str, str] | None = None,
    sectors: Collection[str] = (),
    states: Collection[RelationshipState] = (),
    today: date | None = None,
) -> Drawing:
    """The eco-map as a drawing: the agency in the centre, partners and empty places around it
    (grouped by sector), partners of partners outside; beyond :data:`WEDGE_LIMIT` partners,
    wedges instead (see :func:`wedge_drawing`).

    Around the ring, partners go by sector, then state, then name. ``sectors`` and ``states``
    keep only the partners of those sectors and states (all when empty); the state of a partner
    of a partner is that of its line. Labels that would overlap a more important one are left
    off (the name stays in the tooltip); ``today`` is the day a map of today is dated.

    >>> from datetime import UTC
    >>> org = lambda id, sector: MapOrganization(
    ...     id=id, name=id.title(), sector=sector, region=None, internal=False)
    >>> at = datetime(2019, 1, 1, tzinfo=UTC)
    >>> partner = EcoMapPartner(organization=org("wic", "wic"), relationship_id="hub~wic",
    ...     state="red", action="heal", state_since=at, first_assessed_at=at,
    ...     partnership_level=2, referrals_sent=3)
    >>> drawing = ecomap_drawing(EcoMap(focal=org("hub", "early_learning_hub"), as_of=None,
    ...     depth=1, partners=[partner]))
    >>> [(n.id, n.kind) for n in drawing.nodes]
    [('hub', 'focal'), ('wic', 'partner')]
    >>> [(e.width, e.arrow_to, e.arrow_from, e.label) for e in drawing.edges]
    [(3.0, True, False, '3 sent')]
    """
    labels = sector_labels or {}

    def shown(sector: str, state: RelationshipState | None) -> bool:
        return (not sectors or sector in sectors) and (not states or state in states)

    def sector_name(sector: str) -> str:
        return labels.get(sector, sector)

    partners = [p for p in ecomap.partners if shown(p.organization.sector, p.state)]
    places = [m for m in ecomap.missing_sectors if shown(m.sector, None) and not states]
    heading = subtitle(ecomap.as_of, today, ecomap.profile)
    if len(partners) > WEDGE_LIMIT:
        return wedge_drawing(ecomap, partners, places, sector_name, heading)
    order = list(RelationshipState)
    ring: list[tuple[str, int, str, EcoMapPartner | MissingSector]] = [
        (sector_name(p.organization.sector), order.index(p.state), p.organization.name, p)
        for p in partners
    ] + [(m.label, len(order), m.label, m) for m in places]
    ring.sort(key=lambda item: item[:3])
    focal = ecomap.focal
    nodes = [_focal_node(focal, sector_name, heading)]
    edges: list[MapEdge] = []
    positions: dict[str, Point] = {}
    for (_, _, _, item), (x, y) in zip(ring, ring_positions(len(ring)), strict=True):
        if isinstance(item, EcoMapPartner):
            positions[item.organization.id] = (x, y)
            nodes.append(_partner_node(item, (x, y), 18, sector_name))
            edges.append(_partner_edge(focal.id, item))
        else:
            nodes.append(
                MapNode(
                    id=f"missing:{item.sector}",
                    name=item.label,
                    label=short_label(item.label),
                    kind="missing_sector",
                    x=x,
                    y=y,
                    size=16,
                    fill="#ffffff",
                    border=MISSING_BORDER,
                    tooltip=f"No partner in {item.label}\n"
                    f"An empty place of the profile {ecomap.profile}: develop a partner here.",
                    sector=item.sector,
                    dashed=True,
                )
            )
    nodes += _partners_of_partners(ecomap, positions, edges, shown, sector_name)
    rank = {partner.organization.id: index for index, partner in enumerate(importance(partners))}
    nodes = labelled(nodes, key=lambda node: (KIND_ORDER[node.kind], rank.get(node.id, 0)))
    return Drawing(
        title=f"Eco-map of {focal.name}",
        nodes=nodes,
        edges=edges,
        notes=ECOMAP_NOTES,
        subtitle=heading,
    )


KIND_ORDER = {
    "focal": 0,
    "sector": 1,
    "cluster": 1,
    "missing_sector": 2,
    "partner": 3,
    "organization": 3,
    "partner_of_partner": 4,
}
"""Whose label goes first where labels would overlap."""


def labelled(
    nodes: Iterable[MapNode],
    *,
    key: Callable[[MapNode], tuple[int, int]],
    places: LabelPlaces | None = None,
) -> list[MapNode]:
    """``nodes`` in their order, each label kept only where it overlaps no label of a node
    that comes first by ``key``.

    >>> a = MapNode("a", "Alpha", "Alpha", "partner", 0, 0, 10, "#fff", "#000", "")
    >>> b = MapNode("b", "Alpha", "Alpha", "partner", 0, 0, 10, "#fff", "#000", "")
    >>> [n.label for n in labelled([a, b], key=lambda n: (0, n.id == "b"))]
    ['Alpha', '']
    """
    nodes = list(nodes)
    places = places or LabelPlaces()
    for node in sorted(nodes, key=key):
        if node.label and not places.place(_box(node)):
            node.label = ""
    return nodes


def _box(node: MapNode) -> tuple[float, float, float, float]:
    return label_box(node.x, node.y, node.size, node.label, node.text_size)


def importance(partners: Sequence[EcoMapPartner]) -> list[EcoMapPartner]:
    """Partners by how much they matter, taking turns: the highest level, the most referrals,
    and the red ones (most referrals first).

    >>> from datetime import UTC
    >>> at = datetime(2019, 1, 1, tzinfo=UTC)
    >>> p = lambda id, state, level, sent: EcoMapPartner(organization=MapOrganization(id=id,
    ...     name=id, sector="wic", region=None, internal=False), relationship_id=id, state=state,
    ...     action="", state_since=at, first_assessed_at=at, partnership_level=level,
    ...     referrals_sent=sent)
    >>> [x.organization.id for x in importance([p("a", "green", 1, 0), p("b", "green", 5, 0),
    ...     p("c", "green", None, 9), p("d", "red", None, 0)])]
    ['b', 'c', 'd', 'a']
    """

    def referrals(partner: EcoMapPartner) -> int:
        return partner.referrals_sent + partner.referrals_received

    rankings = [
        sorted(partners, key=lambda p: -(p.partnership_level or 0)),
        sorted(partners, key=lambda p: -referrals(p)),
        sorted(
            (p for p in partners if p.state is RelationshipState.RED), key=lambda p: -referrals(p)
        ),
    ]
    order: dict[str, EcoMapPartner] = {}
    for turn in range(len(partners)):
        for ranking in rankings:
            if turn < len(ranking):
                order.setdefault(ranking[turn].organization.id, ranking[turn])
    return list(order.values())


@dataclass(frozen=True)
class Wedge:
    """The partners of one sector on a map of wedges, counted: what its circle and line tell.
    A wedge with no partner is an empty place of the profile."""

    sector: str
    name: str
    states: Counter[RelationshipState] = field(default_factory=Counter)
    level: int | None = None
    """The highest partnership level reached in the sector."""
    sent: int = 0
    received: int = 0

    @property
    def partners(self) -> int:
        return self.states.total()

    @classmethod
    def of(cls, sector: str, name: str, group: Sequence[EcoMapPartner]) -> Wedge:
        """The wedge of ``group``, the partners of ``sector``."""
        levels = [p.partnership_level for p in group if p.partnership_level is not None]
        return cls(
            sector,
            name,
            Counter(partner.state for partner in group),
            max(levels, default=None),
            sum(p.referrals_sent for p in group),
            sum(p.referrals_received for p in group),
        )

    @classmethod
    def summed(cls, sector: SectorSummary) -> Wedge:
        """The wedge of a sector of an eco-map's summary."""
        counts = sector.states.model_dump()
        return cls(
            sector.sector,
            sector.label,
            Counter({state: counts[state.value] for state in RelationshipState}),
            sector.partnership_level,
            sector.referrals_sent,
            sector.referrals_received,
        )


@dataclass(frozen=True)
class Ring:
    """The agency and its wedges around it, laid out: each wedge's circle, its angles and the
    inner edge of the band its partners are drawn in."""

    focal: MapNode
    wedges: list[Wedge]
    nodes: list[MapNode]
    spans: list[tuple[float, float]]

    @property
    def inner(self) -> float:
        return math.hypot(self.nodes[0].x, self.nodes[0].y) + WEDGE_LABEL_ROOM

    def label_places(self) -> LabelPlaces:
        """The places the labels of the agency and the wedges take."""
        places = LabelPlaces()
        for node in [self.focal, *self.nodes]:
            places.place(_box(node))
        return places

    def members(
        self,
        index: int,
        group: Sequence[EcoMapPartner],
        sector_name: Callable[[str], str],
    ) -> tuple[list[MapNode], dict[str, MapEdge]]:
        """The partners ``group`` of the wedge ``index`` (in the order given, the first
        nearest the centre), placed in its band, and their lines by partner id."""
        span, node = self.spans[index], self.nodes[index]
        margin = (span[1] - span[0]) * 0.04
        members, lines = [], {}
        for partner, at in zip(
            group,
            wedge_members(len(group), (span[0] + margin, span[1] - margin), self.inner),
            strict=True,
        ):
            members.append(_partner_node(partner, at, 9, sector_name, group=node.id))
            # The partner's tooltip tells what the line's would: its state, level and referrals.
            lines[partner.organization.id] = _partner_edge(self.focal.id, partner, told=False)
        return members, lines

    def lines(self) -> list[MapEdge]:
        """The line to each wedge with partners."""
        return [
            _wedge_edge(self.focal.id, node.id, wedge)
            for node, wedge in zip(self.nodes, self.wedges, strict=True)
            if wedge.partners
        ]


def wedge_ring(
    focal: MapOrganization,
    wedges: Iterable[Wedge],
    sector_name: Callable[[str], str],
    heading: str,
    profile: str | None,
) -> Ring:
    """``wedges`` by name around the agency, on a ring wide enough that no two labels meet."""
    ordered = sorted(wedges, key=lambda wedge: (wedge.name, wedge.sector))
    focal_node = _focal_node(focal, sector_name, heading)
    radius = MIN_RADIUS
    while True:
        spans = wedge_spans([wedge.partners for wedge in ordered], min_span=200.0 / radius)
        nodes = [
            _wedge_node(wedge, polar(radius, (span[0] + span[1]) / 2), profile)
            for wedge, span in zip(ordered, spans, strict=True)
        ]
        boxes = [_box(node) for node in (focal_node, *nodes)]
        if not any(overlaps(a, b) for index, a in enumerate(boxes) for b in boxes[index + 1 :]):
            return Ring(focal_node, ordered, nodes, spans)
        radius *= 1.15


def wedge_drawing(
    ecomap: EcoMap,
    partners: Sequence[EcoMapPartner],
    places: Sequence[MissingSector],
    sector_name: Callable[[str], str],
    heading: str,
) -> Drawing:
    """An eco-map of many partners: one labelled wedge per sector around the agency, with its
    count of partners in each state, and empty wedges for the profile's missing sectors.

    The :data:`NOTABLE` partners that matter most are drawn in their wedges from the start;
    every other partner waits in its closed wedge (``Drawing.closed``) at a place computed
    here, the most important nearest the centre.
    """
    by_sector: dict[str, list[EcoMapPartner]] = {}
    for partner in partners:
        by_sector.setdefault(partner.organization.sector, []).append(partner)
    ring = wedge_ring(
        ecomap.focal,
        [Wedge.of(sector, sector_name(sector), group) for sector, group in by_sector.items()]
        + [Wedge(place.sector, place.label) for place in places],
        sector_name,
        heading,
        ecomap.profile,
    )
    rank = {partner.organization.id: index for index, partner in enumerate(importance(partners))}
    members: list[MapNode] = []
    member_edges: dict[str, MapEdge] = {}
    for index, wedge in enumerate(ring.wedges):
        group = sorted(by_sector.get(wedge.sector, []), key=lambda p: rank[p.organization.id])
        nodes, lines = ring.members(index, group, sector_name)
        members += nodes
        member_edges.update(lines)
    members = labelled(members, key=lambda node: (0, rank[node.id]), places=ring.label_places())
    notable = {org_id for org_id, index in rank.items() if index < NOTABLE}
    closed: dict[str, Closed] = {}
    for member in members:
        if member.id not in notable and member.group:
            waiting = closed.setdefault(member.group, Closed([], []))
            waiting.nodes.append(member)
            waiting.edges.append(member_edges[member.id])
    shown = [member for member in members if member.id in notable]
    return Drawing(
        title=f"Eco-map of {ecomap.focal.name}",
        nodes=[ring.focal, *ring.nodes, *shown],
        edges=ring.lines() + [member_edges[member.id] for member in shown],
        notes=WEDGE_NOTES
        + ECOMAP_NOTES[:1]
        + ECOMAP_NOTES[2:]
        + ((DEPTH_NOTE,) if ecomap.partners_of_partners else ()),
        subtitle=heading,
        closed=closed,
    )


def summary_ring(
    summary: EcoMapSummary,
    *,
    sector_labels: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Ring:
    """The wedges of an eco-map summed up by sector, laid out as :func:`wedge_drawing` lays
    out those of the whole map."""
    labels = sector_labels or {}
    return wedge_ring(
        summary.focal,
        [Wedge.summed(sector) for sector in summary.sectors]
        + [Wedge(place.sector, place.label) for place in summary.missing_sectors],
        lambda sector: labels.get(sector, sector),
        subtitle(summary.as_of, today, summary.profile),
        summary.profile,
    )


def summary_drawing(
    summary: EcoMapSummary,
    *,
    sector_labels: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Drawing:
    """A hub's eco-map from its summary alone: the agency and a closed wedge per sector, whose
    partners :func:`wedge_partners` places when it opens.

    >>> from graph_models.ecomaps import StateCounts
    >>> hub = MapOrganization(id="hub", name="Hub", sector="wic", region=None, internal=False)
    >>> library = SectorSummary(sector="library", label="Libraries", partners=200,
    ...     states=StateCounts(green=200), referrals_sent=0, referrals_received=0, open_loops=0)
    >>> drawing = summary_drawing(EcoMapSummary(focal=hub, as_of=None, partners=200,
    ...     states=StateCounts(green=200), sectors=[library]))
    >>> [(node.id, node.kind) for node in drawing.nodes], drawing.closed
    ([('hub', 'focal'), ('wedge:library', 'sector')], {})
    """
    ring = summary_ring(summary, sector_labels=sector_labels, today=today)
    return Drawing(
        title=f"Eco-map of {summary.focal.name}",
        nodes=[ring.focal, *ring.nodes],
        edges=ring.lines(),
        notes=WEDGE_NOTES + ECOMAP_NOTES[:1] + ECOMAP_NOTES[2:],
        subtitle=subtitle(summary.as_of, today, summary.profile),
    )


def wedge_partners(
    ring: Ring, sector: str, partners: Sequence[EcoMapPartner], sector_labels: Mapping[str, str]
) -> Closed:
    """The partners of the wedge of ``sector`` on ``ring``, placed and labelled as they are
    drawn when the wedge opens, those that matter most nearest the centre."""
    index = [wedge.sector for wedge in ring.wedges].index(sector)
    group = importance(partners)
    rank = {partner.organization.id: index for index, partner in enumerate(group)}
    nodes, lines = ring.members(index, group, lambda slug: sector_labels.get(slug, slug))
    nodes = labelled(nodes, key=lambda node: (0, rank[node.id]), places=ring.label_places())
    return Closed(nodes, [lines[node.id] for node in nodes])


def _wedge_node(wedge: Wedge, at: Point, profile: str | None) -> MapNode:
    name, sector, counts = wedge.name, wedge.sector, wedge.states
    if not wedge.partners:
        return MapNode(
            id=f"missing:{sector}",
            name=name,
            label=f"{short_label(name, 22)}\nno partner yet",
            kind="missing_sector",
            x=at[0],
            y=at[1],
            size=16,
            fill="#ffffff",
            border=MISSING_BORDER,
            tooltip=f"No partner in {name}\n"
            f"An empty place of the profile {profile}: develop a partner here.",
            sector=sector,
            dashed=True,
        )
    parts = [
        f"{counts[state]} {STATE_STYLES[state].name.lower()}"
        for state in RelationshipState
        if counts[state]
    ]
    lines = [" · ".join(parts[index : index + 2]) for index in range(0, len(parts), 2)]
    state = counts.most_common(1)[0][0]
    return MapNode(
        id=f"wedge:{sector}",
        name=f"{name} ({wedge.partners})",
        label="\n".join([f"{short_label(name, 22)} ({wedge.partners})", *lines]),
        kind="sector",
        x=at[0],
        y=at[1],
        size=12 + 3 * math.log2(1 + wedge.partners),
        fill=STATE_STYLES[state].fill,
        border=STATE_STYLES[state].colour,
        tooltip=f"{name}: {wedge.partners} partners\n"
        + ", ".join(parts)
        + "\nClick to open or close.",
        sector=sector,
        state=state,
    )


def _wedge_edge(focal: str, node_id: str, wedge: Wedge) -> MapEdge:
    """The line to a wedge: the state most of its partners are in, the highest level reached,
    and arrows and counts for the referrals of all of them."""
    state = wedge.states.most_common(1)[0][0]
    sent, received = wedge.sent, wedge.received
    counts = [
        f"{count} {word}" for count, word in ((sent, "sent"), (received, "received")) if count
    ]
    return MapEdge(
        id=f"{focal}~{node_id}",
        source=focal,
        target=node_id,
        state=state,
        width=line_width(wedge.level),
        tooltip=f"{wedge.name}: {wedge.partners} partners, "
        f"mostly {STATE_STYLES[state].name.lower()}"
        + _level_line(wedge.level)
        + f"\nReferrals: {sent} sent, {received} received",
        arrow_to=sent > 0,
        arrow_from=received > 0,
        label=" · ".join(counts),
    )


def _partner_node(
    partner: EcoMapPartner,
    at: Point,
    size: float,
    sector_name: Callable[[str], str],
    group: str | None = None,
) -> MapNode:
    """A partner, coloured by the state of its relationship; in a wedge, a smaller one."""
    org, style = partner.organization, STATE_STYLES[partner.state]
    return MapNode(
        id=org.id,
        name=org.name,
        label=short_label(org.name, 24 if group else 28),
        kind="partner",
        x=at[0],
        y=at[1],
        size=size,
        fill=style.fill,
        border=style.colour,
        tooltip=_organization_lines(org, sector_name) + _partner_lines(partner),
        sector=org.sector,
        state=partner.state,
        group=group,
    )


def _focal_node(focal: MapOrganization, sector_name: Callable[[str], str], heading: str) -> MapNode:
    """The agency in the centre, its tooltip ending with the day and profile of the map."""
    return MapNode(
        id=focal.id,
        name=focal.name,
        label=short_label(focal.name),
        kind="focal",
        x=0.0,
        y=0.0,
        size=34,
        fill=FOCAL_COLOUR,
        border=FOCAL_COLOUR,
        tooltip=_organization_lines(focal, sector_name) + "\n" + heading,
        sector=focal.sector,
    )


def _partners_of_partners(
    ecomap: EcoMap,
    positions: Mapping[str, Point],
    edges: list[MapEdge],
    shown: Callable[[str, RelationshipState | None], bool],
    sector_name: Callable[[str], str],
) -> list[MapNode]:
    """The outer ring, placed near the partners each is reached through; adds their lines."""
    outer = []
    for far in ecomap.partners_of_partners:
        links = [
            link
            for link in far.via
            if link.partner_id in positions and shown(far.organization.sector, link.state)
        ]
        if links:
            outer.append((far.organization, links))
    inner = max((abs(complex(*point)) for point in positions.values()), default=0.0)
    wanted = [
        mean_angle([angle_of(positions[link.partner_id]) for link in links]) for _, links in outer
    ]
    nodes = []
    for (org, links), (x, y) in zip(
        outer, outer_positions(wanted, inner_radius=inner), strict=True
    ):
        via = ", ".join(sorted(link.partner_id for link in links))
        nodes.append(
            MapNode(
                id=org.id,
                name=org.name,
                label=short_label(org.name, 24),
                kind="partner_of_partner",
                x=x,
                y=y,
                size=11,
                fill=NEUTRAL_FILL,
                border=NEUTRAL_BORDER,
                tooltip=_organization_lines(org, sector_name) + f"\nPartner of: {via}",
                sector=org.sector,
            )
        )
        for link in links:
            style = STATE_STYLES[link.state]
            edges.append(
                MapEdge(
                    id=link.relationship_id,
                    source=link.partner_id,
                    target=org.id,
                    state=link.state,
                    width=1.0,
                    tooltip=f"{style.name}: {link.state.guidance} ({style.line})",
                )
            )
    return nodes


def _partner_edge(focal: str, partner: EcoMapPartner, *, told: bool = True) -> MapEdge:
    """The line to a partner: style by state, weight by level, arrows and counts by referrals;
    without ``told``, no counts on it and no tooltip (the partner's tells the same)."""
    counts = [
        f"{count} {word}"
        for count, word in (
            (partner.referrals_sent, "sent"),
            (partner.referrals_received, "received"),
        )
        if count
    ]
    return MapEdge(
        id=partner.relationship_id,
        source=focal,
        target=partner.organization.id,
        state=partner.state,
        width=line_width(partner.partnership_level),
        tooltip=_line_words(partner.state)
        + _level_line(partner.partnership_level)
        + _referral_line(partner)
        if told
        else "",
        arrow_to=partner.referrals_sent > 0,
        arrow_from=partner.referrals_received > 0,
        label=" · ".join(counts) if told else "",
    )


@cache
def _line_words(state: RelationshipState) -> str:
    """What a line of ``state`` means, as its tooltip starts: ``Red (stressful): Heal...``."""
    style = STATE_STYLES[state]
    return f"{style.name} ({style.line}): {state.guidance}"


def _organization_lines(org: MapOrganization, sector_name: Callable[[str], str]) -> str:
    where = f" · {org.region}" if org.region else ""
    internal = "\nInternal unit" if org.internal else ""
    return f"{org.name}\n{sector_name(org.sector)}{where}{internal}"


def _partner_lines(partner: EcoMapPartner) -> str:
    style = STATE_STYLES[partner.state]
    return (
        f"\n{style.name} — {partner.action}: {partner.state.guidance}"
        f"\nIn this state since {partner.state_since.date().isoformat()}"
        + _level_line(partner.partnership_level)
        + _referral_line(partner)
    )


def _level_line(level: int | None) -> str:
    return f"\nPartnership level {level}" if level is not None else "\nPartnership level not known"


def _referral_line(partner: EcoMapPartner) -> str:
    return (
        f"\nReferrals: {partner.referrals_sent} sent, {partner.referrals_received} received, "
        f"{partner.open_loops} open loops"
    )


GROUPINGS = ("sector", "community")
"""How a region map groups its organizations: by sector, or by detected communities."""
RING_STEP = 320.0
"""The distance between the rings of a focused map, one ring per step from the focus."""


def region_drawing(
    region_map: RegionMap,
    *,
    sector_labels: Mapping[str, str] | None = None,
    sectors: Collection[str] = (),
    states: Collection[RelationshipState] = (),
    grouping: str = "sector",
    focus: str | None = None,
    depth: int = 1,
    today: date | None = None,
) -> Drawing:
    """Every organization of a region in labelled clusters, and the relationships among them;
    organizations without any relationship are listed apart (``Drawing.apart``).

    ``grouping`` is ``sector`` or ``community`` (networkx's Louvain communities, with a fixed
    seed so that the same network gives the same map). With ``focus``, only that organization
    and those within ``depth`` relationships of it, on rings around it, its partners coloured
    by the state of their relationship with it. ``sectors`` keeps only the organizations of
    those sectors, ``states`` only the relationships in those states (all when empty).
    Positions are final (physics off).

    >>> from graph_models.ecomaps import MapRelationship
    >>> org = lambda id: MapOrganization(id=id, name=id.upper(), sector="wic", region="Lane",
    ...     internal=False)
    >>> rel = MapRelationship(id="a~b", org_a="a", org_b="b", state="green")
    >>> drawing = region_drawing(RegionMap(region="Lane", as_of=None,
    ...     organizations=[org("a"), org("b"), org("c")], relationships=[rel]))
    >>> [(n.id, n.kind) for n in drawing.nodes], [o.id for o in drawing.apart]
    ([('cluster:wic', 'cluster'), ('a', 'organization'), ('b', 'organization')], ['c'])
    """
    labels = sector_labels or {}

    def sector_name(sector: str) -> str:
        return labels.get(sector, sector)

    shown = {
        org.id: org for org in region_map.organizations if not sectors or org.sector in sectors
    }
    relationships = [
        rel
        for rel in region_map.relationships
        if rel.org_a in shown and rel.org_b in shown and (not states or rel.state in states)
    ]
    graph = nx.Graph()
    graph.add_nodes_from(shown)
    graph.add_edges_from((rel.org_a, rel.org_b, {"state": rel.state}) for rel in relationships)
    if focus is not None:
        graph = graph.subgraph(nx.single_source_shortest_path_length(graph, focus, depth)).copy()
    apart = tuple(shown[org_id] for org_id in sorted(nx.isolates(graph)))
    # A graph of its own rather than a view without them: a view filters every look-up.
    graph.remove_nodes_from(org.id for org in apart)
    clusters = _clusters(graph, shown, grouping, sector_name)
    cluster_of = {org_id: name for name, members in clusters for org_id in members}
    if focus is None:
        cluster_nodes, places = _packed(clusters, graph)
    else:
        cluster_nodes, places = [], _rings(graph, focus, cluster_of, shown)
    nodes = [
        _region_node(shown[org_id], places[org_id], graph, focus, cluster_of, sector_name)
        for org_id in places
    ]
    nodes = labelled(
        cluster_nodes + nodes,
        key=lambda node: (
            KIND_ORDER[node.kind],
            -graph.degree(node.id) if node.id in graph else 0,
        ),
    )
    edges = [
        MapEdge(
            id=rel.id,
            source=rel.org_a,
            target=rel.org_b,
            state=rel.state,
            width=BASE_WIDTH,
            tooltip=f"{shown[rel.org_a].name} — {shown[rel.org_b].name}\n{_line_words(rel.state)}",
        )
        for rel in relationships
        if rel.org_a in places and rel.org_b in places
    ]
    title = f"Network of {region_map.region}"
    if focus is not None:
        title += f" around {shown[focus].name}"
    by = "sector" if grouping == "sector" else "detected community"
    notes = (
        f"Organizations grouped by {by}; the lines take the state of each relationship.",
        *(
            ["Partners of the organization in focus take the state of their relationship."]
            if focus
            else []
        ),
    )
    return Drawing(
        title=title,
        nodes=nodes,
        edges=edges,
        notes=notes,
        subtitle=subtitle(region_map.as_of, today),
        apart=apart,
    )


def _clusters(
    graph: nx.Graph,
    shown: Mapping[str, MapOrganization],
    grouping: str,
    sector_name: Callable[[str], str],
) -> list[tuple[str, list[str]]]:
    """Each cluster's name and members, largest first; members by relationships, most first."""
    if grouping == "community":
        found = nx.community.louvain_communities(graph, seed=7) if graph else []
        groups = []
        for members in found:
            common = Counter(sector_name(shown[org_id].sector) for org_id in members)
            groups.append((f"mostly {common.most_common(1)[0][0]}", list(members)))
    else:
        by_sector: dict[str, list[str]] = {}
        for org_id in graph:
            by_sector.setdefault(sector_name(shown[org_id].sector), []).append(org_id)
        groups = list(by_sector.items())
    groups.sort(key=lambda group: (-len(group[1]), group[0], min(group[1])))
    if grouping == "community":
        groups = [
            (f"Community {n}: {name}", members) for n, (name, members) in enumerate(groups, 1)
        ]
    return [
        (name, sorted(members, key=lambda org_id: (-graph.degree(org_id), shown[org_id].name)))
        for name, members in groups
    ]


def _organizations(count: int) -> str:
    """How many organizations a cluster holds, in words.

    >>> _organizations(1), _organizations(5)
    ('1 organization', '5 organizations')
    """
    return f"{count} organization{'' if count == 1 else 's'}"


def _packed(
    clusters: Sequence[tuple[str, Sequence[str]]], graph: nx.Graph
) -> tuple[list[MapNode], dict[str, Point]]:
    """Each cluster a disc, its best connected organizations in the middle, the discs packed
    side by side; a label above each disc."""
    titles = [
        f"{short_label(name, 40)}\n{_organizations(len(members))}" for name, members in clusters
    ]
    # Cluster labels big enough to read when the whole region fits the screen.
    extent = math.sqrt(sum((2 * disc_radius(len(m)) + CLUSTER_SPACING) ** 2 for _, m in clusters))
    font = max(font_size("cluster"), 1.5 * extent / 55)
    radii = [
        max(disc_radius(len(members)), label_box(0, 0, 0, title, font)[2] + 10)
        for (_, members), title in zip(clusters, titles, strict=True)
    ]
    places: dict[str, Point] = {}
    labels = []
    # Room between the rows for the two lines of a label above each disc.
    centres = pack_discs(radii, gap=CLUSTER_GAP + 2 * LINE_HEIGHT * font)
    for (name, members), title, (cx, cy) in zip(clusters, titles, centres, strict=True):
        for org_id, (x, y) in zip(members, sunflower(len(members)), strict=True):
            places[org_id] = (cx + x, cy + y)
        top = cy - disc_radius(len(members)) - 2.6 * font - CLUSTER_SPACING / 2
        labels.append(
            MapNode(
                id=f"cluster:{name}",
                name=name,
                label=title,
                kind="cluster",
                x=cx,
                y=top,
                size=1,
                fill="#ffffff",
                border="#ffffff",
                tooltip=f"{name}\n{_organizations(len(members))}",
                group=name,
                font=font,
            )
        )
    return labels, places


def _rings(
    graph: nx.Graph, focus: str, cluster_of: Mapping[str, str], shown: Mapping[str, MapOrganization]
) -> dict[str, Point]:
    """The organization in focus in the middle; each ring the organizations one step further,
    by cluster and name."""
    distance = nx.single_source_shortest_path_length(graph, focus)
    rings: dict[int, list[str]] = {}
    for org_id, steps in distance.items():
        rings.setdefault(steps, []).append(org_id)
    places: dict[str, Point] = {focus: (0.0, 0.0)}
    radius = 0.0
    for steps in sorted(rings)[1:]:
        ring = sorted(rings[steps], key=lambda o: (cluster_of.get(o, ""), shown[o].name, o))
        radius = max(radius + RING_STEP, len(ring) * CLUSTER_SPACING / (2 * math.pi))
        for index, org_id in enumerate(ring):
            places[org_id] = polar(radius, 2 * math.pi * index / len(ring))
    return places


def _region_node(
    org: MapOrganization,
    at: Point,
    graph: nx.Graph,
    focus: str | None,
    cluster_of: Mapping[str, str],
    sector_name: Callable[[str], str],
) -> MapNode:
    counts = Counter(data["state"] for data in graph.adj[org.id].values())
    state = graph.edges[focus, org.id]["state"] if focus and graph.has_edge(focus, org.id) else None
    fill, border = (
        (STATE_STYLES[state].fill, STATE_STYLES[state].colour)
        if state
        else (NEUTRAL_FILL, NEUTRAL_BORDER)
    )
    if org.id == focus:
        fill = border = FOCAL_COLOUR
    return MapNode(
        id=org.id,
        name=org.name,
        label=short_label(org.name, 24),
        kind="focal" if org.id == focus else "organization",
        x=at[0],
        y=at[1],
        size=20 if org.id == focus else 10,
        fill=fill,
        border=border,
        tooltip=_organization_lines(org, sector_name)
        + (f"\nIn {cluster_of[org.id]}" if org.id in cluster_of else "")
        + _state_counts(counts, "Relationships in the region"),
        sector=org.sector,
        state=state,
        group=cluster_of.get(org.id),
    )


def _state_counts(counts: Counter[RelationshipState], heading: str) -> str:
    """A tooltip line such as ``Relationships in the region: 3 green, 1 red``."""
    parts = [
        f"{counts[state]} {STATE_STYLES[state].name.lower()}"
        for state in RelationshipState
        if counts[state]
    ]
    return f"\n{heading}: {', '.join(parts) or 'none'}"
