"""The controller: carries out what the controls ask, and keeps the state's `history` and
`shown` in step with the training run.

Controls write settings to the `AppState` (η, epochs, speed, selection, phase, predicted
inputs, the Timeline's cursor) or call a command here (play, step, edit, reset, a new
set-up). After each change this module decides the one moment every view shows (see
engine.moment): the row just trained, a preview of the next row during step-through, the
idle forward pass after an edit or a set-up change, a prediction, or an earlier row the
Timeline was moved back to. While training runs, the frame pacer publishes instead.
"""
from __future__ import annotations

import math
from contextlib import contextmanager

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine import data as datamod
from engine import diagnosis, moment, playground
from engine.data import CsvError, Dataset
from engine.init import DEFAULT_SCHEME, default_init
from engine.spec import NetworkSpec, preset
from gui.pacing import FramePacer
from gui.state import AppState, Setup
from gui.trainer import Trainer
from gui.undo import CutCommand, EditCommand, ResetCommand


class SetupError(ValueError):
    """A set-up the app cannot train (the message says why, in one line); nothing changed."""


SETUP_FIELDS = ("task", "dataset_key", "scaling", "init", "seed", "order", "target_scaling", "batch",
                "test_fraction", "points", "noise", "data_seed")
NETWORK_FIELDS = ("hidden", "hidden_activations", "output_activation", "loss")
DEFAULT_TARGET_SCALING = {"regression": "standard", "classification": "none"}


def spec_for(task: str, dataset: Dataset, network: dict | None = None) -> NetworkSpec:
    """The network for this table: the task's preset, or the builder's `network` (hidden sizes,
    their activations, output activation, loss), with as many inputs and outputs as the table."""
    base = preset(task)
    net = {"hidden": base.sizes[1:-1], "hidden_activations": base.activations[:-1],
           "output_activation": base.activations[-1], "loss": base.loss, **(network or {})}
    hidden = tuple(int(n) for n in net["hidden"])
    activations = tuple(net["hidden_activations"])[: len(hidden)]
    if len(activations) < len(hidden):  # a layer just added takes the activation of the one before
        activations += (activations[-1] if activations else base.activations[0],) * (len(hidden) - len(activations))
    return NetworkSpec((dataset.n_inputs, *hidden, dataset.n_outputs), (*activations, net["output_activation"]),
                       net["loss"])


def suited_init(task: str, spec: NetworkSpec) -> str:
    """The start a network gets unless one is chosen: the presets' small random start (it keeps the
    learning-rate lesson true) for the task's preset layers, whatever the table's width; Glorot or He
    (engine.init.default_init) for any other network."""
    base = preset(task)
    if (spec.sizes[1:-1], spec.activations, spec.loss) == (base.sizes[1:-1], base.activations, base.loss):
        return DEFAULT_SCHEME
    return default_init(spec)


