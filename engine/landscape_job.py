"""A loss landscape (grid + slice) computed a few points at a time.

Every point of a grid or a slice is one parameter vector's mean loss over the whole table
(engine.batch). On the tutorial's 4 rows all of them take milliseconds; on a 1 000-row table and
a 4 × 8 network a single 11 × 11 grid plus its slice takes over 100 ms. A caller on an event loop
(the window's landscape view) therefore asks for the work in slices of time: each `advance(budget)`
evaluates as many points as fit in `budget` seconds and returns, so the loop can answer a click
in between, whatever the table's size. The numbers are the ones loss_grid and loss_slice give in
one pass: a point's mean loss does not depend on which other points share its chunk.

    job = LandscapeJob(network, X, Y, "W211", "b21", range_x, range_y, n=101)
    while not job.advance(0.03):
        ...  # let the event loop run
    grid, slice_ = job.result()

The job copies θ at construction: the network may change while the job runs.
"""
from __future__ import annotations

import math
import time

import numpy as np

from engine.batch import batch_mean_loss
from engine.landscape import GRID_POINTS, SLICE_POINTS, LossGrid, LossSlice, grid_axes, grid_of, slice_axis, slice_of
from engine.network import Network

PROBE_ROWS = 4096  # seconds_per_point's work: a few milliseconds on the biggest table


def seconds_per_point(network: Network, X, Y) -> float:
    """What one point's mean loss over this table costs here, measured on a few points at once
    (as many as make ~PROBE_ROWS row evaluations, at least one): a caller with nothing measured
    yet sizes its first grid by it. Per point, a small probe pays overheads a chunk shares, so
    the guess errs on the dear side."""
    k = max(1, min(64, PROBE_ROWS // max(1, len(X))))
    thetas = np.repeat(network.theta[None, :], k, axis=0)
    t = time.thread_time()  # this thread's CPU time: a moment without a core does not count
    batch_mean_loss(network.spec, thetas, X, Y)
    return (time.thread_time() - t) / k


class LandscapeJob:
    """The grid of (p1, p2) and the slice along p1 through the network's current θ, in chunks.

    advance(budget_s=inf) -> bool   evaluate points for about budget_s seconds (at least one
                                    point); True once everything is computed
    done, total                     points evaluated / to evaluate (grid n², then the slice)
    busy_s                          the CPU seconds this thread spent in advance() so far (what
                                    sizes the next grid: steadier than the wall clock on a busy
                                    machine, where a wait for a core would look like cost)
    result() -> (LossGrid, LossSlice)   once advance() has returned True
    """

    def __init__(
        self, network: Network, X, Y, p1: str, p2: str,
        range1: tuple[float, float] | None = None, range2: tuple[float, float] | None = None,
        n: int = GRID_POINTS, slice_points: int = SLICE_POINTS,
    ):
        self._net = Network(network.spec)
        self._net.set_theta(network.theta.copy())
        self._X, self._Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        self._p1, self._p2 = p1, p2
        self._v1, self._v2, grid_thetas = grid_axes(self._net, p1, p2, range1, range2, n)
        self._vs, slice_thetas = slice_axis(self._net, p1, range1, slice_points)
        self._thetas = np.concatenate([grid_thetas, slice_thetas])
        self._loss = np.empty(len(self._thetas))
        self._n_grid = len(grid_thetas)
        self.done = 0
        self.total = len(self._thetas)
        self.busy_s = 0.0
        self._chunk = 1  # points per chunk: grows from what one chunk cost
        self._result: tuple[LossGrid, LossSlice] | None = None

    def advance(self, budget_s: float = math.inf) -> bool:
        """Evaluate points until `budget_s` seconds of the wall clock have passed (at least one)."""
        start, cpu = time.perf_counter(), time.thread_time()
        spec = self._net.spec
        while self.done < self.total:
            k = min(self._chunk, self.total - self.done)  # (engine.batch bounds its memory itself)
            t = time.perf_counter()
            self._loss[self.done: self.done + k] = batch_mean_loss(spec, self._thetas[self.done: self.done + k],
                                                                   self._X, self._Y)
            now = time.perf_counter()
            self.done += k
            left = budget_s - (now - start)
            if left <= 0:
                break
            per_point = (now - t) / k
            # Fill most of what is left of the budget (a chunk's cost varies a little with its size).
            if per_point <= 0 or math.isinf(left):
                self._chunk = self.total
            else:
                self._chunk = max(1, int(min(self.total, 0.8 * left / per_point)))
        if self.done == self.total and self._result is None:
            loss, g = self._loss, self._n_grid
            self._result = (grid_of(self._net, self._X, self._Y, self._p1, self._p2, self._v1, self._v2, loss[:g]),
                            slice_of(self._net, self._X, self._Y, self._p1, self._vs, loss[g:]))
        self.busy_s += time.thread_time() - cpu
        return self._result is not None

    def result(self) -> tuple[LossGrid, LossSlice]:
        if self._result is None:
            raise RuntimeError(f"the landscape is not finished: {self.done} of {self.total} points")
        return self._result
