"""Referrals of a case from one organization to another, and their feedback loops.

A case is known only by a pseudonymous ``case_ref``: no model here has a field for a family
name, a birth date or an address, and a referral carries no free text in which one could
creep in.

A referral moves through :class:`ReferralStatus` along :data:`TRANSITIONS`. Its *feedback
loop* closes at the first status in :data:`LOOP_CLOSING`: the receiving side has reported how
the referral ended. Recording an outcome (declined, enrolled, unable to contact, completed) in
this shared service is that report, since the referrer sees it at once; ``feedback_returned``
records feedback given outside the service. A referral only sent, received or accepted keeps
its loop open: a referral nobody answers is the gap planners look for.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from statistics import median
from typing import Annotated, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    model_validator,
)

from graph_models.common import (
    FieldProblem,
    ListQuery,
    Name,
    ReadModel,
    Slug,
    StrictModel,
    Timestamp,
)

CLOCK_ALLOWANCE = timedelta(minutes=5)
"""How far ahead of the service's clock a timestamp may be, for clocks that differ a little."""

DEFAULT_OVERDUE_AFTER_DAYS = 30
"""An open loop older than this many days is overdue, unless a request says otherwise."""


class ReferralStatus(StrEnum):
    """Where a referral stands. ``sent`` is recorded when the referral is created."""

    SENT = "sent"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENROLLED = "enrolled"
    UNABLE_TO_CONTACT = "unable_to_contact"
    COMPLETED = "completed"
    CLOSED = "closed"
    FEEDBACK_RETURNED = "feedback_returned"

    # Hash as the text: equal to it, and fast in the sets and tables below (bulk imports).
    __hash__ = str.__hash__  # type: ignore[assignment]

    @property
    def closes_loop(self) -> bool:
        """Whether this status reports back to the referrer and so closes the loop.

        >>> ReferralStatus.DECLINED.closes_loop, ReferralStatus.ACCEPTED.closes_loop
        (True, False)
        """
        return self in LOOP_CLOSING

    @property
    def stage(self) -> int | None:
        """How far along the funnel this status shows the referral got (an index of
        :data:`FUNNEL_STAGES`), or None for statuses that say nothing about it.

        >>> ReferralStatus.ENROLLED.stage, ReferralStatus.DECLINED.stage
        (3, 1)
        """
        return _STAGES.get(self)


S = ReferralStatus
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.SENT: frozenset({S.RECEIVED, S.ACCEPTED, S.DECLINED, S.UNABLE_TO_CONTACT, S.CLOSED}),
    S.RECEIVED: frozenset({S.ACCEPTED, S.DECLINED, S.UNABLE_TO_CONTACT, S.CLOSED}),
    S.ACCEPTED: frozenset({S.ENROLLED, S.DECLINED, S.UNABLE_TO_CONTACT, S.CLOSED}),
    S.UNABLE_TO_CONTACT: frozenset({S.ACCEPTED, S.ENROLLED, S.FEEDBACK_RETURNED, S.CLOSED}),
    S.DECLINED: frozenset({S.FEEDBACK_RETURNED, S.CLOSED}),
    S.ENROLLED: frozenset({S.COMPLETED, S.FEEDBACK_RETURNED, S.CLOSED}),
    S.COMPLETED: frozenset({S.FEEDBACK_RETURNED, S.CLOSED}),
    S.FEEDBACK_RETURNED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
"""The statuses a referral may move to from each status. ``closed`` is final."""

LOOP_CLOSING = frozenset(
    {
        S.DECLINED,
        S.ENROLLED,
        S.UNABLE_TO_CONTACT,
        S.COMPLETED,
        S.FEEDBACK_RETURNED,
        S.CLOSED,
    }
)
"""The statuses that close a referral's feedback loop: an outcome was reported back, by
recording it here or as feedback given outside the service."""

LOOP_CLOSING_TEXT = " or ".join(
    ", ".join(
        status.value.replace("_", " ") for status in ReferralStatus if status in LOOP_CLOSING
    ).rsplit(", ", 1)
)
"""The statuses that close a loop, as pages say it: 'declined, enrolled, ... or closed'."""

LOOP_RULE = ",".join(sorted(status.value for status in LOOP_CLOSING))
"""The loop rule as text, kept by a store beside the loop states it worked out, so that a
store whose loops were closed by another rule is brought up to date once (see
``service.data.migration``)."""

