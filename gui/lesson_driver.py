"""Carries out the guided lesson: each step's set-up becomes the application state.

A step is a state, not a list of clicks: the lesson (engine.lesson) gives the whole set-up
a step describes, so Back restores exactly what that step showed, task and data included.
Starting the lesson keeps the user's own run aside (nothing is discarded) and "Leave the
lesson" brings it back as it was.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFrame, QWidget

from engine.spec import preset
from gui.controller import SetupError

# lesson "tab" names → the objectName of the view to bring to the front
TAB_OF = {"derivation": "derivationPanel", "race": "raceView", "landscape": "landscapeView",
          "boundary": "boundaryView", "gradcheck": "gradCheckView", "network": "networkCanvas",
          "homework": "homeworkPanel", "parameters": "paramInspector", "loss": "lossPlot", "lesson": "lessonPanel"}
HIGHLIGHT_STYLE = "QFrame#lessonHighlight { border: 4px solid #E69F00; border-radius: 6px; background: transparent; }"
PHASE_OF = {"row": "pick", "pick": "pick", "forward": "forward", "loss": "loss", "backward": "backward",
            "update": "update"}


class LessonDriver(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.state, self.controller = window.state, window.controller
        self._kept = None  # the user's own run while the lesson runs: (setup, timeline, eta, epochs)
        self._frames: list[QFrame] = []
        self._highlighted: list[str] = []
        panel = window.lesson_panel
        panel.stepChanged.connect(self.apply)
        panel.leaveRequested.connect(self.leave)

    @property
    def keeping_users_work(self) -> bool:
        return self._kept is not None

    def apply(self, step: dict) -> None:
        s, c, w = self.state, self.controller, self.window
        if self._kept is None and s.setup is not None:
            c.pause()
            self._kept = (s.setup, c.trainer.timeline, s.eta, s.epochs)
        fields = {"task": step.get("task"), "dataset_key": step.get("dataset"), "init": step.get("init"),
                  "order": step.get("order"), "seed": step.get("seed")}
        if "standardize" in step:
            fields["scaling"] = "standard" if step["standardize"] else "none"
        fields = {k: v for k, v in fields.items() if v is not None}
        # The lesson is the tutorial's: its 2-2-1 network, per-row SGD on every row, and targets in
        # the table's own units (lpa), so every number it talks about is the tutorial's.
        base = preset(fields.get("task", s.setup.task if s.setup is not None else "regression"))
        fields.update(hidden=base.sizes[1:-1], hidden_activations=base.activations[:-1],
                      output_activation=base.activations[-1], loss=base.loss, target_scaling="none", batch=1,
                      test_fraction=0.0)
        setup = s.setup
        unchanged = (setup is not None and all(getattr(setup, k) == v for k, v in fields.items())
                     and step.get("eta", s.eta) == s.eta)
        if "eta" in step:
            s.eta = float(step["eta"])
        if "epochs" in step:
            s.epochs = int(step["epochs"])
        # A step that changes nothing keeps what the student did since the last step.
        if not unchanged or step.get("reset") or "train_rows" in step or "train_epochs" in step:
            try:
                c.change_setup(**fields)
            except SetupError as exc:
                w.statusBar().showMessage(f"This lesson step cannot be set up: {exc}", 8000)
                return
        if step.get("train_rows"):
            c.train_rows(int(step["train_rows"]))
        if step.get("train_epochs"):
            c.train_epochs(int(step["train_epochs"]))
        if "select" in step:
            s.selected = step["select"]
        phase = PHASE_OF.get(step.get("phase", ""), None)
        if phase is not None:
            layers = 1 if phase == "forward" else (0 if phase == "pick" else s.spec.n_layers)
            s.phase = (phase, layers)
        else:
            s.phase = None
        if "tab" in step:
            w.show_view(TAB_OF.get(step["tab"], step["tab"]))
        if "race_etas" in step:
            w.view("raceView").set_etas(list(step["race_etas"]))
        if "landscape" in step:
            w.view("landscapeView").set_params(*step["landscape"])
        self.highlight(step.get("highlight", ()))

    def leave(self) -> None:
        """Back to the user's own run, exactly as it was when the lesson started."""
        self.highlight(())
        if self._kept is None:
            return
        setup, timeline, eta, epochs = self._kept
        self._kept = None
        self.state.epochs = epochs
        self.controller.adopt(setup, timeline)
        self.state.eta = eta
        self.window.statusBar().showMessage("Back to your own work, as you left it", 5000)

    def forget_users_work(self) -> None:
        """The run kept aside is no longer the user's work (a session was opened over it)."""
        self._kept = None

    # ---- highlights ---------------------------------------------------------------------------
    def highlight(self, names) -> None:
        """Frame these widgets (by objectName) in orange; a widget behind a tab is brought forward first."""
        w = self.window
        for frame in self._frames:
            frame.deleteLater()
        self._frames, self._highlighted = [], []
        for name in names:
            w.show_view(name)
            target = w.view(name) or w.findChild(QWidget, name)
            if target is None or not target.isVisible():
                continue
            frame = QFrame(w, objectName="lessonHighlight")
            frame.setStyleSheet(HIGHLIGHT_STYLE)
            frame.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            top_left = target.mapTo(w, target.rect().topLeft())
            frame.setGeometry(top_left.x() - 3, top_left.y() - 3, target.width() + 6, target.height() + 6)
            frame.show()
            frame.raise_()
            self._frames.append(frame)
            self._highlighted.append(name)

    def highlighted(self) -> list[str]:
        """objectNames of the widgets framed now."""
        return list(self._highlighted)
