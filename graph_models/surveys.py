"""Relationship surveys: rounds, respondents and their answers, and the rules that turn
answers into results.

A leader starts a *round* for their agency: which partners, which contacts (at the partners
and inside the agency), a closing date. Each contact is a *respondent* with a personal link;
for every relationship they are asked about they rate trust (openness to communication,
reliability, shared mission) and value (influence, resources contributed, level of
involvement) on 1-4 scales, say how they see the relationship (green, yellow, red, don't
know) and may comment. After the PARTNER tool's scores, a respondent's **trust** is the mean
of their three trust items and their **value** the mean of their three value items; a
relationship's scores are the means over its respondents.

Privacy (the k rule): a relationship's figures are shown only once at least
:data:`MIN_RESPONDENTS` have answered about it; a side's figures (the agency's own staff, the
partner's) only when that side has at least as many and the other side either as many or
none, so that no answer can be worked back from the figures shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, NamedTuple

from pydantic import Field, field_validator, model_validator

from graph_models.common import Comment, Name, ReadModel, Slug, StrictModel, Timestamp
from graph_models.enums import RelationshipState

MIN_RESPONDENTS = 3
"""The k of the k rule: figures are shown only where at least this many answered."""

TRUST_ITEMS = ("openness", "reliability", "shared_mission")
VALUE_ITEMS = ("influence", "resources", "involvement")
SCALE_TOP = 4
"""Items are rated 1 (not at all) to 4 (very much)."""

WORSE_FIRST = (RelationshipState.RED, RelationshipState.YELLOW, RelationshipState.GREEN)
"""The states a respondent can point to, the one that asks most of the agency first."""


class Side(StrEnum):
    """Where a respondent works: at the agency that ran the round, or at the partner."""

    AGENCY = "agency"
    PARTNER = "partner"


class StateView(StrEnum):
    """How a respondent describes a relationship."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    DONT_KNOW = "dont_know"


Score = Annotated[int, Field(ge=1, le=SCALE_TOP, description="1 (not at all) to 4 (very much).")]


def score_band(score: float) -> RelationshipState:
    """The state a score on the 1-4 scale points to: 3 and above green, 2 and above yellow,
    below 2 red.

    >>> score_band(3.0), score_band(2.5), score_band(1.99)
    (<RelationshipState.GREEN: 'green'>, <RelationshipState.YELLOW: 'yellow'>, \
<RelationshipState.RED: 'red'>)
    """
    if score >= 3:
        return RelationshipState.GREEN
    if score >= 2:
        return RelationshipState.YELLOW
    return RelationshipState.RED


# -- rounds ----------------------------------------------------------------------------------


class SurveyRoundCreate(StrictModel):
    """A new round: the agency that runs it, who is asked about which partners, and the close.

    Every contact must work at the agency or at one of ``partner_ids``; a contact at a
    partner is asked about that relationship, a contact at the agency about all of them.
    """

    org_id: Slug = Field(description="The agency that runs the round.")
    title: Name = Field(examples=["Spring 2027 partner survey"])
    closes_at: Timestamp = Field(description="When links stop working and answers are final.")
    partner_ids: list[Slug] = Field(
        default=[],
        max_length=2000,
        description="The partners whose relationships are asked; for a collaborative's round, "
        "left empty, every fellow member the agency has a relationship with.",
    )
    contact_ids: list[Slug] = Field(
        min_length=1,
        max_length=5000,
        description="The respondents: contacts at the agency and at the partners.",
    )

    @field_validator("partner_ids", "contact_ids")
    @classmethod
    def _each_once(cls, ids: list[str]) -> list[str]:
        repeated = sorted(item for item, count in Counter(ids).items() if count > 1)
        if repeated:
            raise ValueError(f"names {', '.join(repeated)} more than once")
        return ids

    collaborative_id: Slug | None = Field(
        default=None,
        description="A collaborative the agency is a member of: the round asks about the "
        "agency's relationships with the collaborative's other members.",
    )

    @model_validator(mode="after")
    def _agency_is_not_its_own_partner(self) -> SurveyRoundCreate:
        if self.org_id in self.partner_ids:
            raise ValueError("partner_ids holds the agency itself; it cannot be its own partner")
        if not self.partner_ids and self.collaborative_id is None:
            raise ValueError(
                "partner_ids is empty: name the partners to ask about, or a collaborative_id"
            )
        return self


