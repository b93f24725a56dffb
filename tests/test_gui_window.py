"""The main window as a student and a teacher use it (pytest-qt, offscreen).

Every number on screen is checked against an independent headless engine run.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QScrollBar,
    QSpinBox,
    QWidget,
)

from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.notation import fmt, fmt_full
from engine.scaling import Standardizer
from engine.spec import preset
from engine.training import Training
from gui.actions import ACTIONS
from gui.panels.controls import SPEEDS


def child(window, cls, name):
    widget = window.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def click(qtbot, window, name):
    qtbot.mouseClick(child(window, QAbstractButton, name), Qt.LeftButton)


def set_fastest(window):
    child(window, QAbstractSlider, "speedInput").setValue(len(SPEEDS) - 1)
    assert window.trainer.speed is None


def target_units(task="regression"):
    """(μ, σ) of the target column, by hand: the window standardises regression targets."""
    y = load_builtin("students-regression").Y[:, 0] if task == "regression" else None
    if y is None:
        return 0.0, 1.0
    mu = sum(y) / len(y)
    return mu, math.sqrt(sum((v - mu) ** 2 for v in y) / len(y))


def engine_run(task="regression", eta=0.1, rows=4, scaling=True, seed=0):
    """The same training, headless: the numbers the window must show (targets standardised by
    hand for regression, as the window's default does)."""
    data = load_builtin("students-regression" if task == "regression" else "students-classification")
    net = initialise(Network(preset(task)), DEFAULT_SCHEME, seed)
    X = Standardizer.fit(data.X).transform(data.X) if scaling else data.X
    mu, sigma = target_units(task)
    tr = Training(net, X, (data.Y - mu) / sigma, eta=eta, order="shuffle", seed=seed)
    return tr, [tr.step() for _ in range(rows)]


def table_row(window, row):
    window.show_view("dataTable")  # on a small screen the table is a tab behind the loss plot
    model = child(window, QWidget, "dataTable").model()
    return {model.headerData(c, Qt.Horizontal): model.data(model.index(row, c)) for c in range(model.columnCount())}


# ---- what a newcomer sees --------------------------------------------------------------------
def test_opens_ready_with_the_newcomer_defaults(window):
    assert isinstance(window, QMainWindow)
    assert window.trainer is not None and not window.trainer.running
    assert child(window, QComboBox, "taskInput").currentData() == "regression"
    assert child(window, QComboBox, "datasetInput").currentData() == "students-regression"
    eta = child(window, QDoubleSpinBox, "etaInput")
    assert eta.value() == 0.1 and window.trainer.eta == 0.1
    assert child(window, QSpinBox, "epochsInput").value() >= 1
    assert child(window, QComboBox, "initInput").currentData() == DEFAULT_SCHEME
    assert child(window, QSpinBox, "seedInput").value() == 0
    assert child(window, QComboBox, "orderInput").currentData() == "shuffle"
    assert child(window, QComboBox, "scalingInput").currentData() == "standard"
    tl = window.trainer.timeline
    assert tl.spec == preset("regression") and tl.steps == 0
    expected = initialise(Network(preset("regression")), DEFAULT_SCHEME, 0).theta
    assert np.array_equal(window.trainer.network.theta, expected)
    assert child(window, QWidget, "dataTable").model().rowCount() == 4
    for name in ("networkCanvas", "paramInspector", "speedInput", "playButton", "stepButton", "resetButton"):
        child(window, QWidget, name)
    assert isinstance(child(window, QWidget, "lossPlot"), pg.PlotWidget)


def test_every_interactive_control_has_an_object_name(window):
    mine = [window.setup, window.transport, window.statusBar(), window.log_check.parentWidget()]
    kinds = (QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractSlider)
    seen = 0
    for area in mine:
        for kind in kinds:
            for widget in area.findChildren(kind):
                if isinstance(widget, QScrollBar) or isinstance(widget.parentWidget(), kinds):
                    continue  # scroll bars and the inner parts of composite widgets
                assert widget.objectName(), f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()!r}"
                seen += 1
    assert seen >= 15


