"""Every network shape the engine takes, in every view (pytest-qt, offscreen).

For each shape, after one trained row: every view renders, no label covers a neuron circle,
every number the canvas shows recomputes by hand from the inputs and parameters it shows
(Z = Σ W·input + b, O = activation(Z)), crowded labels of a big network are hover-only and
all of them are drawn once "show all labels" is on, and names follow the tutorial's scheme
(W{layer}{input}{neuron}, b{layer}{neuron}, O{layer}{neuron}) at every size.

The conftest `Studio` builds the students table on a preset; these shapes need their own
table and network, so `ShapeStudio` below builds an AppState and a Timeline the same way.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtGui import QAction, QFontInfo

from engine import moment
from engine.data import Dataset
from engine.notation import fmt
from engine.spec import NetworkSpec
from engine.timeline import Timeline
from gui.canvas.widget import NetworkCanvas
from gui.panels.edit import EditPanel
from gui.panels.gradcheck import GradCheckView
from gui.panels.homework import HomeworkPanel
from gui.panels.inspector import ParamInspector
from gui.panels.predict import PredictPanel
from gui.panels.step_through import StepThroughPanel, phase_sequence
from gui.plots.landscape import LandscapeView
from gui.plots.race import RaceView
from gui.state import AppState, Setup

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise|requestActivate)")

SHAPES = {
    "regression 2-2-1": NetworkSpec((2, 2, 1), ("linear", "linear"), "se"),
    "classification 2-2-1": NetworkSpec((2, 2, 1), ("sigmoid", "sigmoid"), "bce"),
    "1-1": NetworkSpec((1, 1), ("linear",), "se"),
    "2-8-8-8-8-1 tanh": NetworkSpec((2, 8, 8, 8, 8, 1), ("tanh",) * 4 + ("linear",), "se"),
    "3-4-2 relu sigmoid bce": NetworkSpec((3, 4, 2), ("relu", "sigmoid"), "bce"),
    "8-1": NetworkSpec((8, 1), ("linear",), "se"),
}
ACTS = {"linear": lambda z: z, "sigmoid": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh,
        "relu": lambda z: max(0.0, z)}


class ShapeStudio:
    """A state on a small random table for `spec` (classification targets 0/1 for bce), moved
    the way the window's controller moves it (as conftest's Studio)."""

    def __init__(self, spec: NetworkSpec, rows: int = 12):
        rng = np.random.default_rng(7)
        X = rng.normal(3.0, 2.0, size=(rows, spec.n_inputs))
        if spec.loss == "bce":
            Y = (rng.uniform(size=(rows, spec.n_outputs)) > 0.5).astype(float)
        else:
            Y = rng.normal(size=(rows, spec.n_outputs))
        task = "classification" if spec.loss == "bce" else "regression"
        ds = Dataset("shape", [f"col{i}" for i in range(1, spec.n_inputs + 1)],
                     [f"t{k}" for k in range(1, spec.n_outputs + 1)], X, Y)
        self.timeline = Timeline(spec, ds.X, ds.Y, init="random", scaling="standard")
        self.state = AppState()
        self.state.setup = Setup(task, "shape", ds, spec, scaling="standard", init="random")
        self.state.selected = spec.param_names[0]
        tl = self.timeline
        self.state.row = tl.training.next_row
        self.state.shown = moment.idle(tl.network, tl.X, tl.Y, tl.X_raw, self.state.row, self.state.eta)

    def step(self):
        tl = self.timeline
        record = tl.row(self.state.eta)
        self.state.shown = moment.after_step(record, tl.X_raw[record.row])
        return record


@pytest.fixture(params=list(SHAPES), scope="module")
def shape(request):
    return request.param


def make(qtbot, widget, size=(900, 560)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    return widget


def by_hand(spec: NetworkSpec, v: dict) -> dict[str, float]:
    """Z and O of every neuron from the inputs and the (before-update) parameters the canvas shows."""
    p, out, inputs = v["params"], {}, list(v["inputs"])
    for layer in range(1, spec.n_layers + 1):
        nxt = []
        for j in range(1, spec.sizes[layer] + 1):
            z = sum(p[f"W{layer}{i}{j}"] * x for i, x in enumerate(inputs, start=1)) + p[f"b{layer}{j}"]
            out[f"Z{layer}{j}"] = z
            out[f"O{layer}{j}"] = ACTS[spec.activations[layer - 1]](z)
            nxt.append(out[f"O{layer}{j}"])
        inputs = nxt
    return out


def tutorial_names(spec: NetworkSpec) -> list[str]:
    """The parameter names written out from the tutorial's scheme, neuron by neuron."""
    names = []
    for layer in range(1, spec.n_layers + 1):
        for j in range(1, spec.sizes[layer] + 1):
            names += [f"W{layer}{i}{j}" for i in range(1, spec.sizes[layer - 1] + 1)] + [f"b{layer}{j}"]
    return names


