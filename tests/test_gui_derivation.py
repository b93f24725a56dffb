"""The derivation panel writes down exactly the engine's chain factors, product and update of the
shown moment, at the state's precision; hand-checkable on the tutorial's w = 1, b = 0."""
import re

import numpy as np
import pytest
from conftest import Studio
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QAbstractButton

from engine import moment
from engine.init import initialise
from engine.network import Network
from engine.notation import fmt, parse, shown_value
from engine.spec import NetworkSpec
from engine.training import Training
from gui.panels.derivation import DerivationPanel, bracket, math_html, substitute
from gui.state import AppState

OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"


def tutorial_record():
    """The tutorial's Step 0: all w = 1, b = 0, x = (6.3, 100), y = 7 → ŷ = 212.6, ∂L/∂ŷ = 411.2."""
    net = initialise(Network.from_preset("regression"), "tutorial")
    return net.step([6.3, 100], [7], 0.01)


def uneven_record():
    """Every weight different, so a swapped number shows."""
    net = Network.from_preset("regression")
    weights = dict(W111=0.2, W121=-0.3, b11=0.1, W112=0.4, W122=0.5, b12=-0.2, W211=0.5, W221=-1.5, b21=0.3)
    for name, v in weights.items():
        net[name] = v
    return net.step([6.3, 1.0], [7], 0.01)


