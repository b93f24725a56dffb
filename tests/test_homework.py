"""Check my homework: right answers pass (tolerance stated), wrong ones name the chain factor.
An answer worked out on a calculator from the numbers the app prints is accepted at every
display precision; a 1 % error is not."""
import math
import re

import numpy as np
import pytest
from conftest import Studio
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from engine import moment
from engine.homework import (
    ABS_TOL,
    REL_TOL,
    TOLERANCE_TEXT,
    check_answer,
    explain_gradient,
    half_unit,
    is_close,
    parse_quantity,
    product_tolerance,
    quantities,
)
from engine.init import initialise
from engine.network import Network
from engine.notation import fmt, parse
from engine.scaling import Standardizer
from gui.panels.derivation import DerivationPanel, math_html
from gui.panels.homework import HomeworkWidget, parse_answer
from gui.state import AppState


def tutorial_record():
    """Step 0: all w = 1, b = 0, x = (6.3, 100), y = 7 → ŷ = 212.6, ∂L/∂ŷ = 411.2, ∂L/∂W111 = 2590.56."""
    net = initialise(Network.from_preset("regression"), "tutorial")
    return net.step([6.3, 100], [7], 0.01)


def uneven_record():
    """Hand-checkable, every weight different, x = (6.3, 2), y = 7:
    O11 = 0.2·6.3 − 0.3·2 + 0.1 = 0.76, O12 = 0.4·6.3 + 0.5·2 − 0.2 = 3.32,
    ŷ = 0.5·0.76 − 1.5·3.32 + 0.3 = −4.3, ∂L/∂ŷ = −2(7 − (−4.3)) = −22.6."""
    net = Network.from_preset("regression")
    weights = dict(W111=0.2, W121=-0.3, b11=0.1, W112=0.4, W122=0.5, b12=-0.2, W211=0.5, W221=-1.5, b21=0.3)
    for name, v in weights.items():
        net[name] = v
    return net.step([6.3, 2.0], [7], 0.01)


def classification_record():
    net = initialise(Network.from_preset("classification"), "const:0.3,0")
    return net.step([0.5, 1.0], [1], 0.1)


# ---- engine ------------------------------------------------------------------------------
def test_hand_numbers():
    r = uneven_record()
    assert r.forward["O11"] == pytest.approx(0.76)
    assert r.forward["O12"] == pytest.approx(3.32)
    assert r.y_hat[0] == pytest.approx(-4.3)
    assert r.dloss[0] == pytest.approx(-22.6)
    assert r.grads["W111"] == pytest.approx(-22.6 * 0.5 * 6.3)


def test_right_answers_pass_within_the_stated_tolerance():
    r = tutorial_record()
    for value in (2590.56, 2590.6, 2591.0, 2590.56 * (1 + 0.9 * REL_TOL)):
        v = check_answer(r, "∂L/∂W111", value)
        assert v.correct and v
        assert TOLERANCE_TEXT in v.message
    assert not check_answer(r, "∂L/∂W111", 2590.56 * (1 + 1.1 * REL_TOL)).correct
    assert check_answer(r, "grad:b21", 411.2).correct
    assert check_answer(r, "dL/dW211", 43710.56).correct
    assert check_answer(r, "new:W111", -24.9056).correct
    assert check_answer(r, "new:b11", -4.112).correct
    assert is_close(0.0, ABS_TOL * 0.5) and not is_close(0.0, ABS_TOL * 2)


def test_a_weight_swapped_for_another_names_the_factor():
    r = uneven_record()
    f_loss, f_w, f_x = r.chain["W111"]
    assert f_w.formula == "W211"
    wrong = f_loss.value * r.params_before["W221"] * f_x.value  # W221 used instead of W211
    v = check_answer(r, "∂L/∂W111", wrong)
    assert not v.correct
    assert v.factor == "∂ŷ/∂O11"
    assert v.used == pytest.approx(-1.5)
    assert "∂ŷ/∂O11 looks wrong" in v.message
    assert "W221" in v.message and "W211 = 0.5" in v.message
    assert TOLERANCE_TEXT in v.message


