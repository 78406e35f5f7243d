"""Open Referral HSDS 3.0, the Human Services Data Specification that 211 directories publish:
the tabular data package (a zip of ``datapackage.json`` and one CSV file per table) and the JSON
form (a list of organizations, each with its ``contacts``, ``locations`` with their
``addresses``, and ``services`` with their ``attributes``; a page of them as ``contents``, or
one organization alone).

Reading turns each HSDS organization into an organization of the network, matched by exact
name, its description into notes, and each of its contacts (the organization's own, and those
of its services and locations) into a contact: the name (the title when there is none), the
title as role, the e-mail address. Phones are not kept: the network keeps no telephone numbers.

- Region: the importer's ``--region`` for all; else the first address of the organization's
  locations that the mapping's ``regions`` names (by its region, city or state, any case);
  else that address's ``region`` as it is written.
- Sector: the first taxonomy term of the organization's services (by its code, else its name)
  that the mapping's ``sectors`` names; else a stored organization of the same name keeps its
  own, and a new one takes the importer's ``--sector`` (the preview's notices list the terms
  no mapping named) or is a problem.
- What HSDS does not say (whether it is internal; the region or description where none is
  given) a stored organization keeps.

A foreign key to a record the package lacks (a contact's, location's or service's
``organization_id``, an address's ``location_id``, an attribute's ``taxonomy_term_id``, a
contact's ``service_id``, ``location_id`` or ``service_at_location_id``) is a
problem naming its table, row and column.

Writing gives the organizations and their contacts, every ``id`` a UUID made from the
network's own id (the same every time), valid against the official 3.0 schema.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from graph_models import NetworkBundle
from graph_models.imports import ImportProblem
from service.data.changes import Draft, DraftContact, DraftOrganization, Where
from service.data.read_options import ReadOptions
from service.data.tables import (
    ImportRefused,
    Table,
    is_zip,
    read_tables,
    refuse,
    write_csv_zip,
)

DATAPACKAGE = "datapackage.json"
TABLES = (
    "organizations",
    "contacts",
    "locations",
    "addresses",
    "services",
    "attributes",
    "taxonomy_terms",
    "service_at_locations",
)
"""The tables read, by the file name (without ``.csv``) of the data package."""
NOTES_CHARS = 2000
ID_NAMESPACE = uuid.UUID("5b0f3c1e-3f4e-4c52-9a55-7d1c9e0e2a61")

Record = dict[str, Any]


@dataclass
class Package:
    """An HSDS data set as records of each table, each with where it is in the file."""

    tables: dict[str, list[tuple[Where, Record]]] = field(
        default_factory=lambda: {name: [] for name in TABLES}
    )

    def add(self, table: str, where: Where, record: Record) -> None:
        """Keep ``record`` of ``table``."""
        self.tables[table].append((where, record))


def looks_like_hsds(data: bytes, filename: str) -> bool:
    """Whether a file is HSDS: JSON of a list, a page (``contents``) or one organization
    (with its ``id``), not a bundle of this project; or a zip holding ``datapackage.json`` or a
    table only HSDS has.

    >>> looks_like_hsds(b'[{"id": "x", "name": "Clinic"}]', "orgs.json")
    True
    >>> looks_like_hsds(b'{"name": "mine", "organizations": []}', "bundle.json")
    False
    """
    if is_zip(data):
        try:
            names = {
                PurePath(name).name.lower() for name in zipfile.ZipFile(io.BytesIO(data)).namelist()
            }
        except zipfile.BadZipFile:
            return False
        hsds_only = {"services.csv", "locations.csv", "addresses.csv", "service_at_locations.csv"}
        return DATAPACKAGE in names or bool(names & hsds_only)
    if PurePath(filename).suffix.lower() != ".json" and data.lstrip()[:1] not in (b"{", b"["):
        return False
    head = data.lstrip()[:1]
    if head == b"[":
        return True
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return True
    if not isinstance(found, dict) or "organizations" in found:
        return False
    return "contents" in found or "id" in found


def read_hsds(data: bytes, filename: str, options: ReadOptions | None = None) -> Draft:
    """The organizations and contacts of an HSDS data package (zip) or JSON file."""
    package = _read_package(data, filename) if is_zip(data) else _read_json(data, filename)
    return _draft(package, options or ReadOptions())


# -- the tabular data package ----


def _read_package(data: bytes, filename: str) -> Package:
    tables = read_tables(data, filename)
    archive = zipfile.ZipFile(io.BytesIO(data))
    found = [name for name in archive.namelist() if PurePath(name).name == DATAPACKAGE]
    if not found:
        refuse(
            f"the HSDS data package has no {DATAPACKAGE}; a tabular package holds it beside "
            f"its CSV files (the zip has: {', '.join(sorted(tables)) or 'nothing'})",
            sheet=DATAPACKAGE,
        )
    resources = _resources(archive.read(found[0]))
    package = Package()
    problems: list[ImportProblem] = []
    for path in resources:
        name = PurePath(path).stem.lower()
        if name not in tables:
            problems.append(
                ImportProblem(
                    sheet=DATAPACKAGE,
                    column="resources",
                    message=f"it names '{path}', which the zip does not hold",
                )
            )
        elif name in TABLES:
            table = tables[name]
            for number, cells in table.rows:
                record = {
                    header: cells[index] if index < len(cells) else None
                    for index, header in enumerate(table.header)
                }
                package.add(name, Where(table.name, number), record)
    if problems:
        raise ImportRefused(problems)
    if not package.tables["organizations"]:
        refuse(
            "the package has no organizations (organizations.csv has no rows)", sheet=DATAPACKAGE
        )
    return package


def parse_json(data: bytes, name: str) -> Any:
    """The JSON of the file ``name``; a problem with its line and character where it is not.

    >>> parse_json(b'{"a": 1}', "x.json")
    {'a': 1}
    """
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        refuse("it is not UTF-8 text", sheet=name)
    except json.JSONDecodeError as error:
        refuse(
            f"it is not JSON: {error.msg}",
            sheet=name,
            row=error.lineno,
            column=f"character {error.colno}",
        )


def _resources(text: bytes) -> list[str]:
    """The CSV file of each resource ``datapackage.json`` names."""
    described = parse_json(text, DATAPACKAGE)
    resources = described.get("resources") if isinstance(described, dict) else None
    if not isinstance(resources, list) or not all(
        isinstance(resource, dict) and isinstance(resource.get("path"), str)
        for resource in resources
    ):
        refuse(
            'it must be an object whose "resources" is a list, each with the "path" of its '
            "CSV file",
            sheet=DATAPACKAGE,
            column="resources",
        )
    return [resource["path"] for resource in resources]


# -- the JSON form ----


def _read_json(data: bytes, filename: str) -> Package:
    name = PurePath(filename).name or "the file"
    found = parse_json(data, name)
    if isinstance(found, dict) and isinstance(found.get("contents"), list):
        found = found["contents"]
    organizations = found if isinstance(found, list) else [found]
    package = Package()
    for index, org in enumerate(organizations):
        path = f"[{index}]"
        if not isinstance(org, dict):
            refuse("an organization must be a JSON object", sheet=name, column=path)
        _keyed(org, path)
        package.add("organizations", Where(f"{name} {path}", None), org)
        _nested(package, name, path, org, "contacts", "contacts", organization_id=org.get("id"))
        for at, location in _items(org, "locations", path, name):
            _keyed(location, at)
            location.setdefault("organization_id", org.get("id"))
            package.add("locations", Where(f"{name} {at}", None), location)
            for key in ("addresses", "addresss"):
                _nested(
                    package, name, at, location, key, "addresses", location_id=location.get("id")
                )
            _nested(
                package, name, at, location, "contacts", "contacts", location_id=location.get("id")
            )
        for at, service in _items(org, "services", path, name):
            _keyed(service, at)
            service.setdefault("organization_id", org.get("id"))
            package.add("services", Where(f"{name} {at}", None), service)
            _nested(
                package, name, at, service, "contacts", "contacts", service_id=service.get("id")
            )
            for at_attribute, attribute in _items(service, "attributes", at, name):
                attribute.setdefault("link_id", service.get("id"))
                term = attribute.get("taxonomy_term")
                if isinstance(term, dict):
                    attribute.setdefault("taxonomy_term_id", term.get("id"))
                    package.add(
                        "taxonomy_terms", Where(f"{name} {at_attribute}.taxonomy_term", None), term
                    )
                package.add("attributes", Where(f"{name} {at_attribute}", None), attribute)
    return package


def _keyed(record: Record, path: str) -> None:
    """Give a nested record without an id its path as one, so that what it holds joins it."""
    if record.get("id") is None or record.get("id") == "":
        record["id"] = path


def _items(parent: Record, key: str, path: str, name: str) -> list[tuple[str, Record]]:
    items = parent.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        refuse(f"'{key}' must be a list of objects", sheet=name, column=f"{path}.{key}")
    return [(f"{path}.{key}[{index}]", item) for index, item in enumerate(items)]


def _nested(
    package: Package, name: str, path: str, parent: Record, key: str, table: str, **link: Any
) -> None:
    for at, item in _items(parent, key, path, name):
        for field_name, value in link.items():
            item.setdefault(field_name, value)
        package.add(table, Where(f"{name} {at}", None), item)


# -- what the records mean ----


def _text(record: Record, key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _draft(package: Package, options: ReadOptions) -> Draft:
    draft = Draft(format="hsds")
    tables = package.tables
    orgs = {_text(record, "id"): record for _, record in tables["organizations"]}
    locations = {_text(record, "id"): record for _, record in tables["locations"]}
    services = {_text(record, "id"): record for _, record in tables["services"]}
    at_locations = {_text(record, "id"): record for _, record in tables["service_at_locations"]}
    terms = {_text(record, "id"): record for _, record in tables["taxonomy_terms"]}

    def check(table: str, column: str, known: dict[str | None, Record], what: str) -> None:
        for where, record in tables[table]:
            key = _text(record, column)
            if key is not None and key not in known:
                draft.problems.append(
                    where.problem(column, f"{what} '{key}' is not in the package's {what}s")
                )

    check("contacts", "organization_id", orgs, "organization")
    check("locations", "organization_id", orgs, "organization")
    check("services", "organization_id", orgs, "organization")
    check("contacts", "service_id", services, "service")
    check("contacts", "location_id", locations, "location")
    check("contacts", "service_at_location_id", at_locations, "service at location")
    check("service_at_locations", "service_id", services, "service")
    check("addresses", "location_id", locations, "location")
    check("attributes", "taxonomy_term_id", terms, "taxonomy term")
    if draft.problems:
        return draft

    addresses: dict[str | None, list[Record]] = defaultdict(list)
    for _, record in tables["addresses"]:
        location = locations.get(_text(record, "location_id"))
        if location is not None:
            addresses[_text(location, "organization_id")].append(record)
    words: dict[str | None, list[str]] = defaultdict(list)
    for _, record in tables["attributes"]:
        service = services.get(_text(record, "link_id"))
        term = terms.get(_text(record, "taxonomy_term_id"))
        if service is not None and term is not None:
            owner = _text(service, "organization_id")
            words[owner] += [w for w in (_text(term, "code"), _text(term, "name")) if w]

    for where, record in tables["organizations"]:
        org_id = _text(record, "id")
        unknown = {"internal": ""}
        sector = options.mapped_sector(*words[org_id])
        if sector is None:
            unknown["sector"] = _unmapped(draft, where, record, words[org_id], options)
            sector = options.sector
        region = options.region or _region(addresses[org_id], options)
        if region is None:
            unknown["region"] = ""
        notes = _text(record, "description")
        if notes is None:
            unknown["notes"] = ""
        draft.organizations.append(
            DraftOrganization(
                where,
                id=None,
                name=_text(record, "name") or "",
                sector=sector,
                region=region,
                notes=(notes or "")[:NOTES_CHARS],
                unknown=unknown,
            )
        )
    for where, record in tables["contacts"]:
        owner = _text(record, "organization_id")
        if owner is None and _text(record, "service_id"):
            owner = _text(services[_text(record, "service_id")], "organization_id")
        if owner is None and _text(record, "service_at_location_id"):
            offered = at_locations[_text(record, "service_at_location_id")]
            owner = _text(services.get(_text(offered, "service_id"), {}), "organization_id")
        if owner is None and _text(record, "location_id"):
            owner = _text(locations[_text(record, "location_id")], "organization_id")
        name = _text(record, "name") or _text(record, "title")
        if owner is None or name is None:
            draft.notices.append(
                where.problem(None, "left: a contact needs an organization and a name or title")
            )
            continue
        draft.contacts.append(
            DraftContact(
                where,
                id=None,
                organization=_text(orgs[owner], "name") or "",
                name=name,
                role=_text(record, "title"),
                email=_text(record, "email"),
            )
        )
    return draft


def _unmapped(
    draft: Draft, where: Where, record: Record, words: list[str], options: ReadOptions
) -> str:
    """The problem of an organization none of whose terms the mapping names, should it be new
    and no ``--sector`` given; with one, a notice naming the terms."""
    name = _text(record, "name") or ""
    terms = ", ".join(dict.fromkeys(words))
    if options.sector and words:
        draft.notices.append(
            where.problem(
                "name",
                f"no mapping names the terms {terms} of '{name}': it takes the sector "
                f"{options.sector} if new, and keeps its own if stored",
            )
        )
    held = f"its services' terms {terms} are" if words else "it has no taxonomy terms, so is"
    return (
        f"no sector for '{name}': {held} not in a mapping; name a sector for the whole import "
        "(--sector) or give a mapping"
    )


def _region(addresses: list[Record], options: ReadOptions) -> str | None:
    for address in addresses:
        mapped = options.mapped_region(
            _text(address, "region"), _text(address, "city"), _text(address, "state_province")
        )
        if mapped is not None:
            return mapped
    return next((_text(a, "region") for a in addresses if _text(a, "region")), None)


# -- writing ----


def hsds_id(kind: str, key: str) -> str:
    """The UUID an exported record gets: the same for the same record every time.

    >>> hsds_id("organization", "wic-lane") == hsds_id("organization", "wic-lane")
    True
    """
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{key}"))


def hsds_organizations(bundle: NetworkBundle) -> list[Record]:
    """The organizations of ``bundle`` in HSDS 3.0's JSON form, each with its contacts."""
    contacts: dict[str, list[Record]] = defaultdict(list)
    for contact in bundle.contacts:
        record: Record = {
            "id": hsds_id("contact", str(contact.id)),
            "organization_id": hsds_id("organization", contact.org_id),
            "name": contact.name,
            "title": contact.role,
        }
        if contact.email:
            record["email"] = contact.email
        contacts[contact.org_id].append(record)
    return [
        {
            "id": hsds_id("organization", str(org.id)),
            "name": org.name,
            "description": org.notes,
            "contacts": contacts[str(org.id)],
        }
        for org in bundle.organizations
    ]


