"""What each store reads for the feedback-gap report of a generated network agrees with the
referrals it keeps, whichever page is asked for."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import cache
from statistics import median

import pytest

from graph_models import DaysToFeedback, FeedbackLoops, LoopScope, NetworkBundle
from service.data.generator import CLOCK, generate_network
from service.data.migration import bring_up_to_date
from service.referrals.analytics import feedback_gaps
from service.store import Store
from service.store.shared.copying import RecordKind
from service.store.shared.values import to_text
from tests.conftest import SECTORS

CUT_OFF = CLOCK - timedelta(days=30)


@cache
def tiny() -> tuple[NetworkBundle, ...]:
    return tuple(generate_network(scale="tiny", seed=7))


@pytest.fixture
def network(store: Store) -> Store:
    store.upsert_sectors(SECTORS)
    for batch in tiny():
        store.import_bundle(batch)
    return store


def test_a_store_filled_by_the_bulk_import_has_no_loops_to_work_out_again_when_it_starts(
    network, reopen
):
    assert bring_up_to_date(network) is None
    network.close()
    again = reopen()
    try:
        assert bring_up_to_date(again) is None
    finally:
        again.close()


def test_referrals_copied_in_have_their_loops_worked_out_once_at_the_next_start(network, reopen):
    rows = stored_referrals(network)
    network.import_records(RecordKind.REFERRALS, rows)
    network.close()
    again = reopen()  # opening a store does not take copied loops for its own
    try:
        assert bring_up_to_date(again) == 0  # the generator closes loops by the current rule
        assert bring_up_to_date(again) is None
    finally:
        again.close()


def stored_referrals(store: Store) -> list[dict]:  # type: ignore[type-arg]
    return [
        row
        for batch in store.export_records(RecordKind.REFERRALS, batch_size=10_000)
        for row in batch
    ]


def test_overdue_loops_are_the_open_loops_sent_before_the_cut_off(network):
    rows = stored_referrals(network)
    overdue = Counter(
        (row["from_org"], row["to_org"])
        for row in rows
        if row["feedback_days"] is None and row["sent_at"] < to_text(CUT_OFF)
    )
    loops = network.feedback_loops(overdue_before=CUT_OFF, worst=10**6)
    assert {(p.from_org, p.to_org): p.overdue for p in loops.pairs if p.overdue} == overdue
    assert (
        loops.total_pairs == len(loops.pairs) == len({(r["from_org"], r["to_org"]) for r in rows})
    )
    assert loops == FeedbackLoops.of_pairs(loops.pairs)


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (10, 0), (25, 40), (500, 0)])
def test_a_page_of_the_report_is_the_same_from_the_worst_pairs_as_from_all(network, limit, offset):
    def report(loops: FeedbackLoops):  # type: ignore[no-untyped-def]
        return feedback_gaps(
            loops,
            days_to_feedback=lambda scopes: [DaysToFeedback(None, 0) for _ in scopes],
            org_id=None,
            overdue_after_days=30,
            as_of=CLOCK,
            limit=limit,
            offset=offset,
        )

    worst = network.feedback_loops(overdue_before=CUT_OFF, worst=offset + limit)
    every = network.feedback_loops(overdue_before=CUT_OFF, worst=10**6)
    assert report(worst) == report(every)


def test_days_to_feedback_are_the_median_and_late_closings_of_the_stored_loops(network):
    rows = [row for row in stored_referrals(network) if row["feedback_days"] is not None]
    hub = Counter(row["to_org"] for row in rows).most_common(1)[0][0]
    scopes = {
        LoopScope(): rows,
        LoopScope(party=hub): [row for row in rows if hub in (row["from_org"], row["to_org"])],
        LoopScope(to_org=hub): [row for row in rows if row["to_org"] == hub],
        LoopScope(from_org=hub): [row for row in rows if row["from_org"] == hub],
    }
    pair = (rows[0]["from_org"], rows[0]["to_org"])
    scopes[LoopScope(*pair)] = [row for row in rows if (row["from_org"], row["to_org"]) == pair]
    answers = network.days_to_feedback(list(scopes), late_after_days=30)
    assert answers == [
        DaysToFeedback(
            round(median(row["feedback_days"] for row in chosen), 2),
            sum(row["feedback_days"] > 30 for row in chosen),
        )
        for chosen in scopes.values()
    ]
    assert len(scopes[LoopScope(party=hub)]) > 100
