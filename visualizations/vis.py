"""A drawing as vis-network data, built with pyvis.

The page embeds the result as JSON and draws it with the vis-network that pyvis ships, served
by the service itself. Tooltips stay plain text: the page turns each into a DOM element through
``textContent``, so no markup a user entered is ever parsed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pyvis
from pyvis.network import Network

from graph_models import RelationshipState
from visualizations.drawing import MANY_LINES, Closed, Drawing, MapEdge, MapNode
from visualizations.style import MISSING_DASHES, STATE_STYLES

VIS_NETWORK_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
"""vis-network 9.1.2 as pyvis ships it: ``vis-network.min.js`` and ``vis-network.css``."""
STATIC_DIR = Path(__file__).parent / "static"
"""The script that draws a map in the page, and its style."""


def vis_network(drawing: Drawing) -> dict[str, Any]:
    """The ``nodes``, ``edges`` and ``options`` vis-network needs to draw ``drawing``; the
    partners of each closed wedge under ``closed``; the ``dash_scale`` the lines' dashes are
    drawn at and each state's ``dashes`` at the legend's length, for the page to draw them
    again as the map is zoomed; the ``title``, ``subtitle`` and ``legend`` a picture of the
    map carries.

    The options come from pyvis; nodes and edges are written here in the form pyvis gives
    them, since pyvis checks each new node against every earlier one and a hub has thousands.

    >>> from visualizations.drawing import Drawing, MapNode
    >>> node = MapNode(id="a", name="A", label="A", kind="focal", x=0, y=0, size=30, fill="#000",
    ...                border="#000", tooltip="<b>A</b>")
    >>> data = vis_network(Drawing(title="t", nodes=[node], edges=[]))
    >>> data["nodes"][0]["title"], data["options"]["physics"]["enabled"]
    ('<b>A</b>', False)
    """
    net = Network(directed=True)
    net.toggle_physics(not drawing.settled)
    net.options.edges.smooth.enabled = False
    net.options.interaction.hover = True
    net.options.interaction.tooltipDelay = 150
    net.options.interaction.hideEdgesOnDrag = len(drawing.edges) > 300
    net.options.physics.stabilization.iterations = 200
    net.options.physics.stabilization.updateInterval = 25
    options = json.loads(net.options.to_json())
    options["interaction"]["zoomView"] = True
    options["interaction"]["dragView"] = True
    if len(drawing.edges) > MANY_LINES:
        options["edges"]["color"] = {"opacity": 0.45}
    dashes = line_dashes(drawing.dash_scale)
    return {
        "nodes": [_node(node, fixed=drawing.settled) for node in drawing.nodes],
        "edges": [_edge(edge, dashes) for edge in drawing.edges],
        "options": options,
        "closed": {wedge: _group(group, dashes) for wedge, group in drawing.closed.items()},
        "dash_scale": drawing.dash_scale,
        "dashes": {state.value: pattern for state, pattern in line_dashes(1.0).items()},
        "title": drawing.title,
        "subtitle": drawing.subtitle,
        "legend": [
            {
                "fill": style.fill,
                "colour": style.colour,
                "dashes": list(style.dashes or ()),
                "text": f"{style.name}: {state.action} ({style.line_words})",
            }
            for state, style in STATE_STYLES.items()
        ],
    }


def page_data(drawing: Drawing) -> dict[str, Any]:
    """:func:`vis_network` as the page embeds it: every list of nodes and edges
    :func:`compact`, so that a map of thousands is a few megabytes less to load.

    >>> from visualizations.drawing import Drawing, MapNode
    >>> node = MapNode(id="a", name="A", label="A", kind="focal", x=0, y=0, size=30, fill="#000",
    ...                border="#000", tooltip="A")
    >>> page_data(Drawing(title="t", nodes=[node], edges=[]))["nodes"]["rest"]
    []
    """
    data = vis_network(drawing)
    return {
        **data,
        "nodes": compact(data["nodes"]),
        "edges": compact(data["edges"]),
        "closed": {wedge: _compacted(group) for wedge, group in data["closed"].items()},
    }


def wedge_data(group: Closed) -> dict[str, Any]:
    """The partners of a closed wedge as the page draws them when it opens, :func:`compact`.

    >>> from visualizations.drawing import Closed
    >>> wedge_data(Closed([], []))
    {'nodes': {'first': {}, 'rest': []}, 'edges': {'first': {}, 'rest': []}}
    """
    return _compacted(_group(group, line_dashes(1.0)))


def _group(group: Closed, dashes: Dashes) -> dict[str, list[dict[str, Any]]]:
    return {
        "nodes": [_node(node, fixed=True) for node in group.nodes],
        "edges": [_edge(edge, dashes) for edge in group.edges],
    }


def _compacted(group: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"nodes": compact(group["nodes"]), "edges": compact(group["edges"])}


def compact(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Many similar items written once each as only what sets it apart from the first item
    of its kind and state: ``{"first": {kind: item}, "rest": [{"of": kind, ...}]}``. The page
    puts each back together as ``Object.assign({}, first[of], rest)``.

    >>> compact([{"id": 1, "state": "red", "size": 9}, {"id": 2, "state": "red", "size": 9}])
    {'first': {'/red': {'id': 1, 'state': 'red', 'size': 9}}, 'rest': [{'of': '/red', 'id': 2}]}
    """
    first: dict[str, dict[str, Any]] = {}
    rest = []
    for item in items:
        kind = f"{item.get('kind', '')}/{item['state'] or ''}"
        if kind not in first:
            first[kind] = item
            continue
        template = first[kind]
        rest.append({"of": kind, **{k: v for k, v in item.items() if template.get(k) != v}})
    return {"first": first, "rest": rest}


