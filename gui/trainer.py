"""Training in a background thread, painted on a timer: the Qt side of engine.training.

Two layers, as in superqt's generator workers:

`Timeline` (no Qt) owns the engine's `Training` plus everything the GUI and the
exports read back: every row's loss (a float64 buffer that doubles when full,
8 bytes a row, no row ever missing), each epoch's mean, and what is needed to
go back to any earlier row exactly — a `Training.checkpoint()` every
CHECKPOINT_EVERY rows and sparse logs of η changes and hand edits. Going back
is restore + deterministic replay (the engine's row order is a pure function of
seed and epoch), so it is bit-exact and memory stays flat: no row's parameters
are stored.

`Trainer` (a QObject) runs the timeline in one background thread and emits
`rowUpdated(record)` after every row and `trainingFinished()` when the
requested epochs are done, training was stopped, or it diverged. After each row
the worker publishes the latest state as one tuple (an atomic assignment); the
GUI never does per-row work: a ≤ 60 Hz timer calls `snapshot()` and paints
the latest state. The worker yields the GIL every ~1 ms of work (and the
interpreter's switch interval is lowered) so the GUI stays responsive on two
cores. While the GUI paints a frame it calls `hold()`/`release()`: the worker
waits at the next row boundary, because with both threads wanting the GIL
every Qt call from Python waits a switch interval and a frame takes several
times longer (measured: 6 ms alone, 25-80 ms contended). The window then leaves
the worker at least as long as the frame took, so training keeps ≥ half the time.
`rowUpdated` is emitted only when something is connected to it (tracked in
connectNotify): with no listener an emit changes nothing but costs ~2 µs a row.

Ownership rule: while a run is in progress only the worker touches the
`Training`. Every command that changes training from the GUI thread (step,
reset, rewind, edit, configure) first pauses the worker — which stops after
the row it is on, well under a millisecond — and then works on the idle
timeline directly.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QMetaMethod, QObject, Signal

from engine.init import DEFAULT_SCHEME
from engine.network import Network
from engine.record import NamedValues, StepRecord
from engine.spec import NetworkSpec
from engine.timeline import Timeline
from engine.training import Training

YIELD_EVERY = 0.001  # seconds of training between GIL yields
SWITCH_INTERVAL = 0.0005  # seconds; CPython's default 5 ms lets a busy thread starve the GUI
HOLD_MAX = 0.1  # seconds the worker waits for a frame to be painted, at most
PACE_SLACK = 0.25  # seconds a paced run may fall behind before its schedule restarts
STOP_TIMEOUT = 2.0  # seconds the GUI waits for the worker to stop (it takes one row)


# ---- the Qt worker --------------------------------------------------------------------
_FROM_RECORD = object()  # published params marker: "the latest record's (last finite) parameters"


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The latest state, as the GUI paints it. Arrays are read-only views; do not keep them."""

    version: int  # changes whenever anything shown changes
    record: StepRecord | None  # the latest row (None at the start); diverged=True when it blew up
    params: Mapping[str, float]  # current parameters (the last finite ones after a divergence)
    steps: int  # rows trained so far = len(losses)
    epoch: int  # the epoch the next row belongs to (from 1)
    position: int  # rows of that epoch already done
    n_rows: int
    losses: np.ndarray  # every row's loss, in training order
    epoch_means: np.ndarray  # each completed epoch's mean row loss (training rows)
    # These three read NaN where they do not apply (a stride-0 NaN view: nothing stored).
    epoch_test_losses: np.ndarray  # … mean loss of the held-out rows after it (NaN: no test rows)
    epoch_train_accuracy: np.ndarray  # … share of training rows classified right (NaN: regression)
    epoch_test_accuracy: np.ndarray  # … and of the held-out rows
    row_loss: np.ndarray  # per table row: its loss when last trained (NaN = not yet)
    row_records: list  # per table row: the record of its last training step (None = not yet)
    running: bool
    diverged: StepRecord | None
    eta: float  # the η the next row will use
    target_steps: int | None  # where the current Play run ends (rows), if one is in progress
    # What the run is trained on, fixed for the run: the scalers fitted on its training rows
    # (engine.scaling Scaler / TargetScaler) and the table rows held out for testing.
    scaler: object = None
    target_scaler: object = None
    test_rows: tuple | np.ndarray = ()

    @property
    def completed_epochs(self) -> int:
        return self.epoch - 1


