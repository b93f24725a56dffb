"""Presentation mode's font scaling, shared by the views that draw with pixel-sized fonts."""
from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTableView

TABLE_PIXELS = 15  # a table's text at factor 1


class FontScaled:
    """Mixin: `set_font_scale(f)` stores the factor and calls the view's own `_apply_font()`,
    which sizes its text from `scaled_pixels()` (BASE_PIXELS at factor 1)."""

    BASE_PIXELS = 16
    _font_scale = 1.0

    def set_font_scale(self, factor: float) -> None:
        self._font_scale = max(0.5, float(factor))
        self._apply_font()

    def scaled_pixels(self) -> int:
        return round(self.BASE_PIXELS * self._font_scale)


def scale_table_font(table: QTableView, factor: float) -> QFont:
    """Size a table's cells, header and rows for `factor`; returns the font it set."""
    f = QFont(table.font())
    f.setPixelSize(max(8, round(TABLE_PIXELS * factor)))
    table.setFont(f)
    table.horizontalHeader().setFont(f)
    table.verticalHeader().setDefaultSectionSize(round(f.pixelSize() * 1.8))
    return f
