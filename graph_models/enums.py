"""Enumerations of the domain: relationship states, roles, engagement kinds."""

from __future__ import annotations

from enum import StrEnum


class RelationshipState(StrEnum):
    """How a relationship stands, after the stakeholder engagement plan of reference 001.

    >>> RelationshipState("red").action
    'heal'
    """

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NO_DOT = "no_dot"

    @property
    def action(self) -> str:
        """The one-word action this state asks for: keep, improve, heal or develop."""
        return _ACTIONS[self][0]

    @property
    def guidance(self) -> str:
        """What the state asks the agency to do, in the words of the engagement plan."""
        return _ACTIONS[self][1]


_ACTIONS = {
    RelationshipState.GREEN: ("keep", "Keep positive involvement"),
    RelationshipState.YELLOW: ("improve", "Improve the relationship and enhance involvement"),
    RelationshipState.RED: ("heal", "Heal and re-involve"),
    RelationshipState.NO_DOT: ("develop", "Develop the relationship and begin involvement"),
}


class Role(StrEnum):
    """What a token may do. A caseworker belongs to one organization."""

    ADMIN = "admin"
    LEADER = "leader"
    PLANNER = "planner"
    CASEWORKER = "caseworker"


class EngagementKind(StrEnum):
    """Kinds of dated touchpoints, after the plan-and-timeline table of reference 000."""

    LISTENING_SESSION = "listening_session"
    SURVEY = "survey"
    WEBINAR = "webinar"
    OUTREACH = "outreach"
    MEETING = "meeting"
    GOVERNMENT_TO_GOVERNMENT = "government_to_government"
    NOTIFICATION = "notification"


class EngagementStatus(StrEnum):
    """Whether an engagement activity has taken place, is planned, or was planned and then
    called off (the record is kept)."""

    HELD = "held"
    PLANNED = "planned"
    CANCELLED = "cancelled"


TOUCHPOINT = EngagementStatus.HELD
"""The status of the engagement activities that are touchpoints with the organizations taking
part: the last contact that relationship health and the engagement plan count."""
