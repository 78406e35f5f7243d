"""Survey rounds: start one, list and read them, their results, the respondents' links and
answers, adopting a suggested state; and the two routes a respondent's link opens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, status

from graph_models import Relationship
from graph_models.common import utc_now
from graph_models.mail import OutgoingMail
from graph_models.surveys import (
    Adoption,
    AnswersSave,
    Respondent,
    RespondentLink,
    RoundResults,
    SurveyAnswer,
    SurveyForm,
    SurveyRound,
    SurveyRoundCreate,
    SurveyRoundDetail,
    SurveyTrends,
)
from service.access.deps import Assessor, Reader
from service.surveys import links, mail
from service.surveys import service as surveys
from service.web.deps import AsOfDep, SettingsDep, StoreDep
from service.web.responses import ModelResponse

router = APIRouter(tags=["surveys"])
respondents = APIRouter(prefix="/api/survey-links", tags=["surveys"])
"""The routes a personal link opens: outside ``/api/v1``, as they take no token."""


def signing_key(settings: SettingsDep) -> bytes:
    """The key respondents' links are signed with."""
    return links.link_key(settings)


KeyDep = Annotated[bytes, Depends(signing_key)]
RoundId = Annotated[str, Path(max_length=200)]
Token = Annotated[str, Path(max_length=400, description="The token of a personal link.")]


@router.post("/survey-rounds", status_code=status.HTTP_201_CREATED)
def start_round(
    body: SurveyRoundCreate,
    store: StoreDep,
    settings: SettingsDep,
    principal: Assessor,
    background: BackgroundTasks,
) -> SurveyRoundDetail:
    """Start a round for an agency: its partners asked about, the contacts asked (at the
    partners and inside the agency) and the close. Admins and the agency's leaders. A contact
    at a partner is asked about that relationship, a contact at the agency about all of them;
    each gets a personal link (`GET /api/v1/survey-rounds/{round_id}/links`). With
    `STAKEHOLDER_GRAPH_SMTP_HOST` set, those with an e-mail address are sent an invitation
    holding it after the answer: the round opens even when the mail server is down, and each
    failed send stays in the outbox for `stakeholder-graph mail send`. With `collaborative_id`,
    a leader of a member agency asks about its relationships with the collaborative's other
    members (those named in `partner_ids`, or all it has a relationship with when it is
    empty); results and who sees what stay as for any round."""
    started = surveys.start_round(
        store, body, principal=principal, settings=settings, now=utc_now()
    )
    background.add_task(mail.send_pending, store, settings, round_id=started.id)
    return started


@router.get("/survey-rounds")
def list_rounds(
    store: StoreDep,
    _: Reader,
    org_id: Annotated[str | None, Query(max_length=80, description="Only this agency's.")] = None,
) -> list[SurveyRound]:
    """Survey rounds, newest first, with how many were asked and how many answered."""
    return surveys.rounds_of(store, org_id)


@router.get("/organizations/{org_id}/survey-trends")
def survey_trends(
    org_id: Annotated[str, Path(max_length=80)], store: StoreDep, _: Reader
) -> SurveyTrends:
    """An agency's survey rounds against each other, oldest first: per round the mean trust
    and value of the relationships shown and the density of its partners (the share of pairs
    related to each other at its close); per relationship its trust and value in each round,
    null where it was not asked or fewer than three answered."""
    return surveys.trends_of(store, org_id)


@router.get("/organizations/{org_id}/survey-results")
def latest_survey_results(
    org_id: Annotated[str, Path(max_length=80)], store: StoreDep, _: Reader, as_of: AsOfDep
) -> RoundResults | None:
    """The results of the agency's latest survey round (the latest started by `as_of`), as
    `/survey-rounds/{round_id}/results` gives them: what the partners say beside the eco-map's
    states, under the same three-answer rule; null where it ran none."""
    store.get_organization(org_id)
    return surveys.latest_results(store, org_id, until=as_of.until)


@router.get("/survey-rounds/{round_id}")
def get_round(round_id: RoundId, store: StoreDep, principal: Assessor) -> SurveyRoundDetail:
    """A round with each respondent and how far they got: admins and the agency's leaders."""
    return surveys.managed_round(store, round_id, principal)


@router.get("/survey-rounds/{round_id}/results", response_model=RoundResults)
def round_results(round_id: RoundId, store: StoreDep, _: Reader) -> ModelResponse:
    """Per relationship: trust and value (1-4), how many answered from each side, how far the
    sides agree, the state respondents point to with its share, and a flag where the agency's
    assessment differs; lowest trust first. Figures show only where at least three answered
    (and per side only where each side that answered has three), so no answer can be traced."""
    return ModelResponse(surveys.results_of(store, round_id))


@router.get("/survey-rounds/{round_id}/answers")
def round_answers(round_id: RoundId, store: StoreDep, principal: Assessor) -> list[SurveyAnswer]:
    """Every answer with who gave it: only admins and the leaders of the agency that ran it."""
    return surveys.answers_of(store, round_id, principal)


@router.get("/survey-rounds/{round_id}/links")
def round_links(
    round_id: RoundId,
    request: Request,
    store: StoreDep,
    principal: Assessor,
    key: KeyDep,
) -> list[RespondentLink]:
    """Each respondent's personal link, to pass on where no mail is sent: admins and the
    agency's leaders. Whoever holds a link answers as its respondent until the round closes."""
    return surveys.links_of(store, round_id, principal, key=key, base_url=str(request.base_url))


@router.post("/survey-rounds/{round_id}/adoptions", status_code=status.HTTP_201_CREATED)
def adopt(round_id: RoundId, body: Adoption, store: StoreDep, principal: Assessor) -> Relationship:
    """Adopt the round's suggested state for one relationship: a new assessment in its history,
    "assessed by survey round ...". Admins and the agency's leaders; 422 where fewer than three
    answered."""
    return surveys.adopt(store, round_id, body.partner_id, principal=principal)


@router.post("/survey-rounds/{round_id}/reminders", status_code=status.HTTP_201_CREATED)
def remind(
    round_id: RoundId,
    store: StoreDep,
    settings: SettingsDep,
    principal: Assessor,
    background: BackgroundTasks,
) -> list[OutgoingMail]:
    """Send a reminder to everyone in an open round who has not answered and has an e-mail
    address: admins and the agency's leaders; 422 without an SMTP host or after the close."""
    queued = surveys.remind(store, round_id, principal=principal, settings=settings, now=utc_now())
    background.add_task(mail.send_pending, store, settings, round_id=round_id)
    return queued


@router.get("/survey-rounds/{round_id}/mail")
def round_mail(round_id: RoundId, store: StoreDep, principal: Assessor) -> list[OutgoingMail]:
    """The round's invitations and reminders: to whom, what, when sent, how many tries and
    the last error of those not sent yet. Admins and the agency's leaders."""
    return surveys.round_mail(store, round_id, principal)


@respondents.get("/{token}")
def survey_form(token: Token, store: StoreDep, key: KeyDep) -> SurveyForm:
    """What a personal link opens: the relationships its respondent is asked about, and what
    they saved. Needs no token: the signed link is the respondent's authority, until the close
    (then 403)."""
    return surveys.form(store, token, key=key, now=utc_now())


@respondents.put("/{token}/answers")
def save_answers(token: Token, body: AnswersSave, store: StoreDep, key: KeyDep) -> Respondent:
    """Save (or change) a respondent's answers until the close. `version` is the one the form
    was opened with: a save from an older one (another window saved since) gets 409 and
    changes nothing."""
    return surveys.save(store, token, body, key=key, now=utc_now())