def write_hsds_json(bundle: NetworkBundle) -> bytes:
    """The organizations as an HSDS 3.0 JSON list."""
    return json.dumps(hsds_organizations(bundle), indent=2, ensure_ascii=False).encode("utf-8")


ORGANIZATION_FIELDS = ["id", "name", "description"]
CONTACT_FIELDS = ["id", "organization_id", "name", "title", "email"]


def write_hsds_package(bundle: NetworkBundle) -> bytes:
    """The organizations and contacts as an HSDS 3.0 tabular data package (a zip)."""
    organizations = hsds_organizations(bundle)
    tables = [
        Table(
            "organizations",
            ORGANIZATION_FIELDS,
            [
                (row, [org[key] for key in ORGANIZATION_FIELDS])
                for row, org in enumerate(organizations, 2)
            ],
        ),
        Table(
            "contacts",
            CONTACT_FIELDS,
            [
                (row, [contact.get(key) for key in CONTACT_FIELDS])
                for row, contact in enumerate(
                    (c for org in organizations for c in org["contacts"]), 2
                )
            ],
        ),
    ]
    keys = {
        "contacts": [
            {
                "fields": "organization_id",
                "reference": {"resource": "organizations", "fields": "id"},
            }
        ]
    }
    resources: list[Record] = [
        {
            "name": table.name,
            "path": f"{table.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [{"name": header, "type": "string"} for header in table.header],
                "primaryKey": "id",
                "foreignKeys": keys.get(table.name, []),
            },
        }
        for table in tables
    ]
    described = {
        "name": "stakeholder-graph",
        "title": bundle.title,
        "profile": "tabular-data-package",
        "resources": resources,
    }
    return write_csv_zip(tables, {DATAPACKAGE: json.dumps(described, indent=2).encode("utf-8")})
