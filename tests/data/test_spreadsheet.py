"""The spreadsheet: a network exported and imported into an empty store comes back the same,
a second import changes nothing, a changed state adds to the history, and bad files are
refused with sheet, row and column, changing nothing. On both stores."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from pydantic import ValidationError

from graph_models import (
    ContactQuery,
    EngagementQuery,
    OrganizationCreate,
    RelationshipQuery,
    relationship_id,
)
from graph_models.common import FORMULA_STARTS, stored_text
from service.cli import main
from service.data.exports import export_network, template_workbook
from service.data.generator import load_network
from service.data.imports import apply_plan, preview_file
from service.data.seeds import load_seed
from service.data.snapshot import Scope, read_network
from service.data.tables import MAX_FILE_BYTES, ImportRefused, read_tables
from service.settings import Settings, StoreKind
from service.store import Store, open_store
from tests.conftest import wipe_neo4j
from tests.networks import add_evidence_and_referrals


@pytest.fixture
def empty_store(settings: Settings, store: Store) -> Iterator[Callable[[], Store]]:
    """Another store of the same kind with nothing in it: Neo4j wiped (it has one database),
    the embedded store in a data directory of its own."""
    opened: list[Store] = []

    def make() -> Store:
        if settings.store is StoreKind.NEO4J:
            wipe_neo4j(settings)
            return store
        other = open_store(settings.model_copy(update={"data_dir": settings.data_dir / "b"}))
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.close()


def network_of(store: Store) -> dict[str, Any]:
    """Every organization, contact, relationship with its history, engagement and sector."""
    bundle = read_network(store).bundle
    return {
        "organizations": sorted(org.model_dump_json() for org in bundle.organizations),
        "contacts": sorted(contact.model_dump_json() for contact in bundle.contacts),
        "relationships": {
            relationship_id(rel.org_a, rel.org_b): [
                (step.state, step.reason, step.assessed_by, step.assessed_at)
                for step in rel.history
            ]
            for rel in bundle.relationships
        },
        "engagements": sorted(e.model_dump_json() for e in bundle.engagements),
        "evidence": sorted(e.model_dump_json() for e in bundle.evidence),
        "sectors": sorted(s.model_dump_json() for s in bundle.sectors),
    }


def import_file(store: Store, data: bytes, filename: str) -> Any:
    plan = preview_file(store, data, filename, assessed_by="tester")
    apply_plan(store, plan)
    return plan.preview


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_the_oregon_seed_exported_and_imported_into_an_empty_store_is_the_same_network(
    store, empty_store, format
):
    load_seed(store, "oregon")
    before = network_of(store)
    exported = export_network(store, format)
    target = empty_store()
    preview = import_file(target, exported.content, exported.filename)
    assert preview.organizations.create == 34
    assert preview.assessments.create == 61
    assert network_of(target) == before


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_partnership_evidence_comes_back_from_an_export_imported_into_an_empty_store(
    store, empty_store, format
):
    load_seed(store, "oregon")
    add_evidence_and_referrals(store)
    before = network_of(store)
    assert len(before["evidence"]) == 4  # a joint program, an agreement, two collaboratives
    exported = export_network(store, format)
    target = empty_store()
    preview = import_file(target, exported.content, exported.filename)
    assert preview.evidence.create == 4
    assert network_of(target) == before
    again = import_file(target, exported.content, exported.filename)
    assert (again.evidence.leave, again.changes) == (4, 0)


def test_a_generated_network_exported_and_imported_into_an_empty_store_is_the_same_network(
    store, empty_store
):
    load_network(store, scale="tiny", seed=3)
    before = network_of(store)
    exported = export_network(store, "xlsx")
    target = empty_store()
    import_file(target, exported.content, exported.filename)
    assert network_of(target) == before


def test_importing_the_same_file_again_changes_nothing(store):
    load_seed(store, "oregon")
    exported = export_network(store, "xlsx")
    before = network_of(store)
    preview = import_file(store, exported.content, exported.filename)
    assert preview.changes == 0
    assert preview.organizations.leave == 34
    assert network_of(store) == before


def workbook(**sheets: list[list[Any]]) -> bytes:
    """An XLSX workbook as a spreadsheet program saves it, one sheet per keyword."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PARTNERS = [
    ["Organisation Name", "Sector", "County", "Notes"],
    ["WIC Lane", "WIC", "Lane", "by the river"],
    ["Lane Early Learning Hub", "early_learning_hub", "Lane", None],
]
ASSESSMENTS = [
    ["From", "To", "State", "Reason", "Assessed By", "Date"],
    ["WIC Lane", "Lane Early Learning Hub", "No Dot", "not met yet", "Pat", date(2023, 1, 5)],
    ["WIC Lane", "Lane Early Learning Hub", "green", "monthly meetings", "Pat", date(2024, 2, 1)],
]


