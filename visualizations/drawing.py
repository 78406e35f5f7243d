"""Maps laid out as drawings: positioned nodes and lines whose every text is plain text.

A drawing is made from an analytics result (an :class:`~graph_models.ecomaps.EcoMap` or a
:class:`~graph_models.ecomaps.RegionMap`) and nothing else; the page and the SVG export both
draw it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from graph_models import RelationshipState
from graph_models.ecomaps import (
    EcoMap,
    EcoMapPartner,
    MapOrganization,
    MapRelationship,
    MissingSector,
    RegionMap,
)
from visualizations.layout import (
    Point,
    angle_of,
    mean_angle,
    outer_positions,
    ring_positions,
    sector_clusters,
)
from visualizations.style import (
    BASE_WIDTH,
    FOCAL_COLOUR,
    MISSING_BORDER,
    NEUTRAL_BORDER,
    NEUTRAL_FILL,
    STATE_STYLES,
    line_width,
    short_label,
)

INTERACTIVE_LIMIT = 300
"""Up to this many organizations a region map settles with physics in the browser; beyond
it, the positions computed here are final and physics stays off."""
GROUP_LIMIT = 2000
"""Beyond this many organizations a region map shows one node per sector."""


@dataclass(frozen=True)
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
class Drawing:
    """A whole map. ``settled`` is true when the positions are final (physics off);
    ``notes`` are what the legend says beyond the states."""

    title: str
    nodes: list[MapNode]
    edges: list[MapEdge]
    settled: bool = True
    notes: tuple[str, ...] = ()


ECOMAP_NOTES = (
    "Dashed empty circle: a sector of the profile with no partner yet.",
    "Small grey circle: a partner of a partner.",
    "The heavier the line, the higher the partnership level (1 to 6).",
    "Arrows show the direction of referrals, with their counts on the line.",
)


def ecomap_drawing(
    ecomap: EcoMap,
    *,
    sector_labels: Mapping[str, str] | None = None,
    sectors: Collection[str] = (),
    states: Collection[RelationshipState] = (),
) -> Drawing:
    """The eco-map as a drawing: the agency in the centre, partners and empty places around it
    (grouped by sector), partners of partners outside.

    Around the ring, partners go by sector, then state, then name. ``sectors`` and ``states``
    keep only the partners of those sectors and states (all when empty); the state of a partner
    of a partner is that of its line.

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
    order = list(RelationshipState)
    ring: list[tuple[str, int, str, EcoMapPartner | MissingSector]] = [
        (sector_name(p.organization.sector), order.index(p.state), p.organization.name, p)
        for p in partners
    ] + [(m.label, len(order), m.label, m) for m in places]
    ring.sort(key=lambda item: item[:3])
    focal = ecomap.focal
    nodes = [
        MapNode(
            id=focal.id,
            name=focal.name,
            label=short_label(focal.name),
            kind="focal",
            x=0.0,
            y=0.0,
            size=34,
            fill=FOCAL_COLOUR,
            border=FOCAL_COLOUR,
            tooltip=_organization_lines(focal, sector_name) + _as_of_line(ecomap.as_of),
            sector=focal.sector,
        )
    ]
    edges: list[MapEdge] = []
    positions: dict[str, Point] = {}
    for (_, _, _, item), (x, y) in zip(ring, ring_positions(len(ring)), strict=True):
        if isinstance(item, EcoMapPartner):
            org = item.organization
            style = STATE_STYLES[item.state]
            positions[org.id] = (x, y)
            nodes.append(
                MapNode(
                    id=org.id,
                    name=org.name,
                    label=short_label(org.name),
                    kind="partner",
                    x=x,
                    y=y,
                    size=18,
                    fill=style.fill,
                    border=style.colour,
                    tooltip=_organization_lines(org, sector_name) + _partner_lines(item),
                    sector=org.sector,
                    state=item.state,
                )
            )
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
    return Drawing(title=f"Eco-map of {focal.name}", nodes=nodes, edges=edges, notes=ECOMAP_NOTES)


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


def _partner_edge(focal: str, partner: EcoMapPartner) -> MapEdge:
    """The line to a partner: style by state, weight by level, arrows and counts by referrals."""
    style = STATE_STYLES[partner.state]
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
        tooltip=f"{style.name} ({style.line}): {partner.state.guidance}"
        + _level_line(partner.partnership_level)
        + _referral_line(partner),
        arrow_to=partner.referrals_sent > 0,
        arrow_from=partner.referrals_received > 0,
        label=" · ".join(counts),
    )


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


def _as_of_line(as_of: datetime | None) -> str:
    return f"\nAs of {as_of.date().isoformat()}" if as_of else ""


