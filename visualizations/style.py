"""How maps look: a colour and a line per relationship state, after the eco-map convention
(Hartman): a solid line for a strong relationship, dashed for a tenuous one, hashed for a
stressful one; the heavier the line, the higher the partnership level."""

from __future__ import annotations

from dataclasses import dataclass

from graph_models import RelationshipState


@dataclass(frozen=True)
class StateStyle:
    """How one relationship state is drawn, and what the legend says about it."""

    name: str
    colour: str
    fill: str
    line: str
    dashes: tuple[int, ...] | None

    @property
    def line_words(self) -> str:
        """The line the legend shows: 'strong: solid line', ..."""
        return {"strong": "solid line", "tenuous": "dashed line", "stressful": "hashed line"}[
            self.line
        ]


STATE_STYLES = {
    RelationshipState.GREEN: StateStyle("Green", "#2f9e44", "#2f9e44", "strong", None),
    RelationshipState.YELLOW: StateStyle("Yellow", "#d9a400", "#f5c518", "tenuous", (10, 7)),
    RelationshipState.RED: StateStyle("Red", "#c92a2a", "#e03131", "stressful", (3, 4)),
    RelationshipState.NO_DOT: StateStyle("No dot", "#7b8794", "#ffffff", "tenuous", (10, 7)),
}
"""Red lines are hashed: short strokes close together, drawn as a tight dash pattern."""

FOCAL_COLOUR = "#243b53"
NEUTRAL_FILL = "#bcccdc"
NEUTRAL_BORDER = "#627d98"
MISSING_BORDER = "#9aa5b1"
MISSING_DASHES = (5, 5)
BASE_WIDTH = 1.5


def line_width(level: int | None) -> float:
    """The width of a partner's line: heavier for each partnership level reached.

    >>> line_width(None), line_width(1), line_width(6)
    (1.5, 2.0, 7.0)
    """
    return BASE_WIDTH if level is None else 1.0 + level


def short_label(text: str, limit: int = 28) -> str:
    """A label short enough to sit under a node; the whole text goes in the tooltip.

    >>> short_label("Oregon Department of Education - Early Learning Division", 20)
    'Oregon Department o…'
    """
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


FONT_SIZES = {"focal": 16, "cluster": 16, "sector": 13, "missing_sector": 13}
"""A label's font size in pixels by kind of node; 12 for every other kind."""


def font_size(kind: str) -> int:
    """The font size of the label of a node of ``kind``.

    >>> font_size("focal"), font_size("partner")
    (16, 12)
    """
    return FONT_SIZES.get(kind, 12)
