"""The learning-rate race: up to four η from one start, on one plot, each with a verdict.

The lanes are engine.race.Race lanes (same start, same rows, same row order;
only η differs). A QTimer advances the race a few epochs per tick within a
small time budget, so the window never freezes, and the curves (created once,
then only fed data) grow as it runs. The y axis is logarithmic: a lane that
settles and a lane that blows up fit on one plot.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget

from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.race import DEFAULT_EPOCHS, DEFAULT_ETAS, MAX_LANES, Race
from engine.scaling import Standardizer
from engine.spec import NetworkSpec
from gui import colors
from engine.notation import fmt, parse
from gui.widgets.font_scale import FontScaled, style_legend

LANE_COLORS = (colors.BLUE, colors.ORANGE, colors.BLUISH_GREEN, colors.REDDISH_PURPLE)
LANE_SYMBOLS = ("o", "s", "t", "d")
TICK_MS = 30
BUDGET_MS = 10  # training work per timer tick: the GUI keeps two thirds of its time
LOG_FLOOR = 1e-30  # a loss of exactly 0 still has a place on a log axis
MAX_EPOCHS = 100_000


class RaceView(FontScaled, QWidget):
    """objectName 'raceView': the learning-rate race.

    Contract (the main window calls these):
      set_network(spec, input_names=())            a new network shape: the race is cleared
      set_problem(spec, X_raw, Y, input_names=(), scaler=None)
                                                   the table in raw units and the Standardizer
                                                   the network sees it through (None: identity)
      set_start(theta0, order="shuffle", seed=0)   the starting parameters every lane shares and
                                                   the row order (call it on reset). Without it
                                                   the start is the parameters before a record
                                                   with step 0, else engine.init's default
      show_record(record_or_None, params)          cheap: only notes a step-0 record's start
    Also:
      set_etas(etas) / etas() -> list[float] | None   the η list (inputs raceEta1 … raceEta4;
                                                   empty boxes are skipped; None while invalid)
      set_epochs(n) (input raceEpochsInput), run() (button raceRunButton; "Stop" while
      running), stop(), is_running(), results() -> list[engine.race.LaneResult] | None,
      set_font_scale(factor)
    Signals: started(), finished(list) with the LaneResults when a race completes.
    """

    started = Signal()
    finished = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("raceView")
        self.setAccessibleName("Learning-rate race")
        self._spec: NetworkSpec | None = None
        self._X: np.ndarray | None = None
        self._Y: np.ndarray | None = None
        self._start: np.ndarray | None = None
        self._start_explicit = False
        self._order = "shuffle"
        self._seed = 0
        self._race: Race | None = None
        self._results = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._build()
        self._apply_font()

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

        top = QHBoxLayout()
        top.addWidget(self._eta_label)
        for edit in self.eta_inputs:
            top.addWidget(edit)
        top.addSpacing(16)
        top.addWidget(self._epochs_label)
        top.addWidget(self.epochs_input)
        top.addSpacing(16)
        top.addWidget(self.run_button)
        top.addStretch(1)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("racePlot")
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setLogMode(False, True)
        item.showGrid(x=True, y=True, alpha=0.15)
        self.legend = item.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 230),
                                     pen=pg.mkPen(colors.MUTED), labelTextColor=colors.INK)
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
        for i in range(MAX_LANES):
            note = pg.TextItem(color=colors.INK, anchor=(-0.08, 0.5))
            item.addItem(note, ignoreBounds=True)
            self.notes.append(note)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(colors.INK))
            item.getAxis(axis).setTextPen(pg.mkPen(colors.INK))
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

    # ---- contract ------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        if spec == self._spec:
            return
        self.stop()
        self._spec = spec
        self._start = None
        self._start_explicit = False
        if self._X is not None and self._X.shape[1] != spec.n_inputs:
            self._X = self._Y = None
        self._race = None
        self._clear()

    def set_problem(self, spec: NetworkSpec, X_raw, Y, input_names: Sequence[str] = (),
                    scaler: Standardizer | None = None) -> None:
        self.set_network(spec, input_names)
        self.stop()
        scaler = scaler if scaler is not None else Standardizer.identity(spec.n_inputs)
        self._X = scaler.transform(np.asarray(X_raw, dtype=float))
        Y = np.asarray(Y, dtype=float)
        self._Y = Y[:, None] if Y.ndim == 1 else Y
        self._race = None
        self._clear()

    def set_start(self, theta0, order: str = "shuffle", seed: int = 0) -> None:
        self._start = np.array(theta0, dtype=float)
        self._start_explicit = True
        self._order = order
        self._seed = int(seed)

    def show_record(self, record, params: Mapping[str, float] | None = None) -> None:
        if record is not None and record.step == 0 and not self._start_explicit:
            self._start = np.array(record.theta_before, dtype=float)

    # ---- η list and epochs ----------------------------------------------------------------------
    def set_etas(self, etas: Sequence[float]) -> None:
        etas = list(etas)[:MAX_LANES]
        for i, edit in enumerate(self.eta_inputs):
            edit.setText(fmt(etas[i]) if i < len(etas) else "")

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
        if self._spec is None or self._X is None:
            self._set_status("Load a network and a table first.", error=True)
            return False
        theta0 = self._start
        if theta0 is None:
            theta0 = initialise(Network(self._spec), DEFAULT_SCHEME, self._seed).theta
        self._race = Race(self._spec, theta0, self._X, self._Y, self.etas(),
                          epochs=self.epochs_input.value(), order=self._order, seed=self._seed)
        self._results = None
        self._clear()
        for i, lane in enumerate(self._race.lanes):
            self.legend.addItem(self.curves[i], self._lane_text(lane.eta, "…"))
        self._style_legend()
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

    # ---- drawing -------------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._race is not None and self.legend.items:
            self._draw()  # catch up on epochs run while hidden

    def _clear(self) -> None:
        self.legend.clear()
        for curve, end, note in zip(self.curves, self.ends, self.notes):
            curve.setData([], [])
            end.setData([], [])
            note.setText("")

    def _lane_text(self, eta: float, verdict: str) -> str:
        return f"η = {fmt(eta)}: {verdict}"

    def _draw(self) -> None:
        results = self._race.results()
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
                note.setText(f"η = {fmt(res.eta)}: the loss blew up in epoch {res.diverged_at[0]}; training stopped")
            else:
                note.setText("")
                if not self._race.done:
                    verdict = f"{verdict} so far"
            _sample, label = self.legend.items[i]
            label.setText(self._lane_text(res.eta, verdict))
        self._style_legend()

    def _set_status(self, text: str, error: bool = False) -> None:
        color = colors.NEGATIVE_TEXT if error else colors.INK
        self.status.setText(f"<span style='color:{color}'>{text}</span>" if text else "")

    # ---- fonts ---------------------------------------------------------------------------------------
    def _style_legend(self) -> None:
        style_legend(self.legend, self.scaled_pixels())

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
        tick = QFont(font)
        tick.setPixelSize(max(10, px - 2))
        for note in self.notes:
            note.setFont(font)
        item = self.plot.getPlotItem()
        for axis in ("left", "bottom"):
            item.getAxis(axis).setStyle(tickFont=tick, tickTextOffset=6)
        style = {"color": colors.INK, "font-size": f"{px}px"}
        item.setLabel("bottom", "epoch", **style)
        item.setLabel("left", "epoch loss (mean over the rows, log scale)", **style)
        self._style_legend()
