"""The live pictures (decision boundary, fitted curve and surface) and the loss plot's test curve
and accuracy (pytest-qt, offscreen).

Expected numbers are worked out here by hand: the forward pass of small networks written out
with the tutorial's names (O = σ(W·x + b) neuron by neuron), means and deviations with numpy,
the test loss and accuracy as plain averages over the held-out rows.
"""
from types import SimpleNamespace

import numpy as np
import pytest

from engine.data import Dataset
from engine.moment import idle
from engine.network import Network
from engine.spec import NetworkSpec
from engine.timeline import Timeline
from gui.plots.boundary import BoundaryView
from gui.plots.fit import FitView, PictureView
from gui.plots.loss import LossPlot
from gui.state import AppState, Setup
from gui.trainer import Trainer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")

CLASSIFIER = NetworkSpec((2, 2, 1), ("sigmoid", "sigmoid"), "bce")
# W{layer}{input}{neuron}, b{layer}{neuron}: the tutorial's names
HAND = {"W111": 1.5, "W121": -2.0, "b11": 0.2, "W112": 0.5, "W122": 1.0, "b12": -0.3,
        "W211": 2.0, "W221": -1.0, "b21": 0.1}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def by_hand_2_2_1(x1, x2, p=HAND):
    o11 = sigmoid(p["W111"] * x1 + p["W121"] * x2 + p["b11"])
    o12 = sigmoid(p["W112"] * x1 + p["W122"] * x2 + p["b12"])
    return sigmoid(p["W211"] * o11 + p["W221"] * o12 + p["b21"])


def xor_like(rows=8):
    """Points around the four corners of a square, labelled as XOR."""
    rng = np.random.default_rng(7)
    corners = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
    X = corners[np.arange(rows) % 4] * 4.0 - 2.0 + rng.normal(0, 0.3, (rows, 2))
    Y = (np.arange(rows) % 4 >= 2).astype(float)[:, None]
    return Dataset("xor-like", ("x1", "x2"), ("label",), X, Y)


def state_for(ds, spec, task, **fields) -> AppState:
    state = AppState()
    state.setup = Setup(task, "hand-made", ds, spec, **fields)
    return state


def timeline_of(setup) -> Timeline:
    """The run the trainer makes of this setup (for its test rows)."""
    ds = setup.dataset
    return Timeline(setup.spec, ds.X, ds.Y, init=setup.init, seed=setup.seed, order=setup.order,
                    scaling=setup.scaling, target_scaling=setup.target_scaling, test_fraction=setup.test_fraction)


def shown(qtbot, widget, w=800, h=600):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pairs(x, y):
    return sorted(zip(np.round(x, 12), np.round(y, 12)))


# ---- decision boundary -----------------------------------------------------------------------------
def test_the_boundary_follows_the_running_history_and_matches_the_network_by_hand(qtbot):
    state = state_for(xor_like(), CLASSIFIER, "classification", scaling="none")
    view = shown(qtbot, BoundaryView(state))
    with qtbot.waitSignal(view.updated, timeout=2000):
        state.history = SimpleNamespace(running=True, params=dict(HAND))  # the trainer's latest, mid-run
    g = view.boundary()
    assert g.prob.shape[0] >= 101  # a fine grid, in the table's units (scaling "none": raw = network inputs)
    for i, j in ((0, 0), (17, 90), (80, 40), (-1, -1)):
        assert g.prob[i, j] == pytest.approx(by_hand_2_2_1(g.values_x[i], g.values_y[j]), rel=1e-12)
    X = state.setup.dataset.X
    assert g.values_x[0] < X[:, 0].min() and g.values_y[-1] > X[:, 1].max()


def test_the_boundary_applies_the_input_scaling_and_keeps_the_shown_moment_when_idle(qtbot):
    ds = xor_like()
    state = state_for(ds, CLASSIFIER, "classification", scaling="standard")
    view = shown(qtbot, BoundaryView(state))
    net = Network(CLASSIFIER)
    for name, value in HAND.items():
        net[name] = value
    mean, std = ds.X.mean(axis=0), ds.X.std(axis=0)  # standard scaling over the whole table (no test rows)
    with qtbot.waitSignal(view.updated, timeout=2000):
        state.shown = idle(net, (ds.X - mean) / std, ds.Y, ds.X, 0, 0.1)
    drawn = view.boundary().prob.copy()
    state.history = SimpleNamespace(running=False, params={k: 0.0 for k in HAND})  # idle: the moment rules
    view.refresh_now()
    g = view.boundary()
    np.testing.assert_array_equal(g.prob, drawn)
    i, j = 33, 120
    x = (np.array([g.values_x[i], g.values_y[j]]) - mean) / std
    assert g.prob[i, j] == pytest.approx(by_hand_2_2_1(*x), rel=1e-9)


