"""Presentation mode's font scaling, shared by the views that draw with pixel-sized fonts."""
from __future__ import annotations


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
