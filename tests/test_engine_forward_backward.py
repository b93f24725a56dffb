"""One SGD step of each preset, every number worked out by hand from the tutorial's formulas.

Nothing here is copied from the engine's output: each expected value is derived
in the comments next to it, and the arithmetic is spelled out in Python.
"""
import math

import numpy as np
import pytest

from engine.chain import product
from engine.gradcheck import gradient_check
from engine.init import initialise
from engine.network import Network
from engine.spec import NetworkSpec

TUTORIAL_ORDER = ("W111", "W121", "b11", "W112", "W122", "b12", "W211", "W221", "b21")


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def chain_names(record, name):
    return [f.name for f in record.chain[name]]


def chain_formulas(record, name):
    return [f.formula for f in record.chain[name]]


def chain_values(record, name):
    return [f.value for f in record.chain[name]]


# ---- the tutorial's Step 0: regression preset, w = 1, b = 0, CGPA 6.3, IQ 100, LPA 7 -----------
@pytest.fixture
def step0():
    net = initialise(Network.from_preset("regression"), "tutorial")
    return net.step([6.3, 100.0], [7.0], eta=0.01)


def test_step0_starts_from_the_tutorials_values(step0):
    assert tuple(step0.params_before) == TUTORIAL_ORDER
    for name in TUTORIAL_ORDER:
        assert step0.params_before[name] == (0.0 if name.startswith("b") else 1.0)


def test_step0_forward(step0):
    # O11 = W111·x1 + W121·x2 + b11 = 6.3 + 100 + 0 = 106.3 (linear: Z = O); O12 likewise.
    # ŷ = W211·O11 + W221·O12 + b21 = 106.3 + 106.3 = 212.6
    assert step0.forward == pytest.approx({"Z11": 106.3, "O11": 106.3, "Z12": 106.3, "O12": 106.3,
                                           "Z21": 212.6, "O21": 212.6})
    assert step0.y_hat == pytest.approx([212.6])


def test_step0_loss_and_its_derivative(step0):
    # L = (y − ŷ)² = (7 − 212.6)² = 205.6² = 42271.36;  ∂L/∂ŷ = −2(y − ŷ) = −2·(−205.6) = 411.2
    assert step0.loss == pytest.approx(42271.36)
    assert step0.dloss == pytest.approx([411.2])


def test_step0_all_nine_gradients(step0):
    d = 411.2  # −2(y − ŷ)
    expected = {
        "W211": d * 106.3,  # −2(y − ŷ)·O11 = 43710.56
        "W221": d * 106.3,  # −2(y − ŷ)·O12
        "b21": d,  # −2(y − ŷ)
        "W111": d * 1.0 * 6.3,  # −2(y − ŷ)·W211·x1 = 2590.56
        "W121": d * 1.0 * 100.0,  # −2(y − ŷ)·W211·x2 = 41120
        "b11": d * 1.0,  # −2(y − ŷ)·W211
        "W112": d * 1.0 * 6.3,  # −2(y − ŷ)·W221·x1
        "W122": d * 1.0 * 100.0,  # −2(y − ŷ)·W221·x2
        "b12": d * 1.0,  # −2(y − ŷ)·W221
    }
    assert expected["W211"] == pytest.approx(43710.56)
    assert dict(step0.grads) == pytest.approx(expected)


def test_step0_parameters_after_with_eta_001(step0):
    # W_new = W_old − η·∂L/∂W with η = 0.01, every parameter from the OLD gradients.
    expected = {
        "W111": 1 - 0.01 * 2590.56,  # −24.9056
        "W121": 1 - 0.01 * 41120.0,  # −410.2
        "b11": 0 - 0.01 * 411.2,  # −4.112
        "W112": 1 - 0.01 * 2590.56,
        "W122": 1 - 0.01 * 41120.0,
        "b12": 0 - 0.01 * 411.2,
        "W211": 1 - 0.01 * 43710.56,  # −436.1056
        "W221": 1 - 0.01 * 43710.56,
        "b21": 0 - 0.01 * 411.2,
    }
    assert dict(step0.params_after) == pytest.approx(expected)
    assert step0.eta == 0.01
    assert dict(step0.updates) == pytest.approx({n: expected[n] - step0.params_before[n] for n in expected})


