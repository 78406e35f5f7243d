"""What a store hands over when it is copied into another: every record it keeps, kind by kind.

Both stores export each kind as the same plain rows (:data:`RECORD_FIELDS`), oldest key
first, and import them with upsert semantics: a row whose key is stored replaces it, so
importing the same rows twice changes nothing. Timestamps are the stores' sortable UTC text,
dates ISO text. Importing the kinds in :class:`RecordKind` order never names a record that is
not there yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from graph_models.mail import OutgoingMail
from graph_models.referrals import PAIR_COLUMNS
from service.errors import InvalidReference
from service.store.shared.referrals import REFERRAL_COLUMNS
from service.store.shared.surveys import ANSWER_ITEMS

Row = dict[str, Any]


class RecordKind(StrEnum):
    """The kinds of records a store keeps, in an order they can be imported in."""

    SECTORS = "sectors"
    PROFILES = "profiles"
    ORGANIZATIONS = "organizations"
    CONTACTS = "contacts"
    RELATIONSHIPS = "relationships"
    ASSESSMENTS = "assessments"
    ENGAGEMENTS = "engagements"
    EVIDENCE = "evidence"
    TOKENS = "tokens"
    REFERRALS = "referrals"
    REFERRAL_PAIRS = "referral_pairs"
    AUDIT_LOG = "audit_log"
    SURVEY_ROUNDS = "survey_rounds"
    SURVEY_RESPONDENTS = "survey_respondents"
    SURVEY_ANSWERS = "survey_answers"
    OUTBOX = "outbox"


LOOPS_KEPT_IN = frozenset({RecordKind.REFERRALS, RecordKind.REFERRAL_PAIRS})
"""The kinds that hold referral loops as their source store closed them, maybe by an older
rule: a store they are imported into works its loops out again at its next start."""


RECORD_FIELDS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.SECTORS: ("slug", "label", "description"),
    RecordKind.PROFILES: ("name", "label", "source", "sectors"),
    RecordKind.ORGANIZATIONS: (
        "id",
        "name",
        "sector",
        "region",
        "internal",
        "notes",
        "created_at",
    ),
    RecordKind.CONTACTS: ("id", "org_id", "name", "role", "email", "created_at"),
    RecordKind.RELATIONSHIPS: (
        "id",
        "org_a",
        "org_b",
        "created_at",
        "ended_on",
        "end_reason",
        "ended_by",
    ),
    RecordKind.ASSESSMENTS: (
        "seq",
        "rel_id",
        "state",
        "reason",
        "assessed_by",
        "assessed_at",
        "recorded_at",
    ),
    RecordKind.ENGAGEMENTS: (
        "id",
        "kind",
        "title",
        "date",
        "status",
        "notes",
        "created_at",
        "org_ids",
        "contact_ids",
    ),
    RecordKind.EVIDENCE: (
        "kind",
        "id",
        "subkind",
        "name",
        "case_ref",
        "governance",
        "notes",
        "start_date",
        "end_date",
        "created_at",
        "org_ids",
    ),
    RecordKind.TOKENS: (
        "id",
        "name",
        "role",
        "org_id",
        "token_hash",
        "created_at",
        "expires_at",
        "revoked_at",
    ),
    RecordKind.REFERRALS: (*REFERRAL_COLUMNS, "events"),
    RecordKind.REFERRAL_PAIRS: (
        "from_org",
        "to_org",
        "first_sent_at",
        "last_sent_at",
        *PAIR_COLUMNS,
    ),
    RecordKind.AUDIT_LOG: (
        "seq",
        "at",
        "actor",
        "token_id",
        "role",
        "org_id",
        "action",
        "case_ref",
        "referral_id",
    ),
    RecordKind.SURVEY_ROUNDS: (
        "id",
        "org_id",
        "title",
        "created_by",
        "created_at",
        "closes_at",
        "partner_ids",
        "collaborative_id",
    ),
    RecordKind.SURVEY_RESPONDENTS: (
        "round_id",
        "id",
        "name",
        "org_id",
        "side",
        "email",
        "partner_ids",
        "version",
        "updated_at",
    ),
    RecordKind.SURVEY_ANSWERS: (
        "round_id",
        "partner_id",
        "respondent_id",
        "side",
        *ANSWER_ITEMS,
        "saved_at",
    ),
    RecordKind.OUTBOX: tuple(OutgoingMail.model_fields),
}
"""The fields of each kind's rows. Lists: a profile's ``sectors`` in its order, the sorted
``org_ids`` and ``contact_ids`` an engagement or evidence names, a referral's ``events`` after
'sent' as ``[status, at, recorded_by, recorded_at]``, oldest first. A pair of organizations
(``referral_pairs``) carries the counters of its referrals; a survey round and a respondent
their ``partner_ids`` in order."""

RECORD_KEYS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.SECTORS: ("slug",),
    RecordKind.PROFILES: ("name",),
    RecordKind.ASSESSMENTS: ("seq",),
    RecordKind.EVIDENCE: ("kind", "id"),
    RecordKind.REFERRAL_PAIRS: ("from_org", "to_org"),
    RecordKind.AUDIT_LOG: ("seq",),
    RecordKind.SURVEY_RESPONDENTS: ("round_id", "id"),
    RecordKind.SURVEY_ANSWERS: ("round_id", "partner_id", "respondent_id"),
}
"""The fields that identify a row of each kind: ``id`` unless named here."""


def record_key(kind: RecordKind) -> tuple[str, ...]:
    """The fields that identify a row of ``kind``.

    >>> record_key(RecordKind.EVIDENCE), record_key(RecordKind.CONTACTS)
    (('kind', 'id'), ('id',))
    """
    return RECORD_KEYS.get(kind, ("id",))


RECORD_REFERENCES: dict[RecordKind, tuple[tuple[str, RecordKind], ...]] = {
    RecordKind.ORGANIZATIONS: (("sector", RecordKind.SECTORS),),
    RecordKind.CONTACTS: (("org_id", RecordKind.ORGANIZATIONS),),
    RecordKind.RELATIONSHIPS: (
        ("org_a", RecordKind.ORGANIZATIONS),
        ("org_b", RecordKind.ORGANIZATIONS),
    ),
    RecordKind.ASSESSMENTS: (("rel_id", RecordKind.RELATIONSHIPS),),
    RecordKind.ENGAGEMENTS: (
        ("org_ids", RecordKind.ORGANIZATIONS),
        ("contact_ids", RecordKind.CONTACTS),
    ),
    RecordKind.EVIDENCE: (("org_ids", RecordKind.ORGANIZATIONS),),
    RecordKind.REFERRALS: (
        ("from_org", RecordKind.ORGANIZATIONS),
        ("to_org", RecordKind.ORGANIZATIONS),
    ),
    RecordKind.REFERRAL_PAIRS: (
        ("from_org", RecordKind.ORGANIZATIONS),
        ("to_org", RecordKind.ORGANIZATIONS),
    ),
    RecordKind.SURVEY_RESPONDENTS: (("round_id", RecordKind.SURVEY_ROUNDS),),
    RecordKind.SURVEY_ANSWERS: (("round_id", RecordKind.SURVEY_ROUNDS),),
}
"""The fields of each kind that name records of another kind (by their key)."""


def check_references(
    kind: RecordKind, rows: list[Row], stored: Callable[[RecordKind, set[str]], set[str]]
) -> None:
    """Raise :class:`InvalidReference` when ``rows`` name records that are not stored;
    ``stored(kind, keys)`` says which of ``keys`` are.

    >>> rows = [{"id": "r1", "org_a": "a", "org_b": "b", "created_at": ""}]
    >>> try:
    ...     check_references(RecordKind.RELATIONSHIPS, rows, lambda kind, keys: {"a"})
    ... except InvalidReference as error:
    ...     print(error.message)
    relationships name organizations not stored: 'b'; import the kinds in order
    """
    for field, referenced in RECORD_REFERENCES.get(kind, ()):
        named = sorted({value for row in rows for value in _values(row[field])})
        missing = set(named) - stored(referenced, set(named))
        if missing:
            shown = ", ".join(repr(key) for key in sorted(missing)[:5])
            raise InvalidReference(
                f"{kind.value} name {referenced.value} not stored: {shown}; "
                "import the kinds in order"
            )


def _values(value: str | list[str] | None) -> Iterable[str]:
    if value is None:
        return ()
    return value if isinstance(value, list) else (value,)
