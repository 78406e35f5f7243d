"""The stakeholder engagement plan: partners grouped by state, each with what comes next.

After "Stakeholder Engagement Plan: How, Who, When" (reference 001) and the plan-and-timeline
table of reference 000: for each partner the last touchpoint, and the planned activities with
who takes part, in what format and when. A planned activity dated before today is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import networkx as nx

from graph_models import Contact, Engagement, EngagementStatus, RelationshipState
from graph_models.common import end_of_day
from graph_models.partnerships import (
    EngagementPlan,
    PlanContact,
    PlanGroup,
    PlannedActivity,
    PlanPartner,
    Touchpoint,
)
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


def engagement_plan(
    focal: str,
    graph: nx.Graph,
    *,
    engagements: Iterable[Engagement],
    contacts: Iterable[Contact] = (),
    today: date,
    survey: RoundResults | None = None,
) -> EngagementPlan:
    """Group the partners of ``focal`` by their state as of ``today`` and plan each one.

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
    EngagementPlan
        Four groups, green, yellow, red and no dot, each with its action.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> g = nx.Graph()
    >>> g.add_node("eld", name="ELD", sector="state_agency")
    >>> g.add_node("hub", name="Hub", sector="early_learning_hub")
    >>> g.add_edge("eld", "hub",
    ...     history=[(datetime(2018, 1, 2, tzinfo=UTC), RelationshipState.RED)])
    >>> plan = engagement_plan("eld", g, engagements=[], today=date(2018, 2, 1))
    >>> [(group.action, [p.partner_id for p in group.partners]) for group in plan.groups]
    [('keep', []), ('improve', []), ('heal', ['hub']), ('develop', [])]
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
    grouped: dict[RelationshipState, list[PlanPartner]] = {state: [] for state in RelationshipState}
    for partner, (assessed_at, state) in states_as_of(graph, focal, today).items():
        involved = involving.get(partner, [])
        held = [e for e in involved if e.status is EngagementStatus.HELD and e.date <= today]
        planned = [
            PlannedActivity(
                id=e.id,
                title=e.title,
                format=e.kind,
                date=e.date,
                who=[
                    PlanContact.model_validate(people[c], from_attributes=True)
                    for c in e.contact_ids
                    if c in people and people[c].org_id in (partner, focal)
                ],
                overdue=e.date < today,
            )
            for e in involved
            if e.status is EngagementStatus.PLANNED
        ]
        node = graph.nodes[partner]
        grouped[state].append(
            PlanPartner(
                partner_id=partner,
                name=node["name"],
                sector=node["sector"],
                assessed_at=assessed_at,
                last_touchpoint=Touchpoint.model_validate(held[-1], from_attributes=True)
                if held
                else None,
                planned=planned,
                overdue=any(activity.overdue for activity in planned),
                survey=said.get(partner),
            )
        )
    groups = [
        PlanGroup(
            state=state,
            action=state.action,
            guidance=state.guidance,
            partners=sorted(
                partners, key=_lowest_trust_first if state is RelationshipState.RED else _by_name
            ),
        )
        for state, partners in grouped.items()
    ]
    overdue = {a.id for g in groups for p in g.partners for a in p.planned if a.overdue}
    return EngagementPlan(
        org_id=focal,
        today=today,
        groups=groups,
        overdue=len(overdue),
        survey_round=survey.round if survey else None,
    )


def _by_name(partner: PlanPartner) -> tuple[str, str]:
    return partner.name, partner.partner_id


def _lowest_trust_first(partner: PlanPartner) -> tuple[bool, float, str, str]:
    """Those a survey shows, by trust, lowest first (heal there first), then the others."""
    trust = partner.survey.trust if partner.survey else None
    return trust is None, trust or 0.0, partner.name, partner.partner_id
