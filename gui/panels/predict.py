"""Predict: type a new row's inputs (in the table's units) and see the forward pass.

A view of the application state. Predict sets `state.predict_inputs`; the controller
then shows a prediction moment (`state.shown.kind == "prediction"`), whose ŷ this
panel writes (the canvas shows the whole forward pass). "Back to training" sets
`state.predict_inputs` to None. The boxes are pre-filled with the table's column
means when the table changes; what the user typed survives everything else (a new
set-up with the same input columns keeps it).
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.notation import fmt, output_name
from gui.state import AppState
from gui.widgets.state_view import subscribe

INPUT_RANGE = 1e9
INPUT_DECIMALS = 6


class PredictPanel(QWidget):
    """A view of `state` (setup, shown, predict_inputs, precision). Widgets: predictInput1…,
    predictButton, predictClearButton, predictResult."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("predictPanel")
        self._form = QFormLayout()
        self._inputs: list[QDoubleSpinBox] = []
        self._names: tuple[str, ...] | None = None
        self._prefilled: list[float] = []  # the column means the boxes were filled with
        self.predict_button = QPushButton("Predict", objectName="predictButton")
        self.clear_button = QPushButton("Back to training", objectName="predictClearButton")
        self.result = QLabel(objectName="predictResult")
        self.result.setWordWrap(True)
        self.predict_button.clicked.connect(self.request)
        self.clear_button.clicked.connect(self.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.predict_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A new row: type the inputs, then Predict. The canvas shows the forward pass."))
        layout.addLayout(self._form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)

        subscribe(self, state.events.setup, self._on_setup)
        subscribe(self, state.events.predict_inputs, self._on_predict_inputs)
        for event in (state.events.shown, state.events.precision):
            subscribe(self, event, self.render_state)
        self._on_setup()

    # ---- public --------------------------------------------------------------------------
    def values(self) -> list[float]:
        return [box.value() for box in self._inputs]

    def set_values(self, values: Sequence[float]) -> None:
        for box, v in zip(self._inputs, values):
            box.setValue(float(v))

    def request(self) -> None:
        """Predict: the typed row becomes the state's predicted inputs."""
        self.state.predict_inputs = tuple(self.values())

    def clear(self) -> None:
        """Back to training."""
        self.state.predict_inputs = None

    # ---- the state --------------------------------------------------------------------------
    def _on_setup(self, *_args) -> None:
        setup = self.state.setup
        names = () if setup is None else tuple(setup.dataset.input_names)
        means = [float(v) for v in setup.dataset.X.mean(axis=0)] if setup is not None and setup.dataset.n_rows else []
        if names == self._names:
            # The same inputs: keep what was typed; boxes nobody touched follow the new table's means.
            if self.values() == self._prefilled and means:
                self.set_values(means)
                self._prefilled = self.values()
            return
        self._names = names
        while self._form.rowCount():
            self._form.removeRow(0)
        self._inputs = []
        for i, name in enumerate(names):
            box = QDoubleSpinBox(objectName=f"predictInput{i + 1}")
            box.setRange(-INPUT_RANGE, INPUT_RANGE)
            box.setDecimals(INPUT_DECIMALS)
            box.setValue(means[i] if i < len(means) else 0.0)
            self._inputs.append(box)
            self._form.addRow(f"{name} (x{i + 1})", box)
        self._prefilled = self.values()
        self.render_state()

    def _on_predict_inputs(self, *_args) -> None:
        values = self.state.predict_inputs
        if values is not None and len(values) == len(self._inputs):
            self.set_values(values)  # e.g. set by the lesson: the boxes show the predicted row
        self.render_state()

    def render_state(self, *_args) -> None:
        m, d = self.state.shown, self.state.precision
        if m is None or m.kind != "prediction":
            self.result.clear()
            return
        names = ()
        setup = self.state.setup
        if setup is not None and setup.spec == m.spec:
            names = setup.dataset.target_names
        outs = []
        for k, v in enumerate(m.y_hat):
            label = f" ({names[k]})" if k < len(names) else ""
            outs.append(f"<b>{output_name(m.spec, k + 1)} = {fmt(v, d)}</b>{label}")
        self.result.setText("Prediction: " + ", ".join(outs))
