"""Digests: for each organization, what needs doing, mailed to its contacts: referral loops
overdue (counts only: a digest never holds a case ref), planned engagements due, and survey
rounds open that it runs or that ask its people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from graph_models import (
    MAX_PAGE_SIZE,
    ContactQuery,
    Engagement,
    EngagementQuery,
    Organization,
    OrganizationQuery,
)
from graph_models.enums import EngagementStatus
from graph_models.mail import MailKind, OutgoingMail
from graph_models.referrals import DEFAULT_OVERDUE_AFTER_DAYS, NO_LOOPS
from graph_models.surveys import SurveyRoundDetail
from service.store.protocol import Store
from service.surveys.mail import mail_id

DUE_WITHIN_DAYS = 7
"""A planned engagement is due when it is dated within this many days, or before today."""


@dataclass
class Digest:
    """What one organization has to do."""

    organization: Organization
    overdue_sent: int = 0
    overdue_received: int = 0
    engagements: list[Engagement] = field(default_factory=list)
    rounds_run: list[SurveyRoundDetail] = field(default_factory=list)
    rounds_asking: list[tuple[SurveyRoundDetail, int, int]] = field(default_factory=list)
    """Open rounds of other agencies asking its people: the round, how many of its people are
    asked, how many of them answered."""

    def text(self, now: datetime) -> str | None:
        """The digest in words; None when nothing needs doing.

        >>> from datetime import UTC
        >>> at = datetime(2027, 3, 1, tzinfo=UTC)
        >>> hub = Organization(id="hub", name="Hub <b>", sector="wic", region=None,
        ...     internal=False, notes="", created_at=at)
        >>> print(Digest(hub, overdue_sent=2).text(at))
        What needs doing at Hub <b>, as of 2027-03-01:
        <BLANKLINE>
        Referral loops overdue (no feedback after 30 days):
        - 2 referral(s) you sent are still waiting for feedback
        <BLANKLINE>
        >>> Digest(hub).text(at) is None
        True
        """
        parts = []
        if self.overdue_sent or self.overdue_received:
            lines = [
                f"Referral loops overdue (no feedback after {DEFAULT_OVERDUE_AFTER_DAYS} days):"
            ]
            if self.overdue_sent:
                lines.append(
                    f"- {self.overdue_sent} referral(s) you sent are still waiting for feedback"
                )
            if self.overdue_received:
                lines.append(
                    f"- {self.overdue_received} referral(s) you received still need your feedback"
                )
            parts.append("\n".join(lines))
        if self.engagements:
            today = now.date()
            lines = ["Planned engagements due:"]
            lines += [
                f"- {e.date.isoformat()} {e.title} ({e.kind.value})"
                + (" - overdue" if e.date < today else "")
                for e in self.engagements
            ]
            parts.append("\n".join(lines))
        if self.rounds_run or self.rounds_asking:
            lines = ["Survey rounds open:"]
            lines += [
                f'- your round "{r.title}": {r.answered} of {r.respondents} answered, closes '
                f"{r.closes_at:%Y-%m-%d}"
                for r in self.rounds_run
            ]
            lines += [
                f'- "{r.title}" asks {asked} of your people ({answered} answered so far), '
                f"closes {r.closes_at:%Y-%m-%d}; each has a personal link"
                for r, asked, answered in self.rounds_asking
            ]
            parts.append("\n".join(lines))
        if not parts:
            return None
        heading = f"What needs doing at {self.organization.name}, as of {now:%Y-%m-%d}:"
        return "\n\n".join([heading, *parts]) + "\n"


def digest_of(
    store: Store, organization: Organization, open_rounds: list[SurveyRoundDetail], now: datetime
) -> Digest:
    """What ``organization`` has to do as of ``now``."""
    loops = store.feedback_loops(
        org_id=organization.id,
        overdue_before=now - timedelta(days=DEFAULT_OVERDUE_AFTER_DAYS),
        worst=0,
    )
    planned = store.list_engagements(
        EngagementQuery(
            org_id=organization.id,
            status=EngagementStatus.PLANNED,
            until=(now + timedelta(days=DUE_WITHIN_DAYS)).date(),
            limit=MAX_PAGE_SIZE,
        )
    ).items
    digest = Digest(
        organization,
        overdue_sent=loops.senders.get(organization.id, NO_LOOPS).overdue,
        overdue_received=loops.receivers.get(organization.id, NO_LOOPS).overdue,
        engagements=planned,
    )
    for survey_round in open_rounds:
        if survey_round.org_id == organization.id:
            digest.rounds_run.append(survey_round)
            continue
        ours = [p for p in survey_round.people if p.org_id == organization.id]
        if ours:
            answered = sum(1 for p in ours if p.answered)
            digest.rounds_asking.append((survey_round, len(ours), answered))
    return digest


@dataclass
class DigestReport:
    """What one run of the digests did."""

    queued: list[OutgoingMail] = field(default_factory=list)
    nothing_to_do: list[str] = field(default_factory=list)
    nobody_to_tell: list[str] = field(default_factory=list)
    """Organizations with something to do but no contact with an e-mail address."""

    def lines(self) -> list[str]:
        """The report in words."""
        return [
            f"queued {len(self.queued)} digest(s)",
            f"{len(self.nothing_to_do)} organization(s) with nothing to do",
            *(
                f"{org_id}: something to do, but no contact has an e-mail address"
                for org_id in self.nobody_to_tell
            ),
        ]


def queue_digests(store: Store, *, org_id: str | None, now: datetime) -> DigestReport:
    """Write a digest into the outbox for every contact with an e-mail address of ``org_id``
    (of every organization when None) that has something to do."""
    organizations = [store.get_organization(org_id)] if org_id else _every_organization(store)
    open_rounds = [
        store.get_survey_round(r.id) for r in store.list_survey_rounds() if r.closes_at > now
    ]
    report = DigestReport()
    for organization in organizations:
        text = digest_of(store, organization, open_rounds, now).text(now)
        if text is None:
            report.nothing_to_do.append(organization.id)
            continue
        contacts = store.list_contacts(
            ContactQuery(org_id=organization.id, limit=MAX_PAGE_SIZE)
        ).items
        messages = [
            OutgoingMail(
                id=mail_id(MailKind.DIGEST, now),
                kind=MailKind.DIGEST,
                to_address=contact.email,
                to_name=contact.name,
                subject=f"What needs doing at {organization.name}",
                body=f"Dear {contact.name},\n\n{text}",
                org_id=organization.id,
                created_at=now,
            )
            for contact in contacts
            if contact.email
        ]
        if not messages:
            report.nobody_to_tell.append(organization.id)
        store.queue_mail(messages)
        report.queued += messages
    return report


def _every_organization(store: Store) -> list[Organization]:
    found: list[Organization] = []
    while True:
        page = store.list_organizations(OrganizationQuery(limit=MAX_PAGE_SIZE, offset=len(found)))
        found += page.items
        if not page.items or len(found) >= page.total:
            return found