FUNNEL_STAGES = ("sent", "received", "accepted", "enrolled", "completed")
"""The funnel from referral to enrollment; ``loop_closed`` follows as a last stage."""

_STAGES = {
    S.SENT: 0,
    S.RECEIVED: 1,
    S.DECLINED: 1,
    S.UNABLE_TO_CONTACT: 1,
    S.ACCEPTED: 2,
    S.ENROLLED: 3,
    S.COMPLETED: 4,
}


def transition_problem(current: ReferralStatus, new: ReferralStatus) -> str | None:
    """Why a referral cannot move from ``current`` to ``new``, or None if it may.

    >>> transition_problem(ReferralStatus.SENT, ReferralStatus.RECEIVED) is None
    True
    >>> print(transition_problem(ReferralStatus.DECLINED, ReferralStatus.ENROLLED))
    a declined referral cannot become enrolled; from declined it may become: closed, \
feedback_returned
    >>> print(transition_problem(ReferralStatus.CLOSED, ReferralStatus.RECEIVED))
    a closed referral cannot become received; closed is final
    """
    allowed = TRANSITIONS[current]
    if new in allowed:
        return None
    head = f"a {current.value} referral cannot become {new.value}"
    if not allowed:
        return f"{head}; {current.value} is final"
    moves = ", ".join(status.value for status in ReferralStatus if status in allowed)
    return f"{head}; from {current.value} it may become: {moves}"


def time_problem(
    at: datetime, *, sent_at: datetime, last_status: ReferralStatus, last_at: datetime
) -> str | None:
    """Why an event at ``at`` cannot follow the last one, at ``last_at``, or None if it may.

    >>> from datetime import UTC
    >>> sent = datetime(2018, 1, 5, tzinfo=UTC)
    >>> print(time_problem(datetime(2018, 1, 4, tzinfo=UTC), sent_at=sent,
    ...     last_status=ReferralStatus.SENT, last_at=sent))
    at 2018-01-04T00:00:00+00:00 is before the referral was sent (2018-01-05T00:00:00+00:00)
    """
    if at < sent_at:
        return f"at {at.isoformat()} is before the referral was sent ({sent_at.isoformat()})"
    if at < last_at:
        return (
            f"at {at.isoformat()} is before the previous event "
            f"({last_status.value} at {last_at.isoformat()})"
        )
    return None


def days_between(start: datetime, end: datetime) -> float:
    """Days from ``start`` to ``end``, to the second.

    >>> from datetime import UTC
    >>> days_between(datetime(2018, 1, 1, tzinfo=UTC), datetime(2018, 1, 4, 12, tzinfo=UTC))
    3.5
    """
    return round((end - start).total_seconds() / 86400, 5)


@dataclass(frozen=True, slots=True)
class LoopState:
    """Where a referral stands after its latest event: what the stores keep on the referral."""

    status: ReferralStatus
    status_at: datetime
    stage: int
    loop_closed_at: datetime | None

    @classmethod
    def sent(cls, sent_at: datetime) -> LoopState:
        """A referral just sent."""
        return cls(ReferralStatus.SENT, sent_at, 0, None)

    def after(self, status: ReferralStatus, at: datetime) -> LoopState:
        """The state once ``status`` is reached at ``at``; the loop closes only once.

        >>> from datetime import UTC
        >>> moment = datetime(2018, 1, 1, tzinfo=UTC)
        >>> state = LoopState.sent(moment).after(ReferralStatus.ENROLLED, moment)
        >>> state.after(ReferralStatus.CLOSED, moment).stage
        3
        """
        closed = self.loop_closed_at or (at if status in LOOP_CLOSING else None)
        stage = max(self.stage, _STAGES.get(status, 0))
        return LoopState(status, at, stage, closed)


class ReferralCategory(StrEnum):
    """What a family was referred for. Sensitive categories hide a referral from everyone but
    the two organizations involved."""

    EARLY_INTERVENTION = "early_intervention"
    HOME_VISITING = "home_visiting"
    CHILD_CARE = "child_care"
    HEALTH = "health"
    MENTAL_HEALTH = "mental_health"
    FAMILY_SUPPORT = "family_support"
    BASIC_NEEDS = "basic_needs"
    SUBSTANCE_USE = "substance_use"
    DOMESTIC_VIOLENCE = "domestic_violence"
    CHILD_PROTECTION = "child_protection"
    OTHER = "other"

    @property
    def sensitive(self) -> bool:
        """Substance use, domestic violence and child protection are sensitive.

        >>> ReferralCategory.DOMESTIC_VIOLENCE.sensitive, ReferralCategory.CHILD_CARE.sensitive
        (True, False)
        """
        return self in SENSITIVE_CATEGORIES