def test_a_partner_list_with_forgiving_headers_brings_in_organizations_and_a_history(store):
    data = workbook(
        Organizations=PARTNERS[:1] + [[*PARTNERS[1][:3], "monthly"], PARTNERS[2]],
        Relationships=ASSESSMENTS,
    )
    preview = import_file(store, data, "partners.xlsx")
    assert (preview.organizations.create, preview.relationships.create) == (2, 1)
    [rel] = store.list_relationships(RelationshipQuery()).items
    assert rel.state == "green"
    history = store.relationship_history(rel.id)
    assert [(a.state, a.assessed_at.date()) for a in history] == [
        ("no_dot", date(2023, 1, 5)),
        ("green", date(2024, 2, 1)),
    ]


def test_a_changed_state_adds_an_assessment_and_overwrites_none(store):
    first = workbook(
        Organizations=PARTNERS[:1] + [PARTNERS[2], ["WIC Lane", "wic", "Lane"]],
        Relationships=ASSESSMENTS[:2],
    )
    import_file(store, first, "partners.xlsx")
    changed = [
        *ASSESSMENTS[:2],
        [
            "WIC Lane",
            "Lane Early Learning Hub",
            "red",
            "lost touch",
            "Pat",
            datetime(2024, 6, 1, 9, 30),
        ],
    ]
    preview = import_file(
        store,
        workbook(
            Organizations=PARTNERS[:1] + [PARTNERS[2], ["WIC Lane", "wic", "Lane"]],
            Relationships=changed,
        ),
        "partners.xlsx",
    )
    assert (preview.relationships.update, preview.assessments.create) == (1, 1)
    assert preview.assessments.leave == 1
    [rel] = store.list_relationships(RelationshipQuery()).items
    states = [a.state for a in store.relationship_history(rel.id)]
    assert states == ["no_dot", "red"]
    assert rel.state == "red"


def test_an_organization_whose_region_changed_is_updated(store):
    import_file(store, workbook(Organizations=PARTNERS[:1] + [PARTNERS[2]]), "a.xlsx")
    moved = [*PARTNERS[2][:2], "Linn", None]
    preview = import_file(store, workbook(Organizations=[PARTNERS[0], moved]), "a.xlsx")
    assert preview.organizations.update == 1
    assert store.get_organization("lane-early-learning-hub").region == "Linn"


def test_a_changed_contact_and_engagement_are_updated_and_nothing_else(store):
    contacts = [
        ["organization", "name", "role", "email"],
        ["WIC Lane", "Pat Doe", "Coordinator", "pat@wic.example"],
        ["WIC Lane", "Sam Roe", "Nurse", None],
    ]
    meeting = [
        ["kind", "title", "date", "status", "organizations", "notes"],
        [
            "meeting",
            "Intake review",
            "2024-05-01",
            "planned",
            "WIC Lane; Lane Early Learning Hub",
            "agenda",
        ],
    ]
    first = workbook(Organizations=PARTNERS, Contacts=contacts, Engagements=meeting)
    import_file(store, first, "a.xlsx")
    before = network_of(store)
    contacts[1][3] = "pat@lane.example"
    meeting[1][3] = "held"
    meeting[1][5] = None  # left empty: the stored notes stay
    changed = workbook(Organizations=PARTNERS, Contacts=contacts, Engagements=meeting)
    preview = import_file(store, changed, "a.xlsx")
    assert (preview.contacts.update, preview.contacts.leave) == (1, 1)
    assert (preview.engagements.update, preview.engagements.create) == (1, 0)
    assert preview.organizations.leave == 2
    after = network_of(store)
    assert after["organizations"] == before["organizations"]
    [pat] = [c for c in store.list_contacts(ContactQuery()).items if c.name == "Pat Doe"]
    assert (pat.role, pat.email) == ("Coordinator", "pat@lane.example")
    [engagement] = store.list_engagements(EngagementQuery()).items
    assert (engagement.status.value, engagement.notes) == ("held", "agenda")
    assert import_file(store, changed, "a.xlsx").changes == 0


