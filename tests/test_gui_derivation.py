"""The derivation panel writes down exactly the engine's chain factors, product and update."""
import re

import numpy as np
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QAbstractButton

from engine.init import initialise
from engine.network import Network
from engine.spec import NetworkSpec
from gui.panels.derivation import DerivationPanel, bracket, math_html, substitute
from engine.notation import fmt, parse


def tutorial_record():
    """The tutorial's Step 0: all w = 1, b = 0, x = (6.3, 100), y = 7 → ŷ = 212.6, ∂L/∂ŷ = 411.2."""
    net = initialise(Network.from_preset("regression"), "tutorial")
    return net.step([6.3, 100], [7], 0.01)


def uneven_record():
    """Every weight different, so a swapped number shows."""
    net = Network.from_preset("regression")
    for name, v in dict(W111=0.2, W121=-0.3, b11=0.1, W112=0.4, W122=0.5, b12=-0.2, W211=0.5, W221=-1.5, b21=0.3).items():
        net[name] = v
    return net.step([6.3, 1.0], [7], 0.01)


def deep_record():
    spec = NetworkSpec((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "bce")
    net = Network(spec, np.random.default_rng(1).normal(size=spec.n_params) * 0.7)
    return net.step([0.5, -1.0, 2.0], [1, 0], 0.1)


def classification_record():
    net = initialise(Network.from_preset("classification"), "const:0.3,0")
    return net.step([0.5, 1.0], [1], 0.1)


@pytest.fixture
def panel(qtbot):
    p = DerivationPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    return p


def equation_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip().startswith("= ")]


NUMBER = r"(?:−?[0-9.]+(?:e[+−][0-9]+)?|NaN|−?∞)"
NUMBERS_LINE = re.compile(rf"^= \({NUMBER}\)(?: · \({NUMBER}\))*$")


def numbers_line(text: str) -> str:
    """The chain with each factor's value: '= (411.2) · (1) · (6.3)'."""
    return next(ln for ln in equation_lines(text) if NUMBERS_LINE.match(ln))


def parsed_factors(line: str) -> list[float]:
    return [parse(m) for m in re.findall(r"\(([^()]+)\)", line[2:])]


def check_against_engine(panel, record, name):
    panel.show_record(record, record.params_after)
    panel.select_parameter(name)
    text = panel.toPlainText()
    factors = record.chain[name]
    line = numbers_line(text)
    values = parsed_factors(line)
    assert values == [parse(fmt(f.value)) for f in factors], (name, line)
    lines = equation_lines(text)
    product_line = lines[lines.index(line) + 1]
    shown_gradient = parse(product_line[2:])
    assert shown_gradient == parse(fmt(record.grads[name]))
    # the product of the shown factors is the shown gradient (to the 6 digits shown)
    assert np.prod(values) == pytest.approx(shown_gradient, rel=2e-5, abs=1e-9)
    # and the engine's own factors multiply to its gradient
    assert np.prod([f.value for f in factors]) == pytest.approx(record.grads[name], rel=1e-12, abs=1e-15)
    return text


def test_tutorial_step0_w111_reads_like_the_tutorial(panel):
    record = tutorial_record()
    panel.set_network(record.spec, ["CGPA", "IQ"])
    text = check_against_engine(panel, record, "W111")
    assert "∂L/∂W111" in text
    assert "= ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111" in text
    assert "= −2(y − ŷ) · W211 · x1" in text
    assert "= −2(7 − 212.6) · 1 · 6.3" in text
    assert "= (411.2) · (1) · (6.3)" in text
    assert "= 2590.56" in text
    assert "W111 ← W111 − η·∂L/∂W111 = 1 − 0.01 · 2590.56 = −24.9056" in text
    assert "W111: 1 → −24.9056" in text
    assert "x1 = 6.3 (CGPA)" in text
    html = panel.toHtml()  # Qt re-serialises <sub> as a vertical-align span
    assert "vertical-align:sub" in html
    assert "dL/dW" not in text and "-2(" not in text  # real ∂ and minus signs


@pytest.mark.parametrize("make", [tutorial_record, uneven_record, classification_record, deep_record])
def test_every_parameters_numbers_are_the_engines(panel, make):
    record = make()
    panel.set_network(record.spec)
    for name in record.spec.param_names:
        check_against_engine(panel, record, name)


