"""Survey rounds: starting one from the contacts chosen, the respondent's form and saves, the
results, and adopting a suggested state; each gathers its inputs from the store.

Who may do what: any reader sees the rounds of an agency and their results (figures only
where the k rule allows); the admins, and the leaders of the agency that ran a round (a
leader of no organization counts as a leader of every agency), start it, see who answered,
read the answers one by one, copy the links and adopt suggestions. A respondent needs only
their link, and only until the round closes.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from graph_models import Principal, Relationship, RelationshipUpdate, Role, relationship_id
from graph_models.common import slugify, stored_text
from graph_models.mail import MailKind, OutgoingMail
from graph_models.surveys import (
    AnswerCreate,
    AnswersSave,
    FormPartner,
    NewRespondent,
    NewSurveyRound,
    Respondent,
    RespondentLink,
    RoundResults,
    Side,
    SurveyAnswer,
    SurveyForm,
    SurveyRound,
    SurveyRoundCreate,
    SurveyRoundDetail,
    SurveyTrends,
)
from service.access.permissions import Permission, require
from service.errors import Forbidden, InvalidInput, InvalidReference, NotFound
from service.settings import Settings
from service.store.protocol import Store
from service.surveys import analytics, links, mail
from service.surveys.analytics import in_words, round_results


def require_manager(principal: Principal, org_id: str) -> None:
    """:class:`Forbidden` unless ``principal`` is an admin or a leader of ``org_id``."""
    require(principal, Permission.ASSESS)
    if principal.role is not Role.ADMIN and principal.org_id not in (None, org_id):
        raise Forbidden(f"only admins and leaders of '{org_id}' manage its survey rounds")


def start_round(
    store: Store,
    body: SurveyRoundCreate,
    *,
    principal: Principal,
    settings: Settings,
    now: datetime,
) -> SurveyRoundDetail:
    """Start a round: every contact becomes a respondent, asked about their own
    organization's relationship with the agency, or, inside the agency, about all of them;
    with an SMTP host, each with an e-mail address gets an invitation in the outbox."""
    require_manager(principal, body.org_id)
    if body.closes_at <= now:
        raise InvalidInput("closes_at must be in the future: respondents need time to answer")
    _known_organization(store, body.org_id)
    if body.collaborative_id is not None:
        body = body.model_copy(update={"partner_ids": _fellow_members(store, body, now)})
    for partner_id in body.partner_ids:
        _known_organization(store, partner_id)
        try:
            store.get_relationship(relationship_id(body.org_id, partner_id))
        except NotFound:
            raise InvalidReference(
                f"'{body.org_id}' has no relationship with '{partner_id}'; a round asks about "
                "relationships the agency has"
            ) from None
    people = [_respondent(store, contact_id, body) for contact_id in body.contact_ids]
    started = store.create_survey_round(
        NewSurveyRound(
            id=f"{slugify(body.title)[:60]}-{secrets.token_hex(3)}",
            org_id=body.org_id,
            title=body.title,
            created_by=principal.name,
            created_at=now,
            closes_at=body.closes_at,
            partner_ids=body.partner_ids,
            collaborative_id=body.collaborative_id,
            people=people,
        )
    )
    queue_round_mail(store, started, kind=MailKind.INVITATION, settings=settings, now=now)
    return started


def _fellow_members(store: Store, body: SurveyRoundCreate, now: datetime) -> list[str]:
    """The partners a collaborative's round asks about: those named, each a fellow member, or
    when none is named every fellow member the agency has a relationship with."""
    assert body.collaborative_id is not None
    try:
        collaborative = store.get_collaborative(body.collaborative_id)
    except NotFound:
        raise InvalidReference(f"collaborative '{body.collaborative_id}' does not exist") from None
    members = collaborative.member_org_ids
    if body.org_id not in members:
        raise InvalidInput(
            f"'{body.org_id}' is not a member of the collaborative '{collaborative.name}'; a "
            "member runs its rounds"
        )
    if collaborative.end is not None and collaborative.end < now.date():
        raise InvalidInput(f"the collaborative '{collaborative.name}' ended on {collaborative.end}")
    outside = [partner for partner in body.partner_ids if partner not in members]
    if outside:
        raise InvalidInput(
            f"{', '.join(outside)} not a member of the collaborative '{collaborative.name}'; its "
            f"members are {', '.join(members)}"
        )
    if body.partner_ids:
        return body.partner_ids
    related = store.partner_graph(body.org_id)
    fellows = [m for m in members if m != body.org_id and related.has_edge(body.org_id, m)]
    if not fellows:
        raise InvalidInput(
            f"'{body.org_id}' has no relationship with another member of the collaborative "
            f"'{collaborative.name}' to ask about"
        )
    return fellows


def queue_round_mail(
    store: Store,
    survey_round: SurveyRoundDetail,
    *,
    kind: MailKind,
    settings: Settings,
    now: datetime,
) -> list[OutgoingMail]:
    """Queue an invitation (or, to those who have not answered, a reminder) for each
    respondent with an e-mail address; nothing without an SMTP host (the round's page lists
    the links to copy instead)."""
    if settings.smtp_host is None:
        return []
    people = survey_round.people
    if kind is MailKind.REMINDER:
        people = [person for person in people if not person.answered]
    messages = mail.round_messages(
        survey_round,
        people,
        kind=kind,
        agency=_known_organization(store, survey_round.org_id),
        key=links.link_key(settings),
        public_url=settings.public_url,
        now=now,
    )
    store.queue_mail(messages)
    return messages


def remind(
    store: Store, round_id: str, *, principal: Principal, settings: Settings, now: datetime
) -> list[OutgoingMail]:
    """Queue reminders to everyone in an open round who has not answered yet."""
    survey_round = managed_round(store, round_id, principal)
    if now >= survey_round.closes_at:
        raise InvalidInput(f"round '{round_id}' has closed: nobody can answer any more")
    if settings.smtp_host is None:
        raise InvalidInput(
            "no mail server is set up (STAKEHOLDER_GRAPH_SMTP_HOST): copy the links from the "
            "round's page instead"
        )
    return queue_round_mail(store, survey_round, kind=MailKind.REMINDER, settings=settings, now=now)


def round_mail(store: Store, round_id: str, principal: Principal) -> list[OutgoingMail]:
    """The messages of a round: to whom, what, when sent, or why not yet."""
    managed_round(store, round_id, principal)
    return store.list_mail(round_id=round_id)


def _known_organization(store: Store, org_id: str) -> str:
    try:
        return store.get_organization(org_id).name
    except NotFound:
        raise InvalidReference(f"organization '{org_id}' does not exist") from None


def _respondent(store: Store, contact_id: str, body: SurveyRoundCreate) -> NewRespondent:
    try:
        contact = store.get_contact(contact_id)
    except NotFound:
        raise InvalidReference(f"contact '{contact_id}' does not exist") from None
    if contact.org_id == body.org_id:
        side, asked = Side.AGENCY, body.partner_ids
    elif contact.org_id in body.partner_ids:
        side, asked = Side.PARTNER, [contact.org_id]
    else:
        raise InvalidInput(
            f"contact '{contact_id}' works at '{contact.org_id}', neither the agency nor one of "
            "the partners the round asks about"
        )
    return NewRespondent(
        id=contact.id,
        name=contact.name,
        org_id=contact.org_id,
        side=side,
        email=contact.email,
        partner_ids=asked,
    )


def rounds_of(store: Store, org_id: str | None) -> list[SurveyRound]:
    """The rounds of an agency (of every agency when None), newest first."""
    return store.list_survey_rounds(org_id=org_id)


def managed_round(store: Store, round_id: str, principal: Principal) -> SurveyRoundDetail:
    """A round with its respondents, for those who manage it."""
    survey_round = store.get_survey_round(round_id)
    require_manager(principal, survey_round.org_id)
    return survey_round


def answers_of(store: Store, round_id: str, principal: Principal) -> list[SurveyAnswer]:
    """Every answer with who gave it: for the round's managers only."""
    managed_round(store, round_id, principal)
    return store.survey_answers(round_id)


