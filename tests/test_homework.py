"""Check my homework: right answers pass (tolerance stated), wrong ones name the chain factor."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from engine.homework import (
    ABS_TOL, REL_TOL, TOLERANCE_TEXT, check_answer, explain_gradient, is_close, parse_quantity, quantities,
)
from engine.init import initialise
from engine.network import Network
from gui.panels.homework import HomeworkWidget, parse_answer


def tutorial_record():
    """Step 0: all w = 1, b = 0, x = (6.3, 100), y = 7 → ŷ = 212.6, ∂L/∂ŷ = 411.2, ∂L/∂W111 = 2590.56."""
    net = initialise(Network.from_preset("regression"), "tutorial")
    return net.step([6.3, 100], [7], 0.01)


def uneven_record():
    """Hand-checkable, every weight different, x = (6.3, 2), y = 7:
    O11 = 0.2·6.3 − 0.3·2 + 0.1 = 0.76, O12 = 0.4·6.3 + 0.5·2 − 0.2 = 3.32,
    ŷ = 0.5·0.76 − 1.5·3.32 + 0.3 = −4.3, ∂L/∂ŷ = −2(7 − (−4.3)) = −22.6."""
    net = Network.from_preset("regression")
    for name, v in dict(W111=0.2, W121=-0.3, b11=0.1, W112=0.4, W122=0.5, b12=-0.2, W211=0.5, W221=-1.5, b21=0.3).items():
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


# ---- widget --------------------------------------------------------------------------------
@pytest.fixture
def homework(qtbot):
    w = HomeworkWidget()
    qtbot.addWidget(w)
    w.resize(700, 400)
    return w


def widgets(w):
    return (
        w.findChild(QComboBox, "homeworkQuantity"),
        w.findChild(QLineEdit, "homeworkInput"),
        w.findChild(QPushButton, "homeworkCheckButton"),
        w.findChild(QLabel, "homeworkResult"),
    )


def test_widget_accepts_the_right_value(homework, qtbot):
    r = tutorial_record()
    homework.set_network(r.spec, ["CGPA", "IQ"])
    homework.show_record(r, r.params_after)
    chooser, line, button, result = widgets(homework)
    assert all(x is not None for x in (chooser, line, button, result))
    chooser.setCurrentIndex(chooser.findData("∂L/∂W111"))
    for typed in ("2590.56", "2590,56"):
        line.setText(typed)
        with qtbot.waitSignal(homework.checked) as sig:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert sig.args[0].correct
        assert "Right" in result.text() and "0.1 %" in result.text()
    chooser.setCurrentIndex(chooser.findData("new:W111"))
    line.setText("−24.9056")  # a real minus sign
    assert homework.check().correct
    line.setText("-24.9056")  # and a hyphen
    assert homework.check().correct
    assert "x<sub>1</sub> = 6.3 (CGPA)" in homework.givens.text()


def test_widget_rejects_a_wrong_value_naming_the_factor(homework, qtbot):
    r = uneven_record()
    homework.set_network(r.spec)
    homework.show_record(r, r.params_after)
    chooser, line, button, result = widgets(homework)
    homework.set_quantity("∂L/∂W111")
    f_loss, _, f_x = r.chain["W111"]
    line.setText(repr(f_loss.value * -1.5 * f_x.value))
    qtbot.keyClick(line, Qt.Key.Key_Return)
    text = result.text()
    assert "Not quite" in text and "0.1 %" in text
    assert "∂ŷ/∂O<sub>11</sub> looks wrong" in text and "W<sub>221</sub>" in text


def test_widget_messages_without_record_or_number(homework):
    r = tutorial_record()
    homework.set_network(r.spec)
    _, line, _, result = widgets(homework)
    line.setText("2590.56")
    assert homework.check() is None and "Train one row" in result.text()
    homework.show_record(r, None)
    line.setText("abc")
    assert homework.check() is None and "isn't a number" in result.text()


def test_widget_follows_the_selected_parameter(homework, qtbot):
    r = tutorial_record()
    homework.set_network(r.spec)
    homework.show_record(r, None)
    with qtbot.assertNotEmitted(homework.parameterSelected):
        homework.select_parameter("b12")
    assert homework.current_quantity() == "∂L/∂b12"
    homework.set_quantity("new:W121")
    homework.select_parameter("W221")
    assert homework.current_quantity() == "new:W221"
    with qtbot.waitSignal(homework.parameterSelected) as sig:
        homework.set_quantity("∂L/∂W111")
    assert sig.args == ["W111"]
