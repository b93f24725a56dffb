"""Carries out the guided lesson: each step's set-up becomes the application state.

A step is a state, not a list of clicks: the lesson (engine.lesson) gives the whole set-up
a step describes, so Back restores exactly what that step showed, task and data included.
Starting the lesson keeps the user's own run aside (nothing is discarded) and "Leave the
lesson" brings it back as it was.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from gui.controller import SetupError

# lesson "tab" names → the objectName of the view to bring to the front
TAB_OF = {"derivation": "derivationPanel", "race": "raceView", "landscape": "landscapeView",
          "boundary": "boundaryView", "gradcheck": "gradCheckView", "network": "networkCanvas",
          "homework": "homeworkPanel", "parameters": "paramInspector", "loss": "lossPlot", "lesson": "lessonPanel"}
PHASE_OF = {"row": "pick", "pick": "pick", "forward": "forward", "loss": "loss", "backward": "backward",
            "update": "update"}


class LessonDriver(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.state, self.controller = window.state, window.controller
        self._kept = None  # the user's own run while the lesson runs: (setup, timeline, eta, epochs)
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
        w.highlight(step.get("highlight", ()))

    def leave(self) -> None:
        """Back to the user's own run, exactly as it was when the lesson started."""
        self.window.highlight(())
        if self._kept is None:
            return
        setup, timeline, eta, epochs = self._kept
        self._kept = None
        self.state.epochs = epochs
        self.controller.adopt(setup, timeline)
        self.state.eta = eta
        self.window.statusBar().showMessage("Back to your own work, as you left it", 5000)
