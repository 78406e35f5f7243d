"""A survey round's results on a small round whose figures are worked out by hand below."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from graph_models import RelationshipState
from graph_models.surveys import (
    AnswersSave,
    Asked,
    Side,
    SurveyRound,
    SurveyRoundCreate,
    Tally,
)
from service.surveys.analytics import round_results

GREEN, YELLOW, RED = RelationshipState.GREEN, RelationshipState.YELLOW, RelationshipState.RED
SAVED = datetime(2027, 3, 1, 9, tzinfo=UTC)
ROUND = SurveyRound(
    id="spring",
    org_id="hub",
    title="Spring",
    created_by="Lee",
    created_at=SAVED,
    closes_at=SAVED,
    partner_ids=["wic", "clinic", "library"],
    respondents=11,
    answered=9,
)


def answer(who: str, partner: str, trust: tuple[int, ...], value: tuple[int, ...], view: str):
    """One answer, as the store tallies it."""
    side = Side.AGENCY if who.startswith("a") else Side.PARTNER
    return Tally.of(partner, side, view, 1, sum(trust), sum(value))


def person(who: str, org_id: str, partners: list[str]) -> list[Asked]:
    side = Side.AGENCY if org_id == "hub" else Side.PARTNER
    return [Asked(partner, side, 1) for partner in partners]


# Asked: at WIC w1-w4, at the clinic c1, at the library l1-l2; at the hub a1-a3 (about all three).
RESPONDENTS = [
    *(asked for n in range(1, 5) for asked in person(f"w{n}", "wic", ["wic"])),
    *person("c1", "clinic", ["clinic"]),
    *person("l1", "library", ["library"]),
    *person("l2", "library", ["library"]),
    *(asked for n in range(1, 4) for asked in person(f"a{n}", "hub", ["wic", "clinic", "library"])),
]
ANSWERS = [
    # WIC side: trust 7/3, 5/3, 3 -> 21/9 = 2.33; value 7/3, 5/3, 10/3 -> 22/9 = 2.44
    answer("w1", "wic", (2, 2, 3), (3, 2, 2), "yellow"),
    answer("w2", "wic", (1, 2, 2), (2, 2, 1), "yellow"),
    answer("w3", "wic", (3, 3, 3), (3, 3, 4), "green"),
    # hub side: trust 4, 10/3, 3 -> 31/9 = 3.44; value 10/3, 3, 8/3 -> 27/9 = 3.00;
    # a3 does not know: the band of (3 + 8/3) / 2 = 2.83 is yellow
    answer("a1", "wic", (4, 4, 4), (4, 3, 3), "green"),
    answer("a2", "wic", (3, 4, 3), (3, 3, 3), "green"),
    answer("a3", "wic", (3, 3, 3), (2, 3, 3), "dont_know"),
    # the clinic: one at the partner, two at the hub: three in all, neither side shown
    answer("c1", "clinic", (1, 1, 1), (1, 1, 1), "red"),
    answer("a1", "clinic", (2, 2, 2), (2, 2, 2), "yellow"),
    answer("a2", "clinic", (3, 3, 3), (3, 3, 3), "green"),
    # the library: two answered, fewer than three
    answer("l1", "library", (4, 4, 4), (4, 4, 4), "green"),
    answer("l2", "library", (1, 1, 1), (1, 1, 1), "red"),
]
PARTNERS = {
    "wic": ("WIC Lane", GREEN),
    "clinic": ("Clinic", YELLOW),
    "library": ("Library", GREEN),
}


@pytest.fixture
def results():
    found = round_results(ROUND, partners=PARTNERS, asked=RESPONDENTS, tallies=ANSWERS)
    return {result.partner_id: result for result in found.relationships}, found


def test_scores_are_the_means_of_each_respondents_trust_and_value_items(results):
    by_partner, _ = results
    wic = by_partner["wic"]
    # trust (21 + 31) / 18 = 2.89; value (22 + 27) / 18 = 2.72
    assert (wic.trust, wic.value) == (2.89, 2.72)
    assert (wic.partner.trust, wic.partner.value) == (2.33, 2.44)
    assert (wic.agency.trust, wic.agency.value) == (3.44, 3.0)


def test_each_side_counts_who_was_asked_and_who_answered(results):
    wic = results[0]["wic"]
    assert (wic.asked, wic.answered) == (7, 6)
    assert (wic.partner.asked, wic.partner.answered) == (4, 3)
    assert (wic.agency.asked, wic.agency.answered) == (3, 3)


def test_agreement_is_one_less_the_mean_gap_of_the_sides_over_the_scale(results):
    # gaps: trust 3.44 - 2.33 = 1.11, value 3.00 - 2.44 = 0.56; mean 0.835; 1 - 0.835 / 3
    assert results[0]["wic"].agreement == 0.72


def test_a_tie_of_votes_suggests_the_state_that_asks_more_with_its_share(results):
    wic = results[0]["wic"]
    # yellow: w1, w2, a3 (by its scores); green: w3, a1, a2
    assert (wic.suggested, wic.confidence) == (YELLOW, 0.5)


def test_the_flag_says_what_the_partner_side_points_to_against_the_assessment(results):
    assert results[0]["wic"].flag == (
        "assessed green; 2 of 3 respondents at the partner point to yellow, trust 2.3 of 4"
    )


def test_three_answers_show_the_relationship_but_no_side_below_three(results):
    clinic = results[0]["clinic"]
    assert (clinic.shown, clinic.trust, clinic.value) == (True, 2.0, 2.0)
    assert not clinic.partner.shown and clinic.partner.trust is None
    assert not clinic.agency.shown and clinic.agency.votes is None
    assert clinic.agreement is None
    assert (clinic.suggested, clinic.confidence) == (RED, 0.33)
    assert clinic.flag == "assessed yellow; 1 of 3 respondents point to red, trust 2.0 of 4"


def test_fewer_than_three_answers_show_no_figure_and_say_why(results):
    library = results[0]["library"]
    assert not library.shown
    assert (library.trust, library.value, library.suggested, library.flag) == (None,) * 4
    assert library.withheld == (
        "2 of 5 answered; figures are shown once at least 3 have, "
        "so that no answer can be traced to its author"
    )


def test_the_lowest_trust_comes_first_and_the_withheld_last(results):
    _, found = results
    assert [r.partner_id for r in found.relationships] == ["clinic", "wic", "library"]
    assert found.value == 2.36  # (2.72 + 2.00) / 2
    assert found.trust == pytest.approx(2.445, abs=0.006)


def test_a_side_is_hidden_when_the_other_side_has_one_or_two_answers():
    answers = [answer(f"w{n}", "wic", (2, 2, 2), (2, 2, 2), "yellow") for n in range(1, 4)]
    answers.append(answer("a1", "wic", (4, 4, 4), (4, 4, 4), "green"))
    found = round_results(ROUND, partners=PARTNERS, asked=RESPONDENTS, tallies=answers)
    wic = next(r for r in found.relationships if r.partner_id == "wic")
    # the whole's mean and the partner side's would give a1's answer away
    assert wic.shown and not wic.partner.shown and not wic.agency.shown


def test_ratings_outside_one_to_four_are_refused():
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        AnswersSave.model_validate(
            {
                "version": 0,
                "answers": [
                    {
                        "partner_id": "wic",
                        "openness": 5,
                        "reliability": 1,
                        "shared_mission": 1,
                        "influence": 1,
                        "resources": 1,
                        "involvement": 1,
                        "state_view": "red",
                    }
                ],
            }
        )


def test_a_round_with_no_respondents_is_refused():
    with pytest.raises(ValidationError, match="at least 1 item"):
        SurveyRoundCreate(
            org_id="hub", title="Spring", closes_at=SAVED, partner_ids=["wic"], contact_ids=[]
        )
