"""`stakeholder-graph migrate`: an embedded store into Neo4j and back, twice, killed halfway."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_models.surveys import AnswerCreate, AnswersSave
from service.cli import main
from service.store import Store, open_store
from service.store.embedded import EmbeddedStore
from service.store.shared.copying import RecordKind
from service.surveys.service import results_of
from tests.conftest import neo4j_settings, wipe_neo4j
from tests.networks import SURVEYED, export, fill

ANSWER_FIELDS = set(AnswerCreate.model_fields)


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedStore]:
    """A filled embedded store, the data directory of the settings."""
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path / "source"))
    store = EmbeddedStore(tmp_path / "source")
    fill(store)
    yield store
    store.close()


@pytest.fixture
def neo4j(tmp_path: Path) -> Iterator[Store]:
    """The suite's Neo4j, emptied, as the settings name it."""
    settings = neo4j_settings(tmp_path)
    if settings is None:
        pytest.skip("no Neo4j: run `make test`, or set STAKEHOLDER_GRAPH_NEO4J_URI")
    wipe_neo4j(settings)
    store = open_store(settings)
    yield store
    store.close()


def test_migrate_copies_an_embedded_store_into_neo4j_and_back_and_again_changes_nothing(
    source, neo4j, tmp_path, capsys
):
    assert main(["migrate", "--to", "neo4j"]) == 0
    assert main(["migrate", "--to", "neo4j", "--batch-size", "5"]) == 0
    assert main(["migrate", "--to", "embedded", "--data-dir", str(tmp_path / "back")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1]
    assert out[0].startswith(
        f"copied {sum(map(len, export(source).values()))} records from the embedded store in "
        f"{tmp_path / 'source'} into Neo4j at "
    )
    assert ", 34 organizations, 36 contacts, 48 relationships, 61 assessments, " in out[0]
    back = EmbeddedStore(tmp_path / "back")
    try:
        assert export(neo4j) == export(source)
        assert export(back) == export(source)
    finally:
        back.close()


def test_a_migration_killed_halfway_completes_when_run_again(source, neo4j):
    copying = subprocess.Popen(
        [sys.executable, "-m", "service", "migrate", "--to", "neo4j", "--batch-size", "1"],
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while neo4j.count_records(RecordKind.ORGANIZATIONS) < 10 and copying.poll() is None:
        time.sleep(0.02)
    copying.send_signal(signal.SIGKILL)
    assert copying.wait() == -signal.SIGKILL
    assert neo4j.count_records(RecordKind.REFERRALS) == 0
    assert main(["migrate", "--to", "neo4j"]) == 0
    assert export(neo4j) == export(source)


def test_migrate_refuses_a_target_that_is_not_a_copy_and_changes_nothing(
    source, neo4j, tmp_path, capsys
):
    other = EmbeddedStore(tmp_path / "other")
    try:
        fill(other)  # the same network loaded on its own: made at other moments
        before = export(other)
    finally:
        other.close()
    assert main(["migrate", "--to", "neo4j"]) == 0
    assert main(["migrate", "--to", "embedded", "--data-dir", str(tmp_path / "other")]) == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(
            "is not the source's: the target is not a copy of it; migrate into an empty store"
        )
    )
    other = EmbeddedStore(tmp_path / "other")
    try:
        assert export(other) == before
    finally:
        other.close()


def test_migrate_says_what_is_missing_with_exit_code_1_and_a_wrong_batch_size_is_2(
    tmp_path, monkeypatch, capsys
):
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    monkeypatch.setenv("STAKEHOLDER_GRAPH_NEO4J_URI", f"bolt://127.0.0.1:{port}")
    monkeypatch.setenv("STAKEHOLDER_GRAPH_NEO4J_RETRY_SECONDS", "1")
    assert main(["migrate", "--to", "neo4j", "--data-dir", str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err == (
        f"stakeholder-graph: error: there is no embedded store to copy in {tmp_path / 'none'}\n"
    )
    EmbeddedStore(tmp_path / "some").close()
    assert main(["migrate", "--to", "neo4j", "--data-dir", str(tmp_path / "some")]) == 1
    assert capsys.readouterr().err.startswith(
        f"stakeholder-graph: error: Neo4j at bolt://127.0.0.1:{port} is unreachable: "
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["migrate", "--to", "neo4j", "--batch-size", "0"])
    assert exit_info.value.code == 2
    assert not (tmp_path / "none").exists()


def test_a_survey_round_migrated_into_neo4j_and_back_keeps_its_results_mail_and_open_links(
    source, neo4j, tmp_path
):
    assert main(["migrate", "--to", "neo4j"]) == 0
    assert main(["migrate", "--to", "embedded", "--data-dir", str(tmp_path / "back")]) == 0
    back = EmbeddedStore(tmp_path / "back")
    try:
        for copied in (neo4j, back):
            assert results_of(copied, "spring-round") == results_of(source, "spring-round")
            assert copied.get_survey_round("spring-round") == source.get_survey_round(
                "spring-round"
            )
            assert copied.survey_answers("spring-round") == source.survey_answers("spring-round")
            assert copied.list_mail() == source.list_mail()
        waiting = next(p for p in back.get_survey_round("spring-round").people if not p.answered)
        answer = source.survey_answers("spring-round")[0].model_dump(include=ANSWER_FIELDS)
        back.save_survey_answers(
            "spring-round",
            waiting.id,
            AnswersSave(version=0, answers=[{**answer, "partner_id": waiting.partner_ids[0]}]),
            saved_at=SURVEYED,
        )
        assert back.get_survey_round("spring-round").answered == 7
    finally:
        back.close()
