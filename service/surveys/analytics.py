"""A survey round's results: scores per relationship and per side, how far the sides agree,
the state respondents point to and where the agency's own assessment differs; the k rule
applied throughout. Pure functions of the round's records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

import networkx as nx

from graph_models import RelationshipState
from graph_models.surveys import (
    MIN_RESPONDENTS,
    SCALE_TOP,
    TRUST_ITEMS,
    VALUE_ITEMS,
    WORSE_FIRST,
    Asked,
    RelationshipResult,
    RelationshipTrend,
    RoundFigures,
    RoundResults,
    Side,
    SideResult,
    SurveyRound,
    SurveyTrends,
    Tally,
    mean,
)

_SIDES = (Side.AGENCY, Side.PARTNER)
"""The sides: a tuple is read many times faster than the enum is iterated."""


def relationship_result(
    partner_id: str,
    *,
    partner_name: str,
    assessed: RelationshipState | None,
    asked: Mapping[Side, int],
    tallies: Sequence[Tally],
    k: int = MIN_RESPONDENTS,
) -> RelationshipResult:
    """What the ``tallies`` of the answers about one relationship say, with figures only
    where ``k`` allows.

    >>> yellow = Tally("p", Side.PARTNER, RelationshipState.YELLOW, 3, 18, 27)
    >>> result = relationship_result("p", partner_name="P", assessed=RelationshipState.GREEN,
    ...     asked={Side.AGENCY: 0, Side.PARTNER: 4}, tallies=[yellow])
    >>> result.trust, result.suggested.value
    (2.0, 'yellow')
    >>> result.flag
    'assessed green; 3 of 3 respondents at the partner point to yellow, trust 2.0 of 4'
    >>> relationship_result("p", partner_name="P", assessed=None,
    ...     asked={Side.AGENCY: 0, Side.PARTNER: 4}, tallies=[yellow._replace(answered=2)]
    ... ).withheld[:38]
    '2 of 4 answered; figures are shown onc'
    """
    by_side = _sums_by_side(tallies)
    sides = {side: _side_result(side, asked.get(side, 0), by_side, k) for side in _SIDES}
    everyone = _both(by_side[Side.AGENCY], by_side[Side.PARTNER])
    answered, total_asked = everyone.answered, sum(asked.values())
    shown = answered >= k
    suggested = plurality(everyone.votes) if shown else None
    trust, value = _means(everyone) if shown else (None, None)
    return RelationshipResult(
        partner_id=partner_id,
        partner_name=partner_name,
        assessed=assessed,
        asked=total_asked,
        answered=answered,
        shown=shown,
        withheld=None
        if shown
        else f"{answered} of {total_asked} answered; figures are shown once at least {k} have, "
        "so that no answer can be traced to its author",
        trust=trust,
        value=value,
        agency=sides[Side.AGENCY],
        partner=sides[Side.PARTNER],
        agreement=agreement(sides[Side.AGENCY], sides[Side.PARTNER]),
        suggested=suggested,
        confidence=round(everyone.votes[suggested] / answered, 2) if suggested else None,
        flag=_flag(assessed, sides[Side.PARTNER], everyone.votes, trust) if shown else None,
    )


class _Sums(NamedTuple):
    """What answers about one relationship add up to: how many, the sums of their trust and
    of their value items, and how many point to each state, in the order of WORSE_FIRST."""

    answered: int
    trust: int
    value: int
    votes: dict[RelationshipState, int]


def _sums_by_side(tallies: Iterable[Tally]) -> dict[Side, _Sums]:
    """Each side's sums, in one pass over the ``tallies`` of one relationship.

    >>> red = Tally("p", Side.AGENCY, RelationshipState.RED, 2, 7, 12)
    >>> _sums_by_side([red, red])[Side.AGENCY][:3], _sums_by_side([red])[Side.PARTNER][:3]
    ((4, 14, 24), (0, 0, 0))
    """
    answered = dict.fromkeys(_SIDES, 0)
    trust, value = dict(answered), dict(answered)
    votes = {side: dict.fromkeys(WORSE_FIRST, 0) for side in _SIDES}
    for tally in tallies:
        answered[tally.side] += tally.answered
        trust[tally.side] += tally.trust
        value[tally.side] += tally.value
        votes[tally.side][tally.vote] += tally.answered
    return {side: _Sums(answered[side], trust[side], value[side], votes[side]) for side in _SIDES}


def _both(agency: _Sums, partner: _Sums) -> _Sums:
    """The two sides' sums together."""
    return _Sums(
        agency.answered + partner.answered,
        agency.trust + partner.trust,
        agency.value + partner.value,
        {state: agency.votes[state] + partner.votes[state] for state in WORSE_FIRST},
    )


