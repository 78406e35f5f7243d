"""What both stores do alike with the network: building the analytics graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple, TypeVar

import networkx as nx

from graph_models import (
    Contact,
    Engagement,
    Profile,
    ReferralFlow,
    Relationship,
    RelationshipEnd,
    RelationshipState,
    Sector,
)
from graph_models.common import start_of_day
from graph_models.evidence import EvidenceRecords, ReferralFact, ReferralTally
from graph_models.surveys import SurveyRound
from service.errors import Conflict, InvalidInput, NotFound
from service.store.shared.values import from_text

T = TypeVar("T")


class PartnerRecords(NamedTuple):
    """What a store keeps about one organization's partners, as ``Store.partner_records`` reads
    it: all an eco-map of depth 1 looks at."""

    graph: nx.Graph
    """The organization, its partners and its relationships with them, as
    ``Store.introduction_graph`` gives them for no sector."""
    flows: dict[str, ReferralFlow]
    """The referral flow with each partner, as ``Store.referral_flow`` gives it."""
    evidence: EvidenceRecords
    """The partnership evidence naming the organization, as ``Store.evidence_naming`` gives it."""


class HealthRecords(NamedTuple):
    """What a store keeps that the health of one organization's relationships rests on, as
    ``Store.health_records`` reads it for a window of referrals."""

    graph: nx.Graph
    """The organization, its partners and its relationships with them, as
    ``Store.introduction_graph`` gives them for no sector."""
    touchpoints: dict[str, date]
    """By partner, the day of the latest engagement activity with it that is a
    :data:`~graph_models.enums.TOUCHPOINT` by the window's end (on or before its day)."""
    rounds: list[SurveyRound]
    """Its survey rounds, newest first, as ``Store.list_survey_rounds`` gives them."""
    tallies: dict[str, ReferralTally]
    """The referrals with each partner up to the window's end, as ``Store.referral_tallies``
    gives them."""
    evidence: EvidenceRecords
    """The partnership evidence naming the organization, as ``Store.evidence_naming`` gives it."""
    referrals: list[ReferralFact]
    """The referrals it sent or received in the window, as ``Store.referral_facts`` gives them."""


class LevelRecords(NamedTuple):
    """What a store keeps that the partnership levels of one organization's partners rest on,
    as ``Store.level_records`` reads it for a day."""

    tallies: dict[str, ReferralTally]
    """As :attr:`HealthRecords.tallies`, up to the day's end."""
    evidence: EvidenceRecords
    """As :attr:`HealthRecords.evidence`."""


class GapRecords(NamedTuple):
    """What the missing partners of a group of organizations rest on, as
    ``Store.lent_gap_records`` lends it."""

    graph: nx.Graph
    """The store's whole live graph, as ``Store.lent_graph`` lends it."""
    profile: Profile
    """The sector profile asked about."""
    sectors: list[Sector]
    """The sectors of the profile, by slug."""


class PlanRecords(NamedTuple):
    """What a store keeps that the engagement plan of one organization rests on, as
    ``Store.plan_records`` reads it."""

    graph: nx.Graph
    """As :attr:`HealthRecords.graph`."""
    engagements: list[Engagement]
    """Every engagement activity the organization takes part in, by date."""
    rounds: list[SurveyRound]
    """As :attr:`HealthRecords.rounds`."""
    contacts: list[Contact]
    """The contacts taking part in its planned engagement activities, by id."""


_STATES = {state.value: state for state in RelationshipState}
"""Each state by its stored text: a statewide graph reads 325,000 assessments when it loads,
and the enum's own lookup costs ten times a dict's."""


def add_relationship_edge(
    graph: nx.Graph,
    rel_id: str,
    org_a: str,
    org_b: str,
    history: Iterable[tuple[str, str]],
    ended_on: str | None = None,
) -> None:
    """Put a relationship into an analytics graph; ``history`` is ``(assessed_at, state)`` text.

    ``history`` comes in recording order; the edge's ``state`` is that of the latest assessment
    by ``assessed_at``, the later-recorded one on a tie. A relationship that has ended
    (``ended_on``, a day as text) has ``ended_at``, the first instant without it; the others
    have no such key.
    """
    ordered = sorted(((from_text(at), _STATES[state]) for at, state in history), key=lambda a: a[0])
    graph.add_edge(org_a, org_b, id=rel_id, state=ordered[-1][1], history=ordered)
    edge = graph.edges[org_a, org_b]  # updated in place when the graph held it already
    if ended_on:
        edge["ended_at"] = start_of_day(date.fromisoformat(ended_on))
    else:
        edge.pop("ended_at", None)


def refuse_if_ended(current: Relationship) -> None:
    """:class:`Conflict` when ``current`` has ended: an ended relationship keeps its history
    as it was."""
    if current.ended_on is not None:
        raise Conflict(
            f"relationship '{current.id}' ended on {current.ended_on.isoformat()}; "
            "its history is kept as it was"
        )


def check_end(current: Relationship, end: RelationshipEnd) -> None:
    """Refuse ending ``current`` with ``end``: twice, or before its latest assessment."""
    refuse_if_ended(current)
    if end.ended_on < current.assessed_at.date():
        raise InvalidInput(
            f"ended_on: {end.ended_on.isoformat()} is before the latest assessment "
            f"({current.assessed_at.date().isoformat()}); an end comes after it"
        )


def organization_node(row: Any) -> dict[str, Any]:
    """The node attributes of an organization row."""
    return {
        "name": row["name"],
        "sector": row["sector"],
        "region": row["region"],
        "internal": bool(row["internal"]),
    }


def contacts_in_order(contact_ids: Iterable[str], found: Mapping[str, T]) -> list[T]:
    """The contacts ``found`` by id in the order of ``contact_ids``; :class:`NotFound` names the
    first that was not found.

    >>> contacts_in_order(["b", "a"], {"a": 1, "b": 2})
    [2, 1]
    """
    missing = next((c for c in contact_ids if c not in found), None)
    if missing is not None:
        raise NotFound(f"contact '{missing}' does not exist")
    return [found[c] for c in contact_ids]