def test_test_rows_are_drawn_hollow_and_counted_apart(qtbot):
    ds = xor_like(12)
    state = state_for(ds, CLASSIFIER, "classification", scaling="none", test_fraction=0.25)
    view = shown(qtbot, BoundaryView(state))
    with qtbot.waitSignal(view.updated, timeout=2000):
        state.history = SimpleNamespace(running=True, params=dict(HAND))
    tl = timeline_of(state.setup)
    test, train = np.asarray(tl.test_rows), np.asarray(tl.train_rows)
    assert test.size == 3 and train.size == 9
    assert pairs(*view.test_points()) == pairs(ds.X[test, 0], ds.X[test, 1])
    filled = [s.getData() for s in view.points]
    assert pairs(np.concatenate([f[0] for f in filled]), np.concatenate([f[1] for f in filled])) == \
        pairs(ds.X[train, 0], ds.X[train, 1])
    assert "hollow: test row" in view.legend.texts()
    right = (by_hand_2_2_1(ds.X[:, 0], ds.X[:, 1]) >= 0.5) == (ds.Y[:, 0] == 1)
    text = view.accuracy_text()
    assert f"training <b>{right[train].sum()} of 9</b>" in text
    assert f"test (hollow) <b>{right[test].sum()} of 3</b>" in text


def test_no_boundary_beyond_two_inputs_and_the_picture_page_follows_the_task(qtbot):
    three = NetworkSpec((3, 2, 1), ("sigmoid", "sigmoid"), "bce")
    ds = Dataset("three", ("a", "b", "c"), ("y",), np.eye(3), np.array([[0.0], [1.0], [1.0]]))
    state = state_for(ds, three, "classification")
    picture = shown(qtbot, PictureView(state))
    assert picture.objectName() == "pictureView" and picture.currentWidget() is picture.boundary
    assert "two inputs" in picture.boundary.message.text() and "3" in picture.boundary.message.text()
    line = NetworkSpec((3, 2, 1), ("tanh", "linear"), "se")
    state.setup = state.setup.but(spec=line, task="regression")
    assert picture.currentWidget() is picture.fit and picture.fit.objectName() == "fitView"
    assert "3 inputs" in picture.fit.message.text()


# ---- regression pictures ---------------------------------------------------------------------------
def test_the_fitted_curve_passes_through_the_networks_output_in_table_units(qtbot):
    x = np.array([10.0, 20.0, 30.0, 45.0, 50.0, 70.0])
    y = np.array([120.0, 180.0, 210.0, 300.0, 310.0, 420.0])
    ds = Dataset("line", ("hours",), ("score",), x[:, None], y[:, None])
    spec = NetworkSpec((1, 2, 1), ("tanh", "linear"), "se")
    state = state_for(ds, spec, "regression", scaling="standard", target_scaling="standard")
    view = shown(qtbot, FitView(state))
    p = {"W111": 0.8, "b11": 0.1, "W112": -1.2, "b12": 0.4, "W211": 1.1, "W221": 0.6, "b21": -0.2}
    with qtbot.waitSignal(view.updated, timeout=2000):
        state.history = SimpleNamespace(running=True, params=p)
    xs, ys = view.curve.getData()
    assert xs[0] < x.min() and xs[-1] > x.max()
    for i in (0, 50, len(xs) // 2, len(xs) - 1):
        z = (xs[i] - x.mean()) / x.std()  # the input as the network sees it
        y_net = p["W211"] * np.tanh(p["W111"] * z + p["b11"]) + p["W221"] * np.tanh(p["W112"] * z + p["b12"]) \
            + p["b21"]
        assert ys[i] == pytest.approx(y.mean() + y.std() * y_net, rel=1e-10)  # back in the table's units
    px, py = view.points()
    assert pairs(px, py) == pairs(x, y)


def test_the_fitted_surface_and_its_hollow_test_rows(qtbot):
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (20, 2))
    ds = Dataset("plane", ("x1", "x2"), ("y",), X, (3 * X[:, :1] - X[:, 1:] + 5))
    spec = NetworkSpec((2, 1), ("linear",), "se")
    state = state_for(ds, spec, "regression", scaling="none", target_scaling="none", test_fraction=0.2)
    view = shown(qtbot, FitView(state))
    p = {"W111": 3.0, "W121": -1.0, "b11": 5.0}
    with qtbot.waitSignal(view.updated, timeout=2000):
        state.history = SimpleNamespace(running=True, params=p)
    f = view.fit()
    i, j = 12, f.y_hat.shape[1] - 11  # (a coarser grid while a run trains: gui.plots.boundary)
    assert f.y_hat[i, j] == pytest.approx(3 * f.values_x[i] - f.values_y[j] + 5, rel=1e-12)
    test = np.asarray(timeline_of(state.setup).test_rows)
    assert test.size == 4 and pairs(*view.test_points()) == pairs(X[test, 0], X[test, 1])


