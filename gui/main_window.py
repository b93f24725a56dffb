"""The main window: set-up and lesson on the left, the network in the centre, the numbers on
the right, the loss plot and the table below, and a status bar that names the shown row.

The window holds one `AppState` (`window.state`), one `Trainer` (`window.trainer`) and the
`Controller` that carries out commands on it. It builds the views, each given the state,
and wires the controls to the state or the controller; it never paints numbers itself.
"""
from __future__ import annotations

import atexit
import weakref
from pathlib import Path

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import data as datamod
from engine.data import CsvError
from engine.notation import PRECISIONS
from engine.resources import ICON_FILE
from engine.settings import DEFAULT_DATASET
from engine.spec import preset
from gui.actions import build_actions, build_menus
from gui.canvas.widget import NetworkCanvas
from gui.controller import Controller, SetupError
from gui.lesson_driver import LessonDriver
from gui.panels.controls import SetupPanel, TransportBar
from gui.panels.derivation import DerivationPanel
from gui.panels.edit import EditPanel
from gui.panels.gradcheck import GradCheckView
from gui.panels.homework import HomeworkPanel
from gui.panels.inspector import ParamInspector
from gui.panels.lesson import LessonPanel
from gui.panels.predict import PredictPanel
from gui.panels.step_through import StepThroughPanel
from gui.plots.loss import LossPlot
from gui.presentation import BASE_PT, Presentation
from gui.state import AppState
from gui.trainer import Trainer
from gui.widgets.data_table import DataTable
from gui.widgets.lazy_page import LazyPage
from gui.widgets.state_view import subscribe
from gui.widgets.status import DivergenceBanner, StatusReadout
from gui.widgets.timeline_bar import TimelineBar

BUILD_VIEWS_AFTER_MS = 300  # the plots behind tabs are built this long after the window first shows
RATE_EVERY_MS = 250  # the rows/s readout changes this often (steadier to read)
HIGHLIGHT_STYLE = "QFrame#lessonHighlight { border: 4px solid #E69F00; border-radius: 6px; background: transparent; }"
SCALED_VIEWS = ("networkCanvas", "paramInspector", "derivationPanel", "homeworkPanel", "gradCheckView",
                "lessonPanel", "raceView", "landscapeView", "boundaryView")


def _empty_plot_scenes(window_ref) -> None:
    """At interpreter exit, before Python is torn down: empty the plots' graphics scenes.

    A window still alive at exit is otherwise destroyed during finalization, and the
    destruction of pyqtgraph's items calls their Python overrides when Python is half gone,
    which crashed the process about one exit in three here (PySide6 6.11, offscreen)."""
    window = window_ref()
    if window is not None and shiboken6.isValid(window):
        for view in window.findChildren(pg.GraphicsView):
            view.scene().clear()