SENSITIVE_CATEGORIES = frozenset(
    {
        ReferralCategory.SUBSTANCE_USE,
        ReferralCategory.DOMESTIC_VIOLENCE,
        ReferralCategory.CHILD_PROTECTION,
    }
)

_DATE_IN_TEXT = re.compile(r"(19|20)\d\d[-_]\d\d?[-_]\d\d?|\d\d?[-_]\d\d?[-_](19|20)\d\d")
CASE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_CASE_REF = re.compile(CASE_REF_PATTERN)
_DIGIT = re.compile("[0-9]")
_CODE_EXAMPLE = "use a pseudonymous code such as 'OR-C-0412'"


def pseudonymous(case_ref: str) -> str:
    """Refuse a case reference that may name a family: one with spaces or other signs, one
    without a digit (a word alone may be a name), or one holding a calendar date (it may be a
    birth date). Writes and reads of case-level data both go through it.

    >>> pseudonymous("OR-0412")
    'OR-0412'
    >>> pseudonymous("Jane Doe 2019-04-03")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: a case_ref holds no spaces (it may be a person's name); use a pseudonymous ...
    >>> pseudonymous("OR-0412\\n")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: a case_ref holds no spaces (it may be a person's name); use a pseudonymous ...
    >>> pseudonymous("lopez-2017-03-04")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: a case_ref must not hold a date (it may be a birth date); use a pseudonymous ...
    >>> pseudonymous("Lopez")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: a case_ref holds at least one digit (a word alone may be a person's name); ...
    """
    if not _CASE_REF.fullmatch(case_ref):  # one regular expression while all is well
        if any(character.isspace() for character in case_ref):
            raise ValueError(
                f"a case_ref holds no spaces (it may be a person's name); {_CODE_EXAMPLE}"
            )
        raise ValueError(
            "a case_ref is 1 to 64 letters, digits, '-' and '_', starting with a letter or "
            f"digit; {_CODE_EXAMPLE}"
        )
    if _DATE_IN_TEXT.search(case_ref):
        raise ValueError(
            f"a case_ref must not hold a date (it may be a birth date); {_CODE_EXAMPLE}"
        )
    if not _DIGIT.search(case_ref):
        raise ValueError(
            "a case_ref holds at least one digit (a word alone may be a person's name); "
            + _CODE_EXAMPLE
        )
    return case_ref


CASE_REF_TEXT = (
    "The case's pseudonymous reference: letters, digits, '-' and '_', at most 64 characters, "
    "at least one digit, no spaces and no dates. Never a name or a birth date."
)
CaseRef = Annotated[
    str,
    AfterValidator(pseudonymous),
    Field(
        description=CASE_REF_TEXT,
        examples=["OR-C-0412"],
        json_schema_extra={"pattern": CASE_REF_PATTERN},
    ),
]


def latest_allowed() -> datetime:
    """The latest moment a status may be recorded at: now, give or take a clock allowance."""
    return datetime.now(UTC) + CLOCK_ALLOWANCE


_last_latest_allowed = datetime.min.replace(tzinfo=UTC)


def allowed_now(moment: datetime) -> bool:
    """Whether ``moment`` may be recorded now: it is not after :func:`latest_allowed`. The
    clock is read only for a moment after its last reading, which, taken earlier, is never
    later than the current bound: an import checks millions of moments.

    >>> allowed_now(datetime(2018, 1, 5, tzinfo=UTC))
    True
    >>> allowed_now(latest_allowed() + timedelta(minutes=1))
    False
    """
    global _last_latest_allowed
    if moment <= _last_latest_allowed:
        return True
    _last_latest_allowed = latest_allowed()
    return moment <= _last_latest_allowed


def future_problem(moment: datetime) -> str | None:
    """Why ``moment`` cannot be recorded yet: it is after :func:`latest_allowed`."""
    return None if allowed_now(moment) else f"{moment.isoformat()} is in the future"


def _not_in_future(moment: datetime) -> datetime:
    problem = future_problem(moment)
    if problem:
        raise ValueError(problem)
    return moment


PastTimestamp = Annotated[Timestamp, AfterValidator(_not_in_future)]

ConsentField = Field(
    description="True when the family authorized the referral. A referral without consent is "
    "refused."
)


