"""engine.landscape: the grid and slice agree with the engine's own loss and backprop gradient."""
import numpy as np
import pytest

from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.landscape import default_range, follow_range, loss_grid, loss_slice, mean_gradient
from engine.network import Network
from engine.scaling import Standardizer
from engine.spec import NetworkSpec, preset


def _problem(task="regression", scheme=DEFAULT_SCHEME, seed=0):
    ds = load_builtin("students-regression" if task == "regression" else "students-classification")
    X = Standardizer.fit(ds.X).transform(ds.X)
    net = initialise(Network(preset(task)), scheme, seed)
    return net, X, ds.Y


def _looped_mean_loss(net, X, Y):
    return np.mean([net.row_loss(x, y) for x, y in zip(X, Y)])


@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("pair", [("W111", "W211"), ("b11", "b21"), ("W122", "W221")])
def test_value_at_the_current_point_is_the_engines_mean_loss(task, pair):
    net, X, Y = _problem(task)
    p1, p2 = pair
    # A grid whose middle node is exactly the current point (odd n, symmetric range).
    v1, v2 = net[p1], net[p2]
    grid = loss_grid(net, X, Y, p1, p2, (v1 - 1.5, v1 + 1.5), (v2 - 2.5, v2 + 2.5), n=101)
    expected = _looped_mean_loss(net, X, Y)
    assert grid.current == (v1, v2)
    assert grid.current_loss == pytest.approx(expected, rel=1e-12)
    assert grid.values_x[50] == pytest.approx(v1) and grid.values_y[50] == pytest.approx(v2)
    assert grid.loss[50, 50] == pytest.approx(expected, rel=1e-9)


def test_every_grid_node_matches_a_looped_network():
    net, X, Y = _problem()
    grid = loss_grid(net, X, Y, "W121", "b12", n=7)
    probe = Network(net.spec, net.theta)
    for i, a in enumerate(grid.values_x):
        for j, b in enumerate(grid.values_y):
            probe["W121"], probe["b12"] = a, b
            assert grid.loss[i, j] == pytest.approx(_looped_mean_loss(probe, X, Y), rel=1e-12)
    # the network itself was not disturbed
    np.testing.assert_array_equal(probe.theta[[0, 1]], net.theta[[0, 1]])


def test_minimum_is_the_smallest_grid_value():
    net, X, Y = _problem()
    grid = loss_grid(net, X, Y, "W211", "b21")
    i, j = np.unravel_index(np.argmin(grid.loss), grid.loss.shape)
    assert grid.min_at == (grid.values_x[i], grid.values_y[j])
    assert grid.min_loss == grid.loss.min() <= grid.current_loss
    values_x, values_y, loss, min_at = grid  # unpacks as the brief's tuple
    assert loss.shape == (101, 101) and min_at == grid.min_at


def test_default_range_is_centred_and_wide_enough():
    assert default_range(0.0) == (-2.0, 2.0)
    assert default_range(0.5) == (-1.5, 2.5)
    assert default_range(-3.0) == (-9.0, 3.0)
    net, X, Y = _problem()
    grid = loss_grid(net, X, Y, "W111", "W112", n=11)
    assert grid.values_x[0] == pytest.approx(net["W111"] - 2) and grid.values_x[-1] == pytest.approx(net["W111"] + 2)


def test_follow_range_keeps_still_until_the_point_nears_an_edge():
    r = (-2.0, 2.0)
    assert follow_range(r, 1.5) is r
    assert follow_range(r, 1.7) == default_range(1.7)  # inside the outer 10 %: re-centre
    assert follow_range(None, 0.3) == default_range(0.3)
    assert follow_range(r, float("nan")) is r  # a diverged value keeps the picture
    assert default_range(float("inf")) == (-2.0, 2.0)


@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("name", ["W111", "W221", "b12", "b21"])
def test_slice_slope_is_the_mean_backprop_gradient_and_a_finite_difference(task, name):
    net, X, Y = _problem(task, seed=3)
    s = loss_slice(net, X, Y, name)
    # the mean of per-row gradients from backprop
    grads = []
    for x, y in zip(X, Y):
        zs, outs = net.forward(x)
        grads.append(net.backward(x, np.atleast_1d(y), zs, outs)[1][net.spec.param_index[name]])
    assert s.slope == pytest.approx(np.mean(grads), rel=1e-12, abs=1e-15)
    # ... which a central difference of the slice's own loss agrees with
    h = 1e-5
    lo, hi = loss_slice(net, X, Y, name, (net[name] - h, net[name] + h), n=2).loss
    assert s.slope == pytest.approx((hi - lo) / (2 * h), rel=1e-5, abs=1e-8)
    assert s.current == net[name]
    assert s.current_loss == pytest.approx(_looped_mean_loss(net, X, Y), rel=1e-12)
    # the tangent touches the curve at the current value
    assert s.tangent(s.current) == pytest.approx(s.current_loss)
    assert s.tangent(s.current + 1.0) == pytest.approx(s.current_loss + s.slope)


def test_mean_gradient_on_a_deeper_net():
    spec = NetworkSpec((2, 3, 2, 1), ("tanh", "sigmoid", "linear"), "half-se")
    rng = np.random.default_rng(5)
    net = Network(spec, rng.normal(size=spec.n_params))
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    loss, grad = mean_gradient(net, X, Y)
    assert loss == pytest.approx(_looped_mean_loss(net, X, Y))
    s = loss_slice(net, X, Y, "W232")
    assert s.slope == pytest.approx(grad[spec.param_index["W232"]])


def test_bad_requests_say_what_is_wrong():
    net, X, Y = _problem()
    with pytest.raises(ValueError, match="two different"):
        loss_grid(net, X, Y, "W111", "W111")
    with pytest.raises(KeyError, match="W999"):
        loss_slice(net, X, Y, "W999")
