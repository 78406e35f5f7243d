"""The folder through which the workers of one ``serve`` share big answers holds at most what
each keeps, one file per answer, the latest kept."""

from __future__ import annotations

from pathlib import Path

from service.web.reuse import SHARED_FROM_BYTES, ReusedAnswers

MB = 1024 * 1024


def test_the_shared_folder_keeps_the_latest_answers_within_the_capacity_and_one_file_each(
    tmp_path: Path,
):
    writer, reader = ReusedAnswers(MB, shared=tmp_path), ReusedAnswers(MB, shared=tmp_path)
    answers = {f"hub-{n}": bytes([n]) * SHARED_FROM_BYTES * 2 for n in range(12)}
    for stamp in (1, 2):
        for key, answer in answers.items():
            writer.answer(key, lambda stamp=stamp: stamp, lambda answer=answer: answer)

    files = list(tmp_path.iterdir())
    assert sum(file.stat().st_size for file in files) <= MB
    assert len(files) == MB // (SHARED_FROM_BYTES * 2)
    assert len({file.name.split(".")[0] for file in files}) == len(files)  # one stamp each
    assert reader.answer("hub-11", lambda: 2, lambda: b"computed again") == answers["hub-11"]
    assert reader.answer("hub-0", lambda: 2, lambda: b"computed again") == b"computed again"


def test_an_answer_smaller_than_the_shared_size_is_kept_by_its_worker_only(tmp_path: Path):
    ReusedAnswers(MB, shared=tmp_path).answer("typical", lambda: 1, lambda: b"a few partners")
    assert list(tmp_path.iterdir()) == []


def test_a_shared_folder_that_is_gone_leaves_the_answer_to_its_worker(tmp_path: Path):
    gone = tmp_path / "removed-while-serving"
    kept = ReusedAnswers(MB, shared=gone)
    big = b"x" * SHARED_FROM_BYTES * 2
    assert kept.answer("hub", lambda: 1, lambda: big) == big
    assert kept.answer("hub", lambda: 1, lambda: b"computed again") == big  # kept in memory


def test_a_shared_folder_that_cannot_be_written_keeps_no_partial_file(tmp_path: Path):
    full = tmp_path / "full"
    full.mkdir()
    kept = ReusedAnswers(MB, shared=full)
    big = b"x" * SHARED_FROM_BYTES * 2
    target = kept._shared_file("hub", 1)
    target.mkdir()  # a folder in the way of the answer's file: the rename fails
    (target / "inside").write_bytes(b"")
    assert kept.answer("hub", lambda: 1, lambda: big) == big
    assert [path.name for path in full.iterdir()] == [target.name]
