"""Positions computed on the server, so that a map is stable the moment it is drawn and its
SVG export shows the same picture as the page."""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]

LABEL_WIDTH = 170.0
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
