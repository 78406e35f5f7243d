"""Kumu workbooks, as Kumu imports and exports them: an ``Elements`` sheet headed Label, Type,
Description, Tags ... and a ``Connections`` sheet headed From, To, Type ... (XLSX, or a zip of
``elements.csv`` and ``connections.csv``). Sheets whose name holds "(ignore)" are left, as
Kumu leaves them.

Reading:

- each element is an organization: Label is its name, ID its id when it is one of ours
  (lower-case letters, digits, - and _; Kumu's own ids are kept only to join connections),
  Type (or the column the importer names) its sector by slug or label, Description its notes,
  Region (or County) its region, Internal whether it is a unit of the agency. An element with
  an empty Type takes the importer's ``--sector`` if one is given. Where the sheet has no
  such column, an organization already stored (by ID, else Label) keeps its own.
- each connection is a relationship between the elements its From and To name, by ID or by
  exact Label (as Kumu matches them); a To of several elements separated by ``|`` connects
  From to each. Its state comes from the State (or Status) column; without one, from Type when
  every Type filled in is a state word (green, yellow, red, no dot), as eco-maps drawn in Kumu
  often type connections by their colour; otherwise a relationship already stored is left as
  it is and a new one is no dot. Strength and other columns are left. Description is the
  reason, Date (or Assessed At) and Assessed By the assessment's.

Writing gives one element per organization and one connection per relationship with its
current state, the reason, assessor and date of its latest assessment, with ids, so that the
workbook imports back (into Kumu, or here) to the same organizations and relationships.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from graph_models import NetworkBundle
from graph_models.common import SLUG_PATTERN
from graph_models.imports import ImportProblem
from service.data.changes import (
    Draft,
    DraftAssessment,
    DraftOrganization,
    Where,
    parse_state,
)
from service.data.read_options import ReadOptions
from service.data.spreadsheet import header_key, parse_moment, write_moment
from service.data.tables import Cell, Table, is_zip

ELEMENTS = "Elements"
CONNECTIONS = "Connections"
ELEMENT_HEADER = ["ID", "Label", "Type", "Description", "Region", "Internal"]
CONNECTION_HEADER = ["From", "To", "State", "Description", "Assessed By", "Date"]


def read_kumu(tables: dict[str, Table], options: ReadOptions | None = None) -> Draft:
    """The organizations and relationships of a Kumu workbook's sheets.

    >>> sheet = Table("elements", ["Label", "Type"], [(2, ["WIC Lane", "wic"])])
    >>> read_kumu({"elements": sheet}).organizations[0].name
    'WIC Lane'
    """
    options = options or ReadOptions()
    draft = Draft(format="kumu")
    sheets = {header_key(name): table for name, table in tables.items() if "(ignore)" not in name}
    elements = sheets.get("elements")
    if elements is None:
        draft.problems.append(
            ImportProblem(
                message="a Kumu workbook needs an 'Elements' sheet headed Label, Type ... "
                f"(the file has: {', '.join(tables) or 'no sheet'})"
            )
        )
        return draft
    known = _read_elements(draft, elements, options)
    connections = sheets.get("connections")
    if connections is not None:
        _read_connections(draft, connections, known)
    return draft


def looks_like_kumu(data: bytes, filename: str) -> bool:
    """Whether a file is a Kumu workbook: a workbook with an Elements sheet, a zip holding
    ``elements.csv``, or ``elements.csv`` itself.

    >>> looks_like_kumu(b"Label,Type\\n", "Elements.csv"), looks_like_kumu(b"", "orgs.csv")
    (True, False)
    """
    if not is_zip(data):
        return PurePath(filename).name.lower() == "elements.csv"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "[Content_Types].xml" not in archive.namelist():
            return any(PurePath(name).name.lower() == "elements.csv" for name in archive.namelist())
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except (InvalidFileException, KeyError, ValueError, OSError, zipfile.BadZipFile):
        return False
    sheets = [name.strip().lower() for name in workbook.sheetnames]
    workbook.close()
    return "elements" in sheets


def _columns(table: Table, wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """The position of each wanted field's column, by any of its headers; a problem for each
    required field (the first header named) missing."""
    found: dict[str, int] = {}
    for position, header in enumerate(table.header):
        key = header_key(header)
        for field, headers in wanted.items():
            if key in {header_key(name) for name in headers}:
                found.setdefault(field, position)
    return found


def _missing(draft: Draft, table: Table, column: str) -> None:
    draft.problems.append(
        ImportProblem(
            sheet=table.name,
            row=1,
            column=column,
            message=f"the header has no column '{column}' (it reads: "
            f"{', '.join(table.header) or 'nothing'})",
        )
    )


def _cell(cells: list[Cell], position: int | None) -> str | None:
    if position is None or position >= len(cells):
        return None
    value = cells[position]
    return value.strip() if value and value.strip() else None


def _read_elements(draft: Draft, table: Table, options: ReadOptions) -> dict[str, str]:
    """Read the elements into ``draft``; the name each element's Kumu ID stands for."""
    type_header = options.sector_column or "Type"
    at = _columns(
        table,
        {
            "id": ("ID",),
            "name": ("Label", "Name"),
            "sector": (type_header,),
            "notes": ("Description",),
            "region": ("Region", "County"),
            "internal": ("Internal",),
        },
    )
    if "name" not in at:
        _missing(draft, table, "Label")
        return {}
    if options.sector_column and "sector" not in at:
        _missing(draft, table, options.sector_column)
        return {}
    names = {field: table.header[position] for field, position in at.items()}
    unknown = {name: "" for name in ("region", "internal", "notes") if name not in at}
    if "sector" not in at:
        unknown["sector"] = (
            f"no sector: the sheet has no {type_header} column; name the column that holds it "
            "(--sector-column) or a sector for every element (--sector)"
        )
    known: dict[str, str] = {}
    for number, cells in table.rows:
        where = Where(table.name, number, names)
        label = _cell(cells, at["name"]) or ""
        kumu_id = _cell(cells, at.get("id"))
        ours = kumu_id if kumu_id and re.fullmatch(SLUG_PATTERN, kumu_id) else None
        if kumu_id:
            known[kumu_id] = ours or label
        draft.organizations.append(
            DraftOrganization(
                where,
                id=ours,
                name=label,
                sector=_cell(cells, at.get("sector")) or options.sector,
                region=_cell(cells, at.get("region")),
                internal=(_cell(cells, at.get("internal")) or "").lower() in ("yes", "true"),
                notes=_cell(cells, at.get("notes")) or "",
                unknown=unknown,
            )
        )
    return known


