"""Pacing that keeps its word: the speed setting holds, and while playing every view names
the same row in every frame."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


@pytest.mark.parametrize("speed", [50.0, 200.0])
def test_the_speed_setting_holds_within_five_percent(qtbot, window, speed):
    times: list[float] = []
    window.trainer.rowUpdated.connect(lambda _record: times.append(time.perf_counter()), Qt.DirectConnection)
    window.state.speed = speed
    window.state.epochs = 10_000
    rows = int(speed) + 1  # about one second of rows
    window.controller.play()
    qtbot.waitUntil(lambda: len(times) >= rows, timeout=10_000)
    window.controller.pause()
    measured = (rows - 1) / (times[rows - 1] - times[0])
    assert measured == pytest.approx(speed, rel=0.05)


def test_while_playing_every_frame_names_one_row(qtbot, window):
    frames = []
    status_row = window.findChild(QWidget, "statusRow")

    def frame(shown):
        record = shown.record
        frames.append((f"row {record.row + 1} of" in status_row.text(),
                       window.timeline.slider.value() == record.step + 1,
                       all(window.canvas.shown_values()["forward"][name] == value
                           for name, value in record.forward.items() if name.startswith("O"))))

    window.state.speed = 500.0
    window.state.epochs = 1000
    window.controller.play()
    window.state.events.shown.connect(frame)
    qtbot.waitUntil(lambda: len(frames) >= 8, timeout=10_000)
    window.controller.pause()
    window.state.events.shown.disconnect(frame)
    assert all(all(checks) for checks in frames), frames
