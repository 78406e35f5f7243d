"""Positions computed on the server, so that a map is stable the moment it is drawn and its
SVG export shows the same picture as the page."""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]

LABEL_WIDTH = 220.0
"""The room a label needs beside its neighbours on one ring, in pixels."""
SPACING = 75.0
"""The distance between neighbouring nodes of a sector cluster or the outer ring."""
RING_GAP = 90.0
MIN_RADIUS = 260.0
NODES_PER_RING = 12


def ring_positions(count: int, *, min_radius: float = MIN_RADIUS) -> list[Point]:
    """Places for ``count`` nodes around a centre, in order, clockwise from the top.

    Beyond a dozen nodes, neighbours alternate between up to four concentric rings, so that
    order (and so sectors) still reads as wedges while labels keep clear of each other.

    >>> [(round(x), round(y)) for x, y in ring_positions(2)]
    [(0, -260), (0, 260)]
    >>> len({round(math.hypot(x, y)) for x, y in ring_positions(300)})
    4
    """
    if count == 0:
        return []
    rings = min(4, math.ceil(count / NODES_PER_RING))
    radius = max(min_radius, LABEL_WIDTH * count / (2 * math.pi * rings))
    step = 2 * math.pi / count
    return [
        _polar(radius + (index % rings) * RING_GAP, index * step - math.pi / 2)
        for index in range(count)
    ]


def outer_positions(wanted: Sequence[float], *, inner_radius: float) -> list[Point]:
    """Places on a ring outside ``inner_radius`` for nodes that want the angles ``wanted``
    (radians, clockwise from the top), nudged apart so that none overlap.

    >>> [(round(x), round(y)) for x, y in outer_positions([0.0, 0.0], inner_radius=100)]
    [(0, -360), (74, -352)]
    """
    if not wanted:
        return []
    radius = max(inner_radius + 260.0, SPACING * len(wanted) / (2 * math.pi))
    gap = SPACING / radius
    order = sorted(range(len(wanted)), key=lambda index: wanted[index])
    angles: dict[int, float] = {}
    previous = -math.inf
    for index in order:
        angles[index] = max(wanted[index], previous + gap)
        previous = angles[index]
    return [_polar(radius, angles[index] - math.pi / 2) for index in range(len(wanted))]


def angle_of(point: Point) -> float:
    """The angle of ``point`` around the centre, clockwise from the top, in [0, 2π).

    >>> round(angle_of((1.0, 0.0)), 4)
    1.5708
    """
    return (math.atan2(point[1], point[0]) + math.pi / 2) % (2 * math.pi)


def mean_angle(angles: Sequence[float]) -> float:
    """The circular mean of ``angles``, in [0, 2π).

    >>> round(mean_angle([0.1, 2 * math.pi - 0.1]), 6)
    0.0
    """
    x = sum(math.cos(angle) for angle in angles)
    y = sum(math.sin(angle) for angle in angles)
    return math.atan2(y, x) % (2 * math.pi) if (x or y) else 0.0


def sector_clusters(groups: Sequence[Sequence[str]]) -> dict[str, Point]:
    """Places for many nodes, grouped: each group is a sunflower spiral, and the groups sit
    side by side around a circle.

    >>> places = sector_clusters([["a", "b"], ["c"]])
    >>> sorted(places)
    ['a', 'b', 'c']
    >>> places["a"] != places["c"]
    True
    """
    golden = math.pi * (3 - math.sqrt(5))
    sizes = [SPACING * math.sqrt(len(group)) + SPACING for group in groups]
    circumference = sum(2 * size for size in sizes) + SPACING * len(groups)
    radius = circumference / (2 * math.pi) if len(groups) > 1 else 0.0
    places: dict[str, Point] = {}
    travelled = 0.0
    for group, size in zip(groups, sizes, strict=True):
        travelled += size
        cx, cy = _polar(radius, travelled / max(radius, 1.0) - math.pi / 2)
        travelled += size + SPACING
        for index, node in enumerate(group):
            x, y = _polar(SPACING * math.sqrt(index), index * golden)
            places[node] = (cx + x, cy + y)
    return places


def _polar(radius: float, angle: float) -> Point:
    return (radius * math.cos(angle), radius * math.sin(angle))


# -- labels -------------------------------------------------------------------------------------

CHAR_WIDTH = 0.58
"""A character's width in ems, generous for the sans-serif faces maps are drawn in."""
LINE_HEIGHT = 1.3
"""A label line's height in ems."""
LABEL_GAP = 3.0
"""How far under its circle a label starts, as vis-network draws it."""

Box = tuple[float, float, float, float]
"""left, top, right, bottom."""


