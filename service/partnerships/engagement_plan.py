"""The stakeholder engagement plan: partners grouped by state, each with what comes next.

After "Stakeholder Engagement Plan: How, Who, When" (reference 001) and the plan-and-timeline
table of reference 000: for each partner the last touchpoint, and the planned activities with
who takes part, in what format and when. A planned activity dated before today is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import networkx as nx

from graph_models import Contact, Engagement, EngagementStatus, RelationshipState
from graph_models.common import end_of_day
from graph_models.enums import TOUCHPOINT
from graph_models.surveys import RoundResults


def states_as_of(
    graph: nx.Graph, focal: str, day: date
) -> dict[str, tuple[datetime, RelationshipState]]:
    """Each partner's state of record on ``day``, with when it was assessed.

    Partners first assessed after ``day`` are left out, and so are those whose relationship
    had ended by then (``ended_at`` on or before the end of ``day``).

    Examples
    --------
    >>> from datetime import UTC
    >>> g = nx.Graph()
    >>> g.add_edge("eld", "hub", history=[
    ...     (datetime(2018, 1, 2, tzinfo=UTC), RelationshipState.RED),
    ...     (datetime(2018, 3, 1, tzinfo=UTC), RelationshipState.GREEN)])
    >>> [state.value for _, state in states_as_of(g, "eld", date(2018, 2, 1)).values()]
    ['red']
    >>> states_as_of(g, "eld", date(2018, 1, 1))
    {}
    """
    moment = end_of_day(day)
    states = {}
    for partner, edge in graph[focal].items() if focal in graph else ():
        history = edge["history"]
        # Most often the latest assessment is on or before the moment: all of it counts.
        past = (
            history
            if history and history[-1][0] <= moment
            else [step for step in history if step[0] <= moment]
        )
        if past and ("ended_at" not in edge or edge["ended_at"] > moment):
            states[partner] = past[-1]
    return states


def plan_fields(
    focal: str,
    graph: nx.Graph,
    *,
    engagements: Iterable[Engagement],
    contacts: Iterable[Contact] = (),
    today: date,
    survey: RoundResults | None = None,
) -> dict[str, Any]:
    """The fields of the :class:`EngagementPlan` of ``focal`` as of ``today``, as plain data in
    the model's order: what the route writes out once, around a hub's thousands of partners.

    Parameters
    ----------
    focal : str
        The organization whose plan this is.
    graph : networkx.Graph
        A partner graph (see ``Store.partner_graph``): nodes with ``name`` and ``sector``,
        edges with ``history``, ``(assessed_at, state)`` pairs oldest first.
    engagements : iterable of Engagement
        Engagement activities of ``focal``; held ones are touchpoints, planned ones the plan.
    contacts : iterable of Contact
        Contacts taking part in those activities, to say who takes part.
    today : date
        The day states are read on; planned activities dated before it are overdue.
    survey : RoundResults, optional
        The results of the agency's latest survey round: what it says of each relationship,
        with each partner, and those to heal that it shows come first, lowest trust first.

    Returns
    -------
    dict
        Four groups, green, yellow, red and no dot, each with its action.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> g = nx.Graph()
    >>> g.add_node("eld", name="ELD", sector="state_agency")
    >>> g.add_node("hub", name="Hub", sector="early_learning_hub")
    >>> g.add_edge("eld", "hub",
    ...     history=[(datetime(2018, 1, 2, tzinfo=UTC), RelationshipState.YELLOW)])
    >>> planned = Engagement(id="e1", kind="meeting", title="Catch up", date=date(2018, 1, 20),
    ...     status="planned", org_ids=["eld", "hub"], contact_ids=[], notes="",
    ...     created_at=datetime(2018, 1, 2, tzinfo=UTC))
    >>> fields = plan_fields("eld", g, engagements=[planned], today=date(2018, 2, 1))
    >>> [p["planned"][0]["overdue"] for p in fields["groups"][1]["partners"]], fields["overdue"]
    ([True], 1)
    """
    said = survey.by_partner() if survey else {}
    people = {contact.id: contact for contact in contacts}
    activities = sorted(
        (e for e in engagements if focal in e.org_ids), key=lambda e: (e.date, e.id)
    )
    # Each partner's activities gathered in one pass: a hub has thousands of partners.
    involving: dict[str, list[Engagement]] = {}
    for activity in activities:
        for org_id in dict.fromkeys(activity.org_ids):
            involving.setdefault(org_id, []).append(activity)
    nodes = graph.nodes
    grouped: dict[RelationshipState, list[dict[str, Any]]] = {s: [] for s in RelationshipState}
    overdue: set[str] = set()
    for partner, (assessed_at, state) in states_as_of(graph, focal, today).items():
        last_held, planned = None, []
        for e in involving.get(partner, ()):
            if e.status is EngagementStatus.PLANNED:
                planned.append(_planned(e, partner, focal, people, today))
            elif e.status is TOUCHPOINT and e.date <= today:
                last_held = e
        node = nodes[partner]
        late = [activity["id"] for activity in planned if activity["overdue"]]
        overdue.update(late)
        grouped[state].append(
            {
                "partner_id": partner,
                "name": node["name"],
                "sector": node["sector"],
                "assessed_at": assessed_at,
                "last_touchpoint": None
                if last_held is None
                else {
                    "id": last_held.id,
                    "title": last_held.title,
                    "kind": last_held.kind,
                    "date": last_held.date,
                },
                "planned": planned,
                "overdue": bool(late),
                "survey": said.get(partner),
            }
        )
    return {
        "org_id": focal,
        "today": today,
        "groups": [
            {
                "state": state,
                "action": state.action,
                "guidance": state.guidance,
                "partners": sorted(
                    partners,
                    key=_lowest_trust_first if state is RelationshipState.RED else _by_name,
                ),
            }
            for state, partners in grouped.items()
        ],
        "overdue": len(overdue),
        "survey_round": survey.round if survey else None,
    }


def _planned(
    activity: Engagement, partner: str, focal: str, people: dict[str, Contact], today: date
) -> dict[str, Any]:
    """A planned ``activity`` with ``partner``: who of the two takes part, whether overdue."""
    return {
        "id": activity.id,
        "title": activity.title,
        "format": activity.kind,
        "date": activity.date,
        "who": [
            {"id": c, "org_id": person.org_id, "name": person.name, "role": person.role}
            for c in activity.contact_ids
            if (person := people.get(c)) is not None and person.org_id in (partner, focal)
        ],
        "overdue": activity.date < today,
    }


def _by_name(partner: dict[str, Any]) -> tuple[str, str]:
    return partner["name"], partner["partner_id"]


def _lowest_trust_first(partner: dict[str, Any]) -> tuple[bool, float, str, str]:
    """Those a survey shows, by trust, lowest first (heal there first), then the others."""
    trust = partner["survey"].trust if partner["survey"] else None
    return trust is None, trust or 0.0, partner["name"], partner["partner_id"]
