"""A drawing as a standalone SVG file, for reports and slide decks.

The SVG is built as an XML tree, so every name and tooltip lands in it as escaped text.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from visualizations.drawing import Drawing, MapEdge, MapNode
from visualizations.style import MISSING_DASHES, STATE_STYLES

SVG_NS = "http://www.w3.org/2000/svg"
MARGIN = 120.0
LEGEND_HEIGHT = 240.0
MIN_WIDTH = 1100.0
"""Wide enough for the legend's longest line."""
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


def drawing_svg(drawing: Drawing) -> str:
    """``drawing`` as an SVG document: the map, then the legend beneath it.

    >>> from visualizations.drawing import Drawing, MapNode
    >>> node = MapNode(id="a", name="<b>A</b>", label="<b>A</b>", kind="focal", x=0, y=0, size=30,
    ...                fill="#000", border="#000", tooltip="A")
    >>> svg = drawing_svg(Drawing(title="Map & more", nodes=[node], edges=[]))
    >>> "&lt;b&gt;A&lt;/b&gt;" in svg and "<title>Map &amp; more</title>" in svg
    True
    """
    xs = [node.x for node in drawing.nodes] or [0.0]
    ys = [node.y for node in drawing.nodes] or [0.0]
    left, top = min(xs) - MARGIN * 1.5, min(ys) - MARGIN
    width = max(max(xs) - left + MARGIN * 1.5, MIN_WIDTH)
    apart = _apart_lines(drawing)
    height = max(ys) - top + MARGIN + LEGEND_HEIGHT + 20 * len(apart)
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"{left:.0f} {top:.0f} {width:.0f} {height:.0f}",
            "width": f"{width:.0f}",
            "height": f"{height:.0f}",
            "font-family": FONT,
        },
    )
    ET.SubElement(svg, "title").text = drawing.title
    ET.SubElement(
        svg,
        "rect",
        {"x": f"{left:.0f}", "y": f"{top:.0f}", "width": "100%", "height": "100%", "fill": "#fff"},
    )
    _arrow_markers(ET.SubElement(svg, "defs"))
    heading = ET.SubElement(
        svg,
        "text",
        {"x": f"{left + 20:.0f}", "y": f"{top + 36:.0f}", "font-size": "22", "font-weight": "600"},
    )
    heading.text = drawing.title
    if drawing.subtitle:
        ET.SubElement(
            svg,
            "text",
            {"x": f"{left + 20:.0f}", "y": f"{top + 62:.0f}", "font-size": "15", "fill": "#486581"},
        ).text = drawing.subtitle
    nodes = {node.id: node for node in drawing.nodes}
    lines = ET.SubElement(svg, "g", {"class": "edges"})
    for edge in drawing.edges:
        _edge(lines, edge, nodes[edge.source], nodes[edge.target])
    circles = ET.SubElement(svg, "g", {"class": "nodes"})
    for node in drawing.nodes:
        _node(circles, node)
    _legend(svg, left + 20, max(ys) + MARGIN, drawing.notes + apart)
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode", xml_declaration=True)


def _arrow_markers(defs: ET.Element) -> None:
    for state, style in STATE_STYLES.items():
        marker = ET.SubElement(
            defs,
            "marker",
            {
                "id": f"arrow-{state.value}",
                "viewBox": "0 0 10 10",
                "refX": "9",
                "refY": "5",
                "markerWidth": "5",
                "markerHeight": "5",
                "orient": "auto-start-reverse",
            },
        )
        ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": style.colour})