def _require_consent(consent: bool) -> bool:
    if not consent:
        raise ValueError(
            "a referral needs the family's consent: set consent to true once the family has "
            "authorized it"
        )
    return consent


Consent = Annotated[bool, AfterValidator(_require_consent), ConsentField]


class NewReferral(StrictModel):
    """A referral of a case from one organization to another, sent at ``sent_at``, as a request
    records it: its id is made by the service, so that no caller can probe which ids exist."""

    case_ref: CaseRef
    from_org: Slug = Field(description="The organization that refers the family.")
    to_org: Slug = Field(description="The organization the family is referred to.")
    sent_at: PastTimestamp
    consent: Consent
    category: ReferralCategory = Field(
        default=ReferralCategory.OTHER,
        description="What the family was referred for. substance_use, domestic_violence and "
        "child_protection are sensitive: only the two organizations involved see the referral.",
    )
    screening: bool = Field(
        default=False, description="True when a screening (e.g. developmental) prompted it."
    )

    @model_validator(mode="after")
    def _checked(self) -> Self:
        self._refuse_one_organization()
        return self

    def _refuse_one_organization(self) -> None:
        if self.from_org == self.to_org:
            raise FieldProblem("to_org", "a referral goes from one organization to another")


class ReferralCreate(NewReferral):
    """A referral as a store writes it, with the id of an import that names its own."""

    id: Slug | None = Field(default=None, description="Stable id; one is made if left out.")


class ReferralEventCreate(StrictModel):
    """A new status of a referral, reached at ``at``."""

    status: ReferralStatus = Field(
        description="The new status; it must be reachable from the current one (see the "
        "transition table in the API description)."
    )
    at: Annotated[
        PastTimestamp,
        Field(
            description="When the referral reached the status; not before it was sent nor "
            "before its previous event."
        ),
    ]

    @model_validator(mode="after")
    def _sent_is_recorded_on_creation(self) -> ReferralEventCreate:
        if self.status is ReferralStatus.SENT:
            raise ValueError("'sent' is recorded when the referral is created")
        return self


class ReferralEvent(ReadModel):
    """One status a referral reached: which, when, and who recorded it."""

    status: ReferralStatus
    at: datetime
    recorded_by: str


class Referral(ReadModel):
    """A referral with its events, oldest first; the first is always ``sent``."""

    id: str
    case_ref: str
    from_org: str
    to_org: str
    category: ReferralCategory
    sensitive: bool
    screening: bool
    consent: bool
    sent_at: datetime
    status: ReferralStatus = Field(description="The latest status.")
    status_at: datetime
    loop_closed: bool = Field(description="Whether the receiving side has reported back.")
    loop_closed_at: datetime | None
    events: list[ReferralEvent]


def visible_to(referral: Referral | NewReferral, org_id: str | None) -> bool:
    """Whether a reader from ``org_id`` may see ``referral``: an organization sees the
    referrals it sent or received; a reader of no organization (an admin) sees every referral
    that is not sensitive. Both stores filter lists by the same rule; a referral is recorded
    only by those who may then see it.
    """
    if org_id is None:
        return not referral.category.sensitive
    return org_id in (referral.from_org, referral.to_org)


def repeats(referral: NewReferral, earlier: Referral) -> bool:
    """Whether ``referral`` is ``earlier`` recorded again: the same case, from and to the same
    organizations, sent on the same day (UTC). Such a referral is flagged before it is saved.

    >>> sent = datetime(2018, 1, 5, 9, tzinfo=UTC)
    >>> new = NewReferral(case_ref="C-1", from_org="a", to_org="b", sent_at=sent, consent=True)
    >>> earlier = Referral(id="r1", case_ref="C-1", from_org="a", to_org="b",
    ...     category=ReferralCategory.OTHER, sensitive=False, screening=False, consent=True,
    ...     sent_at=sent - timedelta(hours=8), status=ReferralStatus.SENT, status_at=sent,
    ...     loop_closed=False, loop_closed_at=None, events=[])
    >>> repeats(new, earlier), repeats(new.model_copy(update={"to_org": "c"}), earlier)
    (True, False)
    """
    return (referral.case_ref, referral.from_org, referral.to_org) == (
        earlier.case_ref,
        earlier.from_org,
        earlier.to_org,
    ) and referral.sent_at.astimezone(UTC).date() == earlier.sent_at.astimezone(UTC).date()


