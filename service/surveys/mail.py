"""Mail: invitations and reminders of survey rounds, and digests of what needs doing, written
into the store's outbox and sent through the SMTP settings (``STAKEHOLDER_GRAPH_SMTP_*``).

Messages are plain text, so markup anyone typed (a title, a name) is only ever text. A message
is taken for sending before it is handed to the server and marked sent after, so no two
senders send it twice; a failed send is kept with its error and tried again by the next
:func:`send_pending` (``stakeholder-graph mail send``), never lost. A message taken by a sender
that stopped before it could mark it stays taken and is reported, not sent again: the server
may have it.
"""

from __future__ import annotations

import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr

from graph_models.common import utc_now
from graph_models.mail import MailKind, OutgoingMail
from graph_models.surveys import Respondent, SurveyRound
from service.settings import Settings
from service.store.protocol import Store
from service.surveys import links

SMTP_TIMEOUT_SECONDS = 20


def mail_id(kind: MailKind, now: datetime) -> str:
    """A new message's id: its kind, when, and a random part."""
    return f"{kind.value}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def round_messages(
    survey_round: SurveyRound,
    people: list[Respondent],
    *,
    kind: MailKind,
    agency: str,
    key: bytes,
    public_url: str,
    now: datetime,
) -> list[OutgoingMail]:
    """An invitation (or a reminder) for each of ``people`` who has an e-mail address, each
    holding that person's own link.

    >>> from datetime import UTC
    >>> from graph_models.surveys import Side
    >>> at = datetime(2027, 3, 1, tzinfo=UTC)
    >>> r = SurveyRound(id="spring", org_id="hub", title="Spring", created_by="Lee",
    ...     created_at=at, closes_at=at, partner_ids=["wic"], respondents=1, answered=0)
    >>> ana = Respondent(id="ana", name="Ana", org_id="wic", side=Side.PARTNER,
    ...     email="ana@wic.example", partner_ids=["wic"], answered=0, version=0, updated_at=None)
    >>> [mail] = round_messages(r, [ana], kind=MailKind.INVITATION, agency="Hub", key=b"k",
    ...     public_url="https://sg.example", now=at)
    >>> mail.subject, mail.to_address
    ('Hub asks: Spring', 'ana@wic.example')
    >>> "https://sg.example/survey/spring.ana." in mail.body
    True
    """
    closes = f"{survey_round.closes_at:%Y-%m-%d %H:%M} UTC"
    opening = {
        MailKind.INVITATION: f"{agency} asks how its relationships with its partners stand, "
        "and would like your view.",
        MailKind.REMINDER: f"A reminder: {agency} would still like your view of its "
        "relationships with its partners.",
    }[kind]
    messages = []
    for person in people:
        if not person.email:
            continue
        url = f"{public_url.rstrip('/')}/survey/{links.sign(key, survey_round.id, person.id)}"
        body = (
            f"Dear {person.name},\n\n{opening}\n\n"
            f'The survey "{survey_round.title}" asks, for each relationship, about trust '
            "(openness, reliability, shared mission) and value (influence, resources, "
            "involvement) on 1-4 scales. It takes a few minutes.\n\n"
            f"Your personal link (please do not pass it on; it answers as you):\n{url}\n\n"
            f"You can save and change your answers until {closes}. Individual answers are "
            f"seen only by the leaders of {agency}; figures are shown once at least three "
            "people have answered about a relationship.\n"
        )
        messages.append(
            OutgoingMail(
                id=mail_id(kind, now),
                kind=kind,
                to_address=person.email,
                to_name=person.name,
                subject=f"{agency} asks: {survey_round.title}"
                if kind is MailKind.INVITATION
                else f"Reminder: {survey_round.title}",
                body=body,
                round_id=survey_round.id,
                org_id=person.org_id,
                created_at=now,
            )
        )
    return messages


@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    """``(message id, address, error)`` of each send that failed; each is tried again."""
    stuck: list[str] = field(default_factory=list)
    """Messages taken by a sender that never said how it went: not sent again."""

    def lines(self) -> list[str]:
        """The report in words, one line each."""
        said = [f"sent {len(self.sent)} message(s)"]
        said += [f"failed {mail_id} to {to}: {error}" for mail_id, to, error in self.failed]
        if self.failed:
            said.append(f"{len(self.failed)} failed; each is kept and tried again next time")
        said += [
            f"taken but never settled (not sent again; the server may have it): {mail_id}"
            for mail_id in self.stuck
        ]
        return said


def send_pending(store: Store, settings: Settings, *, round_id: str | None = None) -> SendReport:
    """Send every message of the outbox not sent yet (of one round when given), each taken
    before it is sent and settled after; without an SMTP host, nothing is sent."""
    report = SendReport()
    if settings.smtp_host is None:
        return report
    pending = store.list_mail(round_id=round_id, unsent_only=True)
    report.stuck = [mail.id for mail in pending if mail.claimed_at is not None]
    waiting = [mail for mail in pending if mail.claimed_at is None]
    if not waiting:
        return report
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        for mail in waiting:
            if store.claim_mail(mail.id, at=utc_now()):
                _failed(store, report, mail, f"cannot reach the SMTP server: {error}")
        return report
    with server:
        for mail in waiting:
            if not store.claim_mail(mail.id, at=utc_now()):
                continue  # another sender has it
            try:
                server.send_message(_message(mail, settings))
            except (OSError, smtplib.SMTPException) as error:
                _failed(store, report, mail, str(error) or type(error).__name__)
                continue
            store.settle_mail(mail.id, sent_at=utc_now(), error=None)
            report.sent.append(mail.id)
    return report


def _failed(store: Store, report: SendReport, mail: OutgoingMail, error: str) -> None:
    message = " ".join(error.split())[:500]
    store.settle_mail(mail.id, sent_at=None, error=message)
    report.failed.append((mail.id, mail.to_address, message))


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host is not None
    server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if settings.smtp_starttls:
            server.starttls()
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password.get_secret_value())
    except BaseException:
        server.close()
        raise
    return server


def _message(mail: OutgoingMail, settings: Settings) -> EmailMessage:
    """The message as sent: plain text in UTF-8, its outbox id in a header of its own."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = formataddr((mail.to_name, mail.to_address))
    message["Subject"] = mail.subject
    message["X-Stakeholder-Graph-Mail"] = mail.id
    message.set_content(mail.body)
    return message