def label_box(x: float, y: float, size: float, text: str, font_size: float) -> Box:
    """The box a label of ``text`` takes under a circle of radius ``size`` at ``(x, y)``.

    >>> label_box(0, 0, 10, "ab", 10)
    (-8.8, 13.0, 8.8, 26.0)
    """
    lines = text.split("\n")
    half = (max(len(line) for line in lines) * CHAR_WIDTH * font_size) / 2 + 3
    top = y + size + LABEL_GAP
    return (x - half, top, x + half, top + len(lines) * LINE_HEIGHT * font_size)


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share any area.

    >>> overlaps((0, 0, 2, 2), (1, 1, 3, 3)), overlaps((0, 0, 1, 1), (1, 0, 2, 1))
    (True, False)
    """
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class LabelPlaces:
    """Label boxes placed so far, on a grid of cells for quick look-ups: a label is kept only
    where it overlaps none placed before it.

    >>> places = LabelPlaces()
    >>> places.place((0, 0, 50, 10)), places.place((40, 5, 90, 15)), places.place((60, 0, 99, 4))
    (True, False, True)
    """

    CELL = 120.0

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> list[tuple[int, int]]:
        cell = self.CELL
        return [
            (i, j)
            for i in range(math.floor(box[0] / cell), math.floor(box[2] / cell) + 1)
            for j in range(math.floor(box[1] / cell), math.floor(box[3] / cell) + 1)
        ]

    def free(self, box: Box) -> bool:
        """Whether ``box`` overlaps no label placed so far."""
        return not any(
            overlaps(box, other) for key in self._keys(box) for other in self._cells.get(key, ())
        )

    def place(self, box: Box) -> bool:
        """Keep ``box`` if it is free; whether it was kept."""
        if not self.free(box):
            return False
        for key in self._keys(box):
            self._cells.setdefault(key, []).append(box)
        return True


# -- wedges -------------------------------------------------------------------------------------

MEMBER_SPACING = 38.0
"""The distance between neighbouring partners inside a wedge."""
WEDGE_LABEL_ROOM = 120.0
"""The room between a wedge's circle and its first partners: where its label goes."""


def wedge_spans(counts: Sequence[int], *, min_span: float) -> list[tuple[float, float]]:
    """The start and end angle (clockwise from the top) of each wedge around a circle: each at
    least ``min_span`` wide, the rest of the circle shared by ``counts``.

    >>> [(round(a, 2), round(b, 2)) for a, b in wedge_spans([1, 3], min_span=1.0)]
    [(0.0, 2.07), (2.07, 6.28)]
    """
    if not counts:
        return []
    min_span = min(min_span, 2 * math.pi / len(counts))
    spare = 2 * math.pi - min_span * len(counts)
    total = sum(counts) or 1
    spans = []
    start = 0.0
    for count in counts:
        end = start + min_span + spare * count / total
        spans.append((start, end))
        start = end
    return spans


def wedge_members(count: int, span: tuple[float, float], inner_radius: float) -> list[Point]:
    """Places for ``count`` partners inside a wedge, row after row outwards from
    ``inner_radius``, each row centred in the wedge: the first places are the nearest.

    >>> [(round(x), round(y)) for x, y in wedge_members(2, (0.0, math.pi / 2), 100)]
    [(38, -92), (92, -38)]
    """
    places: list[Point] = []
    radius = inner_radius
    width = span[1] - span[0]
    while len(places) < count:
        room = max(1, int(width * radius / MEMBER_SPACING))
        row = min(room, count - len(places))
        step = width / row
        places += [
            _polar(radius, span[0] + step * (index + 0.5) - math.pi / 2) for index in range(row)
        ]
        radius += MEMBER_SPACING
    return places


def polar(radius: float, angle: float) -> Point:
    """The point at ``radius`` and ``angle`` (clockwise from the top).

    >>> [round(v) for v in polar(10, math.pi / 2)]
    [10, 0]
    """
    return _polar(radius, angle - math.pi / 2)


# -- clusters -----------------------------------------------------------------------------------

CLUSTER_SPACING = 46.0
"""The distance between neighbouring organizations of one cluster."""
CLUSTER_GAP = 150.0
"""The room between two clusters, their labels included."""


def sunflower(count: int, spacing: float = CLUSTER_SPACING) -> list[Point]:
    """``count`` places in a disc around the origin, the first ones at its centre.

    >>> [(round(x), round(y)) for x, y in sunflower(2, 10)]
    [(0, 0), (-7, 7)]
    """
    golden = math.pi * (3 - math.sqrt(5))
    return [_polar(spacing * math.sqrt(index), index * golden) for index in range(count)]


def disc_radius(count: int, spacing: float = CLUSTER_SPACING) -> float:
    """The radius of :func:`sunflower` of ``count`` places.

    >>> disc_radius(1, 10), disc_radius(5, 10)
    (10.0, 30.0)
    """
    return spacing * math.sqrt(max(count - 1, 0)) + spacing


def pack_discs(radii: Sequence[float], *, gap: float = CLUSTER_GAP) -> list[Point]:
    """Centres for discs of ``radii``, largest first in rows about one and a half times as
    wide as the whole is tall, the whole centred on the origin.

    >>> [(round(x), round(y)) for x, y in pack_discs([10, 10], gap=0)]
    [(-10, 0), (10, 0)]
    """
    if not radii:
        return []
    width = max(max(2 * r for r in radii), math.sqrt(sum((2 * r + gap) ** 2 for r in radii)) * 1.5)
    order = sorted(range(len(radii)), key=lambda index: -radii[index])
    centres: dict[int, Point] = {}
    rows: list[list[int]] = [[]]
    used = 0.0
    for index in order:
        size = 2 * radii[index] + gap
        if rows[-1] and used + size > width:
            rows.append([])
            used = 0.0
        rows[-1].append(index)
        used += size
    top = 0.0
    for row in rows:
        height = max(2 * radii[index] for index in row) + gap
        left = -sum(2 * radii[index] + gap for index in row) / 2
        for index in row:
            centres[index] = (left + radii[index] + gap / 2, top + height / 2)
            left += 2 * radii[index] + gap
        top += height
    return [(x, y - top / 2) for x, y in (centres[index] for index in range(len(radii)))]
