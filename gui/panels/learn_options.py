"""How to learn: the learning rate η, epochs per Play, batch size, initialisation, seed and
row order.

η and the epochs are written straight to the state (they take effect from the next row);
the rest is set-up, asked for with `requested` and shown from state.setup. The η box takes
any number from 0 to 1e6 as typed, scientific notation too, and says when a value is
unusual (`etaNote`) instead of clamping it.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
)

from engine.init import RANDOM_SCALE
from engine.notation import fmt, parse
from engine.settings import ETA_PRESETS, MAX_EPOCHS
from engine.training import ORDERS
from gui.panels.setup_widgets import choice_box, int_box, note_line, show_note
from gui.state import AppState, Setup
from gui.widgets.state_view import subscribe

INITS = (("random", "small random"), ("glorot", "Glorot (Xavier)"), ("he", "He"),
         ("tutorial", "w = 1, b = 0"))
INIT_TIPS = {
    "random": f"small random weights (±{fmt(RANDOM_SCALE)}) from the seed, biases 0: the tutorial's presets "
              "use it, so the learning-rate lesson (0.01 slow, 0.1 good, 1 diverges) holds",
    "glorot": "Glorot (Xavier) uniform weights sized to each layer (±√(6 / (inputs + outputs))), biases 0: "
              "suits linear, sigmoid and tanh layers",
    "he": "He normal weights sized to each layer (deviation √(2 / inputs)), biases 0: suits ReLU layers",
    "tutorial": "the tutorial's Step 0: every weight 1, every bias 0",
}
ORDER_LABELS = {"shuffle": "shuffled", "random": "random draws", "sequential": "table order"}
PRESET_NOTES = {0.01: ": slow on the students table", 0.1: ": the students table's good rate",
                1.0: ": too big for the students table, its loss never settles"}
ETA_MAX = 1e6  # the η box takes anything from 0 to this, as typed
ETA_FIRST_STEP = 0.001  # the arrow up from η = 0
ETA_UNUSUAL_ABOVE, ETA_UNUSUAL_BELOW = 10.0, 1e-6


def eta_note(eta: float) -> str:
    """What to say about an unusual learning rate ('' for a usual one): a note, never a clamp."""
    if eta == 0:
        return "η = 0: the parameters never change, so nothing is learned (and nothing can diverge)."
    if eta > ETA_UNUSUAL_ABOVE:
        return (f"η = {fmt(eta)} is unusually large: expect the loss to run away "
                "(on the students table 1 already never settles).")
    if eta < ETA_UNUSUAL_BELOW:
        return f"η = {fmt(eta)} is unusually small: the parameters will barely move."
    return ""


class EtaSpinBox(QDoubleSpinBox):
    """η, shown like every other number (six significant digits), typed freely from 0 to 1e6.

    A QDoubleSpinBox rounds every value to its `decimals`; with the most decimals Qt allows
    (323) that rounding is exact for every double η can sensibly be, so setValue(1e-12) keeps
    1e-12. The text is ours (engine.notation), so the 323 decimals are never shown. Arrows step
    by a tenth of the value's own decade (0.1 → 0.11, 1e-5 → 1.1e-5); up from 0 to 0.001."""

    def __init__(self, parent=None, **properties):
        super().__init__(parent, **properties)
        self.setDecimals(323)
        self.setRange(0.0, ETA_MAX)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt API)
        if self.value() == 0 and steps > 0:
            # From 0 the adaptive step would be 1e-323; go to the smallest rate a class uses instead.
            self.setValue(ETA_FIRST_STEP)
            steps -= 1
        if steps:
            super().stepBy(steps)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt API)
        return fmt(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return parse(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if stripped in ("", ".", "-", "−", "0."):
            return QValidator.Intermediate, text, pos
        try:
            value = parse(stripped)
        except ValueError:
            if stripped.lower().endswith(("e", "e-", "e+", "e−")):
                return QValidator.Intermediate, text, pos
            return QValidator.Invalid, text, pos
        if not math.isfinite(value) or value < self.minimum() or value > self.maximum():
            return QValidator.Intermediate, text, pos
        return QValidator.Acceptable, text, pos


class LearnOptions(QGroupBox):
    """The 'How to learn' group of the set-up panel."""

    requested = Signal(dict)  # set-up fields to change

    def __init__(self, state: AppState, parent=None):
        super().__init__("How to learn", parent)
        self.setObjectName("learnOptions")
        self.state = state
        self._showing = False
        form = QFormLayout(self)
        self.eta = EtaSpinBox(objectName="etaInput")
        self.eta.setToolTip("learning rate η: each update is −η·∂L/∂p (takes effect at the next row); "
                            "type any number from 0 to 1e6, e.g. 0.05 or 1e-4")
        form.addRow("Learning rate η", self.eta)
        presets = QHBoxLayout()
        presets.setSpacing(4)
        self.eta_buttons: dict[float, QPushButton] = {}
        for value in ETA_PRESETS:
            button = QPushButton(fmt(value), objectName=f"etaPreset{fmt(value).replace('.', '_')}Button")
            button.setToolTip(f"set η = {fmt(value)}" + PRESET_NOTES.get(value, ""))
            button.clicked.connect(lambda _=False, v=value: self.eta.setValue(v))
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("0.01") + 16)
            button.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
            presets.addWidget(button)
            self.eta_buttons[value] = button
        presets_label = QLabel("presets", objectName="etaPresetsLabel")
        form.addRow(presets_label, presets)
        self.eta_note = note_line("etaNote", "a learning rate far from the usual 0.001 … 1: allowed, but watch "
                                  "what it does")
        form.addRow(self.eta_note)
        self.epochs = int_box("epochsInput", 1, MAX_EPOCHS, "how many epochs Play trains (one epoch = every row once)")
        self.epochs.setValue(state.epochs)
        form.addRow("Epochs per Play", self.epochs)
        self.batch = int_box("batchSizeInput", 1, 1,
                             "rows per update. 1 = the tutorial's stochastic gradient descent: the parameters "
                             "change after every row. More = one update per batch of rows, with the mean of "
                             "their gradients; the table's row count = one update per epoch")
        form.addRow("Batch size", self.batch)
        self.init = choice_box("initInput", dict(INITS), INIT_TIPS,
                           "the parameters' starting values (Step 0); hover a choice to read how each is drawn")
        form.addRow("Initialisation", self.init)
        self.seed = int_box("seedInput", 0, 2**31 - 1,
                            "seeds the random start, the row order and the test rows: same seed, same run")
        form.addRow("Seed", self.seed)
        self.order = choice_box("orderInput", {o: ORDER_LABELS.get(o, o) for o in ORDERS}, {},
                            "shuffled: every row once per epoch, a new order each epoch · random draws: rows "
                            "picked at random with replacement · table order: top to bottom")
        form.addRow("Row order", self.order)

        for key, box in (("order", self.order), ("init", self.init)):
            box.currentIndexChanged.connect(lambda _i, k=key, b=box: self._ask(k, b.currentData()))
        self.seed.valueChanged.connect(lambda v: self._ask("seed", int(v)))
        self.batch.valueChanged.connect(lambda v: self._ask("batch", int(v)))
        # η and epochs are not the set-up: they go straight to the state and apply from the next row.
        self.eta.valueChanged.connect(lambda v: setattr(state, "eta", float(v)))
        self.epochs.valueChanged.connect(lambda v: setattr(state, "epochs", int(v)))
        subscribe(self, state.events.eta, self._show_eta)
        subscribe(self, state.events.epochs, self._show_epochs)
        self._show_eta(state.eta)

    def _ask(self, key: str, value) -> None:
        if not self._showing:
            self.requested.emit({key: value})

    def show_setup(self, setup: Setup) -> None:
        self._showing = True
        try:
            for box, value in ((self.order, setup.order), (self.init, setup.init)):
                box.setCurrentIndex(max(0, box.findData(value)))
            self.seed.setValue(setup.seed)
            self.batch.setMaximum(max(1, setup.dataset.n_rows))
            self.batch.setValue(setup.batch)
        finally:
            self._showing = False

    def _show_eta(self, eta: float) -> None:
        if self.eta.value() != eta:
            self.eta.blockSignals(True)
            self.eta.setValue(eta)
            self.eta.blockSignals(False)
        show_note(self.eta_note, eta_note(eta))

    def _show_epochs(self, epochs: int) -> None:
        if self.epochs.value() != epochs:
            self.epochs.blockSignals(True)
            self.epochs.setValue(epochs)
            self.epochs.blockSignals(False)