def links_of(
    store: Store, round_id: str, principal: Principal, *, key: bytes, base_url: str
) -> list[RespondentLink]:
    """Each respondent's personal link, for the round's managers to pass on."""
    survey_round = managed_round(store, round_id, principal)
    return [
        RespondentLink(
            respondent_id=person.id,
            name=person.name,
            org_id=person.org_id,
            side=person.side,
            email=person.email,
            answered=person.answered,
            url=link_url(base_url, key, survey_round.id, person.id),
        )
        for person in survey_round.people
    ]


def link_url(base_url: str, key: bytes, round_id: str, respondent_id: str) -> str:
    """The address of a respondent's form.

    >>> link_url("http://example.org/", b"k", "r", "ana")[:30]
    'http://example.org/survey/r.an'
    """
    return f"{base_url.rstrip('/')}/survey/{links.sign(key, round_id, respondent_id)}"


def results_of(store: Store, round_id: str) -> RoundResults:
    """The round's results, each relationship beside the agency's own assessment of it: read
    as counts and sums, never answer by answer."""
    found = store.list_survey_rounds(round_id=round_id)
    if not found:
        raise NotFound(f"survey round '{round_id}' does not exist")
    return _results(store, found[0])


def _results(store: Store, survey_round: SurveyRound) -> RoundResults:
    graph = store.partner_graph(survey_round.org_id)
    partners = {
        partner_id: (
            graph.nodes[partner_id]["name"] if partner_id in graph else partner_id,
            graph.edges[survey_round.org_id, partner_id]["state"]
            if graph.has_edge(survey_round.org_id, partner_id)
            else None,
        )
        for partner_id in survey_round.partner_ids
    }
    return round_results(
        survey_round,
        partners=partners,
        asked=store.survey_asked(survey_round.id),
        tallies=store.survey_tallies(survey_round.id),
    )


