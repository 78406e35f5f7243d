"""Shared building blocks of the models: the strict base, slugs, pages and time helpers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,79}$"
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_OFFSET = 1_000_000_000
"""The furthest a list may be paged into: far beyond any list, well within what both stores
count with."""


class StrictModel(BaseModel):
    """Base of every input model: unknown fields are rejected, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FieldProblem(ValueError):
    """A problem of a model as a whole that one of its fields is where to fix (``field``): a
    form shows the message beside that field rather than over the whole form.

    >>> FieldProblem("reason", "say why").field
    'reason'
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ReadModel(BaseModel):
    """Base of every output model, built from store rows."""

    model_config = ConfigDict(from_attributes=True)


Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN),
    Field(
        description="Stable identifier: lower-case letters, digits, '-' and '_', at most 80 "
        "characters, starting with a letter or digit.",
        examples=["multnomah-early-learning-hub"],
    ),
]
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r]")


def printable(text: str) -> str:
    r"""Refuse text holding a control character (tabs and line breaks aside), which no page,
    export or XML file can show.

    >>> printable("Lane County\nEarly Learning")
    'Lane County\nEarly Learning'
    >>> printable("Hub\x07")
    Traceback (most recent call last):
    ValueError: holds a control character (U+0007 at position 4); only printable text is taken
    """
    found = _UNPRINTABLE.search(text)
    if found:
        raise ValueError(
            f"holds a control character (U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}); only printable text is taken"
        )
    return text


def one_line(text: str) -> str:
    r"""Refuse text that is not one printable line: names, regions, search words.

    >>> one_line("Lane\tCounty")
    Traceback (most recent call last):
    ValueError: holds a tab or line break (at position 5); this is one line of text
    """
    found = _LINE_BREAKS.search(printable(text))
    if found:
        raise ValueError(
            f"holds a tab or line break (at position {found.start() + 1}); this is one line of text"
        )
    return text


_MARKUP = re.compile(r"<[A-Za-z/!?]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet run a cell as a formula (input text is stripped of
leading tabs and line breaks before it is checked)."""


_READING_STORED = ContextVar("stored_text", default=False)


@contextmanager
def stored_text() -> Iterator[None]:
    """Within it, :func:`plain` lets text through as a store holds it: text read back from a
    store was checked when it was written, by the rules of its day (names and notes with
    markup were once kept as typed), and an export of it must not fail."""
    token = _READING_STORED.set(True)
    try:
        yield
    finally:
        _READING_STORED.reset(token)


def plain(text: str) -> str:
    """Refuse text holding markup (what a browser would read as a tag, a comment or a
    declaration) or starting as a spreadsheet formula: what is kept is plain text, shown as
    typed on every page, export and mail.

    >>> plain("Ages 0-3 & families; waitlist < 30 days")
    'Ages 0-3 & families; waitlist < 30 days'
    >>> plain("Lane <b>Hub</b>")
    Traceback (most recent call last):
    ValueError: holds markup ("<b" at position 6); enter plain text, without tags
    >>> plain("=HYPERLINK(0)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: starts with '=', which a spreadsheet would run as a formula; begin with a ...
    """
    if _READING_STORED.get():
        return text
    found = _MARKUP.search(text)
    if found:
        raise ValueError(
            f'holds markup ("{found.group()}" at position {found.start() + 1}); enter plain '
            "text, without tags"
        )
    if text.startswith(FORMULA_STARTS):
        raise ValueError(
            f"starts with {text[0]!r}, which a spreadsheet would run as a formula; begin with "
            "a word or a number"
        )
    return text


_NOT_A_PLAIN_LINE = re.compile(f"{_UNPRINTABLE.pattern}|{_LINE_BREAKS.pattern}|{_MARKUP.pattern}")


def _plain_line(text: str) -> str:
    """:func:`one_line`, then :func:`plain`, with one search while all is well: a bulk import
    checks hundreds of thousands of names."""
    if _NOT_A_PLAIN_LINE.search(text) is None and not text.startswith(FORMULA_STARTS):
        return text
    return plain(one_line(text))


