"""Edit by hand: type or drag any weight or bias; the controller applies it (undoably).

A view of the application state: the parameter is `state.selected` (choosing one
here selects it everywhere), the value shown is what the network holds now
(`state.shown.params_now`). A change by the user emits parameterEdited(name, value);
an update from the state never does. The value box takes any finite number, in
plain or scientific notation, and shows every digit (it round-trips exactly).
The slider covers the value ± SLIDER_SPAN around where the drag started, so a
small drag makes a small change whatever the parameter's size.
"""
from __future__ import annotations

import math
import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSlider, QVBoxLayout, QWidget

from engine.notation import fmt_full, parse
from gui.state import AppState
from gui.widgets.state_view import subscribe

SLIDER_STEPS = 200
SLIDER_SPAN = 2.0
MAX_DECIMALS = 323  # Qt's cap: a double is kept as it is, not rounded to a few decimals


class FloatSpinBox(QDoubleSpinBox):
    """A spin box for any finite float: typed as 0.5, −2, 1e−3 or 3.2e12; shown with every digit."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(MAX_DECIMALS)
        self.setRange(-sys.float_info.max, sys.float_info.max)
        self.setSingleStep(0.05)
        self.setKeyboardTracking(False)  # apply on Enter / arrows, not on every keystroke

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt API)
        return fmt_full(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            value = parse(text)
        except ValueError:
            return self.value()
        return value if math.isfinite(value) else self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if stripped in ("", ".", "-", "−", "+"):
            return QValidator.State.Intermediate, text, pos
        try:
            value = parse(stripped)
        except ValueError:
            if stripped.lower().endswith(("e", "e-", "e+", "e−")):
                return QValidator.State.Intermediate, text, pos
            return QValidator.State.Invalid, text, pos
        if not math.isfinite(value):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos


class EditPanel(QWidget):
    """A view of `state` (setup, shown, selected). Signal parameterEdited(name, value)."""

    parameterEdited = Signal(str, float)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("editPanel")
        self.name = QComboBox(objectName="editParamName")
        self.value = FloatSpinBox()
        self.value.setObjectName("editParamValue")
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
        self.name.currentTextChanged.connect(self._chosen)
        self.value.valueChanged.connect(self._typed)
        self.slider.sliderPressed.connect(self._grab)
        self.slider.valueChanged.connect(self._dragged)
        self.slider.sliderReleased.connect(self._grab)

        subscribe(self, state.events.setup, self._on_setup)
        subscribe(self, state.events.shown, self._show_value)
        subscribe(self, state.events.selected, self._on_selected)
        self._on_setup()

    # ---- public ---------------------------------------------------------------------------
    def current_parameter(self) -> str:
        return self.name.currentText()

    # ---- from the state (never emits) --------------------------------------------------------
    def _on_setup(self, *_args) -> None:
        spec = self.state.spec
        names = [] if spec is None else list(spec.param_names)
        if names != [self.name.itemText(i) for i in range(self.name.count())]:
            self._syncing = True
            try:
                self.name.clear()
                self.name.addItems(names)
            finally:
                self._syncing = False
        self._on_selected()

    def _on_selected(self, *_args) -> None:
        name = self.state.selected
        if name is not None and self.name.findText(name) >= 0 and name != self.name.currentText():
            self._syncing = True
            try:
                self.name.setCurrentText(name)
            finally:
                self._syncing = False
        self._show_value(recentre=True)

    def _show_value(self, *_args, recentre: bool = False) -> None:
        """The chosen parameter's value now (left alone while the user is typing or dragging)."""
        m, name = self.state.shown, self.name.currentText()
        if m is None or name not in m.params_now:
            return
        dragging = self.slider.isSliderDown()
        if self.value.hasFocus() and not recentre and not dragging:
            return
        value = m.params_now[name]
        self._syncing = True
        try:
            self.value.setValue(value)
            if not dragging:
                self._centre = value
                self.slider.setValue(0)
        finally:
            self._syncing = False

    # ---- from the user ------------------------------------------------------------------------
    def _chosen(self, name: str) -> None:
        if self._syncing or not name:
            return
        self.state.selected = name
        self._show_value(recentre=True)

    def _grab(self) -> None:
        self._syncing = True
        try:
            self._centre = self.value.value()
            self.slider.setValue(0)
        finally:
            self._syncing = False

    def _typed(self, value: float) -> None:
        if not self._syncing:
            self.parameterEdited.emit(self.name.currentText(), float(value))

    def _dragged(self, position: int) -> None:
        if self._syncing:
            return
        value = self._centre + SLIDER_SPAN * position / (SLIDER_STEPS // 2)
        self._syncing = True
        try:
            self.value.setValue(value)
        finally:
            self._syncing = False
        self.parameterEdited.emit(self.name.currentText(), float(self.value.value()))
