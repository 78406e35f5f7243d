"""An eco-map on one page for a board meeting: the map, its legend, the partner table and what
changed since a date, written with reportlab in its bundled Bitstream Vera faces.

Every name goes into the PDF as text (never as markup): table cells and labels are plain
strings drawn as they are.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import reportlab
from reportlab.graphics.shapes import Circle, Group, Line, String
from reportlab.graphics.shapes import Drawing as Canvas
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from graph_models.ecomaps import EcoMap, EcoMapChanges
from visualizations.drawing import Drawing, MapNode
from visualizations.style import MISSING_DASHES, STATE_STYLES

FONTS = Path(reportlab.__file__).parent / "fonts"
pdfmetrics.registerFont(TTFont("Vera", str(FONTS / "Vera.ttf")))
pdfmetrics.registerFont(TTFont("Vera-Bold", str(FONTS / "VeraBd.ttf")))
MAP_SIZE = (186 * mm, 92 * mm)
TEXT = ParagraphStyle("text", fontName="Vera", fontSize=7.5, leading=9.5)
HEADING = ParagraphStyle("heading", parent=TEXT, fontName="Vera-Bold", fontSize=14, leading=17)
SMALL_HEADING = ParagraphStyle("small", parent=TEXT, fontName="Vera-Bold", fontSize=9, leading=12)


def ecomap_pdf(
    drawing: Drawing,
    ecomap: EcoMap,
    changes: EcoMapChanges,
    *,
    since: date,
    sector_labels: Mapping[str, str] | None = None,
) -> bytes:
    """The eco-map's one-pager as PDF bytes: the title, the day and profile, the map as
    ``drawing`` lays it out, the legend, one row per partner and ``changes``, those since the
    start of the day ``since``. A typical agency fits on one page; a hub's table runs on.

    >>> from graph_models.ecomaps import MapOrganization
    >>> hub = MapOrganization(id="hub", name="Hub", sector="wic", region=None, internal=False)
    >>> from visualizations.drawing import ecomap_drawing
    >>> empty = EcoMap(focal=hub, as_of=None, depth=1, partners=[])
    >>> pdf = ecomap_pdf(ecomap_drawing(empty), empty, EcoMapChanges(focal=hub, since=None,
    ...     until=None, added=[], gone=[], moved=[]), since=date(2024, 1, 1))
    >>> pdf[:5]
    b'%PDF-'
    """
    labels = sector_labels or {}
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=letter,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=drawing.title,
    )
    story: list[Flowable] = [
        Paragraph(_text(drawing.title), HEADING),
        Paragraph(_text(f"{drawing.subtitle} · {len(ecomap.partners)} partners"), TEXT),
        Spacer(0, 2 * mm),
        _map(drawing),
        _legend(drawing),
        Spacer(0, 2 * mm),
        _partner_table(ecomap, labels),
        Spacer(0, 3 * mm),
        *_changes(changes, since),
    ]
    document.build(story)
    return out.getvalue()


def _text(text: str) -> str:
    """Text for a Paragraph, whose mini-language reads ``<``, ``>`` and ``&`` as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _map(drawing: Drawing) -> Canvas:
    """The nodes and lines as drawn on the page, scaled to fit the map's box."""
    width, height = MAP_SIZE
    nodes = {node.id: node for node in drawing.nodes}
    xs = [node.x for node in drawing.nodes] or [0.0]
    ys = [node.y for node in drawing.nodes] or [0.0]
    margin = 60.0
    scale = min(
        width / (max(xs) - min(xs) + 2 * margin), height / (max(ys) - min(ys) + 2 * margin + 30)
    )

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            width / 2 + (x - (max(xs) + min(xs)) / 2) * scale,
            height / 2 - (y - (max(ys) + min(ys)) / 2) * scale,
        )

    canvas = Canvas(width, height)
    lines = Group()
    for edge in drawing.edges:
        (x1, y1), (x2, y2) = (
            at(nodes[edge.source].x, nodes[edge.source].y),
            at(nodes[edge.target].x, nodes[edge.target].y),
        )
        lines.add(
            Line(
                x1,
                y1,
                x2,
                y2,
                strokeColor=colors.HexColor(edge.colour),
                strokeWidth=max(edge.width * scale, 0.4),
                strokeDashArray=[d * scale for d in edge.dashes] if edge.dashes else None,
            )
        )
    canvas.add(lines)
    for node in drawing.nodes:
        _node(canvas, node, at(node.x, node.y), scale)
    return canvas


