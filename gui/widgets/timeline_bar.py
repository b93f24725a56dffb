"""The Timeline: every row trained so far, to look back at any of them.

Dragging shows the recorded rows (back and forward) and forgets nothing; the rows after
the shown one are cut only when training continues from there, and that cut can be
undone (Ctrl+Z). The slider is a view of `state.cursor` within `state.history.steps`.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from gui.state import AppState
from gui.widgets.state_view import subscribe

THIN_SPACE = "\u2009"


def count(n: int) -> str:
    return f"{n:,}".replace(",", THIN_SPACE)


class TimelineBar(QWidget):
    scrubbed = Signal(int)  # the user moved to this row (0 = Step 0)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("historyBar")
        self.state = state
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="historySlider")
        self.slider.setToolTip("every row trained so far: drag to look at any of them (nothing is lost); "
                               "training on from an earlier row replaces the rows after it (Ctrl+Z undoes that)")
        self.slider.setRange(0, 0)
        self.label = QLabel("row 0 of 0", objectName="historyLabel")
        # Wide enough for any count: a changing number must not relayout the window.
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("row 8 888 888 of 8 888 888") + 12)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 8, 0)
        title = QLabel("Timeline")
        title.setBuddy(self.slider)
        row.addWidget(title)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self._showing = False
        self.slider.valueChanged.connect(self._moved)
        subscribe(self, state.events.history, self.render_state)
        subscribe(self, state.events.cursor, self.render_state)
        self.render_state()

    def render_state(self, *_args) -> None:
        steps, cursor = self.state.steps, self.state.cursor
        self._showing = True
        try:
            self.slider.setRange(0, steps)
            if not self.slider.isSliderDown() or self.state.running:
                self.slider.setValue(cursor)
        finally:
            self._showing = False
        self.label.setText(f"row {count(cursor)} of {count(steps)}")

    def _moved(self, value: int) -> None:
        if not self._showing:
            self.scrubbed.emit(value)
