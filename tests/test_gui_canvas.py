"""The network canvas renders the application state alone: the numbers it draws are the shown
moment's (checked against values derived by hand), click selects and takes keyboard focus,
tooltips carry the engine's numbers, labels never cover a neuron and are never cut, the gradient
glow fades on its own, and every shape the engine supports lays out."""
import itertools
import math

import numpy as np
import pytest
from conftest import Studio
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetricsF, QHelpEvent
from PySide6.QtWidgets import QLineEdit, QToolTip, QVBoxLayout, QWidget

from engine import moment
from engine.data import Dataset
from engine.network import Network
from engine.notation import fmt, fmt_full
from engine.spec import NetworkSpec
from gui.canvas.widget import NetworkCanvas
from gui.state import AppState, Setup

# the offscreen platform warns about window calls it ignores; harmless
SHOWN = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise|requestActivate)")
SIZES = ((700, 420), (900, 560), (1280, 720))


def make_canvas(qtbot, state, size=(900, 560)):
    c = NetworkCanvas(state)
    qtbot.addWidget(c)
    c.resize(*size)
    return c


@pytest.fixture
def canvas(qtbot, studio):
    return make_canvas(qtbot, studio.state)


@pytest.fixture
def tutorial(qtbot):
    """The tutorial's Step 0 (every weight 1, every bias 0), raw inputs, its first row shown."""
    s = Studio(init="tutorial", scaling="none")
    s.idle(0)
    return s, make_canvas(qtbot, s.state)


def weights(spec):
    return [n for n in spec.param_names if n[0] == "W"]


def recomputed(spec, v):
    """Every neuron's Z and O by the formula Z = Σ W·input + b, O = activation(Z), from what is drawn."""
    acts = {"linear": lambda z: z, "sigmoid": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh,
            "relu": lambda z: max(0.0, z)}
    p, out = v["params"], {}
    inputs = list(v["inputs"])
    for layer in range(1, spec.n_layers + 1):
        nxt = []
        for j in range(1, spec.sizes[layer] + 1):
            z = sum(p[f"W{layer}{i}{j}"] * x for i, x in enumerate(inputs, start=1)) + p[f"b{layer}{j}"]
            out[f"Z{layer}{j}"], out[f"O{layer}{j}"] = z, acts[spec.activations[layer - 1]](z)
            nxt.append(out[f"O{layer}{j}"])
        inputs = nxt
    return out


# ---- the contract ----------------------------------------------------------------------------
def test_object_name_and_state_contract(canvas):
    assert canvas.objectName() == "networkCanvas"
    assert canvas.focusPolicy() == Qt.FocusPolicy.ClickFocus
    for gone in ("set_network", "show_record", "select_parameter", "show_prediction", "clear_prediction", "set_phase"):
        assert not hasattr(canvas, gone), gone


# ---- numbers derived by hand -----------------------------------------------------------------------
def test_tutorial_step_0_values_by_hand(tutorial):
    studio, canvas = tutorial
    # the tutorial's first row: CGPA 8, profile score 8, package 4 LPA; w = 1, b = 0, linear:
    # O11 = O12 = 8 + 8 = 16, ŷ = 16 + 16 = 32, L = (4 − 32)² = 784
    v = canvas.shown_values()
    assert v["inputs"] == [8.0, 8.0]
    assert v["forward"] == {"O11": 16.0, "O12": 16.0, "O21": 32.0}  # linear: no Z drawn
    assert v["params"] == {"W111": 1, "W121": 1, "b11": 0, "W112": 1, "W122": 1, "b12": 0, "W211": 1, "W221": 1,
                           "b21": 0}
    assert v["y"] == [4.0] and v["loss"] == 784.0
    assert "params_after" not in v  # nothing trained yet: no before → after
    assert canvas.label_text("W111") == "W111 = 1" and canvas.label_text("b21") == "b21 = 0"
    assert canvas.hover_only() == []  # every label and value has room at 900 × 560


def test_a_prediction_shows_the_forward_pass_and_no_loss(tutorial):
    studio, canvas = tutorial
    studio.predict([7.5, 9.0])
    v = canvas.shown_values()
    assert v["inputs"] == [7.5, 9.0]
    assert v["forward"] == {"O11": 16.5, "O12": 16.5, "O21": 33.0}  # 7.5 + 9, twice that
    assert "loss" not in v and "y" not in v and "params_after" not in v
    assert canvas.glow_level() == 0.0


@pytest.mark.parametrize("task,dataset", [("regression", "students-regression"),
                                          ("classification", "students-classification")])