# ---- loss plot: test loss and accuracy per epoch ------------------------------------------------------
def test_the_loss_plot_draws_the_engines_test_loss_and_accuracies_one_point_per_epoch(qtbot):
    ds = xor_like(10)
    state = state_for(ds, CLASSIFIER, "classification", scaling="none", test_fraction=0.2)
    plot = shown(qtbot, LossPlot(state), 700, 500)
    trainer = Trainer()
    try:
        s = state.setup
        trainer.configure(s.spec, ds.X, ds.Y, init=s.init, seed=s.seed, order=s.order, scaling="none", eta=0.5,
                          test_fraction=0.2)
        tl = trainer.timeline
        test, train = np.asarray(tl.test_rows), np.asarray(tl.train_rows)
        expected_loss, expected_train_acc, expected_test_acc = [], [], []
        for _ in range(3):  # three epochs; after each, the held-out rows at the parameters then
            trainer.train_rows(train.size)
            p = trainer.snapshot().params
            P = by_hand_2_2_1(ds.X[:, 0], ds.X[:, 1], p)
            y = ds.Y[:, 0]
            bce = -(y * np.log(P) + (1 - y) * np.log(1 - P))
            expected_loss.append(bce[test].mean())
            expected_train_acc.append(np.mean((P[train] >= 0.5) == (y[train] == 1)))
            expected_test_acc.append(np.mean((P[test] >= 0.5) == (y[test] == 1)))
        state.history = trainer.snapshot()
    finally:
        trainer.shutdown()
    x, y = plot.test_curve.getData()
    np.testing.assert_array_equal(x, [8, 16, 24])  # epoch k ends after 8k training rows
    np.testing.assert_allclose(y, expected_loss, rtol=1e-9)
    assert "test" in plot.legend.texts()
    assert plot.shows_accuracy() and plot.accuracy_plot.objectName() == "accuracyPlot"
    np.testing.assert_allclose(plot.train_accuracy_curve.getData()[1], expected_train_acc)
    np.testing.assert_allclose(plot.test_accuracy_curve.getData()[1], expected_test_acc)


def fake_snapshot(epochs, n_rows, test_losses, train_acc, test_acc):
    """What the plot reads of a trainer's Snapshot (a run of `epochs` epochs of `n_rows` rows)."""
    losses = np.linspace(2.0, 0.5, epochs * n_rows)
    return SimpleNamespace(steps=losses.size, running=False, losses=losses, n_rows=n_rows, target_steps=None,
                           target_scaler=None,
                           epoch_means=losses.reshape(epochs, n_rows).mean(axis=1),
                           epoch_test_losses=np.asarray(test_losses, dtype=float),
                           epoch_train_accuracy=np.asarray(train_acc, dtype=float),
                           epoch_test_accuracy=np.asarray(test_acc, dtype=float))


def test_regression_has_no_accuracy_and_no_test_curve_without_test_rows(qtbot):
    x = np.arange(5.0)
    ds = Dataset("line", ("x",), ("y",), x[:, None], 2 * x[:, None])
    state = state_for(ds, NetworkSpec((1, 1), ("linear",), "se"), "regression")
    plot = shown(qtbot, LossPlot(state), 700, 500)
    state.history = fake_snapshot(2, 5, [np.nan, np.nan], [np.nan] * 2, [np.nan] * 2)
    assert not plot.shows_accuracy() and plot.accuracy_plot.geometry().height() == 0
    assert plot.test_curve.getData()[0] is None or len(plot.test_curve.getData()[0]) == 0
    assert "test" not in plot.legend.texts()
    state.history = None  # a new set-up starts a new run (as the controller does)
    state.setup = state.setup.but(test_fraction=0.4)
    state.history = fake_snapshot(2, 3, [3.0, 9.5], [np.nan] * 2, [np.nan] * 2)  # 3 training rows an epoch
    x, y = plot.test_curve.getData()
    np.testing.assert_array_equal(x, [3, 6])
    np.testing.assert_array_equal(y, [3.0, 9.5])
    (_x0, _x1), (_y0, y1) = plot.ranges()
    assert y1 >= 9.5  # the test curve is inside the range even when it is above every row's loss
