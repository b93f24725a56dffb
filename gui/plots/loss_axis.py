"""The loss plot's scales: 1-2-5 steps that do not jump, and the epoch axis over rows trained."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is ≥ value (value > 0)."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        candidate = mantissa * 10.0 ** exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)


class EpochAxis(pg.AxisItem):
    """An axis over x = rows trained that labels whole epochs."""

    def __init__(self, orientation: str = "top"):
        super().__init__(orientation)
        self.n_rows = 1

    def tickValues(self, minVal, maxVal, size):  # noqa: N802,N803 (pyqtgraph API)
        n = self.n_rows
        lo, hi = minVal / n, maxVal / n
        if hi <= lo:
            return []
        # About one label per 80 px, in whole epochs of 1-2-5 steps.
        wanted = max(1.0, (hi - lo) / max(1.0, size / 80.0))
        step = max(1.0, nice_ceil(wanted))
        first = math.ceil(lo / step) * step
        values = np.arange(first, hi + step * 1e-9, step) * n
        return [(step * n, values.tolist())]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        return [f"{round(v / self.n_rows):d}" for v in values]
