"""The controls: what to train (setup panel) and how to run it (transport bar).

They write to the application state (η, epochs, speed) or ask for a new set-up
(`setupRequested`, which the window hands to the controller: it may refuse), and they
show the state: a lesson step or a reopened session that changes the set-up moves these
controls too. The set-up panel is three groups, each in its own module: what to learn
(gui.panels.data_options), the network (gui.panels.network_builder) and how to learn
(gui.panels.learn_options, with the η box). Every interactive widget has an objectName
(tests and the guided lesson find them by it).
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QStyle, QVBoxLayout, QWidget

from gui.panels.data_options import DataOptions
from gui.panels.learn_options import EtaSpinBox, LearnOptions, eta_note
from gui.panels.network_builder import NetworkBuilder
from gui.state import DEFAULT_SPEED, AppState, Setup
from gui.widgets.state_view import subscribe

__all__ = ["SPEEDS", "EtaSpinBox", "SetupPanel", "TransportBar", "eta_note", "speed_text"]

# Speed slider stops, rows per second; None = as fast as the machine goes.
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, None)


def speed_text(speed: float | None) -> str:
    if speed is None:
        return "max"
    return f"{speed:g} row/s" if speed == 1 else f"{speed:g} rows/s"


class SetupPanel(QWidget):
    """What to learn, the network, and how to learn, shown from state.setup.

    Each group asks for set-up changes with its `requested` signal; this panel passes a real
    change on as `setupRequested` (the window hands it to the controller) and then shows the
    state's set-up again, so a refused change puts the old values back."""

    setupRequested = Signal(dict)  # set-up fields to change: a fresh start (the controller may refuse)
    openCsvRequested = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.setObjectName("setupPanel")
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.data = DataOptions(state)
        self.builder = NetworkBuilder(state)
        self.learn = LearnOptions(state)
        for group in (self.data, self.builder, self.learn):
            layout.addWidget(group)
            group.requested.connect(self._ask)
        layout.addStretch(1)
        self.data.openCsvRequested.connect(self.openCsvRequested)
        # The widgets other code reaches by attribute (the window, its tests, the lesson).
        self.task, self.dataset, self.open_csv = self.data.task, self.data.dataset, self.data.open_csv
        self.eta, self.eta_buttons, self.epochs = self.learn.eta, self.learn.eta_buttons, self.learn.epochs
        self.seed, self.init, self.order = self.learn.seed, self.learn.init, self.learn.order
        self.scaling = self.data.scaling
        self._showing = False
        subscribe(self, state.events.setup, self.show_setup)
        if state.setup is not None:
            self.show_setup(state.setup)

    def _ask(self, changes: dict) -> None:
        setup = self.state.setup
        if self._showing:
            return
        if setup is None or any(getattr(setup, k) != v for k, v in changes.items()):
            self.setupRequested.emit(dict(changes))
            self.show_setup(self.state.setup)  # a refused change puts the old values back

    def show_setup(self, setup: Setup | None) -> None:
        if setup is None:
            return
        self._showing = True
        try:
            for group in (self.data, self.builder, self.learn):
                group.show_setup(setup)
        finally:
            self._showing = False


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
