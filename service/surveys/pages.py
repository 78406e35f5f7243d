"""The survey pages: an agency's rounds and the form that starts one, a round's page (who
answered, the links to copy, the results under the k rule, adopting a suggestion), and the
respondent's form that a personal link opens.

Every form of a signed-in page carries the session's ``csrf_token``. The respondent's form
does not: it is authorised by its signed link alone, never by a cookie, so another site
cannot make a browser send it with borrowed credentials; to forge a save one would need the
secret link itself, which is all the authority the form has.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from graph_models import MAX_PAGE_SIZE, Contact, ContactQuery, Principal, RelationshipState
from graph_models.common import end_of_day, utc_now
from graph_models.surveys import (
    SCALE_TOP,
    TRUST_ITEMS,
    VALUE_ITEMS,
    AnswersSave,
    StateView,
    SurveyForm,
    SurveyRoundCreate,
)
from service.access.csrf import CsrfSent
from service.access.deps import get_principal, page_reader
from service.errors import DomainError, InvalidInput, NotFound
from service.settings import Settings
from service.store import Store
from service.surveys import links, mail
from service.surveys import service as surveys
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import narrowed, page_error, render

router = APIRouter(include_in_schema=False)

Choice = tuple[str, str, list[Contact]]
"""A partner a round may ask about: its id, its name and its contacts."""

ITEM_LABELS = {
    "openness": "Openness to communication",
    "reliability": "Reliability: they do what they say they will",
    "shared_mission": "A shared mission",
    "influence": "Influence in the community",
    "resources": "Resources they contribute",
    "involvement": "Their level of involvement",
}
VIEW_LABELS = {
    StateView.GREEN: "Green: keep it as it is",
    StateView.YELLOW: "Yellow: it could be better",
    StateView.RED: "Red: it needs healing",
    StateView.DONT_KNOW: "I don't know",
}


def problems(error: ValidationError) -> str:
    """What a form got wrong, one sentence per field."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
        if e["loc"]
        else e["msg"].removeprefix("Value error, ")
        for e in error.errors()
    )


# -- an agency's rounds ---------------------------------------------------------------------------


