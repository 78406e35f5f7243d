"""Import and export through HTTP: upload for a preview, apply it, download the network."""

from __future__ import annotations

import io

import openpyxl

from graph_models import OrganizationQuery, Role
from service.data.seeds import load_seed
from tests.data.test_spreadsheet import ASSESSMENTS, PARTNERS, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data: bytes, name: str = "partners.xlsx", headers=None):
    return client.post("/api/v1/imports", files={"file": (name, data, XLSX)}, headers=headers or {})


def test_an_uploaded_workbook_is_previewed_then_applied_once(client, store):
    answer = upload(client, workbook(Organizations=PARTNERS, Relationships=ASSESSMENTS))
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["organizations"]["create"] == 2
    assert preview["assessments"]["create"] == 2
    assert store.list_organizations(OrganizationQuery()).total == 0
    applied = client.post(f"/api/v1/imports/{preview['id']}/apply")
    assert applied.status_code == 200
    assert applied.json()["organizations"] == 2
    assert store.get_organization("wic-lane").region == "Lane"
    again = client.post(f"/api/v1/imports/{preview['id']}/apply")
    assert again.status_code == 404
    assert "upload the file again" in again.json()["detail"]


def test_a_file_with_problems_answers_422_listing_each_and_keeps_nothing(client, store):
    bad = [["name", "sector"], ["WIC Lane", "wick"]]
    answer = upload(client, workbook(Organizations=bad))
    assert answer.status_code == 422
    body = answer.json()
    assert body["preview"]["id"] is None
    assert body["preview"]["problems"] == [
        {
            "sheet": "organizations",
            "row": 2,
            "column": "sector",
            "message": "unknown sector 'wick'; the closest known: wic",
        }
    ]
    assert "sheet 'organizations', row 2, column 'sector'" in body["detail"]
    assert (
        upload(client, b"", "empty.csv")
        .json()["detail"]
        .endswith("the file is empty; upload an XLSX workbook, a CSV file or a zip of CSV files")
    )


def test_a_latin_1_csv_answers_422_naming_the_file_and_the_encoding_to_save_as(client, store):
    latin = "name,sector\nCaf\u00e9 Lane,wic\n".encode("latin-1")
    answer = client.post("/api/v1/imports", files={"file": ("partners.csv", latin, "text/csv")})
    assert answer.status_code == 422
    assert "'partners.csv' is not UTF-8" in answer.json()["detail"]
    assert "save it as 'CSV UTF-8'" in answer.json()["detail"]
    assert store.list_organizations(OrganizationQuery()).total == 0


def test_planners_may_not_import(client, token_for):
    answer = upload(client, workbook(Organizations=PARTNERS), headers=token_for(Role.PLANNER))
    assert answer.status_code == 403


def test_exports_download_with_their_media_type_and_file_name(client, store):
    load_seed(store, "oregon")
    for format, media_type, name in [
        ("xlsx", XLSX, "stakeholder-graph-network.xlsx"),
        ("csv", "application/zip", "stakeholder-graph-network.zip"),
        ("graphml", "application/graphml+xml", "stakeholder-graph-network.graphml"),
        ("gexf", "application/gexf+xml", "stakeholder-graph-network.gexf"),
    ]:
        answer = client.get("/api/v1/exports", params={"format": format})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media_type)
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    one = client.get("/api/v1/exports", params={"format": "xlsx", "org_id": "ode-eld"})
    assert 'filename="stakeholder-graph-ode-eld-depth-1.xlsx"' in one.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(one.content))
    assert book["organizations"].max_row == len(store.partner_graph("ode-eld").nodes) + 1
    assert client.get("/api/v1/exports", params={"format": "pdf"}).status_code == 422
    assert (
        client.get("/api/v1/exports", params={"format": "xlsx", "region": "Atlantis"}).status_code
        == 404
    )


def test_the_template_downloads_as_a_workbook(client):
    answer = client.get("/api/v1/imports/template")
    assert answer.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(answer.content)).sheetnames[0] == "about"