class Trainer(QObject):
    """Background SGD with pause/resume/step/reset/rewind at any moment.

    Signals: rowUpdated(StepRecord) after every row (from the worker thread; connect
    nothing slow to it), trainingFinished() when a run ends (epochs done, stopped,
    diverged), changed() after every command that changed the run while it was idle (configure,
    reset, rewind, edits, step, train_rows, restore, adopt; GUI thread).
    """

    rowUpdated = Signal(object)
    trainingFinished = Signal()
    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        self.timeline: Timeline | None = None
        self._eta = 0.1
        self._speed: float | None = None  # rows per second; None = as fast as possible
        self._cond = threading.Condition()
        self._job: tuple | None = None
        self._busy = False
        self._abort = False
        self._quit = False
        self._poke = threading.Event()  # wakes a paced wait early (speed change, stop)
        self._go = threading.Event()  # cleared while the GUI paints a frame: the worker waits
        self._go.set()
        self._run_start_epochs: int | None = None  # completed epochs when this Play run began
        self._run_epochs = 0
        self._version = 0
        self._state: tuple | None = None
        self._rate_samples: deque[tuple[float, int]] = deque()
        self._rows_done = 0  # every row ever trained (for rows/s)
        self._row_meta = QMetaMethod.fromSignal(self.rowUpdated)
        self._row_listeners = 0  # connections to rowUpdated (kept by connect/disconnectNotify)
        self._row_listened = False
        self._thread = threading.Thread(target=self._worker, name="backprop-trainer", daemon=True)
        self._thread.start()

    # Qt calls these with its connection lock held: only count here (no Qt calls).
    def connectNotify(self, signal: QMetaMethod) -> None:  # noqa: N802 (Qt API)
        if signal == self._row_meta:
            self._row_listeners += 1
            self._row_listened = True

    def disconnectNotify(self, signal: QMetaMethod) -> None:  # noqa: N802 (Qt API)
        if signal == self._row_meta:
            self._row_listeners = max(0, self._row_listeners - 1)
            self._row_listened = self._row_listeners > 0
        elif not signal.isValid():  # "everything disconnected" style: assume listeners remain
            self._row_listened = True

    # ---- setup ------------------------------------------------------------------------
    def configure(self, spec: NetworkSpec, X, Y, *, init: str = DEFAULT_SCHEME, seed: int = 0,
                  order: str = "shuffle", scaling: str = "standard", eta: float | None = None,
                  target_scaling: str = "none", batch: int = 1, test_fraction: float = 0.0) -> None:
        """A fresh run on this network and table (raises ValueError on a mismatch; the old run stays)."""
        self.pause()
        if eta is not None:
            self._eta = float(eta)
        timeline = Timeline(spec, X, Y, init=init, seed=seed, order=order, scaling=scaling, eta=self._eta,
                            target_scaling=target_scaling, batch=batch, test_fraction=test_fraction)
        self.timeline = timeline
        self._run_start_epochs = None
        self._publish()
        self.changed.emit()

    def reset(self) -> None:
        """Back to the same initial parameters (same seed), history cleared."""
        self.pause()
        if self.timeline is None:
            return
        self.timeline.reset()
        self._run_start_epochs = None
        self._publish()
        self.changed.emit()

    def adopt(self, timeline: Timeline) -> None:
        """Carry on with an existing run (e.g. the user's work kept aside during the lesson)."""
        self.pause()
        self.timeline = timeline
        self._eta = timeline.training.eta
        self._run_start_epochs = None
        self._publish()
        self.changed.emit()

    def restore(self, memento) -> None:
        """Put the run back as a Timeline.memento() saw it (undo)."""
        self.pause()
        if self.timeline is None:
            return
        self.timeline.restore(memento)
        self._run_start_epochs = None
        self._publish()
        self.changed.emit()

    def train_rows(self, n: int) -> StepRecord | None:
        """Train `n` rows now, in this thread (the lesson's set-up steps); the last record."""
        self.pause()
        record = None
        for _ in range(max(0, int(n))):
            record = self.timeline.row(self._eta)
            self._rows_done += 1
            if record.diverged:
                break
        self._publish()
        self.changed.emit()
        return record

    @property
    def spec(self) -> NetworkSpec | None:
        return None if self.timeline is None else self.timeline.spec

    @property
    def network(self) -> Network | None:
        """The live network. Read it only while not running (use snapshot().params otherwise)."""
        return None if self.timeline is None else self.timeline.network

    @property
    def training(self) -> Training | None:
        return None if self.timeline is None else self.timeline.training

    # ---- settings that apply at the next row ----------------------------------------------
    @property
    def eta(self) -> float:
        return self._eta

    def set_eta(self, eta: float) -> None:
        """η for every following row (the very next one included), even mid-run."""
        eta = float(eta)
        if not (math.isfinite(eta) and eta >= 0):
            raise ValueError(f"η must be a finite number ≥ 0, got {eta}")
        self._eta = eta
        self._publish_if_idle()

    @property
    def speed(self) -> float | None:
        return self._speed

    def set_speed(self, rows_per_second: float | None) -> None:
        """Rows per second while playing; None (or ∞) = as fast as the machine goes."""
        if rows_per_second is not None and not (rows_per_second > 0 and math.isfinite(rows_per_second)):
            rows_per_second = None
        self._speed = rows_per_second
        self._poke.set()

    # ---- commands ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._busy

    def play(self, epochs: int) -> None:
        """Train until `epochs` more epochs are complete; after a pause, carry on with the same run."""
        if self.timeline is None or self._busy:
            return
        done = self.timeline.steps // self.timeline.n_rows
        if self._run_start_epochs is None or done >= self._run_start_epochs + self._run_epochs:
            self._run_start_epochs = done
        self._run_epochs = max(1, int(epochs))
        self._submit(("until", (self._run_start_epochs + self._run_epochs) * self.timeline.n_rows))

    def set_run_epochs(self, epochs: int) -> None:
        """Change how many epochs the current Play run trains (takes effect at once)."""
        self._run_epochs = max(1, int(epochs))
        with self._cond:
            job = self._job
            if self._busy and job is not None and job[0] == "until" and self._run_start_epochs is not None:
                self._job = ("until", (self._run_start_epochs + self._run_epochs) * self.timeline.n_rows)

    def step_epoch(self) -> None:
        """Train to the end of the current epoch (a whole epoch from an epoch boundary)."""
        if self.timeline is None:
            return
        self.pause()
        self._submit(("epoch",))

    def step(self) -> StepRecord | None:
        """Train exactly one row now (pausing a run first); returns its record."""
        if self.timeline is None:
            return None
        self.pause()
        record = self.timeline.row(self._eta)
        self._rows_done += 1
        self._publish()
        self.rowUpdated.emit(record)
        self.changed.emit()
        return record

    def pause(self) -> None:
        """Stop after the current row and wait for it (one row: well under a millisecond)."""
        with self._cond:
            if not self._busy:
                return
            self._abort = True
            self._poke.set()
            self._go.set()
            deadline = time.monotonic() + STOP_TIMEOUT
            while self._busy and time.monotonic() < deadline:
                self._cond.wait(0.05)
            self._abort = False
        self._publish()
        self.trainingFinished.emit()

    def rewind_to(self, step: int) -> StepRecord | None:
        """Go back to just after row `step` (0 = the start), bit-exactly; returns that row's record."""
        self.pause()
        if self.timeline is None:
            return None
        record = self.timeline.rewind_to(step)
        if self._run_start_epochs is not None and self.timeline.steps < self._run_start_epochs * self.timeline.n_rows:
            self._run_start_epochs = None
        self._publish()
        self.changed.emit()
        return record

    def step_back(self) -> StepRecord | None:
        """Undo the last row."""
        if self.timeline is None:
            return None
        self.pause()
        return self.rewind_to(self.timeline.steps - 1)

    def set_parameter(self, name: str, value: float) -> None:
        """Edit one parameter by hand (pauses training); the next row starts from it."""
        self.pause()
        if self.timeline is None:
            return
        self.timeline.set_parameter(name, value)
        self._publish()
        self.changed.emit()

    def hold(self) -> None:
        """Let the GUI thread paint a frame without competing for the GIL: the worker stops
        at the next row boundary until `release()` (or HOLD_MAX seconds, whichever is first)."""
        self._go.clear()

    def release(self) -> None:
        self._go.set()

    def shutdown(self, timeout: float = 1.0) -> None:
        """Stop the worker thread for good (idempotent). Called when the window closes."""
        with self._cond:
            self._quit = True
            self._abort = True
            self._poke.set()
            self._go.set()
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def worker_alive(self) -> bool:
        """Whether the training thread still exists (False once shutdown() has stopped it)."""
        return self._thread.is_alive()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no run is in progress (for scripts and benchmarks; tests use signals)."""
        with self._cond:
            deadline = time.monotonic() + timeout
            while self._busy and time.monotonic() < deadline:
                self._cond.wait(0.05)
            return not self._busy

    # ---- reading the state (GUI thread, any time) ---------------------------------------
    def history(self) -> np.ndarray:
        """Every row's loss so far, in training order (a read-only view)."""
        state, tl = self._state, self.timeline
        return np.empty(0) if state is None else _read_only(tl.losses.data[: state[3]])

    def epoch_means(self) -> np.ndarray:
        """Each completed epoch's mean row loss (a read-only view)."""
        state, tl = self._state, self.timeline
        return np.empty(0) if state is None else _read_only(tl.epoch_means.data[: state[4]])

    def snapshot(self) -> Snapshot | None:
        state = self._state
        if state is None:
            return None
        version, record, params, n, n_means, running = state
        tl = self.timeline
        if params is _FROM_RECORD:  # the record's parameters are immutable: safe to read here
            params = record.params_before if record.diverged else record.params_after
        # The buffers may have grown since: any buffer the worker has published holds the
        # first n values (it copies before it swaps), and only an idle worker truncates.
        return Snapshot(
            version=version, record=record, params=params, steps=n, epoch=n // tl.n_rows + 1,
            position=n % tl.n_rows, n_rows=tl.n_rows, losses=_read_only(tl.losses.data[:n]),
            epoch_means=_read_only(tl.epoch_means.data[:n_means]),
            epoch_test_losses=tl.epoch_test_losses.head(n_means),
            epoch_train_accuracy=tl.epoch_train_accuracy.head(n_means),
            epoch_test_accuracy=tl.epoch_test_accuracy.head(n_means), row_loss=tl.row_loss,
            row_records=tl.row_records, running=running,
            diverged=record if record is not None and record.diverged else None, eta=self._eta,
            target_steps=self._target(), scaler=tl.scaler, target_scaler=tl.target_scaler, test_rows=tl.test_rows,
        )

    def _target(self) -> int | None:
        job = self._job
        if job is not None and job[0] == "until":
            return job[1]
        if self._run_start_epochs is not None and self.timeline is not None:
            return (self._run_start_epochs + self._run_epochs) * self.timeline.n_rows
        return None

    def rows_per_second(self) -> float:
        """Rows trained per second over about the last second."""
        now = time.perf_counter()
        samples = self._rate_samples
        samples.append((now, self._rows_done))
        while len(samples) > 2 and now - samples[1][0] >= 1.0:
            samples.popleft()
        t0, r0 = samples[0]
        return (self._rows_done - r0) / (now - t0) if now - t0 > 0.05 else 0.0

    # ---- internals ------------------------------------------------------------------------------
    def _publish(self, record: StepRecord | None = None, running: bool | None = None) -> None:
        """Make the current state the one the GUI paints (called by whoever owns the timeline;
        the worker publishes its rows itself, more cheaply, in _run)."""
        tl = self.timeline
        if tl is None:
            return
        if record is None:
            record = tl.last_record
        theta = tl.network.theta.copy()
        theta.flags.writeable = False
        params = NamedValues(tl.spec.param_names, tl.spec.param_index, theta)
        self._version += 1
        self._state = (self._version, record, params, tl.losses.n, tl.epoch_means.n,
                       self._busy if running is None else running)

    def _publish_if_idle(self) -> None:
        if not self._busy:
            self._publish()

    def _submit(self, job: tuple) -> None:
        with self._cond:
            if self._busy or self._quit:
                return
            self._job = job
            self._busy = True
            self._publish(running=True)  # before the worker may start: it owns the timeline from then on
            self._cond.notify_all()

    def _worker(self) -> None:
        while True:
            with self._cond:
                while self._job is None and not self._quit:
                    self._cond.wait()
                if self._quit:
                    return
            ended_itself = self._run()
            self._publish(running=False)
            with self._cond:
                self._job = None
                self._busy = False
                self._cond.notify_all()
                quitting = self._quit
            if ended_itself and not quitting:
                self.trainingFinished.emit()

    def _run(self) -> bool:
        """Train rows until the job is done (True) or a stop is requested (False)."""
        tl = self.timeline
        tr = tl.training
        losses, means = tl.losses, tl.epoch_means
        perf = time.perf_counter
        yield_at = perf() + YIELD_EVERY
        due, paced_rate = -math.inf, None
        go = self._go
        while True:
            if not go.is_set() and not go.wait(HOLD_MAX):  # the GUI is painting a frame
                go.set()  # it never said it was done: do not wait again
            if self._abort:
                return False
            job = self._job
            if job[0] == "until" and tr.steps >= job[1]:
                return True
            rate = self._speed
            if rate is not None:
                # Rows are due on a fixed schedule (due, due + 1/rate, ...), not 1/rate after the
                # previous row started: waking late then shortens the next wait, so the average
                # rate is the one asked for. After a long stall (or a speed change) the schedule
                # starts again from now instead of rushing to catch up.
                now = perf()
                if rate != paced_rate or now - due > PACE_SLACK:
                    paced_rate, due = rate, now
                wait = due - now
                if wait > 0:
                    self._poke.wait(min(wait, 0.25))
                    self._poke.clear()
                    continue  # re-check stop, speed and target
                due += 1.0 / rate
            record = tl.row(self._eta)
            self._rows_done += 1
            # Publish: one tuple, one atomic assignment; the GUI builds its snapshot from it.
            self._version = version = self._version + 1
            self._state = (version, record, _FROM_RECORD, losses.n, means.n, True)
            if self._row_listened:  # nobody listening: emitting would change nothing
                self.rowUpdated.emit(record)
            if record.diverged:
                return True
            if job[0] == "epoch" and tr.position == 0:
                return True
            if perf() >= yield_at:
                time.sleep(0)  # let the GUI thread take the GIL
                yield_at = perf() + YIELD_EVERY
