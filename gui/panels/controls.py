"""The controls: what to train (setup panel) and how to run it (transport bar).

Widgets only: they hold values and emit Qt signals; the main window turns
those into calls on the trainer. Every interactive widget has an objectName
(tests and the guided lesson find them by it).
"""
from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
    QSlider, QSpinBox, QStyle, QVBoxLayout, QWidget,
)

from engine.init import DEFAULT_SCHEME
from engine.training import ORDERS
from engine.notation import fmt, parse

ETA_PRESETS = (0.01, 0.1, 1.0)
DEFAULT_ETA = 0.1
DEFAULT_EPOCHS = 100
MAX_EPOCHS = 100_000
# Speed slider stops, rows per second; None = as fast as the machine goes.
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, None)
DEFAULT_SPEED = 50
TASKS = ("regression", "classification")
INITS = (("random", "random, small"), ("tutorial", "w = 1, b = 0"))
SCALINGS = (("standard", "standardised"), ("none", "none (raw)"))
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

    taskChanged = Signal(str)
    datasetChanged = Signal(str)  # the dataset key (a built-in name or 'csv:<path>')
    openCsvRequested = Signal()
    etaChanged = Signal(float)
    epochsChanged = Signal(int)
    setupChanged = Signal()  # order, init, seed or scaling: a fresh start

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("setupPanel")
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
        self.eta.setValue(DEFAULT_ETA)
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
        self.epochs.setValue(DEFAULT_EPOCHS)
        self.epochs.setKeyboardTracking(False)
        self.epochs.setToolTip("how many epochs Play trains (one epoch = every row once)")
        form.addRow("Epochs per Play", self.epochs)
        self.order = _combo("orderInput", [(o, ORDER_LABELS.get(o, o)) for o in ORDERS],
                            "shuffled: every row once per epoch, a new order each epoch · random draws: rows "
                            "picked at random with replacement · table order: top to bottom")
        form.addRow("Row order", self.order)
        self.init = _combo("initInput", INITS, "the parameters' starting values (Step 0): small random "
                           "weights from the seed, or the tutorial's every weight 1, every bias 0")
        self.init.setCurrentIndex(max(0, self.init.findData(DEFAULT_SCHEME)))
        form.addRow("Initialisation", self.init)
        self.seed = QSpinBox()
        self.seed.setObjectName("seedInput")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("seeds the random start and the row order: same seed, same run")
        form.addRow("Seed", self.seed)
        self.scaling = _combo("scalingInput", SCALINGS,
                              "standardised: each input becomes (x − mean) / deviation of its column")
        form.addRow("Input scaling", self.scaling)
        layout.addWidget(learn_box)
        layout.addStretch(1)

        self.task.currentIndexChanged.connect(lambda _: self.taskChanged.emit(self.task.currentData()))
        self.dataset.activated.connect(lambda _: self.datasetChanged.emit(self.dataset.currentData()))
        self.open_csv.clicked.connect(self.openCsvRequested)
        self.eta.valueChanged.connect(self.etaChanged)
        self.epochs.valueChanged.connect(self.epochsChanged)
        for box in (self.task, self.dataset, self.order, self.init, self.scaling):
            box.setMinimumContentsLength(8)
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        for box in (self.order, self.init, self.scaling):
            box.currentIndexChanged.connect(lambda _: self.setupChanged.emit())
        self.seed.valueChanged.connect(lambda _: self.setupChanged.emit())

    # ---- values --------------------------------------------------------------------------------
    def settings(self) -> dict:
        return dict(init=self.init.currentData(), seed=self.seed.value(), order=self.order.currentData(),
                    scaling=self.scaling.currentData())

    def set_datasets(self, items: list[tuple[str, str]], current: str) -> None:
        """items: (key, label); selects `current` without emitting datasetChanged."""
        self.dataset.blockSignals(True)
        self.dataset.clear()
        for key, label in items:
            self.dataset.addItem(label, key)
        self.dataset.setCurrentIndex(max(0, self.dataset.findData(current)))
        self.dataset.blockSignals(False)


class TransportBar(QWidget):
    """Play/Pause, Step, Step epoch, Step back, Reset and the speed slider."""

    speedChanged = Signal(object)  # rows per second, None = max

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("transportBar")
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
        self.speed.setValue(SPEEDS.index(DEFAULT_SPEED))
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

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.TabFocus)  # Space belongs to Play/Pause, not to the last button clicked
        return button

    def speed_value(self) -> float | None:
        return SPEEDS[self.speed.value()]

    def set_speed(self, speed: float | None) -> None:
        self.speed.setValue(SPEEDS.index(speed) if speed in SPEEDS else len(SPEEDS) - 1)

    def _speed_moved(self, position: int) -> None:
        speed = SPEEDS[position]
        self.speed_label.setText(speed_text(speed))
        self.speedChanged.emit(speed)

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