def _node(canvas: Canvas, node: MapNode, at: tuple[float, float], scale: float) -> None:
    if node.kind == "cluster":
        radius = 0.0
    else:
        radius = max(node.size * scale, 1.2)
        canvas.add(
            Circle(
                at[0],
                at[1],
                radius,
                fillColor=colors.HexColor(node.fill),
                strokeColor=colors.HexColor(node.border),
                strokeWidth=0.6,
                strokeDashArray=list(MISSING_DASHES) if node.dashed else None,
            )
        )
    size = max(node.text_size * scale, 3.0)
    for row, line in enumerate(node.label.split("\n") if node.label else []):
        canvas.add(
            String(
                at[0],
                at[1] - radius - size * (row + 1.1),
                line,
                fontName="Vera-Bold" if node.kind == "focal" else "Vera",
                fontSize=size,
                textAnchor="middle",
                fillColor=colors.HexColor("#1f2933"),
            )
        )


def _legend(drawing: Drawing) -> Table:
    """A swatch and the words of each state, then the notes of the map."""
    rows = []
    for state, style in STATE_STYLES.items():
        swatch = Canvas(14 * mm, 3 * mm)
        swatch.add(
            Circle(
                1.5 * mm,
                1.5 * mm,
                1.3 * mm,
                fillColor=colors.HexColor(style.fill),
                strokeColor=colors.HexColor(style.colour),
            )
        )
        swatch.add(
            Line(
                4 * mm,
                1.5 * mm,
                13 * mm,
                1.5 * mm,
                strokeColor=colors.HexColor(style.colour),
                strokeWidth=1.5,
                strokeDashArray=list(style.dashes) if style.dashes else None,
            )
        )
        words = f"{style.name}: {state.action}, {state.guidance} ({style.line}, {style.line_words})"
        rows.append([swatch, Paragraph(_text(words), TEXT)])
    notes = [[Paragraph(_text(note), TEXT)] for note in drawing.notes]
    table = Table(
        [[Paragraph("Legend", SMALL_HEADING), ""], *rows, *[[n[0], ""] for n in notes]],
        colWidths=[16 * mm, 170 * mm],
    )
    spans = [("SPAN", (0, row), (1, row)) for row in [0, *range(5, 5 + len(notes))]]
    table.setStyle(
        TableStyle(
            [
                *spans,
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ]
        )
    )
    return table


def _partner_table(ecomap: EcoMap, labels: Mapping[str, str]) -> Table:
    """One row per partner: name, sector, state, level, referrals and open loops."""
    head = ["Partner", "Sector", "State", "Level", "Sent", "Received", "Open loops"]
    rows = [
        [
            Paragraph(_text(p.organization.name), TEXT),
            Paragraph(_text(labels.get(p.organization.sector, p.organization.sector)), TEXT),
            f"{STATE_STYLES[p.state].name} ({p.action})",
            "" if p.partnership_level is None else str(p.partnership_level),
            str(p.referrals_sent),
            str(p.referrals_received),
            str(p.open_loops),
        ]
        for p in ecomap.partners
    ]
    table = Table(
        [head, *rows],
        colWidths=[62 * mm, 42 * mm, 30 * mm, 10 * mm, 10 * mm, 14 * mm, 16 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Vera", 7.5),
                ("FONT", (0, 0), (-1, 0), "Vera-Bold", 7.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#334e68")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f0f4f8")]),
                ("TOPPADDING", (0, 0), (-1, -1), 0.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _changes(changes: EcoMapChanges, since: date) -> list[Flowable]:
    """What changed since the day asked for, one line per partner."""
    lines = [
        f"{m.organization.name}: {STATE_STYLES[m.from_state].name} → "
        f"{STATE_STYLES[m.to_state].name} on {m.at.date().isoformat()}"
        + (f" ({m.reason})" if m.reason else "")
        for m in changes.moved
    ]
    lines += [f"{c.organization.name}: added, {STATE_STYLES[c.state].name}" for c in changes.added]
    lines += [
        f"{c.organization.name}: gone, was {STATE_STYLES[c.state].name}" for c in changes.gone
    ]
    return [
        Paragraph(_text(f"What changed since {since.isoformat()}"), SMALL_HEADING),
        *[Paragraph(_text(line), TEXT) for line in lines or ["Nothing changed."]],
    ]
