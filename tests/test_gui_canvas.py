"""The network canvas: click selects, tooltips carry the engine's numbers, labels don't overlap,
the gradient glow fades on its own, and every shape the engine supports lays out."""
import itertools

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip

from engine.init import initialise
from engine.network import Network
from engine.spec import NetworkSpec
from engine.notation import fmt, fmt_full
from gui.canvas.widget import PHASES, NetworkCanvas, chain_path

# the offscreen platform warns about window calls it ignores; harmless
SHOWN = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


def tutorial_step():
    net = initialise(Network.from_preset("regression"), "tutorial")
    return net, net.step([6.3, 100], [7], 0.01)


@pytest.fixture
def canvas(qtbot):
    c = NetworkCanvas()
    qtbot.addWidget(c)
    c.resize(900, 600)
    return c


def test_object_name_and_contract(canvas):
    assert canvas.objectName() == "networkCanvas"
    for method in ("set_network", "show_record", "select_parameter", "set_phase", "show_prediction", "item_at", "edge_midpoint"):
        assert callable(getattr(canvas, method))


def test_clicking_each_edge_midpoint_selects_that_weight(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec, ["CGPA", "IQ"])
    canvas.show_record(record, net.parameters())
    for name in (n for n in net.spec.param_names if n[0] == "W"):
        point = canvas.edge_midpoint(name)
        assert canvas.item_at(point) == name
        with qtbot.waitSignal(canvas.parameterSelected) as sig:
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point.toPoint())
        assert sig.args == [name]
        assert canvas.selected_parameter() == name


def test_clicking_a_neuron_selects_its_bias(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec, ["CGPA", "IQ"])
    canvas.show_record(record, net.parameters())
    for nid, bias in (("O11", "b11"), ("O12", "b12"), ("ŷ", "b21")):
        with qtbot.waitSignal(canvas.parameterSelected) as sig:
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.neuron_center(nid).toPoint())
        assert sig.args == [bias]
    # an input box or empty space selects nothing
    with qtbot.assertNotEmitted(canvas.parameterSelected):
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.neuron_center("x1").toPoint())
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(450, 590))
    assert canvas.item_at(QPointF(450, 590)) is None


def test_select_parameter_is_silent(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec)
    with qtbot.assertNotEmitted(canvas.parameterSelected):
        canvas.select_parameter("W221")
    assert canvas.selected_parameter() == "W221"
    canvas.select_parameter("nonsense")
    assert canvas.selected_parameter() == "W221"


def test_2_2_1_labels_are_all_shown_and_do_not_overlap(canvas):
    net, record = tutorial_step()
    canvas.set_network(net.spec, ["CGPA", "IQ"])
    canvas.show_record(record, net.parameters())
    rects = canvas.label_rects()
    weights = [n for n in net.spec.param_names if n[0] == "W"]
    assert sorted(rects) == sorted(weights)
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), (a, b)


def test_tooltip_has_value_gradient_and_last_update(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec, ["CGPA", "IQ"])
    canvas.show_record(record, net.parameters())
    tip = canvas.tooltip_for("W111")
    assert fmt_full(net["W111"]) in tip  # value
    assert fmt_full(record.grads["W111"]) in tip  # ∂L/∂W111 = 2590.56
    assert fmt_full(record.updates["W111"]) in tip  # −η·∂L/∂W111
    assert "∂L/∂W<sub>111</sub>" in tip and "−η·" in tip
    bias_tip = canvas.tooltip_for("b11")
    assert fmt_full(record.grads["b11"]) in bias_tip and fmt_full(record.forward["O11"]) in bias_tip
    assert "CGPA" in canvas.tooltip_for("x1") and "6.3" in canvas.tooltip_for("x1")


