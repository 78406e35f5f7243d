"""Open Referral HSDS 3.0: a tabular data package and the JSON form come in as organizations
and contacts, with sectors from a mapping of taxonomy terms or the importer's sector, and
regions from addresses; the export validates against the official schema; bad packages are
refused naming file, row and column, changing nothing. On both stores."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from graph_models import OrganizationQuery
from service.cli import main
from service.data.exports import export_network
from service.data.imports import apply_plan, detect_format, preview_file
from service.data.read_options import ReadOptions
from service.data.seeds import load_seed
from service.data.snapshot import read_network
from service.data.tables import ImportRefused
from tests.data.test_spreadsheet import empty_store, network_of

__all__ = ["empty_store"]

SCHEMA_DIR = Path(__file__).parent / "hsds_schema"
ORG_WIC = "6a1c2f4e-0b7d-4c1e-9f5a-1d2e3f4a5b60"
ORG_LIBRARY = "7b2d3e5f-1c8e-4d2f-8a6b-2e3f4a5b6c71"
SERVICE_WIC = "8c3e4f60-2d9f-4e30-9b7c-3f4a5b6c7d82"
SERVICE_LIBRARY = "9d4f5071-3ea0-4f41-8c8d-4a5b6c7d8e93"
LOCATION_WIC = "ae506182-4fb1-4052-9d9e-5b6c7d8e9fa4"
TERM_WIC = "bf617293-50c2-4163-8eaf-6c7d8e9fa0b5"
TERM_LIBRARY = "c07283a4-61d3-4274-9fb0-7d8e9fa0b1c6"

TABLES: dict[str, list[list[str]]] = {
    "organizations": [
        ["id", "name", "alternate_name", "description", "email", "website"],
        [ORG_WIC, "Lane County WIC", "", "Nutrition for families", "wic@example.org", ""],
        [ORG_LIBRARY, "Eugene Public Library", "", "Books and story times", "", ""],
    ],
    "services": [
        ["id", "organization_id", "program_id", "name", "description", "status"],
        [SERVICE_WIC, ORG_WIC, "", "WIC nutrition support", "", "active"],
        [SERVICE_LIBRARY, ORG_LIBRARY, "", "Baby story time", "", "active"],
    ],
    "locations": [
        ["id", "location_type", "organization_id", "name", "latitude", "longitude"],
        [LOCATION_WIC, "physical", ORG_WIC, "Eugene office", "44.05", "-123.09"],
    ],
    "addresses": [
        [
            "id",
            "location_id",
            "address_1",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ],
        [
            "d1839415-72e4-4385-80c1-8e9fa0b1c2d7",
            LOCATION_WIC,
            "151 W 7th Ave",
            "Eugene",
            "",
            "OR",
            "97401",
            "US",
            "physical",
        ],
    ],
    "contacts": [
        ["id", "organization_id", "service_id", "location_id", "name", "title", "email"],
        [
            "e294a526-83f5-4496-91d2-9fa0b1c2d3e8",
            ORG_WIC,
            "",
            "",
            "Pat Lee",
            "WIC coordinator",
            "pat@example.org",
        ],
        [
            "f3a5b637-9406-45a7-a2e3-a0b1c2d3e4f9",
            "",
            SERVICE_LIBRARY,
            "",
            "",
            "Children's librarian",
            "",
        ],
    ],
    "phones": [
        ["id", "contact_id", "organization_id", "number", "type"],
        ["04b6c748-a517-46b8-b3f4-b1c2d3e4f50a", "", ORG_WIC, "541-682-4202", "voice"],
    ],
    "taxonomy_terms": [
        ["id", "code", "name", "description", "taxonomy"],
        [TERM_WIC, "NL-6000.2000-080", "WIC", "", "211 LA"],
        [TERM_LIBRARY, "TJ-4500.4500", "Libraries", "", "211 LA"],
    ],
    "attributes": [
        ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"],
        ["15c7d859-b628-47c9-84a5-c2d3e4f5061b", SERVICE_WIC, TERM_WIC, "", "service", ""],
        ["26d8e96a-c739-48da-95b6-d3e4f506172c", SERVICE_LIBRARY, TERM_LIBRARY, "", "service", ""],
    ],
}
MAPPING = ReadOptions(
    sectors={"NL-6000.2000-080": "wic", "libraries": "library"}, regions={"eugene": "Lane"}
)


def package(
    tables: dict[str, list[list[str]]] | None = None, datapackage: bytes | None = None
) -> bytes:
    """A tabular data package as the specification's examples lay it out: datapackage.json
    naming one CSV file per table."""
    tables = TABLES if tables is None else tables
    described = {
        "name": "lane-directory",
        "profile": "tabular-data-package",
        "resources": [
            {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource"}
            for name in tables
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if datapackage != b"":
            archive.writestr(
                "datapackage.json", datapackage or json.dumps(described).encode("utf-8")
            )
        for name, rows in tables.items():
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def organizations_json() -> bytes:
    """The JSON form: organizations with their contacts, locations and services nested."""
    return json.dumps(
        [
            {
                "id": ORG_WIC,
                "name": "Lane County WIC",
                "description": "Nutrition for families",
                "contacts": [
                    {"id": "e294a526-83f5-4496-91d2-9fa0b1c2d3e8", "name": "Pat Lee"}
                    | {"title": "WIC coordinator", "email": "pat@example.org"}
                ],
                "locations": [
                    {
                        "id": LOCATION_WIC,
                        "location_type": "physical",
                        "addresses": [
                            {"id": "d1839415-72e4-4385-80c1-8e9fa0b1c2d7", "city": "Eugene"}
                            | {"address_1": "151 W 7th Ave", "state_province": "OR"}
                            | {"postal_code": "97401", "country": "US"}
                            | {"address_type": "physical"}
                        ],
                    }
                ],
                "services": [
                    {
                        "id": SERVICE_WIC,
                        "name": "WIC nutrition support",
                        "status": "active",
                        "attributes": [
                            {
                                "id": "15c7d859-b628-47c9-84a5-c2d3e4f5061b",
                                "taxonomy_term": {"id": TERM_WIC, "code": "NL-6000.2000-080"}
                                | {"name": "WIC"},
                            }
                        ],
                    }
                ],
            }
        ]
    ).encode("utf-8")


def import_file(store, data: bytes, filename: str, options: ReadOptions = MAPPING) -> Any:
    plan = preview_file(store, data, filename, assessed_by="tester", options=options)
    apply_plan(store, plan)
    return plan.preview


def problems_of(store, data: bytes, filename: str, options: ReadOptions = MAPPING) -> list[str]:
    """The problems an import reports; the store must stay as it was."""
    before = network_of(store)
    with pytest.raises(ImportRefused) as refused:
        import_file(store, data, filename, options)
    assert network_of(store) == before
    return [str(problem) for problem in refused.value.problems]


def contacts_of(store) -> set[tuple[str, str, str, str | None]]:
    bundle = read_network(store).bundle
    return {(c.org_id, c.name, c.role, c.email) for c in bundle.contacts}


def test_a_data_package_brings_in_organizations_with_mapped_sectors_regions_and_contacts(store):
    data = package()
    assert detect_format(data, "directory.zip") == "hsds"
    preview = import_file(store, data, "directory.zip")
    assert (preview.format, preview.organizations.create, preview.contacts.create) == (
        "hsds",
        2,
        2,
    )
    wic = store.get_organization("lane-county-wic")
    assert (wic.sector, wic.region, wic.notes) == ("wic", "Lane", "Nutrition for families")
    assert store.get_organization("eugene-public-library").sector == "library"
    assert contacts_of(store) == {
        ("lane-county-wic", "Pat Lee", "WIC coordinator", "pat@example.org"),
        ("eugene-public-library", "Children's librarian", "Children's librarian", None),
    }
    assert import_file(store, data, "directory.zip").changes == 0


def test_without_a_mapping_the_importers_sector_is_taken_and_the_unmapped_terms_listed(store):
    preview = import_file(store, package(), "directory.zip", ReadOptions(sector="library"))
    assert preview.problems == []
    assert [str(notice) for notice in preview.notices] == [
        "sheet 'organizations', row 2, column 'name': no mapping names the terms "
        "NL-6000.2000-080, WIC of 'Lane County WIC': it takes the sector library if new, and "
        "keeps its own if stored",
        "sheet 'organizations', row 3, column 'name': no mapping names the terms TJ-4500.4500, "
        "Libraries of 'Eugene Public Library': it takes the sector library if new, and keeps "
        "its own if stored",
    ]
    total = store.list_organizations(OrganizationQuery()).total
    assert total == 2


def test_without_a_mapping_or_a_sector_each_organization_is_named_and_nothing_changes(store):
    problems = problems_of(store, package(), "directory.zip", ReadOptions())
    assert problems[0] == (
        "sheet 'organizations', row 2, column 'name': no sector for 'Lane County WIC': its "
        "services' terms NL-6000.2000-080, WIC are not in a mapping; name a sector for the whole "
        "import (--sector) or give a mapping"
    )
    assert len(problems) == 2


def test_a_package_without_its_datapackage_json_is_refused_naming_it(store):
    assert problems_of(store, package(datapackage=b""), "directory.zip") == [
        "sheet 'datapackage.json': the HSDS data package has no datapackage.json; a tabular "
        "package holds it beside its CSV files (the zip has: addresses, attributes, contacts, "
        "locations, organizations, phones, services, taxonomy_terms)"
    ]


def test_a_malformed_datapackage_json_is_refused_with_its_line_and_character(store):
    assert problems_of(store, package(datapackage=b'{"resources": [\n  {"path": }]}'), "d.zip") == [
        "sheet 'datapackage.json', row 2, column 'character 12': it is not JSON: Expecting value"
    ]
    assert problems_of(store, package(datapackage=b'{"resources": "all"}'), "d.zip") == [
        "sheet 'datapackage.json', column 'resources': it must be an object whose \"resources\" "
        'is a list, each with the "path" of its CSV file'
    ]


def test_a_foreign_key_to_an_organization_the_package_lacks_is_refused_naming_the_cell(store):
    tables = dict(TABLES)
    tables["contacts"] = [
        TABLES["contacts"][0],
        [
            "e294a526-83f5-4496-91d2-9fa0b1c2d3e8",
            "00000000-0000-4000-8000-000000000000",
            "",
            "",
            "Pat Lee",
            "",
            "",
        ],
    ]
    assert problems_of(store, package(tables), "directory.zip") == [
        "sheet 'contacts', row 2, column 'organization_id': organization "
        "'00000000-0000-4000-8000-000000000000' is not in the package's organizations"
    ]


def test_a_contact_of_a_service_at_a_location_belongs_to_the_services_organization(store):
    offered = "3f5a6b7c-8d9e-4f01-a2b3-c4d5e6f70812"
    tables = dict(TABLES)
    tables["service_at_locations"] = [
        ["id", "service_id", "location_id"],
        [offered, SERVICE_WIC, LOCATION_WIC],
    ]
    tables["contacts"] = [
        ["id", "service_at_location_id", "name", "title"],
        ["4a6b7c8d-9e0f-4a12-b3c4-d5e6f7081923", offered, "Front desk", "Reception"],
    ]
    import_file(store, package(tables), "directory.zip")
    assert contacts_of(store) == {("lane-county-wic", "Front desk", "Reception", None)}


def test_the_json_form_of_organizations_with_nested_records_is_read_alike(store):
    data = organizations_json()
    assert detect_format(data, "organizations.json") == "hsds"
    preview = import_file(store, data, "organizations.json")
    assert preview.organizations.create == 1
    wic = store.get_organization("lane-county-wic")
    assert (wic.sector, wic.region) == ("wic", "Lane")
    assert contacts_of(store) == {
        ("lane-county-wic", "Pat Lee", "WIC coordinator", "pat@example.org")
    }
    broken = problems_of(store, b'[{"id": "x", "name": "A", "contacts": {}}]', "o.json")
    assert broken == ["sheet 'o.json', column '[0].contacts': 'contacts' must be a list of objects"]


def validator(name: str) -> Draft202012Validator:
    """A validator of the official schema ``name``, its references resolved among the kept
    schema files."""
    registry: Registry = Registry()
    for path in SCHEMA_DIR.glob("*.json"):
        contents = json.loads(path.read_text())
        registry = registry.with_resource(
            path.name, Resource.from_contents(contents, default_specification=DRAFT202012)
        )
    schema = json.loads((SCHEMA_DIR / name).read_text())
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def test_the_json_export_validates_against_the_official_schema(store):
    load_seed(store, "oregon")
    exported = export_network(store, "hsds")
    assert (exported.media_type, exported.filename) == (
        "application/json",
        "stakeholder-graph-network-hsds.json",
    )
    organizations = json.loads(exported.content)
    assert len(organizations) == 34
    assert sum(len(org["contacts"]) for org in organizations) == len(
        read_network(store).bundle.contacts
    )
    check = validator("organization.json")
    for org in organizations:
        check.validate(org)
    bad = dict(organizations[0], id="wic-lane")
    assert not check.is_valid(bad)


def test_the_tabular_export_validates_table_by_table_against_the_official_schema(store):
    load_seed(store, "oregon")
    exported = export_network(store, "hsds-csv")
    assert exported.filename == "stakeholder-graph-network-hsds.zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    described = json.loads(archive.read("datapackage.json"))
    schemas = {"organizations.csv": "organization.json", "contacts.csv": "contact.json"}
    assert [resource["path"] for resource in described["resources"]] == list(schemas)
    for resource in described["resources"]:
        schema = json.loads((SCHEMA_DIR / schemas[resource["path"]]).read_text())
        check = validator(schemas[resource["path"]])
        rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode())))
        assert rows
        assert set(rows[0]) <= set(schema["properties"])
        assert [field["name"] for field in resource["schema"]["fields"]] == list(rows[0])
        for row in rows:
            check.validate({key: value for key, value in row.items() if value != ""})


@pytest.mark.parametrize("format", ["hsds", "hsds-csv"])
def test_an_hsds_export_imported_again_changes_nothing_it_does_not_hold(store, format):
    load_seed(store, "oregon")
    before = network_of(store)
    exported = export_network(store, format)
    preview = import_file(store, exported.content, exported.filename, ReadOptions())
    assert preview.changes == 0
    assert preview.organizations.leave == 34
    assert network_of(store) == before


def test_an_hsds_export_imported_into_an_empty_store_gives_the_same_organizations_and_contacts(
    store, empty_store
):
    load_seed(store, "oregon")
    before = network_of(store)
    sectors = store.list_sectors()
    exported = export_network(store, "hsds-csv")
    target = empty_store()
    target.upsert_sectors(sectors)
    import_file(target, exported.content, exported.filename, ReadOptions(sector="wic"))
    after = network_of(target)
    names = {json.loads(org)["name"] for org in before["organizations"]}
    assert {json.loads(org)["name"] for org in after["organizations"]} == names
    assert len(after["contacts"]) == len(before["contacts"])


def test_the_command_line_exports_hsds_and_imports_it_with_a_mapping_file(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path / "a"))
    assert main(["seed", "load", "oregon"]) == 0
    out = tmp_path / "oregon.json"
    assert main(["export", "--format", "hsds", "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())) == 34
    directory = tmp_path / "directory.zip"
    directory.write_bytes(package())
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"sectors": MAPPING.sectors, "regions": MAPPING.regions}))
    assert main(["import", str(directory), "--mapping", str(mapping)]) == 0
    assert "organizations          2       0       0" in capsys.readouterr().out
    assert main(["import", str(directory), "--sector", "library", "--dry-run"]) == 0
    assert (
        "notice: sheet 'organizations', row 2, column 'name': no mapping names the terms "
        "NL-6000.2000-080, WIC of 'Lane County WIC'" in capsys.readouterr().out
    )
    mapping.write_text('{"sectors": ["wic"]}')
    assert main(["import", str(directory), "--mapping", str(mapping)]) == 1
    assert "'sectors' must map words to words" in capsys.readouterr().err


def test_hsds_downloads_and_uploads_through_http(client, store):
    load_seed(store, "oregon")
    for format, media_type, name in [
        ("hsds", "application/json", "stakeholder-graph-network-hsds.json"),
        ("hsds-csv", "application/zip", "stakeholder-graph-network-hsds.zip"),
    ]:
        answer = client.get("/api/v1/exports", params={"format": format})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media_type)
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    upload = client.post(
        "/api/v1/imports",
        files={"file": ("directory.zip", package(), "application/zip")},
        data={"sector": "library", "region": "Lane"},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["format"] == "hsds"
    assert len(upload.json()["notices"]) == 2
    refused = client.post(
        "/api/v1/imports",
        files={"file": ("directory.zip", package(datapackage=b""), "application/zip")},
    )
    assert refused.status_code == 422
    assert "has no datapackage.json" in refused.json()["detail"]