class ReferralImport(ReferralCreate):
    """A referral with its past events, for bulk imports; checked like single writes.

    Events are ``[status, at]`` pairs, oldest first, rather than objects: a statewide import
    holds millions of them.
    """

    recorded_by: Name = Field(default="import", description="Who recorded it, e.g. a system.")
    events: list[tuple[ReferralStatus, datetime]] = Field(
        default_factory=list,
        max_length=100,
        description="The statuses after 'sent' as [status, at] pairs, oldest first; at is "
        "ISO 8601, read as UTC when it has no offset.",
    )

    @model_validator(mode="after")
    def _checked(self) -> Self:
        """The checks of a single referral, then its events: each reachable from the one before,
        none before it nor in the future. One call per referral, and one comparison per event
        while all is well: a statewide import holds millions of events."""
        self._refuse_one_organization()
        last_status, last_at, naive = ReferralStatus.SENT, self.sent_at, False
        for status, at in self.events:
            if at.tzinfo is None:
                naive, at = True, at.replace(tzinfo=UTC)
            if status not in TRANSITIONS[last_status] or at < last_at:
                break
            last_status, last_at = status, at
        else:
            if not self.events or allowed_now(last_at):
                if naive:
                    self.events = [
                        (s, t if t.tzinfo else t.replace(tzinfo=UTC)) for s, t in self.events
                    ]
                return self
        raise ValueError(f"referral '{self.id or self.case_ref}': {self._first_event_problem()}")

    def _first_event_problem(self) -> str | None:
        """What is wrong with the first event that cannot follow the one before it."""
        last_status, last_at = ReferralStatus.SENT, self.sent_at
        for status, moment in self.events:
            at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            problem = (
                transition_problem(last_status, status)
                or time_problem(at, sent_at=self.sent_at, last_status=last_status, last_at=last_at)
                or future_problem(at)
            )
            if problem:
                return problem
            last_status, last_at = status, at
        return None

    @property
    def final_state(self) -> LoopState:
        """Where the referral stands after its events."""
        status, at, stage, closed = ReferralStatus.SENT, self.sent_at, 0, None
        for status, at in self.events:
            stage = max(stage, _STAGES.get(status, 0))
            if closed is None and status in LOOP_CLOSING:
                closed = at
        return LoopState(status, at, stage, closed)


class ReferralFlow(NamedTuple):
    """Referrals between an organization and one partner, in both directions: a plain record,
    as a hub's eco-map reads one per partner, thousands of them.

    Also the evidence of partnership level 1 (basic referrals of families): dated referrals
    between the two, and how many of their loops were closed.
    """

    referrals_sent: int = 0
    """Referrals it sent the partner."""
    referrals_received: int = 0
    """Referrals the partner sent it."""
    open_loops: int = 0
    """Referrals between the two whose feedback loop is not closed."""
    closed_loops: int = 0
    """Referrals between the two whose feedback loop is closed."""
    first_referral_at: datetime | None = None
    """When the first referral between the two was sent."""


class PairLoops(NamedTuple):
    """What the feedback-gap report needs of one ordered pair of organizations: a plain record,
    as a report about a hub reads one per pair it is either end of."""

    from_org: str
    to_org: str
    reached: list[int]
    """Referrals that reached each funnel stage, then those whose loop closed."""
    reached_after_screening: list[int]
    overdue: int
    """Open loops sent before the overdue cut-off."""


class LoopCounts(NamedTuple):
    """How many referrals were sent, how many of their loops closed, and how many open ones
    are overdue."""

    sent: int
    closed: int
    overdue: int


NO_LOOPS = LoopCounts(0, 0, 0)
"""The loops of an organization that sent or received nothing."""

DAYS_ALONG_UP_TO = 2_000
"""One organization's feedback loops come with the days to feedback of all its pairs when it
is an end of no more referrals than this, or when all its pairs rank on the report's page:
reading a few thousand days along costs less than a second read of the page's pairs (on
Neo4j a round trip more)."""


