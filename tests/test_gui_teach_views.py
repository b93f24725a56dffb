"""The teaching views: race, landscape, decision boundary and the guided lesson (pytest-qt, offscreen)."""
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.race import race
from engine.spec import NetworkSpec, preset
from engine.training import Training
from gui.plots.boundary import BoundaryView
from gui.plots.landscape import LandscapeView, RateLimiter, contour_segments, contour_xy
from gui.panels.lesson import DEFAULT_LESSON, SETUP_KEYS, LessonPanel, load_lesson
from gui.plots.race import RaceView

# Showing a top-level widget on the offscreen platform logs this harmless notice.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


def problem(task="regression", scheme=DEFAULT_SCHEME, seed=0):
    ds = load_builtin("students-regression" if task == "regression" else "students-classification")
    scaler = ds.standardizer()
    net = initialise(Network(preset(task)), scheme, seed)
    return net, ds, scaler


def looped_mean_loss(net, X, Y):
    return np.mean([net.row_loss(x, y) for x, y in zip(X, Y)])


def shown(qtbot, widget, w=1000, h=640):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    return widget


# ---- landscape ---------------------------------------------------------------------------------
def test_landscape_builds_and_its_value_at_the_current_point_is_the_engines_mean_loss(qtbot):
    net, ds, scaler = problem()
    view = shown(qtbot, LandscapeView())
    assert view.objectName() == "landscapeView"
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    with qtbot.waitSignal(view.updated, timeout=2000):
        view.show_record(None, net.parameters())
    grid = view.grid()
    X = scaler.transform(ds.X)
    assert grid.current_loss == pytest.approx(looped_mean_loss(net, X, ds.Y), rel=1e-12)
    assert view.params() == ("W211", "b21")
    assert grid.loss.shape == (101, 101)
    # the caption shows the same number
    assert "mean loss" in view.map_caption.text()
    # the slice's slope is the mean backprop gradient of the X parameter
    grads = [net.backward(x, y, *net.forward(x))[1][net.spec.param_index["W211"]] for x, y in zip(X, ds.Y)]
    assert view.slice().slope == pytest.approx(np.mean(grads), rel=1e-12)


def test_landscape_combos_choose_any_two_parameters_and_the_path_follows_training(qtbot):
    net, ds, scaler = problem()
    view = shown(qtbot, LandscapeView())
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    view.show_record(None, net.parameters())
    x_combo = view.findChild(type(view.x_combo), "landscapeParamX")
    y_combo = view.findChild(type(view.y_combo), "landscapeParamY")
    assert x_combo.count() == net.spec.n_params == y_combo.count()
    x_combo.setCurrentText("W111")
    y_combo.setCurrentText("W122")
    assert view.params() == ("W111", "W122")
    x_combo.setCurrentText("W122")  # choosing the other axis's parameter swaps them
    assert view.params() == ("W122", "W111")
    view.set_params("W111", "W122")

    training = Training(net, scaler.transform(ds.X), ds.Y, eta=0.1)
    for _ in range(12):
        rec = training.step()
        view.show_record(rec, rec.params_after)
    path = view.path_points()
    assert path.shape == (13, 2)  # the start plus one point per row
    np.testing.assert_array_equal(path[-1], [net["W111"], net["W122"]])
    view.refresh_now()
    grid = view.grid()
    assert (grid.param_x, grid.param_y) == ("W111", "W122")
    assert grid.current == (net["W111"], net["W122"])
    assert grid.current_loss == pytest.approx(looped_mean_loss(net, scaler.transform(ds.X), ds.Y), rel=1e-12)
    xs, ys = view.current.getData()
    assert (xs[0], ys[0]) == (net["W111"], net["W122"])

    # a record that is not after the last one (reset / rewind) restarts the path
    net2, _, _ = problem()
    rec0 = Training(net2, scaler.transform(ds.X), ds.Y, eta=0.1).step()
    view.show_record(rec0, rec0.params_after)
    assert view.path_points().shape == (2, 2)
    view.set_path(np.tile(net.theta, (5, 1)))
    assert view.path_points().shape == (5, 2)
    view.clear_path()
    assert view.path_points().shape == (0, 2)


