"""The plots and the data table as views of the application state (pytest-qt, offscreen).

Each view is built as `View(state)` from the `studio` fixture's state and driven the way the
window's controller drives it: `studio.step()` etc. move `state.shown`; a real Trainer's
snapshot becomes `state.history`.
"""
import dataclasses
import gc

import numpy as np
import pytest
from conftest import Studio
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from engine.data import Dataset
from engine.init import initialise
from engine.landscape import mean_gradient
from engine.moment import after_step
from engine.network import Network
from engine.notation import fmt, parse
from engine.race import race
from engine.record import NamedValues
from engine.scaling import Standardizer
from engine.spec import NetworkSpec
from gui.plots.boundary import BoundaryView
from gui.plots.landscape import LandscapeView
from gui.plots.loss import LossPlot
from gui.plots.race import RaceView
from gui.state import AppState
from gui.trainer import Trainer
from gui.widgets.data_table import DataTable

# Showing a top-level widget on the offscreen platform logs this harmless notice.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")
ALL_VIEWS = (LossPlot, DataTable, RaceView, LandscapeView, BoundaryView)


def shown(qtbot, widget, w=1000, h=640):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def trainer():
    t = Trainer()
    yield t
    t.shutdown()


def configure(trainer, state):
    """The trainer on the state's setup (what the window's controller does on a new setup)."""
    s = state.setup
    trainer.configure(s.spec, s.dataset.X, s.dataset.Y, init=s.init, seed=s.seed, order=s.order,
                      scaling=s.scaling, eta=state.eta)


def scaled(state):
    X = state.setup.dataset.X
    return Standardizer.fit(X).transform(X) if state.setup.scaling == "standard" else np.asarray(X, dtype=float)


def looped_mean_loss(spec, theta, X, Y):
    net = Network(spec, theta)
    return np.mean([net.row_loss(x, y) for x, y in zip(X, Y)])


def points(curve) -> int:
    xs, _ys = curve.getData()
    return 0 if xs is None else len(xs)


def theta(spec, params):
    """θ in the network's own layout from named parameters."""
    values = np.empty(spec.n_params)
    for name, i in spec.param_index.items():
        values[i] = params[name]
    return values


