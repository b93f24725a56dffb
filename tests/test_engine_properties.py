"""Properties that hold for every network the engine can build (hypothesis)."""
import copy
import dataclasses
import math
import pickle

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.chain import product
from engine.gradcheck import gradient_check
from engine.network import Network
from engine.spec import NetworkSpec, parse_param_name

ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu")
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def cases(draw, losses=("se", "half-se", "bce")):
    """(network at moderate random parameters, x, y) of any allowed shape, activation and loss."""
    hidden = draw(st.lists(st.integers(1, 8), min_size=0, max_size=4))
    sizes = (draw(st.integers(1, 8)), *hidden, draw(st.integers(1, 3)))
    loss = draw(st.sampled_from(losses))
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in sizes[1:]]
    if loss == "bce":
        acts[-1] = "sigmoid"  # BCE needs ŷ in (0, 1)
    spec = NetworkSpec(sizes, tuple(acts), loss)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    net = Network(spec, rng.uniform(-1.0, 1.0, spec.n_params))
    x = rng.uniform(-2.0, 2.0, spec.n_inputs)
    y = rng.integers(0, 2, spec.n_outputs).astype(float) if loss == "bce" else rng.uniform(-2.0, 2.0, spec.n_outputs)
    return net, x, y


def away_from_kinks(net, x) -> bool:
    """No ReLU pre-activation within reach of the finite-difference step (the derivative jumps there)."""
    zs, _ = net.forward(x)
    return all(np.all(np.abs(z) > 1e-3) for z, act in zip(zs, net.spec.activations) if act == "relu")


def away_from_saturation(net, x) -> bool:
    """For BCE, ŷ not within 10⁻³ of 0 or 1: there log(1 − ŷ) turns the rounding of ŷ into
    an error of ε/(1 − ŷ) in L, which a difference quotient over h = 10⁻⁶ magnifies past
    any sensible tolerance (the analytic gradient is right; the numeric one is not)."""
    y_hat = net.predict(x)
    return net.spec.loss != "bce" or bool(np.all((y_hat > 1e-3) & (y_hat < 1 - 1e-3)))


@SETTINGS
@given(cases())
def test_backprop_matches_finite_differences(case):
    net, x, y = case
    assume(away_from_kinks(net, x) and away_from_saturation(net, x))
    loss = net.row_loss(x, y)
    for row in gradient_check(net, x, y):
        # central differences carry round-off of about 1e-16·L/h = 1e-10·L
        assert math.isclose(row.analytic, row.numeric, rel_tol=1e-5, abs_tol=1e-7 * max(1.0, loss)), row


@SETTINGS
@given(cases())
def test_step_gradient_is_backward_at_the_old_values_and_updates_are_simultaneous(case):
    net, x, y = case
    old = net.theta.copy()
    reference = Network(net.spec, old)  # an independent network frozen at the old values
    _, expected_gradient = reference.backward(x, y, *reference.forward(x))
    eta = 0.05
    record = net.step(x, y, eta)
    np.testing.assert_array_equal(record.theta_before, old)
    np.testing.assert_array_equal(record.gradient, expected_gradient)
    # every parameter moved by −η·(its gradient at the OLD values), none from a half-updated net
    np.testing.assert_array_equal(record.theta_after, old - eta * expected_gradient)
    np.testing.assert_array_equal(net.theta, record.theta_after)
    assert record.loss == pytest.approx(reference.row_loss(x, y), rel=1e-12, abs=1e-300)


@SETTINGS
@given(cases())
def test_every_chain_multiplies_to_its_gradient(case):
    net, x, y = case
    record = net.step(x, y, 0.1)
    assert list(record.chain) == list(net.spec.param_names)
    for name, factors in record.chain.items():
        assert product(factors) == pytest.approx(record.grads[name], rel=1e-9, abs=1e-12)
    for layer, delta in enumerate(record.deltas, start=1):  # ∂L/∂b of a neuron is its δ = ∂L/∂Z
        assert list(delta) == [record.grads[f"b{layer}{j}"] for j in range(1, len(delta) + 1)]


@SETTINGS
@given(cases())
def test_a_step_with_eta_zero_changes_nothing(case):
    net, x, y = case
    before = net.theta.copy()
    record = net.step(x, y, 0.0)
    np.testing.assert_array_equal(net.theta, before)
    np.testing.assert_array_equal(record.theta_after, record.theta_before)
    assert all(v == 0 for v in record.updates.values())
    again = net.step(x, y, 0.0)  # the same row again: the very same numbers
    assert again.loss == record.loss
    np.testing.assert_array_equal(again.gradient, record.gradient)


