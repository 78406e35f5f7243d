"""Survey rounds, their respondents and answers, and the outbox, in the embedded store."""

from __future__ import annotations

import json
from datetime import datetime

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
from service.store.embedded.connection import EmbeddedBase
from service.store.shared.surveys import (
    ANSWER_ITEMS,
    TRUST_SUM,
    VALUE_SUM,
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

_RESPONDENTS = (
    "SELECT p.*, (SELECT count(*) FROM survey_answers a "
    "             WHERE a.round_id = p.round_id AND a.respondent_id = p.id) AS answered "
    "FROM survey_respondents p WHERE p.round_id = :round_id AND (:id IS NULL OR p.id = :id) "
    "ORDER BY p.org_id, p.name, p.id"
)
_ROUNDS = (
    "SELECT r.*, (SELECT count(*) FROM survey_respondents p WHERE p.round_id = r.id) "
    "AS respondents, (SELECT count(DISTINCT a.respondent_id) FROM survey_answers a "
    "WHERE a.round_id = r.id) AS answered FROM survey_rounds r "
)


class SurveysMixin(EmbeddedBase):
    """Survey rounds and the outbox: plain tables, no part of the analytics graph."""

    def create_survey_round(self, survey_round: NewSurveyRound) -> SurveyRoundDetail:
        with self._write() as db:
            if self._exists("survey_rounds", "id", survey_round.id):
                raise Conflict(f"survey round '{survey_round.id}' already exists")
            db.execute(
                "INSERT INTO survey_rounds (id, org_id, title, created_by, created_at, "
                "closes_at, partner_ids, collaborative_id) VALUES (:id, :org_id, :title, "
                ":created_by, :created_at, :closes_at, :partner_ids, :collaborative_id)",
                {**round_row(survey_round), "partner_ids": json.dumps(survey_round.partner_ids)},
            )
            db.executemany(
                "INSERT INTO survey_respondents (round_id, id, name, org_id, side, email, "
                "partner_ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        survey_round.id,
                        p.id,
                        p.name,
                        p.org_id,
                        p.side.value,
                        p.email,
                        json.dumps(p.partner_ids),
                    )
                    for p in survey_round.people
                ],
            )
        return self.get_survey_round(survey_round.id)

    def get_survey_round(self, round_id: str) -> SurveyRoundDetail:
        row = self._one("SELECT * FROM survey_rounds WHERE id = ?", (round_id,))
        if row is None:
            raise NotFound(f"survey round '{round_id}' does not exist")
        people = self._all(_RESPONDENTS, {"round_id": round_id, "id": None})
        detail = round_from(dict(row), [respondent_from(dict(p)) for p in people])
        assert isinstance(detail, SurveyRoundDetail)
        return detail

    def list_survey_rounds(
        self, *, org_id: str | None = None, round_id: str | None = None
    ) -> list[SurveyRound]:
        rows = self._all(
            _ROUNDS + "WHERE (:org IS NULL OR r.org_id = :org) AND (:id IS NULL OR r.id = :id) "
            "ORDER BY r.created_at DESC, r.id",
            {"org": org_id, "id": round_id},
        )
        return [round_from(dict(row)) for row in rows]

    def survey_answers(self, round_id: str) -> list[SurveyAnswer]:
        rows = self._all(
            "SELECT * FROM survey_answers WHERE round_id = ? ORDER BY partner_id, respondent_id",
            (round_id,),
        )
        return answers_from([dict(row) for row in rows])

    def survey_asked(self, round_id: str) -> list[Asked]:
        rows = self._tuples(
            "SELECT asked.value, p.side, count(*) FROM survey_respondents p, "
            "json_each(p.partner_ids) asked WHERE p.round_id = :round_id "
            "GROUP BY asked.value, p.side ORDER BY asked.value, p.side",
            {"round_id": round_id},
        )
        return [Asked(partner_id, Side(side), count) for partner_id, side, count in rows]

    def survey_tallies(self, round_id: str) -> list[Tally]:
        rows = self._tuples(
            f"SELECT partner_id, side, state_view, count(*), sum({TRUST_SUM}), sum({VALUE_SUM}) "
            "FROM survey_answers WHERE round_id = :round_id GROUP BY partner_id, side, "
            f"state_view, CASE WHEN state_view = :unsure THEN {TRUST_SUM} + {VALUE_SUM} END "
            "ORDER BY partner_id, side, state_view",
            {"round_id": round_id, "unsure": StateView.DONT_KNOW.value},
        )
        return [Tally.of(*row) for row in rows]

    def save_survey_answers(
        self, round_id: str, respondent_id: str, save: AnswersSave, *, saved_at: datetime
    ) -> Respondent:
        with self._write() as db:
            found = self._one(_RESPONDENTS, {"round_id": round_id, "id": respondent_id})
            row = None if found is None else dict(found)
            respondent = checked_respondent(row, round_id, respondent_id, save.version)
            at = to_text(saved_at)
            columns = ("round_id", "respondent_id", "side", "partner_id", "saved_at", *ANSWER_ITEMS)
            db.executemany(
                f"INSERT OR REPLACE INTO survey_answers ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})",
                answer_rows(round_id, respondent, save.answers, at),
            )
            db.execute(
                "UPDATE survey_respondents SET version = version + 1, updated_at = ? "
                "WHERE round_id = ? AND id = ?",
                (at, round_id, respondent_id),
            )
        saved = self._one(_RESPONDENTS, {"round_id": round_id, "id": respondent_id})
        assert saved is not None
        return respondent_from(dict(saved))

    # -- the outbox ---------------------------------------------------------------------------

    def queue_mail(self, mails: list[OutgoingMail]) -> None:
        if not mails:
            return
        columns = tuple(OutgoingMail.model_fields)
        with self._write() as db:
            db.executemany(
                f"INSERT INTO outbox ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})",
                [mail_row(mail) for mail in mails],
            )

    def list_mail(
        self, *, round_id: str | None = None, unsent_only: bool = False
    ) -> list[OutgoingMail]:
        rows = self._all(
            "SELECT * FROM outbox WHERE (:round IS NULL OR round_id = :round) "
            "AND (NOT :unsent OR sent_at IS NULL) ORDER BY created_at, id",
            {"round": round_id, "unsent": unsent_only},
        )
        return [mail_from(dict(row)) for row in rows]

    def claim_mail(self, mail_id: str, *, at: datetime) -> bool:
        with self._write() as db:
            taken = db.execute(
                "UPDATE outbox SET claimed_at = ? "
                "WHERE id = ? AND sent_at IS NULL AND claimed_at IS NULL",
                (to_text(at), mail_id),
            )
            return taken.rowcount == 1

    def settle_mail(self, mail_id: str, *, sent_at: datetime | None, error: str | None) -> None:
        with self._write() as db:
            if sent_at is not None:
                db.execute(
                    "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL "
                    "WHERE id = ?",
                    (to_text(sent_at), mail_id),
                )
            else:
                db.execute(
                    "UPDATE outbox SET claimed_at = NULL, attempts = attempts + 1, "
                    "last_error = ? WHERE id = ?",
                    (error, mail_id),
                )
