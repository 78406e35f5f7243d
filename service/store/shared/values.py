"""How both stores keep values: timestamps as sortable UTC text, ids of new records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import TypeAdapter

from graph_models import (
    slugify,
)


def to_text(moment: datetime) -> str:
    """A timestamp as sortable UTC text.

    >>> to_text(datetime(2018, 1, 15, 9, 30, tzinfo=UTC))
    '2018-01-15T09:30:00.000000Z'
    """
    text = moment.isoformat(timespec="microseconds")
    if text.endswith("+00:00"):  # already UTC, as nearly every timestamp is: one call
        return text[:-6] + "Z"
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_MOMENTS = TypeAdapter(list[datetime])


def optional_text(moment: datetime | None) -> str | None:
    """:func:`to_text` of a timestamp that may be missing.

    >>> optional_text(None), optional_text(datetime(2018, 1, 15, tzinfo=UTC))
    (None, '2018-01-15T00:00:00.000000Z')
    """
    return None if moment is None else to_text(moment)


def to_texts(moments: list[datetime]) -> list[str]:
    """:func:`to_text` of many timestamps at once, for bulk imports: pydantic-core writes UTC
    timestamps with microseconds in the same form, several times faster; the others (other
    offsets, whole seconds) go through :func:`to_text`.

    >>> from datetime import timedelta, timezone
    >>> to_texts([datetime(2018, 1, 15, 9, 30, 0, 5, tzinfo=UTC),
    ...     datetime(2018, 1, 15, 9, 30, tzinfo=UTC),
    ...     datetime(2018, 1, 15, 11, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))])
    ['2018-01-15T09:30:00.000005Z', '2018-01-15T09:30:00.000000Z', '2018-01-15T09:30:00.000005Z']
    """
    return [
        text if len(text) == _TEXT_LENGTH and text[-1] == "Z" else to_text(at)
        for text, at in zip(_MOMENTS.dump_python(moments, mode="json"), moments, strict=True)
    ]


_TEXT_LENGTH = len("2018-01-15T09:30:00.000000Z")


def from_text(text: str) -> datetime:
    """The timestamp written by :func:`to_text`.

    >>> from_text('2018-01-15T09:30:00.000000Z').isoformat()
    '2018-01-15T09:30:00+00:00'
    """
    return datetime.fromisoformat(text)


def new_id(wanted: str | None, name: str, taken: Callable[[str], bool]) -> str:
    """The id of a new record: ``wanted`` when given, else a free slug made from ``name``.

    >>> new_id(None, "Latino Network", lambda slug: slug == "latino-network")
    'latino-network-2'
    """
    if wanted:
        return wanted
    base = slugify(name)[:76]
    candidate, suffix = base, 2
    while taken(candidate):
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate
