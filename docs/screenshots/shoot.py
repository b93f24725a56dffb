"""Take the README's screenshots of the real app on a virtual screen (run under Xvfb):

    xvfb-run -a -s "-screen 0 1280x720x24" python docs/screenshots/shoot.py step window-1280.png

Scenes: step (three rows trained, a fourth shown), derivation, xor-no-hidden, xor-one-hidden, spiral,
teacher-csv (a semicolon, decimal-comma table opened and trained), presentation (the loss plot
beside the network), presentation-derivation, presentation-race, dark (the step scene in the
dark theme), zoom (the step scene zoomed in twice), shortcuts and about (the Help dialogs),
show-all (a 2-8-8-8-8-1 tanh network with "Show all labels" on), landscape (the tutorial's table
after 20 epochs), landscape-big (a 1 000-point table on a 4 × 8 network: its map arrives in slices).
The window is shown as a user would see it (at the size it picks for the screen), the scene
is set up through the app's own controller, and the whole screen is grabbed with ImageMagick's `import -window root`.
Settings go to a temporary folder: the screenshots never depend on (or change) yours.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


XOR = {"dataset_key": "xor", "points": 200, "noise": 0.0}
# scene: (set-up, η, epochs) for the playground's data sets
PLAYGROUND = {
    "xor-no-hidden": ({**XOR, "hidden": (), "hidden_activations": (), "output_activation": "sigmoid",
                       "loss": "bce"}, 0.5, 100),
    "xor-one-hidden": ({**XOR, "hidden": (4,), "hidden_activations": ("tanh",), "output_activation": "sigmoid",
                        "loss": "bce"}, 0.1, 100),
    "spiral": ({"dataset_key": "spiral", "points": 500, "noise": 0.0, "hidden": (8, 8),
                "hidden_activations": ("tanh", "tanh"), "output_activation": "sigmoid", "loss": "bce",
                "test_fraction": 0.2}, 0.03, 300),
}
# A teacher's table as a spreadsheet in many countries writes it: semicolons, decimal commas.
EXAM_SCORES = """homework;midterm;final
55;61,5;58
62;58;64
70;72,5;71
74;69;77
81;84;83
85;79,5;86
88;90;91
92;88;95
67;71;69
78;80,5;80
"""


def main() -> None:
    scene, out = sys.argv[1], Path(sys.argv[2]).resolve()
    settings = tempfile.TemporaryDirectory()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings.name)
    qapp = QApplication(sys.argv[:1])
    import app

    app.style_application(qapp)
    window = app.build_window()
    window.files.ask_on_close = False  # a scene's training is not work to save: close without the question
    c, s = window.controller, window.state
    window.show()

    def set_scene():
        if scene in ("step", "dark", "zoom") or scene.startswith("presentation"):
            window.request_setup({"init": "tutorial", "scaling": "none", "target_scaling": "none"})
            s.eta = 0.0001
            c.train_rows(3)
            c.step()
        if scene == "show-all":
            window.request_setup({"hidden": (8, 8, 8, 8), "hidden_activations": ("tanh",) * 4})
            c.train_rows(2)
            c.step()
            window.canvas.set_show_all_labels(True)
        if scene in PLAYGROUND:
            changes, eta, epochs = PLAYGROUND[scene]
            window.request_setup(changes)
            s.eta = eta
            c.train_epochs(epochs)
            window.show_view("boundaryView" if "label" in s.setup.dataset.target_names else "fitView")
        if scene == "teacher-csv":
            table = Path(settings.name) / "exam-scores.csv"
            table.write_text(EXAM_SCORES, encoding="utf-8")
            window.open_csv(str(table))
            s.eta = 0.1
            c.train_epochs(60)
            window.show_view("fitView")
        if scene == "landscape":
            s.eta = 0.05
            c.train_epochs(20)
            window.show_view("landscapeView")
        if scene == "landscape-big":
            window.request_setup({"task": "classification"})
            window.request_setup({"dataset_key": "circles", "points": 1000})
            window.request_setup({"hidden": (8, 8, 8, 8), "hidden_activations": ("tanh",) * 4})
            c.train_epochs(2)
            window.show_view("landscapeView")
        if scene == "derivation":
            c.train_rows(5)
            window.show_view("derivationPanel")
        if scene == "dark":
            window.set_theme("dark")
        if scene == "zoom":
            window.presentation.zoom_in()
            window.presentation.zoom_in()
        if scene in ("shortcuts", "about"):
            window.actions[f"help_{scene}"].trigger()
        if scene.startswith("presentation"):
            panel = scene.partition("-")[2] or "loss"
            window.presentation.set_panel(panel)
            window.set_presentation(True)
        QTimer.singleShot(1500, shoot)

    def shoot():
        subprocess.run(["import", "-window", "root", str(out)], check=True)
        window.close()
        qapp.quit()

    QTimer.singleShot(800, set_scene)
    qapp.exec()
    settings.cleanup()


if __name__ == "__main__":
    main()
