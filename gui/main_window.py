"""The main window: controls on the left, the network in the centre, numbers on the right,
the loss plot and the table below, and a status bar that says how training is going.

The window owns one `Trainer` (`window.trainer`). It never does per-row work: a
QTimer at ≤ 60 Hz reads `trainer.snapshot()` and, when something changed,
paints the latest state into every visible view. Views follow one contract:

    set_network(spec, input_names)            when the network or the data change
    show_record(record | None, params)        on each refresh that has something new
    select_parameter(name) + parameterSelected(str)   one selection everywhere
"""
from __future__ import annotations

import atexit
import importlib
import importlib.util
import inspect
import math
import sys
import time
import weakref
from pathlib import Path

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QLayout, QMainWindow, QMessageBox, QPushButton, QScrollArea,
    QSizePolicy, QSplitter, QTabWidget, QVBoxLayout, QWidget,
)

from engine import data as datamod
from engine.data import BUILTINS, CsvError, Dataset
from engine.resources import ICON_FILE as ICON
from engine.spec import NetworkSpec, preset
from gui import colors
from gui.actions import build_actions, build_menus
from gui.panels.controls import DEFAULT_ETA, SetupPanel, TransportBar
from gui.widgets.data_table import DataTable
from engine.notation import fmt
from gui.plots.loss import LossPlot
from gui.teaching import Teaching
from gui.trainer import Trainer

BASE_PT = 13  # readable from the back of a classroom
PRESENTATION_PT = 19
REFRESH_MS = 16  # ≤ 60 Hz
FAST_REFRESH_MS = 28  # while training flat out: ~30 frames a second, and never more than half the time
FAST_SPEED = 60  # rows/s above which training counts as "fast" for painting
BUILD_VIEWS_AFTER_MS = 300  # the views behind tabs are built this long after the window shows
READ_HZ = 8  # while fast, numbers (table, inspector, status) change at most this often: readable
FAST_VIEW_HZ = {"networkCanvas": 15}  # while fast, views repaint at most this often (others READ_HZ);
# the loss plot repaints on every frame
STATUS_EVERY = 0.25  # seconds between rows/s updates (steadier to read)
DEFAULT_DATASET = {"regression": "students-regression", "classification": "students-classification"}
LOSS_LABEL = {"se": "loss (y − ŷ)²", "half-se": "loss ½(y − ŷ)²", "bce": "loss (cross-entropy)"}

# objectName: (module, preferred class, tab title, area). Views written in parallel: a missing
# module becomes a placeholder (canvas, inspector) or no tab at all.
VIEWS: dict[str, tuple[str, str, str, str]] = {
    "networkCanvas": ("gui.canvas.widget", "NetworkCanvas", "Network", "centre"),
    "raceView": ("gui.plots.race", "RaceView", "Learning-rate race", "centre"),
    "landscapeView": ("gui.plots.landscape", "LandscapeView", "Loss landscape", "centre"),
    "boundaryView": ("gui.plots.boundary", "BoundaryView", "Decision boundary", "centre"),
    "paramInspector": ("gui.panels.inspector", "ParamInspector", "Parameters", "side"),
    "derivationPanel": ("gui.panels.derivation", "DerivationPanel", "Why this number?", "side"),
    "homeworkPanel": ("gui.panels.homework", "HomeworkPanel", "Check my homework", "side"),
    "gradCheckView": ("gui.panels.gradcheck", "GradCheckView", "Gradient check", "side"),
    "lessonPanel": ("gui.panels.lesson", "LessonPanel", "Lesson", "left"),
}
REQUIRED_VIEWS = ("networkCanvas", "paramInspector")


