"""Stochastic gradient descent over a table, epoch after epoch, one row at a time.

The tutorial's loop: for each epoch, visit the rows one at a time (in the
chosen order), forward, loss, backward, update; the epoch's loss is the mean
of its row losses. The row order of epoch e is a pure function of (seed, e),
so any run can be replayed exactly. η may change between any two rows.

Mini-batches: with `batch` B > 1 the epoch's order is cut into runs of B
consecutive rows (the last run of an epoch may be shorter). Every row still has
its own step and record (forward, loss, its own gradient), but only the run's
last row moves the parameters, by −η × the mean of the run's gradients. The sum
of the gradients so far is part of the checkpoint, so a rewind to the middle of
a batch replays exactly. B = 1 is the tutorial's per-row SGD, unchanged.

Divergence means the loss ran away: with η > 0, a row's loss or the parameters
stop being finite, or a row's loss exceeds RUNAWAY_FACTOR × max(1, L₀), where L₀
is the largest row loss over the (training) table at the parameters the current
η started from (the run's start, the last η change or the last hand edit). At
η = 0 nothing changes, so nothing diverges, however large the numbers. L₀ is
taken over the whole table, not the rows seen so far, so a late row that is
simply far off does not count as a runaway; and it is re-taken when η changes, so
a smaller η after a divergence continues from the last good parameters instead
of tripping over the loss the larger η left behind. Divergence ends training;
the parameters go back to their values before that row (the last finite ones)
and the record says at which epoch and row.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from engine.batch import batch_row_losses
from engine.network import Network
from engine.record import StepRecord

ORDERS = ("shuffle", "random", "sequential")
_all_finite = np.logical_and.reduce
RUNAWAY_FACTOR = 1e6


def runaway_limit(spec, theta, X, Y) -> float:
    """RUNAWAY_FACTOR × max(1, the largest row loss of the table (X, Y) at `theta`): a row
    loss above this, with η > 0, is a runaway (inf when the table's loss is not a number)."""
    worst = float(np.max(batch_row_losses(spec, theta, X, Y)))
    return RUNAWAY_FACTOR * max(1.0, worst) if not math.isnan(worst) else math.inf


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
    """Everything needed to continue training from a given row, exactly.

    eta and runaway_limit are None when unknown (a checkpoint written by hand for the
    start of a run): restoring it then keeps the Training's η and takes the limit afresh.
    """

    theta: np.ndarray
    epoch: int
    position: int
    steps: int
    epoch_loss_sum: float
    epoch_losses: tuple[float, ...]
    updates: int = 0  # parameter updates applied so far
    batch_gradient_sum: np.ndarray | None = None  # the open batch's gradients so far (None: no open batch)
    batch_rows: tuple[int, ...] = ()  # ... and its table rows
    eta: float | None = None
    runaway_limit: float | None = None


class Diverged(RuntimeError):  # noqa: N818 (reads as what happened: "raise Diverged")
    pass


class Training:
    """SGD over the table (X, Y): X (n, inputs), Y (n, outputs) or (n,).

    `rows` (n,) names each row of X by its index in the full table (default 0…n−1): a
    run on the training part of a split table reports table rows in its records.
    """

    def __init__(self, network: Network, X, Y, *, eta: float = 0.1, order: str = "shuffle", seed: int = 0,
                 batch: int = 1, rows=None):
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
        if int(batch) != batch or batch < 1:
            raise ValueError(f"the batch size is a whole number of rows, at least 1, got {batch!r}")
        self.rows = np.arange(self.n_rows) if rows is None else np.asarray(rows, dtype=int)
        if self.rows.shape != (self.n_rows,):
            raise ValueError(f"rows must name each of the {self.n_rows} rows, got shape {self.rows.shape}")
        self._table_rows = self.rows.tolist()  # Python ints: the records' row numbers
        self._eta = float(eta)
        self.order = order
        self.seed = int(seed)
        self.batch = int(batch)
        self.epoch = 1  # the epoch the next row belongs to
        self.position = 0  # how many rows of that epoch are done
        self.steps = 0
        self.updates = 0
        self.epoch_losses: list[float] = []
        self.diverged: StepRecord | None = None
        self._epoch_loss_sum = 0.0
        self._batch_sum = np.zeros(network.spec.n_params)
        self._batch_rows: list[int] = []
        self._limit: float | None = None  # RUNAWAY_FACTOR × max(1, L₀); None: take it at the next row
        # Per row, once: views of X's and Y's rows (indexing the tables on every step costs more
        # than a row's forward pass), the row count, and the epoch's order as Python ints.
        self._xs, self._ys = list(self.X), list(self.Y)
        self._n_rows = self.n_rows
        self._order = row_order(order, self.n_rows, self.seed, 1).tolist()

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @property
    def eta(self) -> float:
        return self._eta

    @eta.setter
    def eta(self, value: float) -> None:
        value = float(value)
        if value != self._eta:
            self._eta = value
            self._limit = None  # a new η: the runaway limit is re-taken from here

    @property
    def next_row(self) -> int:
        """The table row the next step trains."""
        return self._table_rows[int(self._order[self.position])]

    @property
    def runaway_limit(self) -> float:
        """The row loss above which a row counts as a runaway (see the module docstring)."""
        if self._limit is None:
            self._limit = self._runaway_limit(self.network.theta)
        return self._limit

    def _runaway_limit(self, theta: np.ndarray) -> float:
        return runaway_limit(self.network.spec, theta, self.X, self.Y)

    def rebase(self) -> None:
        """Take the runaway limit afresh at the next row (after the parameters were edited by hand)."""
        self._limit = None

    def _closes(self) -> bool:
        return self.batch == 1 or len(self._batch_rows) + 1 == self.batch or self.position + 1 == self.n_rows

    def _attempt(self, network: Network) -> tuple[StepRecord, bool]:
        """The next row's step on `network` (its parameters move if the step closes a batch),
        and whether its parameters are all finite afterwards (always True at η = 0)."""
        local = self._order[self.position]
        row = self._table_rows[local]
        eta = self._eta
        if self.batch == 1:
            return network.train_row(self._xs[local], self._ys[local], eta, self.epoch, row, self.steps)
        rows = (*self._batch_rows, row)
        record = network.batch_step(
            self._xs[local], self._ys[local], eta, self._batch_sum, len(rows), closes=self._closes(),
            epoch=self.epoch, row=row, step=self.steps, update=self.updates, batch_rows=rows,
            batch_size=self.batch,
        )
        return record, eta == 0.0 or bool(_all_finite(np.isfinite(network.theta)))

    def _ran_away(self, loss: float, finite: bool) -> bool:
        """Whether a step with row loss `loss` that left parameters `finite` (or not) is a runaway."""
        if self._eta == 0.0:  # nothing moves, so nothing runs away
            return False
        if not math.isfinite(loss) or not finite:
            return True
        return loss > (self._limit if self._limit is not None else self.runaway_limit)

    def step(self) -> StepRecord:
        """Train on the next row; returns that row's record."""
        if self.diverged is not None:
            raise Diverged(f"training diverged at epoch {self.diverged.epoch}, row {self.diverged.row}")
        net = self.network
        if self._limit is None and self._eta != 0.0:
            self._limit = self._runaway_limit(net.theta)  # at the parameters before this row
        record, finite = self._attempt(net)
        loss = record.loss
        if self._ran_away(loss, finite):
            net.set_theta(record.theta_before)
            self.diverged = record = dataclasses.replace(record, diverged=True)
            return record
        self.steps += 1
        self.position += 1
        self._epoch_loss_sum += loss
        if self.batch > 1:
            if record.closes_batch:
                self._batch_sum[:] = 0.0
                self._batch_rows.clear()
            else:
                with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum is caught at the update
                    self._batch_sum += record.gradient
                self._batch_rows.append(record.row)
        if record.closes_batch:
            self.updates += 1
        if self.position == self._n_rows:
            self.epoch_losses.append(self._epoch_loss_sum / self._n_rows)
            self._epoch_loss_sum = 0.0
            self.position = 0
            self.epoch += 1
            self._order = row_order(self.order, self._n_rows, self.seed, self.epoch).tolist()
        return record

    def peek(self, eta: float | None = None) -> StepRecord:
        """The record the next step() will return, computed on a copy: nothing changes.

        Step-through mode shows this row's forward pass, loss and backward pass
        phase by phase before the update is committed with step(); both run the
        same arithmetic (the same batch sum, the same divergence test), so the
        numbers shown first are the numbers applied. `eta`: the η the next step
        will be given (default: the current one).
        """
        probe = Network(self.network.spec, self.network.theta)
        saved_eta, saved_limit = self._eta, self._limit
        try:
            self.eta = self._eta if eta is None else eta
            if self._limit is None and self._eta != 0.0:
                self._limit = self._runaway_limit(probe.theta)
            record, finite = self._attempt(probe)
            if self._ran_away(record.loss, finite):
                record = dataclasses.replace(record, diverged=True)
        finally:
            self._eta, self._limit = saved_eta, saved_limit
        return record

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
        open_batch = bool(self._batch_rows)
        return Checkpoint(
            theta=self.network.theta.copy(), epoch=self.epoch, position=self.position, steps=self.steps,
            epoch_loss_sum=self._epoch_loss_sum, epoch_losses=tuple(self.epoch_losses), updates=self.updates,
            batch_gradient_sum=self._batch_sum.copy() if open_batch else None,
            batch_rows=tuple(self._batch_rows), eta=self._eta, runaway_limit=self._limit,
        )

    def restore(self, cp: Checkpoint) -> None:
        self.network.set_theta(cp.theta)
        self.epoch, self.position, self.steps, self.updates = cp.epoch, cp.position, cp.steps, cp.updates
        self._epoch_loss_sum = cp.epoch_loss_sum
        self.epoch_losses = list(cp.epoch_losses)
        if cp.batch_gradient_sum is None:
            self._batch_sum[:] = 0.0
        else:
            self._batch_sum[:] = cp.batch_gradient_sum
        self._batch_rows = list(cp.batch_rows)
        if cp.eta is not None:
            self._eta = float(cp.eta)
        self._limit = cp.runaway_limit
        self.diverged = None
        self._order = row_order(self.order, self.n_rows, self.seed, self.epoch).tolist()
