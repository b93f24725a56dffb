"""Predict: type a new student's inputs (in the table's units) and see the forward pass.

The panel only collects the numbers; the window asks the engine
(`engine.predict.predict_named`) and hands the result back to `show_result` and
to the canvas.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.notation import fmt


class PredictPanel(QWidget):
    predictRequested = Signal(list)  # raw input values, in column order
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("predictPanel")
        self._form = QFormLayout()
        self._inputs: list[QDoubleSpinBox] = []
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
        layout.addWidget(QLabel("A new student: type the inputs, then Predict. The canvas shows the forward pass."))
        layout.addLayout(self._form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def set_inputs(self, names: Sequence[str], typical: Sequence[float] = ()) -> None:
        """One box per input column, pre-filled with a typical value (e.g. the column mean)."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self._inputs = []
        for i, name in enumerate(names):
            box = QDoubleSpinBox(objectName=f"predictInput{i + 1}")
            box.setRange(-1e6, 1e6)
            box.setDecimals(4)
            box.setValue(float(typical[i]) if i < len(typical) else 0.0)
            self._inputs.append(box)
            self._form.addRow(f"{name} (x{i + 1})", box)
        self.result.clear()

    def values(self) -> list[float]:
        return [box.value() for box in self._inputs]

    def set_values(self, values: Sequence[float]) -> None:
        for box, v in zip(self._inputs, values):
            box.setValue(float(v))

    def request(self) -> None:
        self.predictRequested.emit(self.values())

    def clear(self) -> None:
        self.result.clear()
        self.cleared.emit()

    def show_result(self, values: Mapping[str, float] | None, error: str = "") -> None:
        if values is None:
            self.result.setText(error)
            return
        outs = [(k, v) for k, v in values.items() if k.startswith("ŷ")]
        self.result.setText("Prediction: " + ", ".join(f"<b>{k} = {fmt(v)}</b>" for k, v in outs))
