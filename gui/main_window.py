"""The main window: set-up and lesson on the left, the network in the centre, the numbers on
the right, the loss plot and the table below, and a status bar that names the shown row.

The window holds one `AppState` (`window.state`), one `Trainer` (`window.trainer`) and the
`Controller` that carries out commands on it. It builds the views, each given the state,
and wires the controls to the state or the controller; it never paints numbers itself.
"""
from __future__ import annotations

import atexit
import weakref

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import playground
from engine.resources import ICON_FILE
from engine.settings import DEFAULT_DATASET
from gui import exports, preferences
from gui import help as helpdialogs
from gui.actions import PANEL_OF_ACTION, WindowKeys, build_actions, build_menus, precision_actions
from gui.canvas.widget import NetworkCanvas
from gui.controller import Controller, SetupError
from gui.data_commands import DataCommands
from gui.file_commands import FileCommands
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
from gui.presentation import Presentation, PresentationBar
from gui.room import NetworkPage, Room, opening_geometry
from gui.settings_store import SettingsStore
from gui.state import AppState
from gui.theme import current_theme, restyle_plots
from gui.trainer import Trainer
from gui.widgets.data_table import DataTable
from gui.widgets.lazy_page import LazyPage
from gui.widgets.state_view import subscribe
from gui.widgets.status import DivergenceBanner, StatusReadout
from gui.widgets.timeline_bar import TimelineBar

BUILD_VIEWS_AFTER_MS = 300  # the plots behind tabs are built this long after the window first shows
RATE_EVERY_MS = 250  # the rows/s readout changes this often (steadier to read)
SCALED_VIEWS = ("networkCanvas", "paramInspector", "derivationPanel", "homeworkPanel", "gradCheckView",
                "lessonPanel", "raceView", "landscapeView", "pictureView")
