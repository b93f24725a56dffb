"""Edit by hand: type or drag any weight or bias; the window applies it through the trainer.

The slider covers the value ± SLIDER_SPAN around where the drag started, so a
small drag makes a small change whatever the parameter's size.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSlider, QVBoxLayout, QWidget

SLIDER_STEPS = 200
SLIDER_SPAN = 2.0


class EditPanel(QWidget):
    parameterEdited = Signal(str, float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("editPanel")
        self.name = QComboBox(objectName="editParamName")
        self.value = QDoubleSpinBox(objectName="editParamValue")
        self.value.setRange(-1e6, 1e6)
        self.value.setDecimals(6)
        self.value.setSingleStep(0.05)
        self.value.setKeyboardTracking(False)  # apply on Enter / arrows, not on every keystroke
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="editParamSlider")
        self.slider.setRange(-SLIDER_STEPS // 2, SLIDER_STEPS // 2)
        self.slider.setToolTip(f"drag to change the parameter by up to ±{SLIDER_SPAN:g}")
        self._centre = 0.0
        self._syncing = False
        form = QFormLayout()
        form.addRow("Parameter", self.name)
        form.addRow("Value", self.value)
        form.addRow("Drag", self.slider)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Edit by hand</b>: change any weight or bias; every view follows."))
        layout.addLayout(form)
        self.name.currentTextChanged.connect(lambda _: self.parameterChosen())
        self.value.valueChanged.connect(self._typed)
        self.slider.sliderPressed.connect(self._grab)
        self.slider.valueChanged.connect(self._dragged)
        self.slider.sliderReleased.connect(self._grab)
        self._params: Mapping[str, float] = {}

    def set_names(self, names: Sequence[str]) -> None:
        self._syncing = True
        self.name.clear()
        self.name.addItems(list(names))
        self._syncing = False

    def show_params(self, params: Mapping[str, float]) -> None:
        """The current values (called by the window; never emits)."""
        self._params = params
        if not self.value.hasFocus() and not self.slider.isSliderDown():
            self.parameterChosen()

    def parameterChosen(self) -> None:
        name = self.name.currentText()
        if name in self._params:
            self._syncing = True
            self.value.setValue(self._params[name])
            self._centre = self._params[name]
            self.slider.setValue(0)
            self._syncing = False

    def select_parameter(self, name: str) -> None:
        self.name.setCurrentText(name)

    def _grab(self) -> None:
        self._syncing = True
        self._centre = self.value.value()
        self.slider.setValue(0)
        self._syncing = False

    def _typed(self, value: float) -> None:
        if not self._syncing:
            self.parameterEdited.emit(self.name.currentText(), float(value))

    def _dragged(self, position: int) -> None:
        if self._syncing:
            return
        value = self._centre + SLIDER_SPAN * position / (SLIDER_STEPS // 2)
        self._syncing = True
        self.value.setValue(value)
        self._syncing = False
        self.parameterEdited.emit(self.name.currentText(), float(self.value.value()))