def _edge(parent: ET.Element, edge: MapEdge, source: MapNode, target: MapNode) -> None:
    """A line from the rim of ``source`` to the rim of ``target``, so arrows stay visible."""
    x1, y1, x2, y2 = source.x, source.y, target.x, target.y
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    start, end = source.size + 3, target.size + 3
    attributes = {
        "x1": f"{x1 + ux * start:.1f}",
        "y1": f"{y1 + uy * start:.1f}",
        "x2": f"{x2 - ux * end:.1f}",
        "y2": f"{y2 - uy * end:.1f}",
        "stroke": edge.colour,
        "stroke-width": f"{edge.width:g}",
        "data-state": edge.state.value,
    }
    if edge.dashes:
        attributes["stroke-dasharray"] = " ".join(str(d) for d in edge.dashes)
    if edge.arrow_to:
        attributes["marker-end"] = f"url(#arrow-{edge.state.value})"
    if edge.arrow_from:
        attributes["marker-start"] = f"url(#arrow-{edge.state.value})"
    line = ET.SubElement(parent, "line", attributes)
    ET.SubElement(line, "title").text = edge.tooltip
    if edge.label:
        label = ET.SubElement(
            parent,
            "text",
            {
                "x": f"{(x1 + x2) / 2:.1f}",
                "y": f"{(y1 + y2) / 2 - 4:.1f}",
                "font-size": "11",
                "text-anchor": "middle",
                "fill": "#334e68",
                "class": "edge-label",
            },
        )
        label.text = edge.label


def _node(parent: ET.Element, node: MapNode) -> None:
    group = ET.SubElement(parent, "g", {"class": f"node {node.kind}", "data-id": node.id})
    ET.SubElement(group, "title").text = node.tooltip
    circle = {
        "cx": f"{node.x:.1f}",
        "cy": f"{node.y:.1f}",
        "r": f"{node.size:g}",
        "fill": node.fill,
        "stroke": node.border,
        "stroke-width": "2",
    }
    if node.dashed:
        circle["stroke-dasharray"] = " ".join(str(d) for d in MISSING_DASHES)
    if node.kind != "cluster":
        ET.SubElement(group, "circle", circle)
    size = node.text_size
    for row, line in enumerate(node.label.split("\n") if node.label else []):
        ET.SubElement(
            group,
            "text",
            {
                "x": f"{node.x:.1f}",
                "y": f"{node.y + node.size + size * (1 + row * 1.25):.1f}",
                "font-size": str(size),
                "font-weight": "600" if node.kind in ("focal", "cluster", "sector") else "400",
                "text-anchor": "middle",
                "fill": "#1f2933",
            },
        ).text = line


def _apart_lines(drawing: Drawing) -> tuple[str, ...]:
    """The organizations without any relationship, a few names a line, under the legend."""
    if not drawing.apart:
        return ()
    names = [org.name for org in drawing.apart]
    lines = [f"Without any relationship ({len(names)}):"]
    for name in names:
        if len(lines) == 1 or len(lines[-1]) + len(name) > 140:
            lines.append(name)
        else:
            lines[-1] += f", {name}"
    return tuple(lines)


def _legend(svg: ET.Element, x: float, y: float, notes: tuple[str, ...]) -> None:
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    ET.SubElement(
        legend, "text", {"x": f"{x:.0f}", "y": f"{y:.0f}", "font-size": "13", "font-weight": "600"}
    ).text = "Legend"
    for row, (state, style) in enumerate(STATE_STYLES.items()):
        line_y = y + 24 + row * 24
        ET.SubElement(
            legend,
            "circle",
            {
                "cx": f"{x + 8:.0f}",
                "cy": f"{line_y:.0f}",
                "r": "7",
                "fill": style.fill,
                "stroke": style.colour,
                "stroke-width": "2",
            },
        )
        sample = {
            "x1": f"{x + 24:.0f}",
            "y1": f"{line_y:.0f}",
            "x2": f"{x + 74:.0f}",
            "y2": f"{line_y:.0f}",
            "stroke": style.colour,
            "stroke-width": "3",
        }
        if style.dashes:
            sample["stroke-dasharray"] = " ".join(str(d) for d in style.dashes)
        ET.SubElement(legend, "line", sample)
        ET.SubElement(
            legend, "text", {"x": f"{x + 86:.0f}", "y": f"{line_y + 4:.0f}", "font-size": "12"}
        ).text = (
            f"{style.name}: {state.action} — {state.guidance} ({style.line}, {style.line_words})"
        )
    notes_y = y + 24 + len(STATE_STYLES) * 24
    for row, note in enumerate(notes):
        ET.SubElement(
            legend, "text", {"x": f"{x:.0f}", "y": f"{notes_y + row * 20:.0f}", "font-size": "12"}
        ).text = note