def problems_of(store: Store, data: bytes, filename: str) -> list[str]:
    """The problems an import of ``data`` reports; the store must stay as it was."""
    before = network_of(store)
    try:
        plan = preview_file(store, data, filename, assessed_by="tester")
        apply_plan(store, plan)
    except ImportRefused as refused:
        assert network_of(store) == before
        return [str(problem) for problem in refused.problems]
    pytest.fail("the file was imported")


def test_every_problem_of_a_file_is_named_by_sheet_row_and_column_and_nothing_changes(store):
    data = workbook(
        Organizations=[
            ["name", "sector", "region"],
            ["WIC Lane", "wick", "Lane"],
            ["Lane Hub", "early_learning_hub", "Lane"],
            ["Lane Hub", "library", "Lane"],
        ],
        Relationships=[
            ["organization a", "organization b", "state", "date"],
            ["Lane Hub", "Nowhere Clinic", "green", "2024-01-01"],
            ["Lane Hub", "WIC Lane", "purple", "2024-01-01"],
            ["Lane Hub", "WIC Lane", "green", "31/12/2023"],
        ],
    )
    problems = problems_of(store, data, "bad.xlsx")
    assert problems == [
        "sheet 'relationships', row 4, column 'date': '31/12/2023' is not a date; write it as "
        "2024-03-01 (year, month, day)",
        "sheet 'organizations', row 2, column 'sector': unknown sector 'wick'; the closest "
        "known: wic",
        "sheet 'organizations', row 4, column 'name': 'Lane Hub' is named again (row 3)",
        "sheet 'relationships', row 2, column 'organization b': organization 'Nowhere Clinic' "
        "is neither in the file's organizations nor stored",
        "sheet 'relationships', row 3, column 'state': 'purple' is not a state; give green, "
        "yellow, red, no dot or leave it empty",
    ]


def test_two_states_for_one_relationship_on_one_day_are_refused(store):
    rows = [
        ["from", "to", "state", "date"],
        ["WIC Lane", "Lane Early Learning Hub", "green", "2024-01-01"],
        ["Lane Early Learning Hub", "WIC Lane", "red", "2024-01-01"],
    ]
    problems = problems_of(store, workbook(Organizations=PARTNERS, Relationships=rows), "x.xlsx")
    assert problems == [
        "sheet 'relationships', row 3, column 'state': row 2 assesses the same relationship "
        "on 2024-01-01 as green; keep one"
    ]


def test_a_formula_in_a_cell_is_refused_with_its_cell(store):
    rows = [["name", "sector"], ["WIC Lane", '=CONCAT("w","ic")']]
    assert problems_of(store, workbook(Organizations=rows), "f.xlsx") == [
        "sheet 'Organizations', row 2, column 'B': a formula (=CONCAT(\"w\",\"ic\")); enter "
        "the value itself"
    ]


