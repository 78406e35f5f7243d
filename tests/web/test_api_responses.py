"""The heavy analytic routes answer with their model serialized once, and still say so."""

from __future__ import annotations

import pytest

from tests.conftest import add_orgs

HEAVY_ROUTES = {
    "/api/v1/organizations/{org_id}/ecomap": "EcoMap",
    "/api/v1/organizations/{org_id}/missing-partners": "MissingPartners",
    "/api/v1/regions/{region}/missing-partners": "MissingPartners",
    "/api/v1/collaboratives/{collaborative_id}/missing-partners": "MissingPartners",
    "/api/v1/feedback-gaps": "FeedbackGaps",
    "/api/v1/organizations/{org_id}/partnership-levels": "PartnershipLevels",
}


@pytest.mark.parametrize(("path", "model"), HEAVY_ROUTES.items())
def test_the_openapi_schema_still_names_the_model_a_heavy_route_answers_with(client, path, model):
    operation = client.get("/openapi.json").json()["paths"][path]["get"]
    content = operation["responses"]["200"]["content"]
    assert content == {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}


def test_a_heavy_route_answers_json_that_reads_as_its_model(client, store):
    add_orgs(store, ("hub", "early_learning_hub"), ("wic", "wic"))
    body = {"org_a": "hub", "org_b": "wic", "state": "green", "reason": "shared outreach"}
    assert client.post("/api/v1/relationships", json=body).status_code == 201

    response = client.get("/api/v1/organizations/hub/ecomap")

    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    partner = response.json()["partners"][0]
    assert (partner["organization"]["id"], partner["state"], partner["action"]) == (
        "wic",
        "green",
        "keep",
    )
