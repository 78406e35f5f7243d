"""The project's own spreadsheet: an XLSX workbook, or CSV files (one per sheet, alone or in a
zip), with the sheets organizations, contacts, relationships (one row per assessment, so a
history comes in), engagements, evidence (joint programs, agreements and collaboratives with
the organizations they bind) and sectors.

Headers are forgiving: case, spaces and underscores do not matter, "Organisation" reads as
"Organization", and each column has a few other names (:data:`SHEETS`). Sectors are named by
slug or label, organizations by id or exact name. Export writes the same sheets with ids, so
that an export imported into an empty store gives the same network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from graph_models import NetworkBundle
from graph_models.evidence import AgreementCreate, CollaborativeCreate, JointProgramCreate
from graph_models.imports import ImportProblem
from service.data.changes import (
    Draft,
    DraftAssessment,
    DraftContact,
    DraftEngagement,
    DraftEvidence,
    DraftOrganization,
    DraftSector,
    Where,
)
from service.data.tables import Cell, Table
from service.store.shared.evidence import evidence_row


@dataclass(frozen=True)
class Column:
    """A column of a sheet: the field it fills, its header, other headers it is known by, and
    what it holds (for the template's explanation sheet)."""

    field: str
    header: str
    meaning: str
    required: bool = False
    aliases: tuple[str, ...] = ()


SHEETS: dict[str, tuple[Column, ...]] = {
    "organizations": (
        Column(
            "id",
            "id",
            "A stable id (lower-case letters, digits, - and _). Leave empty "
            "for a new organization: it is made from the name.",
        ),
        Column(
            "name",
            "name",
            "The organization's name.",
            True,
            ("organization", "organization name", "org name"),
        ),
        Column(
            "sector",
            "sector",
            "Its sector, by slug (early_intervention) or label (Early intervention).",
            True,
            ("type",),
        ),
        Column("region", "region", "Region, county or district.", False, ("county",)),
        Column(
            "internal", "internal", "yes for units inside the agency, empty or no for partners."
        ),
        Column("notes", "notes", "Anything worth knowing.", False, ("description",)),
    ),
    "contacts": (
        Column("id", "id", "A stable id; leave empty for a new contact."),
        Column(
            "organization",
            "organization",
            "The organization's id or exact name.",
            True,
            ("org", "org id", "organization id"),
        ),
        Column(
            "name",
            "name",
            "The person, or a role such as 'Hub Director'. No family "
            "names of children or families.",
            True,
        ),
        Column(
            "role", "role", "Their role at the organization (the name if empty).", False, ("title",)
        ),
        Column("email", "email", "An email address.", False, ("e-mail",)),
    ),
    "relationships": (
        Column(
            "org_a",
            "organization a",
            "One organization, by id or exact name.",
            True,
            ("from", "organization 1", "org a"),
        ),
        Column(
            "org_b",
            "organization b",
            "The other organization, by id or exact name.",
            True,
            ("to", "organization 2", "org b", "partner"),
        ),
        Column("state", "state", "green, yellow, red, no dot, or empty (no dot)."),
        Column("reason", "reason", "Why the relationship is in that state."),
        Column(
            "assessed_by",
            "assessed by",
            "Who assessed it (the importer if empty).",
            False,
            ("assessor",),
        ),
        Column(
            "assessed_at",
            "date",
            "When: 2024-03-01, or a date and time (today if "
            "empty). One row per assessment brings in a history.",
            False,
            ("assessed at", "assessed on"),
        ),
    ),
    "engagements": (
        Column("id", "id", "A stable id; leave empty for a new engagement."),
        Column(
            "kind",
            "kind",
            "listening_session, survey, webinar, outreach, meeting, "
            "government_to_government or notification.",
            True,
        ),
        Column("title", "title", "What it was.", True),
        Column("date", "date", "When it took place or will: 2024-03-01.", True),
        Column("status", "status", "held (the default) or planned."),
        Column(
            "organizations",
            "organizations",
            "The organizations taking part, by id or exact name, separated by ';'.",
            True,
        ),
        Column("contacts", "contacts", "Contact ids, separated by ';'."),
        Column("notes", "notes", "Anything worth knowing."),
    ),
    "evidence": (
        Column(
            "kind",
            "kind",
            "What binds the organizations: joint_program (level 3), agreement (level 4) or "
            "collaborative (level 5 local, 6 state).",
            True,
        ),
        Column("id", "id", "A stable id; leave empty for new evidence."),
        Column(
            "name",
            "name",
            "The program's or collaborative's name, or the agreement's title (made from "
            "its type if empty).",
            False,
            ("title",),
        ),
        Column(
            "type",
            "type",
            "An agreement's type: information_sharing, joint_mis, liaison or co_location; a "
            "collaborative's scope: local or state.",
            False,
            ("scope", "agreement kind"),
        ),
        Column(
            "organizations",
            "organizations",
            "The organizations it binds (two or more), by id or exact name, separated by ';'.",
            True,
            ("members",),
        ),
        Column("start", "start", "When it began: 2024-03-01.", True, ("from",)),
        Column("end", "end", "When it ended, if it did.", False, ("until",)),
        Column(
            "governance",
            "governance",
            "How a collaborative governs itself; a local one needs it.",
        ),
        Column("notes", "notes", "Anything worth knowing (programs and agreements)."),
    ),
    "sectors": (
        Column("slug", "slug", "The sector's id, e.g. early_intervention.", True),
        Column("label", "label", "The sector's name people read.", True),
        Column("description", "description", "What belongs in it."),
    ),
}
"""The sheets and their columns, in the order export writes them."""

ABOUT_SHEET = "about"


def header_key(text: str) -> str:
    """A header as compared: lower case, letters and digits only, Organisation spelled with z.

    >>> header_key(" Organisation_A "), header_key("E-mail")
    ('organizationa', 'email')
    """
    text = text.lower().replace("organisation", "organization")
    return re.sub(r"[^a-z0-9]", "", text)


def read_spreadsheet(tables: dict[str, Table]) -> Draft:
    """The records of the sheets the project's spreadsheet knows; other sheets are left."""
    draft = Draft(format="spreadsheet")
    known = {header_key(name): name for name in SHEETS}
    known.update({"organisations": "organizations", "orgs": "organizations"})
    found = {
        known[header_key(name)]: table
        for name, table in tables.items()
        if header_key(name) in known
    }
    if not found:
        draft.problems.append(
            ImportProblem(
                message=f"no sheet is named {', '.join(SHEETS)} (the file has: "
                f"{', '.join(tables) or 'none'})"
            )
        )
    for sheet, table in found.items():
        for where, values in _records(sheet, table, draft.problems):
            reader = _READERS[sheet]
            reader(draft, where, values)
    return draft


def _records(
    sheet: str, table: Table, problems: list[ImportProblem]
) -> list[tuple[Where, dict[str, str | None]]]:
    columns = SHEETS[sheet]
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    for position, header in enumerate(table.header):
        key = header_key(header)
        for column in columns:
            if key in {header_key(column.header), header_key(column.field)} | {
                header_key(alias) for alias in column.aliases
            }:
                index.setdefault(column.field, position)
                names.setdefault(column.field, header)
    missing = [column.header for column in columns if column.required and column.field not in index]
    if missing:
        problems.append(
            ImportProblem(
                sheet=table.name,
                row=1,
                column=missing[0],
                message=f"the header has no column '{', '.join(missing)}'; the first row must "
                f"name the columns (it reads: {', '.join(table.header) or 'nothing'})",
            )
        )
        return []
    records = []
    for number, cells in table.rows:
        values = {field: _cell(cells, position) for field, position in index.items()}
        records.append((Where(table.name, number, names), values))
    return records


def _cell(cells: list[Cell], position: int) -> str | None:
    value = cells[position] if position < len(cells) else None
    return value.strip() if value else None


def _sector(draft: Draft, where: Where, values: dict[str, str | None]) -> None:
    draft.sectors.append(
        DraftSector(
            where, values["slug"] or "", values["label"] or "", values.get("description") or ""
        )
    )


def _organization(draft: Draft, where: Where, values: dict[str, str | None]) -> None:
    internal = _yes(draft, where, "internal", values.get("internal"))
    draft.organizations.append(
        DraftOrganization(
            where,
            id=values.get("id"),
            name=values["name"] or "",
            sector=values["sector"],
            region=values.get("region"),
            internal=internal,
            notes=values.get("notes") or "",
        )
    )


def _contact(draft: Draft, where: Where, values: dict[str, str | None]) -> None:
    draft.contacts.append(
        DraftContact(
            where,
            id=values.get("id"),
            organization=values["organization"] or "",
            name=values["name"] or "",
            role=values.get("role"),
            email=values.get("email"),
        )
    )


def _assessment(draft: Draft, where: Where, values: dict[str, str | None]) -> None:
    text = values.get("assessed_at")
    moment = parse_moment(text) if text else None
    if text and moment is None:
        draft.problems.append(where.problem("assessed_at", _not_a_date(text)))
        return
    draft.assessments.append(
        DraftAssessment(
            where,
            org_a=values["org_a"] or "",
            org_b=values["org_b"] or "",
            state=values.get("state"),
            reason=values.get("reason"),
            assessed_by=values.get("assessed_by"),
            assessed_at=moment,
        )
    )


def _engagement(draft: Draft, where: Where, values: dict[str, str | None]) -> None:
    text = values["date"] or ""
    moment = parse_moment(text)
    if moment is None:
        draft.problems.append(where.problem("date", _not_a_date(text)))
        return
    draft.engagements.append(
        DraftEngagement(
            where,
            id=values.get("id"),
            kind=(values["kind"] or "").lower().replace(" ", "_"),
            title=values["title"] or "",
            date=moment.date(),
            organizations=_list(values["organizations"]),
            status=(values.get("status") or "").lower() or None,
            contacts=_list(values.get("contacts")),
            notes=values.get("notes") or "",
        )
    )


def _evidence(draft: Draft, where: Where, values: dict[str, str | None]) -> None:
    days = {}
    for field in ("start", "end"):
        text = values.get(field)
        moment = parse_moment(text) if text else None
        if text and moment is None:
            draft.problems.append(where.problem(field, _not_a_date(text)))
            return
        days[field] = moment.date() if moment else None
    draft.evidence.append(
        DraftEvidence(
            where,
            kind=(values["kind"] or "").lower().replace(" ", "_"),
            id=values.get("id"),
            name=values.get("name"),
            type=(values.get("type") or "").lower().replace(" ", "_") or None,
            organizations=_list(values["organizations"]),
            start=days["start"],
            end=days["end"],
            governance=values.get("governance") or "",
            notes=values.get("notes") or "",
        )
    )


_READERS = {
    "sectors": _sector,
    "organizations": _organization,
    "contacts": _contact,
    "relationships": _assessment,
    "engagements": _engagement,
    "evidence": _evidence,
}


def parse_moment(text: str) -> datetime | None:
    """A date (the start of that day, UTC) or an ISO date and time; None when it is neither.

    >>> parse_moment("2024-03-01").isoformat(), parse_moment("1/3/24")
    ('2024-03-01T00:00:00+00:00', None)
    """
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _not_a_date(text: str) -> str:
    return f"'{text[:40]}' is not a date; write it as 2024-03-01 (year, month, day)"


def _yes(draft: Draft, where: Where, field: str, text: str | None) -> bool:
    if text is None:
        return False
    word = text.strip().lower()
    if word in ("yes", "y", "true", "1", "x", "internal"):
        return True
    if word not in ("no", "n", "false", "0", "external"):
        draft.problems.append(where.problem(field, f"'{text[:40]}' is not yes or no"))
    return False


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


# -- writing ----


def write_moment(moment: datetime) -> str:
    """A moment as the sheet shows it: the date alone at midnight UTC.

    >>> write_moment(datetime(2024, 3, 1, tzinfo=UTC))
    '2024-03-01'
    >>> write_moment(datetime(2024, 3, 1, 9, tzinfo=UTC))
    '2024-03-01T09:00:00+00:00'
    """
    moment = moment.astimezone(UTC)
    return moment.date().isoformat() if moment.time() == time() else moment.isoformat()


def network_tables(bundle: NetworkBundle) -> list[Table]:
    """The sheets of ``bundle``, as :func:`read_spreadsheet` reads them."""
    rows: dict[str, list[list[Cell]]] = {
        "organizations": [
            [o.id, o.name, o.sector, o.region, "yes" if o.internal else "no", o.notes]
            for o in bundle.organizations
        ],
        "contacts": [[c.id, c.org_id, c.name, c.role, c.email] for c in bundle.contacts],
        "relationships": [
            [
                rel.org_a,
                rel.org_b,
                step.state.value.replace("_", " "),
                step.reason,
                step.assessed_by,
                write_moment(step.assessed_at),
            ]
            for rel in bundle.relationships
            for step in rel.history
        ],
        "engagements": [
            [
                e.id,
                e.kind.value,
                e.title,
                e.date.isoformat(),
                e.status.value,
                "; ".join(e.org_ids),
                "; ".join(e.contact_ids),
                e.notes,
            ]
            for e in bundle.engagements
        ],
        "evidence": [_evidence_cells(record) for record in bundle.evidence],
        "sectors": [[s.slug, s.label, s.description] for s in bundle.sectors],
    }
    return [
        Table(sheet, [column.header for column in columns], list(enumerate(rows[sheet], start=2)))
        for sheet, columns in SHEETS.items()
    ]


def _evidence_cells(
    record: JointProgramCreate | AgreementCreate | CollaborativeCreate,
) -> list[Cell]:
    """An evidence record as the cells of its row, in the order of :data:`SHEETS`."""
    row = evidence_row(record)
    columns = row.columns
    return [
        row.kind.value,
        record.id,
        columns.get("name"),
        columns.get("subkind"),
        "; ".join(row.org_ids),
        columns["start_date"],
        columns["end_date"],
        columns.get("governance"),
        columns.get("notes") or None,
    ]


def template_tables() -> list[Table]:
    """The empty sheets, after an ``about`` sheet explaining every column."""
    about = Table(ABOUT_SHEET, ["sheet", "column", "required", "what it holds"])
    for sheet, columns in SHEETS.items():
        for column in columns:
            about.rows.append(
                (
                    len(about.rows) + 2,
                    [sheet, column.header, "yes" if column.required else "", column.meaning],
                )
            )
    return [about, *network_tables(NetworkBundle(name="template", title="Template"))]