@pytest.mark.parametrize(
    ("data", "filename", "problem"),
    [
        (b"", "a.csv", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "logo.png", "'logo.png' is not text"),
        (b"not a zip", "a.xlsx", "'a.xlsx' is not an XLSX workbook or a zip archive"),
        (
            b"name,sector\nCaf\xe9 Lane,wic\n",
            "organizations.csv",
            "sheet 'organizations', row 2, column '#1': 'organizations.csv' is not UTF-8 (byte "
            "0xe9 here; it may be Latin-1 or Windows-1252); save it as 'CSV UTF-8'",
        ),
        (
            "name,sector\nWIC Lane,wic\n".encode("utf-16"),
            "organizations.csv",
            "sheet 'organizations': 'organizations.csv' is UTF-16 (Excel's 'Unicode Text'); "
            "save it as 'CSV UTF-8'",
        ),
        (b"\n\n", "organizations.csv", "sheet 'organizations': the sheet is empty"),
        (b"WIC Lane,wic\n", "organizations.csv", "row 1, column 'name': the header has no"),
        (
            b"name,sector\n" + b"x" * 100_000 + b",wic\n",
            "organizations.csv",
            "row 2, column 'name': 100000 characters; a cell holds at most 32767",
        ),
        (b'{"name": "x"}', "network.json", "is JSON"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_and_changes_nothing(store, data, filename, problem):
    [found] = problems_of(store, data, filename)
    assert problem in found


def test_a_long_name_or_long_notes_are_named_with_their_limits_and_nothing_changes(store):
    data = b"name,sector,notes\n" + b"x" * 3000 + b",wic," + b"y" * 2500 + b"\n"
    assert problems_of(store, data, "organizations.csv") == [
        "sheet 'organizations', row 2, column 'name': String should have at most 200 characters",
        "sheet 'organizations', row 2, column 'notes': String should have at most 2000 characters",
    ]


def test_a_file_over_the_size_cap_says_what_the_cap_is(store):
    [found] = problems_of(store, b"x" * (MAX_FILE_BYTES + 1), "big.csv")
    assert found == "the file is 20.0 MB; files up to 20 MB are taken"


def test_a_zip_that_unpacks_to_too_much_is_refused_before_it_is_unpacked(store):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organizations.csv", b"name,sector\n" + b"0" * 300 * 1024 * 1024)
    [found] = problems_of(store, buffer.getvalue(), "bomb.zip")
    assert found.startswith("the archive unpacks to 300 MB; archives up to 200 MB")


def test_a_csv_saved_by_excel_with_a_byte_order_mark_is_read(store):
    data = "\ufeffName,Sector\nWIC Lane,WIC\n".encode()
    preview = import_file(store, data, "organizations.csv")
    assert preview.organizations.create == 1


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_inert_and_read_back(store):
    """Such text is refused on the way in; a store may still hold it from before."""
    texts = ('=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "\tx", "\rx")
    for n, text in enumerate(texts):
        with pytest.raises(ValidationError) if text[0] in "=+-@" else nullcontext():
            OrganizationCreate(name="Org", sector="wic", notes=text)
        with stored_text():
            store.create_organization(OrganizationCreate(name=f"Org {n}", sector="wic", notes=text))
    exported = export_network(store, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content))["organizations"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert not [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t\r"]
    archive = zipfile.ZipFile(io.BytesIO(export_network(store, "csv").content))
    rows = csv.reader(io.StringIO(archive.read("organizations.csv").decode()))
    assert not [field for row in rows for field in row if field.startswith(FORMULA_STARTS)]
    notes = {row[5] for _, row in read_tables(exported.content)["organizations"].rows}
    assert '=HYPERLINK("http://evil")' in notes


def test_the_template_explains_every_column_and_imports_as_nothing(store):
    template = template_workbook()
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert book.sheetnames[0] == "about"
    explained = {(row[0], row[1]) for row in book["about"].iter_rows(min_row=2, values_only=True)}
    assert ("relationships", "state") in explained
    assert preview_file(store, template.content, "t.xlsx", assessed_by="x").preview.changes == 0


def test_an_eco_map_export_holds_the_organization_and_its_partners_only(store):
    load_seed(store, "oregon")
    snapshot = read_network(store, Scope(org_id="ode-eld", depth=1))
    ids = {org.id for org in snapshot.bundle.organizations}
    assert "ode-eld" in ids
    assert ids == set(store.partner_graph("ode-eld", depth=1).nodes)


def test_the_command_line_previews_imports_and_exports_a_spreadsheet(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path / "a"))
    assert main(["seed", "load", "oregon"]) == 0
    out = tmp_path / "oregon.xlsx"
    assert main(["export", "--format", "xlsx", "-o", str(out)]) == 0
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path / "b"))
    assert main(["import", str(out), "--dry-run"]) == 0
    assert "dry run: nothing changed" in capsys.readouterr().out
    assert main(["import", str(out)]) == 0
    assert "organizations         34       0       0" in capsys.readouterr().out
    assert main(["import", str(out)]) == 0
    assert "is imported already; nothing changed" in capsys.readouterr().out


def test_the_command_line_refuses_a_bad_file_with_exit_code_1_naming_each_problem(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path))
    bad = tmp_path / "organizations.csv"
    bad.write_text("name,sector\nWIC Lane,wick\n")
    assert main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "sheet 'organizations', row 2, column 'sector': unknown sector 'wick'" in err
    assert "1 problem in organizations.csv; nothing was imported" in err


def test_seed_load_takes_the_path_of_a_bundle_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path))
    bundle = tmp_path / "my-network.json"
    bundle.write_text(
        '{"name": "mine", "title": "Mine", "organizations": '
        '[{"id": "wic-lane", "name": "WIC Lane", "sector": "wic"}]}'
    )
    assert main(["seed", "load", str(bundle)]) == 0
    assert main(["seed", "load", str(bundle)]) == 0
    assert "is loaded already; nothing changed" in capsys.readouterr().out