Line = Annotated[str, StringConstraints(max_length=200), AfterValidator(one_line)]
"""One printable line of text of at most 200 characters: a search, a filter."""
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_plain_line),
]
"""A name: one line of plain text (see :func:`plain`), 1-200 characters."""
Text = Annotated[
    str, StringConstraints(max_length=2000), AfterValidator(printable), AfterValidator(plain)
]
"""Notes and descriptions: plain text of at most 2,000 characters; line breaks are kept."""
Comment = Annotated[str, StringConstraints(max_length=2000), AfterValidator(printable)]
"""What a survey respondent writes: any printable text, markup kept as typed and shown inert
(a respondent is not asked to rephrase what they meant)."""
Reason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000),
    AfterValidator(printable),
    AfterValidator(plain),
    Field(description="Why: the plain-language reason behind an assessment, in plain text."),
]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Timestamp = Annotated[
    datetime,
    AfterValidator(_aware),
    Field(description="ISO 8601 date-time; read as UTC when it has no offset."),
]


def utc_now() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


def not_in_future(day: date, what: str) -> date:
    """``day``, refused when it is after today (UTC): what is recorded as done is in the past.

    >>> not_in_future(date(2018, 1, 15), "a held activity").isoformat()
    '2018-01-15'
    >>> not_in_future(date(9999, 1, 1), "a held activity")
    Traceback (most recent call last):
    ValueError: a held activity cannot be dated in the future (9999-01-01 is after today)
    """
    if day > utc_now().date():
        raise ValueError(f"{what} cannot be dated in the future ({day.isoformat()} is after today)")
    return day


def start_of_day(day: date) -> datetime:
    """The first instant of ``day`` in UTC.

    >>> start_of_day(date(2018, 1, 15)).isoformat()
    '2018-01-15T00:00:00+00:00'
    """
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in UTC, so that ``as_of=DAY`` includes the whole day.

    >>> end_of_day(date(2018, 1, 15)).isoformat()
    '2018-01-15T23:59:59.999999+00:00'
    """
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)


def slugify(text: str) -> str:
    """A slug made from free text, for ids the client did not supply.

    >>> slugify("Latino Network (Portland)")
    'latino-network-portland'
    >>> slugify("Mano a Mano")
    'mano-a-mano'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "item"


T = TypeVar("T")


class ListQuery(BaseModel):
    """Which page of a list to read: the options every list shares, resolved once. Each list
    adds its own filters; a filter left out (None) does not filter.

    >>> ListQuery().limit, ListQuery(offset=50).offset
    (50, 50)
    """

    model_config = ConfigDict(frozen=True)

    limit: int = Field(
        default=DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Page size, at most {MAX_PAGE_SIZE}.",
    )
    offset: int = Field(
        default=0,
        ge=0,
        le=MAX_OFFSET,
        description=f"How many matching items to skip, at most {MAX_OFFSET:,}.",
    )


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many match in all, and where the page starts."""

    items: list[T]
    total: int = Field(description="How many items match the filters in all.")
    limit: int = Field(description="The page size asked for.")
    offset: int = Field(description="How many matching items come before this page.")


@dataclass(frozen=True)
class AsOf:
    """The day a question is asked about, resolved once for everything that reads it.

    >>> AsOf.of(date(2018, 1, 15)).until.isoformat()
    '2018-01-15T23:59:59.999999+00:00'
    >>> AsOf.of(None).until is None and AsOf.of(None).day == utc_now().date()
    True
    """

    day: date
    """The day asked about; today (UTC) when none was given."""
    until: datetime | None
    """The end of that day, so that the whole day counts; None when no day was given: the
    history up to now."""

    @classmethod
    def of(cls, day: date | None) -> AsOf:
        """``day`` resolved: its end, or today and now when it is None."""
        return cls(day, end_of_day(day)) if day else cls(utc_now().date(), None)