def _view_class(module_name: str, preferred: str):
    """The view class of a module: `preferred`, else the one QWidget subclass with show_record."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if exc.name != module_name:
            raise  # the module exists but is broken: say so loudly
        return None
    cls = getattr(module, preferred, None)
    if cls is None:
        for obj in vars(module).values():
            if (inspect.isclass(obj) and obj.__module__ == module.__name__ and issubclass(obj, QWidget)
                    and hasattr(obj, "show_record")):
                cls = obj
                break
    return cls


def _empty_plot_scenes(window_ref) -> None:
    """At interpreter exit, before Python is torn down: empty the plots' graphics scenes.

    A window still alive at exit is otherwise destroyed during finalization, and the
    destruction of pyqtgraph's items calls their Python overrides when Python is half gone,
    which crashed the process about one exit in three here (PySide6 6.11, offscreen)."""
    window = window_ref()
    if window is not None and shiboken6.isValid(window):
        for view in window.findChildren(pg.GraphicsView):
            view.scene().clear()


def spec_for(task: str, dataset: Dataset) -> NetworkSpec:
    """The task's preset network, with as many inputs and outputs as the table has columns."""
    base = preset(task)
    sizes = (dataset.n_inputs, *base.sizes[1:-1], dataset.n_outputs)
    return NetworkSpec(sizes, base.activations, base.loss)


