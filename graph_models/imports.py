"""What an import shows before it is applied: counts per kind and every problem found."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportProblem(BaseModel):
    """One thing wrong with an imported file, where it is and what is wrong.

    ``row`` counts as a spreadsheet does (the header is row 1); it and ``column`` are None
    when the problem is the whole file or the whole sheet.
    """

    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    message: str

    def __str__(self) -> str:
        """The problem on one line.

        >>> str(ImportProblem(sheet="contacts", row=4, column="organization", message="unknown"))
        "sheet 'contacts', row 4, column 'organization': unknown"
        """
        where = []
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportCount(BaseModel):
    """How many records of one kind the import creates, updates and leaves as they are."""

    create: int = 0
    update: int = 0
    leave: int = 0


class ImportPreview(BaseModel):
    """What applying an import would do. ``problems`` empty means it can be applied."""

    id: str | None = Field(
        default=None, description="Apply it with POST /api/v1/imports/{id}/apply."
    )
    format: str = Field(description="The format the file was read as.")
    filename: str = ""
    sectors: ImportCount = Field(default_factory=ImportCount)
    organizations: ImportCount = Field(default_factory=ImportCount)
    contacts: ImportCount = Field(default_factory=ImportCount)
    relationships: ImportCount = Field(default_factory=ImportCount)
    assessments: ImportCount = Field(
        default_factory=ImportCount,
        description="Entries of relationship histories; a changed state adds one, never "
        "overwrites one.",
    )
    engagements: ImportCount = Field(default_factory=ImportCount)
    evidence: ImportCount = Field(
        default_factory=ImportCount,
        description="Joint programs, agreements and collaboratives with the organizations "
        "they bind.",
    )
    problems: list[ImportProblem] = Field(default_factory=list)
    notices: list[ImportProblem] = Field(
        default_factory=list,
        description="Worth knowing but no reason to refuse the file: e.g. organizations given "
        "the importer's sector because none of their taxonomy terms is mapped.",
    )

    @property
    def changes(self) -> int:
        """How many records applying it would create or update."""
        counts = (
            self.sectors,
            self.organizations,
            self.contacts,
            self.relationships,
            self.assessments,
            self.engagements,
            self.evidence,
        )
        return sum(count.create + count.update for count in counts)