def assert_clear_of_circles(canvas: NetworkCanvas, spec: NetworkSpec) -> None:
    r = canvas.neuron_radius()
    centres = [canvas.neuron_center(f"O{layer}{j}") for layer in range(1, spec.n_layers + 1)
               for j in range(1, spec.sizes[layer] + 1)]
    rects = {**canvas.label_rects(), **{f"beside {n}": rect for n, rect in canvas.neuron_label_rects().items()}}
    for name, rect in rects.items():
        assert canvas.rect().contains(rect.toRect()), name
        for c in centres:
            nx = min(max(c.x(), rect.left()), rect.right())
            ny = min(max(c.y(), rect.top()), rect.bottom())
            assert math.hypot(c.x() - nx, c.y() - ny) >= r, (name, c)


# ---- the canvas ----------------------------------------------------------------------------------
def test_the_canvas_draws_every_shape_with_numbers_that_recompute_by_hand(qtbot, shape):
    spec = SHAPES[shape]
    studio = ShapeStudio(spec)
    canvas = make(qtbot, NetworkCanvas(studio.state))
    record = studio.step()
    assert not canvas.grab().isNull()
    assert list(spec.param_names) == tutorial_names(spec)  # names follow the tutorial at every size
    v = canvas.shown_values()
    assert set(v["params"]) == set(spec.param_names) and len(v["inputs"]) == spec.n_inputs
    expected = by_hand(spec, v)
    linear = {f"Z{layer}{j}" for layer in range(1, spec.n_layers + 1) if spec.activations[layer - 1] == "linear"
              for j in range(1, spec.sizes[layer] + 1)}
    assert set(v["forward"]) == set(expected) - linear  # every O, and Z where it differs from O
    for name, value in v["forward"].items():
        assert value == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name
    assert v["y"] == list(record.y)
    y_hat = [expected[f"O{spec.n_layers}{k}"] for k in range(1, spec.n_outputs + 1)]
    if spec.loss == "se":
        loss = sum((y - p) ** 2 for y, p in zip(v["y"], y_hat))
    else:
        loss = sum(-y * math.log(p) - (1 - y) * math.log(1 - p) for y, p in zip(v["y"], y_hat))
    assert v["loss"] == pytest.approx(loss, rel=1e-9)
    for name in spec.param_names:  # after = before − η·∂L/∂p
        assert v["params_after"][name] == pytest.approx(v["params"][name] - studio.state.eta * record.grads[name],
                                                        abs=1e-12)
    drawn = set(canvas.label_rects())
    hover = set(canvas.hover_only())
    assert drawn | hover >= set(spec.param_names) and not drawn & hover
    assert_clear_of_circles(canvas, spec)
    for name in drawn:  # a drawn label says its name and the number behind it
        assert canvas.label_text(name).startswith(name + " ")


@pytest.mark.parametrize("name", ["2-8-8-8-8-1 tanh", "3-4-2 relu sigmoid bce"])
def test_crowded_labels_are_hover_only_until_show_all(qtbot, name):
    spec = SHAPES[name]
    studio = ShapeStudio(spec)
    canvas = make(qtbot, NetworkCanvas(studio.state))
    studio.step()
    hover = canvas.hover_only()
    assert hover and canvas.show_all_labels() is False
    some = next(n for n in hover if n[0] == "W")
    assert canvas.label_text(some) is None
    action = canvas.findChild(QAction, "showAllLabelsInput")
    assert action is canvas.show_all_action and action.isCheckable() and not action.isChecked()
    action.trigger()  # what the context menu's item does
    assert canvas.show_all_labels() and action.isChecked()
    still = set(canvas.hover_only())  # no room even in small print (gui/canvas/show_all.py)
    if name == "3-4-2 relu sigmoid bce":
        assert not still and canvas.label_hint() == ""
        assert set(canvas.label_rects()) == set(spec.param_names)
    else:  # 249 parameters on 900 × 560: fewer hidden than before, and the canvas says why
        assert still < set(hover) and "enlarge the window" in canvas.label_hint()
        assert set(canvas.label_rects()) | still >= set(spec.param_names)
    if some not in still:
        assert canvas.label_text(some).startswith(some + " ")
    hidden_neurons = {n for n in hover if n[0] in "OZ"} - still
    beside = canvas.neuron_label_rects()
    for n in hidden_neurons:  # a neuron's hidden number is in a label beside it, with its value
        nid = "O" + n[1:]
        assert nid in beside
        value = canvas.shown_values()["forward"][n]
        assert any(line.endswith(" = " + fmt(value, studio.state.precision))
                   for line in canvas.neuron_label_text(nid).split("\n")), n
    assert_clear_of_circles(canvas, spec)
    assert not canvas.grab().isNull()
    canvas.set_show_all_labels(False)
    assert not action.isChecked() and canvas.hover_only() == hover


