"""The store contract for survey rounds and the outbox, on the embedded store and on Neo4j."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from graph_models import RelationshipState
from graph_models.common import utc_now
from graph_models.mail import MailKind, OutgoingMail
from graph_models.surveys import (
    AnswerCreate,
    AnswersSave,
    Asked,
    NewRespondent,
    NewSurveyRound,
    Side,
    StateView,
    Tally,
)
from service.errors import Conflict, NotFound

START = datetime(2027, 3, 1, 9, tzinfo=UTC)


def new_round(round_id: str = "spring", *, org_id: str = "hub", at: datetime = START):
    return NewSurveyRound(
        id=round_id,
        org_id=org_id,
        title="Spring <b>survey</b>",
        created_by="Lee",
        created_at=at,
        closes_at=at + timedelta(days=14),
        partner_ids=["wic", "clinic"],
        people=[
            NewRespondent(
                id="ana", name="Ana", org_id="hub", side=Side.AGENCY, email="ana@hub.example",
                partner_ids=["wic", "clinic"],
            ),
            NewRespondent(
                id="wen", name="Wen", org_id="wic", side=Side.PARTNER, email=None,
                partner_ids=["wic"],
            ),
        ],
    )  # fmt: skip


def rating(partner_id: str, level: int = 3, comment: str = "") -> AnswerCreate:
    return AnswerCreate(
        partner_id=partner_id,
        openness=level,
        reliability=level,
        shared_mission=level,
        influence=level,
        resources=level,
        involvement=level,
        state_view="green",
        comment=comment,
    )


def test_a_round_is_kept_with_its_respondents_and_read_back(store):
    created = store.create_survey_round(new_round())
    assert (created.id, created.title, created.respondents, created.answered) == (
        "spring",
        "Spring <b>survey</b>",
        2,
        0,
    )
    assert created.closes_at == START + timedelta(days=14)
    assert [(p.id, p.side, p.partner_ids, p.version) for p in created.people] == [
        ("ana", Side.AGENCY, ["wic", "clinic"], 0),
        ("wen", Side.PARTNER, ["wic"], 0),
    ]
    assert store.get_survey_round("spring") == created


def test_a_round_id_taken_is_refused_and_an_unknown_one_is_not_found(store):
    store.create_survey_round(new_round())
    with pytest.raises(Conflict, match="already exists"):
        store.create_survey_round(new_round())
    with pytest.raises(NotFound, match="survey round 'autumn' does not exist"):
        store.get_survey_round("autumn")


def test_rounds_are_listed_newest_first_and_by_agency(store):
    store.create_survey_round(new_round("spring"))
    store.create_survey_round(new_round("autumn", at=START + timedelta(days=180)))
    store.create_survey_round(new_round("other", org_id="eld"))
    assert [r.id for r in store.list_survey_rounds(org_id="hub")] == ["autumn", "spring"]
    assert {r.id for r in store.list_survey_rounds()} == {"autumn", "spring", "other"}


def test_answers_are_saved_changed_and_counted(store):
    store.create_survey_round(new_round())
    saved = store.save_survey_answers(
        "spring",
        "ana",
        AnswersSave(version=0, answers=[rating("wic"), rating("clinic", 2, "<script>")]),
        saved_at=START,
    )
    assert (saved.version, saved.answered, saved.updated_at) == (1, 2, START)
    store.save_survey_answers(
        "spring", "ana", AnswersSave(version=1, answers=[rating("wic", 1)]), saved_at=START
    )
    answers = store.survey_answers("spring")
    assert [(a.partner_id, a.respondent_id, a.openness, a.comment) for a in answers] == [
        ("clinic", "ana", 2, "<script>"),
        ("wic", "ana", 1, ""),
    ]
    assert answers[0].side is Side.AGENCY
    listed = store.list_survey_rounds(org_id="hub")[0]
    assert (listed.respondents, listed.answered) == (2, 1)


def test_a_save_from_an_old_version_changes_nothing(store):
    store.create_survey_round(new_round())
    store.save_survey_answers(
        "spring", "ana", AnswersSave(version=0, answers=[rating("wic")]), saved_at=START
    )
    with pytest.raises(Conflict, match="nothing was changed"):
        store.save_survey_answers(
            "spring", "ana", AnswersSave(version=0, answers=[rating("wic", 1)]), saved_at=START
        )
    assert [a.openness for a in store.survey_answers("spring")] == [3]
    assert store.get_survey_round("spring").people[0].version == 1


def test_two_saves_at_once_from_the_same_version_let_one_through(store):
    store.create_survey_round(new_round())
    outcomes: list[str] = []

    def save(level: int) -> None:
        try:
            store.save_survey_answers(
                "spring", "wen", AnswersSave(version=0, answers=[rating("wic", level)]),
                saved_at=utc_now(),
            )  # fmt: skip
            outcomes.append("saved")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(level,)) for level in (1, 4, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "saved"]
    assert store.get_survey_round("spring").people[1].version == 1


def test_a_save_for_an_unknown_respondent_is_not_found(store):
    store.create_survey_round(new_round())
    with pytest.raises(NotFound, match="respondent 'zed'"):
        store.save_survey_answers(
            "spring", "zed", AnswersSave(version=0, answers=[rating("wic")]), saved_at=START
        )


def mail(mail_id: str, round_id: str | None = "spring") -> OutgoingMail:
    return OutgoingMail(
        id=mail_id,
        kind=MailKind.INVITATION,
        to_address=f"{mail_id}@example.org",
        to_name=mail_id,
        subject="Please answer",
        body="<b>not bold</b>",
        round_id=round_id,
        created_at=START,
    )


def test_mail_is_taken_once_sent_or_given_back_with_its_error(store):
    store.queue_mail([mail("m1"), mail("m2"), mail("m3", None)])
    assert store.claim_mail("m1", at=START)
    assert not store.claim_mail("m1", at=START)
    store.settle_mail("m1", sent_at=START, error=None)
    assert not store.claim_mail("m1", at=START)
    assert store.claim_mail("m2", at=START)
    store.settle_mail("m2", sent_at=None, error="connection refused")
    unsent = store.list_mail(unsent_only=True)
    assert [(m.id, m.attempts, m.last_error, m.claimed_at) for m in unsent] == [
        ("m2", 1, "connection refused", None),
        ("m3", 0, None, None),
    ]
    sent = store.list_mail(round_id="spring")
    assert [(m.id, m.sent_at, m.body) for m in sent] == [
        ("m1", START, "<b>not bold</b>"),
        ("m2", None, "<b>not bold</b>"),
    ]
    assert store.claim_mail("m2", at=START)


def test_answers_are_counted_and_summed_by_partner_side_and_view(store):
    store.create_survey_round(new_round())
    unsure = rating("wic", 2).model_copy(update={"state_view": StateView.DONT_KNOW, "influence": 4})
    store.save_survey_answers(
        "spring", "ana", AnswersSave(version=0, answers=[unsure, rating("clinic", 3)]),
        saved_at=START,
    )  # fmt: skip
    store.save_survey_answers(
        "spring", "wen", AnswersSave(version=0, answers=[rating("wic", 4)]), saved_at=START
    )
    assert store.survey_tallies("spring") == [
        Tally("clinic", Side.AGENCY, RelationshipState.GREEN, 1, 9, 9),
        Tally("wic", Side.AGENCY, RelationshipState.YELLOW, 1, 6, 8),
        Tally("wic", Side.PARTNER, RelationshipState.GREEN, 1, 12, 12),
    ]


def test_who_was_asked_is_counted_by_partner_and_side(store):
    store.create_survey_round(new_round())
    assert store.survey_asked("spring") == [
        Asked("clinic", Side.AGENCY, 1),
        Asked("wic", Side.AGENCY, 1),
        Asked("wic", Side.PARTNER, 1),
    ]
    assert store.survey_asked("autumn") == []


def test_one_round_is_listed_by_its_id_with_its_counts(store):
    store.create_survey_round(new_round())
    store.create_survey_round(new_round("autumn", at=START + timedelta(days=1)))
    store.save_survey_answers(
        "spring", "wen", AnswersSave(version=0, answers=[rating("wic")]), saved_at=START
    )
    [spring] = store.list_survey_rounds(round_id="spring")
    assert (spring.id, spring.respondents, spring.answered) == ("spring", 2, 1)
    assert store.list_survey_rounds(round_id="spring", org_id="wic") == []
    assert store.list_survey_rounds(round_id="winter") == []