def test_the_sign_of_dl_dyhat_flipped_names_the_loss_factor():
    r = uneven_record()
    f_loss, f_w, f_x = r.chain["W111"]
    v = check_answer(r, "∂L/∂W111", -f_loss.value * f_w.value * f_x.value)
    assert not v.correct
    assert v.factor == "∂L/∂ŷ"
    assert "sign flipped" in v.message
    assert "−2(y − ŷ)" in v.message


@pytest.mark.parametrize("mistake,factor,words", [
    (lambda r, f: (r.y[0] - r.y_hat[0]) * f[1].value * f[2].value, "∂L/∂ŷ", "without the −2"),
    (lambda r, f: f[0].value * f[1].value * r.x[1], "∂O11/∂W111", "(x2)"),
    (lambda r, f: f[0].value * f[1].value * 1.0, "∂O11/∂W111", "left out"),
    (lambda r, f: f[0].value * r.params_after["W211"] * f[2].value, "∂ŷ/∂O11", "W211 after the update"),
])
def test_common_slips(mistake, factor, words):
    r = uneven_record()
    v = check_answer(r, "∂L/∂W111", mistake(r, r.chain["W111"]))
    assert not v.correct
    assert v.factor == factor, v.message
    assert words in v.message


def test_classification_slips():
    r = classification_record()
    f = r.chain["W111"]
    # the sigmoid's derivative at the hidden neuron forgotten
    forgot = f[0].value * f[1].value * f[2].value * 1.0 * f[4].value
    v = check_answer(r, "∂L/∂W111", forgot)
    assert v.factor == "∂O11/∂Z11" and "derivative left out" in v.message
    # squared error's derivative used for cross-entropy
    se = -2 * (r.y[0] - r.y_hat[0])
    v = check_answer(r, "∂L/∂b21", se * f[1].value)
    assert v.factor == "∂L/∂ŷ" and "squared error" in v.message
    # −(y − ŷ) is the right collapsed value of ∂L/∂ŷ · ∂ŷ/∂Z
    assert check_answer(r, "∂L/∂b21", -(r.y[0] - r.y_hat[0])).correct


def test_nothing_matches_lists_the_right_factors():
    r = tutorial_record()
    v = check_answer(r, "∂L/∂W111", 1234.0)
    assert not v.correct and v.factor is None
    assert "can't be pinned" in v.message
    assert "∂L/∂ŷ = −2(y − ŷ) = 411.2" in v.message and "x1 = 6.3" in v.message
    assert explain_gradient(r, "W111", 1234.0) == []


@pytest.mark.parametrize("given,words", [
    (1 + 0.01 * 2590.56, "sign is flipped"),
    (1 - 2590.56, "η is missing"),
    (1 - 0.1 * 2590.56, "η = 0.1"),
    (-0.01 * 2590.56, "change −η·∂L/∂p alone"),
    (1.0, "old value"),
    (1 - 0.01 * 41120.0, "∂O11/∂W111 looks wrong"),  # x2 instead of x1 inside the gradient
])
def test_update_diagnosis(given, words):
    r = tutorial_record()
    v = check_answer(r, "new:W111", given)
    assert not v.correct
    assert words in v.message, v.message
    assert "W111 ← W111 − η·∂L/∂W111 = 1 − 0.01 · 2590.56 = −24.9056" in v.message


def test_quantities_and_parsing():
    spec = Network.from_preset("regression").spec
    qs = quantities(spec)
    assert qs[0] == "∂L/∂W111" and "new:b21" in qs and len(qs) == 2 * spec.n_params
    assert parse_quantity("grad:W121") == ("grad", "W121")
    assert parse_quantity("δL/δW121") == ("grad", "W121")
    assert parse_quantity("new: b11") == ("new", "b11")
    with pytest.raises(ValueError):
        parse_quantity("W111")
    with pytest.raises(ValueError):
        check_answer(tutorial_record(), "∂L/∂W999", 1.0)
    assert parse_answer("−24.9056") == parse_answer("-24.9056") == -24.9056
    assert parse_answer(" 2 590.56 ") == 2590.56
    assert parse_answer("0,5") == 0.5
    assert parse_answer("1e−3") == 0.001
    with pytest.raises(ValueError):
        parse_answer("twelve")