def test_landscape_is_rate_limited_and_idle_when_hidden(qtbot):
    net, ds, scaler = problem()
    view = LandscapeView()
    qtbot.addWidget(view)
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    computed = []
    view.updated.connect(lambda: computed.append(1))
    training = Training(net, scaler.transform(ds.X), ds.Y, eta=0.1)
    for _ in range(20):  # hidden: no grid at all
        rec = training.step()
        view.show_record(rec, rec.params_after)
    assert computed == [] and view.grid() is None
    with qtbot.waitSignal(view.updated, timeout=2000):
        view.resize(900, 500)
        view.show()  # shown: catches up once
    assert len(computed) == 1
    assert view.grid().current_loss == pytest.approx(looped_mean_loss(net, scaler.transform(ds.X), ds.Y))
    # a burst of 30 updates in far less than 100 ms gives at most one immediate and one deferred grid
    for _ in range(30):
        rec = training.step()
        view.show_record(rec, rec.params_after)
    qtbot.waitUntil(lambda: not view._limiter.pending, timeout=2000)
    assert 2 <= len(computed) <= 3
    assert view.grid().current == (net["W211"], net["b21"])


def test_rate_limiter_merges_requests(qtbot):
    calls = []
    limiter = RateLimiter(lambda: calls.append(1), 50, lambda: True)
    for _ in range(10):
        limiter.request()
    assert calls == [1]
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1000)
    assert not limiter.pending


def test_landscape_on_a_deeper_net_and_a_diverged_state(qtbot):
    spec = NetworkSpec((2, 3, 2, 1), ("tanh", "sigmoid", "linear"), "se")
    net = Network(spec, np.random.default_rng(0).normal(size=spec.n_params))
    _, ds, scaler = problem()
    view = shown(qtbot, LandscapeView())
    view.set_problem(spec, ds.X, ds.Y, ds.input_names, scaler)
    assert view.params() == ("W311", "b31")
    view.show_record(None, net.parameters())
    view.refresh_now()
    assert view.grid().current_loss == pytest.approx(looped_mean_loss(net, scaler.transform(ds.X), ds.Y))
    huge = {name: 1e200 for name in spec.param_names}
    view.show_record(None, huge)
    view.refresh_now()  # overflow: no warning, no exception; the picture still draws
    assert view.grid() is not None


def test_contours_lie_on_their_level():
    v = np.linspace(-2.0, 2.0, 41)
    X, Y = np.meshgrid(v, v, indexing="ij")
    plane = X + 2 * Y  # linear: the interpolated crossings are exact
    x, y = contour_xy(plane, [0.5, 1.5], v, v)
    assert x.size and x.size % 2 == 0  # pairs of endpoints
    on = np.minimum(np.abs(x + 2 * y - 0.5), np.abs(x + 2 * y - 1.5))
    assert on.max() < 1e-12
    x, y = contour_xy(X ** 2 + Y ** 2, [1.0], v, v)  # a circle, to grid accuracy
    assert np.abs(np.hypot(x, y) - 1.0).max() < 5e-3
    assert contour_segments(plane, 99.0).shape == (0, 2)
    # a saddle cell: the centre value decides which corners the two segments cut off
    saddle = np.array([[0.0, 1.0], [1.0, 0.0]])  # [i, j]: low corners at (0, 0) and (1, 1)
    segs = contour_segments(saddle, 0.5).reshape(-1, 2, 2)
    assert len(segs) == 2  # centre 0.5 is not below: the two low corners are cut off
    assert {tuple(map(tuple, seg)) for seg in segs} == {((0.5, 0.0), (0.0, 0.5)), ((0.5, 1.0), (1.0, 0.5))}


# ---- decision boundary ---------------------------------------------------------------------------
def test_boundary_builds_updates_live_and_shows_the_accuracy(qtbot):
    net, ds, scaler = problem("classification")
    view = shown(qtbot, BoundaryView(), 800, 600)
    assert view.objectName() == "boundaryView"
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler, target_name="placed")
    with qtbot.waitSignal(view.updated, timeout=2000):
        view.show_record(None, net.parameters())
    first = view.boundary().prob.copy()
    training = Training(net, scaler.transform(ds.X), ds.Y, eta=1.0)
    records = training.run_epochs(200)
    with qtbot.waitSignal(view.updated, timeout=2000):
        view.show_record(records[-1], records[-1].params_after)
    g = view.boundary()
    assert not np.array_equal(g.prob, first)
    P = np.array([net.predict(x)[0] for x in scaler.transform(ds.X)])
    expected = np.mean((P >= 0.5) == (ds.Y[:, 0] >= 0.5))
    assert g.accuracy == pytest.approx(expected)
    text = view.findChild(QLabel, "boundaryAccuracy").text()
    assert f"{g.correct} of {g.total}" in text and "%" in text
    # the grid is in raw units: the table's own cgpa values lie inside it
    assert g.values_x[0] < ds.X[:, 0].min() and g.values_x[-1] > ds.X[:, 0].max()