@router.get("/orgs/{org_id}/surveys", response_class=HTMLResponse)
def rounds_page(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The agency's survey rounds, and for its leaders the form that starts one."""
    try:
        principal = page_reader(request, store, settings)
        return _rounds_page(request, store, principal, org_id, q=q)
    except DomainError as error:
        return page_error(request, error)


def _rounds_page(
    request: Request,
    store: Store,
    principal: Principal,
    org_id: str,
    *,
    q: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    focal = store.get_organization(org_id)
    may_start = _manages(principal, org_id)
    choices: list[Choice] = []
    matching = total = 0
    if may_start:
        choices, matching, total = _choices(store, org_id, q)
    return render(
        request,
        "survey_rounds.html",
        status_code=status_code,
        principal=principal,
        focal=focal,
        rounds=surveys.rounds_of(store, org_id),
        trends=surveys.trends_of(store, org_id),
        may_start=may_start,
        staff=_contacts(store, org_id),
        collaboratives=store.list_collaboratives(org_id=org_id) if may_start else [],
        choices=choices,
        matching=matching,
        total=total,
        q=q or "",
        error=error,
        now=utc_now(),
    )


def _manages(principal: Principal, org_id: str) -> bool:
    try:
        surveys.require_manager(principal, org_id)
    except DomainError:
        return False
    return True


def _contacts(store: Store, org_id: str) -> list[Contact]:
    return store.list_contacts(ContactQuery(org_id=org_id, limit=MAX_PAGE_SIZE)).items


def _choices(store: Store, org_id: str, q: str | None) -> tuple[list[Choice], int, int]:
    """The partners a round may ask about, by name, each with its contacts; the first
    :data:`~service.web.pages.LIST_LIMIT` whose name holds ``q``."""
    graph = store.partner_graph(org_id)
    partners = sorted(
        ((partner, graph.nodes[partner]["name"]) for partner in graph.neighbors(org_id)),
        key=lambda pair: (pair[1].casefold(), pair[0]),
    )
    shown, matching = narrowed(partners, q, lambda pair: pair[1])
    return (
        [(partner, name, _contacts(store, partner)) for partner, name in shown],
        matching,
        len(partners),
    )


@router.post("/orgs/{org_id}/surveys", response_class=HTMLResponse)
def start_round(
    request: Request,
    org_id: str,
    store: StoreDep,
    settings: SettingsDep,
    csrf_sent: CsrfSent,
    background: BackgroundTasks,
    title: Annotated[str, Form(max_length=400)] = "",
    closes_on: Annotated[str, Form(max_length=20)] = "",
    partner_ids: Annotated[list[str] | None, Form()] = None,
    contact_ids: Annotated[list[str] | None, Form()] = None,
    collaborative_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Start a round from the form: it closes at the end of the day picked (UTC); with an SMTP
    host, invitations are sent after the answer. For a collaborative, no partner picked means
    every fellow member the agency is related to."""
    try:
        principal = get_principal(request, store, settings, csrf_sent=csrf_sent)
    except DomainError as error:
        return page_error(request, error)
    try:
        try:
            closes_at = end_of_day(date.fromisoformat(closes_on))
        except ValueError:
            raise InvalidInput("pick the day the round closes") from None
        try:
            body = SurveyRoundCreate(
                org_id=org_id,
                title=title,
                closes_at=closes_at,
                partner_ids=partner_ids or [],
                contact_ids=contact_ids or [],
                collaborative_id=collaborative_id or None,
            )
        except ValidationError as invalid:
            raise InvalidInput(problems(invalid)) from None
        started = surveys.start_round(
            store, body, principal=principal, settings=settings, now=utc_now()
        )
    except DomainError as error:
        try:
            return _rounds_page(
                request, store, principal, org_id, error=error.message,
                status_code=error.status_code,
            )  # fmt: skip
        except DomainError as page_problem:
            return page_error(request, page_problem)
    background.add_task(mail.send_pending, store, settings, round_id=started.id)
    return RedirectResponse(f"/surveys/{started.id}", status_code=303)


# -- one round ----------------------------------------------------------------------------------


@router.get("/surveys/{round_id}", response_class=HTMLResponse)
def round_page(request: Request, round_id: str, store: StoreDep, settings: SettingsDep) -> Response:
    """A round's results; for its managers also who answered and each personal link."""
    try:
        principal = page_reader(request, store, settings)
        return _round_page(request, store, settings, principal, round_id)
    except DomainError as error:
        return page_error(request, error)


def _round_page(
    request: Request,
    store: Store,
    settings: Settings,
    principal: Principal,
    round_id: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    results = surveys.results_of(store, round_id)
    focal = store.get_organization(results.round.org_id)
    collaborative = results.round.collaborative_id
    if collaborative is not None:
        with suppress(NotFound):
            collaborative = store.get_collaborative(collaborative).name
    manages = _manages(principal, results.round.org_id)
    outbox = surveys.round_mail(store, round_id, principal) if manages else []
    comments = (
        [a for a in surveys.answers_of(store, round_id, principal) if a.comment] if manages else []
    )
    people = (
        surveys.links_of(
            store,
            round_id,
            principal,
            key=links.link_key(settings),
            base_url=str(request.base_url),
        )
        if manages
        else []
    )
    return render(
        request,
        "survey_round.html",
        status_code=status_code,
        principal=principal,
        focal=focal,
        results=results,
        collaborative=collaborative,
        manages=manages,
        people=people,
        comments=comments,
        outbox_sent=sum(1 for m in outbox if m.sent_at),
        outbox_waiting=[m for m in outbox if not m.sent_at],
        is_open=utc_now() < results.round.closes_at,
        states={state.value: state for state in RelationshipState},
        mail=settings.smtp_host is not None,
        notice=notice,
        error=error,
    )


@router.post("/surveys/{round_id}/adopt", response_class=HTMLResponse)
def adopt(
    request: Request,
    round_id: str,
    store: StoreDep,
    settings: SettingsDep,
    csrf_sent: CsrfSent,
    partner_id: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Adopt the round's suggested state for one relationship."""
    try:
        principal = get_principal(request, store, settings, csrf_sent=csrf_sent)
        try:
            adopted = surveys.adopt(store, round_id, partner_id, principal=principal)
        except DomainError as error:
            return _round_page(
                request, store, settings, principal, round_id, error=error.message,
                status_code=error.status_code,
            )  # fmt: skip
        notice = f"Adopted: the relationship with {partner_id} is now {adopted.state.value}."
        return _round_page(request, store, settings, principal, round_id, notice=notice)
    except DomainError as error:
        return page_error(request, error)


@router.post("/surveys/{round_id}/remind", response_class=HTMLResponse)
def remind(
    request: Request,
    round_id: str,
    store: StoreDep,
    settings: SettingsDep,
    csrf_sent: CsrfSent,
    background: BackgroundTasks,
) -> Response:
    """Remind everyone who has not answered, by mail."""
    try:
        principal = get_principal(request, store, settings, csrf_sent=csrf_sent)
        try:
            queued = surveys.remind(
                store, round_id, principal=principal, settings=settings, now=utc_now()
            )
        except DomainError as error:
            return _round_page(
                request, store, settings, principal, round_id, error=error.message,
                status_code=error.status_code,
            )  # fmt: skip
        background.add_task(mail.send_pending, store, settings, round_id=round_id)
        notice = f"{len(queued)} reminder(s) on their way to those who have not answered."
        return _round_page(request, store, settings, principal, round_id, notice=notice)
    except DomainError as error:
        return page_error(request, error)


# -- the respondent's form ------------------------------------------------------------------------


@router.get("/survey/{token}", response_class=HTMLResponse)
def respondent_form(
    request: Request, token: str, store: StoreDep, settings: SettingsDep
) -> Response:
    """The form a personal link opens: no account, only the link."""
    try:
        shown = surveys.form(store, token, key=links.link_key(settings), now=utc_now())
    except DomainError as error:
        return _respondent_error(request, error)
    return _form_page(request, token, shown)


def _form_page(
    request: Request,
    token: str,
    shown: SurveyForm,
    *,
    notice: str | None = None,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = typed or {}
    if typed is None:
        for partner in shown.partners:
            if partner.answer is not None:
                for field, value in partner.answer.model_dump(mode="json").items():
                    values[f"{partner.partner_id}.{field}"] = str(value)
    return render(
        request,
        "survey_form.html",
        status_code=status_code,
        token=token,
        form=shown,
        values=values,
        trust_items=TRUST_ITEMS,
        value_items=VALUE_ITEMS,
        labels=ITEM_LABELS,
        views=VIEW_LABELS,
        scale=range(1, SCALE_TOP + 1),
        notice=notice,
        error=error,
    )


def _respondent_error(request: Request, error: DomainError) -> Response:
    return render(
        request, "survey_closed.html", status_code=error.status_code, message=error.message
    )


@router.post("/survey/{token}", response_class=HTMLResponse)
async def save_answers(
    request: Request, token: str, store: StoreDep, settings: SettingsDep
) -> Response:
    """Save the respondent's answers; a relationship left blank is left as it was."""
    typed = {
        name: value for name, value in (await request.form()).items() if isinstance(value, str)
    }
    key = links.link_key(settings)

    def work() -> Response:
        now = utc_now()
        try:
            shown = surveys.form(store, token, key=key, now=now)
        except DomainError as error:
            return _respondent_error(request, error)
        try:
            body = _answers(shown, typed)
            saved = surveys.save(store, token, body, key=key, now=now)
        except DomainError as error:
            return _form_page(
                request, token, shown, error=error.message, typed=typed,
                status_code=error.status_code,
            )  # fmt: skip
        fresh = surveys.form(store, token, key=key, now=now)
        when = f"{saved.updated_at:%Y-%m-%d %H:%M} UTC" if saved.updated_at else ""
        notice = f"Saved at {when}. You can change your answers until the survey closes."
        return _form_page(request, token, fresh, notice=notice)

    return await run_in_threadpool(work)


def _answers(shown: SurveyForm, typed: dict[str, str]) -> AnswersSave:
    """The answers a posted form holds: each relationship answered in full, or left blank."""
    fields = (*TRUST_ITEMS, *VALUE_ITEMS, "state_view")
    answers = []
    for partner in shown.partners:
        given = {f: typed.get(f"{partner.partner_id}.{f}", "").strip() for f in fields}
        if not any(given.values()):
            continue
        missing = [ITEM_LABELS.get(f, "how you see it").lower() for f in fields if not given[f]]
        if missing:
            raise InvalidInput(
                f"about {partner.name}, answer every question or none; missing: "
                f"{', '.join(missing)}"
            )
        comment = typed.get(f"{partner.partner_id}.comment", "")
        answers.append({"partner_id": partner.partner_id, **given, "comment": comment})
    if not answers:
        raise InvalidInput("answer the questions about at least one relationship, then save")
    try:
        version = int(typed.get("version", ""))
    except ValueError:
        raise InvalidInput("the form is incomplete: open the link again") from None
    try:
        return AnswersSave.model_validate({"version": version, "answers": answers})
    except ValidationError as invalid:
        raise InvalidInput(problems(invalid)) from None