def _read_connections(draft: Draft, table: Table, known: dict[str, str]) -> None:
    at = _columns(
        table,
        {
            "org_a": ("From",),
            "org_b": ("To",),
            "state": ("State", "Status"),
            "type": ("Type",),
            "reason": ("Description",),
            "assessed_by": ("Assessed By",),
            "assessed_at": ("Date", "Assessed At"),
        },
    )
    for required, header in (("org_a", "From"), ("org_b", "To")):
        if required not in at:
            _missing(draft, table, header)
            return
    state_at = at.get("state")
    if state_at is None and "type" in at:
        types = [_cell(cells, at["type"]) for _, cells in table.rows]
        if any(types) and all(parse_state(word) is not None for word in types):
            state_at = at["type"]
            at["state"] = state_at
    names = {field: table.header[position] for field, position in at.items()}
    for number, cells in table.rows:
        where = Where(table.name, number, names)
        text = _cell(cells, at.get("assessed_at"))
        moment = parse_moment(text) if text else None
        if text and moment is None:
            draft.problems.append(
                where.problem("assessed_at", f"'{text[:40]}' is not a date; write it as 2024-03-01")
            )
            continue
        origin = _cell(cells, at["org_a"]) or ""
        for target in (_cell(cells, at["org_b"]) or "").split("|"):
            draft.assessments.append(
                DraftAssessment(
                    where,
                    org_a=known.get(origin, origin),
                    org_b=known.get(target.strip(), target.strip()),
                    state=_cell(cells, state_at),
                    reason=_cell(cells, at.get("reason")),
                    assessed_by=_cell(cells, at.get("assessed_by")),
                    assessed_at=moment,
                    stateless=state_at is None,
                )
            )


def kumu_tables(bundle: NetworkBundle) -> list[Table]:
    """The Elements and Connections sheets of ``bundle``, as :func:`read_kumu` and Kumu read
    them."""
    labels = {sector.slug: sector.label for sector in bundle.sectors}
    elements = Table(
        ELEMENTS,
        ELEMENT_HEADER,
        [
            (
                row,
                [
                    org.id,
                    org.name,
                    labels.get(org.sector, org.sector),
                    org.notes,
                    org.region,
                    "yes" if org.internal else "no",
                ],
            )
            for row, org in enumerate(bundle.organizations, start=2)
        ],
    )
    connections = Table(CONNECTIONS, CONNECTION_HEADER)
    for row, rel in enumerate(bundle.relationships, start=2):
        latest = max(rel.history, key=lambda step: step.assessed_at)
        connections.rows.append(
            (
                row,
                [
                    rel.org_a,
                    rel.org_b,
                    latest.state.value.replace("_", " "),
                    latest.reason,
                    latest.assessed_by,
                    write_moment(latest.assessed_at),
                ],
            )
        )
    return [elements, connections]
