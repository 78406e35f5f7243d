"""Kumu workbooks: elements become organizations and connections relationships, matched by id
else by label; a Kumu export imports back to the same network; bad workbooks are refused with
sheet, row and column, changing nothing. On both stores."""

from __future__ import annotations

from datetime import date

import pytest

from graph_models import relationship_id
from service.cli import main
from service.data.exports import export_network
from service.data.generator import load_network
from service.data.imports import apply_plan, detect_format, preview_file
from service.data.read_options import ReadOptions
from service.data.seeds import load_seed
from service.data.snapshot import read_network
from service.data.tables import XLSX_MEDIA_TYPE as XLSX
from service.data.tables import ImportRefused, Table, write_csv_zip
from tests.data.test_spreadsheet import empty_store, import_file, network_of, workbook

__all__ = ["empty_store"]

ELEMENTS = [
    ["Label", "Type", "Description", "Tags", "County"],
    ["WIC Lane", "WIC", "by the river", "food|nutrition", "Lane"],
    ["Lane Early Learning Hub", "early_learning_hub", None, None, "Lane"],
    ["Eugene Public Library", "Libraries", None, "books", "Lane"],
]
CONNECTIONS = [
    ["From", "To", "Type", "Strength", "State", "Description"],
    ["WIC Lane", "Lane Early Learning Hub", "referral", 3, "Green", "monthly meetings"],
    ["Eugene Public Library", "WIC Lane|Lane Early Learning Hub", "outreach", 1, "yellow", None],
]


def problems_of(store, data: bytes, filename: str, **choices) -> list[str]:
    """The problems an import of ``data`` reports; the store must stay as it was."""
    before = network_of(store)
    try:
        apply_plan(store, preview_file(store, data, filename, assessed_by="tester", **choices))
    except ImportRefused as refused:
        assert network_of(store) == before
        return [str(problem) for problem in refused.problems]
    pytest.fail("the file was imported")


def current_states(store) -> dict[str, str]:
    return {
        relationship_id(rel.org_a, rel.org_b): max(
            rel.history, key=lambda step: step.assessed_at
        ).state.value
        for rel in read_network(store).bundle.relationships
    }


def test_a_kumu_map_brings_in_its_elements_as_organizations_and_its_connections(store):
    data = workbook(Elements=ELEMENTS, Connections=CONNECTIONS)
    assert detect_format(data, "partners.xlsx") == "kumu"
    preview = import_file(store, data, "partners.xlsx")
    assert preview.format == "kumu"
    assert preview.organizations.create == 3
    assert preview.relationships.create == 3
    wic = store.get_organization("wic-lane")
    assert (wic.sector, wic.region, wic.notes) == ("wic", "Lane", "by the river")
    assert store.get_organization("eugene-public-library").sector == "library"
    assert current_states(store) == {
        relationship_id("wic-lane", "lane-early-learning-hub"): "green",
        relationship_id("eugene-public-library", "wic-lane"): "yellow",
        relationship_id("eugene-public-library", "lane-early-learning-hub"): "yellow",
    }
    again = import_file(store, data, "partners.xlsx")
    assert again.changes == 0


def test_connections_typed_by_their_colour_take_their_state_from_the_type(store):
    connections = [["From", "To", "Type"], ["WIC Lane", "Eugene Public Library", "Red"]]
    import_file(store, workbook(Elements=ELEMENTS, Connections=connections), "map.xlsx")
    assert current_states(store) == {relationship_id("wic-lane", "eugene-public-library"): "red"}


def test_the_importer_chooses_the_column_that_names_the_sector(store):
    elements = [
        ["Label", "Type", "Sector"],
        ["WIC Lane", "Organization", "wic"],
        ["Lane Early Learning Hub", "Organization", "Early Learning Hubs"],
    ]
    data = workbook(Elements=elements)
    plan = preview_file(
        store, data, "map.xlsx", assessed_by="t", options=ReadOptions(sector_column="Sector")
    )
    assert plan.preview.problems == []
    assert [org.sector for org in plan.bundle.organizations] == ["wic", "early_learning_hub"]


def test_elements_of_an_unknown_type_are_named_with_the_closest_known_sectors(store):
    elements = [["Label", "Type"], ["WIC Lane", "WICs"], ["Lane Library", "Librarys"]]
    assert problems_of(store, workbook(Elements=elements), "map.xlsx") == [
        "sheet 'elements', row 2, column 'Type': unknown sector 'WICs'; the closest known: wic",
        "sheet 'elements', row 3, column 'Type': unknown sector 'Librarys'; the closest "
        "known: library",
    ]


def test_a_connection_to_a_label_the_map_never_names_is_refused_and_nothing_changes(store):
    connections = [["From", "To"], ["WIC Lane", "Nowhere Clinic"]]
    problems = problems_of(store, workbook(Elements=ELEMENTS, Connections=connections), "m.xlsx")
    assert problems == [
        "sheet 'connections', row 2, column 'To': organization 'Nowhere Clinic' is neither in "
        "the file's organizations nor stored"
    ]


def test_a_kumu_workbook_without_an_elements_sheet_is_refused_naming_the_sheet(store):
    data = workbook(Nodes=ELEMENTS, Connections=CONNECTIONS)
    problems = problems_of(store, data, "map.xlsx", format="kumu")
    assert problems == [
        "a Kumu workbook needs an 'Elements' sheet headed Label, Type ... (the file has: "
        "nodes, connections)"
    ]


def test_an_elements_sheet_without_labels_is_refused_naming_the_header(store):
    data = workbook(Elements=[["Name of org", "Type"], ["WIC Lane", "wic"]])
    assert problems_of(store, data, "map.xlsx") == [
        "sheet 'elements', row 1, column 'Label': the header has no column 'Label' (it reads: "
        "Name of org, Type)"
    ]


