"""A drawing as vis-network data, built with pyvis.

The page embeds the result as JSON and draws it with the vis-network that pyvis ships, served
by the service itself. Tooltips stay plain text: the page turns each into a DOM element through
``textContent``, so no markup a user entered is ever parsed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyvis
from pyvis.network import Network

from visualizations.drawing import Drawing, MapEdge, MapNode
from visualizations.style import MISSING_DASHES

VIS_NETWORK_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
"""vis-network 9.1.2 as pyvis ships it: ``vis-network.min.js`` and ``vis-network.css``."""
STATIC_DIR = Path(__file__).parent / "static"
"""The script that draws a map in the page, and its style."""


def vis_network(drawing: Drawing) -> dict[str, Any]:
    """The ``nodes``, ``edges`` and ``options`` vis-network needs to draw ``drawing``.

    >>> from visualizations.drawing import Drawing, MapNode
    >>> node = MapNode(id="a", name="A", label="A", kind="focal", x=0, y=0, size=30, fill="#000",
    ...                border="#000", tooltip="<b>A</b>")
    >>> data = vis_network(Drawing(title="t", nodes=[node], edges=[]))
    >>> data["nodes"][0]["title"], data["options"]["physics"]["enabled"]
    ('<b>A</b>', False)
    """
    net = Network(directed=True)
    for node in drawing.nodes:
        net.add_node(node.id, **_node(node, fixed=drawing.settled))
    for edge in drawing.edges:
        net.add_edge(edge.source, edge.target, **_edge(edge))
    net.toggle_physics(not drawing.settled)
    net.options.edges.smooth.enabled = False
    net.options.interaction.hover = True
    net.options.interaction.tooltipDelay = 150
    net.options.interaction.hideEdgesOnDrag = len(drawing.edges) > 300
    net.options.physics.stabilization.iterations = 200
    net.options.physics.stabilization.updateInterval = 25
    nodes, edges, _, _, _, options = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": json.loads(options)}


def _node(node: MapNode, *, fixed: bool) -> dict[str, Any]:
    shape = {"borderDashes": list(MISSING_DASHES)} if node.dashed else {}
    bold = node.kind == "focal"
    return {
        "label": node.label,
        "shape": "dot",
        "color": {
            "background": node.fill,
            "border": node.border,
            "highlight": {"background": node.fill, "border": "#102a43"},
            "hover": {"background": node.fill, "border": "#102a43"},
        },
        "size": node.size,
        "borderWidth": 2.5 if node.kind == "partner" else 2,
        "shapeProperties": shape,
        "font": {"size": 16 if bold else 13, "color": "#1f2933", "bold": bold},
        "title": node.tooltip,
        "x": round(node.x, 1),
        "y": round(node.y, 1),
        "physics": not fixed,
        "kind": node.kind,
        "sector": node.sector,
        "state": node.state.value if node.state else None,
    }


def _edge(edge: MapEdge) -> dict[str, Any]:
    arrows = [end for end, wanted in (("to", edge.arrow_to), ("from", edge.arrow_from)) if wanted]
    return {
        "id": edge.id,
        "color": {"color": edge.colour, "highlight": edge.colour, "hover": edge.colour},
        "width": edge.width,
        "dashes": list(edge.dashes) if edge.dashes else False,
        "arrows": ", ".join(arrows),
        "label": edge.label,
        "font": {"size": 11, "align": "middle", "strokeWidth": 3},
        "title": edge.tooltip,
        "state": edge.state.value,
    }