def test_boundary_says_when_it_does_not_apply(qtbot):
    view = shown(qtbot, BoundaryView(), 600, 400)
    net, ds, scaler = problem("regression")
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    view.show_record(None, net.parameters())
    assert "classification" in view.message.text()
    assert view.stack.currentWidget() is view.message
    three = NetworkSpec((3, 2, 1), ("sigmoid", "sigmoid"), "bce")
    view.set_network(three, ("a", "b", "c"))
    assert "two inputs" in view.message.text()


# ---- race ----------------------------------------------------------------------------------------
def test_race_runs_to_completion_on_a_timer_with_the_engines_verdicts(qtbot):
    net, ds, scaler = problem()
    view = shown(qtbot, RaceView())
    assert view.objectName() == "raceView"
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    view.set_start(net.theta, order="shuffle", seed=0)
    etas = [view.findChild(QLineEdit, f"raceEta{i}") for i in range(1, 5)]
    assert [e.text() for e in etas] == ["0.01", "0.1", "1", ""]
    button = view.findChild(QPushButton, "raceRunButton")
    with qtbot.waitSignal(view.started, timeout=1000):
        qtbot.mouseClick(button, Qt.LeftButton)
    assert view.is_running() and "Stop" in button.text()
    qtbot.waitUntil(lambda: view.results() is not None, timeout=20000)
    assert not view.is_running() and "Run" in button.text()
    results = view.results()
    expected = race(net.spec, net.theta, scaler.transform(ds.X), ds.Y, (0.01, 0.1, 1.0), epochs=100, seed=0)
    assert [r.epoch_losses for r in results] == [r.epoch_losses for r in expected]
    assert [r.verdict for r in results] == ["still converging", "converged", "diverged"]
    labels = [label.text for _sample, label in view.legend.items]
    assert any("η = 0.1" in t and "converged" in t for t in labels)
    assert any("η = 1" in t and "diverged" in t for t in labels)
    xs, ys = view.curves[1].getData()
    assert len(xs) == 100


def test_race_eta_editor_validates_and_takes_up_to_four(qtbot):
    net, ds, scaler = problem()
    view = shown(qtbot, RaceView())
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
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
    # a long race can be stopped at any moment
    view.set_epochs(100000)
    view.run()
    view.stop()
    assert not view.is_running() and "Stopped" in view.status.text()


def test_race_takes_its_start_from_a_step_zero_record_without_set_start(qtbot):
    net, ds, scaler = problem(scheme="tutorial")
    view = shown(qtbot, RaceView())
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    rec = Training(Network(net.spec, net.theta), scaler.transform(ds.X), ds.Y, eta=0.01).step()
    view.show_record(rec, rec.params_after)
    view.set_etas([0.01])
    view.set_epochs(3)
    with qtbot.waitSignal(view.finished, timeout=10000) as blocker:
        view.run()
    expected = race(net.spec, net.theta, scaler.transform(ds.X), ds.Y, (0.01,), epochs=3)
    assert blocker.args[0][0].epoch_losses == expected[0].epoch_losses


# ---- lesson ---------------------------------------------------------------------------------------
def test_lesson_walks_every_step_forward_and_back(qtbot):
    panel = shown(qtbot, LessonPanel(), 460, 700)
    assert panel.objectName() == "lessonPanel"
    assert panel.load(DEFAULT_LESSON)
    n = len(panel.steps)
    assert 8 <= n <= 12
    assert panel.current_index == 0
    next_button = panel.findChild(QPushButton, "lessonNextButton")
    back_button = panel.findChild(QPushButton, "lessonBackButton")
    assert not back_button.isEnabled()
    seen = []
    panel.stepChanged.connect(seen.append)
    for i in range(1, n):
        qtbot.mouseClick(next_button, Qt.LeftButton)
        assert panel.current_index == i
        assert panel.title.text() == panel.steps[i].title
        assert f"{i + 1} of {n}" in panel.counter.text()
    assert not next_button.isEnabled()
    for i in range(n - 2, -1, -1):
        qtbot.mouseClick(back_button, Qt.LeftButton)
        assert panel.current_index == i
    assert not back_button.isEnabled()
    assert seen == [dict(s.setup) for s in panel.steps[1:]] + [dict(s.setup) for s in reversed(panel.steps[:-1])]
    panel.go_to(3)
    assert panel.current_index == 3 and seen[-1] == panel.steps[3].setup
    with pytest.raises(IndexError):
        panel.go_to(n)


def test_the_lesson_file_tells_the_tutorials_story():
    lesson = load_lesson(DEFAULT_LESSON)
    ids = [s.id for s in lesson.steps]
    assert ids == ["init", "row", "forward", "loss", "gradients", "epochs", "learning-rate", "landscape",
                   "classification", "convergence"]
    first = lesson.steps[0].setup
    assert first["init"] == "tutorial" and first["task"] == "regression" and first["reset"] is True
    assert lesson.steps[6].setup["race_etas"] == [0.01, 0.1, 1] and lesson.steps[6].setup["tab"] == "race"
    assert lesson.steps[7].setup["tab"] == "landscape"
    assert lesson.steps[8].setup["task"] == "classification"
    for step in lesson.steps:
        assert set(step.setup) <= set(SETUP_KEYS)
        assert "<p>" in step.text