PAGE_OF = {"boundaryView": "pictureView", "fitView": "pictureView"}  # views that live inside a lazy page


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
    """The window. `MainWindow(settings=None)`: what it remembers goes to `settings` (a
    gui.settings_store.SettingsStore; by default the user's own when the application is
    Backprop Studio, else nothing is kept: see SettingsStore.for_application)."""

    def __init__(self, parent: QWidget | None = None, settings: SettingsStore | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Backprop Studio")
        if ICON_FILE.exists():
            self.setWindowIcon(QIcon(str(ICON_FILE)))
        self.settings = settings if settings is not None else SettingsStore.for_application()
        self.state = AppState()
        self.trainer = Trainer(self)
        self.controller = Controller(self.state, self.trainer, self)
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.data = DataCommands(self)
        self._closing = False
        self.shortcuts_dialog: QWidget | None = None
        self._stored_sizes: dict | None = None
        self.about_box: QWidget | None = None
        self._build_ui()
        self._build_actions()
        self._connect()
        # Do not let every relayout resize the window's minimum (it would also warn
        # "propagateSizeHints" on platforms such as offscreen).
        self.layout().setSizeConstraint(QLayout.SetNoConstraint)
        self.presentation = Presentation(self, self.room, self.presentation_bar)
        self.actions[f"panel_{self.presentation.panel}"].setChecked(True)
        self.presentation.panelChanged.connect(
            lambda key: self.actions[f"panel_{key}"].setChecked(True))
        self.lesson = LessonDriver(self)
        self.controller.change_setup(task="regression", dataset_key=DEFAULT_DATASET["regression"],
                                     scaling="standard", init="random", seed=0, order="shuffle")
        self._rate_timer = QTimer(self, objectName="rateTimer")
        self._rate_timer.setInterval(RATE_EVERY_MS)
        self._rate_timer.timeout.connect(lambda: self.status.show_rate(self.trainer.rows_per_second()))
        subscribe(self, self.state.events.history, self._running_changed)
        self._stored_sizes = preferences.remember(self)
        # The document follows the run from here on: the start-up set-up is not unsaved work.
        self.files = FileCommands(self, self.settings)
        self.files.install(self.menus["&File"], before=self.actions["quit"])
        self.keys = WindowKeys(self, self.canvas, extra_keys=("Esc", "PgUp", "PgDown"))
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

        self.transport = TransportBar(s)
        self.presentation_bar = PresentationBar()
        self.timeline = TimelineBar(s)
        self.banner = DivergenceBanner(s)
        self.canvas = NetworkCanvas(s)
        self.stepper = StepThroughPanel(s)
        self.network_page = NetworkPage(self.canvas, self.stepper)
        self.views: dict[str, QWidget] = {"networkCanvas": self.canvas, "stepThroughPanel": self.stepper}
        self.lazy_pages = {name: LazyPage(name, build) for name, build in (
            ("raceView", self._build_race), ("landscapeView", self._build_landscape),
            ("pictureView", self._build_picture))}
        self.centre_tabs = self._tabs(
            "centreTabs", (self.network_page, "Network"),
            (self.lazy_pages["raceView"], "Learning-rate race"), (self.lazy_pages["landscapeView"], "Loss landscape"),
            (self.lazy_pages["pictureView"], "Picture"))

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

        self.plot = self._view(LossPlot)
        self.log_check = QCheckBox("log scale", objectName="logScaleCheck")
        self.log_check.setToolTip("logarithmic loss axis (Ctrl+L)")
        self.fit_button = QPushButton("Fit", objectName="plotFitButton")
        self.fit_button.setToolTip("follow the data again after zooming or panning the plot (Ctrl+F)")
        self.plot_title = QLabel("Loss while training", objectName="plotTitle")
        plot_bar = QHBoxLayout()
        plot_bar.setContentsMargins(4, 0, 4, 0)
        plot_bar.addWidget(self.plot_title)
        plot_bar.addStretch(1)
        plot_bar.addWidget(self.log_check)
        plot_bar.addWidget(self.fit_button)
        self.plot_box = QWidget(objectName="lossPlotBox")
        plot_layout = QVBoxLayout(self.plot_box)
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

        self.room = Room(self.left_tabs, self.centre_tabs, self.side_tabs, self.plot_box, table_box)
        central = QWidget(objectName="central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        for widget in (self.transport, self.presentation_bar, self.timeline, self.banner):
            layout.addWidget(widget)
        layout.addWidget(self.room.stack, 1)
        self.setCentralWidget(central)

        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.status = StatusReadout(s, self)
        for label in self.status.labels:
            bar.addPermanentWidget(label)
        self.present_button = QPushButton("Presentation mode", objectName="presentationButton")
        self.present_button.setCheckable(True)
        self.present_button.setToolTip("the network and one panel, full screen, big text: for projecting "
                                       "(F5; Esc leaves)")
        self.present_button.setFocusPolicy(Qt.TabFocus)
        bar.addPermanentWidget(self.present_button)
        bar.messageChanged.connect(lambda text: self.status.give_way(bar, text, beside=(self.present_button,)))

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

    def _build_picture(self) -> QWidget:
        """What the network has learned, drawn: the decision boundary of a classifier, the fitted
        curve or surface of a regression (gui.plots.fit.PictureView shows the one that fits)."""
        from gui.plots.fit import PictureView

        view = self._scaled(self._view(PictureView))
        self.views["boundaryView"], self.views["fitView"] = view.boundary, view.fit
        return view

    def _scaled(self, view: QWidget) -> QWidget:
        view.set_font_scale(self.presentation.view_scale())
        restyle_plots(view)
        return view

    def build_all_views(self) -> None:
        for page in self.lazy_pages.values():
            page.view()

    def _build_views_in_turns(self) -> None:
        """One deferred view per turn of the event loop: a click meanwhile waits for one, not all."""
        waiting = [page for page in self.lazy_pages.values() if not page.built]
        if waiting:
            waiting[0].view()
            if len(waiting) > 1:
                QTimer.singleShot(0, self, self._build_views_in_turns)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stored_sizes and self.room.mode == self.settings.value("splitters/mode"):
            self.centralWidget().layout().activate()
            self.room.restore_sizes(self._stored_sizes)  # once laid out: the very same pixels
        self._stored_sizes = None
        if not all(page.built for page in self.lazy_pages.values()):
            QTimer.singleShot(BUILD_VIEWS_AFTER_MS, self, self._build_views_in_turns)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.presentation.window_resized()  # the text size and the room's layout follow the size

    @staticmethod
    def _tabs(name: str, *pages: tuple[QWidget, str]) -> QTabWidget:
        tabs = QTabWidget(objectName=name)
        tabs.setDocumentMode(True)
        tabs.setElideMode(Qt.TextElideMode.ElideNone)
        tabs.setUsesScrollButtons(True)
        for page, title in pages:
            tabs.addTab(page, title)
        return tabs

    def titles(self) -> list[QLabel]:
        """The bold titles over the loss plot and the table."""
        return [self.plot_title, self.table_title]

    def _build_actions(self) -> None:
        c, s, p = self.controller, self.state, lambda: self.presentation
        self.actions = build_actions(self, {
            "open_csv": self.open_csv, "edit_data": self.data.edit_data, "quit": self.close,
            "play": c.toggle_play, "step": c.step,
            "step_epoch": c.step_epoch, "step_back": c.step_back, "reset": c.reset,
            "eta_small": lambda: setattr(s, "eta", 0.01), "eta_medium": lambda: setattr(s, "eta", 0.1),
            "eta_large": lambda: setattr(s, "eta", 1.0), "log_scale": self.plot.set_log,
            "fit_plot": self.plot.fit, "zoom_in": lambda: p().zoom_in(), "zoom_out": lambda: p().zoom_out(),
            "zoom_reset": lambda: p().zoom_reset(), "theme_light": lambda: self.set_theme("light"),
            "theme_dark": lambda: self.set_theme("dark"), "presentation": self.set_presentation,
            **{name: (lambda key=key: p().set_panel(key)) for name, key in PANEL_OF_ACTION.items()},
            "restore_defaults": self.restore_defaults, "help_shortcuts": self.show_shortcuts,
            "help_lesson": self.start_lesson, "help_about": self.show_about,
        })
        undo = c.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = c.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        for name, action in (("undo", undo), ("redo", redo)):
            action.setObjectName(f"{name}Action")
            action.setStatusTip(f"{name} the last edit, reset or cut of the timeline")
            self.addAction(action)
            self.actions[name] = action
        self.precision_actions = precision_actions(self, s)
        subscribe(self, s.events.precision, lambda d: self.precision_actions[d].setChecked(True))
        self.menus = build_menus(self.menuBar(), self.actions, extra={
            "&Edit": [undo, redo], "&Numbers": list(self.precision_actions.values())})
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
        self.banner.backRequested.connect(c.scrub)
        self.banner.resetRequested.connect(c.reset)
        self.banner.scaleRequested.connect(self.scale_the_data)
        self.stepper.commitRequested.connect(c.commit_phase)
        self.stepper.backRequested.connect(c.back_phase)
        self.edit.parameterEdited.connect(c.edit)
        self.fit_button.clicked.connect(self.plot.fit)
        self.log_check.toggled.connect(self.actions["log_scale"].setChecked)
        self.actions["log_scale"].toggled.connect(self.log_check.setChecked)
        self.present_button.toggled.connect(self.actions["presentation"].setChecked)
        self.actions["presentation"].toggled.connect(self.present_button.setChecked)
        self.trainer.trainingFinished.connect(lambda: self.status.show_rate(self.trainer.rows_per_second()))

    # ---- what is remembered (gui.preferences) ------------------------------------------------------
    def place_on_screen(self, geometry=None) -> None:
        """The stored geometry, else a size that fits the screen the window is on."""
        preferences.place_on_screen(self, geometry)

    def fitting_size(self) -> QSize:
        """The size a new window opens at on this screen (its available room when the screen is small)."""
        return opening_geometry(self)[0]

    def save_layout(self) -> None:
        preferences.save_layout(self)

    def set_theme(self, name: str) -> None:
        """'light' or 'dark' (stored)."""
        preferences.set_theme(self, name)

    def theme(self) -> str:
        return current_theme()

    def restore_defaults(self) -> None:
        preferences.restore_defaults(self)

    # ---- help ------------------------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        """Help → Keyboard shortcuts: every action and its keys (not modal: try them as you read)."""
        self.shortcuts_dialog = helpdialogs.ShortcutsDialog(self.actions, self)
        self.shortcuts_dialog.show()

    def show_about(self) -> None:
        self.about_box = helpdialogs.AboutDialog(self)
        self.about_box.show()

    def start_lesson(self) -> None:
        """Help → Lesson: the lesson tab in front, at its first step."""
        self.set_presentation(False)
        self.show_view("lessonPanel")
        self.lesson_panel.start()

    # ---- set-up and data ------------------------------------------------------------------------
    def request_setup(self, changes: dict) -> bool:
        """A new set-up from the controls; a table the app cannot train says why and changes nothing."""
        changes = dict(changes)
        if "task" in changes and "dataset_key" not in changes:  # a built-in table made for the other task
            key = self.state.setup.dataset_key
            made_for = playground.TASK_OF.get(key, "classification" if "classification" in key else "regression")
            if not key.startswith("csv:") and made_for != changes["task"]:
                changes["dataset_key"] = DEFAULT_DATASET[changes["task"]]
        try:
            self.controller.change_setup(**changes)
        except SetupError as exc:
            QMessageBox.warning(self, "Cannot use this set-up", str(exc))
            return False
        self.statusBar().showMessage(
            f"New start: {self.state.spec.describe()}, training begins again from Step 0", 4000)
        return True

    def scale_the_data(self) -> bool:
        """The divergence banner's way out when the data is far off scale: standardise it."""
        changes = {"scaling": "standard"}
        if self.state.setup.task == "regression":
            changes["target_scaling"] = "standard"
        return self.request_setup(changes)

    def open_csv(self, path: str | None = None) -> bool:
        """Train on a CSV table (a file dialog and a column chooser when no path is given)."""
        return self.data.open_csv(path)

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
            view = self.lazy_pages[name].view()
        else:
            if name in PAGE_OF:
                self.presentation.catch_up(self.lazy_pages[PAGE_OF[name]].view())
            view = self.views.get(name)
        self.presentation.catch_up(view)  # a hidden view gets the zoom it missed (gui.presentation)
        return view

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

    def highlighted(self) -> list[str]:
        """objectNames of the widgets the lesson frames now."""
        return self.lesson.highlighted()

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

    # ---- sessions and exports (gui.file_commands; the work is in gui.sessions and gui.exports) -------
    def save_session(self, path) -> None:
        """Save the whole state to `path` (raises SessionError with a one-line message)."""
        self.files.document.save(path)

    def open_session(self, path) -> None:
        """Open a session file; a damaged, foreign or newer file raises SessionError and changes nothing."""
        self.files.document.open(path)
        self.lesson.forget_users_work()  # the opened run is the user's work now

    def export_view(self, object_name: str, path):
        return exports.export_view(self, object_name, path)

    def export_trace(self, path):
        return exports.export_trace(self, path)

    def export_worksheet(self, path, blanks: bool = False):
        return exports.export_worksheet(self, path, blanks)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self.files.may_close():
            event.ignore()
            return
        self.set_presentation(False)
        self.save_layout()
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        """Stop the frames and the training thread (the window closes or the application quits)."""
        self._closing = True
        self._rate_timer.stop()
        self.controller.pacer.stop()
        self.trainer.shutdown()
