"""The fair floor the benchmark holds a survey round's results to gives the service's own
answer: a floor that answered a smaller question would make the figure look good."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bench.surveys import ROUND_ID, build_round, floor_answer
from graph_models import RelationshipState, RelationshipUpdate, relationship_id
from service.app import create_app
from service.settings import Settings
from service.store.embedded import DATABASE_FILE, EmbeddedStore
from tests.conftest import ADMIN_TOKEN


def test_the_survey_floor_answers_as_the_service_does_with_withheld_figures_and_flags(tmp_path):
    build_round(tmp_path, seed=3, size=(40, 5, 130), answering=0.5)
    store = EmbeddedStore(tmp_path)
    # assessed again: after the round's assessments (the state now), and recorded later but
    # assessed before them (a state of the past)
    for partner, at in (("partner-000", datetime(2027, 3, 2, tzinfo=UTC)), ("partner-001", None)):
        store.assess_relationship(
            relationship_id("agency", partner),
            RelationshipUpdate(state=RelationshipState.NO_DOT, reason="we met", assessed_at=at),
            assessed_by="Lee",
        )
    settings = Settings(data_dir=tmp_path, admin_token=SecretStr(ADMIN_TOKEN))
    try:
        with TestClient(create_app(settings, store=store)) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            answer = client.get(f"/api/v1/survey-rounds/{ROUND_ID}/results").json()
        with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
            assert json.loads(floor_answer(db, ROUND_ID)) == answer
    finally:
        store.close()
    results = answer["relationships"]
    assert {result["shown"] for result in results} == {True, False}
    assert {result["agency"]["shown"] for result in results if result["shown"]} == {True, False}
    assert any(result["flag"] for result in results)
    assert [r["partner_id"] for r in results if r["assessed"] == "no_dot"] == ["partner-000"]