def test_step0_deltas(step0):
    # δ = ∂L/∂Z per layer. Output (linear): δ21 = ∂L/∂ŷ = 411.2.
    # Hidden (linear): δ1j = δ21·W2j1 = 411.2·1. Each bias gradient is its neuron's δ.
    assert [list(d) for d in step0.deltas] == [pytest.approx([411.2, 411.2]), pytest.approx([411.2])]
    assert [step0.grads["b11"], step0.grads["b12"], step0.grads["b21"]] == pytest.approx([411.2] * 3)


def test_step0_record_carries_the_row(step0):
    assert list(step0.x) == [6.3, 100.0]
    assert list(step0.y) == [7.0]
    assert (step0.epoch, step0.row, step0.step, step0.diverged) == (1, 0, 0, False)


def test_step0_chain_for_w111_is_the_issues_example(step0):
    # ∂L/∂W111 = ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111 = −2(y − ŷ) · W211 · x1
    assert chain_names(step0, "W111") == ["∂L/∂ŷ", "∂ŷ/∂O11", "∂O11/∂W111"]
    assert chain_formulas(step0, "W111") == ["−2(y − ŷ)", "W211", "x1"]
    assert chain_values(step0, "W111") == pytest.approx([411.2, 1.0, 6.3])


@pytest.mark.parametrize(
    "name, names, formulas, values",
    [
        ("W211", ["∂L/∂ŷ", "∂ŷ/∂W211"], ["−2(y − ŷ)", "O11"], [411.2, 106.3]),
        ("W221", ["∂L/∂ŷ", "∂ŷ/∂W221"], ["−2(y − ŷ)", "O12"], [411.2, 106.3]),
        ("b21", ["∂L/∂ŷ", "∂ŷ/∂b21"], ["−2(y − ŷ)", "1"], [411.2, 1.0]),
        ("W121", ["∂L/∂ŷ", "∂ŷ/∂O11", "∂O11/∂W121"], ["−2(y − ŷ)", "W211", "x2"], [411.2, 1.0, 100.0]),
        ("b11", ["∂L/∂ŷ", "∂ŷ/∂O11", "∂O11/∂b11"], ["−2(y − ŷ)", "W211", "1"], [411.2, 1.0, 1.0]),
        ("W112", ["∂L/∂ŷ", "∂ŷ/∂O12", "∂O12/∂W112"], ["−2(y − ŷ)", "W221", "x1"], [411.2, 1.0, 6.3]),
        ("W122", ["∂L/∂ŷ", "∂ŷ/∂O12", "∂O12/∂W122"], ["−2(y − ŷ)", "W221", "x2"], [411.2, 1.0, 100.0]),
        ("b12", ["∂L/∂ŷ", "∂ŷ/∂O12", "∂O12/∂b12"], ["−2(y − ŷ)", "W221", "1"], [411.2, 1.0, 1.0]),
    ],
)
def test_step0_chains_follow_the_tutorials_derivation(step0, name, names, formulas, values):
    assert chain_names(step0, name) == names
    assert chain_formulas(step0, name) == formulas
    assert chain_values(step0, name) == pytest.approx(values)


def test_step0_every_chain_multiplies_to_its_gradient(step0):
    assert list(step0.chain) == list(TUTORIAL_ORDER)
    for name in TUTORIAL_ORDER:
        assert product(step0.chain[name]) == pytest.approx(step0.grads[name], rel=1e-12)


# ---- classification preset: sigmoid everywhere, binary cross-entropy ----------------------------
CLS_PARAMS = {"W111": 0.5, "W121": -0.25, "b11": 0.1, "W112": -0.3, "W122": 0.8, "b12": 0.0,
              "W211": 1.5, "W221": -2.0, "b21": 0.25}
CLS_X, CLS_Y, CLS_ETA = (2.0, 1.0), 0.0, 0.5


