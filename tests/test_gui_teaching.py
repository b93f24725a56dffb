"""Teaching features in the window: step-through, rewind timeline, lesson, predict, edit by hand.

Expected numbers come from an independent headless engine run with the newcomer defaults.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QSlider, QWidget

from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.notation import fmt, parse
from engine.scaling import Standardizer
from engine.spec import preset
from engine.training import Training


def click(qtbot, window, name):
    button = window.findChild(QAbstractButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.LeftButton)


def headless(rows):
    """The window's default run, headless: inputs and targets standardised (z-scores by hand)."""
    data = load_builtin("students-regression")
    net = initialise(Network(preset("regression")), DEFAULT_SCHEME, 0)
    y = data.Y
    Y = (y - y.mean()) / np.sqrt(((y - y.mean()) ** 2).mean())
    tr = Training(net, Standardizer.fit(data.X).transform(data.X), Y, eta=0.1, order="shuffle", seed=0)
    return [tr.step() for _ in range(rows)]


def test_step_through_walks_the_phases_then_trains_exactly_that_row(qtbot, window):
    expected = headless(1)[0]
    phases = []
    window.state.events.phase.connect(phases.append)
    for _ in range(6):  # pick, forward 1, forward 2, loss, backward, update
        click(qtbot, window, "phaseNextButton")
    names = [p for p, _ in phases]
    assert names[:6] == ["pick", "forward", "forward", "loss", "backward", "update"]
    # Before the update nothing has been trained, yet every view explains that exact row.
    shown = window.state.shown
    assert window.trainer.timeline.steps == 0 and shown.kind == "preview"
    assert shown.row == expected.row and shown.record.loss == expected.loss
    assert window.canvas.shown_values()["params_after"] == dict(expected.params_after)
    panel = window.view("derivationPanel")
    assert fmt(expected.grads[window.selected_parameter]) in panel.toPlainText()
    click(qtbot, window, "phaseNextButton")  # past 'update': the row is trained for real
    assert window.trainer.timeline.steps == 1
    assert np.array_equal(window.trainer.network.theta, expected.theta_after)
    assert window.state.phase == ("pick", 0)


def test_previous_phase_before_pick_goes_back_one_row(qtbot, window):
    window.controller.step()
    window.controller.step()
    click(qtbot, window, "phaseNextButton")  # enter step-through at 'pick'
    assert window.state.phase == ("pick", 0)
    click(qtbot, window, "phasePrevButton")  # already at pick: back one row, shown at 'update'
    assert window.trainer.timeline.steps == 1
    assert window.state.phase[0] == "update"
    assert np.array_equal(window.trainer.network.theta, headless(1)[0].theta_after)


def test_history_slider_looks_back_bit_exactly_and_training_continues_from_there(qtbot, window):
    records = headless(12)
    for _ in range(12):
        click(qtbot, window, "stepButton")
    slider = window.findChild(QSlider, "historySlider")
    assert slider.maximum() == 12
    slider.setValue(5)  # looking back keeps every row
    assert window.trainer.timeline.steps == 12
    assert np.array_equal(window.state.shown.record.theta_after, records[4].theta_after)
    slider.setValue(9)  # ... and forward again
    assert np.array_equal(window.state.shown.record.theta_after, records[8].theta_after)
    slider.setValue(5)
    click(qtbot, window, "stepButton")  # continue from row 5: the same sixth row as the uninterrupted run
    assert window.trainer.timeline.steps == 6
    assert np.array_equal(window.trainer.network.theta, records[5].theta_after)
    click(qtbot, window, "stepBackButton")
    assert np.array_equal(window.trainer.network.theta, records[4].theta_after)
    window.actions["undo"].trigger()  # undo the step back
    window.actions["undo"].trigger()  # undo the cut: all twelve rows are back
    assert window.trainer.timeline.steps == 12
    assert np.array_equal(window.trainer.network.theta, records[11].theta_after)


def test_lesson_walks_every_step_forward_and_back(qtbot, window):
    lesson = window.findChild(QWidget, "lessonPanel")
    assert len(lesson.steps) >= 8
    click(qtbot, window, "lessonStartButton")
    for _ in range(len(lesson.steps) - 1):
        click(qtbot, window, "lessonNextButton")
    assert lesson.current_index == len(lesson.steps) - 1
    assert window.trainer.spec.loss == "bce"  # the classification step switched the task
    for _ in range(len(lesson.steps) - 1):
        click(qtbot, window, "lessonBackButton")
    assert lesson.current_index == 0
    # Step 0 of the tutorial: every weight 1, every bias 0.
    params = window.trainer.network.parameters()
    assert all(params[n] == (0.0 if n.startswith("b") else 1.0) for n in params)


def test_predict_shows_the_engines_forward_pass(qtbot, window):
    tl = window.trainer.timeline
    panel = window.predict
    panel.set_values([7.5, 9.0])
    click(qtbot, window, "predictButton")
    z = tl.scaler.transform(np.array([7.5, 9.0]))
    expected = tl.network.predict(z)[0]
    assert parse(panel.result.text().split("=")[1].split("<")[0]) == pytest.approx(expected, rel=1e-5)


def test_editing_a_weight_updates_the_numbers_shown(qtbot, window):
    window.state.selected = "W211"
    window.edit.value.setValue(0.75)
    window.edit.value.editingFinished.emit()
    assert window.trainer.network["W211"] == 0.75
    # Every view now explains the shown row at the edited value, with no update left over.
    shown = window.state.shown
    assert shown.kind == "idle" and shown.params["W211"] == 0.75 and shown.params_after is None
    net = Network(preset("regression"), window.trainer.network.theta)
    assert shown.record.loss == pytest.approx(net.row_loss(shown.x, shown.y), rel=1e-12)
    inspector = window.views["paramInspector"]
    assert inspector.row_text("W211")[1] == fmt(0.75)
    assert "update" not in " ".join(inspector.header_text())
