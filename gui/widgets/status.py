"""The status bar's readouts and the divergence banner: views of the shown moment and the run.

The epoch, row and loss name the moment every other view shows (`state.shown`), so the
status bar, the canvas and the Timeline always agree on the row.
"""
from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStatusBar, QWidget

from engine.notation import fmt
from gui import colors
from gui.state import AppState
from gui.widgets.state_view import subscribe
from gui.widgets.timeline_bar import count

# What each readout says at its widest in a lesson-sized run, for fitting the bar before the
# numbers arrive (a ten-thousand-row table or more digits may still widen a label later).
WIDEST = ("epoch 888", "row 888 of 888 (trained) · 88 888 rows", "loss 0.000000 · epoch mean 0.000000",
          "88 888 rows/s")
LABEL_PADDING = 24  # a label's margins and a little air (status_label's margins are 10 + 10)
MIN_STATUS_PX = 10  # smaller than this is not worth showing; then the bar is cut after all


def status_label(name: str, text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setContentsMargins(10, 0, 10, 0)
    label.setAutoFillBackground(True)  # opaque: a new number repaints the label, not the bar
    return label


def set_text(label: QLabel, text: str) -> None:
    """A label whose width only ever grows: a new number never relayouts the status bar."""
    if text == label.text():
        return
    needed = label.fontMetrics().horizontalAdvance(text) + LABEL_PADDING
    if needed > label.minimumWidth():
        label.setMinimumWidth(needed + label.fontMetrics().horizontalAdvance("888"))
    label.setText(text)


class StatusReadout:
    """Epoch, row and loss of the shown moment (the labels go into the window's status bar)."""

    def __init__(self, state: AppState, owner: QWidget):
        self.state = state
        self.epoch = status_label("statusEpoch", "epoch —")
        self.row = status_label("statusRow", "row —")
        self.loss = status_label("statusLoss", "loss —")
        self.rate = status_label("statusRate", "0 rows/s")
        for event in (state.events.shown, state.events.precision):
            subscribe(owner, event, self.render_state)

    @property
    def labels(self) -> tuple[QLabel, ...]:
        return self.epoch, self.row, self.loss, self.rate

    def fit(self, font: QFont, width: int, beside: tuple[QWidget, ...] = ()) -> QFont:
        """Give the readouts (and the widgets `beside` them in the bar) `font`, or a smaller size of
        it when at their widest they would not fit in `width` pixels: zoomed in on a 1280-pixel
        screen, the row and the loss were cut off. Returns the font given."""
        def needed(f: QFont) -> int:
            metrics = QFontMetrics(f)
            return (sum(metrics.horizontalAdvance(text) + LABEL_PADDING for text in WIDEST)
                    + sum(metrics.horizontalAdvance(w.text()) + 3 * LABEL_PADDING // 2 for w in beside))
        fitted = QFont(font)
        px = QFontInfo(font).pixelSize()
        while needed(fitted) > width and px > MIN_STATUS_PX:
            px -= 1
            fitted.setPixelSize(px)
        height = QFontMetrics(fitted).height() + 6
        if (all(widget.font() == fitted for widget in (*self.labels, *beside))
                and all(label.maximumHeight() == height for label in self.labels)):
            return fitted  # a resize that changes nothing here (most of them): no relayout
        for widget in (*self.labels, *beside):
            widget.setFont(fitted)
        for label in self.labels:
            label.setFixedHeight(height)
            text = label.text()
            label.setMinimumWidth(0)  # and widened again for the new size by set_text
            label.clear()
            set_text(label, text)
        return fitted

    def give_way(self, bar: QStatusBar, message: str, beside: tuple[QWidget, ...] = ()) -> None:
        """A passing message (a new start, a reset, an export) that the readouts leave no room for
        is shown whole: the readouts step aside until it is gone (at 1280 pixels, with the readouts
        in place, "New start: …" showed as "New st")."""
        if message:
            taken = sum(label.width() for label in self.labels) + sum(w.width() for w in beside)
            needed = bar.fontMetrics().horizontalAdvance(message) + LABEL_PADDING
            if needed <= bar.width() - taken:
                return
        for label in self.labels:
            label.setVisible(not message)

    def render_state(self, *_args) -> None:
        s, m = self.state, self.state.shown
        digits = s.precision
        n_rows = 0 if s.setup is None else s.setup.dataset.n_rows
        if m is None or m.record is None:
            set_text(self.epoch, "prediction" if m is not None else "epoch —")
            set_text(self.row, "new row (not in the table)" if m is not None else "row —")
            set_text(self.loss, "loss — (no target)" if m is not None else "loss —")
            return
        r = m.record
        what = {"after_step": "trained", "preview": "next", "idle": "shown"}[m.kind]
        not_started = s.cursor == 0 and m.kind != "after_step"
        set_text(self.epoch, f"epoch {r.epoch}" + (" (not started)" if not_started else ""))
        set_text(self.row, f"row {r.row + 1} of {n_rows} ({what}) · {count(s.cursor)} rows")
        # In the table's units (with standardised targets the network's own loss is σ⁻² of it).
        units = m.target_scaler if m.targets_scaled else None
        loss = m.loss_table if units is not None and m.loss_table is not None else r.loss
        text = f"loss {fmt(loss, digits)}"
        history = s.history
        if history is not None and history.epoch_means.shape[0] and s.at_live_end:
            mean = float(history.epoch_means[-1])
            if units is not None and m.loss_table is not None:
                mean = units.loss_to_table(mean, m.spec.loss)
            text += f" · epoch mean {fmt(mean, digits)}"
        set_text(self.loss, text)

    def show_rate(self, rows_per_second: float) -> None:
        set_text(self.rate, f"{count(round(rows_per_second))} rows/s")


def _in_table_units(record, moment) -> float:
    """The diverged row's loss in the units the status bar and the table use (the table's own,
    when the network learns standardised targets), so the banner's number matches theirs."""
    units = None if moment is None or not moment.targets_scaled else moment.target_scaler
    table = None if units is None else units.loss_to_table(record.loss, record.spec.loss)
    return record.loss if table is None else float(table)


class DivergenceBanner(QFrame):
    """Says when training diverged or the data is far off the network's scale, why, and offers the
    ways out: back to the last good row, Reset, or scaling the data (engine.diagnosis's advice).

    Signals: backRequested(step) (the last good row of the run), resetRequested(),
    scaleRequested() (standardise what is not scaled yet)."""

    backRequested = Signal(int)
    resetRequested = Signal()
    scaleRequested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("divergenceBanner")
        self.state = state
        self.setStyleSheet(
            f"QFrame#divergenceBanner {{ background: {colors.WARN_FILL}; color: {colors.INK};"
            f" border: 2px solid {colors.VERMILLION}; border-radius: 6px; }}"
            f" QFrame#divergenceBanner QLabel {{ border: none; background: transparent; }}")
        self.label = QLabel(objectName="divergenceText", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.back = QPushButton("Back to the last good row", objectName="backToGoodRowButton")
        self.back.setToolTip("move the Timeline back to the last row before the loss ran away; Play goes on "
                             "from there (Ctrl+Z brings the later rows back)")
        self.reset = QPushButton("Reset", objectName="bannerResetButton")
        self.reset.setToolTip("the same starting parameters, history cleared")
        self.scale = QPushButton("Scale the data", objectName="scaleDataButton")
        self.scale.setToolTip("standardise the inputs and the targets: a new start")
        self.back.clicked.connect(lambda: self.backRequested.emit(int(self.state.good_step or 0)))
        self.reset.clicked.connect(self.resetRequested)
        self.scale.clicked.connect(self.scaleRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.addWidget(self.label, 1)
        for button in (self.back, self.reset, self.scale):
            layout.addWidget(button)
        self.hide()
        for event in (state.events.history, state.events.cursor, state.events.advice):
            subscribe(self, event, self.render_state)

    def text(self) -> str:
        return self.label.text()

    def set_text_font(self, font) -> None:
        """Zoom and presentation mode: the message and its buttons in this font."""
        for widget in (self, self.label, self.back, self.reset, self.scale):
            widget.setFont(font)

    def render_state(self, *_args) -> None:
        s = self.state
        history = s.history
        record = None if history is None else history.diverged
        if not s.advice or (record is not None and not s.at_live_end):
            self.hide()
            return
        digits = s.precision
        if record is not None:
            loss = _in_table_units(record, s.shown)
            size = "grew without bound" if not math.isfinite(loss) else f"reached {fmt(loss, digits)}"
            head = (f"<b>Training diverged</b> at epoch {record.epoch}, row {record.row + 1}, with "
                    f"η = {fmt(record.eta, digits)}: the loss {size}. The last finite parameters are kept. ")
        else:
            head = "<b>The data is far off the network's scale.</b> "
        self.label.setText(head + html.escape(s.advice))
        setup = s.setup
        self.back.setVisible(record is not None and s.good_step is not None)
        self.reset.setVisible(record is not None)
        self.scale.setVisible(setup is not None and (setup.scaling == "none" or (
            setup.task == "regression" and setup.target_scaling == "none")))
        self.show()