def _tab_page(*widgets: QWidget, name: str) -> QWidget:
    page = QWidget(objectName=name)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    return page


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Backprop Studio")
        if ICON_FILE.exists():
            self.setWindowIcon(QIcon(str(ICON_FILE)))
        self.state = AppState()
        self.trainer = Trainer(self)
        self.controller = Controller(self.state, self.trainer, self)
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self._highlights: list[QFrame] = []
        self._highlighted: list[str] = []
        self._closing = False
        self._build_ui()
        self._build_actions()
        self._connect()
        # Do not let every relayout resize the window's minimum (it would also warn
        # "propagateSizeHints" on platforms such as offscreen).
        self.layout().setSizeConstraint(QLayout.SetNoConstraint)
        self.presentation = Presentation(self)
        self.presentation.apply_font(BASE_PT)
        self.resize(self.fitting_size())
        self.lesson = LessonDriver(self)
        self.controller.change_setup(task="regression", dataset_key=DEFAULT_DATASET["regression"],
                                     scaling="standard", init="random", seed=0, order="shuffle")
        self._rate_timer = QTimer(self, objectName="rateTimer")
        self._rate_timer.setInterval(RATE_EVERY_MS)
        self._rate_timer.timeout.connect(lambda: self.status.show_rate(self.trainer.rows_per_second()))
        subscribe(self, self.state.events.history, self._running_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._shutdown)
        atexit.register(_empty_plot_scenes, weakref.ref(self))

    # ---- building ---------------------------------------------------------------------------
    def _build_ui(self) -> None:
        s = self.state
        self.setup = SetupPanel(s)
        scroll = QScrollArea(objectName="setupScroll")
        scroll.setWidget(self.setup)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.lesson_panel = LessonPanel(s)
        self.left_tabs = self._tabs("leftTabs", (scroll, "Setup"), (self.lesson_panel, "Lesson"))
        self.left_tabs.setMinimumWidth(300)

        self.transport = TransportBar(s)
        self.timeline = TimelineBar(s)
        self.banner = DivergenceBanner(s)
        self.canvas = NetworkCanvas(s)
        self.stepper = StepThroughPanel(s)
        self.views: dict[str, QWidget] = {"networkCanvas": self.canvas, "stepThroughPanel": self.stepper}
        self.lazy_pages = {name: LazyPage(name, build) for name, build in (
            ("raceView", self._build_race), ("landscapeView", self._build_landscape),
            ("boundaryView", self._build_boundary))}
        self.centre_tabs = self._tabs(
            "centreTabs", (_tab_page(self.canvas, self.stepper, name="networkPage"), "Network"),
            (self.lazy_pages["raceView"], "Learning-rate race"), (self.lazy_pages["landscapeView"], "Loss landscape"),
            (self.lazy_pages["boundaryView"], "Decision boundary"))

        self.predict = self._view(PredictPanel)
        self.edit = self._view(EditPanel)
        predict_page = QWidget(objectName="predictEditPage")
        layout = QVBoxLayout(predict_page)
        layout.addWidget(self.predict)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.side_tabs = self._tabs(
            "sideTabs", (self._view(ParamInspector, "paramInspector"), "Parameters"),
            (self._view(DerivationPanel), "Why this number?"),
            (self._view(HomeworkPanel), "Check my homework"), (self._view(GradCheckView), "Gradient check"),
            (predict_page, "Predict & edit"))
        self.side_tabs.setMinimumWidth(380)

        self.plot = self._view(LossPlot)
        self.log_check = QCheckBox("log scale", objectName="logScaleCheck")
        self.log_check.setToolTip("logarithmic loss axis (Ctrl+L)")
        self.fit_button = QPushButton("Fit", objectName="plotFitButton")
        self.fit_button.setToolTip("follow the data again after zooming or panning the plot (Ctrl+F)")
        plot_bar = QHBoxLayout()
        plot_bar.setContentsMargins(4, 0, 4, 0)
        plot_bar.addWidget(QLabel("Loss while training", objectName="plotTitle"))
        plot_bar.addStretch(1)
        plot_bar.addWidget(self.log_check)
        plot_bar.addWidget(self.fit_button)
        plot_box = QWidget(objectName="lossPlotBox")
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        plot_layout.addLayout(plot_bar)
        plot_layout.addWidget(self.plot, 1)
        self.table = self._view(DataTable)
        self.table_title = QLabel("Training rows", objectName="tableTitle")
        subscribe(self, s.events.setup, lambda setup: self.table_title.setText(
            f"Training rows: {setup.dataset.name} ({setup.dataset.n_rows} rows)"))
        table_box = _tab_page(self.table_title, self.table, name="tableBox")
        table_box.layout().setStretch(0, 0)
        table_box.layout().setStretch(1, 1)

        bottom = self._splitter("bottomSplitter", Qt.Horizontal, (plot_box, 3, 900), (table_box, 2, 700))
        top = self._splitter("topSplitter", Qt.Horizontal, (self.left_tabs, 0, 350), (self.centre_tabs, 1, 780),
                             (self.side_tabs, 0, 470))
        main = self._splitter("mainSplitter", Qt.Vertical, (top, 3, 600), (bottom, 2, 330))
        central = QWidget(objectName="central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        for widget in (self.transport, self.timeline, self.banner):
            layout.addWidget(widget)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.status = StatusReadout(s, self)
        for label in self.status.labels:
            bar.addPermanentWidget(label)
        self.present_button = QPushButton("Presentation mode", objectName="presentationButton")
        self.present_button.setCheckable(True)
        self.present_button.setToolTip("bigger fonts and full screen, for projecting (F5; Esc leaves)")
        self.present_button.setFocusPolicy(Qt.TabFocus)
        bar.addPermanentWidget(self.present_button)

    def _view(self, cls, name: str | None = None):
        """A view of the state, known by its objectName (or `name` when its outer widget has another)."""
        view = cls(self.state)
        self.views[name or view.objectName()] = view
        return view

    # The plots behind tabs are imported and built on first use (see gui.widgets.lazy_page).
    def _build_race(self) -> QWidget:
        from gui.plots.race import RaceView

        return self._scaled(self._view(RaceView))

    def _build_landscape(self) -> QWidget:
        from gui.plots.landscape import LandscapeView

        return self._scaled(self._view(LandscapeView))

    def _build_boundary(self) -> QWidget:
        from gui.plots.boundary import BoundaryView

        return self._scaled(self._view(BoundaryView))

    def _scaled(self, view: QWidget) -> QWidget:
        view.set_font_scale(self.font().pointSize() / BASE_PT)
        return view

    def build_all_views(self) -> None:
        for page in self.lazy_pages.values():
            page.view()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not all(page.built for page in self.lazy_pages.values()):
            QTimer.singleShot(BUILD_VIEWS_AFTER_MS, self.build_all_views)

    @staticmethod
    def _tabs(name: str, *pages: tuple[QWidget, str]) -> QTabWidget:
        tabs = QTabWidget(objectName=name)
        tabs.setDocumentMode(True)
        for page, title in pages:
            tabs.addTab(page, title)
        return tabs

    @staticmethod
    def _splitter(name: str, orientation, *parts) -> QSplitter:
        splitter = QSplitter(orientation, objectName=name)
        for i, (widget, stretch, _size) in enumerate(parts):
            splitter.addWidget(widget)
            splitter.setStretchFactor(i, stretch)
        splitter.setSizes([size for _w, _s, size in parts])
        return splitter

    def _build_actions(self) -> None:
        c, s = self.controller, self.state
        self.actions = build_actions(self, {
            "open_csv": self.open_csv, "quit": self.close, "play": c.toggle_play, "step": c.step,
            "step_epoch": c.step_epoch, "step_back": c.step_back, "reset": c.reset,
            "eta_small": lambda: setattr(s, "eta", 0.01), "eta_medium": lambda: setattr(s, "eta", 0.1),
            "eta_large": lambda: setattr(s, "eta", 1.0), "log_scale": self.plot.set_log,
            "fit_plot": self.plot.fit, "presentation": self.set_presentation,
        })
        undo = c.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = c.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        for name, action in (("undo", undo), ("redo", redo)):
            action.setObjectName(f"{name}Action")
            self.addAction(action)
            self.actions[name] = action
        build_menus(self.menuBar(), self.actions)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([undo, redo])
        precision_menu = self.menuBar().addMenu("&Numbers")
        group = QActionGroup(self)
        for digits in PRECISIONS:
            action = QAction(f"{digits} significant digits", self, checkable=True,
                             objectName=f"precision{digits}Action")
            action.setChecked(digits == s.precision)
            action.triggered.connect(lambda _=False, d=digits: setattr(s, "precision", d))
            group.addAction(action)
            precision_menu.addAction(action)
        self._escape = QShortcut(QKeySequence(Qt.Key_Escape), self, lambda: self.set_presentation(False))

    def _connect(self) -> None:
        c = self.controller
        t = self.transport
        self.setup.setupRequested.connect(self.request_setup)
        self.setup.openCsvRequested.connect(self.open_csv)
        t.play.clicked.connect(c.toggle_play)
        t.step.clicked.connect(c.step)
        t.step_epoch.clicked.connect(c.step_epoch)
        t.step_back.clicked.connect(c.step_back)
        t.reset.clicked.connect(c.reset)
        self.timeline.scrubbed.connect(c.scrub)
        self.stepper.commitRequested.connect(c.commit_phase)
        self.stepper.backRequested.connect(c.back_phase)
        self.edit.parameterEdited.connect(c.edit)
        self.fit_button.clicked.connect(self.plot.fit)
        self.log_check.toggled.connect(self.actions["log_scale"].setChecked)
        self.actions["log_scale"].toggled.connect(self.log_check.setChecked)
        self.present_button.toggled.connect(self.actions["presentation"].setChecked)
        self.actions["presentation"].toggled.connect(self.present_button.setChecked)
        self.trainer.trainingFinished.connect(lambda: self.status.show_rate(self.trainer.rows_per_second()))

    def fitting_size(self) -> QSize:
        """1600 × 1000, or less: never more than the screen's room (a 1280 × 720 projector too)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else QSize(1600, 1000)
        return QSize(min(1600, room.width()), min(1000, room.height() - 40))

    # ---- set-up and data ------------------------------------------------------------------------
    def request_setup(self, changes: dict) -> bool:
        """A new set-up from the controls; a table the app cannot train says why and changes nothing."""
        changes = dict(changes)
        if "task" in changes and "dataset_key" not in changes:
            key = self.state.setup.dataset_key
            if not key.startswith("csv:") and ("classification" in key) != (changes["task"] == "classification"):
                changes["dataset_key"] = DEFAULT_DATASET[changes["task"]]
        try:
            self.controller.change_setup(**changes)
        except SetupError as exc:
            QMessageBox.warning(self, "Cannot use this set-up", str(exc))
            return False
        self.statusBar().showMessage(
            f"New start: {self.state.spec.describe()}, training begins again from Step 0", 4000)
        return True

    def open_csv(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Open a CSV table", str(Path.home()),
                                                  "CSV tables (*.csv);;All files (*)")
            if not path:
                return False
        try:
            dataset = datamod.load_csv(path, loss=preset(self.state.setup.task).loss)
        except CsvError as exc:
            QMessageBox.warning(self, "Cannot open this table", str(exc))
            return False
        key = f"csv:{path}"
        self.state.csv_tables[key] = dataset
        if not self.request_setup({"dataset_key": key}):
            del self.state.csv_tables[key]
            return False
        self.statusBar().showMessage(
            f"Opened {Path(path).name}: {dataset.n_rows} rows, inputs {', '.join(dataset.input_names)}, "
            f"target {', '.join(dataset.target_names)}", 8000)
        return True

    # ---- selection, tabs, highlights ---------------------------------------------------------------
    def select_parameter(self, name: str) -> None:
        """Select one parameter in every view (canvas, inspector, derivation, …)."""
        self.state.selected = name

    @property
    def selected_parameter(self) -> str | None:
        return self.state.selected

    def view(self, name: str) -> QWidget | None:
        """The view with this objectName (built now if it was still waiting behind its tab)."""
        if name in self.lazy_pages:
            return self.lazy_pages[name].view()
        return self.views.get(name)

    def show_view(self, name: str) -> None:
        """Bring the tab holding this view (by objectName) to the front."""
        target = self.view(name) or self.findChild(QWidget, name)
        widget = target
        while widget is not None and widget is not self:
            parent = widget.parentWidget()
            if isinstance(parent, QTabWidget) or (parent is not None and isinstance(parent.parentWidget(), QTabWidget)):
                tabs = parent if isinstance(parent, QTabWidget) else parent.parentWidget()
                for i in range(tabs.count()):
                    if tabs.widget(i) is widget or tabs.widget(i).isAncestorOf(widget):
                        tabs.setCurrentIndex(i)
            widget = parent

    def highlight(self, names) -> None:
        """Frame these widgets (by objectName) in orange; a widget behind a tab is brought forward first."""
        for frame in self._highlights:
            frame.deleteLater()
        self._highlights = []
        self._highlighted = []
        for name in names:
            self.show_view(name)
            target = self.view(name) or self.findChild(QWidget, name)
            if target is None or not target.isVisible():
                continue
            frame = QFrame(self, objectName="lessonHighlight")
            frame.setStyleSheet(HIGHLIGHT_STYLE)
            frame.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            top_left = target.mapTo(self, target.rect().topLeft())
            frame.setGeometry(top_left.x() - 3, top_left.y() - 3, target.width() + 6, target.height() + 6)
            frame.show()
            frame.raise_()
            self._highlights.append(frame)
            self._highlighted.append(name)

    def highlighted(self) -> list[str]:
        """objectNames of the widgets the lesson frames now."""
        return list(self._highlighted)

    # ---- presentation ----------------------------------------------------------------------------
    def set_presentation(self, on: bool) -> None:
        self.presentation.set(on)
        if self.actions["presentation"].isChecked() != on:
            self.actions["presentation"].setChecked(on)

    def scalable_views(self) -> list[QWidget]:
        return [self.views[name] for name in SCALED_VIEWS if name in self.views]  # the rest scale when built

    # ---- running and closing ---------------------------------------------------------------------
    def _running_changed(self, history) -> None:
        running = history is not None and history.running
        if running != self._rate_timer.isActive():
            (self._rate_timer.start if running else self._rate_timer.stop)()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        """Stop the frames and the training thread (the window closes or the application quits)."""
        self._closing = True
        self._rate_timer.stop()
        self.controller.pacer.stop()
        self.trainer.shutdown()
