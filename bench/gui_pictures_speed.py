"""How fast does the decision boundary follow training? A 500-point spiral on a 2-8-8-1 tanh net.

Everything is measured in one run, and the headline is a ratio against a baseline measured in
the same run (these machines are shared and noisy):

  baseline   a bare pyqtgraph PlotWidget of the same size whose ImageItem gets a new 161 × 161
             image each frame (setImage with fixed levels, then the widget painted): the least
             any live heat map of this grid can cost
  boundary   the BoundaryView's full frame for a new set of parameters: the probability grid
             through the network (engine.batch, in chunks), the P = 0.5 contour, the ringed
             wrong rows, the accuracy text, then the widget painted; idle (the fine 161² grid)
             and while a run trains (the 101² live grid)
  live       the view as the window drives it: a real Trainer trains the spiral flat out in its
             worker thread, a 60 Hz timer hands the view the trainer's latest snapshot with the
             trainer parked (as the window's pacer does); counted: boundary frames drawn per
             second (the view's `updated` signal) and epochs trained per second
  window     the whole window (app.build_window, 1280 × 720), the spiral playing flat out, first
             with the network tab in front, then with the Picture tab (the boundary live): epochs
             per second of each and their ratio, and boundary frames per second

    python bench/gui_pictures_speed.py [--frames N] [--seconds S]
    QT_QPA_PLATFORM=xcb xvfb-run -a python bench/gui_pictures_speed.py   # with real paints in "live"

(Offscreen, nothing paints on its own: the first two parts paint with `grab()`, the live part then
counts the redraws without their paint; under Xvfb every frame is painted as on a desktop.)
Measured on this 2-core machine under Xvfb (2026-11-30, with the 101² live grid and the redraw in the
pacer's frame): baseline 293 frames/s, boundary idle 0.22× and training 0.30× the baseline; live
20.8 boundary frames/s while training 100 epochs/s; the window 51.0 epochs/s with the boundary live
(0.93× the network tab's 54.8) and 12.0 boundary frames/s.

Targets (issue 9): the boundary ≥ 10 frames per second with 500 points while training (the
view itself redraws at most 20 times a second); training ≥ 20 epochs per second with the
boundary live. Exit status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import playground  # noqa: E402
from engine.spec import NetworkSpec  # noqa: E402

TARGET_FPS = 10.0
TARGET_EPOCHS = 20.0
SIZE = (900, 700)
SPEC = NetworkSpec((2, 8, 8, 1), ("tanh", "tanh", "sigmoid"), "bce")


def _fps(frame, frames: int) -> float:
    """Frames per second of `frame()` (median of three rounds of `frames` frames)."""
    frame()  # warm up
    rounds = []
    for _ in range(3):
        t = time.perf_counter()
        for k in range(frames):
            frame(k)
        rounds.append(frames / (time.perf_counter() - t))
    return statistics.median(rounds)


def baseline(app, frames: int, n: int) -> float:
    from gui.plots.style import apply_style

    apply_style()
    plot = pg.PlotWidget()
    plot.resize(*SIZE)
    image = pg.ImageItem()
    image.setColorMap(pg.colormap.get("cividis"))
    plot.addItem(image)
    plot.show()
    images = np.random.default_rng(0).random((8, n, n))

    def frame(k=0):
        image.setImage(images[k % 8], autoLevels=False, levels=(0.0, 1.0))
        plot.grab()  # paints now (offscreen, repaint() alone would not)

    try:
        return _fps(frame, frames)
    finally:
        plot.close()


def setup_state():
    from gui.state import AppState, Setup

    ds = playground.generate("spiral", points=500, noise=0.1, seed=0)
    state = AppState()
    state.setup = Setup("classification", "spiral", ds, SPEC, init="glorot", test_fraction=0.2)
    return state


def boundary(app, frames: int, running: bool = True) -> float:
    from engine.init import initialise
    from engine.landscape import theta_of
    from engine.network import Network
    from gui.plots.boundary import BoundaryView

    state = setup_state()
    view = BoundaryView(state)
    view.resize(*SIZE)
    view.show()
    app.processEvents()
    # Parameters that differ every frame (as during training): a seeded start, nudged.
    theta = initialise(Network(SPEC), "glorot", 0).theta
    names = SPEC.param_names
    steps = np.random.default_rng(1).normal(0, 0.05, (frames, theta.size))

    state.history = SimpleNamespace(running=running, params=dict(zip(names, theta)))  # which grid

    def frame(k=0):
        params = dict(zip(names, theta + steps[k % frames] * (k + 1)))
        view._theta = theta_of(SPEC, params)  # noqa: SLF001 (the parameters a frame brings, one redraw each)
        view.refresh_now()
        view.grab()

    try:
        return _fps(frame, frames)
    finally:
        view.close()


def live(app, seconds: float) -> tuple[float, float]:
    from gui.plots.boundary import BoundaryView
    from gui.trainer import Trainer

    state = setup_state()
    s = state.setup
    trainer = Trainer()
    trainer.configure(s.spec, s.dataset.X, s.dataset.Y, init=s.init, seed=s.seed, order=s.order, scaling=s.scaling,
                      eta=0.03, target_scaling=s.target_scaling, batch=s.batch, test_fraction=s.test_fraction)
    view = BoundaryView(state)
    view.resize(*SIZE)
    view.show()
    app.processEvents()
    frames = []
    view.updated.connect(lambda: frames.append(time.perf_counter()))
    pacer = QTimer()
    pacer.setInterval(16)

    def publish():  # what the window's pacer does each frame
        trainer.hold()
        try:
            state.history = trainer.snapshot()
            app.processEvents()
        finally:
            trainer.release()

    pacer.timeout.connect(publish)
    trainer.play(100000)
    start_steps, t0 = trainer.snapshot().steps, time.perf_counter()
    pacer.start()
    deadline = t0 + seconds
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    pacer.stop()
    elapsed = time.perf_counter() - t0
    snap = trainer.snapshot()
    epochs = (snap.steps - start_steps) / snap.n_rows / elapsed
    trainer.shutdown()
    view.close()
    return len(frames) / elapsed, epochs


def window(app, seconds: float) -> tuple[float, float, float]:
    """(epochs/s with the network in front, epochs/s with the boundary live, boundary frames/s)."""
    import tempfile

    from PySide6.QtCore import QSettings

    import app as studio

    # settings in a temporary folder: no "restore your last session?" question, yours untouched
    folder = tempfile.TemporaryDirectory()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder.name)
    w = studio.build_window()
    w.show()
    w.showNormal()
    w.resize(1280, 720)
    app.processEvents()
    w.request_setup({"dataset_key": "spiral", "points": 500, "noise": 0.1, "hidden": (8, 8),
                     "hidden_activations": ("tanh", "tanh"), "output_activation": "sigmoid", "loss": "bce",
                     "test_fraction": 0.2})
    w.state.eta, w.state.speed, w.state.epochs = 0.03, None, 100000
    frames = []
    w.view("boundaryView").updated.connect(lambda: frames.append(1))

    def run(view: str) -> float:
        w.show_view(view)
        app.processEvents()
        frames.clear()
        w.controller.play()
        t0, s0 = time.perf_counter(), w.trainer.snapshot().steps
        while time.perf_counter() - t0 < seconds:
            app.processEvents()
            time.sleep(0.001)
        snap, elapsed = w.trainer.snapshot(), time.perf_counter() - t0
        w.controller.pause()
        app.processEvents()
        return (snap.steps - s0) / snap.n_rows / elapsed

    try:
        plain = run("networkCanvas")
        live_epochs = run("boundaryView")
        fps = len(frames) / seconds
        return plain, live_epochs, fps
    finally:
        w.trainer.shutdown()
        w.hide()  # not close(): that would ask whether to discard the run
        folder.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.plots.boundary import GRID_POINTS, LIVE_GRID_POINTS

    print(f"decision boundary speed — {platform.python_version()}, {os.cpu_count()} cores, "
          f"{SIZE[0]}×{SIZE[1]} px, 500-point spiral (100 held out), {SPEC.sizes} tanh, grid {GRID_POINTS}²")
    base = baseline(app, args.frames, GRID_POINTS)
    fine = boundary(app, args.frames, running=False)
    full = boundary(app, args.frames)
    print(f"  baseline (bare ImageItem update + paint): {base:7.1f} frames/s")
    print(f"  boundary idle ({GRID_POINTS}² grid + contour + rows + paint): {fine:7.1f} frames/s  "
          f"= {fine / base:.2f}× the baseline")
    print(f"  boundary training ({LIVE_GRID_POINTS}² grid + contour + rows + paint): {full:7.1f} frames/s  "
          f"= {full / base:.2f}× the baseline")
    fps, epochs = live(app, args.seconds)
    print(f"  live while training flat out ({args.seconds:g} s): boundary {fps:.1f} frames/s, "
          f"training {epochs:.1f} epochs/s")
    plain, with_boundary, win_fps = window(app, args.seconds)
    print(f"  window 1280×720, playing flat out: {plain:.1f} epochs/s (network tab), {with_boundary:.1f} epochs/s "
          f"with the boundary live = {with_boundary / plain:.2f}×; boundary {win_fps:.1f} frames/s")
    ok = fps >= TARGET_FPS and full >= TARGET_FPS and win_fps >= TARGET_FPS and with_boundary >= TARGET_EPOCHS
    print(f"  target ≥ {TARGET_FPS:g} frames/s and ≥ {TARGET_EPOCHS:g} epochs/s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