class Controller(QObject):
    message = Signal(str)  # a line for the status bar

    def __init__(self, state: AppState, trainer: Trainer, parent: QObject | None = None):
        super().__init__(parent)
        self.state, self.trainer = state, trainer
        self.undo_stack = QUndoStack(self)
        self.pacer = FramePacer(self)
        self._quiet = 0
        self._diagnosed: tuple | None = None  # (timeline, diverged record) the state's advice is about
        ev = state.events
        ev.eta.connect(self._eta_changed)
        ev.epochs.connect(trainer.set_run_epochs)
        ev.speed.connect(trainer.set_speed)
        for field in (ev.phase, ev.predict_inputs, ev.row, ev.cursor):
            field.connect(self._view_changed)
        trainer.set_speed(state.speed)
        trainer.set_eta(state.eta)
        trainer.trainingFinished.connect(self._finished)
        trainer.changed.connect(self._trainer_changed)  # also when a script drives window.trainer

    # ---- set-up -------------------------------------------------------------------------
    def dataset(self, key: str, points: int = 200, noise: float = 0.0, data_seed: int = 0) -> Dataset:
        """The table `key` names: a CSV opened this session, a generated data set, or a built-in table."""
        if key in self.state.csv_tables:
            return self.state.csv_tables[key]
        try:
            if key in playground.GENERATED:
                return playground.generate(key, points=points, noise=noise, seed=data_seed)
            return datamod.load_builtin(key)
        except (OSError, ValueError) as exc:  # CsvError is a ValueError
            raise SetupError(f"cannot make the table {key!r}: {exc}") from exc

    def change_setup(self, **changes) -> None:
        """A new run with these set-up fields changed (see SETUP_FIELDS and NETWORK_FIELDS; or a whole
        `dataset`). Raises SetupError and changes nothing if it cannot train.

        Choosing a generated data set picks its task; a new task brings back its preset network and
        its target scaling; a network other than the two presets starts from the initialisation
        that suits it (engine.init.default_init) unless an initialisation is asked for."""
        s = self.state
        old = s.setup
        unknown = set(changes) - set(SETUP_FIELDS) - set(NETWORK_FIELDS) - {"dataset"}
        if unknown:
            raise SetupError(f"unknown set-up field(s): {', '.join(sorted(unknown))}")
        fields = {} if old is None else {k: getattr(old, k) for k in SETUP_FIELDS}
        dataset = changes.pop("dataset", None)
        network = {k: changes.pop(k) for k in NETWORK_FIELDS if k in changes}
        fields.update(changes)
        key = fields["dataset_key"]
        if "task" not in changes and key in playground.TASK_OF and (old is None or key != old.dataset_key):
            fields["task"] = playground.TASK_OF[key]
        task_changed = old is None or fields["task"] != old.task
        if task_changed and "target_scaling" not in changes:
            fields["target_scaling"] = DEFAULT_TARGET_SCALING[fields["task"]]
        if not task_changed and old is not None:  # keep the network the user built
            network = {"hidden": old.hidden, "hidden_activations": old.hidden_activations,
                       "output_activation": old.output_activation, "loss": old.loss, **network}
        if dataset is None:
            regenerate = old is None or any(fields[k] != getattr(old, k)
                                            for k in ("dataset_key", "points", "noise", "data_seed"))
            dataset = old.dataset if not regenerate else self.dataset(
                key, fields.get("points", 200), fields.get("noise", 0.0), fields.get("data_seed", 0))
        try:
            spec = spec_for(fields["task"], dataset, network)
            if "init" not in changes and (old is None or old.init == suited_init(old.task, old.spec)):
                fields["init"] = suited_init(fields["task"], spec)  # the user's own choice is kept
            if spec.loss_fn.needs_binary_targets:
                datamod.check_binary_targets(dataset)
            setup = Setup(dataset=dataset, spec=spec, **fields)
            with self.batch():
                self.trainer.configure(spec, dataset.X, dataset.Y, init=setup.init, seed=setup.seed,
                                       order=setup.order, scaling=setup.scaling, eta=s.eta,
                                       target_scaling=setup.target_scaling, batch=setup.batch,
                                       test_fraction=setup.test_fraction)
        except (CsvError, ValueError) as exc:
            raise SetupError(str(exc)) from exc
        self.undo_stack.clear()  # its mementos belong to the run just replaced
        with self.batch():
            s.phase = None
            s.predict_inputs = None
            s.row = None
            if s.selected is None or s.selected not in spec.param_index:
                s.selected = spec.param_names[0]
            s.setup = setup
        self.publish()

    def adopt(self, setup: Setup, timeline) -> None:
        """Go back to a run kept aside (the user's work, after the lesson)."""
        with self.batch():
            self.trainer.adopt(timeline)
        self.undo_stack.clear()
        with self.batch():
            self.state.phase = None
            self.state.predict_inputs = None
            self.state.row = None
            self.state.setup = setup
            self.state.eta = timeline.training.eta
        self.publish()

    # ---- training commands ---------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.trainer.running:
            self.trainer.pause()
        else:
            self.play()

    def play(self) -> None:
        self._from_here()
        self.trainer.play(self.state.epochs)
        self._started()

    def step_epoch(self) -> None:
        self._from_here()
        self.trainer.step_epoch()
        self._started()

    def step(self) -> None:
        self._from_here()
        with self.batch():
            self.trainer.step()
        self.publish()

    def step_back(self) -> None:
        self.trainer.pause()
        target = min(self.state.cursor, self.trainer.timeline.steps) - 1
        if target < 0:
            return
        with self.batch():
            self.state.phase = None
            self.state.row = None
        self.undo_stack.push(CutCommand(self, target, "step back"))

    def pause(self) -> None:
        self.trainer.pause()

    def reset(self) -> None:
        with self.batch():
            self.state.phase = None
            self.state.row = None
        self.undo_stack.push(ResetCommand(self))
        self.message.emit("Reset: the same starting parameters, history cleared (Ctrl+Z brings it back)")

    def edit(self, name: str, value: float) -> None:
        """A parameter typed or dragged by hand: undoable; every view shows its effect at once."""
        value = float(value)
        if name not in self.state.spec.param_index or not math.isfinite(value):
            self.message.emit(f"cannot set {name} to {value}: a parameter of this network takes a finite number")
            return
        self.undo_stack.beginMacro(f"edit {name}")  # with the cut it may need: one Ctrl+Z undoes both
        try:
            self._from_here()
            with self.batch():
                self.state.phase = None
                self.state.predict_inputs = None
                if self.state.row is None and self.state.shown is not None:
                    self.state.row = self.state.shown.row  # explain the same row, at the edited values
            self.undo_stack.push(EditCommand(self, name, value))
        finally:
            self.undo_stack.endMacro()

    def scrub(self, step: int) -> None:
        """Show the Timeline at row `step` (0 = Step 0) without forgetting anything."""
        self.trainer.pause()
        with self.batch():
            self.state.phase = None
            self.state.row = None
        self.state.cursor = max(0, min(int(step), self.state.steps))
        self._view_changed()

    def train_rows(self, n: int) -> None:
        self._from_here()
        with self.batch():
            self.trainer.train_rows(n)
        self.publish()

    def train_epochs(self, n: int) -> None:
        tl = self.trainer.timeline
        self.train_rows(n * tl.n_rows - tl.training.position)

    # ---- step-through ------------------------------------------------------------------------
    def commit_phase(self) -> None:
        """Next on 'update': train the previewed row for real, then preview the next one."""
        self._from_here()
        with self.batch():
            self.trainer.step()
            self.state.row = None
            self.state.phase = ("pick", 0)
        self.publish()

    def back_phase(self) -> None:
        """Previous on 'pick': step back one row and show it at its update."""
        if min(self.state.cursor, self.trainer.timeline.steps) == 0:
            return
        self.step_back()
        self.state.phase = ("update", self.state.spec.n_layers)

    # ---- what is shown ------------------------------------------------------------------------
    def publish(self) -> None:
        """The run changed (not while training: the pacer publishes then): show its latest moment."""
        snapshot = self.trainer.snapshot()
        tl = self.trainer.timeline
        with self.batch():
            self.state.cursor = snapshot.steps
            self.state.history = snapshot
            seen = self._diagnosed  # the advice changes with the run or a divergence only
            if seen is None or seen[0] is not tl or seen[1] is not snapshot.diverged:
                self._diagnosed = (tl, snapshot.diverged)
                self.state.good_step = (diagnosis.last_good_step(tl.losses.view(), tl.training.runaway_limit)
                                        if snapshot.diverged is not None else None)
                self.state.advice = diagnosis.timeline_advice(tl)
        self._view_changed()

    def show_frame(self, snapshot, numbers: bool = True) -> None:
        """While training: the pacer's latest row. The run's history (the loss plot) follows every
        frame; with `numbers`, the row also becomes the one moment every view shows, and the
        Timeline's cursor moves with it, so they always name the same row."""
        s = self.state
        record = snapshot.record
        with self.batch():
            if numbers:
                s.cursor = snapshot.steps
            s.history = snapshot
        if numbers and record is not None:
            tl = self.trainer.timeline
            s.shown = moment.after_step(record, tl.X_raw[record.row], tl.target_scaler)

    def _view_changed(self, *_args) -> None:
        if self._quiet or self.trainer.timeline is None or self.state.running:
            return
        try:
            self.state.shown = self._moment()
        except ValueError as exc:  # a prediction the network cannot take
            self.message.emit(str(exc))
            self.state.predict_inputs = None

    def _moment(self) -> moment.Moment:
        s, tl = self.state, self.trainer.timeline
        if s.predict_inputs is not None:
            return moment.prediction(tl.network, tl.scaler, s.predict_inputs, tl.target_scaler)
        units = tl.target_scaler
        if s.phase is not None:
            record = tl.training.peek(s.eta)
            return moment.preview(record, tl.X_raw[record.row], with_update=s.phase[0] == "update",
                                  target_scaler=units)
        if s.cursor < tl.steps:
            record, probe = tl.look_at(s.cursor)
            if record is not None and s.row is None:
                return moment.after_step(record, tl.X_raw[record.row], units)
            row = probe.next_row if s.row is None else s.row
            return moment.idle(probe.network, tl.X, tl.Y, tl.X_raw, row, s.eta, epoch=probe.epoch, step=probe.steps,
                               target_scaler=units)
        if s.row is None and tl.last_record is not None:
            return moment.after_step(tl.last_record, tl.X_raw[tl.last_record.row], units)
        tr = tl.training
        row = tr.next_row if s.row is None else s.row
        return moment.idle(tl.network, tl.X, tl.Y, tl.X_raw, row, s.eta, epoch=tr.epoch, step=tr.steps,
                           target_scaler=units)

    # ---- internals -------------------------------------------------------------------------
    @contextmanager
    def batch(self):
        """Several state changes, one new moment (computed by the caller afterwards)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _from_here(self) -> None:
        """Training on from an earlier row of the Timeline first forgets the rows after it
        (undoable: Ctrl+Z brings them back)."""
        self.trainer.pause()
        with self.batch():
            self.state.predict_inputs = None
            self.state.row = None
        cursor = self.state.cursor
        if cursor < self.trainer.timeline.steps:
            self.undo_stack.push(CutCommand(self, cursor, f"train on from row {cursor}"))

    def _started(self) -> None:
        with self.batch():
            self.state.phase = None
        self.state.history = self.trainer.snapshot()
        self.pacer.start()

    def _trainer_changed(self) -> None:
        if not self._quiet:
            self.publish()

    def _eta_changed(self, eta: float) -> None:
        self.trainer.set_eta(eta)
        self._view_changed()  # an idle or previewed update uses η

    def _finished(self) -> None:
        self.pacer.stop()
        self.publish()