# ---- the tolerance: the rounding of the numbers shown -------------------------------------------
def test_half_unit_of_the_last_shown_digit():
    assert half_unit(2590.56, 6) == pytest.approx(0.005)
    assert half_unit(6.3, 6) == pytest.approx(5e-6)
    assert half_unit(-0.0123456789, 4) == pytest.approx(5e-6)
    assert half_unit(9.9999996, 6) == pytest.approx(5e-5)  # printed as 10
    assert half_unit(0.0, 6) == 0.0
    for v in (2590.56, -0.0123456789, 9.9999996, 3.3e-9):
        for d in (4, 6, 8):
            assert abs(parse(fmt(v, d)) - v) <= half_unit(v, d) * (1 + 1e-12)


def test_product_tolerance_covers_every_printed_factor():
    f = (411.2, 1.0, 6.3)
    exact = 411.2 * 1.0 * 6.3
    widest = (411.2 + 5e-4) * (1 + 5e-6) * (6.3 + 5e-6)
    assert product_tolerance(f, 6) == pytest.approx(widest - exact + 0.005)
    # to first order: Σ |product| · (half unit of f_i) / |f_i|, plus half a unit of the result
    first_order = exact * (5e-4 / 411.2 + 5e-6 / 1.0 + 5e-6 / 6.3) + 0.005
    assert product_tolerance(f, 6) == pytest.approx(first_order, rel=1e-5)


def test_a_coarser_precision_accepts_what_its_rounding_allows():
    r = uneven_record()
    f = [x.value for x in r.chain["W111"]]
    from4 = np.prod([parse(fmt(v, 4)) for v in f])  # a calculator on the 4-digit factors
    assert check_answer(r, "∂L/∂W111", from4, 4).correct
    assert check_answer(r, "∂L/∂W111", r.grads["W111"] * 1.01, 4).correct is False
    v = check_answer(r, "∂L/∂W111", r.grads["W111"], 8)
    assert v.correct and "8 significant digits" in v.message and v.tolerance > 0


def test_three_factors_each_printed_as_1_still_give_a_right_answer():
    """∂L/∂W111 = ∂L/∂ŷ · W211 · x1 with all three = 1.00049, each printed '1' at 4 digits:
    1 · 1 · 1 = 1 is 0.147 % below the exact 1.00147, beyond a flat 0.1 %, and still right."""
    net = Network.from_preset("regression")
    for name in net.spec.param_names:
        net[name] = 0.0
    net["W111"], net["W211"] = 1.0, 1.00049
    y_hat = 1.00049 ** 2
    r = net.step([1.00049, 0.0], [y_hat - 0.500245], 0.1)  # ∂L/∂ŷ = −2(y − ŷ) = 1.00049
    assert [fmt(f.value, 4) for f in r.chain["W111"]] == ["1", "1", "1"]
    assert abs(1.0 - r.grads["W111"]) > REL_TOL * abs(r.grads["W111"])
    assert check_answer(r, "∂L/∂W111", 1.0, 4).correct
    assert not check_answer(r, "∂L/∂W111", 1.0, 6).correct  # at 6 digits the factors print as 1.00049
    assert check_answer(r, "∂L/∂W111", 1.00049 ** 3, 6).correct
    assert not check_answer(r, "∂L/∂W111", 1.01 * 1.00049 ** 3, 4).correct


# ---- worked out from the displayed text ------------------------------------------------------------
NUMBER = r"−?[0-9.]+(?:e[+−][0-9]+)?"
NUMBERS_LINE = re.compile(rf"^= \(({NUMBER})\)(?: · \(({NUMBER})\))*$")


