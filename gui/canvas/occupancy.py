"""What is taken on the canvas, on a grid, and the free box of a given size nearest to a point:
the last resort of "Show all labels" (gui.canvas.show_all) for a label with no room beside its
edge or its circle.

The grid has CELL px cells, marked generously (a cell a circle or a box touches at all is
taken), so a box over free cells only is truly free. For each box size asked for, a map says
where such a box fits; it is made once from a summed-area table and then kept up to date as
labels are placed (placing one rules out only the positions whose box would overlap it), so a
plan of hundreds of labels does not rebuild a table for each. Where few positions are left they
are listed and measured all at once; otherwise a search looks in a small window around its
point first and only widens it when that window holds nothing close enough.
"""
from __future__ import annotations

import math

import numpy as np

CELL = 3.0  # px per cell
FEW = 4096  # free positions for a box size up to this many are listed and measured all at once


class Occupancy:
    """Cells taken inside a box (left, top, width, height) by circles (n, 3: x, y, r) and boxes
    (m, 4: left, top, right, bottom), and by what `mark` adds."""

    def __init__(self, area: tuple[float, float, float, float], circles: np.ndarray, boxes: np.ndarray):
        self.x0, self.y0 = area[0], area[1]
        self.nx, self.ny = max(0, int(area[2] // CELL)), max(0, int(area[3] // CELL))
        self.taken = np.zeros((self.ny, self.nx), dtype=bool)
        self.fits: dict[tuple[int, int], np.ndarray] = {}  # (cells wide, high) → where such a box fits
        self.free: dict[tuple[int, int], int] = {}  # … how many positions that is
        self.spots: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}  # … those rows, columns (when few)
        for x, y, r in circles:
            reach = r + CELL * 0.75  # a cell whose centre is this close may touch the circle
            i0, i1 = self._cols(x - reach, x + reach)
            j0, j1 = self._rows(y - reach, y + reach)
            if i1 > i0 and j1 > j0:
                cx = self.x0 + (np.arange(i0, i1) + 0.5) * CELL
                cy = self.y0 + (np.arange(j0, j1) + 0.5) * CELL
                self.taken[j0:j1, i0:i1] |= np.hypot(cx[None, :] - x, cy[:, None] - y) < reach
        for box in boxes:
            self.mark(*box)

    def _cols(self, left: float, right: float) -> tuple[int, int]:
        return (max(0, math.floor((left - self.x0) / CELL)), min(self.nx, math.ceil((right - self.x0) / CELL)))

    def _rows(self, top: float, bottom: float) -> tuple[int, int]:
        return (max(0, math.floor((top - self.y0) / CELL)), min(self.ny, math.ceil((bottom - self.y0) / CELL)))

    def mark(self, left: float, top: float, right: float, bottom: float) -> None:
        """The box is taken: its cells, and every position where a box of a kept size would overlap it."""
        i0, i1 = self._cols(left, right)
        j0, j1 = self._rows(top, bottom)
        if i1 <= i0 or j1 <= j0:
            return
        self.taken[j0:j1, i0:i1] = True
        for (cw, ch), fits in self.fits.items():
            j_lo, i_lo = max(0, j0 - ch + 1), max(0, i0 - cw + 1)
            ruled_out = fits[j_lo:j1, i_lo:i1]
            n = np.count_nonzero(ruled_out)
            if n:
                ruled_out[...] = False
                self.free[(cw, ch)] -= n
                if (cw, ch) in self.spots:
                    js, is_ = self.spots[(cw, ch)]
                    keep = (js < j_lo) | (js >= j1) | (is_ < i_lo) | (is_ >= i1)
                    self.spots[(cw, ch)] = js[keep], is_[keep]

    def _fits(self, cw: int, ch: int) -> np.ndarray:
        fits = self.fits.get((cw, ch))
        if fits is None:
            sat = np.zeros((self.ny + 1, self.nx + 1), dtype=np.int32)
            sat[1:, 1:] = self.taken.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
            count = sat[ch:, cw:] - sat[:-ch, cw:] - sat[ch:, :-cw] + sat[:-ch, :-cw]  # taken cells under each box
            fits = self.fits[(cw, ch)] = count == 0
            self.free[(cw, ch)] = np.count_nonzero(fits)
        return fits

    def nearest(self, x: float, y: float, w: float, h: float, reach: float) -> tuple[float, float] | None:
        """The left and top of the free w × h box (on the grid) whose centre is nearest to (x, y),
        within `reach`; None when there is none. Ties go to the first in reading order."""
        # boxes are looked up a little wider (an even count of cells): fewer sizes, fewer maps to make
        cw, ch = 2 * math.ceil(w / (2 * CELL)), math.ceil(h / CELL)
        if cw > self.nx or ch > self.ny or cw < 1 or ch < 1:
            return None
        fits = self._fits(cw, ch)
        if not self.free[(cw, ch)]:
            return None
        if self.free[(cw, ch)] <= FEW:  # few free positions: measured all at once (in reading order)
            if (cw, ch) not in self.spots:
                self.spots[(cw, ch)] = np.nonzero(fits)
            js, is_ = self.spots[(cw, ch)]
            left, top = self.x0 + is_ * CELL, self.y0 + js * CELL
            d = np.hypot(left + w / 2 - x, top + h / 2 - y)
            k = int(np.argmin(d))
            return (float(left[k]), float(top[k])) if d[k] <= reach else None
        for radius in (*(k * h for k in (2, 5, 10) if k * h < reach), reach):
            # positions whose box centre is within `radius` of (x, y) along each axis: any position
            # outside is farther than `radius`, so a hit this close is the nearest of all
            i0, i1 = (max(0, math.floor((x - radius - w / 2 - self.x0) / CELL)),
                      min(fits.shape[1], math.ceil((x + radius - w / 2 - self.x0) / CELL) + 1))
            j0, j1 = (max(0, math.floor((y - radius - h / 2 - self.y0) / CELL)),
                      min(fits.shape[0], math.ceil((y + radius - h / 2 - self.y0) / CELL) + 1))
            window = fits[j0:j1, i0:i1]
            if not window.any():
                continue
            js, is_ = np.nonzero(window)
            left, top = self.x0 + (is_ + i0) * CELL, self.y0 + (js + j0) * CELL
            d = np.hypot(left + w / 2 - x, top + h / 2 - y)
            k = int(np.argmin(d))
            if d[k] <= radius:
                return float(left[k]), float(top[k])
        return None
