"""Sigmoid and binary cross-entropy at extreme inputs: no overflow, no warning, finite gradients.

pytest already turns every warning into an error (pyproject.toml); the tests
below also make NumPy *raise* on overflow, invalid operations and division by
zero. Underflow is left to NumPy's default (ignored): e^−10000 is far below
the smallest double, so rounding it to 0 is the correct result, not a fault.
"""
import math

import numpy as np
import pytest

from engine import activations, losses
from engine.losses import BCE_EPSILON
from engine.network import Network
from engine.training import Training

STRICT = dict(over="raise", divide="raise", invalid="raise", under="ignore")
EXTREMES = np.array([1e4, -1e4, 1e3, -1e3, 800.0, -800.0, 745.0, -745.0, 0.0])


def test_sigmoid_at_extreme_inputs():
    with np.errstate(**STRICT):
        o = activations.SIGMOID.forward(EXTREMES)
        d = activations.SIGMOID.derivative(EXTREMES, o)
    assert np.all(np.isfinite(o)) and np.all((o >= 0) & (o <= 1))
    # σ(10⁴) = 1/(1 + e^−10⁴) rounds to 1; σ(−10⁴) = e^−10⁴/(1 + e^−10⁴) rounds to 0
    assert o[0] == 1.0 and o[1] == 0.0
    assert o[-1] == 0.5
    assert np.all(np.isfinite(d)) and d[0] == 0.0 and d[1] == 0.0 and d[-1] == 0.25


@pytest.mark.parametrize("z", [-30.0, -5.0, -0.5, 0.5, 5.0, 30.0])
def test_sigmoid_keeps_its_accuracy_on_both_sides(z):
    with np.errstate(**STRICT):
        o = float(activations.SIGMOID.forward(np.array([z]))[0])
    assert o == pytest.approx(1.0 / (1.0 + math.exp(-z)), rel=1e-14)


def test_tanh_and_relu_at_extreme_inputs():
    with np.errstate(**STRICT):
        assert list(activations.TANH.forward(EXTREMES[:2])) == [1.0, -1.0]
        assert list(activations.RELU.forward(EXTREMES[:2])) == [1e4, 0.0]


@pytest.mark.parametrize(
    "y, y_hat, expected",
    [
        # ŷ is clipped to [ε, 1 − ε] before the log: a confident wrong answer costs −log ε ≈ 27.6
        (0.0, 1.0, -math.log(BCE_EPSILON)),
        (1.0, 0.0, -math.log(BCE_EPSILON)),
        # a confident right answer costs about ε
        (1.0, 1.0, BCE_EPSILON),
        (0.0, 0.0, BCE_EPSILON),
    ],
)
def test_bce_at_saturated_predictions_is_finite(y, y_hat, expected):
    y, y_hat = np.array([y]), np.array([y_hat])
    with np.errstate(**STRICT):
        loss = losses.BCE.value(y, y_hat)
        d = losses.BCE.derivative(y, y_hat)
    assert loss == pytest.approx(expected, rel=1e-3)
    assert np.all(np.isfinite(d))


def saturated_classifier(z: float) -> Network:
    """Classification preset whose every neuron has pre-activation ±z for x = (1, 0)."""
    net = Network.from_preset("classification")
    net["W111"], net["W112"] = z, -z  # Z11 = z, Z12 = −z
    net["b21"] = z  # Z21 = W211·O11 + W221·O12 + b21 = z (the weights into ŷ are 0)
    return net


@pytest.mark.parametrize("z", [1e4, -1e4])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_a_step_through_saturated_sigmoids_stays_finite(z, y):
    net = saturated_classifier(z)
    with np.errstate(**STRICT):
        record = net.step([1.0, 0.0], [y], eta=0.1)
    assert record.forward["Z11"] == z and record.forward["Z21"] == z
    wrong = (z > 0) != (y == 1.0)
    assert record.loss == pytest.approx(-math.log(BCE_EPSILON) if wrong else BCE_EPSILON, rel=1e-3)
    for a in (record.dloss, record.gradient, record.theta_after, *record.outs):
        assert np.all(np.isfinite(a))
    assert all(math.isfinite(f.value) for factors in record.chain.values() for f in factors)


def test_a_huge_eta_ends_training_cleanly():
    # η = 10³⁰⁰ sends the parameters past the largest double: that is divergence, reported, not a warning.
    net = Network.from_preset("regression")
    for name in net.spec.param_names:
        net[name] = 1.0
    X = np.array([[8.0, 8.0], [7.0, 9.0], [6.0, 10.0], [5.0, 12.0]])
    training = Training(net, X, [4.0, 5.0, 6.0, 7.0], eta=1e300, order="sequential")
    training.run_epochs(3)
    assert training.diverged is not None and training.diverged.epoch == 1
    assert np.all(np.isfinite(net.theta))
