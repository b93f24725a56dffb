"""Per-row stochastic gradient descent over a table, epoch after epoch.

The tutorial's loop: for each epoch, visit the rows one at a time (in the
chosen order), forward, loss, backward, update; the epoch's loss is the mean
of its row losses. The row order of epoch e is a pure function of (seed, e),
so any run can be replayed exactly. η may change between any two rows.

Divergence: a non-finite loss or parameter, or a row loss above
DIVERGENCE_LOSS, ends training. The parameters go back to their values before
that row (the last finite ones) and the record says at which epoch and row.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from engine.network import Network
from engine.record import StepRecord

ORDERS = ("shuffle", "random", "sequential")
DIVERGENCE_LOSS = 1e12


def row_order(order: str, n_rows: int, seed: int, epoch: int) -> np.ndarray:
    """The rows epoch `epoch` (from 1) visits, in visiting order."""
    if order == "sequential":
        return np.arange(n_rows)
    if order not in ORDERS:
        raise ValueError(f"unknown row order {order!r} (choose from {', '.join(ORDERS)})")
    block, offset = divmod(epoch - 1, EPOCHS_PER_BLOCK)
    return _order_block(order, n_rows, seed, block)[offset]


EPOCHS_PER_BLOCK = 64


@functools.lru_cache(maxsize=4)
def _order_block(order: str, n_rows: int, seed: int, block: int) -> np.ndarray:
    # Seeding a generator costs ~40 µs: on a 4-row table, doing it every epoch would
    # cost more than the rows themselves. So one generator draws a block of epochs.
    rng = np.random.default_rng([seed, block])
    if order == "shuffle":  # every row once, a fresh permutation each epoch
        rows = rng.permuted(np.tile(np.arange(n_rows), (EPOCHS_PER_BLOCK, 1)), axis=1)
    else:  # "random": rows drawn with replacement, as the tutorial's "select 1 row (random)"
        rows = rng.integers(0, n_rows, size=(EPOCHS_PER_BLOCK, n_rows))
    rows.flags.writeable = False
    return rows


@dataclass(frozen=True)
class Checkpoint:
    """Everything needed to continue training from a given row, exactly."""

    theta: np.ndarray
    epoch: int
    position: int
    steps: int
    epoch_loss_sum: float
    epoch_losses: tuple[float, ...]


class Diverged(RuntimeError):  # noqa: N818 (reads as what happened: "raise Diverged")
    pass


class Training:
    def __init__(self, network: Network, X, Y, *, eta: float = 0.1, order: str = "shuffle", seed: int = 0):
        self.network = network
        self.X = np.asarray(X, dtype=float)
        self.Y = np.asarray(Y, dtype=float)
        if self.Y.ndim == 1:
            self.Y = self.Y[:, None]
        if self.X.ndim != 2 or self.X.shape[0] != self.Y.shape[0] or self.X.shape[0] == 0:
            raise ValueError(f"need a non-empty table: X {self.X.shape}, Y {self.Y.shape}")
        if self.X.shape[1] != network.spec.n_inputs or self.Y.shape[1] != network.spec.n_outputs:
            raise ValueError(
                f"{network.spec} takes {network.spec.n_inputs} inputs and {network.spec.n_outputs} outputs; "
                f"the table has {self.X.shape[1]} input and {self.Y.shape[1]} target columns"
            )
        row_order(order, 1, seed, 1)  # validate early
        self.eta = float(eta)
        self.order = order
        self.seed = int(seed)
        self.epoch = 1  # the epoch the next row belongs to
        self.position = 0  # how many rows of that epoch are done
        self.steps = 0
        self.epoch_losses: list[float] = []
        self.diverged: StepRecord | None = None
        self._epoch_loss_sum = 0.0
        self._order = row_order(order, self.n_rows, self.seed, 1)

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @property
    def next_row(self) -> int:
        return int(self._order[self.position])

    def step(self) -> StepRecord:
        """Train on the next row; returns that row's record."""
        if self.diverged is not None:
            raise Diverged(f"training diverged at epoch {self.diverged.epoch}, row {self.diverged.row}")
        row = int(self._order[self.position])
        net = self.network
        record = net.step(self.X[row], self.Y[row], self.eta, epoch=self.epoch, row=row, step=self.steps)
        loss = record.loss
        if not (math.isfinite(loss) and loss <= DIVERGENCE_LOSS and math.isfinite(float(net.theta.sum()))):
            net.set_theta(record.theta_before)
            self.diverged = record = dataclasses.replace(record, diverged=True)
            return record
        self.steps += 1
        self.position += 1
        self._epoch_loss_sum += loss
        if self.position == self.n_rows:
            self.epoch_losses.append(self._epoch_loss_sum / self.n_rows)
            self._epoch_loss_sum = 0.0
            self.position = 0
            self.epoch += 1
            self._order = row_order(self.order, self.n_rows, self.seed, self.epoch)
        return record

    def peek(self, eta: float | None = None) -> StepRecord:
        """The record the next step() will return, computed on a copy: nothing changes.

        Step-through mode shows this row's forward pass, loss and backward pass
        phase by phase before the update is committed with step(); both run the
        same arithmetic, so the numbers shown first are the numbers applied.
        """
        row = int(self._order[self.position])
        probe = Network(self.network.spec, self.network.theta)
        eta = self.eta if eta is None else float(eta)  # the η the next step will be given
        return probe.step(self.X[row], self.Y[row], eta, epoch=self.epoch, row=row, step=self.steps)

    def run_epochs(self, epochs: int) -> list[StepRecord]:
        """Train whole epochs (or until divergence); returns the last epoch's records."""
        records: list[StepRecord] = []
        target = self.epoch + epochs
        while self.epoch < target and self.diverged is None:
            if self.position == 0:
                records = []
            records.append(self.step())
        return records

    def mean_loss(self) -> float:
        """Mean row loss over the whole table at the current parameters."""
        net = self.network
        return float(np.mean([net.row_loss(x, y) for x, y in zip(self.X, self.Y)]))

    # ---- exact replay ---------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(
            theta=self.network.theta.copy(), epoch=self.epoch, position=self.position, steps=self.steps,
            epoch_loss_sum=self._epoch_loss_sum, epoch_losses=tuple(self.epoch_losses),
        )

    def restore(self, cp: Checkpoint) -> None:
        self.network.set_theta(cp.theta)
        self.epoch, self.position, self.steps = cp.epoch, cp.position, cp.steps
        self._epoch_loss_sum = cp.epoch_loss_sum
        self.epoch_losses = list(cp.epoch_losses)
        self.diverged = None
        self._order = row_order(self.order, self.n_rows, self.seed, self.epoch)
