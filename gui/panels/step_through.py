"""Step-through: one row in phases — pick the row, forward (layer by layer), loss,
backward, update — with Next/Previous buttons (Page Down / Page Up, which
presentation clickers send).

The panel only keeps track of where we are and explains it; the window shows the
phase on the canvas, table and derivation. The numbers in the explanations come
from the record being stepped through (`Training.peek()` before the update, so
what is explained is exactly what the update will apply).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.record import StepRecord
from engine.spec import NetworkSpec
from engine.notation import fmt


def phase_sequence(spec: NetworkSpec) -> list[tuple[str, int]]:
    """[(phase, forward layers lit)]: pick, forward 1..L, loss, backward, update."""
    forward = [("forward", k) for k in range(1, spec.n_layers + 1)]
    return [("pick", 0), *forward, ("loss", spec.n_layers), ("backward", spec.n_layers), ("update", spec.n_layers)]


class StepThroughPanel(QWidget):
    """Signals: phaseChanged(phase, forward_layers) on every move; commitRequested()
    when Next is pressed on 'update' (train the row for real; the window then calls
    `start_row`); backRequested() when Previous is pressed on 'pick' (go back one row)."""

    phaseChanged = Signal(str, int)
    commitRequested = Signal()
    backRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepThroughPanel")
        self._spec: NetworkSpec | None = None
        self._record: StepRecord | None = None
        self._input_names: tuple[str, ...] = ()
        self._sequence: list[tuple[str, int]] = [("pick", 0)]
        self._index = 0
        self._active = False  # the first Next enters step-through at 'pick'

        self.title = QLabel(objectName="phaseTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.text = QLabel(objectName="phaseText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.prev_button = QPushButton("◀ Previous phase", objectName="phasePrevButton")
        self.next_button = QPushButton("Next phase ▶", objectName="phaseNextButton")
        self.prev_button.setShortcut(QKeySequence(Qt.Key.Key_PageUp))
        self.next_button.setShortcut(QKeySequence(Qt.Key.Key_PageDown))
        self.prev_button.setToolTip("Previous phase (Page Up); before 'pick' it goes back one row")
        self.next_button.setToolTip("Next phase (Page Down); after 'update' the row is trained")
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)

        # A strip under the canvas: the words on the left, the two buttons on the right.
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.title)
        words.addWidget(self.text, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(words, 1)
        layout.addWidget(self.prev_button)
        layout.addWidget(self.next_button)
        # A strip, not a page: never take height from the canvas above it.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self._render()

    # ---- the view contract -----------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names=()) -> None:
        self._spec = spec
        self._input_names = tuple(input_names)
        self._sequence = phase_sequence(spec)
        self._index = 0
        self._render()

    def show_preview(self, record: StepRecord | None) -> None:
        """The row being stepped through (before its update)."""
        self._record = record
        self._render()

    # ---- moving ----------------------------------------------------------------------
    @property
    def phase(self) -> tuple[str, int]:
        return self._sequence[self._index]

    def start_row(self, record: StepRecord | None) -> None:
        """Begin a row at 'pick'."""
        self._record = record
        self._go(0)

    def end_row(self, record: StepRecord | None) -> None:
        """Show a row at 'update' (after stepping back onto it)."""
        self._record = record
        self._go(len(self._sequence) - 1)

    def go_to_phase(self, phase: str) -> None:
        """Jump to the first step of this phase ('pick', 'forward', 'loss', 'backward', 'update')."""
        names = [p for p, _ in self._sequence]
        self._go(names.index(phase))

    def leave(self) -> None:
        """Out of step-through (training moved on): the next Next starts at 'pick' again."""
        self._active = False
        self._record = None
        self._index = 0
        self._render()

    def next(self) -> None:
        if not self._active:
            self._active = True
            self._go(0)
        elif self._index == len(self._sequence) - 1:
            self.commitRequested.emit()
        else:
            self._go(self._index + 1)

    def previous(self) -> None:
        if not self._active or self._index == 0:
            self._active = True
            self.backRequested.emit()
        else:
            self._go(self._index - 1)

    def _go(self, index: int) -> None:
        self._active = True
        self._index = index
        self._render()
        self.phaseChanged.emit(*self.phase)

    # ---- words -------------------------------------------------------------------------
    def _render(self) -> None:
        phase, layers = self.phase
        total = len(self._sequence)
        self.title.setText(f"{self._index + 1}/{total} · {_TITLES[phase]}" + (f" (layer {layers})" if phase == "forward" else ""))
        self.text.setText(self._explain(phase, layers))

    def _explain(self, phase: str, layers: int) -> str:
        r = self._record
        if r is None or self._spec is None:
            return "Press <b>Next phase</b> to walk through one training row."
        if phase == "pick":
            xs = ", ".join(f"{self._name(i)} = {fmt(v)}" for i, v in enumerate(r.x))
            ys = ", ".join(fmt(v) for v in r.y)
            return (f"SGD learns from one row at a time. This is table row <b>{r.row + 1}</b> "
                    f"(epoch {r.epoch}): inputs {xs}; target y = {ys}.")
        if phase == "forward":
            values = r.forward
            lit = ", ".join(f"{k} = {fmt(v)}" for k, v in values.items() if k.startswith("O") and int(k[1]) == layers)
            return (f"Layer {layers}: each neuron adds its weighted inputs and its bias (Z), then applies "
                    f"its activation ({self._spec.activations[layers - 1]}) to get O. Here: {lit}.")
        if phase == "loss":
            yhat = ", ".join(fmt(v) for v in r.y_hat)
            return (f"The prediction ŷ = {yhat} is compared with the target y = "
                    f"{', '.join(fmt(v) for v in r.y)}: loss L = <b>{fmt(r.loss)}</b> ({self._spec.loss}).")
        if phase == "backward":
            dl = ", ".join(fmt(v) for v in r.dloss)
            return (f"Backward: start from ∂L/∂ŷ = {dl} and carry it back edge by edge with the chain rule. "
                    "The selected parameter's path is highlighted; the derivation panel multiplies its factors.")
        return (f"Update: every parameter moves against its own gradient, all at once: "
                f"p ← p − η·∂L/∂p with η = {fmt(r.eta)}. Press <b>Next</b> to apply it and pick the next row.")

    def _name(self, i: int) -> str:
        return self._input_names[i] if i < len(self._input_names) else f"x{i + 1}"


_TITLES = {
    "pick": "Pick a row",
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "update": "Update",
}