@pytest.mark.parametrize(
    "load",
    [
        lambda store: load_seed(store, "oregon"),
        lambda store: load_network(store, scale="tiny", seed=3),
    ],
    ids=["oregon", "generated"],
)
def test_a_network_exported_for_kumu_imports_back_to_the_same_network(store, empty_store, load):
    load(store)
    before = network_of(store)
    states = current_states(store)
    sectors = store.list_sectors()
    exported = export_network(store, "kumu")
    assert exported.filename == "stakeholder-graph-network-kumu.xlsx"
    target = empty_store()
    target.upsert_sectors(sectors)
    preview = import_file(target, exported.content, exported.filename)
    assert preview.format == "kumu"
    after = network_of(target)
    assert after["organizations"] == before["organizations"]
    assert current_states(target) == states
    latest = {rel: history[-1] for rel, history in before["relationships"].items()}
    assert {rel: history[-1] for rel, history in after["relationships"].items()} == latest


def test_the_command_line_exports_and_imports_a_kumu_workbook(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path / "a"))
    assert main(["seed", "load", "oregon"]) == 0
    out = tmp_path / "oregon-kumu.xlsx"
    assert main(["export", "--format", "kumu", "-o", str(out)]) == 0
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path / "b"))
    assert main(["seed", "load", "oregon"]) == 0
    capsys.readouterr()
    assert main(["import", str(out)]) == 0
    assert "is imported already; nothing changed" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(Elements=ELEMENTS, Connections=[["From", "To"], ["WIC Lane", "X"]]))
    assert main(["import", str(bad), "--format", "kumu"]) == 1
    err = capsys.readouterr().err
    assert "sheet 'connections', row 2, column 'To': organization 'X'" in err


def test_a_dated_connection_keeps_its_date(store):
    connections = [
        ["From", "To", "State", "Date"],
        ["WIC Lane", "Eugene Public Library", "red", date(2024, 5, 1)],
    ]
    import_file(store, workbook(Elements=ELEMENTS, Connections=connections), "map.xlsx")
    (rel,) = read_network(store).bundle.relationships
    assert rel.history[0].assessed_at.date() == date(2024, 5, 1)


def test_a_kumu_workbook_uploads_for_a_preview_and_downloads_as_an_export(client, store):
    load_seed(store, "oregon")
    answer = client.get("/api/v1/exports", params={"format": "kumu", "region": "Marion"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(XLSX)
    disposition = answer.headers["content-disposition"]
    assert disposition == 'attachment; filename="stakeholder-graph-region-marion-kumu.xlsx"'
    elements = [["Label", "Kind"], ["Brand New Clinic", "primary_care"]]
    upload = client.post(
        "/api/v1/imports",
        files={"file": ("map.xlsx", workbook(Elements=elements), XLSX)},
        data={"sector_column": "Kind"},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["format"] == "kumu"
    assert upload.json()["organizations"]["create"] == 1
    missing = client.post(
        "/api/v1/imports",
        files={"file": ("map.xlsx", workbook(Elements=elements), XLSX)},
        data={"sector_column": "Sector"},
    )
    assert missing.status_code == 422
    assert "column 'Sector': the header has no column 'Sector'" in missing.json()["detail"]


def test_a_kumu_map_saved_as_csv_files_in_a_zip_is_read_alike(store):
    tables = [
        Table("elements", ELEMENTS[0], [(n, row) for n, row in enumerate(ELEMENTS[1:], 2)]),
        Table(
            "connections", CONNECTIONS[0], [(n, row) for n, row in enumerate(CONNECTIONS[1:], 2)]
        ),
    ]
    data = write_csv_zip(tables)
    assert detect_format(data, "map.zip") == "kumu"
    preview = import_file(store, data, "map.zip")
    assert (preview.organizations.create, preview.relationships.create) == (3, 3)


def test_a_kumu_map_without_our_columns_leaves_what_the_store_knows_of_its_elements(store):
    import_file(store, workbook(Elements=ELEMENTS), "ours.xlsx")
    bare = [["Label", "Tags"], ["WIC Lane", "food"], ["Brand New Clinic", None]]
    connections = [["From", "To"], ["WIC Lane", "Eugene Public Library"]]
    problems = problems_of(store, workbook(Elements=bare, Connections=connections), "kumu.xlsx")
    assert problems == [
        "sheet 'elements', row 3, column 'Label': no sector: the sheet has no Type column; name "
        "the column that holds it (--sector-column) or a sector for every element (--sector)"
    ]
    preview = import_file(store, workbook(Elements=bare[:2], Connections=connections), "k.xlsx")
    assert (preview.organizations.leave, preview.relationships.create) == (1, 1)
    wic = store.get_organization("wic-lane")
    assert (wic.sector, wic.region, wic.notes) == ("wic", "Lane", "by the river")


def test_connections_without_a_state_leave_the_stored_state_and_add_no_dots_for_new_ones(store):
    import_file(store, workbook(Elements=ELEMENTS, Connections=CONNECTIONS), "ours.xlsx")
    bare = [["From", "To"], ["WIC Lane", "Lane Early Learning Hub"], ["WIC Lane", "WIC Lane 2"]]
    elements = [*ELEMENTS, ["WIC Lane 2", "wic", None, None, "Lane"]]
    preview = import_file(store, workbook(Elements=elements, Connections=bare), "kumu.xlsx")
    assert (preview.assessments.leave, preview.assessments.create) == (1, 1)
    states = current_states(store)
    assert states[relationship_id("wic-lane", "lane-early-learning-hub")] == "green"
    assert states[relationship_id("wic-lane", "wic-lane-2")] == "no_dot"