def test_step_shows_exactly_the_engines_numbers(qtbot, window):
    with qtbot.waitSignal(window.trainer.rowUpdated) as blocker:
        click(qtbot, window, "stepButton")
    record = blocker.args[0]
    _, (expected,) = engine_run(rows=1)
    assert record.row == expected.row and record.loss == expected.loss
    assert np.array_equal(record.theta_after, expected.theta_after)
    assert np.array_equal(record.gradient, expected.gradient)
    # The data table: the trained row highlighted, its prediction and loss beside it.
    row = table_row(window, expected.row)
    assert row["#"] == f"▶ {expected.row + 1}"
    mu, sigma = target_units()  # the table speaks the table's units: ŷ = μ + σ·O21, L = σ²·L'
    assert row["ŷ"] == fmt(mu + sigma * expected.y_hat[0]) and row["loss"] == fmt(sigma * (sigma * expected.loss))
    # The status bar.
    assert fmt(sigma * (sigma * expected.loss)) in child(window, QWidget, "statusLoss").text()
    assert "epoch 1" in child(window, QWidget, "statusEpoch").text()
    assert f"row {expected.row + 1} of 4" in child(window, QWidget, "statusRow").text()
    # The inspector: value, gradient and update of every parameter.
    inspector = window.views.get("paramInspector")
    if inspector is not None and hasattr(inspector, "row_text"):
        for name in expected.spec.param_names:
            cells = inspector.row_text(name)
            assert cells[0] == name
            assert cells[1:4] == [f"{fmt(expected.params_before[name])} → {fmt(expected.params_after[name])}",
                                  fmt(expected.grads[name]), fmt(expected.updates[name])]
    # The canvas: each parameter's tooltip carries the engine's full-precision numbers.
    canvas = window.views.get("networkCanvas")
    if canvas is not None and hasattr(canvas, "tooltip_for"):
        for name in expected.spec.param_names:
            tip = canvas.tooltip_for(name)
            assert fmt_full(expected.params_after[name]) in tip
            assert fmt_full(expected.grads[name]) in tip


def test_play_runs_the_epochs_and_the_plot_holds_every_row(qtbot, window):
    set_fastest(window)
    child(window, QSpinBox, "epochsInput").setValue(60)
    with qtbot.waitSignal(window.trainer.trainingFinished, timeout=30_000):
        click(qtbot, window, "playButton")
    tr, records = engine_run(rows=240)
    history = window.trainer.history()
    assert np.array_equal(history, [r.loss for r in records])
    # The plot speaks the table's units: each row's (y − ŷ)² in lpa², σ² × the network's loss.
    sigma = target_units("regression")[1]
    x, y = window.plot.rows_curve.getOriginalDataset()
    assert len(y) == 240
    np.testing.assert_allclose(y, history * sigma**2, rtol=1e-13)
    assert np.array_equal(x, np.arange(1, 241))
    ex, ey = window.plot.epoch_curve.getOriginalDataset()
    np.testing.assert_allclose(ey, np.array(tr.epoch_losses) * sigma**2, rtol=1e-13)
    assert np.array_equal(ex, 4 * np.arange(1, 61))
    assert child(window, QAbstractButton, "playButton").text().endswith("Play")
    assert "epoch 60" in child(window, QWidget, "statusEpoch").text()


def test_pause_resume_and_reset(qtbot, window):
    child(window, QAbstractSlider, "speedInput").setValue(SPEEDS.index(500))
    child(window, QSpinBox, "epochsInput").setValue(1000)
    trainer = window.trainer
    initial = trainer.network.theta.copy()
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: trainer.timeline.steps >= 10, timeout=10_000)
    assert trainer.running
    with qtbot.waitSignal(trainer.trainingFinished, timeout=2000):
        click(qtbot, window, "playButton")  # pause
    paused = trainer.timeline.steps
    qtbot.waitUntil(lambda: child(window, QAbstractButton, "playButton").text().endswith("Play"), timeout=2000)
    assert trainer.timeline.steps == paused and not trainer.running
    click(qtbot, window, "playButton")  # resume
    qtbot.waitUntil(lambda: trainer.timeline.steps >= paused + 10, timeout=10_000)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=2000):
        click(qtbot, window, "resetButton")  # reset pauses first
    assert not trainer.running
    assert np.array_equal(trainer.network.theta, initial)
    assert trainer.history().shape == (0,)
    assert len(window.plot.rows_curve.getOriginalDataset()[1] or []) == 0
    assert "not started" in child(window, QWidget, "statusEpoch").text()
    # Same seed, same run: the first rows after a reset repeat the first rows before it.
    _, records = engine_run(rows=3)
    for r in records:
        assert trainer.step().loss == r.loss


