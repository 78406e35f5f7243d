"""What both stores do alike with the network: building the analytics graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from graph_models import (
    RelationshipState,
)
from service.store.shared.values import from_text


def add_relationship_edge(
    graph: nx.Graph, rel_id: str, org_a: str, org_b: str, history: Iterable[tuple[str, str]]
) -> None:
    """Put a relationship into an analytics graph; ``history`` is ``(assessed_at, state)`` text.

    ``history`` comes in recording order; the edge's ``state`` is that of the latest assessment
    by ``assessed_at``, the later-recorded one on a tie.
    """
    ordered = sorted(
        ((from_text(at), RelationshipState(state)) for at, state in history), key=lambda a: a[0]
    )
    graph.add_edge(org_a, org_b, id=rel_id, state=ordered[-1][1], history=ordered)


def organization_node(row: Any) -> dict[str, Any]:
    """The node attributes of an organization row."""
    return {
        "name": row["name"],
        "sector": row["sector"],
        "region": row["region"],
        "internal": bool(row["internal"]),
    }
