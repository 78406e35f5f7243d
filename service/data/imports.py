"""Importing a file: find its format, read it into a :class:`~service.data.changes.Draft`,
preview what applying it does, and apply it all or nothing through ``Store.import_bundle``.

A new import format is one reader module and one line in :data:`READERS`.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import PurePath

from graph_models.imports import ImportPreview
from service.data.changes import Draft, Plan, plan_import
from service.data.hsds import looks_like_hsds, read_hsds
from service.data.kumu import looks_like_kumu, read_kumu
from service.data.read_options import ReadOptions
from service.data.spreadsheet import read_spreadsheet
from service.data.tables import ImportRefused, read_tables, refuse
from service.errors import InvalidInput, NotFound
from service.store import ImportSummary, Store
from service.store.protocol import Progress

Reader = Callable[[bytes, str, ReadOptions], Draft]


def _spreadsheet(data: bytes, filename: str, options: ReadOptions) -> Draft:
    return read_spreadsheet(read_tables(data, filename))


def _kumu(data: bytes, filename: str, options: ReadOptions) -> Draft:
    return read_kumu(read_tables(data, filename), options)


READERS: dict[str, Reader] = {"spreadsheet": _spreadsheet, "kumu": _kumu, "hsds": read_hsds}
"""Each import format's reader, by the name ``--format`` takes."""


def detect_format(data: bytes, filename: str) -> str:
    """The format of a file, from its name and first bytes: HSDS (JSON, or a zip with
    ``datapackage.json``), a Kumu workbook (an Elements sheet), else the project's spreadsheet.

    >>> detect_format(b"name,sector\\n", "orgs.csv")
    'spreadsheet'
    """
    if looks_like_hsds(data, filename):
        return "hsds"
    if looks_like_kumu(data, filename):
        return "kumu"
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".json" or data.lstrip()[:1] in (b"{", b"["):
        refuse(
            f"'{filename or 'the file'}' is JSON; import an XLSX workbook, a CSV file or a zip "
            "of CSV files (a bundle JSON file loads with `stakeholder-graph seed load PATH`)"
        )
    return "spreadsheet"


def preview_file(
    store: Store,
    data: bytes,
    filename: str,
    *,
    assessed_by: str,
    format: str | None = None,
    options: ReadOptions | None = None,
) -> Plan:
    """What importing ``data`` would do to ``store``: the plan, with its preview; ``options``
    are the importer's additions to the file (see :class:`ReadOptions`).

    :class:`ImportRefused` when the file cannot be read at all (wrong type, empty, too big).
    """
    chosen = format or detect_format(data, filename)
    if chosen not in READERS:
        raise InvalidInput(f"unknown format '{chosen}'; the formats are: {', '.join(READERS)}")
    draft = READERS[chosen](data, filename, options or ReadOptions())
    plan = plan_import(store, draft, assessed_by=assessed_by)
    plan.preview.filename = PurePath(filename).name
    return plan


def apply_plan(store: Store, plan: Plan, *, progress: Progress | None = None) -> ImportSummary:
    """Apply a previewed import in one all-or-nothing write; a plan with problems writes
    nothing and raises :class:`ImportRefused` with them."""
    if plan.preview.problems:
        raise ImportRefused(plan.preview.problems)
    return store.import_bundle(plan.bundle, progress=progress)


class PendingImports:
    """Previewed imports kept until they are applied, by id: the latest :data:`KEPT` only.

    >>> PendingImports().take("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    service.errors.NotFound: there is no previewed import 'nope'; upload the file again ...
    """

    KEPT = 20

    def __init__(self) -> None:
        self._plans: OrderedDict[str, Plan] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, plan: Plan) -> str:
        """Keep ``plan``; returns its id, also set on its preview."""
        plan_id = secrets.token_urlsafe(12)
        plan.preview.id = plan_id
        with self._lock:
            self._plans[plan_id] = plan
            while len(self._plans) > self.KEPT:
                self._plans.popitem(last=False)
        return plan_id

    def take(self, plan_id: str) -> Plan:
        """The plan of ``plan_id``, no longer kept: an import is applied once."""
        with self._lock:
            plan = self._plans.pop(plan_id, None)
        if plan is None:
            raise NotFound(
                f"there is no previewed import '{plan_id}'; upload the file again "
                "(previews are kept until applied, the latest 20 only)"
            )
        return plan


def summary_line(preview: ImportPreview) -> str:
    """One line per kind: how many to create, update and leave.

    >>> print(summary_line(ImportPreview(format="spreadsheet")).splitlines()[2])
    organizations          0       0       0
    """
    lines = [f"{'':<16}{'create':>8}{'update':>8}{'leave':>8}"]
    for kind in (
        "sectors",
        "organizations",
        "contacts",
        "relationships",
        "assessments",
        "engagements",
        "evidence",
    ):
        count = getattr(preview, kind)
        lines.append(f"{kind:<16}{count.create:>8}{count.update:>8}{count.leave:>8}")
    return "\n".join(lines)
