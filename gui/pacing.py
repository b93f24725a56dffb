"""Frame pacing while training runs: the worker trains flat out in its thread; the window
shows its latest row at a steady frame rate, never once per row.

Each frame hands the trainer's latest snapshot to the controller, which makes it the one
moment every view shows (so the canvas, the status bar and the Timeline always name the
same row). The frame is painted with the worker parked (`Trainer.hold`): with both
threads wanting the interpreter lock, every Qt call from Python would wait a switch
interval and a frame would take several times longer. The worker then gets at least as
long again as the frame took, so training keeps at least half the time.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer

FRAME_MS = 16  # ≤ 60 frames a second while rows come slowly: every row is seen
FAST_FRAME_MS = 28  # ~30 frames a second while training flat out (the loss plot)
FAST_NUMBERS_HZ = 12  # ... and numbers change at most this often then: readable, and cheaper
FAST_SPEED = 60  # rows/s above which a run counts as fast


class FramePacer(QObject):
    def __init__(self, controller):
        super().__init__(controller)
        self.controller = controller
        self.frames = 0  # frames that showed something new (the benchmark reads it)
        self._shown_version = -1
        self._numbers_at = 0.0  # when the numbers last changed
        self._timer = QTimer(self)
        self._timer.setObjectName("frameTimer")
        self._timer.setSingleShot(True)  # re-armed after each frame, from how long it took
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.frame)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start(0)

    def stop(self) -> None:
        self._timer.stop()

    def frame(self) -> None:
        trainer = self.controller.trainer
        snap = trainer.snapshot()
        if snap is None or not snap.running:
            return  # the run ended: trainingFinished publishes the final moment
        started = time.perf_counter()
        fast = trainer.speed is None or trainer.speed > FAST_SPEED
        if snap.version != self._shown_version:
            self._shown_version = snap.version
            self.frames += 1
            # Flat out, the loss plot moves every frame but the numbers only FAST_NUMBERS_HZ times a
            # second: a number changing 30 times a second cannot be read, and painting it costs rows.
            numbers = not fast or started - self._numbers_at >= 1.0 / FAST_NUMBERS_HZ
            if numbers:
                self._numbers_at = started
            trainer.hold()
            try:
                self.controller.show_frame(snap, numbers=numbers)
                # Paint now, while the worker waits (widgets paint from posted requests).
                QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
            finally:
                trainer.release()
        took_ms = (time.perf_counter() - started) * 1000
        interval = FAST_FRAME_MS if fast else FRAME_MS
        self._timer.start(max(1, round(max(interval - took_ms, took_ms))))
