"""Survey rounds, their respondents and answers, and the outbox, in Neo4j."""

from __future__ import annotations

from datetime import datetime

from neo4j import ManagedTransaction

from graph_models.mail import OutgoingMail
from graph_models.surveys import (
    AnswersSave,
    Asked,
    NewSurveyRound,
    Respondent,
    Side,
    StateView,
    SurveyAnswer,
    SurveyRound,
    SurveyRoundDetail,
    Tally,
)
from service.errors import Conflict, NotFound
from service.store.neo4j import cypher
from service.store.neo4j.connection import Neo4jConnection, _anchor, _rows, _run, _single
from service.store.shared.surveys import (
    answer_rows,
    answers_from,
    checked_respondent,
    mail_from,
    mail_row,
    respondent_from,
    round_from,
    round_row,
)
from service.store.shared.values import to_text


class SurveysMixin(Neo4jConnection):
    """Survey rounds and the outbox: nodes of their own, apart from the partner graph."""

    def create_survey_round(self, survey_round: NewSurveyRound) -> SurveyRoundDetail:
        def work(tx: ManagedTransaction) -> None:
            if _single(tx, cypher.SURVEY_ROUND_TAKEN, id=survey_round.id) is not None:
                raise Conflict(f"survey round '{survey_round.id}' already exists")
            people = [
                {**person.model_dump(mode="json"), "updated_at": None}
                for person in survey_round.people
            ]
            _run(
                tx,
                cypher.CREATE_SURVEY_ROUND,
                round={**round_row(survey_round), "partner_ids": survey_round.partner_ids},
                people=people,
            )

        self._write(work)
        return self.get_survey_round(survey_round.id)

    def get_survey_round(self, round_id: str) -> SurveyRoundDetail:
        rows = self._query(cypher.GET_SURVEY_ROUND, id=round_id)
        if not rows:
            raise NotFound(f"survey round '{round_id}' does not exist")
        row = rows[0]
        detail = round_from(row, [respondent_from(person) for person in row["people"]])
        assert isinstance(detail, SurveyRoundDetail)
        return detail

    def list_survey_rounds(
        self, *, org_id: str | None = None, round_id: str | None = None
    ) -> list[SurveyRound]:
        statement = cypher.LIST_SURVEY_ROUNDS[_anchor(round_id=round_id, org_id=org_id)]
        rows = self._query(statement, org_id=org_id, round_id=round_id)
        return [round_from(row) for row in rows if org_id in (None, row["org_id"])]

    def survey_answers(self, round_id: str) -> list[SurveyAnswer]:
        return answers_from(self._query(cypher.SURVEY_ANSWERS, round_id=round_id))

    def survey_asked(self, round_id: str) -> list[Asked]:
        [rows] = self._query(cypher.SURVEY_ASKED, round_id=round_id)
        return [Asked(partner_id, Side(side), count) for partner_id, side, count in rows]

    def survey_tallies(self, round_id: str) -> list[Tally]:
        [rows] = self._query(
            cypher.SURVEY_TALLIES, round_id=round_id, unsure=StateView.DONT_KNOW.value
        )
        return [Tally.of(*row) for row in rows]

    def save_survey_answers(
        self, round_id: str, respondent_id: str, save: AnswersSave, *, saved_at: datetime
    ) -> Respondent:
        at = to_text(saved_at)
        key = {"round_id": round_id, "id": respondent_id}

        def work(tx: ManagedTransaction) -> Respondent:
            _run(tx, cypher.LOCK_SURVEY_RESPONDENT, **key, at=at)
            found = _single(tx, cypher.GET_SURVEY_RESPONDENT, **key)
            respondent = checked_respondent(found, round_id, respondent_id, save.version)
            rows = answer_rows(round_id, respondent, save.answers, at)
            _run(tx, cypher.SAVE_SURVEY_ANSWERS, rows=rows, **key, at=at)
            saved = _single(tx, cypher.GET_SURVEY_RESPONDENT, **key)
            assert saved is not None
            return respondent_from(saved)

        return self._write(work)

    # -- the outbox ---------------------------------------------------------------------------

    def queue_mail(self, mails: list[OutgoingMail]) -> None:
        if mails:
            self._write(_run, cypher.QUEUE_MAIL, rows=[mail_row(mail) for mail in mails])

    def list_mail(
        self, *, round_id: str | None = None, unsent_only: bool = False
    ) -> list[OutgoingMail]:
        statement = cypher.LIST_MAIL[_anchor(round_id=round_id)]
        rows = self._query(statement, round_id=round_id, unsent=unsent_only)
        return [mail_from(row) for row in rows]

    def claim_mail(self, mail_id: str, *, at: datetime) -> bool:
        return bool(self._write(_rows, cypher.CLAIM_MAIL, id=mail_id, at=to_text(at)))

    def settle_mail(self, mail_id: str, *, sent_at: datetime | None, error: str | None) -> None:
        if sent_at is not None:
            self._write(_run, cypher.MAIL_SENT, id=mail_id, at=to_text(sent_at))
        else:
            self._write(_run, cypher.MAIL_FAILED, id=mail_id, error=error)
