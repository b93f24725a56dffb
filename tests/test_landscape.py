"""engine.landscape: the grid and slice agree with the engine's own loss and backprop gradient.
engine.contours: the contour lines and colour key the heat maps draw."""
import numpy as np
import pytest

from engine.contours import contour_levels, contour_segments, contour_xy, decade_ticks, log_colour_values
from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.landscape import default_range, follow_range, loss_grid, loss_slice, mean_gradient, theta_of
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


@pytest.mark.parametrize("spec", [
    NetworkSpec((2, 3, 2, 1), ("tanh", "sigmoid", "linear"), "half-se"),
    NetworkSpec((3, 4, 4, 2), ("relu", "tanh", "sigmoid"), "bce"),
    NetworkSpec((2, 1), ("linear",), "se"),
])
def test_the_mean_gradient_is_the_mean_of_the_rows_backprop_gradients(spec):
    rng = np.random.default_rng(7)
    net = Network(spec, rng.normal(size=spec.n_params))
    X = rng.normal(size=(9, spec.n_inputs))
    Y = rng.integers(0, 2, size=(9, spec.n_outputs)).astype(float) if spec.loss == "bce" \
        else rng.normal(size=(9, spec.n_outputs))
    rows = [net.backward(x, y, *net.forward(x))[1].copy() for x, y in zip(X, Y)]
    loss, grad = mean_gradient(net, X, Y)
    np.testing.assert_allclose(grad, np.mean(rows, axis=0), rtol=1e-12, atol=1e-15)
    assert loss == pytest.approx(_looped_mean_loss(net, X, Y), rel=1e-12)


def test_bad_requests_say_what_is_wrong():
    net, X, Y = _problem()
    with pytest.raises(ValueError, match="two different"):
        loss_grid(net, X, Y, "W111", "W111")
    with pytest.raises(KeyError, match="W999"):
        loss_slice(net, X, Y, "W999")


def test_an_overflowing_grid_is_drawn_without_warnings():
    net, X, Y = _problem()
    net.set_theta(np.full(net.spec.n_params, 1e200))
    grid = loss_grid(net, X, Y, "W211", "b21", n=11)  # warnings are errors in this suite
    z = log_colour_values(grid.loss)
    assert np.all(np.isfinite(z))


def test_theta_of_reads_named_parameters_in_spec_order():
    net, _X, _Y = _problem()
    np.testing.assert_array_equal(theta_of(net.spec, net.parameters()), net.theta)


# ---- contours ------------------------------------------------------------------------------------
def test_contours_lie_on_their_level():
    v = np.linspace(-2.0, 2.0, 41)
    X, Y = np.meshgrid(v, v, indexing="ij")
    plane = X + 2 * Y  # linear: the interpolated crossings are exact
    x, y = contour_xy(plane, [0.5, 1.5], v, v)
    assert x.size and x.size % 2 == 0  # pairs of endpoints
    on = np.minimum(np.abs(x + 2 * y - 0.5), np.abs(x + 2 * y - 1.5))
    assert on.max() < 1e-12
    x, y = contour_xy(X ** 2 + Y ** 2, [1.0], v, v)  # a circle, to grid accuracy
    assert np.abs(np.hypot(x, y) - 1.0).max() < 5e-3
    assert contour_segments(plane, 99.0).shape == (0, 2)
    assert contour_xy(plane, [], v, v)[0].shape == (0,)


def test_a_saddle_cell_is_split_by_its_centre_value():
    saddle = np.array([[0.0, 1.0], [1.0, 0.0]])  # [i, j]: low corners at (0, 0) and (1, 1)
    segs = contour_segments(saddle, 0.5).reshape(-1, 2, 2)
    assert len(segs) == 2  # centre 0.5 is not below: the two low corners are cut off
    assert {tuple(map(tuple, seg)) for seg in segs} == {((0.5, 0.0), (0.0, 0.5)), ((0.5, 1.0), (1.0, 0.5))}
    segs = contour_segments(saddle, 0.6).reshape(-1, 2, 2)  # centre below: the high corners are cut off
    found = {frozenset(map(tuple, np.round(seg, 12))) for seg in segs}
    assert found == {frozenset({(0.6, 0.0), (1.0, 0.4)}), frozenset({(0.0, 0.6), (0.4, 1.0)})}


def test_contour_levels_lie_strictly_inside():
    np.testing.assert_allclose(contour_levels(0.0, 8.0, 3), [2.0, 4.0, 6.0])


def test_log_colour_values_give_overflow_the_top_and_zero_the_bottom():
    loss = np.array([[0.0, 1e-3], [10.0, np.inf]])
    z = log_colour_values(loss)
    np.testing.assert_allclose(z, [[-3.0, -3.0], [1.0, 1.0]])
    assert np.all(log_colour_values(np.full((2, 2), np.nan)) == 0)


def test_decade_ticks_label_whole_powers_of_ten():
    assert decade_ticks(-2.3, 1.2) == [(-2.0, "0.01"), (-1.0, "0.1"), (0.0, "1"), (1.0, "10")]
    assert [v for v, _ in decade_ticks(-20, 20)] == [-20.0, -13.0, -6.0, 1.0, 8.0, 15.0]  # at most 6
    assert [text for _, text in decade_ticks(0.0, 0.5)] == ["1", "1.78", "3.16"]  # less than a decade