def shown_factors(derivation: DerivationPanel) -> list[float]:
    """The factors' values as the derivation panel prints them: '= (52) · (1) · (6)'."""
    for line in derivation.toPlainText().splitlines():
        line = line.strip()
        if NUMBERS_LINE.match(line):
            return [parse(x) for x in re.findall(r"\(([^()]+)\)", line[2:])]
    raise AssertionError("no line of factors")


def shown_given(homework, label: str) -> float:
    """A number of the homework's givens as printed: 'W<sub>111</sub> = 0.4217'."""
    m = re.search(rf"{re.escape(label)} = ({NUMBER})", homework.givens_text())
    return parse(m.group(1))


def panels(qtbot, state):
    derivation, homework = DerivationPanel(state), HomeworkWidget(state)
    qtbot.addWidget(derivation)
    qtbot.addWidget(homework)
    return derivation, homework


def answer(homework, quantity: str, value) -> object:
    homework.set_quantity(quantity)
    homework.input.setText(value if isinstance(value, str) else repr(float(value)))
    return homework.check()


@pytest.mark.parametrize("precision", [4, 6, 8])
@pytest.mark.parametrize("task", ["regression", "classification"])
def test_an_answer_from_the_printed_numbers_is_accepted(qtbot, precision, task):
    studio = Studio(task=task, dataset=f"students-{task}")  # small random weights: long decimals
    studio.state.precision = precision
    derivation, homework = panels(qtbot, studio.state)
    eta_label = "η"
    for move in (lambda: None, studio.step, studio.step):
        move()
        m = studio.state.shown
        for name in m.spec.param_names:
            studio.state.selected = name
            factors = shown_factors(derivation)
            assert len(factors) == len(m.record.chain[name])
            grad = math.prod(factors)  # a calculator on the printed factors
            v = answer(homework, f"∂L/∂{name}", grad)
            assert v.correct, v.message
            assert answer(homework, f"∂L/∂{name}", fmt(grad, precision)).correct  # rounded as the app would
            # the update from the printed old value and η, with that gradient
            old = shown_given(homework, math_html(name))
            eta = shown_given(homework, eta_label)
            assert old == parse(fmt(m.params[name], precision))
            v = answer(homework, f"new:{name}", old - eta * grad)
            assert v.correct, v.message
            # 1 % off is wrong at every precision, and the right factors are named
            if abs(grad) > 1e-3:
                wrong = answer(homework, f"∂L/∂{name}", grad * 1.01)
                assert not wrong.correct, wrong.message
                for f in m.record.chain[name]:
                    assert f.name in wrong.message
            # the update's sign flipped is wrong whenever the update is larger than the rounding of p
            if 2 * eta * abs(grad) > max(1e-3 * abs(old), 1e-4):
                v = answer(homework, f"new:{name}", old + eta * grad)
                assert not v.correct and "sign is flipped" in v.message, v.message


@pytest.mark.parametrize("precision", [4, 6, 8])
def test_a_slip_worked_from_the_printed_numbers_names_the_factor(qtbot, precision):
    studio = Studio()
    studio.state.precision = precision
    derivation, homework = panels(qtbot, studio.state)
    studio.step()
    studio.state.selected = "W111"
    loss, _w211, x1 = shown_factors(derivation)  # ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111
    w221 = shown_given(homework, math_html("W221"))  # the other weight, read from the givens
    v = answer(homework, "∂L/∂W111", loss * w221 * x1)
    assert not v.correct
    assert v.factor == "∂ŷ/∂O11", v.message
    assert "∂ŷ/∂O<sub>11</sub> looks wrong" in homework.result.text()
    v = answer(homework, "∂L/∂W111", -loss * _w211 * x1)
    assert not v.correct and v.factor == "∂L/∂ŷ" and "sign flipped" in v.message


@pytest.mark.parametrize("precision", [4, 8])
def test_givens_are_printed_at_the_precision_checked(qtbot, precision):
    studio = Studio()
    studio.state.precision = precision
    _, homework = panels(qtbot, studio.state)
    m = studio.state.shown
    text = homework.givens_text()
    for name in m.spec.param_names:
        assert f"{math_html(name)} = {fmt(m.params[name], precision)}," in text + ","
    assert f"{precision} significant digits" in text
    assert f"x<sub>1</sub> = {fmt(m.x[0], precision)} (cgpa = {fmt(m.x_raw[0], precision)}, standardised)" in text