def test_a_big_network_in_presentation_keeps_its_numbers_big_or_beside(qtbot):
    spec = SHAPES["3-4-2 relu sigmoid bce"]
    studio = ShapeStudio(spec)
    canvas = make(qtbot, NetworkCanvas(studio.state), (1140, 880))
    canvas.set_font_scale(1.6)  # labels of 24 px or more: the text must be big
    studio.step()
    assert QFontInfo(canvas.label_font()).pixelSize() >= 24
    z = canvas.z_font()
    assert z is None or QFontInfo(z).pixelSize() >= 24
    assert_clear_of_circles(canvas, spec)


# ---- every view ----------------------------------------------------------------------------------
def test_every_view_works_for_the_shape(qtbot, shape):
    spec = SHAPES[shape]
    studio = ShapeStudio(spec)
    state = studio.state
    views = [make(qtbot, cls(state)) for cls in (ParamInspector, HomeworkPanel, GradCheckView, StepThroughPanel,
                                                 EditPanel, PredictPanel, LandscapeView)]
    inspector, homework, gradcheck, stepper, edit, predict, landscape = views
    for w in views:
        w.show()
    record = studio.step()
    last = spec.param_names[-1]
    state.selected = last
    for w in views:
        assert not w.grab().isNull()
    # the inspector: one row per parameter, the selected one's chain rule
    assert inspector.model.names() == spec.param_names
    assert inspector.selected_parameter() == last
    assert inspector.chain_text()
    # homework: the last output's bias gradient, worked out by hand from ŷ and y:
    # (sigmoid, bce) ∂L/∂b = ŷ − y; (linear, se) ∂L/∂b = 2(ŷ − y)
    k = spec.n_outputs
    y_hat = state.shown.forward[f"O{spec.n_layers}{k}"]
    by_hand_grad = (y_hat - record.y[k - 1]) * (2.0 if spec.loss == "se" else 1.0)
    homework.set_quantity(f"∂L/∂{last}")
    homework.input.setText(fmt(by_hand_grad, state.precision))
    verdict = homework.check()
    assert verdict is not None and verdict.correct, verdict
    # the gradient check: every parameter, the engine's gradient against finite differences
    rows = gradcheck.refresh()
    assert [r.name for r in rows] == list(spec.param_names)
    for r in rows:
        assert r.analytic == pytest.approx(record.grads[r.name], abs=1e-12)
    # the step-through walks pick, every layer, loss, backward, update
    assert stepper.sequence() == phase_sequence(spec)
    assert len(stepper.sequence()) == spec.n_layers + 4
    for _ in stepper.sequence():
        stepper.next()
        assert stepper.explanation()
    state.phase = None
    # edit: every parameter offered; an edit changes the shown forward pass
    assert [edit.name.itemText(i) for i in range(edit.name.count())] == list(spec.param_names)
    # predict: one box per input, a forward pass for them
    predict.set_values([1.0] * spec.n_inputs)
    assert predict.values() == [1.0] * spec.n_inputs
    predict.request()
    qtbot.waitUntil(lambda: state.predict_inputs == (1.0,) * spec.n_inputs, timeout=1000)
    # the landscape: two of the shape's parameters, a finite grid
    landscape.refresh_now()
    x_name, y_name = landscape.params()
    assert {x_name, y_name} <= set(spec.param_names) and x_name != y_name
    assert landscape.grid() is not None and np.isfinite(landscape.grid().current_loss)


def test_the_race_runs_on_a_deep_network(qtbot):
    studio = ShapeStudio(SHAPES["2-8-8-8-8-1 tanh"])
    view = make(qtbot, RaceView(studio.state))
    view.show()
    view.set_epochs(2)
    with qtbot.waitSignal(view.finished, timeout=10000):
        assert view.run()
    results = view.results()
    assert results is not None and len(results) == len(view.etas())
