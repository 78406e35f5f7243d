"""Helpers both stores share: timestamps as text, ids for new records, graph building."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import networkx as nx

from graph_models import RelationshipState, slugify

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_text(moment: datetime) -> str:
    """A timestamp as sortable UTC text.

    >>> to_text(datetime(2018, 1, 15, 9, 30, tzinfo=UTC))
    '2018-01-15T09:30:00.000000Z'
    """
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def from_text(text: str) -> datetime:
    """The timestamp written by :func:`to_text`.

    >>> from_text('2018-01-15T09:30:00.000000Z').isoformat()
    '2018-01-15T09:30:00+00:00'
    """
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def new_id(wanted: str | None, name: str, taken: Callable[[str], bool]) -> str:
    """The id of a new record: ``wanted`` when given, else a free slug made from ``name``.

    >>> new_id(None, "Latino Network", lambda slug: slug == "latino-network")
    'latino-network-2'
    """
    if wanted:
        return wanted
    base = slugify(name)[:76]
    candidate, suffix = base, 2
    while taken(candidate):
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


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


# -- partnership evidence ----


def evidence_conflict(kind: str, evidence_id: str) -> str:
    """The message when an evidence id is taken, the same on every store.

    >>> evidence_conflict("joint_program", "home-visiting-pilot")
    "joint program 'home-visiting-pilot' already exists"
    """
    return f"{kind.replace('_', ' ')} '{evidence_id}' already exists"
