"""Step-through: one row in phases — pick the row, forward (layer by layer), loss,
backward, update — with Next/Previous buttons (Page Down / Page Up, which
presentation clickers send).

A view of the application state: the buttons write `state.phase`; the words
explain `state.shown` (the controller shows the next row as a preview moment,
with its update in the 'update' phase, so what is explained is exactly what
training then applies). Next on 'update' asks for the row to be trained
(commitRequested) and Previous on 'pick' asks to go back one row (backRequested):
the controller does it and sets the phase.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.notation import display_name, fmt, output_name
from engine.spec import NetworkSpec
from gui.state import AppState
from gui.widgets.state_view import subscribe

IDLE_HINT = "Press <b>Next phase</b> (Page Down) to walk through one training row."


def phase_sequence(spec: NetworkSpec) -> list[tuple[str, int]]:
    """[(phase, forward layers lit)]: pick, forward 1..L, loss, backward, update."""
    forward = [("forward", k) for k in range(1, spec.n_layers + 1)]
    return [("pick", 0), *forward, ("loss", spec.n_layers), ("backward", spec.n_layers), ("update", spec.n_layers)]


class StepThroughPanel(QWidget):
    """A view of `state` (setup, shown, phase, selected, precision).
    next()/previous() (the buttons) move `state.phase`; signals commitRequested() when
    Next is pressed on 'update' and backRequested() when Previous is pressed on 'pick'
    (or outside step-through)."""

    commitRequested = Signal()
    backRequested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("stepThroughPanel")

        self.title = QLabel(objectName="phaseTitle")
        bold = QFont()  # only the weight is set: the size follows the window's (zoom, presentation)
        bold.setBold(True)
        self.title.setFont(bold)
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

        for event in (state.events.setup, state.events.shown, state.events.phase, state.events.selected,
                      state.events.precision):
            subscribe(self, event, self.render_state)
        self.render_state()

    # ---- moving ----------------------------------------------------------------------
    @property
    def phase(self) -> tuple[str, int] | None:
        return self.state.phase

    def sequence(self) -> list[tuple[str, int]]:
        spec = self.state.spec
        return [("pick", 0)] if spec is None else phase_sequence(spec)

    def next(self) -> None:
        seq, phase = self.sequence(), self.state.phase
        if phase is None or phase not in seq:
            self.state.phase = seq[0]
        elif phase[0] == "update":
            self.commitRequested.emit()
        else:
            self.state.phase = seq[seq.index(phase) + 1]

    def previous(self) -> None:
        seq, phase = self.sequence(), self.state.phase
        if phase is None or phase not in seq or phase[0] == "pick":
            self.backRequested.emit()
        else:
            self.state.phase = seq[seq.index(phase) - 1]

    # ---- words -------------------------------------------------------------------------
    def render_state(self, *_args) -> None:
        seq, phase = self.sequence(), self.state.phase
        if phase is None or phase not in seq:
            self.title.setText("Step through one row")
            self.text.setText(IDLE_HINT)
            return
        name, layers = phase
        extra = f" (layer {layers})" if name == "forward" else ""
        self.title.setText(f"{seq.index(phase) + 1}/{len(seq)} · {_TITLES[name]}{extra}")
        self.text.setText(self._explain(name, layers))

    def explanation(self) -> str:
        """The title and the explanation as shown (rich text)."""
        return f"{self.title.text()}\n{self.text.text()}"

    def _explain(self, phase: str, layers: int) -> str:
        m, d = self.state.shown, self.state.precision
        if m is None or m.record is None:
            return IDLE_HINT
        r, spec = m.record, m.spec
        ys = ", ".join(fmt(v, d) for v in r.y)
        if phase == "pick":
            xs = ", ".join(f"{self._input_name(i)} = {fmt(v, d)}" for i, v in enumerate(m.x_raw))
            return (f"SGD learns from one row at a time. This is table row <b>{r.row + 1}</b> "
                    f"(epoch {r.epoch}): inputs {xs}; target y = {ys}.")
        if phase == "forward":
            lit = ", ".join(f"{display_name(spec, f'O{layers}{j}')} = {fmt(m.forward[f'O{layers}{j}'], d)}"
                            for j in range(1, spec.sizes[layers] + 1))
            return (f"Layer {layers}: each neuron adds its weighted inputs and its bias (Z), then applies "
                    f"its activation ({spec.activations[layers - 1]}) to get O. Here: {lit}.")
        if phase == "loss":
            yhat = ", ".join(f"{output_name(spec, k + 1)} = {fmt(v, d)}" for k, v in enumerate(m.y_hat))
            return (f"The prediction {yhat} is compared with the target y = {ys}: "
                    f"loss L = <b>{fmt(r.loss, d)}</b> ({spec.loss}).")
        if phase == "backward":
            dl = ", ".join(f"∂L/∂{output_name(spec, k + 1)} = {fmt(v, d)}" for k, v in enumerate(r.dloss))
            return (f"Backward: start from {dl} and carry it back edge by edge with the chain rule. "
                    "The selected parameter's path is highlighted; the derivation panel multiplies its factors.")
        text = (f"Update: every parameter moves against its own gradient, all at once: "
                f"p ← p − η·∂L/∂p with η = {fmt(r.eta, d)}.")
        name = self.state.selected
        if m.params_after is not None and name in m.params:
            text += (f" For {name}: {fmt(m.params[name], d)} − {fmt(r.eta, d)} · ({fmt(r.grads[name], d)}) "
                     f"= {fmt(m.params_after[name], d)}.")
        return text + " Press <b>Next</b> to apply it and pick the next row."

    def _input_name(self, i: int) -> str:
        setup = self.state.setup
        names = setup.dataset.input_names if setup is not None else ()
        return names[i] if i < len(names) else f"x{i + 1}"


_TITLES = {
    "pick": "Pick a row",
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "update": "Update",
}