def task_of_builtin(name: str) -> str:
    return "classification" if "classification" in name else "regression"


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Backprop Studio")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.trainer = Trainer(self)
        self.trainer.trainingFinished.connect(self._on_finished)
        self._last_read = 0.0
        self._closing = False
        self._gated = False
        self._task = "regression"
        self._dataset_key = DEFAULT_DATASET["regression"]
        self._dataset: Dataset | None = None
        self._csv: dict[str, Dataset] = {}  # key 'csv:<path>' -> loaded table
        self._painted = -1
        self._view_versions: dict[str, int] = {}
        self._view_painted_at: dict[str, float] = {}
        self._selected: str | None = None
        self._selecting = False
        self._presentation = False
        self._last_status = 0.0
        self._frames = 0  # refreshes that painted something (bench reads it)
        self.views: dict[str, QWidget] = {}
        self._pending: dict[str, QWidget] = {}  # views not built yet: name -> their tab's host
        self._build_later = QTimer(self)
        self._build_later.setObjectName("buildViewsTimer")
        self._build_later.setSingleShot(True)
        self._build_later.setInterval(BUILD_VIEWS_AFTER_MS)
        self._build_later.timeout.connect(self.build_all_views)
        self._ready = False  # no painting until everything exists
        self.preview = None  # a row shown before it is trained (step-through, hand edits)

        self._build_ui()
        self.actions = build_actions(self, {
            "open_csv": self.open_csv, "quit": self.close, "play": self.toggle_play, "step": self.step,
            "step_epoch": self.step_epoch, "step_back": self.step_back, "reset": self.reset,
            "eta_small": lambda: self.setup.eta.setValue(0.01), "eta_medium": lambda: self.setup.eta.setValue(0.1),
            "eta_large": lambda: self.setup.eta.setValue(1.0), "log_scale": self.set_log_scale,
            "fit_plot": self.plot.fit, "presentation": self.set_presentation,
        })
        build_menus(self.menuBar(), self.actions)
        self.log_check.toggled.connect(self.actions["log_scale"].setChecked)
        self.actions["log_scale"].toggled.connect(self.log_check.setChecked)
        self.present_button.toggled.connect(self.actions["presentation"].setChecked)
        self.actions["presentation"].toggled.connect(self.present_button.setChecked)
        self._escape = QShortcut(QKeySequence(Qt.Key_Escape), self, self._leave_presentation)
        self._connect()
        # Do not let every relayout resize the window's minimum (it would also warn
        # "propagateSizeHints" on platforms such as offscreen).
        self.layout().setSizeConstraint(QLayout.SetNoConstraint)
        self._apply_font(BASE_PT)
        self.resize(1600, 1000)

        self._timer = QTimer(self)
        self._timer.setObjectName("refreshTimer")
        self._timer.setSingleShot(True)  # re-armed after each frame (see refresh)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.refresh)
        self._ready = True
        self._load(self._task, self._dataset_key)
        self._timer.start(REFRESH_MS)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._quitting)
        atexit.register(_empty_plot_scenes, weakref.ref(self))
        self.teaching = Teaching(self)

    # ---- building ---------------------------------------------------------------------------
    def _make_view(self, name: str, parent: QWidget | None = None) -> QWidget | None:
        module, cls_name, title, _ = VIEWS[name]
        try:
            cls = _view_class(module, cls_name)
            view = None if cls is None else cls(parent or self)
        except Exception as exc:  # an optional teaching view must not take the whole window down
            if name in REQUIRED_VIEWS:
                raise
            sys.stderr.write(f"backprop-studio: the {title!r} view is unavailable: {exc!r}\n")
            return None
        if view is None:
            if name not in REQUIRED_VIEWS:
                return None
            view = QLabel(f"{title}\n(not available in this build)")
            view.setAlignment(Qt.AlignCenter)
            view.setStyleSheet(f"color: {colors.MUTED};")
            view.setObjectName(name)
            return view
        if not view.objectName():
            view.setObjectName(name)
        self.views[name] = view
        if hasattr(view, "parameterSelected"):
            view.parameterSelected.connect(self.select_parameter)
        return view

    def _tabs(self, name: str, area: str, build_first: bool = True) -> QTabWidget:
        """A tab per view of `area`. The first is built now; the others (hidden behind their
        tabs) are built when first shown or shortly after the window first paints: that keeps
        several plot widgets out of the cold start."""
        tabs = QTabWidget()
        tabs.setObjectName(name)
        tabs.setDocumentMode(True)
        for view_name, (module, _, title, where) in VIEWS.items():
            if where != area:
                continue
            if (build_first and tabs.count() == 0) or view_name in REQUIRED_VIEWS:
                view = self._make_view(view_name)
                if view is not None:
                    tabs.addTab(view, title)
            elif importlib.util.find_spec(module) is not None:
                host = QWidget()
                host.setObjectName(f"{view_name}Host")
                QVBoxLayout(host).setContentsMargins(0, 0, 0, 0)
                self._pending[view_name] = host
                tabs.addTab(host, title)
        tabs.currentChanged.connect(lambda index, t=tabs: self._tab_shown(t, index))
        return tabs

    def _tab_shown(self, tabs: QTabWidget, index: int) -> None:
        if self.isVisible():  # tabs shuffled while the window is being built stay lazy
            self._build_current(tabs)
        self.refresh(force=True)

    def _build_current(self, tabs: QTabWidget) -> None:
        host = tabs.currentWidget()
        for name, pending in list(self._pending.items()):
            if pending is host:
                self.view(name)

    def view(self, name: str) -> QWidget | None:
        """The view with this objectName (built now if it was still waiting), or None."""
        if name in self._pending and self._ready:
            host = self._pending.pop(name)
            view = self._make_view(name, host)
            if view is None:
                return None
            host.layout().addWidget(view)
            tl = self.trainer.timeline
            if tl is not None and hasattr(view, "set_network"):
                view.set_network(tl.spec, self._dataset.input_names)
            if self._selected is not None and hasattr(view, "select_parameter"):
                view.select_parameter(self._selected)
            if hasattr(view, "set_font_scale"):
                view.set_font_scale(self.font().pointSize() / BASE_PT)
            snap = self.trainer.snapshot()
            if snap is not None and hasattr(view, "show_record"):
                view.show_record(self._record_to_show(snap), snap.params)
                self._view_versions[name] = snap.version
        return self.views.get(name)

    def build_all_views(self) -> None:
        """Build every view still waiting behind a tab."""
        for name in list(self._pending):
            self.view(name)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        for tabs in (self.left_tabs, self.centre_tabs, self.side_tabs):
            self._build_current(tabs)  # a tab on show is never an empty page
        super().showEvent(event)
        if self._pending and not self._build_later.isActive():
            self._build_later.start()

    def _build_ui(self) -> None:
        # Left: setup (and the lesson, when there is one).
        self.setup = SetupPanel()
        scroll = QScrollArea()
        scroll.setObjectName("setupScroll")
        scroll.setWidget(self.setup)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.left_tabs = self._tabs("leftTabs", "left", build_first=False)  # Setup comes first
        self.left_tabs.insertTab(0, scroll, "Setup")
        self.left_tabs.setCurrentIndex(0)
        self.left_tabs.setMinimumWidth(300)

        # Centre: transport bar, divergence banner, the network (and the issue-4 views).
        self.transport = TransportBar()
        self.banner = QLabel()
        self.banner.setObjectName("divergenceBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.RichText)
        self.banner.setStyleSheet(
            f"QLabel#divergenceBanner {{ background: {colors.WARN_FILL}; color: {colors.INK};"
            f" border: 2px solid {colors.VERMILLION}; border-radius: 6px; padding: 8px 12px; }}")
        self.banner.hide()
        self.centre_tabs = self._tabs("centreTabs", "centre")

        # Bottom: the loss plot (with its two toggles) beside the data table.
        self.plot = LossPlot()
        self.log_check = QCheckBox("log scale")
        self.log_check.setObjectName("logScaleCheck")
        self.log_check.setToolTip("logarithmic loss axis (Ctrl+L)")
        self.fit_button = QPushButton("Fit")
        self.fit_button.setObjectName("plotFitButton")
        self.fit_button.setToolTip("follow the data again after zooming or panning the plot (Ctrl+F)")
        plot_title = QLabel("Loss while training")
        plot_title.setObjectName("plotTitle")
        plot_bar = QHBoxLayout()
        plot_bar.setContentsMargins(4, 0, 4, 0)
        plot_bar.addWidget(plot_title)
        plot_bar.addStretch(1)
        plot_bar.addWidget(self.log_check)
        plot_bar.addWidget(self.fit_button)
        plot_box = QWidget()
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        plot_layout.addLayout(plot_bar)
        plot_layout.addWidget(self.plot, 1)

        self.table = DataTable()
        self.table_title = QLabel("Training rows")
        self.table_title.setObjectName("tableTitle")
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table_title)
        table_layout.addWidget(self.table, 1)

        bottom = QSplitter(Qt.Horizontal)
        bottom.setObjectName("bottomSplitter")
        bottom.addWidget(plot_box)
        bottom.addWidget(table_box)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        bottom.setSizes([900, 700])

        # Top row: setup | network | numbers. Bottom row, full width: loss plot | data table.
        self.side_tabs = self._tabs("sideTabs", "side")
        self.side_tabs.setMinimumWidth(380)
        top = QSplitter(Qt.Horizontal)
        top.setObjectName("topSplitter")
        top.addWidget(self.left_tabs)
        top.addWidget(self.centre_tabs)
        top.addWidget(self.side_tabs)
        top.setStretchFactor(0, 0)
        top.setStretchFactor(1, 1)
        top.setStretchFactor(2, 0)
        top.setSizes([350, 780, 470])
        main = QSplitter(Qt.Vertical)
        main.setObjectName("mainSplitter")
        main.addWidget(top)
        main.addWidget(bottom)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([600, 330])
        central = QWidget()
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.transport)
        layout.addWidget(self.banner)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

        # Status bar: epoch, row, loss, rows/s, and the presentation toggle.
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.status_epoch = self._status_label("statusEpoch", "epoch —")
        self.status_row = self._status_label("statusRow", "row —")
        self.status_loss = self._status_label("statusLoss", "loss —")
        self.status_rate = self._status_label("statusRate", "0 rows/s")
        for label in (self.status_epoch, self.status_row, self.status_loss, self.status_rate):
            bar.addPermanentWidget(label)
        self.present_button = QPushButton("Presentation mode")
        self.present_button.setObjectName("presentationButton")
        self.present_button.setCheckable(True)
        self.present_button.setToolTip("bigger fonts and full screen, for projecting (F5; Esc leaves)")
        self.present_button.setFocusPolicy(Qt.TabFocus)
        bar.addPermanentWidget(self.present_button)

    def _status_label(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setContentsMargins(10, 0, 10, 0)
        label.setAutoFillBackground(True)  # opaque: a new number repaints the label, not the bar
        return label

    def _connect(self) -> None:
        s, t = self.setup, self.transport
        s.taskChanged.connect(self.set_task)
        s.datasetChanged.connect(self.set_dataset)
        s.openCsvRequested.connect(self.open_csv)
        s.etaChanged.connect(self.trainer.set_eta)
        s.epochsChanged.connect(self.trainer.set_run_epochs)
        s.setupChanged.connect(self._setup_changed)
        t.play.clicked.connect(self.toggle_play)
        t.step.clicked.connect(self.step)
        t.step_epoch.clicked.connect(self.step_epoch)
        t.step_back.clicked.connect(self.step_back)
        t.reset.clicked.connect(self.reset)
        t.speedChanged.connect(self.trainer.set_speed)
        self.trainer.set_speed(t.speed_value())
        self.trainer.set_eta(s.eta.value())
        self.fit_button.clicked.connect(self.plot.fit)

    # ---- data and network ------------------------------------------------------------------------
    def _dataset_items(self) -> list[tuple[str, str]]:
        items = [(name, name) for name in BUILTINS if task_of_builtin(name) == self._task]
        items += [(key, Path(key[4:]).name) for key in self._csv]
        return items

    def _get_dataset(self, key: str) -> Dataset:
        if key in self._csv:
            return self._csv[key]
        return datamod.load_builtin(key)

    def _load(self, task: str, key: str, dataset: Dataset | None = None) -> bool:
        """Switch to this task and table; on any problem say why and keep what was there."""
        try:
            dataset = dataset if dataset is not None else self._get_dataset(key)
            spec = spec_for(task, dataset)
            if spec.loss_fn.needs_binary_targets:
                datamod.check_binary_targets(dataset)
            self.trainer.configure(spec, dataset.X, dataset.Y, eta=self.setup.eta.value(), **self.setup.settings())
        except (CsvError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot use this table", str(exc))
            return False
        self._task, self._dataset_key, self._dataset = task, key, dataset
        self.setup.task.blockSignals(True)
        self.setup.task.setCurrentIndex(max(0, self.setup.task.findData(task)))
        self.setup.task.blockSignals(False)
        self.setup.set_datasets(self._dataset_items(), key)
        self._network_changed()
        return True

    def _network_changed(self) -> None:
        """After configure/reset: tell every view about the (maybe new) network and table."""
        tl = self.trainer.timeline
        ds = self._dataset
        spec = tl.spec
        for view in self.views.values():
            if hasattr(view, "set_network"):
                view.set_network(spec, ds.input_names)
        scaled = tl.X if tl.scaling == "standard" else None
        notes = [f"(mean {fmt(m, 4)}, deviation {fmt(s, 4)})" for m, s in zip(tl.scaler.mean, tl.scaler.std)]
        self.table.set_table(ds.input_names, ds.target_names, ds.X, ds.Y, X_net=scaled, scale_note=notes)
        self.table_title.setText(f"Training rows: {ds.name} ({ds.n_rows} rows)")
        self.plot.set_table(tl.n_rows, LOSS_LABEL.get(spec.loss, "loss"))
        if self._selected is None or self._selected not in spec.param_index:
            self._selected = None
            self.select_parameter(spec.param_names[0])
        else:
            self.select_parameter(self._selected)
        self.banner.hide()
        self.refresh(force=True)

    def set_task(self, task: str) -> None:
        if task == self._task:
            return
        key = self._dataset_key
        if key in BUILTINS and task_of_builtin(key) != task:
            key = DEFAULT_DATASET[task]
        if not self._load(task, key):
            self._load(task, DEFAULT_DATASET[task])
        self.statusBar().showMessage(f"Task: {task} — {self.trainer.spec.describe()}", 5000)

    def set_dataset(self, key: str) -> None:
        if key and key != self._dataset_key and not self._load(self._task, key):
            self.setup.set_datasets(self._dataset_items(), self._dataset_key)

    def open_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a CSV table", str(Path.home()),
                                              "CSV tables (*.csv);;All files (*)")
        if not path:
            return
        try:
            dataset = datamod.load_csv(path, loss=preset(self._task).loss)
        except CsvError as exc:
            QMessageBox.warning(self, "Cannot open this table", str(exc))
            return
        key = f"csv:{path}"
        self._csv[key] = dataset
        if not self._load(self._task, key, dataset):
            del self._csv[key]
            self.setup.set_datasets(self._dataset_items(), self._dataset_key)
            return
        self.statusBar().showMessage(
            f"Opened {Path(path).name}: {dataset.n_rows} rows, inputs {', '.join(dataset.input_names)}, "
            f"target {', '.join(dataset.target_names)}", 8000)

    def _setup_changed(self) -> None:
        self._load(self._task, self._dataset_key, self._dataset)
        self.statusBar().showMessage("New start: training begins again from Step 0", 4000)

    # ---- commands -------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.trainer.running:
            self.trainer.pause()
        else:
            self.banner.hide()
            self.trainer.play(self.setup.epochs.value())
        self._sync_running()

    def step(self) -> None:
        self.trainer.step()
        self.refresh(force=True)

    def step_epoch(self) -> None:
        self.trainer.step_epoch()
        self._sync_running()

    def step_back(self) -> None:
        self.trainer.step_back()
        self.refresh(force=True)

    def reset(self) -> None:
        self.trainer.reset()
        self.plot.clear_history()
        self.banner.hide()
        self.refresh(force=True)
        self.statusBar().showMessage("Reset: the same starting parameters, history cleared", 4000)

    def set_log_scale(self, on: bool) -> None:
        self.plot.set_log(on)

    def select_parameter(self, name: str) -> None:
        """Select one parameter in every view (canvas, inspector, derivation, …)."""
        if self._selecting:
            return
        self._selecting = True
        try:
            self._selected = name
            for view in self.views.values():
                if hasattr(view, "select_parameter"):
                    view.select_parameter(name)
        finally:
            self._selecting = False

    @property
    def selected_parameter(self) -> str | None:
        return self._selected

    def _on_finished(self) -> None:
        self._sync_running()
        self.refresh(force=True)

    def _sync_running(self) -> None:
        self.transport.set_running(self.trainer.running)

    # ---- presentation ---------------------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        if on == self._presentation:
            return
        self._presentation = on
        self._apply_font(PRESENTATION_PT if on else BASE_PT)
        # Projected, the network gets the room: the setup panel steps aside (the transport bar,
        # the menus and the shortcuts still drive everything).
        self.left_tabs.setVisible(not on)
        if on:
            self._normal_geometry = self.saveGeometry()
            self.showFullScreen()
        else:
            self.showNormal()
            if getattr(self, "_normal_geometry", None) is not None:
                self.restoreGeometry(self._normal_geometry)
        self.statusBar().showMessage("Presentation mode: Esc or F5 to leave" if on else "", 4000)

    def _leave_presentation(self) -> None:
        if self._presentation:
            self.actions["presentation"].setChecked(False)

    @property
    def presentation(self) -> bool:
        return self._presentation

    def _apply_font(self, points: int) -> None:
        font = QFont(self.font())
        font.setPointSize(points)
        self.setFont(font)
        self.menuBar().setFont(font)
        big = QFont(font)
        big.setPointSize(points + 2)
        big.setBold(True)
        for button in (self.transport.play, self.transport.step, self.transport.step_epoch,
                       self.transport.step_back, self.transport.reset):
            button.setFont(big)
            button.setMinimumHeight(int(big.pointSize() * 2.6))
        self.transport.fit_to_font()
        title = QFont(font)
        title.setBold(True)
        for label in self.findChildren(QLabel, "plotTitle") + [self.table_title]:
            label.setFont(title)
        self.banner.setFont(big)
        self.plot.set_font_size(points - 1)
        # Room for the widest text each status label shows: a new number never relayouts the bar.
        for label, widest in ((self.status_epoch, "epoch 8888"),
                              (self.status_row, "row 88 of 88 · 888 888 rows"),
                              (self.status_loss, "loss 0.888888 · epoch mean 0.888888"),
                              (self.status_rate, "88 888 rows/s")):
            label.setFixedWidth(QFontMetrics(font).horizontalAdvance(widest) + 24)
            label.setFixedHeight(QFontMetrics(font).height() + 6)  # fixed both ways: no relayouts
        # The setup panel never scrolls sideways: give it the width its form needs.
        self.left_tabs.setMinimumWidth(max(300, self.setup.minimumSizeHint().width() + 24))
        scale = points / BASE_PT
        for view in self.views.values():
            if hasattr(view, "set_font_scale"):
                view.set_font_scale(scale)

    # ---- painting the latest state ------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Paint the trainer's latest state. The refresh timer calls this at ≤ 60 Hz; `force`
        paints everything visible at once (after a command)."""
        if not self._ready:
            return
        next_ms = REFRESH_MS
        try:
            took = self._paint_latest(force)
            if took is not None:  # painted with the worker held: give it at least as long again
                next_ms = max(1, round(max(FAST_REFRESH_MS - took * 1000, took * 1000)))
        finally:
            if not self._closing and (not force or not self._timer.isActive()):
                self._timer.start(next_ms)

    def _paint_latest(self, force: bool) -> float | None:
        """Returns how long the frame took when it was painted with the worker held."""
        now = time.perf_counter()
        if force or now - self._last_status >= STATUS_EVERY:
            self._last_status = now
            rate = self.trainer.rows_per_second()
            self._status(self.status_rate, f"{rate:,.0f} rows/s".replace(",", "\u2009"))
        snap = self.trainer.snapshot()
        if snap is None:
            return None
        fast = snap.running and (self.trainer.speed is None or self.trainer.speed > FAST_SPEED)
        read_now = force or not fast or now - self._last_read >= 1.0 / READ_HZ
        stale = [name for name, view in self.views.items()
                 if self._view_versions.get(name) != snap.version and hasattr(view, "show_record")
                 and view.isVisibleTo(self)
                 and (not fast or force
                      or now - self._view_painted_at.get(name, 0.0) >= 1.0 / FAST_VIEW_HZ.get(name, READ_HZ))]
        if not force and snap.version == self._painted and not stale:
            return None
        self._gate_views(fast, set(stale) if fast and not force else None)
        held = snap.running
        if held:
            # Paint this frame with the worker parked: when both threads want the GIL, every
            # Qt call from Python waits a switch interval and a frame takes several times longer.
            self.trainer.hold()
        try:
            self._painted = snap.version
            self._frames += 1
            self.plot.show_state(snap, force=force or not snap.running)
            if read_now:
                self._last_read = now
                speed = self.trainer.speed
                self.table.show_state(snap, scroll=not snap.running or (speed is not None and speed <= 20))
                self._show_status(snap)
            for name in stale if not force else self.views:
                view = self.views[name]
                if force and not (hasattr(view, "show_record") and view.isVisibleTo(self)):
                    continue
                view.show_record(self._record_to_show(snap), snap.params)
                self._view_versions[name] = snap.version
                self._view_painted_at[name] = now
            if self.transport.running != snap.running:
                self.transport.set_running(snap.running)
            if held:
                # Paint now, while the worker waits (widgets paint from posted UpdateRequests).
                QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
        finally:
            if held:
                self.trainer.release()
                if self._gated and self.trainer.running:
                    for view in self.views.values():
                        view.setUpdatesEnabled(False)
        return time.perf_counter() - now if held else None

    def _record_to_show(self, snap):
        """The row the views explain: the step-through / edit preview if any, else the latest row."""
        return self.preview if self.preview is not None else snap.record

    def _gate_views(self, fast: bool, due: set[str] | None) -> None:
        """While training flat out, views paint only in the window's frames they are due in.

        A view with its own animation (the canvas's gradient glow) would otherwise repaint at
        60 Hz between frames, competing with the worker for the GIL. Re-enabling updates
        repaints the view, so it shows its latest state. due=None: every view."""
        for name, view in self.views.items():
            if not view.updatesEnabled() and (due is None or name in due):
                view.setUpdatesEnabled(True)
        self._gated = fast

    def _show_status(self, snap) -> None:
        record = snap.record
        n_rows = snap.n_rows
        if record is None:
            self._status(self.status_epoch, f"epoch {snap.epoch} (not started)")
            self._status(self.status_row, f"row — of {n_rows}")
            self._status(self.status_loss, "loss —")
        else:
            self._status(self.status_epoch, f"epoch {record.epoch}")
            self._status(self.status_row,
                         f"row {record.row + 1} of {n_rows} · {snap.steps:,} rows".replace(",", "\u2009"))
            last = snap.epoch_means[-1] if snap.epoch_means.shape[0] else None
            text = f"loss {fmt(record.loss)}"
            if last is not None:
                text += f" · epoch mean {fmt(last)}"
            self._status(self.status_loss, text)
        diverged = snap.diverged
        if diverged is not None:
            self._show_divergence(diverged)
        elif self.banner.isVisible() or not self.banner.isHidden():
            self.banner.hide()

    @staticmethod
    def _status(label: QLabel, text: str) -> None:
        """Status labels have a fixed size whose width only ever grows: Qt relayouts nothing
        when a fixed-size label changes its text, so a new number does not relayout the
        status bar (and with it the main window, animating its central widget) every frame."""
        if text == label.text():
            return
        needed = label.fontMetrics().horizontalAdvance(text) + 24
        if needed > label.width():
            label.setFixedWidth(needed + label.fontMetrics().horizontalAdvance("888"))
        label.setText(text)

    def _show_divergence(self, record) -> None:
        eta = record.eta
        loss = record.loss
        size = "grew without bound" if not math.isfinite(loss) else f"reached {fmt(loss)}"
        hints = [f"a smaller η (try {fmt(eta / 10)})"]
        if self.trainer.timeline.scaling != "standard":
            hints.append("standardised inputs (Input scaling → standardised)")
        self.banner.setText(
            f"<b>Training diverged</b> at epoch {record.epoch}, row {record.row + 1}, with η = {fmt(eta)}: "
            f"the loss {size}. The last finite parameters (from before that row) are kept. "
            f"What to try: {' or '.join(hints)}, then press Reset.")
        self.banner.show()
        self.statusBar().showMessage(f"Diverged at epoch {record.epoch}, row {record.row + 1} (η = {fmt(eta)})")

    # ---- closing ----------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._closing = True
        self._timer.stop()
        self._build_later.stop()
        self.teaching.stop()
        self.trainer.shutdown()
        super().closeEvent(event)

    def _quitting(self) -> None:
        """The application is quitting, perhaps with this window still open: stop the worker."""
        self._closing = True
        self._timer.stop()
        self._build_later.stop()
        self.teaching.stop()
        self.trainer.shutdown()