# ---- widget --------------------------------------------------------------------------------
def state_showing(record, precision=6):
    s = AppState(precision=precision)
    s.selected = record.spec.param_names[0]
    s.shown = moment.after_step(record, record.x)
    return s


@pytest.fixture
def make_homework(qtbot):
    def make(state):
        w = HomeworkWidget(state)
        qtbot.addWidget(w)
        w.resize(700, 400)
        return w
    return make


def widgets(w):
    return (
        w.findChild(QComboBox, "homeworkQuantity"),
        w.findChild(QLineEdit, "homeworkInput"),
        w.findChild(QPushButton, "homeworkCheckButton"),
        w.findChild(QLabel, "homeworkResult"),
    )


def test_widget_accepts_the_right_value(make_homework, qtbot):
    studio = Studio(init="tutorial", scaling="none")
    homework = make_homework(studio.state)
    studio.step()  # row 3: x = (6, 10), y = 6; ∂L/∂W111 = 52 · 1 · 6 = 312; W111 ← 1 − 0.1 · 312 = −30.2
    chooser, line, button, result = widgets(homework)
    assert all(x is not None for x in (chooser, line, button, result))
    chooser.setCurrentIndex(chooser.findData("∂L/∂W111"))
    for typed in ("312", "312,0", "312.0001"):
        line.setText(typed)
        with qtbot.waitSignal(homework.checked) as sig:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert sig.args[0].correct
        assert "Right" in result.text() and "6 significant digits" in result.text()
    chooser.setCurrentIndex(chooser.findData("new:W111"))
    line.setText("−30.2")  # a real minus sign
    assert homework.check().correct
    line.setText("-30.2")  # and a hyphen
    assert homework.check().correct
    line.setText("-30.5")
    assert not homework.check().correct
    assert "x<sub>1</sub> = 6 (cgpa)" in homework.givens_text()


def test_widget_rejects_a_wrong_value_naming_the_factor(make_homework, qtbot):
    r = uneven_record()
    homework = make_homework(state_showing(r))
    chooser, line, button, result = widgets(homework)
    homework.set_quantity("∂L/∂W111")
    f_loss, _, f_x = r.chain["W111"]
    line.setText(repr(f_loss.value * -1.5 * f_x.value))
    qtbot.keyClick(line, Qt.Key.Key_Return)
    text = result.text()
    assert "Not quite" in text and "significant digits" in text
    assert "∂ŷ/∂O<sub>11</sub> looks wrong" in text and "W<sub>221</sub>" in text


def test_widget_messages_without_a_row_a_number_or_a_target(make_homework):
    state = AppState()
    homework = make_homework(state)
    _, line, _, result = widgets(homework)
    line.setText("2590.56")
    assert homework.check() is None and "Train one row" in result.text()
    r = tutorial_record()
    state.shown = moment.after_step(r, r.x)
    homework.set_quantity("∂L/∂W111")
    line.setText("abc")
    assert homework.check() is None and "isn't a number" in result.text()
    line.setText("2590.56")
    assert homework.check().correct
    net = initialise(Network.from_preset("regression"), "tutorial")
    state.shown = moment.prediction(net, Standardizer.identity(2), [6.3, 100])
    assert "check again" in result.text()
    assert homework.check() is None and "no target" in result.text()


def test_widget_follows_the_selected_parameter(make_homework, qtbot):
    r = tutorial_record()
    state = state_showing(r)
    homework = make_homework(state)
    with qtbot.assertNotEmitted(homework.parameterSelected):
        state.selected = "b12"
    assert homework.current_quantity() == "∂L/∂b12"
    with qtbot.waitSignal(homework.parameterSelected) as sig:
        homework.set_quantity("new:W121")
    assert sig.args == ["W121"] and state.selected == "W121"
    state.selected = "W221"
    assert homework.current_quantity() == "new:W221"
