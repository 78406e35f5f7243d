"""What the service reads from the graph about each partnership: its health and its plan."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from graph_models.common import ReadModel
from graph_models.enums import EngagementKind, RelationshipState
from graph_models.surveys import RelationshipResult, SurveyRound

SURVEY_FIELD = (
    "What the agency's latest survey round (`survey_round`) says of this relationship: trust "
    "and value, answers per side, the state respondents point to and a flag where it differs "
    "from the assessment; figures only where at least three answered (`shown`, `withheld`). "
    "Null when the round did not ask about it or no round ran."
)
ROUND_FIELD = (
    "The agency's latest survey round started by the day of the answer, whose results the "
    "partners' `survey` give; null when it ran none."
)


class HealthSignals(ReadModel):
    """The signals a suggested state is drawn from."""

    last_engagement: dt.date | None = Field(
        description="The latest held touchpoint or referral between the two, if any."
    )
    days_since_engagement: int | None
    referrals_sent: int = Field(description="Referrals to the partner in the window.")
    referrals_received: int = Field(description="Referrals from the partner in the window.")
    sent_without_feedback: int = Field(description="Of those sent, how many have no feedback.")
    received_without_feedback: int = Field(
        description="Of those received, how many have no feedback."
    )
    level: int = Field(description="The partnership level now, 0 when there is no evidence.")
    level_a_year_ago: int


class RelationshipHealth(ReadModel):
    """A suggested state for one relationship, why, and where it disagrees with the assessment.

    The assessed state stays the state of record; the suggestion only informs the next
    assessment.
    """

    partner_id: str
    assessed: RelationshipState | None = Field(
        description="The state of record, the latest assessment; none if never assessed."
    )
    suggested: RelationshipState
    action: str = Field(description="What the suggested state asks for.")
    explanation: str = Field(description="The signals behind the suggestion, in plain words.")
    flag: str | None = Field(
        description="Set when the suggestion disagrees with the assessed state, saying why."
    )
    signals: HealthSignals
    survey: RelationshipResult | None = Field(default=None, description=SURVEY_FIELD)


class RelationshipHealthReport(ReadModel):
    """Suggested states for every partner of one organization, as of a date."""

    org_id: str
    as_of: dt.date
    window_days: int = Field(description="How far back referrals are counted.")
    partners: list[RelationshipHealth] = Field(description="Flagged first, then by partner id.")
    survey_round: SurveyRound | None = Field(default=None, description=ROUND_FIELD)


class PlanContact(ReadModel):
    """Who takes part: a contact at the partner or at the focal organization."""

    id: str
    org_id: str
    name: str
    role: str


class Touchpoint(ReadModel):
    """A held engagement activity."""

    id: str
    title: str
    kind: EngagementKind
    date: dt.date


class PlannedActivity(ReadModel):
    """A row of the plan-and-timeline table: who, in what format, when."""

    id: str
    title: str
    format: EngagementKind
    date: dt.date
    who: list[PlanContact]
    overdue: bool = Field(description="Still planned, and dated before today.")


class PlanPartner(ReadModel):
    """One partner in the engagement plan."""

    partner_id: str
    name: str
    sector: str
    assessed_at: dt.datetime = Field(description="When the current state was assessed.")
    last_touchpoint: Touchpoint | None
    planned: list[PlannedActivity] = Field(description="Planned activities, by date.")
    overdue: bool = Field(description="Whether any planned activity is overdue.")
    survey: RelationshipResult | None = Field(default=None, description=SURVEY_FIELD)


class PlanGroup(ReadModel):
    """The partners in one state and what that state asks for."""

    state: RelationshipState
    action: str = Field(description="keep, improve, heal or develop.")
    guidance: str
    partners: list[PlanPartner] = Field(
        description="By name; to heal (red), those a survey round shows by trust first, "
        "lowest first, then the others by name."
    )


class EngagementPlan(ReadModel):
    """Partners grouped by state: green (keep), yellow (improve), red (heal), no dot (develop)."""

    org_id: str
    today: dt.date = Field(description="The day states are read and overdue plans are judged.")
    groups: list[PlanGroup] = Field(description="green, yellow, red, no_dot, always all four.")
    overdue: int = Field(description="How many planned activities are overdue in all.")
    survey_round: SurveyRound | None = Field(default=None, description=ROUND_FIELD)