class FeedbackLoops(NamedTuple):
    """What the feedback-gap report needs of the pairs in its scope: the pairs it may list,
    and the counts of the organizations and of the whole scope."""

    pairs: list[PairLoops]
    """At least every pair that ranks among the first ``worst`` asked for, in any order; all
    of them when the store does not know better."""
    total_pairs: int
    senders: dict[str, LoopCounts]
    """Per organization that sent a referral in scope, its loops as the sender."""
    receivers: dict[str, LoopCounts]
    """Per organization that received a referral in scope, its loops as the receiver."""
    reached: list[int]
    """Like :attr:`PairLoops.reached`, over every pair in scope."""
    reached_after_screening: list[int]
    overdue: int
    closed_days: dict[tuple[str, str], list[float]] | None = None
    """The days to feedback of each pair's closed loops, by ``(from_org, to_org)``, when the
    store read them along with the pairs of one organization (then of every pair of it, see
    :data:`DAYS_ALONG_UP_TO`); else None, and :meth:`days_to_feedback` cannot answer."""

    @classmethod
    def of_pairs(
        cls,
        pairs: list[PairLoops],
        closed_days: dict[tuple[str, str], list[float]] | None = None,
    ) -> FeedbackLoops:
        """The loops of every one of ``pairs``, all of them listed, with their
        ``closed_days`` if they were read.

        >>> loops = FeedbackLoops.of_pairs([
        ...     PairLoops("a", "b", [3, 3, 0, 0, 0, 2], [0] * 6, 1),
        ...     PairLoops("c", "b", [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0], 1)])
        >>> loops.receivers["b"], loops.reached, loops.overdue
        (LoopCounts(sent=4, closed=2, overdue=2), [4, 4, 1, 0, 0, 2], 2)
        """
        closed = len(FUNNEL_STAGES)
        senders, receivers = loops_by_end(
            (pair.from_org, pair.to_org, pair.reached[0], pair.reached[closed], pair.overdue)
            for pair in pairs
        )
        return cls(
            pairs=pairs,
            total_pairs=len(pairs),
            senders=senders,
            receivers=receivers,
            reached=_column_sums([pair.reached for pair in pairs], closed + 1),
            reached_after_screening=_column_sums(
                [pair.reached_after_screening for pair in pairs], closed + 1
            ),
            overdue=sum(pair.overdue for pair in pairs),
            closed_days=closed_days,
        )

    def days_to_feedback(
        self, scopes: Sequence[LoopScope], *, late_after_days: int
    ) -> list[DaysToFeedback]:
        """How long the closed loops of each of ``scopes`` took, from :attr:`closed_days` (as
        the store's ``days_to_feedback`` answers for the scopes of one organization's report).

        >>> loops = FeedbackLoops.of_pairs([], {("a", "b"): [40.0, 2.0], ("c", "a"): [5.0]})
        >>> [d.median for d in loops.days_to_feedback(
        ...     [LoopScope("a", "b"), LoopScope(to_org="a"), LoopScope(party="a")],
        ...     late_after_days=30)]
        [21.0, 5.0, 5.0]
        """
        closed_days = self.closed_days
        if closed_days is None:
            raise ValueError("the days to feedback were not read along with the pairs")

        def days_of(scope: LoopScope) -> Iterable[float]:
            if scope.party is None and scope.from_org is not None and scope.to_org is not None:
                return closed_days.get((scope.from_org, scope.to_org), ())
            pairs = closed_days.items()
            return (day for pair, days in pairs if scope.covers(*pair) for day in days)

        return [
            DaysToFeedback.of(sorted(days_of(scope)), late_after_days=late_after_days)
            for scope in scopes
        ]


def loops_by_end(
    pairs: Iterable[tuple[str, str, int, int, int]],
) -> tuple[dict[str, LoopCounts], dict[str, LoopCounts]]:
    """The loops of each sender and of each receiver, summed over ``pairs``, each
    ``(from_org, to_org, sent, closed, overdue)``.

    >>> senders, receivers = loops_by_end([("a", "b", 3, 2, 1), ("c", "b", 1, 0, 1)])
    >>> senders["a"], receivers["b"]
    (LoopCounts(sent=3, closed=2, overdue=1), LoopCounts(sent=4, closed=2, overdue=2))
    """
    senders: dict[str, list[int]] = {}
    receivers: dict[str, list[int]] = {}
    for from_org, to_org, sent, closed, overdue in pairs:
        for tallies, org in ((senders, from_org), (receivers, to_org)):
            if (tally := tallies.get(org)) is None:
                tallies[org] = [sent, closed, overdue]
            else:
                tally[0] += sent
                tally[1] += closed
                tally[2] += overdue
    return (
        {org: LoopCounts(*tally) for org, tally in senders.items()},
        {org: LoopCounts(*tally) for org, tally in receivers.items()},
    )


def _column_sums(rows: list[list[int]], width: int) -> list[int]:
    return [sum(column) for column in zip(*rows, strict=True)] or [0] * width