@pytest.mark.parametrize("content, reason", [
    ("{not json", "line 1, column 2: not valid JSON"),
    ("[]", "one JSON object"),
    ('{"steps": []}', "non-empty list"),
    ('{"steps": [{"id": "a", "title": "A"}]}', "step 1 ('a'): missing 'text'"),
    ('{"steps": [{"id": "a", "title": "A", "text": "t", "setup": {"eta": -1}}]}', "setup 'eta' must be a number > 0"),
    ('{"steps": [{"id": "a", "title": "A", "text": "t", "setup": {"colour": 1}}]}', "unknown setup key 'colour'"),
    ('{"steps": [{"id": "a", "title": "A", "text": "t"}, {"id": "a", "title": "B", "text": "u"}]}', "used twice"),
    ('{"format": "something-else", "steps": []}', "not a lesson file"),
])
def test_a_malformed_lesson_file_gives_a_clear_message(qtbot, tmp_path, content, reason):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    panel = shown(qtbot, LessonPanel(), 460, 500)
    with qtbot.waitSignal(panel.loadFailed, timeout=1000) as blocker:
        assert panel.load(path) is False
    message = blocker.args[0]
    assert reason in message and "broken.json" in message and "Traceback" not in message
    assert panel.findChild(QLabel, "lessonError").isVisible()
    assert reason in panel.error_label.text()
    assert panel.current_index == -1
    assert not panel.findChild(QPushButton, "lessonNextButton").isEnabled()


def test_a_bad_file_keeps_the_lesson_already_loaded(qtbot, tmp_path):
    panel = shown(qtbot, LessonPanel(), 460, 500)
    assert panel.load()
    panel.go_to(2)
    assert panel.load(tmp_path / "missing.json") is False
    assert "does not exist" in panel.error
    assert panel.current_index == 2 and panel.findChild(QPushButton, "lessonNextButton").isEnabled()
    good = tmp_path / "tiny.json"
    good.write_text(json.dumps({"steps": [{"id": "x", "title": "X", "text": "<p>x</p>", "setup": {"tab": "race"}}]}),
                    encoding="utf-8")
    with qtbot.waitSignal(panel.stepChanged, timeout=1000) as blocker:
        assert panel.load(good, apply=True)
    assert blocker.args[0] == {"tab": "race"}
    assert not panel.error_label.isVisible()


# ---- the shared contract --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [LandscapeView, BoundaryView, RaceView])
def test_every_view_takes_the_contract_calls_in_any_order(qtbot, cls):
    view = shown(qtbot, cls(), 700, 500)
    view.show_record(None, None)  # nothing loaded yet: ignored
    net, ds, scaler = problem("classification")
    view.set_network(net.spec, ds.input_names)
    view.show_record(None, net.parameters())
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    rec = Training(net, scaler.transform(ds.X), ds.Y, eta=0.5).step()
    view.show_record(rec, rec.params_after)
    view.set_font_scale(1.6)
    other, _, _ = problem("regression")
    view.set_network(other.spec, ds.input_names)
    view.show_record(None, other.parameters())


def test_a_race_started_then_hidden_still_finishes_and_draws(qtbot):
    net, ds, scaler = problem()
    view = shown(qtbot, RaceView())
    view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    view.set_start(net.theta)
    view.set_epochs(40)
    view.run()
    view.hide()
    qtbot.waitUntil(lambda: view.results() is not None, timeout=20000)
    xs, _ys = view.curves[0].getData()
    assert len(xs) == 40


def test_views_survive_being_built_and_destroyed_many_times(qtbot):
    # Guards the memory safety of building and tearing down the plots: a pyqtgraph
    # ColorBarItem inserted into a plot's layout made a later paint segfault once the old
    # plot was destroyed and its Python wrappers collected (the views now use ColorScale).
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    net, ds, scaler = problem("classification")
    for _ in range(4):
        views = [LandscapeView(), BoundaryView(), RaceView()]
        for view in views:
            view.resize(700, 450)
            view.show()
            view.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
            view.show_record(None, net.parameters())
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
    survivor = shown(qtbot, LandscapeView(), 700, 450)
    survivor.set_problem(net.spec, ds.X, ds.Y, ds.input_names, scaler)
    survivor.show_record(None, net.parameters())
    survivor.refresh_now()
    assert not survivor.grab().isNull()