@SHOWN
def test_hover_shows_the_tooltip(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec)
    canvas.show_record(record, net.parameters())
    canvas.show()
    qtbot.waitExposed(canvas)
    pos = canvas.edge_midpoint("W121").toPoint()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, canvas.mapToGlobal(pos))
    assert canvas.event(event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert fmt_full(record.grads["W121"]) in QToolTip.text()
    QToolTip.hideText()


def test_gradient_glow_fades_without_painting(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec)
    assert canvas.glow_level() == 0.0
    canvas.show_record(record, net.parameters())  # never shown: paintEvent never runs
    assert canvas.glow_level() == 1.0
    qtbot.waitUntil(lambda: canvas.glow_level() == 0.0, timeout=2000)
    # the same record again does not re-light it; a new one does
    canvas.show_record(record, net.parameters())
    assert canvas.glow_level() == 0.0
    canvas.show_record(net.step([6.3, 100], [7], 0.01), net.parameters())
    assert canvas.glow_level() == 1.0


def test_values_shown_are_the_records(canvas):
    net, record = tutorial_step()
    canvas.set_network(net.spec, ["CGPA", "IQ"])
    canvas.show_record(record, net.parameters())
    assert canvas._param_text("W111") == f"W111 = {fmt(net['W111'])}"
    assert canvas._param_text("b11") == f"b11 = {fmt(net['b11'])}"
    canvas.set_phase("backward", chain_path(net.spec, "W111"))
    assert canvas._param_text("W111") == f"∂L/∂W111\n= {fmt(record.grads['W111'])}"
    canvas.set_phase("update", chain_path(net.spec, "W111"))
    assert canvas._param_text("W211") == f"W211: {fmt(record.params_before['W211'])}\n→ {fmt(record.params_after['W211'])}"
    assert canvas._param_text("W122") == f"W122 = {fmt(net['W122'])}"  # off the path


def test_chain_path():
    spec = Network.from_preset("regression").spec
    assert chain_path(spec, "W111") == ("W111", "O11", "W211", "O21")
    assert chain_path(spec, "b12") == ("b12", "O12", "W221", "O21")
    assert chain_path(spec, "W221") == ("W221", "O21")
    deep = NetworkSpec((2, 3, 2, 1), ("relu", "relu", "linear"))
    path = chain_path(deep, "W112")
    assert {"W112", "O12", "W221", "W222", "O21", "O22", "W311", "W321", "O31"} == set(path)


def test_phases_and_prediction(canvas, qtbot):
    net, record = tutorial_step()
    canvas.set_network(net.spec, ["CGPA", "IQ"])
    canvas.show_record(record, net.parameters())
    for phase in PHASES:
        canvas.set_phase(phase, chain_path(net.spec, "W121"), forward_layers=1)
        assert canvas.phase() == phase
        assert not canvas.grab().isNull()  # paints without error in every phase
    canvas.set_phase("forward", forward_layers=1)
    assert canvas._lit_layers() == 1
    canvas.set_phase("pick")
    assert canvas._lit_layers() == 0
    with pytest.raises(ValueError):
        canvas.set_phase("sideways")
    canvas.set_phase(None)
    x = np.array([8.0, 120.0])
    zs, outs = net.forward(x)
    values = {"O11": outs[0][0], "O12": outs[0][1], "O21": outs[1][0]}
    canvas.show_prediction(x, values)
    assert "Prediction" in canvas._banner_text()
    assert canvas._input_value(1) == 8.0
    assert fmt_full(outs[1][0]) in canvas.tooltip_for("b21")
    canvas.clear_prediction()
    assert canvas._input_value(1) == 6.3


def test_font_scale_enlarges_text(canvas):
    net, record = tutorial_step()
    canvas.set_network(net.spec)
    canvas.show_record(record, net.parameters())
    small = canvas._ensure_layout().label_font.pixelSize()
    canvas.set_font_scale(1.5)
    big = canvas._ensure_layout().label_font.pixelSize()
    assert big >= small * 1.4
    assert small >= 14  # readable from the back of a classroom at 900 × 600


@pytest.mark.parametrize("sizes,acts,loss", [
    ((1, 1), ("linear",), "se"),
    ((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "bce"),
    ((8, 8, 8, 8, 8, 3), ("tanh", "relu", "tanh", "relu", "sigmoid"), "bce"),
])
def test_every_shape_lays_out_and_clicks(canvas, qtbot, sizes, acts, loss):
    spec = NetworkSpec(sizes, acts, loss)
    net = Network(spec, np.random.default_rng(0).normal(size=spec.n_params))
    record = net.step(np.linspace(0, 1, sizes[0]), np.ones(sizes[-1]) * (loss == "bce"), 0.1)
    canvas.set_network(spec, [f"col{i}" for i in range(sizes[0])])
    canvas.show_record(record, net.parameters())
    weights = [n for n in spec.param_names if n[0] == "W"]
    for name in weights:
        assert canvas.item_at(canvas.edge_midpoint(name)) == name, name
    assert not canvas.grab().isNull()
    if len(weights) > NetworkCanvas.LABEL_EDGE_LIMIT:
        name = weights[len(weights) // 2]
        assert not canvas.edge_label_visible(name)  # big nets: no clutter…
        canvas.select_parameter(name)
        assert canvas.edge_label_visible(name)  # …but the selected one is labelled
