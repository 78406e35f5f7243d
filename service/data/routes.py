"""Import and export through HTTP: upload a file for a preview, apply it, download exports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from graph_models.imports import ImportPreview
from service.access.deps import Assessor, Reader
from service.data.exports import ExportFile, export_network, template_workbook
from service.data.imports import PendingImports, apply_plan, preview_file
from service.data.read_options import ReadOptions, read_mapping
from service.data.snapshot import Scope
from service.data.tables import MAX_FILE_BYTES, ImportRefused
from service.store import ImportSummary
from service.web.deps import StoreDep

router = APIRouter(tags=["data in and out"])

ExportFormat = Literal["xlsx", "csv", "graphml", "gexf", "kumu", "hsds", "hsds-csv"]


def pending_imports(request: Request) -> PendingImports:
    """The previews this service keeps until they are applied."""
    state = request.app.state
    if not hasattr(state, "pending_imports"):
        state.pending_imports = PendingImports()
    pending: PendingImports = state.pending_imports
    return pending


def download(written: ExportFile) -> Response:
    """A file to save, with its media type and name."""
    disposition = f'attachment; filename="{written.filename}"'
    return Response(
        written.content, media_type=written.media_type, headers={"Content-Disposition": disposition}
    )


async def read_upload(file: StarletteUpload) -> bytes:
    """The uploaded bytes, reading no more than one byte past the size cap."""
    return await file.read(MAX_FILE_BYTES + 1)


@router.post(
    "/imports",
    responses={422: {"description": "The file has problems: the preview lists each one."}},
)
async def preview_import(
    request: Request,
    store: StoreDep,
    principal: Assessor,
    file: Annotated[
        UploadFile,
        File(
            description="XLSX, CSV, or a zip of CSV files; a Kumu workbook; HSDS 3.0 JSON or "
            "a tabular data package (a zip with datapackage.json)."
        ),
    ],
    format: Annotated[
        str | None, Form(description="spreadsheet, kumu or hsds (read from the file if empty)")
    ] = None,
    sector: Annotated[
        str | None,
        Form(description="The sector of every organization the file gives none (slug or label)."),
    ] = None,
    sector_column: Annotated[
        str | None, Form(description="Kumu: the Elements column naming the sector (Type).")
    ] = None,
    region: Annotated[
        str | None, Form(description="HSDS: the region of every organization.")
    ] = None,
    mapping: Annotated[
        str | None,
        Form(
            description='HSDS: {"sectors": {"taxonomy term code or name": "sector"}, '
            '"regions": {"city, county or region of an address": "region"}} as JSON.'
        ),
    ] = None,
) -> ImportPreview:
    """Upload a file for a preview of what importing it creates, updates and leaves. A file
    without problems is kept under the preview's `id` until `POST /api/v1/imports/{id}/apply`;
    one with problems answers 422 with every problem by sheet, row and column. Files up to
    20 MB, and no larger than the request body cap (`MAX_BODY_BYTES`, 1 MiB unless set
    otherwise; 413 beyond it). Leaders and admins."""
    data = await read_upload(file)
    try:
        sectors, regions = read_mapping(mapping.encode("utf-8")) if mapping else ({}, {})
        plan = preview_file(
            store,
            data,
            file.filename or "",
            assessed_by=principal.name,
            format=format or None,
            options=ReadOptions(
                sector=sector or None,
                region=region or None,
                sectors=sectors,
                regions=regions,
                sector_column=sector_column or None,
            ),
        )
    except ImportRefused as refused:
        preview = ImportPreview(
            format=format or "unknown", filename=file.filename or "", problems=refused.problems
        )
        return _refused(refused.message, preview)  # type: ignore[return-value]
    if plan.preview.problems:
        return _refused(str(ImportRefused(plan.preview.problems).message), plan.preview)  # type: ignore[return-value]
    pending_imports(request).keep(plan)
    return plan.preview


def _refused(message: str, preview: ImportPreview) -> JSONResponse:
    return JSONResponse({"detail": message, "preview": preview.model_dump(mode="json")}, 422)


@router.post("/imports/{import_id}/apply")
def apply_import(import_id: str, request: Request, store: StoreDep, _: Assessor) -> ImportSummary:
    """Apply a previewed import, all or nothing: what it wrote of each kind. An import is
    applied once; 404 for an id not kept (upload the file again)."""
    return apply_plan(store, pending_imports(request).take(import_id))


@router.get(
    "/imports/template",
    response_class=Response,
    responses={
        200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
def import_template(_: Reader) -> Response:
    """The spreadsheet template to fill in, with an 'about' sheet explaining each column."""
    return download(template_workbook())


@router.get("/exports", response_class=Response)
def export(
    store: StoreDep,
    _: Reader,
    format: Annotated[
        ExportFormat,
        Query(
            description="xlsx, csv (a zip), graphml, gexf, kumu (Kumu's workbook), hsds (HSDS "
            "3.0 JSON of the organizations and contacts) or hsds-csv (the HSDS tabular package)"
        ),
    ],
    org_id: Annotated[str | None, Query(description="Only this organization's eco-map.")] = None,
    depth: Annotated[int, Query(ge=1, le=5, description="With org_id: partners this far.")] = 1,
    region: Annotated[str | None, Query(description="Only this region's organizations.")] = None,
) -> Response:
    """The whole network, one region or one eco-map as a file to download. Spreadsheets are
    what `POST /api/v1/imports` reads back; no cell runs as a formula."""
    return download(export_network(store, format, Scope(org_id=org_id, depth=depth, region=region)))