def _means(sums: _Sums) -> tuple[float | None, float | None]:
    """Mean trust and value, 1-4, over the answers ``sums`` add up.

    >>> _means(_Sums(2, 7, 12, {}))
    (1.17, 2.0)
    """
    if not sums.answered:
        return None, None
    trust = sums.trust / (sums.answered * len(TRUST_ITEMS))
    value = sums.value / (sums.answered * len(VALUE_ITEMS))
    return round(trust, 2), round(value, 2)


def _side_result(side: Side, asked: int, sums: Mapping[Side, _Sums], k: int) -> SideResult:
    """One side's figures, shown when it has ``k`` answers and the other side none or ``k``
    too: otherwise the side's and the whole's means would give the other side's away."""
    other = sums[Side.PARTNER if side is Side.AGENCY else Side.AGENCY].answered
    answered = sums[side].answered
    shown = answered >= k and (other == 0 or other >= k)
    trust, value = _means(sums[side]) if shown else (None, None)
    return SideResult(
        side=side,
        asked=asked,
        answered=answered,
        shown=shown,
        trust=trust,
        value=value,
        votes=sums[side].votes if shown else None,
    )


def plurality(votes: Mapping[RelationshipState, int]) -> RelationshipState:
    """The state with the most votes; a tie goes to the one that asks most of the agency.

    >>> plurality({RelationshipState.GREEN: 2, RelationshipState.YELLOW: 2}).value
    'yellow'
    """
    return max(WORSE_FIRST, key=lambda state: votes.get(state, 0))


def agreement(agency: SideResult, partner: SideResult) -> float | None:
    """One less the mean gap between the two sides' trust and value over the 3 points the
    scale spans: 1 where they agree exactly, 0 where one says 1 and the other 4 of both;
    None unless both sides are shown.

    >>> a = SideResult(side=Side.AGENCY, asked=3, answered=3, shown=True, trust=3.5, value=3.0,
    ...     votes=None)
    >>> p = a.model_copy(update={"side": Side.PARTNER, "trust": 2.0, "value": 2.5})
    >>> agreement(a, p)
    0.67
    """
    if agency.trust is None or partner.trust is None:
        return None
    assert agency.value is not None and partner.value is not None
    gap = (abs(agency.trust - partner.trust) + abs(agency.value - partner.value)) / 2
    return round(1 - gap / (SCALE_TOP - 1), 2)


def _flag(
    assessed: RelationshipState | None,
    partner: SideResult,
    everyone: Mapping[RelationshipState, int],
    trust: float | None,
) -> str | None:
    """Where the assessment differs from what the partner's respondents point to (everyone's,
    where the partner side is not shown), in words."""
    if assessed is None:
        return None
    votes: Mapping[RelationshipState, int]
    if partner.shown and partner.votes is not None and partner.trust is not None:
        votes, trust, who = partner.votes, partner.trust, "respondents at the partner"
    else:
        votes, who = everyone, "respondents"
    pointed = plurality(votes)
    if pointed is assessed:
        return None
    said = assessed.value.replace("_", " ")
    return (
        f"assessed {said}; {votes[pointed]} of {sum(votes.values())} {who} point to "
        f"{pointed.value}, trust {trust or 0.0:.1f} of {SCALE_TOP}"
    )


def round_results(
    survey_round: SurveyRound,
    *,
    partners: Mapping[str, tuple[str, RelationshipState | None]],
    asked: Iterable[Asked],
    tallies: Iterable[Tally],
    k: int = MIN_RESPONDENTS,
) -> RoundResults:
    """Every relationship of the round, the shown ones by trust (lowest first, heal first),
    then the withheld ones by name; ``partners`` gives each partner's name and the agency's
    assessment of it, ``asked`` how many of each side were asked about it.
    """
    counted: dict[str, Counter[Side]] = {partner_id: Counter() for partner_id in partners}
    for found in asked:
        counted.setdefault(found.partner_id, Counter())[found.side] += found.people
    about: dict[str, list[Tally]] = {partner_id: [] for partner_id in partners}
    for tally in tallies:
        about.setdefault(tally.partner_id, []).append(tally)
    results = [
        relationship_result(
            partner_id,
            partner_name=name,
            assessed=assessed,
            asked=counted[partner_id],
            tallies=about[partner_id],
            k=k,
        )
        for partner_id, (name, assessed) in partners.items()
    ]
    shown = [r for r in results if r.shown]
    results.sort(key=lambda r: (not r.shown, r.trust or 0.0, r.partner_name, r.partner_id))
    return RoundResults(
        round=survey_round,
        min_respondents=k,
        trust=mean([r.trust for r in shown if r.trust is not None]),
        value=mean([r.value for r in shown if r.value is not None]),
        relationships=results,
    )