def region_drawing(
    region_map: RegionMap,
    *,
    sector_labels: Mapping[str, str] | None = None,
    sectors: Collection[str] = (),
    states: Collection[RelationshipState] = (),
) -> Drawing:
    """Every organization of a region, grouped by sector, and the relationships among them;
    beyond :data:`GROUP_LIMIT` organizations, one node per sector instead.

    ``sectors`` keeps only the organizations of those sectors, ``states`` only the
    relationships in those states (all when empty).

    >>> from datetime import UTC
    >>> org = MapOrganization(id="a", name="A", sector="wic", region="Lane", internal=False)
    >>> drawing = region_drawing(RegionMap(region="Lane", as_of=None, organizations=[org],
    ...     relationships=[]))
    >>> [n.id for n in drawing.nodes], drawing.settled
    (['a'], False)
    """
    labels = sector_labels or {}

    def sector_name(sector: str) -> str:
        return labels.get(sector, sector)

    by_sector: dict[str, list[MapOrganization]] = {}
    for org in region_map.organizations:
        if not sectors or org.sector in sectors:
            by_sector.setdefault(sector_name(org.sector), []).append(org)
    groups = [by_sector[name] for name in sorted(by_sector)]
    shown = {org.id: org for group in groups for org in group}
    relationships = [
        rel
        for rel in region_map.relationships
        if rel.org_a in shown and rel.org_b in shown and (not states or rel.state in states)
    ]
    title = f"Network of {region_map.region}"
    if len(shown) > GROUP_LIMIT:
        return _sectors_drawing(title, groups, relationships, shown, sector_name)
    places = sector_clusters([[org.id for org in group] for group in groups])
    counts: dict[str, Counter[RelationshipState]] = {}
    for rel in region_map.relationships:
        for org_id in (rel.org_a, rel.org_b):
            counts.setdefault(org_id, Counter())[rel.state] += 1
    nodes = [
        MapNode(
            id=org.id,
            name=org.name,
            label=short_label(org.name),
            kind="organization",
            x=places[org.id][0],
            y=places[org.id][1],
            size=14,
            fill=NEUTRAL_FILL,
            border=NEUTRAL_BORDER,
            tooltip=_organization_lines(org, sector_name)
            + _state_counts(counts.get(org.id, Counter()), "Relationships in the region"),
            sector=org.sector,
        )
        for org in shown.values()
    ]
    edges = [
        MapEdge(
            id=rel.id,
            source=rel.org_a,
            target=rel.org_b,
            state=rel.state,
            width=BASE_WIDTH,
            tooltip=f"{shown[rel.org_a].name} — {shown[rel.org_b].name}\n"
            f"{STATE_STYLES[rel.state].name} ({STATE_STYLES[rel.state].line}): "
            f"{rel.state.guidance}",
        )
        for rel in relationships
    ]
    return Drawing(title=title, nodes=nodes, edges=edges, settled=len(nodes) > INTERACTIVE_LIMIT)


def _sectors_drawing(
    title: str,
    groups: list[list[MapOrganization]],
    relationships: list[MapRelationship],
    shown: Mapping[str, MapOrganization],
    sector_name: Callable[[str], str],
) -> Drawing:
    """One node per sector, sized by its organizations, and one line per pair of sectors,
    styled after the state most of their relationships are in."""
    between: dict[tuple[str, str], Counter[RelationshipState]] = {}
    for rel in relationships:
        pair = sorted((shown[rel.org_a].sector, shown[rel.org_b].sector))
        between.setdefault((pair[0], pair[1]), Counter())[rel.state] += 1
    nodes = []
    for group, (x, y) in zip(groups, ring_positions(len(groups)), strict=True):
        sector = group[0].sector
        nodes.append(
            MapNode(
                id=f"sector:{sector}",
                name=f"{sector_name(sector)} ({len(group)})",
                label=f"{short_label(sector_name(sector))} ({len(group)})",
                kind="sector",
                x=x,
                y=y,
                size=10 + 3 * math.sqrt(len(group)),
                fill=NEUTRAL_FILL,
                border=NEUTRAL_BORDER,
                tooltip=f"{sector_name(sector)}\n{len(group)} organizations"
                + _state_counts(between.get((sector, sector), Counter()), "Within the sector"),
                sector=sector,
            )
        )
    edges = [
        MapEdge(
            id=f"sector:{a}~sector:{b}",
            source=f"sector:{a}",
            target=f"sector:{b}",
            state=counts.most_common(1)[0][0],
            width=BASE_WIDTH + math.log2(counts.total()),
            tooltip=f"{sector_name(a)} — {sector_name(b)}"
            + _state_counts(counts, "Relationships between them"),
        )
        for (a, b), counts in sorted(between.items())
        if a != b
    ]
    notes = (
        f"{len(shown)} organizations: one circle per sector, sized by its organizations; "
        "a line's style follows the state most of its relationships are in. "
        "Choose a sector to see its organizations.",
    )
    return Drawing(title=title, nodes=nodes, edges=edges, notes=notes)


def _state_counts(counts: Counter[RelationshipState], heading: str) -> str:
    """A tooltip line such as ``Relationships in the region: 3 green, 1 red``."""
    parts = [
        f"{counts[state]} {STATE_STYLES[state].name.lower()}"
        for state in RelationshipState
        if counts[state]
    ]
    return f"\n{heading}: {', '.join(parts) or 'none'}"
