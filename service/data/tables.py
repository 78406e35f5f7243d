"""Sheets in and out: an XLSX workbook, one CSV file, or a zip of CSV files, read into the same
plain :class:`Table` rows and written back from them.

Reading refuses what a spreadsheet user can send by mistake or on purpose (a file of another
type, an empty file, one over :data:`MAX_FILE_BYTES`, a zip that unpacks to more than
:data:`MAX_UNPACKED_BYTES`, text that is not UTF-8, a formula, a cell longer than
:data:`MAX_CELL_CHARS`), naming sheet, row and column. Writing neutralises every cell a
spreadsheet would run as a formula (see :func:`inert`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import NoReturn

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from graph_models.common import FORMULA_STARTS
from graph_models.imports import ImportProblem
from service.errors import InvalidInput

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_CELL_CHARS = 32_767
"""The most a spreadsheet cell holds (Excel's own limit): enough for the 500 organizations an
engagement or a piece of evidence may name in one cell. Each field keeps its own limit after
(a name 200 characters, notes 2,000)."""
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | None


class ImportRefused(InvalidInput):
    """A file that cannot be imported; ``problems`` says where and why, each on its own."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        shown = "; ".join(str(problem) for problem in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"the file cannot be imported: {shown}{more}")
        self.problems = list(problems)


@dataclass
class Table:
    """One sheet: its header and its rows, each with its row number as a spreadsheet shows it
    (the header is row 1). Cells are text, None when empty."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


def refuse(
    message: str, sheet: str | None = None, row: int | None = None, column: str | None = None
) -> NoReturn:
    """Raise :class:`ImportRefused` for one problem."""
    raise ImportRefused([ImportProblem(sheet=sheet, row=row, column=column, message=message)])


def is_zip(data: bytes) -> bool:
    """Whether ``data`` is a zip archive (an XLSX workbook is one).

    >>> is_zip(b"PK\\x03\\x04rest"), is_zip(b"name,sector")
    (True, False)
    """
    return data[:4] == b"PK\x03\x04"


def read_tables(data: bytes, filename: str = "") -> dict[str, Table]:
    """The sheets of an XLSX workbook, a CSV file (one sheet named after the file) or a zip of
    CSV files, by lower-case sheet name.

    >>> tables = read_tables(b"Name,Sector\\nWIC Lane,wic\\n", "organizations.csv")
    >>> tables["organizations"].rows
    [(2, ['WIC Lane', 'wic'])]
    """
    if not data:
        refuse("the file is empty; upload an XLSX workbook, a CSV file or a zip of CSV files")
    if len(data) > MAX_FILE_BYTES:
        refuse(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; files up to "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB are taken"
        )
    if is_zip(data):
        archive = _open_zip(data)
        names = archive.namelist()
        if "[Content_Types].xml" in names:
            return _read_xlsx(data)
        return _read_csv_zip(archive)
    if PurePath(filename).suffix.lower() in (".xlsx", ".xlsm", ".zip"):
        refuse(f"'{filename}' is not an XLSX workbook or a zip archive")
    name = PurePath(filename).stem.lower() if filename else "sheet"
    return {name: _read_csv(name, data, PurePath(filename).name or "the file")}


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        refuse("the file looks like a zip archive but is damaged")
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        refuse(
            f"the archive unpacks to {unpacked / 1024 / 1024:.0f} MB; archives up to "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB unpacked are taken"
        )
    return archive


def _read_xlsx(data: bytes) -> dict[str, Table]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, KeyError, ValueError, zipfile.BadZipFile) as error:
        refuse(f"the workbook cannot be read: {error}")
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    try:
        for sheet in workbook.worksheets:
            rows = (
                [(cell.value, cell.data_type) for cell in row]
                for row in sheet.iter_rows()  # type: ignore[union-attr]
            )
            table = _table(sheet.title, _xlsx_cells(sheet.title, rows, problems), problems)
            if table is not None:
                tables[table.name] = table
    finally:
        workbook.close()
    if problems:
        raise ImportRefused(problems)
    return tables


def _xlsx_cells(
    sheet: str, rows: Iterable[list[tuple[object, str]]], problems: list[ImportProblem]
) -> Iterable[list[Cell]]:
    """Each row's cells as text; a formula is a problem (its value is not what was meant)."""
    for number, row in enumerate(rows, start=1):
        cells: list[Cell] = []
        for column, (value, data_type) in enumerate(row, start=1):
            if data_type == "f":
                problems.append(
                    ImportProblem(
                        sheet=sheet,
                        row=number,
                        column=openpyxl.utils.get_column_letter(column),
                        message=f"a formula ({str(value)[:40]}); enter the value itself",
                    )
                )
                cells.append(None)
            else:
                cells.append(_text(value))
        yield cells


def _text(value: object) -> Cell:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.removesuffix("T00:00:00")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_csv_zip(archive: zipfile.ZipFile) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for member in archive.infolist():
        path = PurePath(member.filename)
        if member.is_dir() or path.name.startswith((".", "__")):
            continue
        if path.suffix.lower() != ".csv":
            continue
        name = path.stem.lower()
        tables[name] = _read_csv(name, archive.read(member), member.filename)
    if not tables:
        refuse("the zip archive holds no CSV files")
    return tables


def _read_csv(name: str, data: bytes, source: str) -> Table:
    """The sheet ``name`` of the CSV file ``source``: UTF-8, with or without the byte-order
    mark Excel's "CSV UTF-8" writes; any other encoding is refused, naming the file."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        refuse(f"'{source}' is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8'", name)
    if b"\x00" in data[:4096]:
        refuse(f"'{source}' is not text: upload an XLSX workbook, a CSV file or a zip of CSV files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        row = data.count(b"\n", 0, error.start) + 1
        before = data[line_start : error.start].decode("utf-8", errors="replace")
        column = len(next(csv.reader([before]), [""]))
        refuse(
            f"'{source}' is not UTF-8 (byte 0x{data[error.start]:02x} here; it may be Latin-1 "
            "or Windows-1252); save it as 'CSV UTF-8'",
            sheet=name,
            row=row,
            column=f"#{column}",
        )
    problems: list[ImportProblem] = []
    try:
        raw = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        refuse(f"the CSV cannot be read: {error}", sheet=name)
    cells = ([cell if cell != "" else None for cell in row] for row in raw)
    table = _table(name, cells, problems)
    if problems:
        raise ImportRefused(problems)
    if table is None:
        refuse("the sheet is empty", sheet=name)
    return table


def _table(name: str, rows: Iterable[list[Cell]], problems: list[ImportProblem]) -> Table | None:
    """A table of the header (the first row that is not empty) and the rows under it; None
    for a sheet with no cell filled."""
    table: Table | None = None
    for number, cells in enumerate(rows, start=1):
        if not any(cell is not None and cell.strip() for cell in cells):
            continue
        if table is None:
            header = [(cell or "").strip() for cell in cells]
            while header and not header[-1]:
                header.pop()
            table = Table(name.strip().lower(), header)
            continue
        for index, cell in enumerate(cells):
            if cell is not None and len(cell) > MAX_CELL_CHARS:
                column = table.header[index] if index < len(table.header) else f"#{index + 1}"
                problems.append(
                    ImportProblem(
                        sheet=table.name,
                        row=number,
                        column=column,
                        message=f"{len(cell)} characters; a cell holds at most {MAX_CELL_CHARS}",
                    )
                )
                cells[index] = None
        table.rows.append((number, [_readable(cell) for cell in cells]))
    return table


def _readable(cell: Cell) -> Cell:
    """A cell as it was entered: the apostrophe :func:`inert` put before a formula's first
    character taken away again, blank cells None."""
    if cell is None or not cell.strip():
        return None
    if cell.startswith("'") and cell[1:2] in FORMULA_STARTS and cell[1:2]:
        return cell[1:]
    return cell


# -- writing ----


def inert(value: object) -> object:
    """A cell value no spreadsheet runs as a formula: text starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets an apostrophe in front, which reading takes away.

    >>> inert("=HYPERLINK(\\"http://x\\")"), inert("Lane County"), inert(3)
    ('\\'=HYPERLINK("http://x")', 'Lane County', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_xlsx(tables: Sequence[Table]) -> bytes:
    """An XLSX workbook with one sheet per table, header first, every cell inert."""
    workbook = openpyxl.Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        sheet.append(table.header)
        for _, cells in table.rows:
            sheet.append([inert(cell) for cell in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(table: Table) -> bytes:
    """One table as UTF-8 CSV, every cell inert."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows([inert(cell) for cell in cells] for _, cells in table.rows)
    return buffer.getvalue().encode("utf-8")


def write_csv_zip(tables: Sequence[Table], others: Mapping[str, bytes] | None = None) -> bytes:
    """A zip of one CSV file per table, named after it, and the ``others`` files by name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in (others or {}).items():
            archive.writestr(name, content)
        for table in tables:
            archive.writestr(f"{table.name}.csv", write_csv(table))
    return buffer.getvalue()