def test_after_a_step_every_value_follows_from_what_is_drawn(qtbot, task, dataset):
    studio = Studio(task=task, dataset=dataset)  # random start, standardised inputs
    canvas = make_canvas(qtbot, studio.state)
    record = studio.step()
    v = canvas.shown_values()
    spec = studio.state.setup.spec
    # the inputs as the network saw them: the row's z-scores
    X = studio.state.setup.dataset.X
    assert v["inputs"] == pytest.approx(list((X[record.row] - X.mean(axis=0)) / X.std(axis=0)), rel=1e-12)
    expected = recomputed(spec, v)  # from the BEFORE-update weights shown
    linear = task == "regression"
    assert set(v["forward"]) == {n for n in expected if n[0] == "O" or not linear}
    for name, value in v["forward"].items():
        assert value == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name
    # the update shown: after = before − η·∂L/∂p, for every parameter
    eta = studio.state.eta
    assert set(v["params_after"]) == set(v["params"]) == set(spec.param_names)
    for name in spec.param_names:
        assert v["params_after"][name] == pytest.approx(v["params"][name] - eta * record.grads[name], abs=1e-12)
    assert any(v["params_after"][n] != v["params"][n] for n in spec.param_names)
    before, after = v["params"]["W111"], v["params_after"]["W111"]
    assert canvas.label_text("W111") == f"W111 {fmt(before)}\n→ {fmt(after)}"
    assert v["y"] == list(record.y) and v["loss"] == record.loss


def test_an_edit_changes_the_values_at_once(tutorial):
    studio, canvas = tutorial
    studio.step()
    assert "params_after" in canvas.shown_values()
    studio.edit("W111", 2.0)
    v = canvas.shown_values()
    assert "params_after" not in v
    assert v["params"]["W111"] == 2.0
    x1, x2 = v["inputs"]
    p = v["params"]
    assert v["forward"]["O11"] == pytest.approx(2.0 * x1 + p["W121"] * x2 + p["b11"], rel=1e-12)
    assert canvas.label_text("W111") == "W111 = 2"


# ---- the step-through ----------------------------------------------------------------------------
def test_phases_light_the_layers(canvas, studio):
    studio.preview()
    state = studio.state
    state.phase = ("pick", 0)
    v = canvas.shown_values()
    assert v["forward"] == {} and len(v["inputs"]) == 2  # the row is picked: nothing computed yet
    assert v["y"] == list(state.shown.record.y)
    state.phase = ("forward", 1)
    v = canvas.shown_values()
    assert set(v["forward"]) == {"O11", "O12"}  # layer 1 only
    state.phase = ("forward", 2)
    assert set(canvas.shown_values()["forward"]) == {"O11", "O12", "O21"}
    state.phase = ("loss", 2)
    assert canvas.shown_values()["loss"] == state.shown.record.loss
    assert canvas.highlighted() == frozenset()
    for phase in ("backward", "update"):
        state.selected = "W121"
        state.phase = (phase, 2)
        # W121 (input 2 → O11) reaches the loss through O11, W211 and the output
        assert canvas.highlighted() == {"W121", "O11", "W211", "O21"}
        assert not canvas.grab().isNull()  # paints in every phase
    state.selected = "b12"
    assert canvas.highlighted() == {"b12", "O12", "W221", "O21"}
    state.phase = None
    assert canvas.highlighted() == frozenset()
    assert set(canvas.shown_values()["forward"]) == {"O11", "O12", "O21"}


def test_the_update_phase_shows_before_and_after(canvas, studio):
    record = studio.preview(with_update=True)
    studio.state.phase = ("update", 2)
    v = canvas.shown_values()
    assert v["params_after"] == {n: record.params_after[n] for n in record.spec.param_names}


# ---- selection, focus, hover ---------------------------------------------------------------------
def test_clicking_each_edge_selects_that_weight(canvas, studio, qtbot):
    state = studio.state
    for name in weights(state.setup.spec):
        point = canvas.edge_midpoint(name)
        assert canvas.item_at(point) == name
        with qtbot.waitSignal(canvas.parameterSelected) as sig:
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point.toPoint())
        assert sig.args == [name]
        assert state.selected == name


def test_clicking_a_neuron_selects_its_bias(canvas, studio, qtbot):
    for nid, bias in (("O11", "b11"), ("O12", "b12"), ("ŷ", "b21")):
        with qtbot.waitSignal(canvas.parameterSelected) as sig:
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.neuron_center(nid).toPoint())
        assert sig.args == [bias] and studio.state.selected == bias
    # an input box or empty space selects nothing
    with qtbot.assertNotEmitted(canvas.parameterSelected):
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.neuron_center("x1").toPoint())
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(450, 555))
    assert canvas.item_at(QPointF(450, 555)) is None
    assert studio.state.selected == "b21"


