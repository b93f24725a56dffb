"""One training run's history, with exact rewind: the loss of every row, each epoch's mean,
and what is needed to go back to any earlier row bit-exactly. No Qt, no threads.

Going back is restore + deterministic replay (the engine's row order is a pure function of
seed and epoch): a `Training.checkpoint()` every CHECKPOINT_EVERY rows and sparse logs of
η changes and hand edits are all that is kept, so memory stays flat (8 bytes a row for the
loss history). The window's trainer drives a Timeline from its worker thread.

Train and test: with a test fraction the table is split once (seeded, engine.evaluation);
training sees only the train rows, and after each completed epoch the timeline measures the
held-out rows' mean loss and, for classification, the accuracy on both parts, vectorised
over the table (cheap next to the epoch itself). Scalers are fitted on the train rows only,
so nothing about the held-out rows leaks into training.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine import evaluation
from engine.history_buffers import GrowingBuffer, NaNBuffer
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.record import StepRecord
from engine.run_table import RunTable
from engine.spec import NetworkSpec
from engine.training import Checkpoint, Training

CHECKPOINT_EVERY = 1024  # rows between checkpoints: a rewind replays at most this many rows
MAX_CHECKPOINTS = 2048  # beyond this, every other checkpoint goes and the spacing doubles
PROGRESS_EVERY = 4096  # rows between progress reports while a saved run is replayed (from_log)


@dataclass(frozen=True)
class Edit:
    """A hand edit applied just before row `step` (0-based count of rows done)."""

    step: int
    name: str
    value: float


class Timeline:
    """One training run's state and history, with exact rewind. No Qt, no threads.

    X_raw, Y_raw: the table in its own units. X, Y: the whole table as the network sees it
    (inputs through `scaler`, targets through `target_scaler`, both fitted on the train rows).
    train_rows, test_rows: index arrays into the table. Records name TABLE rows.
    Per completed epoch: epoch_means (mean training row loss during the epoch, scaled units),
    epoch_test_losses (the test rows' mean loss at the epoch's end, same units; NaN without
    test rows), epoch_train_accuracy / epoch_test_accuracy (classification only, else NaN).
    A measure that does not apply is a NaNBuffer: it reads NaN at every epoch and stores nothing.
    The engine's own `Training.epoch_losses` list is drained into `epoch_means` after
    each epoch (a list of Python floats would cost 32 bytes an epoch).
    """

    def __init__(self, spec: NetworkSpec, X, Y, *, init: str = DEFAULT_SCHEME, seed: int = 0,
                 order: str = "shuffle", scaling: str = "standard", eta: float = 0.1,
                 target_scaling: str = "none", batch: int = 1, test_fraction: float = 0.0):
        table = RunTable.of(X, Y, scaling=scaling, target_scaling=target_scaling, test_fraction=test_fraction,
                            seed=seed)
        self.spec, self.table = spec, table
        self.X_raw, self.Y_raw, self.X, self.Y = table.X_raw, table.Y_raw, table.X, table.Y
        self.scaler, self.target_scaler = table.scaler, table.target_scaler
        self.train_rows, self.test_rows = table.train_rows, table.test_rows
        self.init, self.seed, self.order, self.scaling = init, int(seed), order, scaling
        self.target_scaling, self.batch, self.test_fraction = target_scaling, int(batch), float(test_fraction)
        # The two parts as the network sees them, sliced once (measured after every epoch).
        self._train_part, self._test_part = table.train, table.test
        network = initialise(Network(spec), init, self.seed)
        self.initial_theta = network.theta.copy()
        self.initial_theta.flags.writeable = False
        self.training = self._new_training(network, eta)
        self.losses = GrowingBuffer()
        self.epoch_means = GrowingBuffer(256)
        has_test, classifies = len(self.test_rows) > 0, self.is_classification
        self.epoch_test_losses = GrowingBuffer(256) if has_test else NaNBuffer()
        self.epoch_train_accuracy = GrowingBuffer(256) if classifies else NaNBuffer()
        self.epoch_test_accuracy = GrowingBuffer(256) if classifies and has_test else NaNBuffer()
        self.last_record: StepRecord | None = None
        n = self.X_raw.shape[0]
        self.row_loss = np.full(n, np.nan)  # each table row's loss when it was last trained
        # ... and that step's record (for its ŷ: records build their array views lazily, so the
        # worker never touches them; the table asks only for the rows it shows).
        self.row_records: list[StepRecord | None] = [None] * n
        self._start()

    def _new_training(self, network: Network, eta: float) -> Training:
        rows = self.train_rows
        return Training(network, self.X[rows], self.Y[rows], eta=eta, order=self.order, seed=self.seed,
                        batch=self.batch, rows=rows)

    @property
    def is_classification(self) -> bool:
        return self.spec.loss_fn.needs_binary_targets

    # ---- the run from its start ------------------------------------------------
    def _start(self) -> None:
        self.training.network.set_theta(self.initial_theta)
        self.training.restore(Checkpoint(theta=self.initial_theta, epoch=1, position=0, steps=0,
                                         epoch_loss_sum=0.0, epoch_losses=()))
        self.losses.clear()
        for buffer in self._epoch_buffers():
            buffer.clear()
        self.last_record = None
        self.row_loss[:] = np.nan
        self.row_records[:] = [None] * len(self.row_records)
        self.eta_log: list[tuple[int, float]] = [(0, self.training.eta)]  # (first step, η)
        self.edits: list[Edit] = []
        self.checkpoint_every = CHECKPOINT_EVERY
        self.checkpoints: list[Checkpoint] = [self.training.checkpoint()]

    def _epoch_buffers(self) -> tuple[GrowingBuffer | NaNBuffer, ...]:
        return (self.epoch_means, self.epoch_test_losses, self.epoch_train_accuracy, self.epoch_test_accuracy)

    def reset(self) -> None:
        """Back to the very same initial parameters (same seed); history cleared; η kept."""
        self._start()

    @classmethod
    def from_log(cls, spec: NetworkSpec, X, Y, *, init: str = DEFAULT_SCHEME, seed: int = 0,
                 order: str = "shuffle", scaling: str = "standard", steps: int = 0,
                 eta_log=((0, 0.1),), edits=(), diverged: bool = False, progress=None,
                 target_scaling: str = "none", batch: int = 1, test_fraction: float = 0.0) -> Timeline:
        """The run a saved log describes, rebuilt by replaying it from its start: `steps` rows,
        row s trained with the η `eta_log` [(first step, η), …] gives it, each `Edit` applied just
        before its row, and (with `diverged`) the failed attempt at the next row made again.
        Training is deterministic, so the run is bit-exactly the one that wrote the log.
        `progress(done, total)` is called every PROGRESS_EVERY rows (it may raise to stop).
        Raises ValueError (KeyError for an unknown parameter name) when the log cannot be replayed."""
        log = [(int(first), float(eta)) for first, eta in eta_log]
        if not log or log[0][0] != 0 or any(b[0] <= a[0] for a, b in zip(log, log[1:])):
            raise ValueError("the η log must start at step 0 and go forward")
        steps = int(steps)
        by_step: dict[int, list[Edit]] = {}
        for edit in edits:
            by_step.setdefault(int(edit.step), []).append(edit)
        timeline = cls(spec, X, Y, init=init, seed=seed, order=order, scaling=scaling, eta=log[0][1],
                       target_scaling=target_scaling, batch=batch, test_fraction=test_fraction)
        k, eta = 0, log[0][1]
        for s in range(steps + 1):
            while k < len(log) and log[k][0] <= s:
                eta = log[k][1]
                k += 1
            for edit in by_step.get(s, ()):
                timeline.set_parameter(edit.name, edit.value)
            if s == steps:
                break
            if timeline.row(eta).diverged:
                raise ValueError(f"row {s + 1} of the log diverges when replayed")
            if progress is not None and (s + 1) % PROGRESS_EVERY == 0:
                progress(s + 1, steps)
        if diverged and not timeline.row(eta).diverged:
            raise ValueError(f"the log says row {steps + 1} diverged, but it does not when replayed")
        timeline.eta_log = log
        timeline.training.eta = eta
        return timeline

    # ---- properties ----------------------------------------------------------------
    @property
    def network(self) -> Network:
        return self.training.network

    @property
    def steps(self) -> int:
        return self.training.steps

    @property
    def n_rows(self) -> int:
        """Rows trained per epoch (the train rows)."""
        return self.training.n_rows

    @property
    def diverged(self) -> StepRecord | None:
        return self.training.diverged

    # ---- training -----------------------------------------------------------------
    def row(self, eta: float) -> StepRecord:
        """Train the next row with learning rate `eta` (logged when it changes)."""
        tr = self.training
        if tr.diverged is not None:  # a new attempt from the last finite parameters (e.g. with a smaller η)
            tr.restore(tr.checkpoint())
        if eta != tr.eta:
            tr.eta = float(eta)  # (the runaway limit is re-taken at the new η)
            if self.eta_log[-1][0] == tr.steps:
                self.eta_log[-1] = (tr.steps, tr.eta)
            else:
                self.eta_log.append((tr.steps, tr.eta))
        record = tr.step()
        self.last_record = record
        if record.diverged:
            return record
        self.losses.append(record.loss)
        self.row_loss[record.row] = record.loss
        self.row_records[record.row] = record
        if tr.position == 0:
            self._end_epoch(tr)
        if tr.steps % self.checkpoint_every == 0:
            self._add_checkpoint()
        return record

    def _end_epoch(self, tr: Training) -> None:
        """Drain the epoch's mean into epoch_means and measure the test rows (and accuracy)."""
        self.epoch_means.append(tr.epoch_losses.pop())
        theta, nan = tr.network.theta, float("nan")
        # A NaNBuffer only counts: nothing is measured for a measure that does not apply.
        for buffer, measure, part in ((self.epoch_test_losses, evaluation.mean_loss, self._test_part),
                                      (self.epoch_train_accuracy, evaluation.accuracy, self._train_part),
                                      (self.epoch_test_accuracy, evaluation.accuracy, self._test_part)):
            buffer.append(nan if isinstance(buffer, NaNBuffer) else measure(self.spec, theta, *part))

    def _add_checkpoint(self) -> None:
        cps = self.checkpoints
        cps.append(self.training.checkpoint())
        if len(cps) > MAX_CHECKPOINTS:
            self.checkpoints = cps[::2]
            self.checkpoint_every *= 2

    def eta_at(self, step: int) -> float:
        """The η row `step` was (or will be) trained with."""
        eta = self.eta_log[0][1]
        for first, value in self.eta_log:
            if first > step:
                break
            eta = value
        return eta

    # ---- hand edits -------------------------------------------------------------------
    def set_parameter(self, name: str, value: float) -> None:
        """Change one parameter by hand before the next row; rewinds replay it."""
        tr = self.training
        if tr.diverged is not None:
            tr.restore(tr.checkpoint())
        self.network[name] = value  # validates name and finiteness
        tr.rebase()  # the runaway limit is re-taken from the edited parameters
        step = tr.steps
        self.edits.append(Edit(step, name, float(value)))
        self.last_record = None  # the last row's 'after' is no longer what the network holds
        # A checkpoint at this step must include every edit made at it.
        self.checkpoints = [cp for cp in self.checkpoints if cp.steps != step]
        self.checkpoints.append(tr.checkpoint())

    def _apply_edits(self, tr: Training, step: int) -> None:
        for edit in self.edits:
            if edit.step == step:
                tr.network[edit.name] = edit.value
                tr.rebase()  # as set_parameter did

    # ---- going back, and looking back ------------------------------------------------
    def _replay(self, tr: Training, step: int, on_record=None) -> StepRecord | None:
        """Bring `tr` to just after `step` rows by restore + replay; the record of row step−1."""
        # The last checkpoint from which replaying reproduces row step−1 (or step 0 itself).
        limit = step - 1 if step > 0 else 0
        cp = next(c for c in reversed(self.checkpoints) if c.steps <= limit)
        tr.restore(cp)
        record = None
        s = cp.steps
        eta_changes = {first for first, _ in self.eta_log[1:]}
        while s < step:
            if s > cp.steps:
                self._apply_edits(tr, s)
            tr.eta = self.eta_at(s)
            if s in eta_changes:
                tr.rebase()  # as row() did when η changed here (even if it changed back)
            record = tr.step()
            assert not record.diverged, "a replayed row diverged: the timeline is inconsistent"
            del tr.epoch_losses[:]
            if on_record is not None:
                on_record(record)
            s += 1
        if step > cp.steps:
            self._apply_edits(tr, step)
        tr.eta = self.eta_at(step)
        return record

    def look_at(self, step: int) -> tuple[StepRecord | None, Training]:
        """Row `step`−1's record and the training as it stood just after it, recomputed on a
        copy: the run itself does not change (the Timeline scrubs through history with this)."""
        step = max(0, min(int(step), self.losses.n))
        probe = self._new_training(Network(self.spec), self.training.eta)
        return self._replay(probe, step), probe

    def rewind_to(self, step: int) -> StepRecord | None:
        """Go back to just after `step` rows (0 = the start), bit-exactly, and forget the rows
        after it. Returns the record of row `step`−1 (None at 0). The table's per-row columns
        keep only replayed rows."""
        step = max(0, min(int(step), self.losses.n))
        self.row_loss[:] = np.nan
        self.row_records[:] = [None] * len(self.row_records)

        def keep(record: StepRecord) -> None:
            self.row_loss[record.row] = record.loss
            self.row_records[record.row] = record

        record = self._replay(self.training, step, keep)
        # Forget the future.
        self.losses.truncate(step)
        for buffer in self._epoch_buffers():
            buffer.truncate(step // self.n_rows)
        self.checkpoints = [c for c in self.checkpoints if c.steps <= step]
        self.eta_log = [e for e in self.eta_log if e[0] < step] or self.eta_log[:1]
        self.edits = [e for e in self.edits if e.step <= step]
        self.training.eta = self.eta_at(step)
        self.last_record = record
        return record

    # ---- undo -----------------------------------------------------------------------
    def memento(self) -> Memento:
        """Everything needed to put this run back exactly as it is now (for undo)."""
        tr = self.training
        return Memento(
            checkpoint=tr.checkpoint(), eta=tr.eta, diverged=tr.diverged, losses=self.losses.view().copy(),
            epoch_means=self.epoch_means.view().copy(), row_loss=self.row_loss.copy(),
            epoch_test_losses=self.epoch_test_losses.kept(),
            epoch_train_accuracy=self.epoch_train_accuracy.kept(),
            epoch_test_accuracy=self.epoch_test_accuracy.kept(),
            row_records=tuple(self.row_records), last_record=self.last_record, eta_log=tuple(self.eta_log),
            edits=tuple(self.edits), checkpoints=tuple(self.checkpoints), checkpoint_every=self.checkpoint_every,
        )

    def restore(self, m: Memento) -> None:
        tr = self.training
        tr.restore(m.checkpoint)
        tr.eta, tr.diverged = m.eta, m.diverged
        self.losses.replace(m.losses)
        self.epoch_means.replace(m.epoch_means)
        self.epoch_test_losses.replace(m.epoch_test_losses)
        self.epoch_train_accuracy.replace(m.epoch_train_accuracy)
        self.epoch_test_accuracy.replace(m.epoch_test_accuracy)
        self.row_loss[:] = m.row_loss
        self.row_records[:] = list(m.row_records)
        self.last_record = m.last_record
        self.eta_log, self.edits = list(m.eta_log), list(m.edits)
        self.checkpoints, self.checkpoint_every = list(m.checkpoints), m.checkpoint_every


@dataclass(frozen=True, eq=False)
class Memento:
    """A Timeline as it stood at one moment (see Timeline.memento)."""

    checkpoint: Checkpoint
    eta: float
    diverged: StepRecord | None
    losses: np.ndarray
    epoch_means: np.ndarray
    row_loss: np.ndarray
    row_records: tuple
    last_record: StepRecord | None
    eta_log: tuple
    edits: tuple
    checkpoints: tuple
    checkpoint_every: int
    epoch_test_losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    epoch_train_accuracy: np.ndarray = field(default_factory=lambda: np.empty(0))
    epoch_test_accuracy: np.ndarray = field(default_factory=lambda: np.empty(0))
