"""What both stores do alike with survey rounds and the outbox: rows into models and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter

from graph_models.mail import OutgoingMail
from graph_models.surveys import (
    TRUST_ITEMS,
    VALUE_ITEMS,
    AnswerCreate,
    NewSurveyRound,
    Respondent,
    SurveyAnswer,
    SurveyRound,
    SurveyRoundDetail,
)
from service.errors import Conflict, NotFound
from service.store.shared.values import from_text, optional_text, to_text

Row = Mapping[str, Any]
ANSWER_ITEMS = tuple(name for name in AnswerCreate.model_fields if name != "partner_id")
"""The fields of an answer the store keeps beside who gave it about which partner."""


def summed(items: tuple[str, ...], of: str = "") -> str:
    """An answer's ``items`` summed, as SQL (``of=""``) or Cypher (``of="a."``) spells it.

    >>> summed(TRUST_ITEMS, "a.")
    'a.openness + a.reliability + a.shared_mission'
    """
    return " + ".join(of + item for item in items)


TRUST_SUM, VALUE_SUM = summed(TRUST_ITEMS), summed(VALUE_ITEMS)


def _ids(value: str | list[str]) -> list[str]:
    """A list of ids: the embedded store keeps them as JSON text, Neo4j as a list."""
    return json.loads(value) if isinstance(value, str) else list(value)


def _moment(value: str | None) -> Any:
    return None if value is None else from_text(value)


def respondent_from(row: Row) -> Respondent:
    """A respondent from a row with their ``answered`` count (Neo4j leaves out what is null)."""
    return Respondent.model_validate(
        {
            **row,
            "partner_ids": _ids(row["partner_ids"]),
            "email": row.get("email"),
            "updated_at": _moment(row.get("updated_at")),
        }
    )


def checked_respondent(
    row: Row | None, round_id: str, respondent_id: str, version: int
) -> Respondent:
    """The respondent a save is for, read under the save's lock: :class:`NotFound` when there
    is none, :class:`Conflict` when they saved since ``version``."""
    if row is None:
        raise NotFound(f"respondent '{respondent_id}' of round '{round_id}' does not exist")
    respondent = respondent_from(row)
    if respondent.version != version:
        raise Conflict(
            "these answers were saved from another window or device since this form was "
            "opened; nothing was changed: open the link again to see what is saved"
        )
    return respondent


def round_from(row: Row, people: list[Respondent] | None = None) -> SurveyRound:
    """A round from its row, with its respondents when ``people`` is given."""
    values = {
        **row,
        "partner_ids": _ids(row["partner_ids"]),
        "created_at": from_text(row["created_at"]),
        "closes_at": from_text(row["closes_at"]),
    }
    if people is None:
        return SurveyRound.model_validate(values)
    return SurveyRoundDetail.model_validate(
        {
            **values,
            "people": people,
            "respondents": len(people),
            "answered": sum(1 for person in people if person.answered),
        }
    )


def round_row(survey_round: NewSurveyRound) -> dict[str, Any]:
    """The round's own fields as the stores keep them."""
    return {
        "id": survey_round.id,
        "org_id": survey_round.org_id,
        "title": survey_round.title,
        "created_by": survey_round.created_by,
        "created_at": to_text(survey_round.created_at),
        "closes_at": to_text(survey_round.closes_at),
        "collaborative_id": survey_round.collaborative_id,
    }


def answer_rows(
    round_id: str, respondent: Respondent, answers: list[AnswerCreate], saved_at: str
) -> list[dict[str, Any]]:
    """The rows of a respondent's answers, each with who gave it and when."""
    return [
        {
            "round_id": round_id,
            "respondent_id": respondent.id,
            "side": respondent.side.value,
            "partner_id": answer.partner_id,
            "saved_at": saved_at,
            **answer.model_dump(mode="json", include=set(ANSWER_ITEMS)),
        }
        for answer in answers
    ]


_ANSWERS = TypeAdapter(list[SurveyAnswer])


def answers_from(rows: list[Row]) -> list[SurveyAnswer]:
    """Answers from their rows, validated in one call: a round may hold tens of thousands."""
    return _ANSWERS.validate_python(rows)


MAIL_MOMENTS = ("created_at", "claimed_at", "sent_at")


def mail_row(mail: OutgoingMail) -> dict[str, Any]:
    """A message as the stores keep it: timestamps as text."""
    values = mail.model_dump(mode="json")
    for key in MAIL_MOMENTS:
        values[key] = optional_text(getattr(mail, key))
    return values


def mail_from(row: Row) -> OutgoingMail:
    return OutgoingMail.model_validate(
        {**row, **{key: _moment(row.get(key)) for key in MAIL_MOMENTS}}
    )