class NewRespondent(ReadModel):
    """A respondent as a round starts with them: who, at which side, asked about what."""

    id: str = Field(description="The respondent's id in the round: their contact id.")
    name: str
    org_id: str
    side: Side
    email: str | None
    partner_ids: list[str] = Field(description="The partners they are asked about.")


class Respondent(NewRespondent):
    """One person asked in a round, and how far they have got."""

    answered: int = Field(description="How many of those relationships they have answered.")
    version: int = Field(description="Bumped by every save; a save names the one it changes.")
    updated_at: datetime | None = Field(description="When they last saved, if ever.")


class RoundFields(ReadModel):
    """What a round is: whose, which partners, from when to when."""

    id: str
    org_id: str
    title: str
    created_by: str
    created_at: datetime
    closes_at: datetime
    partner_ids: list[str]
    collaborative_id: str | None = Field(
        default=None, description="The collaborative whose member relationships it asks about."
    )


class SurveyRound(RoundFields):
    """A round as stored, with counts of its respondents."""

    respondents: int
    answered: int = Field(description="Respondents who have saved at least one answer.")


class SurveyRoundDetail(SurveyRound):
    """A round with each of its respondents."""

    people: list[Respondent] = Field(description="By organization, then name.")


# -- answers ---------------------------------------------------------------------------------


class AnswerCreate(StrictModel):
    """One respondent's answer about one relationship."""

    partner_id: Slug = Field(description="The partner of the relationship answered about.")
    openness: Score
    reliability: Score
    shared_mission: Score
    influence: Score
    resources: Score
    involvement: Score
    state_view: StateView = Field(description="green, yellow, red or dont_know.")
    comment: Comment = ""


class AnswersSave(StrictModel):
    """A respondent's answers, replacing what they saved before for the same relationships."""

    version: int = Field(
        ge=0,
        description="The respondent's version these answers were made from (0 before the first "
        "save); a save from an older version is refused, so two windows cannot overwrite each "
        "other unseen.",
    )
    answers: list[AnswerCreate] = Field(min_length=1, max_length=2000)

    @field_validator("answers")
    @classmethod
    def _one_answer_per_relationship(cls, answers: list[AnswerCreate]) -> list[AnswerCreate]:
        repeated = sorted(p for p, n in Counter(a.partner_id for a in answers).items() if n > 1)
        if repeated:
            raise ValueError(f"answers {', '.join(repeated)} more than once")
        return answers


class SurveyAnswer(ReadModel):
    """An answer as stored: who gave it (seen only by the round's agency) and when."""

    respondent_id: str
    side: Side
    partner_id: str
    openness: int
    reliability: int
    shared_mission: int
    influence: int
    resources: int
    involvement: int
    state_view: StateView
    comment: str
    saved_at: datetime


def vote_of(view: str, rating: float) -> RelationshipState:
    """The state an answer points to: the respondent's view, or where they don't know, the
    band of ``rating``, the mean of their six ratings.

    >>> vote_of("red", 4).value, vote_of("dont_know", 17 / 6).value
    ('red', 'yellow')
    """
    if view == StateView.DONT_KNOW:
        return score_band(rating)
    return _SAID[view]


_SAID = {
    view.value: RelationshipState(view.value) for view in StateView if view != StateView.DONT_KNOW
}
"""The state each view names, but "don't know": a look-up, as the stores hand over thousands."""
_SIDES = {side.value: side for side in Side}


class Tally(NamedTuple):
    """Answers about one relationship from one side that point to the same state, counted
    and summed by the store: the results are made of these, not of the answers one by one.
    ``trust`` and ``value`` are the sums of their three items over the answers."""

    partner_id: str
    side: Side
    vote: RelationshipState
    answered: int
    trust: int
    value: int

    @classmethod
    def of(
        cls, partner_id: str, side: str, view: str, answered: int, trust: int, value: int
    ) -> Tally:
        """A tally of answers the stores group by their view and, where they don't know, by
        the sum of their six ratings (so that the group's mean is each one's).

        >>> Tally.of("wic", "partner", "dont_know", 2, 12, 18).vote.value
        'yellow'
        """
        rating = (trust + value) / (answered * (len(TRUST_ITEMS) + len(VALUE_ITEMS)))
        return cls(partner_id, _SIDES[side], vote_of(view, rating), answered, trust, value)


class Asked(NamedTuple):
    """How many of one side were asked about one relationship, as the stores count them."""

    partner_id: str
    side: Side
    people: int


# -- results ---------------------------------------------------------------------------------