# ---- loss plot -----------------------------------------------------------------------------------
def test_the_loss_plot_shows_the_points_of_the_history(qtbot, studio, trainer):
    plot = shown(qtbot, LossPlot(studio.state), 700, 400)
    assert plot.objectName() == "lossPlot"
    assert points(plot.rows_curve) == 0
    configure(trainer, studio.state)
    for _ in range(6):
        trainer.step()
    studio.state.history = snap = trainer.snapshot()
    xs, ys = plot.rows_curve.getData()
    np.testing.assert_array_equal(xs, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(ys, snap.losses)
    mx, my = plot.epoch_curve.getData()  # one complete epoch of 4 rows: its mean at x = 4
    np.testing.assert_array_equal(mx, [4])
    assert my[0] == pytest.approx(np.mean(snap.losses[:4]))
    (x0, x1), (y0, y1) = plot.ranges()
    assert x0 == 0 and x1 >= 6 and y0 == 0 and y1 >= snap.losses.max()
    plot.set_log(True)
    assert plot.log
    (_, _), (d0, d1) = plot.ranges()  # whole decades of log10(loss)
    assert d0 == int(d0) and d1 == int(d1) and 10 ** d1 >= snap.losses.max()
    plot.set_log(False)
    plot.set_font_size(18)
    trainer.reset()
    studio.state.history = trainer.snapshot()
    assert points(plot.rows_curve) == 0 and points(plot.epoch_curve) == 0


def test_a_hidden_loss_plot_is_never_stale_when_shown_again(qtbot, studio, trainer):
    plot = shown(qtbot, LossPlot(studio.state), 700, 400)
    configure(trainer, studio.state)
    trainer.step()
    studio.state.history = trainer.snapshot()
    assert points(plot.rows_curve) == 1
    plot.hide()  # e.g. presentation mode hides the panel
    for _ in range(9):
        trainer.step()
    studio.state.history = trainer.snapshot()
    assert points(plot.rows_curve) == 1  # hidden: no work
    plot.show()
    np.testing.assert_array_equal(plot.rows_curve.getData()[1], trainer.snapshot().losses)


# ---- data table ----------------------------------------------------------------------------------
def cell(table, row, col, role=Qt.ItemDataRole.DisplayRole):
    model = table.model()
    return model.data(model.index(row, col), role)


def headers(table):
    model = table.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_the_table_shows_the_setup_and_highlights_the_row_of_the_shown_moment(qtbot, studio):
    table = shown(qtbot, DataTable(studio.state), 900, 300)
    assert table.objectName() == "dataTable"
    ds = studio.state.setup.dataset
    assert headers(table) == ["#", "cgpa", "profile_score", "lpa", "ŷ", "loss", "x₁", "x₂"]
    assert table.model().rowCount() == ds.n_rows
    assert cell(table, 2, 1) == fmt(ds.X[2, 0], studio.state.precision)
    assert parse(cell(table, 2, 6)) == pytest.approx(scaled(studio.state)[2, 0], rel=1e-5)
    studio.idle(2)
    assert table.highlighted_row() == 2
    assert cell(table, 2, 0) == "▶ 3" and cell(table, 1, 0) == "2"
    assert cell(table, 2, 0, Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(table, 1, 0, Qt.ItemDataRole.BackgroundRole) is None
    record = studio.step()
    assert table.highlighted_row() == record.row == studio.state.shown.row
    studio.predict([8.0, 8.0])  # a new row typed by the user: no table row is shown
    assert table.highlighted_row() is None


def test_clicking_a_table_row_asks_the_state_to_explain_it(qtbot, studio):
    table = shown(qtbot, DataTable(studio.state), 900, 300)
    for row in (3, 0):
        index = table.model().index(row, 2)
        qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualRect(index).center())
        assert studio.state.row == row


def test_the_table_shows_each_rows_last_result_with_the_chosen_precision_and_never_an_ellipsis(
        qtbot, studio, trainer):
    table = shown(qtbot, DataTable(studio.state), 900, 300)
    assert cell(table, 0, 4) == "—" and cell(table, 0, 5) == "—"  # not trained yet
    configure(trainer, studio.state)
    for _ in range(3):
        trainer.step()
    studio.state.history = snap = trainer.snapshot()
    # As the controller does: a new run state always comes with the moment it shows.
    studio.state.shown = after_step(snap.record, studio.state.setup.dataset.X[snap.record.row])
    trained = [r for r in range(snap.n_rows) if snap.row_records[r] is not None]
    assert len(trained) == 3
    for r in trained:
        assert cell(table, r, 4) == fmt(snap.row_records[r].y_hat[0], 6)
        assert cell(table, r, 5) == fmt(snap.row_loss[r], 6)
    studio.state.precision = 4
    r = trained[0]
    assert cell(table, r, 5) == fmt(snap.row_loss[r], 4)
    assert cell(table, 0, 1) == fmt(studio.state.setup.dataset.X[0, 0], 4)
    assert table.textElideMode() == Qt.TextElideMode.ElideNone
    studio.state.precision = 8
    bold = table.font()
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    for col, title in enumerate(headers(table)):
        texts = [title] + [cell(table, row, col) for row in range(table.model().rowCount())]
        assert table.columnWidth(col) >= max(metrics.horizontalAdvance(t) for t in texts)


# ---- landscape -----------------------------------------------------------------------------------
def test_the_landscape_is_drawn_at_the_point_of_the_shown_forward_pass(qtbot, studio):
    view = shown(qtbot, LandscapeView(studio.state))
    assert view.objectName() == "landscapeView"
    spec, X, Y = studio.state.spec, scaled(studio.state), studio.state.setup.dataset.Y
    view.refresh_now()
    grid = view.grid()
    assert view.params() == ("W211", "b21") and grid.loss.shape == (101, 101)
    now = theta(spec, studio.state.shown.params)
    assert grid.current_loss == pytest.approx(looped_mean_loss(spec, now, X, Y), rel=1e-12)
    assert view.slice().slope == pytest.approx(mean_gradient(Network(spec, now), X, Y)[1][spec.param_index["W211"]])
    assert "mean loss" in view.findChild(QLabel, "landscapeCaption").text()
    studio.state.eta = 0.5
    first = studio.step()  # the shown forward pass used the parameters before the update: still `now`
    assert view.grid().current == (now[spec.param_index["W211"]], now[spec.param_index["b21"]])
    with qtbot.waitSignal(view.updated, timeout=2000):
        record = studio.step()
    assert view.grid().current == (first.params_after["W211"], first.params_after["b21"])
    assert view.grid().current == (record.params_before["W211"], record.params_before["b21"])
    assert view.grid().current != (record.params_after["W211"], record.params_after["b21"])
    xs, ys = view.current.getData()
    assert (xs[0], ys[0]) == view.grid().current


def test_the_landscape_combos_choose_any_two_parameters(qtbot, studio):
    view = shown(qtbot, LandscapeView(studio.state))
    x_combo = view.findChild(type(view.x_combo), "landscapeParamX")
    y_combo = view.findChild(type(view.y_combo), "landscapeParamY")
    assert x_combo.count() == studio.state.spec.n_params == y_combo.count()
    x_combo.setCurrentText("W111")
    y_combo.setCurrentText("W122")
    assert view.params() == ("W111", "W122")
    x_combo.setCurrentText("W122")  # choosing the other axis's parameter swaps them
    assert view.params() == ("W122", "W111")
    view.set_params("W111", "W122")
    view.refresh_now()
    assert (view.grid().param_x, view.grid().param_y) == ("W111", "W122")
    with pytest.raises(ValueError):
        view.set_params("W111", "W111")
    with pytest.raises(KeyError):
        view.set_params("W999", "W111")


def test_the_landscape_path_follows_the_history(qtbot, studio, trainer):
    view = shown(qtbot, LandscapeView(studio.state))
    view.set_params("W111", "W122")
    configure(trainer, studio.state)
    for _ in range(12):
        record = trainer.step()
        studio.state.history = trainer.snapshot()
    path = view.path_points()
    assert path.shape == (13, 2)  # the start plus one point per row
    index = studio.state.spec.param_index
    np.testing.assert_array_equal(path[0], trainer.timeline.initial_theta[[index["W111"], index["W122"]]])
    np.testing.assert_array_equal(path[-1], [record.params_after["W111"], record.params_after["W122"]])
    trainer.step_back()  # a row that is not after the last one seen restarts the path
    studio.state.history = trainer.snapshot()
    assert view.path_points().shape == (2, 2)
    trainer.reset()
    studio.state.history = trainer.snapshot()
    assert view.path_points().shape == (0, 2)


def test_the_landscape_is_throttled_and_idle_when_hidden(qtbot, studio):
    view = LandscapeView(studio.state)
    qtbot.addWidget(view)
    computed = []
    view.updated.connect(lambda: computed.append(1))
    for _ in range(20):  # hidden: no grid at all
        studio.step()
    assert computed == [] and view.grid() is None
    with qtbot.waitSignal(view.updated, timeout=2000):
        view.resize(900, 500)
        view.show()  # shown: catches up once
    assert len(computed) == 1
    # a burst of 30 moments within the throttle's interval: at most one grid at its start, one at its end
    with qtbot.waitSignal(view.updated, timeout=2000):
        for _ in range(30):
            studio.step()
    qtbot.waitUntil(lambda: view.grid().current == (studio.state.shown.params["W211"],
                                                    studio.state.shown.params["b21"]), timeout=2000)
    assert 2 <= len(computed) <= 3


def test_the_landscape_of_a_deeper_net_and_of_a_diverged_point(qtbot, studio):
    view = shown(qtbot, LandscapeView(studio.state))
    s = studio.state
    spec = NetworkSpec((2, 3, 2, 1), ("tanh", "sigmoid", "linear"), "se")
    s.setup = s.setup.but(spec=spec)
    assert view.params() == ("W311", "b31")
    theta0 = initialise(Network(spec), s.setup.init, s.setup.seed).theta  # no moment of this net yet
    view.refresh_now()
    assert view.grid().current_loss == pytest.approx(looped_mean_loss(spec, theta0, scaled(s), s.setup.dataset.Y))
    huge = NamedValues(spec.param_names, spec.param_index, np.full(spec.n_params, 1e200))
    s.shown = dataclasses.replace(s.shown, spec=spec, params=huge)
    view.refresh_now()  # overflow: no warning, no exception; the picture still draws
    assert view.grid().current == (1e200, 1e200)


# ---- decision boundary -----------------------------------------------------------------------------
def test_the_boundary_follows_the_shown_parameters_and_shows_the_accuracy(qtbot):
    studio = Studio(task="classification", dataset="students-classification")
    s = studio.state
    view = shown(qtbot, BoundaryView(s), 800, 600)
    assert view.objectName() == "boundaryView"
    view.refresh_now()
    first = view.boundary().prob.copy()
    s.eta = 1.0
    with qtbot.waitSignal(view.updated, timeout=2000):
        for _ in range(40):
            studio.step()
    qtbot.waitUntil(lambda: view.boundary().accuracy == pytest.approx(expected_accuracy(s)), timeout=2000)
    g = view.boundary()
    assert not np.array_equal(g.prob, first)
    text = view.findChild(QLabel, "boundaryAccuracy").text()
    assert f"{g.correct} of {g.total}" in text and "%" in text and "placed = 1" in text
    X = s.setup.dataset.X  # the grid is in raw units: the table's own values lie inside it
    assert g.values_x[0] < X[:, 0].min() and g.values_x[-1] > X[:, 0].max()


def expected_accuracy(state):
    net = Network(state.spec, theta(state.spec, state.shown.params))
    P = np.array([net.predict(x)[0] for x in scaled(state)])
    return np.mean((P >= 0.5) == (state.setup.dataset.Y[:, 0] >= 0.5))


def test_the_boundary_says_when_it_does_not_apply(qtbot, studio):
    view = shown(qtbot, BoundaryView(studio.state), 600, 400)
    assert "classification" in view.message.text()
    assert view.stack.currentWidget() is view.message
    three = NetworkSpec((3, 2, 1), ("sigmoid", "sigmoid"), "bce")
    ds = Dataset("three", ("a", "b", "c"), ("y",), np.eye(3), np.array([[0.0], [1.0], [1.0]]))
    studio.state.setup = studio.state.setup.but(spec=three, dataset=ds)
    assert "two inputs" in view.message.text()


# ---- race ----------------------------------------------------------------------------------------
def test_the_race_runs_from_the_setups_start_with_the_engines_verdicts(qtbot, studio):
    view = shown(qtbot, RaceView(studio.state))
    assert view.objectName() == "raceView"
    etas = [view.findChild(QLineEdit, f"raceEta{i}") for i in range(1, 5)]
    assert [e.text() for e in etas] == ["0.01", "0.1", "1", ""]
    button = view.findChild(QPushButton, "raceRunButton")
    # the race may finish within its first tick (the engine's fast path): what the button said
    # when it started is kept
    at_start = []
    view.started.connect(lambda: at_start.append((view.is_running(), button.text())))
    with qtbot.waitSignal(view.started, timeout=1000):
        qtbot.mouseClick(button, Qt.LeftButton)
    assert at_start[0][0] and "Stop" in at_start[0][1]
    qtbot.waitUntil(lambda: view.results() is not None, timeout=20000)
    assert not view.is_running() and "Run" in button.text()
    s = studio.state.setup
    theta0 = initialise(Network(s.spec), s.init, s.seed).theta
    expected = race(s.spec, theta0, scaled(studio.state), s.dataset.Y, (0.01, 0.1, 1.0), epochs=100,
                    order=s.order, seed=s.seed)
    results = view.results()
    assert [r.epoch_losses for r in results] == [r.epoch_losses for r in expected]
    assert [r.verdict for r in results] == ["still converging", "converged", "diverged"]
    texts = view.lane_texts()
    assert texts[1] == "η = 0.1: converged" and texts[2].startswith("η = 1: diverged")
    assert points(view.curves[1]) == 100


def test_the_race_eta_editor_validates_and_takes_up_to_four(qtbot, studio):
    view = shown(qtbot, RaceView(studio.state))
    etas = [view.findChild(QLineEdit, f"raceEta{i}") for i in range(1, 5)]
    etas[3].setText("0.05")
    assert view.etas() == [0.01, 0.1, 1.0, 0.05]
    etas[1].setText("fast")
    assert view.etas() is None
    assert not view.run()
    assert "η box 2" in view.status.text()
    for e in etas:
        e.setText("")
    assert not view.run() and "at least one" in view.status.text()
    view.set_etas([0.02, 0.2])
    view.set_epochs(8)
    assert [e.text() for e in etas] == ["0.02", "0.2", "", ""]
    with qtbot.waitSignal(view.finished, timeout=10000) as blocker:
        assert view.run()
    results = blocker.args[0]
    assert [r.eta for r in results] == [0.02, 0.2]
    assert all(len(r.epoch_losses) == 8 for r in results)
    view.set_epochs(100000)  # a long race can be stopped at any moment
    view.run()
    view.stop()
    assert not view.is_running() and "Stopped" in view.status.text()


def test_a_new_setup_stops_the_race_and_the_next_starts_from_its_start(qtbot, studio):
    view = shown(qtbot, RaceView(studio.state))
    view.set_etas([0.05])
    view.set_epochs(100000)
    view.run()
    studio.state.setup = studio.state.setup.but(seed=3, order="random")
    assert not view.is_running() and view.lane_texts() == []
    view.set_epochs(3)
    with qtbot.waitSignal(view.finished, timeout=10000) as blocker:
        view.run()
    s = studio.state.setup
    theta0 = initialise(Network(s.spec), s.init, 3).theta
    expected = race(s.spec, theta0, scaled(studio.state), s.dataset.Y, (0.05,), epochs=3, order="random", seed=3)
    assert blocker.args[0][0].epoch_losses == expected[0].epoch_losses


def test_a_race_started_then_hidden_still_finishes_and_draws(qtbot, studio):
    view = shown(qtbot, RaceView(studio.state))
    view.set_epochs(40)
    view.run()
    view.hide()
    qtbot.waitUntil(lambda: view.results() is not None, timeout=20000)
    assert points(view.curves[0]) == 40


def relabel(view, state, k):
    """Something that changes the view's legend labels, with no event processed afterwards."""
    if isinstance(view, RaceView):
        view.set_epochs(1000)
        view.run()  # fresh lanes "η = …: …", then at once the first tick's "still converging so far"
    elif isinstance(view, LossPlot):
        view.set_font_size(12 + k)
    else:
        state.setup = state.setup.but(seed=k)  # the boundary writes its legend afresh
        view.set_font_scale(1 + k / 4)


@pytest.mark.parametrize("cls", [RaceView, LossPlot, BoundaryView])
def test_a_plot_with_a_legend_can_be_destroyed_right_after_its_labels_change(qtbot, cls):
    # Regression: pyqtgraph's anchored legend re-placed itself from its geometryChanged signal,
    # reading its view box. Destroying the plot while the legend's size lagged its labels (the
    # race relabels its lanes on every tick) resized the legend after its view box was gone:
    # "Internal C++ object (ViewBox) already deleted", about one race test run in six.
    # pytest-qt fails the test on any exception raised in a Qt callback.
    studio = Studio(task="classification", dataset="students-classification")
    for k in range(1, 5):
        view = shown(qtbot, cls(studio.state), 700, 450)
        relabel(view, studio.state, k)
        legend = view.legend  # its box already holds its labels: nothing left to resize later
        size, least = legend.geometry().size(), legend.effectiveSizeHint(Qt.SizeHint.MinimumSize)
        assert size.width() >= least.width() and size.height() >= least.height()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        del view
        gc.collect()


@pytest.mark.parametrize("cls, corner", [(RaceView, "right"), (LossPlot, "right"), (BoundaryView, "left")])
def test_a_legend_stays_in_its_corner_when_the_plot_is_resized(qtbot, cls, corner):
    studio = Studio(task="classification", dataset="students-classification")
    view = shown(qtbot, cls(studio.state), 700, 450)
    relabel(view, studio.state, 2)
    for width in (900, 640):
        view.resize(width, 450)
        qtbot.waitUntil(lambda: legend_gap(view.legend, corner) == pytest.approx(10), timeout=2000)
        box = view.legend.parentItem().boundingRect()
        assert view.legend.pos().y() == pytest.approx(box.top() + 10)
    if isinstance(view, RaceView):
        view.stop()


def legend_gap(legend, corner):
    box = legend.parentItem().boundingRect()
    pos = legend.pos()
    return box.right() - (pos.x() + legend.width()) if corner == "right" else pos.x() - box.left()


# ---- every view --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_VIEWS)
def test_every_view_takes_the_state_in_any_order(qtbot, cls):
    state = AppState()
    view = shown(qtbot, cls(state), 700, 500)  # nothing to show yet
    other = Studio(task="classification", dataset="students-classification")
    state.setup = other.state.setup
    state.shown = other.state.shown
    state.precision = 5
    if hasattr(view, "set_font_scale"):
        view.set_font_scale(1.6)
    regression = Studio()
    state.setup = regression.state.setup  # a new problem before its first moment
    state.shown = regression.state.shown
    state.setup = None
    state.shown = None


def test_views_survive_being_built_and_destroyed_many_times(qtbot):
    # Guards the memory safety of building and tearing down the plots: a pyqtgraph
    # ColorBarItem inserted into a plot's layout made a later paint segfault once the old
    # plot was destroyed and its Python wrappers collected (the views use ColorScale).
    studio = Studio(task="classification", dataset="students-classification")
    for _ in range(4):
        views = [cls(studio.state) for cls in ALL_VIEWS]
        for view in views:
            view.resize(700, 450)
            view.show()
            if hasattr(view, "refresh_now"):
                view.refresh_now()
            view.grab()
        for view in views:
            view.close()
            view.deleteLater()
        del views, view
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        QCoreApplication.processEvents()
        gc.collect()
    survivor = shown(qtbot, LandscapeView(studio.state), 700, 450)
    survivor.refresh_now()
    assert not survivor.grab().isNull()