def _node(node: MapNode, *, fixed: bool) -> dict[str, Any]:
    shape = {"borderDashes": list(MISSING_DASHES)} if node.dashed else {}
    bold = node.kind in ("focal", "cluster", "sector")
    hidden_circle = node.kind == "cluster"
    return {
        "id": node.id,
        "label": node.label,
        "shape": "dot",
        "color": {
            "background": node.fill,
            "border": node.border,
            "highlight": {"background": node.fill, "border": "#102a43"},
            "hover": {"background": node.fill, "border": "#102a43"},
        },
        "size": node.size,
        "borderWidth": 0 if hidden_circle else 2.5 if node.kind == "partner" else 2,
        "shapeProperties": shape,
        "font": {"size": node.text_size, "color": "#1f2933", "bold": bold},
        "title": node.tooltip,
        "x": round(node.x, 1),
        "y": round(node.y, 1),
        "physics": not fixed,
        "kind": node.kind,
        "name": node.name,
        "sector": node.sector,
        "state": node.state.value if node.state else None,
        "group_of": node.group,
    }


def _edge(edge: MapEdge, dashes: Dashes) -> dict[str, Any]:
    arrows = [end for end, wanted in (("to", edge.arrow_to), ("from", edge.arrow_from)) if wanted]
    colour = STATE_STYLES[edge.state].colour
    return {
        "id": edge.id,
        "from": edge.source,
        "to": edge.target,
        "color": {"color": colour, "highlight": colour, "hover": colour},
        "width": edge.width,
        "dashes": dashes[edge.state],
        "arrows": ", ".join(arrows),
        "label": edge.label,
        "font": {"size": 11, "align": "middle", "strokeWidth": 3},
        "title": edge.tooltip,
        "state": edge.state.value,
    }


Dashes = dict[RelationshipState, list[int] | Literal[False]]
"""Each state's dash pattern as vis-network takes it: False for a solid line."""


def line_dashes(scale: float) -> Dashes:
    """Each state's dash pattern, ``scale`` times its legend's length, looked up once per
    line of a map of thousands.

    >>> line_dashes(2.0)[RelationshipState.RED], line_dashes(2.0)[RelationshipState.GREEN]
    ([6, 8], False)
    """
    return {
        state: [round(d * scale) for d in style.dashes] if style.dashes else False
        for state, style in STATE_STYLES.items()
    }
