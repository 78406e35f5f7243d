"""Bringing a store's data up to the current rules, and copying the whole stakeholder graph
from one store into another (``stakeholder-graph migrate``).

:func:`bring_up_to_date` runs on every start of the service and with ``migrate``: it changes
only data kept by older rules, once, so running it again changes nothing.

Every kind of record goes over in batches, each batch one transaction on the target, the kinds
in an order that never names a record not copied yet. The target upserts by key, so a copy run
again changes nothing and doubles nothing, and a copy stopped at any point completes when it is
run again. The source should not change while it is copied: stop the service first.
"""

from __future__ import annotations

from collections.abc import Callable

from service.errors import Conflict
from service.store import Store
from service.store.shared.copying import RecordKind

DEFAULT_BATCH_SIZE = 2_000


def bring_up_to_date(store: Store) -> int | None:
    """Work out again the referral loops a store closed by an older loop rule (before
    declined, enrolled and unable to contact closed a loop), with the pairs' counters of
    closed loops; how many referrals' loops changed, None when the store was up to date.
    Idempotent: a store is changed only the first time, and on both stores alike.
    """
    return store.reclose_loops()


def record_counts(store: Store) -> dict[RecordKind, int]:
    """How many records of each kind ``store`` keeps."""
    return {kind: store.count_records(kind) for kind in RecordKind}


def check_target(source: Store, target: Store, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
    """Refuse a target that is neither empty nor a copy (maybe partial) of ``source``: one
    that holds more of some kind of record, or an organization the source does not have or
    made at another moment. Copying into it would mix two graphs."""
    source_counts = record_counts(source)
    for kind, count in record_counts(target).items():
        if count > source_counts[kind]:
            raise Conflict(
                f"the target holds {count} {kind.value} and the source {source_counts[kind]}: "
                "not a copy of it; migrate into an empty store"
            )
    made = {
        row["id"]: row["created_at"]
        for batch in source.export_records(RecordKind.ORGANIZATIONS, batch_size=batch_size)
        for row in batch
    }
    for batch in target.export_records(RecordKind.ORGANIZATIONS, batch_size=batch_size):
        for row in batch:
            if made.get(row["id"]) != row["created_at"]:
                raise Conflict(
                    f"the target's organization '{row['id']}' is not the source's: the target "
                    "is not a copy of it; migrate into an empty store"
                )


def migrate(
    source: Store,
    target: Store,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[RecordKind, int], None] | None = None,
) -> dict[RecordKind, int]:
    """Copy every record of ``source`` into ``target``; returns how many of each kind.

    ``progress(kind, count)`` is called after each batch is committed.
    """
    check_target(source, target, batch_size=batch_size)
    copied: dict[RecordKind, int] = dict.fromkeys(RecordKind, 0)
    for kind in RecordKind:
        for batch in source.export_records(kind, batch_size=batch_size):
            target.import_records(kind, batch)
            copied[kind] += len(batch)
            if progress:
                progress(kind, len(batch))
    return copied