def in_words(result: RelationshipResult, *, title: str, k: int = MIN_RESPONDENTS) -> str:
    """What a round says of one relationship, in one sentence for a map's details and table:
    the state respondents point to, trust, value, answers per side and the flag; only the
    counts where fewer than ``k`` answered.

    >>> yellow = Tally("p", Side.PARTNER, RelationshipState.YELLOW, 3, 18, 27)
    >>> said = relationship_result("p", partner_name="P", assessed=RelationshipState.GREEN,
    ...     asked={Side.AGENCY: 2, Side.PARTNER: 4}, tallies=[yellow])
    >>> words = in_words(said, title="Spring")
    >>> words[:62]
    'Partners say (Spring): yellow, trust 2.00 and value 3.00 of 4;'
    >>> words[63:115]
    'answered 3 of 4 at the partner, 0 of 2 at the agency'
    >>> words[117:143]
    'Disagrees: assessed green;'
    >>> in_words(said.model_copy(update={"shown": False}), title="Spring")[:50]
    'Partners say (Spring): fewer than 3 answers; answe'
    """
    sides = (
        f"answered {result.partner.answered} of {result.partner.asked} at the partner, "
        f"{result.agency.answered} of {result.agency.asked} at the agency"
    )
    if not result.shown or result.suggested is None:
        return f"Partners say ({title}): fewer than {k} answers; {sides}."
    words = (
        f"Partners say ({title}): {result.suggested.value}, trust {result.trust:.2f} and value "
        f"{result.value:.2f} of {SCALE_TOP}; {sides}."
    )
    return f"{words} Disagrees: {result.flag}." if result.flag else words


def trends(org_id: str, results: Sequence[RoundResults], graph: nx.Graph) -> SurveyTrends:
    """Round against round: each round's figures, oldest first, and each relationship's
    scores in every round; the density of a round's partners read from the relationships'
    histories (``graph`` as the store lends it) as they stood at its close.

    >>> from datetime import datetime, UTC
    >>> trends("hub", [], nx.Graph()).rounds
    []
    """
    ordered = sorted(results, key=lambda r: (r.round.closes_at, r.round.id))
    names: dict[str, str] = {}
    by_round: list[dict[str, RelationshipResult]] = []
    for result in ordered:
        by_round.append({r.partner_id: r for r in result.relationships})
        names.update({r.partner_id: r.partner_name for r in result.relationships})
    rounds = [
        RoundFigures(
            round_id=result.round.id,
            title=result.round.title,
            closes_at=result.round.closes_at,
            answered=result.round.answered,
            respondents=result.round.respondents,
            shown=sum(1 for r in result.relationships if r.shown),
            trust=result.trust,
            value=result.value,
            density=density(graph, result.round.partner_ids, result.round.closes_at),
        )
        for result in ordered
    ]
    relationships = [
        RelationshipTrend(
            partner_id=partner_id,
            partner_name=name,
            trust=[_score(found.get(partner_id), "trust") for found in by_round],
            value=[_score(found.get(partner_id), "value") for found in by_round],
        )
        for partner_id, name in sorted(names.items(), key=lambda pair: (pair[1], pair[0]))
    ]
    return SurveyTrends(org_id=org_id, rounds=rounds, relationships=relationships)


def _score(result: RelationshipResult | None, name: str) -> float | None:
    return None if result is None else getattr(result, name)


def density(graph: nx.Graph, org_ids: Sequence[str], at: datetime) -> float | None:
    """The share of pairs of ``org_ids`` related to each other at ``at`` (a relationship
    counts from its first assessment); None for fewer than two.

    >>> from datetime import datetime, UTC
    >>> g = nx.Graph()
    >>> g.add_edge("a", "b", history=[(datetime(2020, 1, 1, tzinfo=UTC), "green")])
    >>> density(g, ["a", "b", "c"], datetime(2021, 1, 1, tzinfo=UTC))
    0.33
    """
    members = list(dict.fromkeys(org_ids))
    if len(members) < 2:
        return None
    inside = set(members)
    related = sum(
        1
        for a, b, history in graph.subgraph(inside).edges(data="history")
        if history and history[0][0] <= at
    )
    possible = len(members) * (len(members) - 1) // 2
    return round(related / possible, 2)
