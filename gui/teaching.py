"""The teaching features wired into the main window: step-through, rewind timeline,
guided lesson, edit by hand, predict, and the problem the analysis views study.

It only connects widgets to the trainer and the engine; the maths is the engine's
(`Training.peek`, `predict_named`) and the state is the trainer's.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QTabWidget, QVBoxLayout, QWidget

from engine.predict import predict_named
from gui.panels.edit import EditPanel
from gui.canvas.widget import chain_path
from gui.panels.predict import PredictPanel
from gui.panels.step_through import StepThroughPanel

POLL_MS = 200  # how often the timeline and the views' problem are brought up to date
HIGHLIGHT_STYLE = "QFrame#lessonHighlight { border: 4px solid #E69F00; border-radius: 6px; background: transparent; }"
TAB_OF = {"derivation": "derivationPanel", "race": "raceView", "landscape": "landscapeView",
          "boundary": "boundaryView", "gradcheck": "gradCheckView", "network": "networkCanvas",
          "homework": "homeworkPanel", "parameters": "paramInspector"}


class Teaching(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.trainer = window.trainer
        self._problem_version: dict[str, int] = {}
        self._version = 0
        self._highlights: list[QWidget] = []
        self._syncing = False
        self._build()
        self.trainer.configured.connect(self._configured)
        self._configured()
        self._poll = QTimer(self, objectName="teachingPollTimer")
        self._poll.timeout.connect(self.poll)
        self._poll.start(POLL_MS)

    # ---- widgets ---------------------------------------------------------------------------
    def _build(self) -> None:
        w = self.window
        # Under the canvas: the step-through strip.
        canvas = w.views["networkCanvas"]
        tabs = w.centre_tabs
        index = tabs.indexOf(canvas)
        self.stepper = StepThroughPanel()
        page = QWidget(objectName="networkPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        title = tabs.tabText(index)
        tabs.removeTab(index)
        layout.addWidget(canvas, 1)
        canvas.show()  # the tab widget hid it when it was taken out
        layout.addWidget(self.stepper)
        tabs.insertTab(index, page, title)
        tabs.setCurrentIndex(index)
        self.stepper.phaseChanged.connect(self._phase_changed)
        self.stepper.commitRequested.connect(self._commit_row)
        self.stepper.backRequested.connect(self._back_row)

        # Under the transport bar: the timeline of every row trained, to rewind to any of them.
        self.history = QSlider(Qt.Orientation.Horizontal, objectName="historySlider")
        self.history.setToolTip("every row trained so far: drag back to rewind to any earlier row, "
                                "then carry on from there (the future is replaced)")
        self.history.setRange(0, 0)
        self.history_label = QLabel("row 0 of 0", objectName="historyLabel")
        # Wide enough for any count: a changing number must not relayout the window.
        self.history_label.setMinimumWidth(self.history_label.fontMetrics().horizontalAdvance("row 8 888 888 of 8 888 888") + 12)
        bar = QWidget(objectName="historyBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 0, 8, 0)
        row.addWidget(QLabel("Timeline"))
        row.addWidget(self.history, 1)
        row.addWidget(self.history_label)
        central_layout = w.centralWidget().layout()
        central_layout.insertWidget(1, bar)
        self.history.valueChanged.connect(self._history_moved)

        # A side tab: predict a new student and edit parameters by hand.
        self.predict = PredictPanel()
        self.edit = EditPanel()
        page = QWidget(objectName="predictEditPage")
        layout = QVBoxLayout(page)
        layout.addWidget(self.predict)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        w.side_tabs.addTab(page, "Predict & edit")
        self.predict.predictRequested.connect(self._predict)
        self.predict.cleared.connect(self._clear_prediction)
        self.edit.parameterEdited.connect(self._edit)

        # The lesson (built now: it must listen from the start).
        self.lesson = lesson = w.view("lessonPanel")
        self._lesson_started = False
        if lesson is not None:
            lesson.stepChanged.connect(self.apply_lesson_step)
            lesson.load()
            w.left_tabs.currentChanged.connect(self._left_tab_shown)

    def _left_tab_shown(self, index: int) -> None:
        # Opening the lesson for the first time sets the app up for its first step.
        page = self.window.left_tabs.widget(index)
        if not self._lesson_started and page is not None and page.isAncestorOf(self.lesson):
            self._lesson_started = True
            self.lesson.go_to(self.lesson.current_index)

    # ---- the network or table changed (configure, reset, rewind, edit) ------------------------
    def _configured(self) -> None:
        self._version += 1
        tl = self.trainer.timeline
        if tl is None:
            return
        ds = self.window._dataset
        self.stepper.set_network(tl.spec, ds.input_names)
        self.predict.set_inputs(ds.input_names, tl.X_raw.mean(axis=0))
        self.edit.set_names(tl.spec.param_names)
        if self.window.preview is not None and self.window.preview.step != tl.steps:
            self._leave_step_through()
        self.poll()

    def stop(self) -> None:
        self._poll.stop()

    def poll(self) -> None:
        """Keep the timeline slider and the analysis views' problem current (cheap)."""
        snap = self.trainer.snapshot()
        tl = self.trainer.timeline
        if snap is None or tl is None:
            return
        if not self.history.isSliderDown():
            self._syncing = True
            self.history.setRange(0, snap.steps)
            self.history.setValue(snap.steps)
            self._syncing = False
        self.history_label.setText(f"row {self.history.value():,} of {snap.steps:,}".replace(",", "\u2009"))
        self.edit.show_params(snap.params)
        preview = self.window.preview
        if preview is not None and (snap.running or preview.step != snap.steps):
            self._leave_step_through()  # training moved on without us
        for name, view in self.window.views.items():
            if self._problem_version.get(name) == self._version:
                continue
            self._problem_version[name] = self._version
            if hasattr(view, "set_problem"):
                view.set_problem(tl.spec, tl.X_raw, tl.Y, self.window._dataset.input_names, tl.scaler)
            if hasattr(view, "set_start"):
                view.set_start(tl.initial_theta, order=tl.order, seed=tl.seed)

    # ---- step-through ------------------------------------------------------------------------
    def _phase_changed(self, phase: str, layers: int) -> None:
        w = self.window
        self.trainer.pause()
        tl = self.trainer.timeline
        if w.preview is None or w.preview.step != tl.steps:
            w.preview = tl.training.peek()
            self.stepper.show_preview(w.preview)
        path = chain_path(tl.spec, w.selected_parameter) if phase in ("backward", "update") else ()
        w.views["networkCanvas"].set_phase(phase, path, forward_layers=layers)
        w.table.selectRow(w.preview.row)
        w.refresh(force=True)

    def _commit_row(self) -> None:
        self.window.preview = None
        self.trainer.step()
        self._start_row()

    def _start_row(self) -> None:
        w = self.window
        w.preview = self.trainer.timeline.training.peek()
        self.stepper.start_row(w.preview)

    def _back_row(self) -> None:
        w = self.window
        if self.trainer.timeline.steps == 0:
            return
        self.trainer.step_back()
        w.preview = self.trainer.timeline.training.peek()
        self.stepper.end_row(w.preview)

    def _leave_step_through(self) -> None:
        self.window.preview = None
        self.window.views["networkCanvas"].set_phase(None)
        self.stepper.leave()

    # ---- rewind --------------------------------------------------------------------------------
    def _history_moved(self, step: int) -> None:
        if self._syncing:
            return
        self._leave_step_through()
        self.trainer.rewind_to(step)
        self.window.refresh(force=True)

    # ---- predict and edit ----------------------------------------------------------------------
    def _predict(self, x_raw: list) -> None:
        self.trainer.pause()
        tl = self.trainer.timeline
        try:
            values = predict_named(tl.network, tl.scaler, x_raw)
        except ValueError as exc:
            self.predict.show_result(None, str(exc))
            return
        self.window.views["networkCanvas"].show_prediction(tl.scaler.transform(x_raw), values)
        self.window.centre_tabs.setCurrentIndex(0)
        self.predict.show_result(values)

    def _clear_prediction(self) -> None:
        self.window.views["networkCanvas"].clear_prediction()

    def _edit(self, name: str, value: float) -> None:
        try:
            self.trainer.set_parameter(name, value)
        except (KeyError, ValueError) as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        # Show the next row's forward pass, loss and gradients at the edited values.
        self.window.preview = self.trainer.timeline.training.peek()
        self.window.select_parameter(name)
        self.window.refresh(force=True)

    # ---- the guided lesson ----------------------------------------------------------------------
    def apply_lesson_step(self, setup: dict) -> None:
        """Carry out a lesson step's declarative setup (keys in resources/lesson/lesson.json)."""
        w, s = self.window, self.window.setup
        self.trainer.pause()
        if "task" in setup:
            w.set_task(setup["task"])
        if "dataset" in setup:
            w.set_dataset(setup["dataset"])
        settings = {"standardize": (s.scaling, lambda v: "standard" if v else "none"),
                    "init": (s.init, str), "order": (s.order, str)}
        changed = False
        for key, (combo, to_data) in settings.items():
            if key in setup:
                i = combo.findData(to_data(setup[key]))
                if i >= 0 and i != combo.currentIndex():
                    combo.blockSignals(True)
                    combo.setCurrentIndex(i)
                    combo.blockSignals(False)
                    changed = True
        if "seed" in setup and s.seed.value() != int(setup["seed"]):
            s.seed.blockSignals(True)
            s.seed.setValue(int(setup["seed"]))
            s.seed.blockSignals(False)
            changed = True
        if "eta" in setup:
            s.eta.setValue(float(setup["eta"]))
        if "epochs" in setup:
            s.epochs.setValue(int(setup["epochs"]))
        if changed:
            s.setupChanged.emit()
        elif setup.get("reset"):
            w.reset()
        if "phase" in setup:
            self._show_phase(setup["phase"])
        if "select" in setup:
            w.select_parameter(setup["select"])
        if "tab" in setup:
            self.show_tab(TAB_OF.get(setup["tab"], setup["tab"]))
        if "landscape" in setup and w.view("landscapeView") is not None:
            w.view("landscapeView").set_params(*setup["landscape"])
        if "race_etas" in setup and w.view("raceView") is not None:
            w.view("raceView").set_etas(list(setup["race_etas"]))
        self.highlight(setup.get("highlight", ()))
        w.refresh(force=True)

    def _show_phase(self, phase: str) -> None:
        self.window.preview = None
        self.stepper.go_to_phase({"row": "pick"}.get(phase, phase))

    def show_tab(self, view_name: str) -> None:
        """Bring the tab holding this view to the front (building the view if needed)."""
        view = self.window.view(view_name)
        self.poll()  # a view built just now gets the current table before anyone can press Run
        for tabs in self.window.findChildren(QTabWidget):
            for i in range(tabs.count()):
                page = tabs.widget(i)
                if view is not None and (page is view or page.isAncestorOf(view)):
                    tabs.setCurrentIndex(i)
                    return

    def highlight(self, names) -> None:
        """Frame these widgets (by objectName) in orange until the next lesson step."""
        from PySide6.QtWidgets import QFrame

        for frame in self._highlights:
            frame.deleteLater()
        self._highlights = []
        root = self.window
        for name in names:
            target = root.findChild(QWidget, name)
            if target is None or not target.isVisible():
                continue
            frame = QFrame(root, objectName="lessonHighlight")
            frame.setStyleSheet(HIGHLIGHT_STYLE)
            frame.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            top_left = target.mapTo(root, target.rect().topLeft())
            frame.setGeometry(top_left.x() - 3, top_left.y() - 3, target.width() + 6, target.height() + 6)
            frame.show()
            frame.raise_()
            self._highlights.append(frame)