def by_hand_classification():
    """The tutorial's classification formulas, evaluated with math.exp."""
    p = CLS_PARAMS
    x1, x2 = CLS_X
    y = CLS_Y
    z11 = p["W111"] * x1 + p["W121"] * x2 + p["b11"]  # 0.5·2 − 0.25·1 + 0.1 = 0.85
    z12 = p["W112"] * x1 + p["W122"] * x2 + p["b12"]  # −0.3·2 + 0.8·1 + 0 = 0.2
    o11, o12 = sigmoid(z11), sigmoid(z12)
    z21 = p["W211"] * o11 + p["W221"] * o12 + p["b21"]
    y_hat = sigmoid(z21)
    loss = -y * math.log(y_hat) - (1 - y) * math.log(1 - y_hat)
    dl_dyhat = -(y - y_hat) / (y_hat * (1 - y_hat))
    dyhat_dz = y_hat * (1 - y_hat)
    e = -(y - y_hat)  # ∂L/∂ŷ · ∂ŷ/∂Z21 collapses to −(y − ŷ)
    grads = {
        "W211": e * o11,
        "W221": e * o12,
        "b21": e,
        "W111": e * p["W211"] * o11 * (1 - o11) * x1,
        "W121": e * p["W211"] * o11 * (1 - o11) * x2,
        "b11": e * p["W211"] * o11 * (1 - o11),
        "W112": e * p["W221"] * o12 * (1 - o12) * x1,
        "W122": e * p["W221"] * o12 * (1 - o12) * x2,
        "b12": e * p["W221"] * o12 * (1 - o12),
    }
    return dict(z11=z11, z12=z12, o11=o11, o12=o12, z21=z21, y_hat=y_hat, loss=loss,
                dl_dyhat=dl_dyhat, dyhat_dz=dyhat_dz, grads=grads)


@pytest.fixture
def cls_step():
    net = Network.from_preset("classification")
    for name, value in CLS_PARAMS.items():
        net[name] = value
    return net.step(list(CLS_X), [CLS_Y], eta=CLS_ETA)


def test_classification_forward_and_loss(cls_step):
    h = by_hand_classification()
    assert h["z11"] == pytest.approx(0.85) and h["z12"] == pytest.approx(0.2)
    assert cls_step.forward == pytest.approx({"Z11": h["z11"], "O11": h["o11"], "Z12": h["z12"], "O12": h["o12"],
                                              "Z21": h["z21"], "O21": h["y_hat"]})
    # y = 0, so L = −log(1 − ŷ)
    assert cls_step.loss == pytest.approx(-math.log(1 - h["y_hat"]))
    assert cls_step.loss == pytest.approx(h["loss"])
    assert cls_step.dloss == pytest.approx([h["dl_dyhat"]])


def test_classification_gradients_and_update(cls_step):
    h = by_hand_classification()
    assert dict(cls_step.grads) == pytest.approx(h["grads"])
    after = {n: CLS_PARAMS[n] - CLS_ETA * h["grads"][n] for n in CLS_PARAMS}
    assert dict(cls_step.params_after) == pytest.approx(after)


def test_classification_output_factors_collapse_to_minus_y_minus_yhat(cls_step):
    h = by_hand_classification()
    f = cls_step.chain["W211"]
    assert [x.name for x in f] == ["∂L/∂ŷ", "∂ŷ/∂Z21", "∂Z21/∂W211"]
    assert [x.formula for x in f] == ["−(y − ŷ) / (ŷ(1 − ŷ))", "ŷ(1 − ŷ)", "O11"]
    assert [x.value for x in f] == pytest.approx([h["dl_dyhat"], h["dyhat_dz"], h["o11"]])
    # −(y − ŷ)/(ŷ(1 − ŷ)) · ŷ(1 − ŷ) = −(y − ŷ) = ŷ here (y = 0)
    assert f[0].value * f[1].value == pytest.approx(-(CLS_Y - h["y_hat"]))