@SETTINGS
@given(cases(), st.floats(-1e6, 1e6, allow_nan=False))
def test_names_round_trip(case, value):
    net, _, _ = case
    spec = net.spec
    names = spec.param_names
    assert len(set(names)) == len(names) == spec.n_params
    for k, name in enumerate(names):
        others = net.theta.copy()
        net[name] = value + k
        assert net[name] == value + k
        assert net.parameters()[name] == value + k
        others[spec.param_index[name]] = value + k
        np.testing.assert_array_equal(net.theta, others)  # only that one parameter changed


@SETTINGS
@given(cases())
def test_names_come_in_the_tutorials_order(case):
    # Layer by layer, neuron by neuron: that neuron's weights input by input, then its bias.
    spec = case[0].spec
    expected = []
    for layer, (n_in, n_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:]), start=1):
        for j in range(1, n_out + 1):
            expected += [f"W{layer}{i}{j}" for i in range(1, n_in + 1)] + [f"b{layer}{j}"]
    assert list(spec.param_names) == expected
    for name in expected:
        kind, layer, j, i = parse_param_name(name)
        assert kind == name[0]
        assert name == (f"W{layer}{i}{j}" if kind == "W" else f"b{layer}{j}")
    assert list(spec.value_names) == [f"{v}{layer}{j}" for layer, n in enumerate(spec.sizes[1:], start=1)
                                      for j in range(1, n + 1) for v in "ZO"]


@pytest.mark.parametrize("bad", ["W1", "W1111", "b1", "x11", "w111", "B11", "Wabc", ""])
def test_parse_param_name_rejects_non_names(bad):
    with pytest.raises(KeyError):
        parse_param_name(bad)


def test_unknown_names_are_refused():
    net = Network.from_preset("regression")
    with pytest.raises(KeyError):
        net["W311"]
    with pytest.raises(KeyError):
        net["W131"] = 1.0  # input 3 does not exist
    with pytest.raises(ValueError):
        net["W111"] = float("nan")


@SETTINGS
@given(cases())
def test_record_matches_the_forward_pass_and_is_read_only(case):
    net, x, y = case
    zs, outs = net.forward(x)
    record = net.step(x, y, 0.1)
    for z, o, rz, ro in zip(zs, outs, record.zs, record.outs):
        np.testing.assert_array_equal(z, rz)
        np.testing.assert_array_equal(o, ro)
    np.testing.assert_array_equal(record.y_hat, outs[-1])
    np.testing.assert_array_equal(record.x, x)
    np.testing.assert_array_equal(record.y, y)
    for a in (record.x, record.y, *record.zs, *record.outs, record.dloss, record.theta_before,
              record.gradient, record.theta_after):
        assert not a.flags.writeable
    with pytest.raises(ValueError):
        record.theta_before[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.loss = 0.0
    # the next step writes a new record and leaves this one alone
    kept = record.gradient.copy()
    net.step(x, y, 0.1)
    np.testing.assert_array_equal(record.gradient, kept)


def test_a_copied_network_is_independent():
    net = Network.from_preset("regression")
    net["W111"] = 2.0
    for clone in (copy.copy(net), copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert clone.spec == net.spec and clone["W111"] == 2.0
        clone["W111"] = 5.0
        assert net["W111"] == 2.0
        # the clone computes with its own parameters: Z11 = W111·x1 = 5·1
        assert clone.forward([1.0, 0.0])[0][0][0] == 5.0
        assert clone.step([1.0, 0.0], [0.0], 0.1).forward["Z11"] == 5.0


@SETTINGS
@given(cases())
def test_step_computes_exactly_the_formulas_of_activations_and_losses(case):
    # Network.step runs in-place kernels for speed; they must give the very numbers of the
    # formulas in engine.activations and engine.losses, to the bit.
    net, x, y = case
    record = net.step(x, y, 0.1)
    spec = net.spec
    for layer, (z, o) in enumerate(zip(record.zs, record.outs), start=1):
        np.testing.assert_array_equal(o, spec.activation(layer).forward(z))
    assert record.loss == spec.loss_fn.value(record.y, record.y_hat)
    np.testing.assert_array_equal(record.dloss, spec.loss_fn.derivative(record.y, record.y_hat))
    # backward() runs the formulas themselves (no kernels): the same gradient to the bit
    _, expected = Network(spec, record.theta_before).backward(x, y, record.zs, record.outs)
    np.testing.assert_array_equal(record.gradient, expected)
