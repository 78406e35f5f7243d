"""Mail the service sends: invitations and reminders of survey rounds, and digests of what
needs doing, kept in an outbox until the SMTP server has taken them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from graph_models.common import ReadModel


class MailKind(StrEnum):
    """What a message is for."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    DIGEST = "digest"


class OutgoingMail(ReadModel):
    """One message in the outbox: to whom, what, and what became of it.

    A message is taken for sending (``claimed_at``) before it is handed to the SMTP server
    and marked sent after, so two senders never send it twice; a failed send is kept, with
    its error, for the next try.
    """

    id: str
    kind: MailKind
    to_address: str
    to_name: str
    subject: str
    body: str = Field(description="Plain text; markup in it is only ever text.")
    round_id: str | None = None
    org_id: str | None = None
    created_at: datetime
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
