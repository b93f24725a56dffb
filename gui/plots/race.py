"""The learning-rate race: up to four η from one start, on one plot, each with a verdict.

The lanes are engine.race.Race lanes (same start, same rows, same row order;
only η differs). A QTimer advances the race a few epochs per tick within a
small time budget, so the window never freezes, and the curves (created once,
then only fed data) grow as it runs. The y axis is logarithmic: a lane that
settles and a lane that blows up fit on one plot.

The problem comes from the application state's setup alone: the table as the
network sees it (the setup's scaling), the run's start parameters (its
initialisation and seed) and its row order. A new setup stops the race.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget

from engine.notation import fmt, parse
from engine.race import DEFAULT_EPOCHS, DEFAULT_ETAS, MAX_LANES, Race
from engine.settings import MAX_EPOCHS
from gui import colors
from gui.plots.style import PinnedLegend, Problem, apply_style, label_style, quiet, style_ticks, tick_font
from gui.widgets.font_scale import FontScaled
from gui.widgets.state_view import subscribe

LANE_COLORS = (colors.BLUE, colors.ORANGE, colors.BLUISH_GREEN, colors.REDDISH_PURPLE)
LANE_SYMBOLS = ("o", "s", "t", "d")
TICK_MS = 30
BUDGET_MS = 10  # training work per timer tick: the GUI keeps two thirds of its time
LOG_FLOOR = 1e-30  # a loss of exactly 0 still has a place on a log axis


class RaceView(FontScaled, QWidget):
    """objectName 'raceView': the learning-rate race.

    RaceView(state, parent=None) studies the problem of `state.setup` (a new setup stops and
    clears the race) and writes η and losses with `state.precision` digits. Public:
      set_etas(etas) / etas() -> list[float] | None   the η list (inputs raceEta1 … raceEta4;
                                                   empty boxes are skipped; None while invalid)
      set_epochs(n) (input raceEpochsInput), run() (button raceRunButton; "Stop" while
      running), stop(), is_running(), results() -> list[engine.race.LaneResult] | None,
      lane_texts() -> the legend's lines, set_font_scale(factor)
    Signals: started(), finished(list) with the LaneResults when a race completes.
    """

    started = Signal()
    finished = Signal(list)

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        apply_style()
        self.state = state
        self.setObjectName("raceView")
        self.setAccessibleName("Learning-rate race")
        self._problem: Problem | None = None
        self._race: Race | None = None
        self._results = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._build()
        self._apply_font()
        subscribe(self, state.events.setup, self._setup_changed)
        subscribe(self, state.events.precision, self._redraw)
        self._setup_changed(state.setup)

    # ---- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        self._eta_label = QLabel("Learning rates η:", self)
        self.eta_inputs: list[QLineEdit] = []
        for i in range(MAX_LANES):
            edit = QLineEdit(self)
            edit.setObjectName(f"raceEta{i + 1}")
            edit.setPlaceholderText("—")
            edit.setAlignment(Qt.AlignRight)
            edit.setToolTip("A learning rate, e.g. 0.05 (leave empty to race fewer)")
            edit.setStyleSheet(
                f"QLineEdit {{ border: 3px solid {LANE_COLORS[i]}; border-radius: 4px; padding: 2px 4px; }}"
                f"QLineEdit[invalid=\"true\"] {{ background: {colors.WARN_FILL}; }}"
            )
            edit.textChanged.connect(self._validate)
            self.eta_inputs.append(edit)
        self._epochs_label = QLabel("Epochs:", self)
        self.epochs_input = QSpinBox(self)
        self.epochs_input.setObjectName("raceEpochsInput")
        self.epochs_input.setRange(1, MAX_EPOCHS)
        self.epochs_input.setValue(DEFAULT_EPOCHS)
        self.run_button = QPushButton("▶  Run race", self)
        self.run_button.setObjectName("raceRunButton")
        self.run_button.setToolTip("Train every η from the same start on the same rows in the same order")
        self.run_button.clicked.connect(self._on_run_clicked)
        self.status = QLabel(self)
        self.status.setObjectName("raceStatus")
        self.status.setTextFormat(Qt.RichText)
        self.status.setWordWrap(True)

        # Two short rows rather than one long one: the race then fits beside the network in
        # presentation mode at projector sizes.
        etas = QHBoxLayout()
        etas.addWidget(self._eta_label)
        for edit in self.eta_inputs:
            etas.addWidget(edit)
        etas.addStretch(1)
        run = QHBoxLayout()
        run.addWidget(self._epochs_label)
        run.addWidget(self.epochs_input)
        run.addSpacing(16)
        run.addWidget(self.run_button)
        run.addStretch(1)
        top = QVBoxLayout()
        top.addLayout(etas)
        top.addLayout(run)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("racePlot")
        item = quiet(self.plot.getPlotItem())
        item.setLogMode(False, True)
        item.showGrid(x=True, y=True, alpha=0.15)
        self.legend = PinnedLegend(item.getViewBox(), "top-right", brush=pg.mkBrush(255, 255, 255, 230),
                                   pen=pg.mkPen(colors.MUTED))
        self.curves = []
        for i in range(MAX_LANES):
            curve = pg.PlotDataItem(pen=pg.mkPen(LANE_COLORS[i], width=3), symbol=LANE_SYMBOLS[i], symbolSize=0,
                                    symbolBrush=LANE_COLORS[i], symbolPen=pg.mkPen(colors.INK))
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            item.addItem(curve)
            self.curves.append(curve)
        self.ends = []  # the last point of each lane; a big ✕ when it diverged
        for i in range(MAX_LANES):
            # A PlotDataItem (not a bare ScatterPlotItem) so the plot's log mode applies to it.
            end = pg.PlotDataItem(pen=None, symbol=LANE_SYMBOLS[i], symbolSize=14, symbolBrush=LANE_COLORS[i],
                                  symbolPen=pg.mkPen(colors.INK, width=1.5))
            item.addItem(end)
            self.ends.append(end)
        self.notes = []  # "stopped: loss > …" beside a diverged lane's ✕
        for _ in range(MAX_LANES):
            note = pg.TextItem(color=colors.INK, anchor=(-0.08, 0.5))
            item.addItem(note, ignoreBounds=True)
            self.notes.append(note)
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)

        self.caption = QLabel(
            "Every η starts from the same parameters and sees the same rows in the same order: "
            "any difference between the curves is the learning rate's doing.", self)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"color: {colors.MUTED};")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)
        self.set_etas(DEFAULT_ETAS)

    # ---- the state ------------------------------------------------------------------------------
    def _setup_changed(self, setup) -> None:
        self.stop()
        self._problem = Problem.of(setup)
        self._race = None
        self._results = None
        self._clear()

    def _redraw(self, *_args) -> None:
        if self._race is not None:
            self._draw()

    # ---- η list and epochs ----------------------------------------------------------------------
    def set_etas(self, etas: Sequence[float]) -> None:
        etas = list(etas)[:MAX_LANES]
        for i, edit in enumerate(self.eta_inputs):
            edit.setText(fmt(etas[i], self.state.precision) if i < len(etas) else "")

    def etas(self) -> list[float] | None:
        """The η list as typed (empty boxes skipped); None when a box holds no positive number."""
        values = []
        for edit in self.eta_inputs:
            text = edit.text().strip()
            if not text:
                continue
            try:
                value = parse(text)
            except ValueError:
                return None
            if not (np.isfinite(value) and value > 0):
                return None
            values.append(value)
        return values or None

    def set_epochs(self, epochs: int) -> None:
        self.epochs_input.setValue(int(epochs))

    def _validate(self) -> bool:
        bad = []
        for i, edit in enumerate(self.eta_inputs):
            text = edit.text().strip()
            ok = True
            if text:
                try:
                    value = parse(text)
                    ok = bool(np.isfinite(value) and value > 0)
                except ValueError:
                    ok = False
            if edit.property("invalid") != (not ok):
                edit.setProperty("invalid", not ok)
                edit.style().unpolish(edit)
                edit.style().polish(edit)
            if not ok:
                bad.append(i + 1)
        if bad:
            self._set_status(f"η box {', '.join(map(str, bad))}: type a positive number such as 0.05.", error=True)
            return False
        if self.etas() is None:
            self._set_status("Type at least one learning rate.", error=True)
            return False
        if not self.is_running():
            self._set_status("")
        return True

    # ---- running ---------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._timer.isActive()

    def results(self):
        return self._results

    def run(self) -> bool:
        """Start a race with the η list and epochs as typed; False (with a message) if it cannot."""
        self.stop()
        if not self._validate():
            return False
        p = self._problem
        if p is None:
            self._set_status("Load a network and a table first.", error=True)
            return False
        self._race = Race(p.spec, p.theta0, p.X, p.Y, self.etas(), epochs=self.epochs_input.value(),
                          order=p.order, seed=p.seed, batch=p.batch)
        self._results = None
        self._clear()
        self.legend.set_entries([(self.curves[i], self._lane_text(lane.eta, "…"))
                                 for i, lane in enumerate(self._race.lanes)])
        self.run_button.setText("■  Stop")
        self._set_status(f"Racing {len(self._race.lanes)} learning rates…")
        self._timer.start()
        self.started.emit()
        self._tick()
        return True

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._set_status("Stopped. The verdicts are for the epochs run so far.")
        self.run_button.setText("▶  Run race")

    def _on_run_clicked(self) -> None:
        if self.is_running():
            self.stop()
        else:
            self.run()

    def _tick(self) -> None:
        race = self._race
        if race is None:
            return
        deadline = time.perf_counter() + BUDGET_MS / 1e3
        more = not race.done
        while more and time.perf_counter() < deadline:
            more = race.advance(1)
        if self.isVisible() or not more:
            self._draw()
        if not more:
            self._timer.stop()
            self.run_button.setText("▶  Run race")
            self._results = race.results()
            self._set_status(f"Finished: {race.epochs} epochs from the same start.")
            self.finished.emit(self._results)
        else:
            self._set_status(f"Racing… epoch {race.epochs_done} of {race.epochs}")

    def lane_texts(self) -> list[str]:
        """The legend's lines, one per lane: 'η = 0.1: converged'."""
        return self.legend.texts()

    # ---- drawing -------------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._race is not None:
            self._draw()  # catch up on epochs run while hidden

    def _clear(self) -> None:
        self.legend.set_entries([])
        for curve, end, note in zip(self.curves, self.ends, self.notes):
            curve.setData([], [])
            end.setData([], [])
            note.setText("")

    def _lane_text(self, eta: float, verdict: str) -> str:
        return f"η = {fmt(eta, self.state.precision)}: {verdict}"

    def _draw(self) -> None:
        results = self._race.results()
        texts = []
        for i, res in enumerate(results):
            y = np.maximum(np.asarray(res.curve, dtype=float), LOG_FLOOR)
            x = np.arange(1, y.shape[0] + 1, dtype=float)
            curve = self.curves[i]
            curve.setSymbolSize(7 if y.shape[0] <= 60 else 0)
            curve.setData(x, y)
            if y.shape[0]:
                end = self.ends[i]
                end.setSymbol("x" if res.diverged else LANE_SYMBOLS[i])
                end.setSymbolSize(26 if res.diverged else 14)
                end.setData(x[-1:], y[-1:])
            verdict = res.verdict
            note = self.notes[i]
            if res.diverged and res.diverged_at and y.shape[0]:
                verdict = f"diverged (epoch {res.diverged_at[0]})"
                # The view's own coordinates are log10(loss) on this axis.
                note.setPos(x[-1], float(np.log10(y[-1])))
                note.setText(f"{self._lane_text(res.eta, 'the loss blew up in epoch')} {res.diverged_at[0]}; "
                             "training stopped")
            else:
                note.setText("")
                if not self._race.done:
                    verdict = f"{verdict} so far"
            texts.append(self._lane_text(res.eta, verdict))
        self.legend.set_texts(texts)

    def _set_status(self, text: str, error: bool = False) -> None:
        color = colors.NEGATIVE_TEXT if error else colors.INK
        self.status.setText(f"<span style='color:{color}'>{text}</span>" if text else "")

    # ---- fonts ---------------------------------------------------------------------------------------
    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        for w in (self._eta_label, *self.eta_inputs, self._epochs_label, self.epochs_input, self.run_button,
                  self.status, self.caption):
            w.setFont(font)
        width = self.eta_inputs[0].fontMetrics().horizontalAdvance("0.0001") + 24
        for edit in self.eta_inputs:
            edit.setFixedWidth(width)
        for note in self.notes:
            note.setFont(font)
        item = self.plot.getPlotItem()
        style_ticks(item, tick_font(px - 2))
        item.setLabel("bottom", "epoch", **label_style(px))
        item.setLabel("left", "mean loss (log)", **label_style(px))  # short: fits a projector's plot
        self.legend.set_text_size(f"{px}px")
