"""Large imports into the embedded store, batch after batch: the data file takes in each batch
while the next is prepared, a refused batch changes nothing, and a process killed at any moment
leaves a sound file holding every batch it acknowledged."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from graph_models import (
    NetworkBundle,
    OrganizationCreate,
    ReferralImport,
    ReferralQuery,
    ReferralStatus,
    Sector,
)
from service.errors import InvalidReference
from service.store.embedded import DATABASE_FILE, EmbeddedStore, connection

ORGANIZATIONS = 300
BATCH = 2_000
START = datetime(2020, 1, 1, tzinfo=UTC)


def referral_batch(numbers: count) -> NetworkBundle:
    """A batch of referrals between the organizations, each received an hour after it was
    sent, every pair of organizations in turn."""
    referrals = []
    for _ in range(BATCH):
        n = next(numbers)
        sender, receiver = n % ORGANIZATIONS, (n * 7 + 1) % ORGANIZATIONS
        if receiver == sender:
            receiver = (receiver + 1) % ORGANIZATIONS
        referrals.append(
            ReferralImport(
                id=f"r-{n}",
                case_ref=f"C-{n}",
                from_org=f"org-{sender}",
                to_org=f"org-{receiver}",
                sent_at=START + timedelta(hours=n),
                consent=True,
                events=[(ReferralStatus.RECEIVED, START + timedelta(hours=n + 1))],
            )
        )
    return NetworkBundle(name="referrals", title="Referrals", referrals=referrals)


def open_with_organizations(data_dir: Path) -> EmbeddedStore:
    store = EmbeddedStore(data_dir)
    store.upsert_sectors([Sector(slug="wic", label="WIC")])
    organizations = [
        OrganizationCreate(id=f"org-{n}", name=f"Organization {n}", sector="wic")
        for n in range(ORGANIZATIONS)
    ]
    store.import_bundle(NetworkBundle(name="orgs", title="Orgs", organizations=organizations))
    return store


def import_until_killed(data_dir: str) -> None:
    """Import batch after batch into ``data_dir``, saying so after each one."""
    store, numbers = open_with_organizations(Path(data_dir)), count(1)
    for acknowledged in count(1):
        store.import_bundle(referral_batch(numbers))
        print(acknowledged, flush=True)


@pytest.fixture
def store(tmp_path: Path):
    store = open_with_organizations(tmp_path)
    yield store
    store.close()


def pages(path: Path) -> int:
    return path.stat().st_size // 4096


def sent_by_all(store: EmbeddedStore) -> int:
    return sum(flow.referrals_sent for flow in store.referral_flow("org-1").values())


def test_an_import_in_batches_keeps_the_write_ahead_log_about_one_batch_large(store, tmp_path):
    log, numbers = tmp_path / f"{DATABASE_FILE}-wal", count(1)
    store.import_bundle(referral_batch(numbers))
    after_one = pages(log)
    for _ in range(7):
        store.import_bundle(referral_batch(numbers))

    assert pages(log) <= 2 * after_one  # the log is written over, not added to
    reopened = EmbeddedStore(tmp_path)
    try:
        assert reopened.list_referrals(ReferralQuery(limit=1), visible_to=None).total == 8 * BATCH
        assert sent_by_all(reopened) == sent_by_all(store) > 0
    finally:
        reopened.close()


def page_size(data_dir: Path) -> int:
    reader = sqlite3.connect(data_dir / DATABASE_FILE)
    try:
        return reader.execute("PRAGMA page_size").fetchone()[0]
    finally:
        reader.close()


def test_a_new_data_file_has_32_kb_pages_and_one_made_with_4_kb_keeps_them(tmp_path, monkeypatch):
    new, made_before = tmp_path / "new", tmp_path / "made-before"
    open_with_organizations(new).close()
    monkeypatch.setattr(connection, "FILE_PAGE_SIZE", 4096)
    open_with_organizations(made_before).close()
    monkeypatch.undo()

    reopened = EmbeddedStore(made_before)
    try:
        reopened.import_bundle(referral_batch(count(1)))
        assert reopened.list_referrals(ReferralQuery(limit=1), visible_to=None).total == BATCH
    finally:
        reopened.close()
    assert (page_size(new), page_size(made_before)) == (32_768, 4_096)


def test_a_refused_batch_after_others_changes_nothing_and_the_next_one_is_taken_in(store):
    numbers = count(1)
    for _ in range(3):
        store.import_bundle(referral_batch(numbers))
    sent, stamp = sent_by_all(store), store.organization_stamp("org-1")
    refused = referral_batch(numbers)
    refused.referrals[-1] = refused.referrals[-1].model_copy(update={"to_org": "ghost"})

    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        store.import_bundle(refused)

    assert store.list_referrals(ReferralQuery(limit=1), visible_to=None).total == 3 * BATCH
    assert (sent_by_all(store), store.organization_stamp("org-1")) == (sent, stamp)
    store.import_bundle(referral_batch(numbers))
    assert store.list_referrals(ReferralQuery(limit=1), visible_to=None).total == 4 * BATCH


def test_a_batch_of_referrals_alone_leaves_the_key_checks_on_for_the_writes_after_it(store):
    """Such a batch is written with SQLite's foreign-key lookups off, its organizations
    checked in one query: taken or refused, the lookups are on again afterwards."""
    numbers = count(1)
    store.import_bundle(referral_batch(numbers))
    taken = store._db.execute("PRAGMA foreign_keys").fetchone()[0]
    refused = referral_batch(numbers)
    refused.referrals[0] = refused.referrals[0].model_copy(update={"from_org": "ghost"})
    with pytest.raises(InvalidReference, match="organization 'ghost' does not exist"):
        store.import_bundle(refused)

    assert (taken, store._db.execute("PRAGMA foreign_keys").fetchone()[0]) == (1, 1)
    assert store.list_referrals(ReferralQuery(limit=1), visible_to=None).total == BATCH


def test_an_import_killed_between_and_during_batches_keeps_each_acknowledged_batch_whole(tmp_path):
    module = "tests.store.test_bulk_imports"
    importer = subprocess.Popen(
        [sys.executable, "-c", f"import {module}; {module}.import_until_killed(r'{tmp_path}')"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert importer.stdout is not None
    acknowledged = [int(importer.stdout.readline()) for _ in range(3)]
    importer.send_signal(signal.SIGKILL)
    importer.wait()

    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        [(referrals,)] = db.execute("SELECT count(*) FROM referrals").fetchall()
        [(counted,)] = db.execute("SELECT sum(sent) FROM referral_pairs").fetchall()
    db.close()
    assert acknowledged == [1, 2, 3]
    assert referrals % BATCH == 0
    assert referrals >= 3 * BATCH
    assert counted == referrals