class LoopScope(NamedTuple):
    """Whose closed loops: a pair's (``from_org`` and ``to_org``), a sender's (``from_org``
    only), a receiver's (``to_org`` only), those of one organization at either end (``party``)
    or every closed loop (nothing set)."""

    from_org: str | None = None
    to_org: str | None = None
    party: str | None = None

    def covers(self, from_org: str, to_org: str) -> bool:
        """Whether the closed loops of the pair ``from_org`` to ``to_org`` are this scope's.

        >>> LoopScope(party="a").covers("b", "a"), LoopScope(from_org="a").covers("b", "a")
        (True, False)
        """
        if self.party is not None:
            return self.party in (from_org, to_org)
        return self.from_org in (None, from_org) and self.to_org in (None, to_org)


class DaysToFeedback(NamedTuple):
    """How long the closed loops of a :class:`LoopScope` took to close."""

    median: float | None
    """The median days from sent to the loop closing, to two decimals; None with none closed."""
    late: int
    """Loops closed after more than the overdue threshold."""

    @classmethod
    def of(cls, days: Sequence[float], *, late_after_days: int) -> DaysToFeedback:
        """The summary of ``days``, in increasing order.

        >>> DaysToFeedback.of([2.0, 5.0, 40.0, 41.5], late_after_days=30)
        DaysToFeedback(median=22.5, late=2)
        """
        return cls(median_days(days), len(days) - bisect_right(days, late_after_days))


NO_DAYS = DaysToFeedback(median=None, late=0)
"""How long the closed loops of a scope with none took."""


def median_days(days: Sequence[float]) -> float | None:
    """The median of ``days`` in increasing order, to two decimals; None when there are none.
    Only the middle one or two of them count, so a store may pass just those.

    >>> median_days([1.0, 2.0, 4.0]), median_days([2.0, 4.0]), median_days([])
    (2.0, 3.0, None)
    """
    return round(median(days), 2) if days else None


class OrganizationRef(BaseModel):
    """An organization named in a trace."""

    id: str
    name: str
    sector: str


class TracedReferral(Referral):
    """A referral in a case's trace, with its timing."""

    position: int = Field(description="1 for the case's first referral, in order sent.")
    re_referral: bool = Field(
        description="True when the case was referred to the same organization before."
    )
    days_to_feedback: float | None = Field(description="Days from sent to the loop closing.")
    days_open: float | None = Field(description="Days an open loop has been open so far.")
    overdue: bool = Field(description="Open longer than the overdue threshold.")
    closed_late: bool = Field(description="Closed, but after more than the overdue threshold.")


class OpenLoop(BaseModel):
    """A referral of the case whose loop is still open."""

    referral_id: str
    from_org: str
    to_org: str
    status: ReferralStatus
    sent_at: datetime
    days_open: float
    overdue: bool


class CaseTrace(BaseModel):
    """A case's referrals in the order they were sent, across organizations."""

    case_ref: str
    as_of: datetime = Field(description="The moment open loops are aged to.")
    overdue_after_days: int
    referrals: list[TracedReferral]
    open_loops: list[OpenLoop]
    directions: int = Field(
        description="How many directions the family was pointed in: the number of different "
        "organizations it was referred to."
    )
    organizations: list[OrganizationRef] = Field(
        description="Every organization in the trace, in order of first appearance."
    )


class LoopStats(BaseModel):
    """How referrals fared: how many were sent, how many loops closed, and how fast."""

    sent: int
    closed: int = Field(description="Referrals whose loop is closed.")
    open: int
    closure_rate: float | None = Field(description="closed / sent, or null when none was sent.")
    median_days_to_feedback: float | None = Field(
        description="Median days from sent to the loop closing, over closed loops."
    )
    overdue: int = Field(description="Open loops older than the overdue threshold.")
    closed_late: int = Field(description="Loops closed after more than the overdue threshold.")


class PairGap(LoopStats):
    """Referrals from one organization to another."""

    from_org: str
    to_org: str


class OrganizationGap(BaseModel):
    """An organization's loops as a sender (loops it opened) and as a receiver (loops it owes
    feedback on)."""

    org_id: str
    as_sender: LoopStats
    as_receiver: LoopStats


class FunnelStage(BaseModel):
    """How many referrals got at least this far."""

    stage: str = Field(description="sent, received, accepted, enrolled, completed, loop_closed.")
    referrals: int
    after_screening: int = Field(description="Of them, referrals a screening prompted.")


