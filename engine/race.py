"""The learning-rate race: one start, one table, one row order; only η differs.

Each lane trains its own copy of the starting parameters with engine.fast (Training's
arithmetic, batches and divergence rule, without the per-row records nobody looks at
here: a lane costs about a microsecond a row on the presets). The row order of epoch e
is a pure function of (order, seed, e) (see engine.training.row_order), so every lane
visits the rows in exactly the same sequence: any difference between the curves is the
learning rate's doing.

`Race` advances a few epochs at a time (a GUI calls `advance` on a timer and
never freezes); `race(...)` runs one to the end.

Verdicts (`verdict(epoch_losses, diverged)`), checked in this order on the
epoch losses L (the mean row loss of each finished epoch), with the last
WINDOW epochs as the window T, its spread = max T − min T, and the progress
made = L[0] − min L:

1. "diverged"          the engine stopped the lane (Training's divergence rule: the
                       loss ran away or a parameter stopped being finite), or a loss
                       is non-finite, or the last epoch loss is above BLOWUP × L[0].
2. "still converging"  fewer than MIN_EPOCHS epochs (too early to tell), or the loss is
                       still clearly falling: the window's second half averages at least
                       FALL_FRACTION lower than its first half, and that fall is bigger
                       than the largest single rise inside the window (a trend, not noise).
3. "converged"         the window is flat at the scale of the progress made: spread ≤
                       SETTLED_FRACTION × progress. (Per-row SGD with a fixed η keeps
                       jittering near a minimum; jitter that small counts as settled.)
4. "oscillating"       the loss jumps up and down by a visible amount: spread >
                       SETTLED_FRACTION × progress and spread > BOUNCE_FRACTION × the
                       window's mean loss (η too large to settle into the valley).
5. otherwise           tiny movements on a plateau: "still converging" if the window's
                       second half is lower than its first, else "converged".
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.fast import FastTraining
from engine.settings import DEFAULT_EPOCHS, ETA_PRESETS
from engine.spec import NetworkSpec

DEFAULT_ETAS = ETA_PRESETS
MAX_LANES = 4

WINDOW = 20
MIN_EPOCHS = 3
BLOWUP = 10.0
FALL_FRACTION = 0.01
SETTLED_FRACTION = 0.05
BOUNCE_FRACTION = 0.01

# The last point of a diverged lane (the mean loss of the epoch the blow-up cut short) is
# capped, so a log plot can place it without squashing the other lanes into a line.
CUT_SHORT_CAP = 1e12

VERDICTS = ("converged", "still converging", "oscillating", "diverged")


def verdict(epoch_losses: Sequence[float], diverged: bool = False) -> str:
    """One of VERDICTS for a lane's epoch losses; the rules are in the module docstring."""
    L = np.asarray(epoch_losses, dtype=float)
    if diverged or not np.all(np.isfinite(L)):
        return "diverged"
    if L.size and L[0] > 0 and L[-1] > BLOWUP * L[0]:
        return "diverged"
    if L.size < MIN_EPOCHS:
        return "still converging"
    T = L[-WINDOW:]
    half = T.size // 2
    first, second = T[:half].mean(), T[T.size - half:].mean()
    fall = first - second
    biggest_rise = max(float(np.max(np.diff(T))), 0.0)
    if fall >= FALL_FRACTION * first and fall > biggest_rise:
        return "still converging"
    spread = float(T.max() - T.min())
    progress = float(L[0] - L.min())
    if spread <= SETTLED_FRACTION * progress + 1e-12 * abs(L[0]):
        return "converged"
    if spread > BOUNCE_FRACTION * abs(T.mean()):
        return "oscillating"
    return "still converging" if fall > 0 else "converged"


@dataclass(frozen=True)
class LaneResult:
    eta: float
    epoch_losses: tuple[float, ...]  # one per finished epoch
    curve: tuple[float, ...]  # epoch_losses, plus the cut-short epoch if the lane diverged
    diverged: bool
    diverged_at: tuple[int, int] | None  # (epoch, row) of the row that blew up
    verdict: str