class SideResult(ReadModel):
    """One side of a relationship: how many were asked and answered, and, where the k rule
    allows, their scores and the states they point to."""

    side: Side
    asked: int
    answered: int
    shown: bool = Field(description="Whether this side's figures may be shown (the k rule).")
    trust: float | None
    value: float | None
    votes: dict[RelationshipState, int] | None = Field(
        description="How many point to each state (their view, or their scores' band)."
    )


class RelationshipResult(ReadModel):
    """What a round says about one relationship of the agency."""

    partner_id: str
    partner_name: str
    assessed: RelationshipState | None = Field(description="The agency's own state of record.")
    asked: int
    answered: int
    shown: bool = Field(description=f"Whether at least {MIN_RESPONDENTS} answered.")
    withheld: str | None = Field(description="Why figures are not shown, where they are not.")
    trust: float | None = Field(description="Mean trust, 1-4, over everyone who answered.")
    value: float | None = Field(description="Mean value, 1-4, over everyone who answered.")
    agency: SideResult
    partner: SideResult
    agreement: float | None = Field(
        description="How far the two sides agree, 0 to 1: one less the mean gap between their "
        "trust and value scores over the 3 points the scale spans; where both sides are shown."
    )
    suggested: RelationshipState | None = Field(
        description="The state most respondents point to; a tie goes to the state that asks "
        "most of the agency (red, then yellow)."
    )
    confidence: float | None = Field(description="The share of respondents who point to it.")
    flag: str | None = Field(
        description="Set where the agency's assessment differs from what respondents at the "
        "partner point to (from everyone, where the partner side is not shown)."
    )


class RoundResults(ReadModel):
    """A round's results, the relationships with the lowest trust first."""

    round: SurveyRound
    min_respondents: int = MIN_RESPONDENTS
    trust: float | None = Field(description="Mean trust over the relationships shown.")
    value: float | None = Field(description="Mean value over the relationships shown.")
    relationships: list[RelationshipResult] = Field(
        description="Shown ones by trust, lowest first (heal first), then those withheld."
    )

    def by_partner(self) -> dict[str, RelationshipResult]:
        """Each relationship's result by its partner's id."""
        return {result.partner_id: result for result in self.relationships}


class Adoption(StrictModel):
    """A leader adopts a round's suggested state for one relationship."""

    partner_id: Slug


class RespondentLink(ReadModel):
    """A respondent's personal link, for the round's leaders to copy where no mail is sent."""

    respondent_id: str
    name: str
    org_id: str
    side: Side
    email: str | None
    answered: int
    url: str = Field(description="The personal link: whoever holds it answers as this person.")


class FormPartner(ReadModel):
    """A relationship a respondent is asked about, with what they saved, if anything."""

    partner_id: str
    name: str
    answer: AnswerCreate | None


class SurveyForm(ReadModel):
    """What a respondent's link opens: the round, who they answer as, and their answers."""

    round_id: str
    title: str
    agency: str = Field(description="The name of the agency that runs the round.")
    closes_at: datetime
    respondent: str = Field(description="The respondent's name.")
    side: Side
    version: int = Field(description="Send it back with the answers.")
    partners: list[FormPartner]


class RoundFigures(ReadModel):
    """One round's figures for the network it asked about."""

    round_id: str
    title: str
    closes_at: datetime
    answered: int
    respondents: int
    shown: int = Field(description="Relationships with at least three answers.")
    trust: float | None = Field(description="Mean trust over the relationships shown.")
    value: float | None = Field(description="Mean value over the relationships shown.")
    density: float | None = Field(
        description="Of every pair of the round's partners, the share related to each other "
        "when the round closed (none for fewer than two partners)."
    )


class RelationshipTrend(ReadModel):
    """One relationship round against round: its trust and value in each round, oldest first,
    null where it was not asked or fewer than three answered."""

    partner_id: str
    partner_name: str
    trust: list[float | None]
    value: list[float | None]


class SurveyTrends(ReadModel):
    """An agency's rounds against each other, oldest first."""

    org_id: str
    rounds: list[RoundFigures]
    relationships: list[RelationshipTrend] = Field(description="By name.")


def mean(values: Sequence[float]) -> float | None:
    """The mean, rounded to two places; None for no values.

    >>> mean([2, 3, 3]), mean([])
    (2.67, None)
    """
    return round(sum(values) / len(values), 2) if values else None


# -- what the service hands the store ----------------------------------------------------------


class NewSurveyRound(RoundFields):
    """A round about to start, its respondents worked out from the contacts chosen."""

    people: list[NewRespondent]