class FeedbackGaps(BaseModel):
    """Where referral loops stay open: per pair and per organization, worst first."""

    org_id: str | None = Field(description="The organization asked about, or null for all.")
    overdue_after_days: int
    as_of: datetime
    totals: LoopStats
    funnel: list[FunnelStage]
    pairs: list[PairGap] = Field(
        description="One page of pairs, most overdue first, then lowest closure rate."
    )
    total_pairs: int
    organizations: list[OrganizationGap] = Field(
        description="One page of organizations, those owing the most overdue feedback first."
    )
    total_organizations: int
    limit: int
    offset: int


def describe_transitions() -> str:
    """The transition table and the loop rule as Markdown, for the API documentation.

    >>> print(describe_transitions().splitlines()[2])
    | sent | received, accepted, declined, unable_to_contact, closed |
    """
    order: list[ReferralStatus] = [*ReferralStatus]
    rows = [
        f"| {status.value} | "
        f"{', '.join(s.value for s in order if s in TRANSITIONS[status]) or '(final)'} |"
        for status in order
    ]
    closing = ", ".join(s.value for s in order if s in LOOP_CLOSING)
    return "\n".join(
        [
            "| from | may become |",
            "| --- | --- |",
            *rows,
            "",
            f"The feedback loop closes at the first of: {closing}.",
        ]
    )


PAIR_COUNTERS = (*FUNNEL_STAGES, "loop_closed")
"""Per ordered pair of organizations, how many referrals reached each funnel stage and how
many loops closed; each is kept again for referrals a screening prompted."""
PAIR_COLUMNS = (*PAIR_COUNTERS, *(f"screening_{name}" for name in PAIR_COUNTERS))


def pair_deltas(before: LoopState | None, after: LoopState, *, screening: bool) -> list[int]:
    """How the counters of :data:`PAIR_COLUMNS` change when a referral moves from ``before``
    (None for a new referral) to ``after``.

    >>> moment = datetime(2018, 1, 1, tzinfo=UTC)
    >>> pair_deltas(None, LoopState.sent(moment), screening=False)
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    >>> accepted = LoopState.sent(moment).after(ReferralStatus.ACCEPTED, moment)
    >>> pair_deltas(LoopState.sent(moment), accepted, screening=True)
    [0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    """
    first = before.stage + 1 if before else 0
    counts = [1 if first <= stage <= after.stage else 0 for stage in range(len(FUNNEL_STAGES))]
    newly_closed = after.loop_closed_at is not None and (
        before is None or before.loop_closed_at is None
    )
    counts.append(int(newly_closed))
    return counts + (counts if screening else [0] * len(counts))


class Direction(StrEnum):
    """Which way a referral went, seen from one organization."""

    SENT = "sent"
    RECEIVED = "received"


class LoopFilter(StrEnum):
    """Referrals whose feedback loop is still open, or closed."""

    OPEN = "open"
    CLOSED = "closed"


class ReferralQuery(ListQuery):
    """Which referrals to list, by the moment they were sent, then id."""

    case_ref: CaseRef | None = Field(default=None, description="Only this case.")
    org_id: str | None = Field(
        default=None, description="Only referrals this organization sent or received."
    )
    status: ReferralStatus | None = Field(default=None, description="Only this latest status.")
    direction: Direction | None = Field(
        default=None,
        description="With org_id: only the referrals it sent, or only those it received.",
    )
    loop: LoopFilter | None = Field(
        default=None, description="Only referrals whose feedback loop is open, or closed."
    )

    @model_validator(mode="after")
    def _direction_of_an_organization(self) -> Self:
        if self.direction is not None and self.org_id is None:
            raise ValueError("direction says which way from an organization: give org_id too")
        return self


OVERDUE_AFTER_DAYS_RANGE = (1, 3650)
OVERDUE_AFTER_DAYS_TEXT = (
    "An open loop older than this many days is overdue; a loop closed after more than this "
    "many days was closed late."
)


class FeedbackGapsQuery(ListQuery):
    """Which part of the feedback-gap report to read: the pairs of one organization or of the
    whole network, a page at a time, most overdue first."""

    org_id: str | None = Field(
        default=None,
        description="Only pairs this organization is either end of; all when left out.",
    )
    overdue_after_days: int = Field(
        default=DEFAULT_OVERDUE_AFTER_DAYS,
        ge=OVERDUE_AFTER_DAYS_RANGE[0],
        le=OVERDUE_AFTER_DAYS_RANGE[1],
        description=OVERDUE_AFTER_DAYS_TEXT,
    )