def test_selection_from_the_state_is_silent(canvas, studio, qtbot):
    with qtbot.assertNotEmitted(canvas.parameterSelected):
        studio.state.selected = "W221"
    assert canvas.label_text("W221") is not None
    assert not canvas.grab().isNull()


@SHOWN
def test_a_click_takes_keyboard_focus_from_a_text_field(qtbot, studio):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    field = QLineEdit()
    canvas = NetworkCanvas(studio.state)
    layout.addWidget(field)
    layout.addWidget(canvas)
    window.resize(900, 640)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.neuron_center("O11").toPoint())
    assert canvas.hasFocus() and not field.hasFocus()


# ---- tooltips --------------------------------------------------------------------------------
def test_tooltips_carry_the_engines_numbers(canvas, studio):
    record = studio.step()
    tip = canvas.tooltip_for("W111")
    assert fmt_full(record.params_before["W111"]) in tip
    assert fmt_full(record.grads["W111"]) in tip
    assert fmt_full(record.updates["W111"]) in tip and "−η·" in tip
    assert fmt_full(record.params_after["W111"]) in tip
    assert "∂L/∂W<sub>111</sub>" in tip
    bias_tip = canvas.tooltip_for("b11")
    assert fmt_full(record.grads["b11"]) in bias_tip and fmt_full(record.forward["O11"]) in bias_tip
    x_tip = canvas.tooltip_for("x1")
    assert "cgpa" in x_tip and fmt_full(record.x[0]) in x_tip
    assert fmt_full(studio.state.setup.dataset.X[record.row][0]) in x_tip  # the table's own value too
    studio.edit("W111", 0.5)  # no update shown: no update line
    assert "−η·" not in canvas.tooltip_for("W111")


@SHOWN
def test_hover_shows_the_tooltip(canvas, studio, qtbot):
    record = studio.step()
    canvas.show()
    qtbot.waitExposed(canvas)
    pos = canvas.edge_midpoint("W121").toPoint()
    assert canvas.event(QHelpEvent(QEvent.Type.ToolTip, pos, canvas.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert fmt_full(record.grads["W121"]) in QToolTip.text()
    QToolTip.hideText()


# ---- the glow ---------------------------------------------------------------------------------
def test_gradient_glow_fades_without_painting(canvas, studio, qtbot):
    assert canvas.glow_level() == 0.0  # an idle moment does not glow
    studio.step()  # never shown: paintEvent never runs
    assert canvas.glow_level() == 1.0
    qtbot.waitUntil(lambda: canvas.glow_level() == 0.0, timeout=2000)
    studio.state.selected = "W121"  # other events do not re-light it
    studio.state.precision = 5
    assert canvas.glow_level() == 0.0
    studio.preview()  # not a new step
    assert canvas.glow_level() == 0.0
    studio.step()
    assert canvas.glow_level() == 1.0
    studio.idle(0)  # an idle moment puts it out
    assert canvas.glow_level() == 0.0


# ---- labels: room, precision, never cut, never over a neuron -------------------------------------------------
def assert_clean_labels(canvas, spec, every=True):
    rects = canvas.label_rects()
    if every:
        assert sorted(rects) == sorted(spec.param_names)
    r = canvas.neuron_radius()
    fm = QFontMetricsF(canvas.label_font())
    centers = [canvas.neuron_center(f"O{layer}{j}") for layer in range(1, spec.n_layers + 1)
               for j in range(1, spec.sizes[layer] + 1)]
    for name, rect in rects.items():
        for c in centers:
            nx = min(max(c.x(), rect.left()), rect.right())
            ny = min(max(c.y(), rect.top()), rect.bottom())
            assert math.hypot(c.x() - nx, c.y() - ny) >= r, (name, c)
        assert canvas.rect().contains(rect.toRect()), name
        text = canvas.label_text(name)
        assert "…" not in text
        assert max(fm.horizontalAdvance(line) for line in text.split("\n")) + 6 <= rect.width(), name  # the whole text
        assert fm.height() * len(text.split("\n")) <= rect.height(), name
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), (a, b)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("task,dataset,scaling", [("regression", "students-regression", "none"),
                                                  ("regression", "students-regression", "standard"),
                                                  ("classification", "students-classification", "standard")])
def test_labels_never_cover_a_neuron_and_are_never_cut(qtbot, size, task, dataset, scaling):
    studio = Studio(task=task, dataset=dataset, scaling=scaling)
    canvas = make_canvas(qtbot, studio.state, size)
    spec = studio.state.setup.spec
    assert_clean_labels(canvas, spec)  # idle: one line
    studio.step()
    assert_clean_labels(canvas, spec)  # before → after: two lines
    assert canvas.hover_only() == []  # every label and every neuron value (Z too) drawn
    studio.state.precision = 8  # a label with no room at 8 digits is shown on hover, never cut
    assert_clean_labels(canvas, spec, every=False)
    v = canvas.shown_values()
    drawn, hover = set(canvas.label_rects()), set(canvas.hover_only())
    assert drawn | hover >= set(spec.param_names) and not drawn & hover
    assert set(v["params"]) == set(spec.param_names)
    assert set(v["forward"]) >= {"O11", "O12", "O21"}


def test_precision_changes_the_label_text(canvas, studio):
    studio.step()
    state, v = studio.state, canvas.shown_values()
    before, after = v["params"]["W112"], v["params_after"]["W112"]
    state.precision = 4
    short = canvas.label_text("W112")
    assert short == f"W112 {fmt(before, 4)}\n→ {fmt(after, 4)}"
    state.precision = 8
    long = canvas.label_text("W112")
    assert long == f"W112 {fmt(before, 8)}\n→ {fmt(after, 8)}"
    assert long != short and len(long) > len(short)
    assert canvas.shown_values() == v  # the floats behind the labels do not change
    studio.edit("W112", before)  # no update shown: one line
    assert canvas.label_text("W112") == f"W112 = {fmt(before, 8)}"
    state.precision = 4
    assert canvas.label_text("W112") == f"W112 = {fmt(before, 4)}" != f"W112 = {fmt(before, 8)}"


def test_font_scale_enlarges_text(canvas):
    small = canvas.label_rects()["W111"]
    canvas.set_font_scale(1.5)
    assert canvas.font_scale() == 1.5
    big = canvas.label_rects()["W111"]
    assert big.height() >= small.height() * 1.35 and big.width() >= small.width() * 1.35
    assert small.height() >= 18  # readable from the back of a classroom at 900 × 560


# ---- setups ----------------------------------------------------------------------------------
def shape_state(sizes, acts, loss):
    spec = NetworkSpec(sizes, acts, loss)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, sizes[0]))
    Y = (rng.uniform(size=(3, sizes[-1])) > 0.5).astype(float)
    ds = Dataset("shape", [f"col{i}" for i in range(sizes[0])], [f"t{k}" for k in range(sizes[-1])], X, Y)
    state = AppState()
    state.setup = Setup("classification", "shape", ds, spec, scaling="none")
    net = Network(spec, rng.normal(size=spec.n_params))
    state.shown = moment.idle(net, X, Y, X, 0, 0.1)
    return state, net