def test_update_line_uses_params_before_and_after(panel):
    record = uneven_record()
    panel.set_network(record.spec)
    panel.show_record(record, record.params_after)
    for name in ("W221", "b12"):
        panel.select_parameter(name)
        text = panel.toPlainText()
        old, new = record.params_before[name], record.params_after[name]
        assert f"{name}: {fmt(old)} → {fmt(new)}" in text
        assert f"= {fmt(new)}" in text


def test_substituted_numbers_come_from_the_record(panel):
    record = uneven_record()
    panel.set_network(record.spec)
    panel.show_record(record, None)
    panel.select_parameter("W121")
    text = panel.toPlainText()
    y, yhat = record.y[0], record.y_hat[0]
    assert yhat < 0
    assert f"−2({fmt(y)} − ({fmt(yhat)}))" in text
    flat = " ".join(text.split())
    assert f"∂ŷ/∂O11 = W211 = {fmt(record.params_before['W211'])}" in flat


def test_classification_shows_the_collapse_to_minus_y_minus_yhat(panel):
    record = classification_record()
    panel.set_network(record.spec)
    panel.show_record(record, None)
    panel.select_parameter("W111")
    text = panel.toPlainText()
    delta = record.grads["b21"]  # ∂L/∂Z21 from the engine
    y, yhat = fmt(record.y[0]), fmt(record.y_hat[0])
    assert "∂L/∂ŷ · ∂ŷ/∂Z21 = " in text
    assert f"= −(y − ŷ) = −({y} − {yhat}) = {fmt(delta)}" in text
    first, second = record.chain["W111"][:2]
    assert f"({fmt(first.value)}) · ({fmt(second.value)}) = {fmt(delta)}" in text
    assert delta == pytest.approx(-(record.y[0] - record.y_hat[0]), rel=1e-9)


def test_deep_network_has_the_sum_over_paths(panel):
    record = deep_record()
    panel.set_network(record.spec)
    panel.show_record(record, None)
    panel.select_parameter("W111")
    text = panel.toPlainText()
    assert "Σ ∂L/∂Z21·W211 + ∂L/∂Z22·W212 + ∂L/∂Z23·W213" in text
    # ∂L/∂Z2m is shown as the engine's ∂L/∂b2m
    assert fmt(record.grads["b21"]) in text


def test_all_parameters_toggle_lists_every_derivative(panel, qtbot):
    record = tutorial_record()
    panel.set_network(record.spec)
    panel.show_record(record, None)
    toggle = panel.findChild(QAbstractButton, "derivationAllToggle")
    assert toggle is not None
    toggle.click()
    assert panel.mode() == "all"
    text = panel.toPlainText()
    for name in record.spec.param_names:
        assert f"∂L/∂{name}" in text
        assert fmt(record.grads[name]) in text
        assert f"{name}: {fmt(record.params_before[name])} → {fmt(record.params_after[name])}" in text
    # a parameter's link selects it
    with qtbot.waitSignal(panel.parameterSelected) as sig:
        panel.anchorClicked.emit(QUrl("param:W122"))
    assert sig.args == ["W122"]
    assert panel.selected_parameter() == "W122"
    toggle.click()
    assert panel.mode() == "selected"
    assert "∂L/∂W122 = ∂L/∂ŷ · ∂ŷ/∂O12 · ∂O12/∂W122" in " ".join(panel.toPlainText().split())


def test_no_record_explains_what_to_do(panel):
    panel.set_network(Network.from_preset("regression").spec)
    panel.show_record(None, None)
    assert "Step" in panel.toPlainText()


def test_helpers():
    assert math_html("∂L/∂W111") == "∂L/∂W<sub>111</sub>"
    assert math_html("ŷ2 − y2") == "ŷ<sub>2</sub> − y<sub>2</sub>"
    assert substitute("−2(y − ŷ)", {"y": 7.0, "ŷ": -3.0}) == "−2(7 − (−3))"
    assert bracket("1 − O11²") == "(1 − O11²)"
    assert bracket("−2(y − ŷ)") == "−2(y − ŷ)"
    assert bracket("W211") == "W211"


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_font_scale_and_shown_widget(panel, qtbot):
    record = tutorial_record()
    panel.set_network(record.spec)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_record(record, None)
    panel.set_font_scale(1.5)
    assert "2590.56" in panel.toPlainText()
    assert panel.document().defaultFont().pixelSize() == round(DerivationPanel.BASE_PIXELS * 1.5)
