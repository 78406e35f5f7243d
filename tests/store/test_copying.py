"""Copying a store into another, record kind by record kind: checked on both stores, each
copied into and out of an embedded store."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest

from graph_models import (
    LoopScope,
    RelationshipEnd,
    RelationshipQuery,
    RelationshipState,
    RelationshipUpdate,
    relationship_id,
)
from service.errors import InvalidReference
from service.paths.service import find_warm_paths
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.store.shared.copying import RECORD_FIELDS, RecordKind, record_key
from tests.networks import export, fill


def copy(source: Store, target: Store, *, batch_size: int = 7) -> None:
    for kind in RecordKind:
        for batch in source.export_records(kind, batch_size=batch_size):
            target.import_records(kind, batch)


@pytest.fixture
def embedded(tmp_path: Path):
    """A second store, embedded, beside the one under test."""
    other = EmbeddedStore(tmp_path / "other")
    yield other
    other.close()


def test_every_kind_exports_its_fields_in_key_order_in_batches_of_the_size_asked(store):
    fill(store)
    for kind in RecordKind:
        batches = list(store.export_records(kind, batch_size=7))
        rows = [row for batch in batches for row in batch]
        keys = [tuple(row[field] for field in record_key(kind)) for row in rows]
        assert all(len(batch) == 7 for batch in batches[:-1]), kind
        assert [list(row) for row in rows] == [list(RECORD_FIELDS[kind])] * len(rows), kind
        assert keys == sorted(set(keys)), kind
        assert store.count_records(kind) == len(rows) > 0, kind


def test_a_store_copied_from_an_embedded_one_exports_the_same_records(store, embedded):
    fill(embedded)
    copy(embedded, store)
    assert export(store) == export(embedded)


def test_a_store_copied_into_an_embedded_one_exports_the_same_records(store, embedded):
    fill(store)
    copy(store, embedded)
    assert export(embedded) == export(store)


def test_copying_again_changes_nothing_and_doubles_nothing(store, embedded):
    fill(embedded)
    copy(embedded, store)
    first = export(store)
    copy(embedded, store, batch_size=500)
    assert export(store) == first
    assert [store.count_records(kind) for kind in RecordKind] == [len(first[k]) for k in first]


def test_a_copy_stopped_halfway_completes_when_run_again(store, embedded):
    fill(embedded)
    for kind in list(RecordKind)[:5]:
        for batch in embedded.export_records(kind, batch_size=7):
            store.import_records(kind, batch)
    first_referrals = next(embedded.export_records(RecordKind.REFERRALS, batch_size=3))
    store.import_records(RecordKind.REFERRALS, first_referrals)
    copy(embedded, store)
    assert export(store) == export(embedded)


def test_a_copied_store_answers_and_numbers_new_records_after_the_copied_ones(store, embedded):
    fill(embedded)
    copy(embedded, store)
    source_graph, copied_graph = embedded.partner_graph(), store.partner_graph()
    assert dict(copied_graph.nodes(data=True)) == dict(source_graph.nodes(data=True))
    assert histories(copied_graph) == histories(source_graph)
    rel = store.list_relationships(RelationshipQuery(org_id="oha", limit=1)).items[0]
    store.assess_relationship(
        rel.id,
        RelationshipUpdate(state=RelationshipState.RED, reason="after the copy"),
        assessed_by="t",
    )
    assert store.relationship_history(rel.id)[-1].reason == "after the copy"
    assert store.get_relationship(rel.id).state is RelationshipState.RED
    seqs = [row["seq"] for row in export(store)[RecordKind.ASSESSMENTS]]
    assert seqs[-1] == max(seqs) > len(export(embedded)[RecordKind.ASSESSMENTS])


def test_a_copied_store_reports_the_same_feedback_loops_as_its_source(store, embedded):
    fill(embedded)
    copy(embedded, store)
    before = datetime(2030, 1, 1, tzinfo=UTC)
    copied, source = (
        target.feedback_loops(overdue_before=before, worst=1000) for target in (store, embedded)
    )
    assert sorted(copied.pairs) == sorted(source.pairs)
    assert copied._replace(pairs=[]) == source._replace(pairs=[])
    scopes = [LoopScope(), LoopScope(party="oha"), LoopScope(to_org="oha")]
    days = store.days_to_feedback(scopes, late_after_days=7)
    assert days == embedded.days_to_feedback(scopes, late_after_days=7)
    assert days[0].median is not None


def test_a_copied_store_finds_the_same_warm_paths_as_its_source(store, embedded):
    fill(embedded)
    graph = embedded.partner_graph()
    hub = max(sorted(graph), key=graph.degree)
    soured, ended = sorted(graph[hub])[:2]
    embedded.assess_relationship(
        relationship_id(hub, soured),
        RelationshipUpdate(state=RelationshipState.RED, reason="a dispute"),
        assessed_by="t",
    )
    embedded.end_relationship(
        relationship_id(hub, ended), RelationshipEnd(reason="merged"), ended_by="t"
    )
    copy(embedded, store)
    ends = [hub, soured, ended, *sorted(set(graph) - {hub, soured, ended})[:5]]
    found = 0
    for a, b in combinations(ends, 2):
        copied, source = (
            find_warm_paths(target, from_org=a, to_org=b, max_hops=4, k=3).paths
            for target in (store, embedded)
        )
        assert copied == source, (a, b)
        found += len(source)
    assert found > 20


def histories(graph: nx.Graph) -> dict[frozenset[str], list]:
    return {frozenset(edge): graph.edges[edge]["history"] for edge in graph.edges}


def test_records_naming_what_is_not_stored_are_refused_and_nothing_is_written(store, embedded):
    fill(embedded)
    contacts = next(embedded.export_records(RecordKind.CONTACTS, batch_size=5))
    with pytest.raises(InvalidReference, match=r"^contacts name organizations not stored: '"):
        store.import_records(RecordKind.CONTACTS, contacts)
    assert store.count_records(RecordKind.CONTACTS) == 0