@pytest.mark.parametrize("sizes,acts,loss", [
    ((1, 1), ("linear",), "se"),
    ((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "bce"),
    ((8, 8, 8, 8, 8, 3), ("tanh", "relu", "tanh", "relu", "sigmoid"), "bce"),
])
def test_every_shape_lays_out_and_clicks(qtbot, sizes, acts, loss):
    state, _net = shape_state(sizes, acts, loss)
    canvas = make_canvas(qtbot, state)
    spec = state.setup.spec
    names = weights(spec)
    for name in names:
        assert canvas.item_at(canvas.edge_midpoint(name)) == name, name
    assert not canvas.grab().isNull()
    assert_clean_labels(canvas, spec, every=False)
    drawn = canvas.shown_values()
    for name, value in drawn["forward"].items():
        assert value == state.shown.forward[name]
    assert drawn["params"] == dict(state.shown.params)
    if len(names) > NetworkCanvas.LABEL_EDGE_LIMIT:
        name = names[len(names) // 2]
        assert not canvas.edge_label_visible(name)  # big nets: no clutter…
        assert name in canvas.hover_only() and canvas.label_text(name) is None
        state.selected = name
        assert canvas.edge_label_visible(name)  # …but the selected one is labelled
        assert name not in canvas.hover_only()
        assert canvas.label_text(name) == f"{name} = {fmt(state.shown.params[name])}"
        assert_clean_labels(canvas, spec, every=False)


def test_a_new_setup_rebuilds_the_diagram(qtbot, studio):
    canvas = make_canvas(qtbot, studio.state)
    state, _net = shape_state((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "bce")
    old = studio.state.shown
    studio.state.setup = state.setup  # the setup changes first; the old moment is not drawn
    assert studio.state.shown is old
    assert canvas.shown_values()["forward"] == {}
    assert canvas.neuron_center("O14") is not None
    studio.state.shown = state.shown
    assert canvas.shown_values()["inputs"] == list(state.shown.x)
    assert "O31" in canvas.shown_values()["forward"]