def test_eta_change_mid_run_applies_from_the_next_row(qtbot, window):
    child(window, QAbstractSlider, "speedInput").setValue(SPEEDS.index(500))
    child(window, QSpinBox, "epochsInput").setValue(1000)
    trainer = window.trainer
    etas = []
    trainer.rowUpdated.connect(lambda r: etas.append(r.eta), Qt.DirectConnection)
    click(qtbot, window, "playButton")
    qtbot.waitUntil(lambda: len(etas) >= 5, timeout=10_000)
    before = trainer.timeline.steps
    child(window, QDoubleSpinBox, "etaInput").setValue(0.02)
    changed_at = trainer.timeline.steps
    qtbot.waitUntil(lambda: len(etas) >= changed_at + 5, timeout=10_000)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=2000):
        trainer.pause()
    # Exactly one switch, at most one row after the click (the row in flight finishes with the old η).
    switch = etas.index(0.02)
    assert set(etas[:switch]) == {0.1} and set(etas[switch:]) == {0.02}
    assert before <= switch <= changed_at + 1, (before, changed_at, switch)
    assert trainer.timeline.eta_log == [(0, 0.1), (switch, 0.02)]


def test_eta_presets_and_spin_box(qtbot, window):
    for value in (0.01, 1.0, 0.1):
        qtbot.mouseClick(window.setup.eta_buttons[value], Qt.LeftButton)
        assert child(window, QDoubleSpinBox, "etaInput").value() == value
        assert window.trainer.eta == value


def test_divergence_banner_at_eta_1_on_raw_inputs(qtbot, window):
    child(window, QComboBox, "scalingInput").setCurrentIndex(
        child(window, QComboBox, "scalingInput").findData("none"))
    child(window, QDoubleSpinBox, "etaInput").setValue(1.0)
    set_fastest(window)
    with qtbot.waitSignal(window.trainer.trainingFinished, timeout=10_000):
        click(qtbot, window, "playButton")
    banner = child(window, QWidget, "divergenceBanner")
    assert banner.isVisible()
    record = window.trainer.snapshot().diverged
    text = banner.text()
    assert "diverged" in text and "η = 1" in text
    assert f"epoch {record.epoch}, row {record.row + 1}" in text
    assert "smaller η" in text and "standardised" in text and "last finite" in text
    assert np.all(np.isfinite(window.trainer.network.theta))
    assert np.array_equal(window.trainer.network.theta, record.theta_before)
    # Reset with a smaller η: the banner goes away and training works again.
    child(window, QDoubleSpinBox, "etaInput").setValue(0.001)
    click(qtbot, window, "resetButton")
    assert not banner.isVisible()
    click(qtbot, window, "stepButton")
    assert not banner.isVisible() and window.trainer.snapshot().diverged is None


def test_classification_task(qtbot, window):
    task = child(window, QComboBox, "taskInput")
    task.setCurrentIndex(task.findData("classification"))
    spec = window.trainer.spec
    assert spec.loss == "bce" and spec.activations == ("sigmoid", "sigmoid")
    assert child(window, QComboBox, "datasetInput").currentData() == "students-classification"
    with qtbot.waitSignal(window.trainer.rowUpdated) as blocker:
        click(qtbot, window, "stepButton")
    _, (expected,) = engine_run("classification", rows=1)
    assert blocker.args[0].loss == expected.loss
    assert table_row(window, expected.row)["loss"] == fmt(expected.loss)
    set_fastest(window)
    child(window, QSpinBox, "epochsInput").setValue(25)
    with qtbot.waitSignal(window.trainer.trainingFinished, timeout=20_000):
        click(qtbot, window, "playButton")
    assert window.trainer.timeline.steps == 100  # the partial first epoch counts toward the 25
    task.setCurrentIndex(task.findData("regression"))
    assert window.trainer.spec.loss == "se"
    assert child(window, QComboBox, "datasetInput").currentData() == "students-regression"