def deep_record():
    spec = NetworkSpec((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "bce")
    net = Network(spec, np.random.default_rng(1).normal(size=spec.n_params) * 0.7)
    return net.step([0.5, -1.0, 2.0], [1, 0], 0.1)


def classification_record():
    net = initialise(Network.from_preset("classification"), "const:0.3,0")
    return net.step([0.5, 1.0], [1], 0.1)


def state_showing(record, precision=6, name=None):
    """A state showing one trained row of any network (no table needed)."""
    s = AppState(precision=precision)
    s.selected = name or record.spec.param_names[0]
    s.shown = moment.after_step(record, record.x)
    return s


def make_panel(qtbot, state):
    p = DerivationPanel(state)
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


def check_against_engine(panel, record, name, precision):
    panel.state.selected = name
    text = panel.toPlainText()
    factors = record.chain[name]
    line = numbers_line(text)
    values = parsed_factors(line)
    assert values == [shown_value(f.value, precision) for f in factors], (name, line)
    lines = equation_lines(text)
    shown_gradient = parse(lines[lines.index(line) + 1][2:])
    assert shown_gradient == shown_value(record.grads[name], precision)
    # the product of the shown factors is the shown gradient, to the digits shown
    assert np.prod(values) == pytest.approx(shown_gradient, rel=len(values) * 10.0 ** (1 - precision), abs=1e-9)
    # and the engine's own factors multiply to its gradient
    assert np.prod([f.value for f in factors]) == pytest.approx(record.grads[name], rel=1e-12, abs=1e-15)
    return text


def test_hand_derived_first_row_at_w1_b0(qtbot):
    studio = Studio(init="tutorial", scaling="none")
    p = make_panel(qtbot, studio.state)
    # Row 3 of the table: x = (6, 10), y = 6. By hand: O11 = O12 = 16, ŷ = 32, L = (6 − 32)² = 676,
    # ∂L/∂ŷ = −2(6 − 32) = 52, ∂L/∂W111 = 52 · W211 · x1 = 52 · 1 · 6 = 312.
    text = p.toPlainText()
    assert "Table row 3" in text and "not trained" in text
    assert "x1 = 6 (cgpa), x2 = 10 (profile_score)" in text
    assert "y = 6, ŷ = 32, L = 676, η = 0.1" in text
    assert "= ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111" in text
    assert "= −2(y − ŷ) · W211 · x1" in text
    assert "= −2(6 − 32) · 1 · 6" in text
    assert "= (52) · (1) · (6)" in text
    assert "= 312" in text
    # nothing was trained: the update rule, but no number from another moment
    assert "W111 ← W111 − η·∂L/∂W111" in text and "shown after a Step" in text
    assert "→" not in text and "−30.2" not in text
    studio.step()  # η = 0.1: W111 ← 1 − 0.1 · 312 = −30.2
    text = p.toPlainText()
    assert "W111 ← W111 − η·∂L/∂W111 = 1 − 0.1 · 312 = −30.2" in text
    assert "W111: 1 → −30.2 (change −η·∂L/∂p = −31.2)" in text
    html = p.toHtml()  # Qt re-serialises <sub> as a vertical-align span
    assert "vertical-align:sub" in html
    assert "dL/dW" not in text and "-2(" not in text  # real ∂ and minus signs


def test_the_tutorial_step0_reads_like_the_tutorial(qtbot):
    record = tutorial_record()
    p = make_panel(qtbot, state_showing(record, name="W111"))
    text = check_against_engine(p, record, "W111", 6)
    assert "= −2(7 − 212.6) · 1 · 6.3" in text
    assert "= (411.2) · (1) · (6.3)" in text
    assert "W111 ← W111 − η·∂L/∂W111 = 1 − 0.01 · 2590.56 = −24.9056" in text


@pytest.mark.parametrize("precision", [4, 6, 8])
@pytest.mark.parametrize("make", [tutorial_record, uneven_record, classification_record, deep_record])
def test_every_parameters_numbers_are_the_engines(qtbot, make, precision):
    record = make()
    p = make_panel(qtbot, state_showing(record, precision))
    for name in record.spec.param_names:
        check_against_engine(p, record, name, precision)


def test_update_line_only_when_the_moment_shows_an_update(qtbot):
    studio = Studio(init="random")
    p = make_panel(qtbot, studio.state)
    studio.state.selected = "W221"
    studio.preview(with_update=False)
    text = p.toPlainText()
    assert "'update' phase" in text and "→" not in text
    record = studio.preview(with_update=True)
    text = p.toPlainText()
    old, new = record.params_before["W221"], record.params_after["W221"]
    assert f"W221: {fmt(old)} → {fmt(new)}" in text
    studio.edit("W221", 0.25)
    assert "→" not in p.toPlainText()


def test_substituted_numbers_come_from_the_record(qtbot):
    record = uneven_record()
    p = make_panel(qtbot, state_showing(record, name="W121"))
    text = p.toPlainText()
    y, yhat = record.y[0], record.y_hat[0]
    assert yhat < 0
    assert f"−2({fmt(y)} − ({fmt(yhat)}))" in text
    flat = " ".join(text.split())
    assert f"∂ŷ/∂O11 = W211 = {fmt(record.params_before['W211'])}" in flat


def test_classification_shows_the_collapse_to_minus_y_minus_yhat(qtbot):
    record = classification_record()
    text = make_panel(qtbot, state_showing(record, name="W111")).toPlainText()
    delta = record.grads["b21"]  # ∂L/∂Z21 from the engine
    y, yhat = fmt(record.y[0]), fmt(record.y_hat[0])
    assert "∂L/∂ŷ · ∂ŷ/∂Z21 = " in text
    assert f"= −(y − ŷ) = −({y} − {yhat}) = {fmt(delta)}" in text
    first, second = record.chain["W111"][:2]
    assert f"({fmt(first.value)}) · ({fmt(second.value)}) = {fmt(delta)}" in text
    assert delta == pytest.approx(-(record.y[0] - record.y_hat[0]), rel=1e-9)


def test_deep_network_has_the_sum_over_paths(qtbot):
    record = deep_record()
    text = make_panel(qtbot, state_showing(record, name="W111")).toPlainText()
    assert "Σ ∂L/∂Z21·W211 + ∂L/∂Z22·W212 + ∂L/∂Z23·W213" in text
    assert fmt(record.grads["b21"]) in text  # ∂L/∂Z2m is shown as the engine's ∂L/∂b2m


def test_all_parameters_toggle_lists_every_derivative(qtbot):
    studio = Studio(init="tutorial", scaling="none")
    p = make_panel(qtbot, studio.state)
    toggle = p.findChild(QAbstractButton, "derivationAllToggle")
    toggle.click()
    assert p.mode() == "all"
    text = p.toPlainText()
    grads = studio.state.shown.grads
    for name in studio.state.spec.param_names:
        assert f"∂L/∂{name}" in text and fmt(grads[name]) in text
    assert "→" not in text  # idle: no update column
    record = studio.step()
    text = p.toPlainText()
    for name in record.spec.param_names:
        assert f"{name}: {fmt(record.params_before[name])} → {fmt(record.params_after[name])}" in text
    # a parameter's link selects it everywhere
    with qtbot.waitSignal(p.parameterSelected) as sig:
        p.anchorClicked.emit(QUrl("param:W122"))
    assert sig.args == ["W122"]
    assert studio.state.selected == "W122" and p.selected_parameter() == "W122"
    toggle.click()
    assert p.mode() == "selected"
    assert "∂L/∂W122 = ∂L/∂ŷ · ∂ŷ/∂O12 · ∂O12/∂W122" in " ".join(p.toPlainText().split())
    with pytest.raises(ValueError):
        p.set_mode("some")


NUMBER_IN_TEXT = re.compile(r"−?\d+(?:\.\d+)?(?:e[+−]\d+)?")


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_all_parameters_never_wraps_inside_a_number(qtbot):
    studio = Studio(task="classification", dataset="students-classification")
    studio.state.precision = 8
    p = make_panel(qtbot, studio.state)
    p.set_mode("all")
    p.resize(260, 400)  # much narrower than a row of numbers
    p.show()
    qtbot.waitExposed(p)
    studio.step()
    doc = p.document()
    assert doc.idealWidth() > doc.textWidth()  # it did not fit: a scroll bar, not a cut
    numbers = 0
    block = doc.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        starts = [layout.lineAt(i).textStart() for i in range(layout.lineCount())]
        for m in NUMBER_IN_TEXT.finditer(text):
            numbers += 1
            assert not any(m.start() < s < m.end() for s in starts), (m.group(), text)
        block = block.next()
    assert numbers > 9 * 3


def test_a_prediction_has_no_target_to_explain(qtbot):
    studio = Studio(init="tutorial", scaling="none")
    p = make_panel(qtbot, studio.state)
    studio.predict([7, 8])  # by hand: ŷ = 2 · (7 + 8) = 30
    text = p.toPlainText()
    assert "prediction" in text and "no target" in text
    assert "ŷ = 30" in text
    assert "∂L/∂W111" not in text and "L =" not in text


def test_no_moment_explains_what_to_do(qtbot):
    p = make_panel(qtbot, AppState())
    assert "Step" in p.toPlainText()


@pytest.mark.parametrize("eta,finite", [(1e3, True), (1e300, False)])
def test_a_diverged_row_says_not_finite_only_when_it_is_not(qtbot, eta, finite):
    """A loss that ran away is a large finite number (η = 1000 on inputs of 100: the second row's
    loss is ~10⁶ × the start's); η = 1e300 makes the parameters infinite at once."""
    net = initialise(Network.from_preset("regression"), "tutorial")
    training = Training(net, np.array([[100.0, 100.0]]), np.array([[0.0]]), eta=eta, order="sequential")
    record = training.step()
    while not record.diverged and record.step < 5:
        record = training.step()
    assert record.diverged and np.isfinite(record.loss) == finite
    text = make_panel(qtbot, state_showing(record)).toPlainText()
    assert "diverged" in text
    assert ("not a finite number" in text) != finite
    if finite:
        assert f"its loss {fmt(record.loss)} ran away" in text


def test_helpers():
    assert math_html("∂L/∂W111") == "∂L/∂W<sub>111</sub>"
    assert math_html("ŷ2 − y2") == "ŷ<sub>2</sub> − y<sub>2</sub>"
    assert substitute("−2(y − ŷ)", {"y": 7.0, "ŷ": -3.0}) == "−2(7 − (−3))"
    assert substitute("−2(y − ŷ)", {"y": 7.0, "ŷ": 1 / 3}, 4) == "−2(7 − 0.3333)"
    assert bracket("1 − O11²") == "(1 − O11²)"
    assert bracket("−2(y − ŷ)") == "−2(y − ŷ)"
    assert bracket("W211") == "W211"


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_font_scale_and_a_hidden_panel_catches_up_when_shown(qtbot):
    studio = Studio(init="tutorial", scaling="none")
    p = make_panel(qtbot, studio.state)
    p.show()
    qtbot.waitExposed(p)
    p.hide()
    studio.state.precision = 4
    studio.step()
    p.show()
    qtbot.waitExposed(p)
    assert "= 1 − 0.1 · 312 = −30.2" in super(DerivationPanel, p).toPlainText()  # rendered on show
    p.set_font_scale(1.5)
    assert p.document().defaultFont().pixelSize() == round(DerivationPanel.BASE_PIXELS * 1.5)
