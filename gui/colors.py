"""One colour palette for every view: colour-blind safe, readable on a projector.

Sign is blue (positive) / orange (negative): the Okabe–Ito pair that stays
distinct for every common form of colour blindness, and never red/green alone.
Colour is never the only cue: thickness, labels and the minus sign carry the
same information.

  POSITIVE / NEGATIVE           strokes and fills (edges, bands)
  POSITIVE_TEXT / NEGATIVE_TEXT darker shades for text on a light background
                                (contrast ≥ 4.5 : 1, WCAG AA)
  GRADIENT                      anything about ∂L/∂p: glow after a row, the
                                backward path in the step-through
  SELECTION                     the selected parameter, everywhere
  LIT                           neurons whose value the forward pass has reached

Light and dark: `use_theme("dark")` rebinds the surface, ink and sign names below to the
dark theme's values (gui.theme calls it with the window's palette). Views read
`colors.NAME` when they paint, so the next paint is in the new theme. The sign pair stays
Okabe–Ito blue / orange in both themes (sky blue in the dark one, bright enough on it).
"""
from __future__ import annotations

from PySide6.QtGui import QColor

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"

POSITIVE = BLUE
NEGATIVE = ORANGE
POSITIVE_TEXT = "#005A8C"
NEGATIVE_TEXT = "#9A5200"
ZERO = "#8C8C8C"

GRADIENT = REDDISH_PURPLE
GRADIENT_TEXT = "#8E3A6B"
SELECTION = "#1A1A1A"
SELECTION_FILL = "#FFF3B0"  # pale yellow behind a selected label / table row
LIT = "#FFF6C2"

CANVAS_BG = "#FCFCFA"
INK = "#1E1E1E"  # main text and outlines
MUTED = "#6B6B6B"  # secondary text, dimmed items
NEURON_FILL = "#FFFFFF"
INPUT_FILL = "#EEF3F8"
LABEL_BG = "#FFFFFF"
WARN_FILL = "#FFE0C2"  # worst row of the gradient check


# What changes with the theme; the Okabe–Ito constants above never do.
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "POSITIVE": BLUE, "NEGATIVE": ORANGE, "POSITIVE_TEXT": POSITIVE_TEXT, "NEGATIVE_TEXT": NEGATIVE_TEXT,
        "ZERO": ZERO, "GRADIENT": GRADIENT, "GRADIENT_TEXT": GRADIENT_TEXT, "SELECTION": SELECTION,
        "SELECTION_FILL": SELECTION_FILL, "LIT": LIT, "CANVAS_BG": CANVAS_BG, "INK": INK, "MUTED": MUTED,
        "NEURON_FILL": NEURON_FILL, "INPUT_FILL": INPUT_FILL, "LABEL_BG": LABEL_BG, "WARN_FILL": WARN_FILL,
    },
    "dark": {
        "POSITIVE": SKY_BLUE, "NEGATIVE": ORANGE, "POSITIVE_TEXT": "#6CC0F0", "NEGATIVE_TEXT": "#F0B030",
        "ZERO": "#9A9A9A", "GRADIENT": REDDISH_PURPLE, "GRADIENT_TEXT": "#E8A6CB", "SELECTION": "#F2F2F2",
        "SELECTION_FILL": "#4F4514", "LIT": "#4A4220", "CANVAS_BG": "#1C1D20", "INK": "#E8E8E8",
        "MUTED": "#A8A8A8", "NEURON_FILL": "#2A2C31", "INPUT_FILL": "#22303C", "LABEL_BG": "#2A2C31",
        "WARN_FILL": "#5C3A12",
    },
}
_theme = "light"


def use_theme(name: str) -> None:
    """Rebind the theme-dependent names of this module ('light' or 'dark')."""
    global _theme
    if name not in THEMES:
        raise ValueError(f"theme must be one of {sorted(THEMES)}, got {name!r}")
    globals().update(THEMES[name])
    _theme = name


def current_theme() -> str:
    return _theme


def qcolor(hex_code: str, alpha: float = 1.0) -> QColor:
    """QColor from '#RRGGBB' with alpha in [0, 1]."""
    c = QColor(hex_code)
    c.setAlphaF(max(0.0, min(1.0, float(alpha))))
    return c


def sign_color(value: float) -> str:
    """Stroke colour for a signed number: blue ≥ 0 … orange < 0 (grey for exactly 0)."""
    if value > 0:
        return POSITIVE
    if value < 0:
        return NEGATIVE
    return ZERO


def sign_text_color(value: float) -> str:
    """Text colour for a signed number (darker, readable on white)."""
    if value > 0:
        return POSITIVE_TEXT
    if value < 0:
        return NEGATIVE_TEXT
    return INK
