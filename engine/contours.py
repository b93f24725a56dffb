"""Contour lines and colour scales of a grid of values: the maths the heat-map views draw.

`contour_segments` is marching squares, vectorised: every cell the level crosses gives a
line segment between its two edge crossings (linearly interpolated), with no Python loop
over cells, so seven levels of a 101 × 101 grid cost well under a millisecond (pyqtgraph's
IsocurveItem traces each level in a Python loop and costs ~30× more). `contour_xy` maps the
segments of several levels to the grid's own coordinates, ready to draw as one curve of
point pairs. `log_colour_values` and `decade_ticks` give a log-scaled colour key.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.notation import fmt


def contour_segments(z: np.ndarray, level: float) -> np.ndarray:
    """The level's contour of z as line segments in index coordinates.

    z is indexed [i, j] (i along x). Returns (2k, 2) points, consecutive pairs being one
    segment. A saddle cell (all four edges crossed) gets two segments, paired by the value
    at the cell's centre.
    """
    below = z < level
    b_a, b_b, b_c, b_d = below[:-1, :-1], below[1:, :-1], below[1:, 1:], below[:-1, 1:]
    # Corners (i, j) = a, (i+1, j) = b, (i+1, j+1) = c, (i, j+1) = d; edges bottom a-b,
    # right b-c, top d-c, left a-d. Only the few cells the contour crosses are worked on.
    flags = (b_a != b_b, b_b != b_c, b_d != b_c, b_a != b_d)
    i, j = np.nonzero(flags[0] | flags[1] | flags[2] | flags[3])
    if i.size == 0:
        return np.empty((0, 2))
    a, b, c, d = z[i, j], z[i + 1, j], z[i + 1, j + 1], z[i, j + 1]
    fi, fj = i.astype(float), j.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):  # (uncrossed edges only)
        xs = np.stack([fi + (level - a) / (b - a), fi + 1.0, fi + (level - d) / (c - d), fi], axis=1)
        ys = np.stack([fj, fj + (level - b) / (c - b), fj + 1.0, fj + (level - a) / (d - a)], axis=1)
    points = np.stack([xs, ys], axis=2)  # (cells, 4 edges, 2)
    crossed = np.stack([f[i, j] for f in flags], axis=1)  # (cells, 4)
    count = crossed.sum(axis=1)
    out = []
    two = count == 2
    if two.any():
        f, p = crossed[two], points[two]
        first = np.argmax(f, axis=1)
        second = 3 - np.argmax(f[:, ::-1], axis=1)
        rows = np.arange(f.shape[0])
        out.append(np.stack([p[rows, first], p[rows, second]], axis=1).reshape(-1, 2))
    four = count == 4
    if four.any():
        p = points[four]
        centre_below = ((a + b + c + d)[four] / 4.0) < level
        same = centre_below == (a[four] < level)
        # centre on a's side: cut off corners b and d, else cut off a and c
        pairs_same = p[:, [0, 1, 2, 3]]  # bottom-right, top-left
        pairs_diff = p[:, [0, 3, 2, 1]]  # bottom-left, top-right
        out.append(np.where(same[:, None, None], pairs_same, pairs_diff).reshape(-1, 2))
    return np.concatenate(out)


def contour_xy(z: np.ndarray, levels: Sequence[float], vx: np.ndarray, vy: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Every level's contour of a finite z (indexed [ix, iy] over vx × vy) as x, y arrays of
    point pairs (one segment per pair)."""
    pts = [contour_segments(z, level) for level in levels]
    pts = np.concatenate(pts) if pts else np.empty((0, 2))
    sx = (vx[-1] - vx[0]) / (z.shape[0] - 1)
    sy = (vy[-1] - vy[0]) / (z.shape[1] - 1)
    return vx[0] + pts[:, 0] * sx, vy[0] + pts[:, 1] * sy


def contour_levels(lo: float, hi: float, n: int) -> np.ndarray:
    """n levels evenly inside (lo, hi), the ends excluded."""
    return np.linspace(lo, hi, n + 2)[1:-1]


def log_colour_values(values: np.ndarray) -> np.ndarray:
    """log10 of a grid of non-negative values, for colouring.

    A non-finite value (an overflow) gets the top colour; 0 gets the colour just below the
    smallest positive value (never more than 15 decades below the largest)."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros_like(values, dtype=float)
    top = float(values[finite].max())
    positive = values[finite & (values > 0)]
    floor = float(positive.min()) if positive.size else 1.0
    floor = max(floor, top * 1e-15, 1e-300)
    safe = np.where(finite, values, top)
    return np.log10(np.maximum(safe, floor))


def decade_ticks(lo: float, hi: float, digits: int = 3, most: int = 6) -> list[tuple[float, str]]:
    """Labels for a log10 colour key spanning lo … hi: whole powers of ten when the span has
    two or more (at most `most` of them), else three evenly spaced values."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first >= 1:
        step = max(1, math.ceil((last - first + 1) / most))
        return [(float(k), fmt(10.0 ** k, digits)) for k in range(first, last + 1, step)]
    return [(float(v), fmt(10.0 ** v, digits)) for v in np.linspace(lo, hi, 3)]
