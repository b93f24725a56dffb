"""What the loss plot hands pyqtgraph: a growing series cut down to a few thousand points.

A curve keeps whatever arrays it was last fed. Fed a run's whole history it would hold an
x array as long as the run (4 bytes a row even as float32) and re-scan all of it on every feed
(~20 ms for 10^6 rows). A screen shows at most a few thousand pixel columns, so `Summary`
folds the series into at most MAX_BLOCKS blocks of k values each (k a power of two that
doubles when the blocks run out), updated from the new values only: a feed costs the rows
trained since the last one plus the few thousand points drawn, whatever the run's length,
and what the curve holds is bounded.

A block is drawn as pyqtgraph's own down-sampling draws it: "peak" gives its largest and its
smallest value at its middle (a row's loss jumps; the envelope is what the eye needs), "mean"
its mean (the bold epoch curve). The values after the last whole block are drawn one by one,
so the newest value is always a point of its own. `slice_points` does the same for a part of
the series, on demand, when a hand zoom asks for detail.

Value i of the series (0-based) sits at x = (i + 1) × x_step. No Qt: plain arrays in and out.
"""
from __future__ import annotations

import math

import numpy as np

MAX_BLOCKS = 4096  # blocks kept: 8192 points with "peak", enough for any screen's width


def _reduce(values: np.ndarray, k: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) per block of k values: (max, min) for "peak", (mean, mean) for "mean"."""
    blocks = values.reshape(-1, k)
    if method == "peak":
        return blocks.max(axis=1), blocks.min(axis=1)
    mean = blocks.mean(axis=1)
    return mean, mean


def _points(first: np.ndarray, second: np.ndarray, start: int, k: int, method: str,
            x_step: float) -> tuple[np.ndarray, np.ndarray]:
    """x and y of blocks of k values starting at value `start`, as drawn."""
    centre = (start + np.arange(first.shape[0]) * k + (k + 1) / 2.0) * x_step
    if method != "peak" or k == 1:
        return centre, first
    return np.repeat(centre, 2), np.column_stack((first, second)).reshape(-1)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


class Summary:
    """A growing series, folded into ≤ MAX_BLOCKS blocks as it grows (see the module's notes).

    update(values) takes the whole series so far (a read-only view; it may have been rewound
    or replaced: the summary then starts again); points(values, x_step) gives the (x, y)
    to draw, including the values after the last whole block one by one.
    """

    def __init__(self, method: str = "peak", max_blocks: int = MAX_BLOCKS):
        self.method, self.max_blocks = method, max(2, int(max_blocks))
        self._first = np.empty(self.max_blocks)
        self._second = np.empty(self.max_blocks)
        self.reset()

    def reset(self) -> None:
        self.k = 1  # values per block
        self.blocks = 0
        self._last = math.nan  # the last value summarised: a different one there means a new history

    @property
    def covered(self) -> int:
        return self.blocks * self.k

    def update(self, values: np.ndarray) -> None:
        n = values.shape[0]
        if n < self.covered or (self.covered and not _same(float(values[self.covered - 1]), self._last)):
            self.reset()  # rewound, reset or replaced (undo): summarise again from the start
        while True:
            # Whole blocks only, and never the block holding the newest value: it is drawn as is.
            whole = (max(0, n - 1) // self.k) * self.k
            if whole <= self.covered:
                break
            if self.blocks == self.max_blocks:
                self._merge()
                continue
            new = min(whole, self.covered + (self.max_blocks - self.blocks) * self.k)
            first, second = _reduce(values[self.covered:new], self.k, self.method)
            m = first.shape[0]
            self._first[self.blocks:self.blocks + m] = first
            self._second[self.blocks:self.blocks + m] = second
            self.blocks += m
        self._last = float(values[self.covered - 1]) if self.covered else math.nan

    def _merge(self) -> None:
        """Twice the values per block: neighbours combine (an odd last block is dropped and its
        values summarised again at the new size)."""
        pairs = self.blocks // 2
        f, s = self._first[: 2 * pairs].reshape(pairs, 2), self._second[: 2 * pairs].reshape(pairs, 2)
        if self.method == "peak":
            first, second = f.max(axis=1), s.min(axis=1)
        else:
            first = second = f.mean(axis=1)
        self._first[:pairs], self._second[:pairs] = first, second
        self.blocks, self.k = pairs, 2 * self.k

    def points(self, values: np.ndarray, x_step: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) to draw for the series `values` (the one last given to update)."""
        n, covered = values.shape[0], self.covered
        tail = values[covered:n]
        tail_x = (np.arange(covered, n) + 1.0) * x_step
        if covered == 0:
            return tail_x, tail
        x, y = _points(self._first[: self.blocks], self._second[: self.blocks], 0, self.k, self.method, x_step)
        return np.concatenate((x, tail_x)), np.concatenate((y, tail))


def slice_points(values: np.ndarray, start: int, stop: int, method: str = "peak", x_step: float = 1.0,
                 max_blocks: int = MAX_BLOCKS) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) to draw for values[start:stop] alone (a hand zoom), in ≤ max_blocks blocks of
    one size and the few values after the last whole block one by one."""
    n = values.shape[0]
    start, stop = max(0, min(int(start), n)), max(0, min(int(stop), n))
    count = stop - start
    k = 1 << max(0, math.ceil(math.log2(max(1, count) / max_blocks))) if count > max_blocks else 1
    whole = (count // k) * k
    tail = values[start + whole:stop]
    tail_x = (np.arange(start + whole, stop) + 1.0) * x_step
    if k == 1 or whole == 0:
        return (np.arange(start, stop) + 1.0) * x_step, values[start:stop]
    first, second = _reduce(values[start:start + whole], k, method)
    x, y = _points(first, second, start, k, method, x_step)
    return np.concatenate((x, tail_x)), np.concatenate((y, tail))
