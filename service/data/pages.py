"""The Import page: upload a file, read the preview (counts and every problem), apply it; and
the export buttons the map and home pages share (``exports.html``).

The page works on the same functions as ``POST /api/v1/imports`` and its ``/apply``: one set
of rules. Importing assesses relationships, so leaders and admins may; others are told why not.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from graph_models import Principal
from service.access.csrf import CsrfSent
from service.access.deps import get_principal
from service.access.permissions import may_open
from service.data.exports import WRITERS
from service.data.imports import READERS, apply_plan, preview_file
from service.data.routes import pending_imports, read_upload
from service.data.tables import MAX_FILE_BYTES, ImportRefused
from service.errors import DomainError
from service.settings import Settings
from service.store import Store
from service.web.deps import SettingsDep, StoreDep
from service.web.pages import page_error, render, templates

router = APIRouter(include_in_schema=False)

IMPORT_PAGE = "/import"
"""The Import page; what it asks of a role is in the table of pages of the permissions: a file's
relationships come with their states, so importing asks for assessing."""

EXPORT_LABELS = {
    "xlsx": "Spreadsheet (XLSX)",
    "csv": "CSV files (zip)",
    "graphml": "GraphML",
    "gexf": "GEXF",
    "kumu": "Kumu workbook",
    "hsds": "Open Referral HSDS (JSON)",
    "hsds-csv": "Open Referral HSDS (CSV zip)",
}
"""How the export buttons name each format; a format without a label shows its name."""


def may_import(principal: Principal | None) -> bool:
    """Whether ``principal`` may import files: what the navigation links the Import page by."""
    return may_open(principal, IMPORT_PAGE)


def export_formats() -> list[tuple[str, str]]:
    """Each export format's name and button label, in the writers' order.

    >>> export_formats()[0]
    ('xlsx', 'Spreadsheet (XLSX)')
    """
    return [(name, EXPORT_LABELS.get(name, name)) for name in WRITERS]


templates.env.globals["export_formats"] = export_formats


def upload_cap(settings: Settings) -> int:
    """The largest file the page takes: the file cap, or the request body cap if smaller."""
    return min(MAX_FILE_BYTES, settings.max_body_bytes)


def import_page(
    request: Request,
    settings: Settings,
    principal: Principal,
    status_code: int = 200,
    **context: object,
) -> Response:
    """The Import page, the upload form first, then what ``context`` adds."""
    refused = None
    if not may_import(principal):
        refused = (
            f"Importing is for leaders and admins: a file's relationships come with their "
            f"states, and the {principal.role.value} role may not assess relationships. Ask "
            "a leader or an admin to import the file."
        )
        status_code = 403
    return render(
        request,
        "import.html",
        status_code=status_code,
        principal=principal,
        refused=refused,
        formats=list(READERS),
        cap_mb=upload_cap(settings) / 1024 / 1024,
        **context,
    )


def signed_in(
    request: Request, store: Store, settings: Settings, csrf_sent: str | None = None
) -> Principal:
    """Who sends the request; a write needs the page's CSRF token."""
    return get_principal(request, store, settings, csrf_sent=csrf_sent)


@router.get(IMPORT_PAGE, response_class=HTMLResponse)
def import_form(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The upload form, the formats it reads and a link to the template workbook."""
    try:
        principal = signed_in(request, store, settings)
    except DomainError as error:
        return page_error(request, error)
    return import_page(request, settings, principal)


@router.post("/import", response_class=HTMLResponse)
async def import_preview(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    csrf_sent: CsrfSent,
) -> Response:
    """The preview of an uploaded file (the form's ``file``, read as its ``format``, from the
    file when empty): counts to create, update and leave per kind, and every problem by sheet,
    row and column. A file without problems is kept to be applied."""
    try:
        principal = signed_in(request, store, settings, csrf_sent)
    except DomainError as error:
        return page_error(request, error)
    if not may_import(principal):
        return import_page(request, settings, principal)
    form = await request.form()
    file, chosen = form.get("file"), form.get("format")
    format = chosen if isinstance(chosen, str) else ""
    # A form sent with no file chosen holds an empty text field: read as an empty file.
    data = await read_upload(file) if isinstance(file, UploadFile) else b""
    filename = (file.filename if isinstance(file, UploadFile) else None) or ""
    try:
        plan = preview_file(
            store, data, filename, assessed_by=principal.name, format=format or None
        )
    except ImportRefused as refused:
        return import_page(
            request, settings, principal, 422, filename=filename, problems=refused.problems
        )
    except DomainError as error:
        return import_page(request, settings, principal, error.status_code, failure=error.message)
    preview = plan.preview
    if not preview.problems:
        pending_imports(request).keep(plan)
    return import_page(
        request,
        settings,
        principal,
        422 if preview.problems else 200,
        filename=filename,
        preview=preview,
        problems=preview.problems,
    )


@router.post("/import/{import_id}/apply", response_class=HTMLResponse)
def import_apply(
    request: Request,
    import_id: str,
    store: StoreDep,
    settings: SettingsDep,
    csrf_sent: CsrfSent,
) -> Response:
    """Apply a previewed import, all or nothing, and say what changed, with links to the
    organizations it created or updated."""
    try:
        principal = signed_in(request, store, settings, csrf_sent)
        if not may_import(principal):
            return import_page(request, settings, principal)
        plan = pending_imports(request).take(import_id)
        summary = apply_plan(store, plan)
    except DomainError as error:
        return page_error(request, error)
    return import_page(
        request,
        settings,
        principal,
        filename=plan.preview.filename,
        applied=summary,
        created=plan.bundle.organizations,
        updated=plan.bundle.updated_organizations,
    )
