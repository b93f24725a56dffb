"""The per-row step's shortcuts give the formulas' numbers and the divergence rule's answers.

Network.step runs generated straight-line code (engine.kernels) and Training tests the
parameters for inf/NaN with one dot product; these tests pin the cases the general
property tests rarely reach: BCE targets other than 0 and 1, non-finite outputs, and an
update that overflows while the row's loss is finite.
"""
import math

import numpy as np
import pytest

from engine import kernels
from engine.init import initialise
from engine.network import Network
from engine.spec import PRESETS, NetworkSpec
from engine.training import Training

SHAPES = [
    NetworkSpec((2, 2, 1), ("sigmoid", "sigmoid"), "bce"),
    NetworkSpec((3, 3, 1), ("tanh", "sigmoid"), "bce"),
    NetworkSpec((2, 5, 4, 1), ("sigmoid", "tanh", "tanh"), "se"),
    NetworkSpec((2, 1, 2), ("tanh", "sigmoid"), "half-se"),
]


@pytest.mark.parametrize("spec", SHAPES, ids=lambda s: s.describe())
@pytest.mark.parametrize("target", [0.0, 1.0, 0.25])
def test_a_step_gives_the_formulas_numbers_for_any_target(spec, target):
    rng = np.random.default_rng(7)
    net = Network(spec, rng.uniform(-1.0, 1.0, spec.n_params))
    x, y = rng.uniform(-2.0, 2.0, spec.n_inputs), np.full(spec.n_outputs, target)
    record = net.step(x, y, 0.1)
    loss = spec.loss_fn
    assert record.loss == loss.value(record.y, record.y_hat)
    np.testing.assert_array_equal(record.dloss, loss.derivative(record.y, record.y_hat))
    for layer, (z, o) in enumerate(zip(record.zs, record.outs), start=1):
        np.testing.assert_array_equal(o, spec.activation(layer).forward(z))
    _, gradient = Network(spec, record.theta_before).backward(x, y, record.zs, record.outs)
    np.testing.assert_array_equal(record.gradient, gradient)
    np.testing.assert_array_equal(record.theta_after, record.theta_before - 0.1 * gradient)


def test_a_bce_step_at_a_nan_output_reports_a_nan_loss_quietly():
    spec = PRESETS["classification"]
    net = Network(spec, np.full(spec.n_params, np.inf))  # ∞ − ∞ in the first layer: Z is NaN
    record = net.step([1.0, -1.0], [1.0], 0.1)  # no warning (pytest turns warnings into errors)
    assert math.isnan(record.loss) and math.isnan(record.y_hat[0])


def test_an_update_that_overflows_with_a_finite_loss_is_a_divergence():
    # Tutorial start (weights 1, biases 0), row x = (1, 1), y = 0: Z1 = (2, 2), ŷ = 4, L = 16,
    # ∂L/∂ŷ = 8, ∂L/∂W211 = 8·2 = 16; with η = 1e308, W211 − η·16 overflows to −∞.
    spec = PRESETS["regression"]
    net = initialise(Network(spec), "tutorial", 0)
    start = net.theta.copy()
    training = Training(net, [[1.0, 1.0]], [0.0], eta=1e308, order="sequential")
    record = training.step()
    assert record.loss == 16.0 and record.diverged and training.diverged is record
    assert record.theta_after[spec.param_index["W211"]] == -math.inf
    np.testing.assert_array_equal(net.theta, start)  # back to the last finite parameters


def test_an_update_that_makes_a_parameter_nan_is_a_divergence():
    # A zero gradient times η = ∞ is NaN: W111's ∂L/∂W111 = δ·x1 = 0 with x1 = 0.
    spec = PRESETS["regression"]
    net = Network(spec, np.full(spec.n_params, 0.5))
    training = Training(net, [[0.0, 1.0]], [0.0], eta=math.inf, order="sequential")
    record = training.step()
    assert record.diverged and math.isnan(record.theta_after[spec.param_index["W111"]])
    np.testing.assert_array_equal(net.theta, np.full(spec.n_params, 0.5))


def test_eta_zero_never_diverges_even_when_the_loss_is_infinite():
    spec = PRESETS["regression"]
    net = Network(spec, np.full(spec.n_params, 1e200))  # ŷ overflows: L = ∞
    training = Training(net, [[1.0, 2.0]], [1.0], eta=0.0, order="sequential")
    record = training.step()
    assert record.loss == math.inf and not record.diverged and training.diverged is None


def test_the_generated_step_reads_as_the_tutorial_writes_it():
    text = kernels.source(PRESETS["classification"])
    # forward, first layer first; then the loss; then the backward pass, output layer first
    order = [text.index(piece) for piece in ("dot0(Wb0, Z0)", "dot1(Wb1, Z1)", "dL[0] = dl",
                                             "outer1(delta_row1, G1)", "down1(D1, dO0)", "outer0(delta_row0, G0)")]
    assert order == sorted(order)