class Lane:
    """One learning rate's run (an engine.fast.FastTraining) plus what the race plot needs."""

    def __init__(self, spec: NetworkSpec, theta0: np.ndarray, X: np.ndarray, Y: np.ndarray,
                 eta: float, order: str, seed: int, batch: int = 1):
        self.eta = float(eta)
        self.run = FastTraining(spec, theta0, X, Y, eta=self.eta, order=order, seed=seed, batch=batch)

    @property
    def diverged(self) -> bool:
        return self.run.diverged is not None

    @property
    def diverged_at(self) -> tuple[int, int] | None:
        """(epoch, row) of the row that blew up."""
        stop = self.run.diverged
        return None if stop is None else (stop.epoch, stop.row)

    @property
    def epochs_done(self) -> int:
        return self.run.epochs_done

    @property
    def theta(self) -> np.ndarray:
        """The lane's parameters now."""
        return self.run.theta

    def advance(self, epochs: int) -> None:
        """Train up to `epochs` more whole epochs (fewer if the lane diverges)."""
        self.run.run_epochs(epochs)

    @property
    def curve(self) -> tuple[float, ...]:
        losses = tuple(self.run.epoch_losses)
        stop = self.run.diverged
        if stop is None:
            return losses
        cap = max(CUT_SHORT_CAP, max(losses, default=0.0))
        return losses + (min(stop.partial_mean, cap),)

    def result(self) -> LaneResult:
        losses = tuple(self.run.epoch_losses)
        return LaneResult(
            eta=self.eta, epoch_losses=losses, curve=self.curve, diverged=self.diverged,
            diverged_at=self.diverged_at, verdict=verdict(losses, self.diverged),
        )


def _check_etas(etas: Sequence[float]) -> tuple[float, ...]:
    etas = tuple(float(e) for e in etas)
    if not 1 <= len(etas) <= MAX_LANES:
        raise ValueError(f"race 1 to {MAX_LANES} learning rates, got {len(etas)}")
    for e in etas:
        if not (math.isfinite(e) and e > 0):
            raise ValueError(f"a learning rate must be a positive number, got {e}")
    return etas


class Race:
    """Up to MAX_LANES trainings from the same theta0 on the same rows in the same order.

    race = Race(spec, theta0, X, Y, etas=(0.01, 0.1, 1), epochs=100, order="shuffle", seed=0)
    while not race.done:
        race.advance(5)          # every unfinished lane trains 5 more epochs
    race.results()               # one LaneResult per η, in the order given
    """

    def __init__(self, spec: NetworkSpec, theta0, X, Y, etas: Sequence[float] = DEFAULT_ETAS, *,
                 epochs: int = DEFAULT_EPOCHS, order: str = "shuffle", seed: int = 0, batch: int = 1):
        if epochs < 1:
            raise ValueError(f"race at least 1 epoch, got {epochs}")
        theta0 = np.array(theta0, dtype=float)
        self.spec = spec
        self.theta0 = theta0
        self.epochs = int(epochs)
        self.order = order
        self.seed = int(seed)
        self.batch = int(batch)
        X = np.asarray(X, dtype=float)
        Y = np.asarray(Y, dtype=float)
        self.lanes = [Lane(spec, theta0, X, Y, eta, order, seed, batch) for eta in _check_etas(etas)]

    @property
    def etas(self) -> tuple[float, ...]:
        return tuple(lane.eta for lane in self.lanes)

    def _finished(self, lane: Lane) -> bool:
        return lane.diverged or lane.epochs_done >= self.epochs

    @property
    def done(self) -> bool:
        return all(self._finished(lane) for lane in self.lanes)

    @property
    def epochs_done(self) -> int:
        """Epochs every lane still running has finished."""
        running = [lane.epochs_done for lane in self.lanes if not lane.diverged]
        return min(running) if running else max(lane.epochs_done for lane in self.lanes)

    def advance(self, epochs: int = 1) -> bool:
        """Train every unfinished lane `epochs` more epochs (never past the race's length).

        Returns True while the race has more to do.
        """
        for lane in self.lanes:
            if not self._finished(lane):
                lane.advance(min(epochs, self.epochs - lane.epochs_done))
        return not self.done

    def results(self) -> list[LaneResult]:
        return [lane.result() for lane in self.lanes]


def race(spec: NetworkSpec, theta0, X, Y, etas: Sequence[float] = DEFAULT_ETAS, epochs: int = DEFAULT_EPOCHS,
         order: str = "shuffle", seed: int = 0, batch: int = 1) -> list[LaneResult]:
    """Run a whole race; one LaneResult (epoch losses, verdict, …) per η."""
    r = Race(spec, theta0, X, Y, etas, epochs=epochs, order=order, seed=seed, batch=batch)
    while r.advance(r.epochs):
        pass
    return r.results()
