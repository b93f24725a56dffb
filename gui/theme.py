"""Light and dark themes: a QPalette for the Fusion style, plus the colours the views paint with.

    apply_theme("dark")       the application's palette, gui.colors' names, pyqtgraph's defaults
    restyle_plots(widget)     a plot built later (behind a tab) takes the current theme

The canvas, the tables and the panels paint from `gui.colors` (rebound by
`colors.use_theme`), so they follow at their next paint; pyqtgraph plots keep their
background and axis pens, so `restyle_plots` sets them. The sign colours are the
Okabe–Ito blue / orange pair in both themes (colour-blind safe).
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from gui import colors

THEMES = ("light", "dark")
DEFAULT_THEME = "light"
THEME_LABELS = {"light": "&Light", "dark": "&Dark"}

# role → (light, dark); the disabled group is derived from these.
_ROLES = {
    QPalette.ColorRole.Window: ("#EFEFEF", "#2B2D31"),
    QPalette.ColorRole.WindowText: ("#1E1E1E", "#E8E8E8"),
    QPalette.ColorRole.Base: ("#FFFFFF", "#1C1D20"),
    QPalette.ColorRole.AlternateBase: ("#F5F5F3", "#25272B"),
    QPalette.ColorRole.ToolTipBase: ("#FFFFF0", "#3A3D42"),
    QPalette.ColorRole.ToolTipText: ("#1E1E1E", "#E8E8E8"),
    QPalette.ColorRole.PlaceholderText: ("#7A7A7A", "#8C8C8C"),
    QPalette.ColorRole.Text: ("#1E1E1E", "#E8E8E8"),
    QPalette.ColorRole.Button: ("#E6E6E6", "#33363B"),
    QPalette.ColorRole.ButtonText: ("#1E1E1E", "#E8E8E8"),
    QPalette.ColorRole.BrightText: ("#D55E00", "#F0B030"),
    QPalette.ColorRole.Light: ("#FFFFFF", "#45484E"),
    QPalette.ColorRole.Midlight: ("#F2F2F2", "#3A3D42"),
    QPalette.ColorRole.Mid: ("#B8B8B8", "#25272B"),
    QPalette.ColorRole.Dark: ("#9E9E9E", "#18191B"),
    QPalette.ColorRole.Shadow: ("#767676", "#0E0E10"),
    QPalette.ColorRole.Highlight: ("#0072B2", "#3D8EC9"),
    QPalette.ColorRole.HighlightedText: ("#FFFFFF", "#FFFFFF"),
    QPalette.ColorRole.Link: ("#005A8C", "#6CC0F0"),
    QPalette.ColorRole.LinkVisited: ("#8E3A6B", "#E8A6CB"),
}


def palette(name: str) -> QPalette:
    """The Fusion palette of theme `name` ('light' or 'dark')."""
    if name not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, got {name!r}")
    dark = name == "dark"
    pal = QPalette()
    for role, pair in _ROLES.items():
        pal.setColor(role, QColor(pair[1] if dark else pair[0]))
    muted = QColor("#8C8C8C" if dark else "#9A9A9A")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return pal


def apply_theme(name: str, app: QGuiApplication | None = None) -> None:
    """Switch the application to theme `name`: its palette, gui.colors and pyqtgraph's defaults.
    Plots already built keep their colours until `restyle_plots` (the window calls it on itself)."""
    app = app or QApplication.instance()
    colors.use_theme(name)
    pg.setConfigOptions(background=colors.CANVAS_BG, foreground=colors.INK)
    if app is not None:
        pal = palette(name)
        if app.palette() != pal:  # (a change reaches every widget of the application)
            app.setPalette(pal)


def current_theme() -> str:
    return colors.current_theme()


def restyle_plots(widget: QWidget) -> None:
    """Background, axes and tick labels of every pyqtgraph plot in `widget` in the current theme."""
    views = widget.findChildren(pg.GraphicsView)
    if isinstance(widget, pg.GraphicsView):
        views.append(widget)
    ink = pg.mkColor(colors.INK)
    paper = pg.mkColor(colors.CANVAS_BG)
    paper.setAlpha(225)
    for view in views:
        view.setBackground(colors.CANVAS_BG)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(ink)
                item.setTextPen(ink)
            elif isinstance(item, pg.LegendItem):
                item.setBrush(pg.mkBrush(paper))
                item.setLabelTextColor(ink)
