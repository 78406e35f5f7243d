"""Exporting the network: each format's writer turns a
:class:`~service.data.snapshot.Snapshot` into a file. A new export format is one writer module
and one line in :data:`WRITERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.data.graph_files import write_gexf, write_graphml
from service.data.hsds import write_hsds_json, write_hsds_package
from service.data.kumu import kumu_tables
from service.data.snapshot import Scope, Snapshot, read_network
from service.data.spreadsheet import network_tables, template_tables
from service.data.tables import XLSX_MEDIA_TYPE, write_csv_zip, write_xlsx
from service.errors import InvalidInput
from service.store import Store


@dataclass(frozen=True)
class Writer:
    """One export format: how to write it, its media type and its file name's ending."""

    write: Callable[[Snapshot], bytes]
    media_type: str
    suffix: str


WRITERS: dict[str, Writer] = {
    "xlsx": Writer(lambda s: write_xlsx(network_tables(s.bundle)), XLSX_MEDIA_TYPE, ".xlsx"),
    "csv": Writer(lambda s: write_csv_zip(network_tables(s.bundle)), "application/zip", ".zip"),
    "graphml": Writer(write_graphml, "application/graphml+xml", ".graphml"),
    "gexf": Writer(write_gexf, "application/gexf+xml", ".gexf"),
    "kumu": Writer(lambda s: write_xlsx(kumu_tables(s.bundle)), XLSX_MEDIA_TYPE, "-kumu.xlsx"),
    "hsds": Writer(lambda s: write_hsds_json(s.bundle), "application/json", "-hsds.json"),
    "hsds-csv": Writer(lambda s: write_hsds_package(s.bundle), "application/zip", "-hsds.zip"),
}
"""Each export format's writer, by the name ``--format`` takes."""


@dataclass(frozen=True)
class ExportFile:
    """A written export: its bytes, media type and file name."""

    content: bytes
    media_type: str
    filename: str


def export_network(store: Store, format: str, scope: Scope | None = None) -> ExportFile:
    """The network (or the part ``scope`` names) written in ``format``."""
    if format not in WRITERS:
        raise InvalidInput(
            f"unknown export format '{format}'; the formats are: {', '.join(WRITERS)}"
        )
    writer = WRITERS[format]
    snapshot = read_network(store, scope)
    filename = f"stakeholder-graph-{snapshot.scope.describe()}{writer.suffix}"
    return ExportFile(writer.write(snapshot), writer.media_type, filename)


def template_workbook() -> ExportFile:
    """The empty spreadsheet to fill in, with a sheet explaining each column."""
    return ExportFile(
        write_xlsx(template_tables()), XLSX_MEDIA_TYPE, "stakeholder-graph-template.xlsx"
    )