def test_classification_hidden_chain_is_the_tutorials_five_factors(cls_step):
    # ∂L/∂W111 = ∂L/∂ŷ · ∂ŷ/∂Zf · ∂Zf/∂O11 · ∂O11/∂Zprev · ∂Zprev/∂W111
    #          = −(y − ŷ) · W211 · O11(1 − O11) · x1   (after the collapse)
    h = by_hand_classification()
    f = cls_step.chain["W111"]
    assert [x.name for x in f] == ["∂L/∂ŷ", "∂ŷ/∂Z21", "∂Z21/∂O11", "∂O11/∂Z11", "∂Z11/∂W111"]
    assert [x.formula for x in f] == ["−(y − ŷ) / (ŷ(1 − ŷ))", "ŷ(1 − ŷ)", "W211", "O11(1 − O11)", "x1"]
    assert [x.value for x in f] == pytest.approx(
        [h["dl_dyhat"], h["dyhat_dz"], CLS_PARAMS["W211"], h["o11"] * (1 - h["o11"]), CLS_X[0]])
    for name in TUTORIAL_ORDER:
        assert product(cls_step.chain[name]) == pytest.approx(h["grads"][name], rel=1e-12)


# ---- a deeper network: where a neuron feeds several, the chain ends in backprop's sum ----------
def test_deeper_tanh_network_chains_multiply_to_the_gradient():
    spec = NetworkSpec((2, 3, 2, 1), ("tanh", "tanh", "linear"), "se")
    net = Network(spec)
    rng = np.random.default_rng(7)
    for name in spec.param_names:
        net[name] = rng.uniform(-1, 1)
    record = net.step([0.4, -1.3], [0.5], eta=0.1)
    assert len(record.chain) == 9 + 8 + 3  # (2+1)·3 + (3+1)·2 + (2+1)·1
    for name in spec.param_names:
        assert product(record.chain[name]) == pytest.approx(record.grads[name], rel=1e-12, abs=1e-15)
    # W111 feeds Z11, whose O11 reaches both neurons of layer 2: the chain stops at ∂L/∂O11 = Σ ...
    w111 = record.chain["W111"]
    assert [f.name for f in w111] == ["∂L/∂O11", "∂O11/∂Z11", "∂Z11/∂W111"]
    assert w111[0].formula.startswith("Σ")
    assert w111[1].formula == "1 − O11²"
    # and every gradient agrees with central finite differences
    check_net = Network(spec, record.theta_before)
    for row in gradient_check(check_net, [0.4, -1.3], [0.5]):
        assert row.analytic == pytest.approx(row.numeric, rel=1e-6, abs=1e-8)


def test_deeper_network_by_hand_through_one_path():
    # 1-1-1-1 tanh chain: a single path, so ∂L/∂W111 is one product of five factors:
    #   −2(y − ŷ) · W311 · (1 − O21²) · W211 · (1 − O11²) · x1   (linear output: ∂ŷ/∂Z31 = 1 is left out)
    spec = NetworkSpec((1, 1, 1, 1), ("tanh", "tanh", "linear"), "se")
    net = Network(spec)
    w1, b1, w2, b2, w3, b3, x, y = 0.7, 0.1, -1.2, 0.3, 0.9, -0.2, 1.5, 0.25
    for name, value in zip(("W111", "b11", "W211", "b21", "W311", "b31"), (w1, b1, w2, b2, w3, b3)):
        net[name] = value
    o1 = math.tanh(w1 * x + b1)
    o2 = math.tanh(w2 * o1 + b2)
    y_hat = w3 * o2 + b3
    expected = -2 * (y - y_hat) * w3 * (1 - o2**2) * w2 * (1 - o1**2) * x
    record = net.step([x], [y], eta=0.1)
    factors = record.chain["W111"]
    assert [f.name for f in factors] == ["∂L/∂ŷ", "∂ŷ/∂O21", "∂O21/∂Z21", "∂Z21/∂O11", "∂O11/∂Z11", "∂Z11/∂W111"]
    assert [f.value for f in factors] == pytest.approx([-2 * (y - y_hat), w3, 1 - o2**2, w2, 1 - o1**2, x])
    assert record.grads["W111"] == pytest.approx(expected)
    assert product(factors) == pytest.approx(expected)
