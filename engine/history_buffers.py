"""The growing per-row and per-epoch histories a Timeline keeps (no Qt, no threads).

GrowingBuffer stores float64 values, 8 bytes each, in an array that doubles when full.
NaNBuffer stands in for a per-epoch measure that does not apply to the run (the test loss
without held-out rows, the accuracies of a regression): it counts epochs and stores nothing,
so a run pays only for what it measures. Both read the same way: view(), head(n), len().
"""
from __future__ import annotations

import numpy as np

HISTORY_START = 1 << 14  # initial capacity of the loss buffer (rows)


class _Counted:
    """What both buffers share: how many values they hold, cut back by a rewind or a reset."""

    __slots__ = ("n",)

    def truncate(self, n: int) -> None:
        self.n = max(0, min(int(n), self.n))

    def clear(self) -> None:
        self.n = 0

    def view(self) -> np.ndarray:
        return self.head(self.n)

    def __len__(self) -> int:
        return self.n


class GrowingBuffer(_Counted):
    """A float64 array that doubles when full. `view()` is a read-only window on the filled part.

    Memory: 8 bytes per value actually stored (pages beyond `n` are never touched).
    A reader holding an old array keeps valid values: growing copies into a new array.
    """

    __slots__ = ("data",)

    def __init__(self, capacity: int = HISTORY_START):
        self.data = np.empty(max(int(capacity), 16))
        self.n = 0

    def append(self, value: float) -> None:
        if self.n == self.data.shape[0]:
            bigger = np.empty(2 * self.n)
            bigger[: self.n] = self.data
            self.data = bigger
        self.data[self.n] = value
        self.n += 1

    def replace(self, values: np.ndarray) -> None:
        """Hold exactly `values` (into a new array: a reader holding the old one keeps it)."""
        n = int(values.shape[0])
        self.data = np.empty(max(2 * n, 16))
        self.data[:n] = values
        self.n = n

    def head(self, n: int) -> np.ndarray:
        """The first n values (n ≤ the count, read-only): what another thread published may be shorter."""
        v = self.data[:n]
        v.flags.writeable = False
        return v

    def kept(self) -> np.ndarray:
        """A copy of the values, for a memento."""
        return self.view().copy()


class NaNBuffer(_Counted):
    """A GrowingBuffer for a measure that does not apply to the run (test loss without test rows,
    accuracy in regression): it counts values and stores none, every one reading NaN.

    Appending one to a stored buffer every epoch would cost 8 bytes an epoch for nothing; the
    views are NaN broadcasts (one value, stride 0) of the right length instead.
    """

    __slots__ = ()

    def __init__(self):
        self.n = 0

    def append(self, value: float) -> None:
        self.n += 1

    def replace(self, values: np.ndarray) -> None:
        self.n = int(np.shape(values)[0])

    @property
    def data(self) -> np.ndarray:
        return self.view()

    @staticmethod
    def head(n: int) -> np.ndarray:
        return np.broadcast_to(np.float64(np.nan), (max(0, int(n)),))  # read-only, no memory per value

    def kept(self) -> np.ndarray:
        return self.view()  # immutable already: nothing to copy
