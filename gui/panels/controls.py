"""The controls: what to train (setup panel) and how to run it (transport bar).

They write to the application state (η, epochs, speed) or ask for a new set-up
(`setupRequested`, which the window hands to the controller: it may refuse a table),
and they show the state: a lesson step or a reopened session that changes the
set-up moves these controls too. Every interactive widget has an objectName (tests
and the guided lesson find them by it).
"""
from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from engine.data import BUILTINS
from engine.notation import fmt, parse
from engine.settings import ETA_PRESETS, MAX_EPOCHS, TASKS
from engine.training import ORDERS
from gui.state import DEFAULT_SPEED, AppState, Setup
from gui.widgets.state_view import subscribe

# Speed slider stops, rows per second; None = as fast as the machine goes.
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, None)
INITS = (("random", "random, small"), ("tutorial", "w = 1, b = 0"))
SCALING_LABELS = (("standard", "standardised"), ("none", "none (raw)"))
ORDER_LABELS = {"shuffle": "shuffled", "random": "random draws", "sequential": "table order"}


def speed_text(speed: float | None) -> str:
    if speed is None:
        return "max"
    return f"{speed:g} row/s" if speed == 1 else f"{speed:g} rows/s"


class EtaSpinBox(QDoubleSpinBox):
    """η, shown like every other number (six significant digits), typed freely."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(8)
        self.setRange(0.0, 100.0)
        self.setSingleStep(0.01)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)

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


def _combo(name: str, items, tip: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    for value, label in items:
        box.addItem(label, value)
    box.setToolTip(tip)
    return box


class SetupPanel(QWidget):
    """Task, data, learning rate, epochs, row order, initialisation, seed and input scaling."""

    setupRequested = Signal(dict)  # set-up fields to change: a fresh start (the controller may refuse)
    openCsvRequested = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.setObjectName("setupPanel")
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        # -- what to learn
        data_box = QGroupBox("What to learn")
        form = QFormLayout(data_box)
        self.task = _combo("taskInput", [(t, t) for t in TASKS],
                           "regression: linear neurons, squared error · classification: sigmoid, cross-entropy")
        form.addRow("Task", self.task)
        self.dataset = QComboBox()
        self.dataset.setObjectName("datasetInput")
        self.dataset.setToolTip("the table to train on")
        self.dataset.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(10)
        form.addRow("Data", self.dataset)
        self.open_csv = QPushButton("Open CSV…")
        self.open_csv.setObjectName("openCsvButton")
        self.open_csv.setToolTip("train on your own table: a header row of names, then numbers; "
                                 "the last column is the target (Ctrl+O)")
        form.addRow("", self.open_csv)
        layout.addWidget(data_box)

        # -- how to learn
        learn_box = QGroupBox("How to learn")
        form = QFormLayout(learn_box)
        self.eta = EtaSpinBox()
        self.eta.setObjectName("etaInput")
        self.eta.setValue(state.eta)
        self.eta.setToolTip("learning rate η: each update is −η·∂L/∂p (takes effect at the next row)")
        form.addRow("Learning rate η", self.eta)
        presets = QHBoxLayout()
        presets.setSpacing(4)
        self.eta_buttons: dict[float, QPushButton] = {}
        for value in ETA_PRESETS:
            button = QPushButton(fmt(value))
            button.setObjectName(f"etaPreset{fmt(value).replace('.', '_')}Button")
            button.setToolTip(f"set η = {fmt(value)}")
            button.clicked.connect(lambda _=False, v=value: self.eta.setValue(v))
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("0.01") + 16)
            button.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
            presets.addWidget(button)
            self.eta_buttons[value] = button
        presets_label = QLabel("presets")
        presets_label.setObjectName("etaPresetsLabel")
        form.addRow(presets_label, presets)
        self.epochs = QSpinBox()
        self.epochs.setObjectName("epochsInput")
        self.epochs.setRange(1, MAX_EPOCHS)
        self.epochs.setValue(state.epochs)
        self.epochs.setKeyboardTracking(False)
        self.epochs.setToolTip("how many epochs Play trains (one epoch = every row once)")
        form.addRow("Epochs per Play", self.epochs)
        self.order = _combo("orderInput", [(o, ORDER_LABELS.get(o, o)) for o in ORDERS],
                            "shuffled: every row once per epoch, a new order each epoch · random draws: rows "
                            "picked at random with replacement · table order: top to bottom")
        form.addRow("Row order", self.order)
        self.init = _combo("initInput", INITS, "the parameters' starting values (Step 0): small random "
                           "weights from the seed, or the tutorial's every weight 1, every bias 0")
        form.addRow("Initialisation", self.init)
        self.seed = QSpinBox()
        self.seed.setObjectName("seedInput")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("seeds the random start and the row order: same seed, same run")
        form.addRow("Seed", self.seed)
        self.scaling = _combo("scalingInput", SCALING_LABELS,
                              "standardised: each input becomes (x − mean) / deviation of its column")
        form.addRow("Input scaling", self.scaling)
        layout.addWidget(learn_box)
        layout.addStretch(1)

        for box in (self.task, self.dataset, self.order, self.init, self.scaling):
            box.setMinimumContentsLength(8)
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        # The user's choices: a new set-up, or η / epochs written straight to the state.
        for key, box in (("task", self.task), ("dataset_key", self.dataset), ("order", self.order),
                         ("init", self.init), ("scaling", self.scaling)):
            box.currentIndexChanged.connect(lambda _i, k=key, b=box: self._ask(k, b.currentData()))
        self.seed.valueChanged.connect(lambda v: self._ask("seed", int(v)))
        self.open_csv.clicked.connect(self.openCsvRequested)
        self.eta.valueChanged.connect(lambda v: setattr(state, "eta", float(v)))
        self.epochs.valueChanged.connect(lambda v: setattr(state, "epochs", int(v)))
        # What the state says, shown (a lesson step or an opened session moves these too).
        subscribe(self, state.events.setup, self.show_setup)
        subscribe(self, state.events.eta, self._show_eta)
        subscribe(self, state.events.epochs, self._show_epochs)
        self._showing = False
        if state.setup is not None:
            self.show_setup(state.setup)

    # ---- from the state ---------------------------------------------------------------------
    def _ask(self, key: str, value) -> None:
        setup = self.state.setup
        if not self._showing and (setup is None or getattr(setup, key) != value):
            self.setupRequested.emit({key: value})
            self.show_setup(self.state.setup)  # a refused change puts the old value back

    def show_setup(self, setup: Setup | None) -> None:
        if setup is None:
            return
        self._showing = True
        try:
            for box, value in ((self.task, setup.task), (self.order, setup.order), (self.init, setup.init),
                               (self.scaling, setup.scaling)):
                box.setCurrentIndex(max(0, box.findData(value)))
            self.seed.setValue(setup.seed)
            self.dataset.clear()
            classifying = setup.task == "classification"
            items = [(name, name) for name in BUILTINS if ("classification" in name) == classifying]
            items += [(key, key.rsplit("/", 1)[-1]) for key in self.state.csv_tables]
            for key, label in items:
                self.dataset.addItem(label, key)
            if self.dataset.findData(setup.dataset_key) < 0:
                self.dataset.addItem(setup.dataset.name, setup.dataset_key)
            self.dataset.setCurrentIndex(self.dataset.findData(setup.dataset_key))
        finally:
            self._showing = False

    def _show_eta(self, eta: float) -> None:
        if self.eta.value() != eta:
            self.eta.blockSignals(True)
            self.eta.setValue(eta)
            self.eta.blockSignals(False)

    def _show_epochs(self, epochs: int) -> None:
        if self.epochs.value() != epochs:
            self.epochs.blockSignals(True)
            self.epochs.setValue(epochs)
            self.epochs.blockSignals(False)


class TransportBar(QWidget):
    """Play/Pause, Step, Step epoch, Step back, Reset and the speed slider."""

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.setObjectName("transportBar")
        self.state = state
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.play = self._button("playButton", "Play", "train the chosen epochs; press again to pause (Space)")
        # The style's own media icons: a ⏸ character is missing from many fonts (a box on screen).
        self._play_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._pause_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.play.setIcon(self._play_icon)
        self._running = False
        self.step = self._button("stepButton", "Step row", "train one row: forward, loss, backward, update (→)")
        self.step_epoch = self._button("stepEpochButton", "Step epoch", "train to the end of this epoch (Shift+→)")
        self.step_back = self._button("stepBackButton", "Step back", "undo the last row, exactly (←)")
        self.reset = self._button("resetButton", "Reset", "back to the very same starting parameters; "
                                                          "the history is cleared (Ctrl+R)")
        for b in (self.play, self.step, self.step_epoch, self.step_back, self.reset):
            layout.addWidget(b)
        self.fit_to_font()
        layout.addSpacing(16)
        label = QLabel("Speed")
        layout.addWidget(label)
        self.speed = QSlider(Qt.Horizontal)
        self.speed.setObjectName("speedInput")
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setTickPosition(QSlider.TicksBelow)
        self.speed.setValue(SPEEDS.index(state.speed) if state.speed in SPEEDS else SPEEDS.index(DEFAULT_SPEED))
        self.speed.setToolTip("rows per second while playing: from one a second (to watch) to max")
        self.speed.setMinimumWidth(160)
        self.speed.setMaximumWidth(420)
        self.speed.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        label.setBuddy(self.speed)
        layout.addWidget(self.speed, 1)
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setMinimumWidth(self.speed_label.fontMetrics().horizontalAdvance("5000 rows/s") + 8)
        layout.addWidget(self.speed_label)
        layout.addStretch(1)
        self.speed.valueChanged.connect(self._speed_moved)
        self._speed_moved(self.speed.value())
        subscribe(self, state.events.speed, self.set_speed)
        subscribe(self, state.events.history, lambda h: self.set_running(h is not None and h.running))

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.TabFocus)  # Space belongs to Play/Pause, not to the last button clicked
        return button

    def speed_value(self) -> float | None:
        return SPEEDS[self.speed.value()]

    def set_speed(self, speed: float | None) -> None:
        """Show this speed (the state's): the slider stop at or just above it."""
        stop = next((i for i, s in enumerate(SPEEDS) if s is None or (speed is not None and s >= speed)),
                    len(SPEEDS) - 1)
        self.speed.setValue(stop)

    def _speed_moved(self, position: int) -> None:
        speed = SPEEDS[position]
        self.speed_label.setText(speed_text(speed))
        self.state.speed = None if speed is None else float(speed)

    @property
    def running(self) -> bool:
        """Whether the Play button currently shows Pause."""
        return self._running

    def fit_to_font(self) -> None:
        fm = self.play.fontMetrics()
        side = fm.height()
        self.play.setIconSize(QSize(side, side))
        self.play.setMinimumWidth(fm.horizontalAdvance("Pause") + side + 48)

    def set_running(self, running: bool) -> None:
        if running == self._running and self.play.text() in ("Play", "Pause"):
            return
        self._running = running
        self.play.setText("Pause" if running else "Play")
        self.play.setIcon(self._pause_icon if running else self._play_icon)
        self.play.setToolTip("pause after the current row (Space)" if running
                             else "train the chosen epochs; press again to pause (Space)")

    def changeEvent(self, event):  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self.fit_to_font()
            self.speed_label.setMinimumWidth(self.speed_label.fontMetrics().horizontalAdvance("5000 rows/s") + 8)