def test_a_bad_csv_shows_the_reason_and_keeps_the_old_data(qtbot, window, monkeypatch, tmp_path, dialogs):
    """Open CSV… shows the column chooser; a table that cannot load says why there (the
    `dialogs` fixture reads the chooser's message, then cancels) and nothing changes."""
    bad = tmp_path / "bad.csv"
    bad.write_text("cgpa,iq,lpa\n6.3,100,7\n7.1,oops,9\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    shown = dialogs
    window.trainer.step()
    old_timeline = window.trainer.timeline
    click(qtbot, window, "openCsvButton")
    assert len(shown) == 1 and "row 3" in shown[0] and "'oops' is not a number" in shown[0]
    assert window.trainer.timeline is old_timeline and old_timeline.steps == 1
    assert child(window, QComboBox, "datasetInput").currentData() == "students-regression"

    good = tmp_path / "three.csv"
    good.write_text("a,b,c,y\n1,2,3,4\n2,3,4,5\n3,4,5,7\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(good), "")))
    click(qtbot, window, "openCsvButton")
    assert len(shown) == 1
    assert window.trainer.spec.sizes == (3, 2, 1)
    assert child(window, QComboBox, "datasetInput").currentText() == "three.csv"
    assert child(window, QWidget, "dataTable").model().rowCount() == 3

    cancel = staticmethod(lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", cancel)
    click(qtbot, window, "openCsvButton")
    assert window.trainer.spec.sizes == (3, 2, 1) and len(shown) == 1


def test_step_back_restores_the_previous_row_exactly(qtbot, window):
    records = [window.trainer.step() for _ in range(6)]
    click(qtbot, window, "stepBackButton")
    assert np.array_equal(window.trainer.network.theta, records[4].theta_after)
    assert window.trainer.snapshot().record.step == 4
    assert window.trainer.history().shape == (5,)


def test_settings_restart_from_step_zero(window):
    window.trainer.step()
    seed = child(window, QSpinBox, "seedInput")
    seed.setValue(7)
    assert window.trainer.timeline.steps == 0 and window.trainer.timeline.seed == 7
    expected = initialise(Network(preset("regression")), DEFAULT_SCHEME, 7).theta
    assert np.array_equal(window.trainer.network.theta, expected)
    init = child(window, QComboBox, "initInput")
    init.setCurrentIndex(init.findData("tutorial"))
    assert set(window.trainer.network.theta[[0, 1, 2, 3]]) == {1.0}


def test_speed_slider_goes_from_one_row_a_second_to_max(window):
    slider = child(window, QAbstractSlider, "speedInput")
    slider.setValue(0)
    assert window.trainer.speed == 1
    slider.setValue(slider.maximum())
    assert window.trainer.speed is None


def test_log_scale_and_fit(qtbot, window):
    for _ in range(8):
        window.trainer.step()
    check = child(window, QAbstractButton, "logScaleCheck")
    check.setChecked(True)
    assert window.plot.log and window.actions["log_scale"].isChecked()
    (x0, x1), (y0, y1) = window.plot.ranges()
    assert y0 < y1 and float(y0).is_integer() and float(y1).is_integer()  # whole decades
    window.plot.getViewBox().setRange(xRange=(2, 3))
    click(qtbot, window, "plotFitButton")
    assert window.plot.ranges()[0] == (0.0, 10.0)
    check.setChecked(False)
    assert not window.plot.log


def test_presentation_mode_makes_everything_bigger(qtbot, window):
    base = window.presentation.text_px()
    window.actions["presentation"].trigger()
    assert window.presentation.on and window.presentation.text_px() > base
    assert child(window, QAbstractButton, "presentationButton").isChecked()
    qtbot.keyClick(window, Qt.Key_Escape)
    assert not window.presentation.on and window.presentation.text_px() == base


def test_every_action_runs(qtbot, window, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))  # cancelled
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    set_fastest(window)
    child(window, QSpinBox, "epochsInput").setValue(3)
    assert set(ACTIONS) <= set(window.actions)
    assert {"save", "save_as", "open_session", "undo", "redo"} <= set(window.actions)
    for name, action in window.actions.items():
        if name == "quit":
            continue
        action.trigger()
        if window.trainer.running:
            qtbot.waitUntil(lambda: not window.trainer.running, timeout=10_000)
        if action.isCheckable():
            action.trigger()  # and back
        assert window.trainer.timeline is not None
    window.set_theme("light")  # the palette is the application's: as the other tests expect it
    window.actions["quit"].trigger()
    assert not window.isVisible()


def test_selecting_a_parameter_reaches_every_view(window):
    window.select_parameter("W211")
    assert window.selected_parameter == "W211" == window.state.selected
    for name in ("paramInspector", "derivationPanel"):
        assert window.views[name].selected_parameter() == "W211", name
    assert window.edit.current_parameter() == "W211"
    assert "W211" in window.views["derivationPanel"].toPlainText()


def test_keyboard_shortcuts_drive_training(qtbot, window):
    qtbot.keyClick(window, Qt.Key_Right)
    qtbot.keyClick(window, Qt.Key_Right)
    assert window.trainer.timeline.steps == 2
    qtbot.keyClick(window, Qt.Key_Left)
    assert window.trainer.timeline.steps == 1