def latest_results(
    store: Store, org_id: str, *, until: datetime | None = None
) -> RoundResults | None:
    """The results of the agency's latest round (the latest started by ``until``), if it ran
    one. Aggregates under the k rule: for every reader, as a round's results are."""
    return latest_of(store, store.list_survey_rounds(org_id=org_id), until=until)


def latest_of(
    store: Store, rounds: list[SurveyRound], *, until: datetime | None = None
) -> RoundResults | None:
    """:func:`latest_results` among an agency's ``rounds``, newest first as the store lists
    them."""
    latest = next((r for r in rounds if until is None or r.created_at <= until), None)
    return _results(store, latest) if latest else None


def said_in_words(store: Store, org_id: str, *, until: datetime | None = None) -> dict[str, str]:
    """What the agency's latest round (started by ``until``) says of each relationship it
    asked about, in words, by partner id; empty where it ran none."""
    survey = latest_results(store, org_id, until=until)
    if survey is None:
        return {}
    return {
        result.partner_id: in_words(result, title=survey.round.title, k=survey.min_respondents)
        for result in survey.relationships
    }


def trends_of(store: Store, org_id: str) -> SurveyTrends:
    """The agency's rounds against each other, with each relationship's scores in each."""
    graph = store.partner_graph(org_id)
    found = [results_of(store, r.id) for r in store.list_survey_rounds(org_id=org_id)]
    return analytics.trends(org_id, found, graph)


def adopt(store: Store, round_id: str, partner_id: str, *, principal: Principal) -> Relationship:
    """Make the round's suggested state for one relationship its new assessment, saying so."""
    results = results_of(store, round_id)
    require_manager(principal, results.round.org_id)
    found = next((r for r in results.relationships if r.partner_id == partner_id), None)
    if found is None:
        raise InvalidReference(f"round '{round_id}' does not ask about '{partner_id}'")
    if found.suggested is None:
        raise InvalidInput(
            f"round '{round_id}' suggests no state for '{partner_id}': {found.withheld}"
        )
    reason = (
        f"assessed by survey round '{results.round.title}' ({round_id}): {found.answered} "
        f"answered, trust {found.trust} and value {found.value} of 4; "
        f"{found.confidence:.0%} point to {found.suggested.value}"
    )
    with stored_text():  # the title as stored, markup and all where an older version kept it
        assessment = RelationshipUpdate(state=found.suggested, reason=reason)
    return store.assess_relationship(
        relationship_id(results.round.org_id, partner_id),
        assessment,
        assessed_by=principal.name,
    )


# -- the respondent's side -----------------------------------------------------------------------


def _linked(
    store: Store, key: bytes, token: str, now: datetime
) -> tuple[SurveyRoundDetail, Respondent]:
    """The round and respondent a link names, while the round is open."""
    round_id, respondent_id = links.read(key, token)
    try:
        survey_round = store.get_survey_round(round_id)
    except NotFound:
        raise NotFound(links.INVALID) from None
    respondent = next((p for p in survey_round.people if p.id == respondent_id), None)
    if respondent is None:
        raise NotFound(links.INVALID)
    if now >= survey_round.closes_at:
        raise Forbidden(
            f"this survey closed on {survey_round.closes_at:%Y-%m-%d at %H:%M} UTC; answers can "
            "no longer be given or changed"
        )
    return survey_round, respondent


def form(store: Store, token: str, *, key: bytes, now: datetime) -> SurveyForm:
    """What a respondent's link opens: the relationships they are asked about and what they
    saved."""
    survey_round, respondent = _linked(store, key, token, now)
    saved = {
        answer.partner_id: AnswerCreate.model_validate(answer, from_attributes=True)
        for answer in store.survey_answers(survey_round.id)
        if answer.respondent_id == respondent.id
    }
    graph = store.partner_graph(survey_round.org_id)
    name = graph.nodes[survey_round.org_id]["name"] if survey_round.org_id in graph else ""
    return SurveyForm(
        round_id=survey_round.id,
        title=survey_round.title,
        agency=name or survey_round.org_id,
        closes_at=survey_round.closes_at,
        respondent=respondent.name,
        side=respondent.side,
        version=respondent.version,
        partners=[
            FormPartner(
                partner_id=partner_id,
                name=graph.nodes[partner_id]["name"] if partner_id in graph else partner_id,
                answer=saved.get(partner_id),
            )
            for partner_id in respondent.partner_ids
        ],
    )


def save(store: Store, token: str, body: AnswersSave, *, key: bytes, now: datetime) -> Respondent:
    """Save a respondent's answers while the round is open; only about what they are asked."""
    survey_round, respondent = _linked(store, key, token, now)
    unasked = [a.partner_id for a in body.answers if a.partner_id not in respondent.partner_ids]
    if unasked:
        raise InvalidInput(
            f"this link does not ask about {', '.join(unasked)}; it asks about "
            f"{', '.join(respondent.partner_ids)}"
        )
    return store.save_survey_answers(survey_round.id, respondent.id, body, saved_at=now)
