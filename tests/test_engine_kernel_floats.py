"""The generated row's float shortcuts give NumPy's own bits (engine.kernels' module docstring).

Sigmoid's logaddexp(0, −z) runs on Python floats through the C library's exp and log1p,
and exp, log and log1p of a lone float are ufunc calls on that float rather than on an
array. Both must give exactly what the formulas of engine.activations and engine.losses
give: compared here bit for bit (NaN payloads included) over hundreds of thousands of
arguments on every scale, the extremes by hand, and whole rows of sigmoid networks run
once with the shortcuts and once without.
"""
import math

import numpy as np
import pytest

from engine import kernels
from engine.activations import SIGMOID
from engine.losses import BCE
from engine.network import Network
from engine.record import StepLayout
from engine.spec import PRESETS, NetworkSpec

# by hand: zeros of both signs, the smallest subnormal, where exp(−z) underflows (z ≈ 745),
# where 1 + exp(−z) rounds to 1 (z ≈ 36.7), the largest float, the infinities and NaN
EXTREMES = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 1e-17, -1e-17, 0.5, -0.5, 36.7, -36.7,
            37.5, -37.5, 709.78, -709.78, 745.13, -745.13, 745.2, -745.2, 1e4, -1e4, 1.7976931348623157e308,
            -1.7976931348623157e308, math.inf, -math.inf, math.nan]


def bits(values) -> np.ndarray:
    return np.asarray(values, dtype=float).view(np.int64)


def spread(rng, n: int) -> np.ndarray:
    """n arguments per decade from 1e-300 to 1e300, both signs, plus a dense band over exp's range."""
    scales = 10.0 ** np.arange(-300, 301, 4)
    return np.concatenate([rng.normal(0.0, s, n) for s in scales] + [rng.uniform(-750.0, 750.0, 200 * n), EXTREMES])


def test_softplus_on_floats_is_numpys_logaddexp_to_the_bit():
    zs = spread(np.random.default_rng(1), 800)
    with np.errstate(invalid="ignore"):  # NaN's
        expected = -np.logaddexp(0.0, -zs)
        got = [kernels.negated_softplus(z) for z in zs.tolist()]
    np.testing.assert_array_equal(bits(got), bits(expected))


@pytest.mark.parametrize("name", ["exp", "log", "log1p"])
def test_a_ufunc_on_one_float_is_the_ufunc_on_an_array_to_the_bit(name):
    ufunc = getattr(np, name)
    rng = np.random.default_rng(2)
    if name == "exp":  # the sigmoid's argument: −logaddexp(0, −z) ≤ 0
        xs = -np.abs(spread(rng, 200))
    else:  # the loss's: p and −p for p in [1e-12, 1 − 1e-12]
        ps = np.concatenate([rng.uniform(0.0, 1.0, 100_000), 10.0 ** rng.uniform(-12.0, 0.0, 50_000),
                             [1e-12, 1.0 - 1e-12, 0.5, math.nan]])
        xs = ps if name == "log" else -ps
    with np.errstate(all="ignore"):
        expected = ufunc(xs)
        got = [float(ufunc(x)) for x in xs.tolist()]
    np.testing.assert_array_equal(bits(got), bits(expected))


def _row(spec: NetworkSpec, floats: bool):
    """A generated row bound to a fresh step array: (row(), the array, its views)."""
    layout = StepLayout(spec)
    buf = layout.new_buffer()
    v = layout.views(buf)
    Wbs, Ws = [], []
    for layer, (w_slice, b_slice) in enumerate(spec.layer_slices, start=1):
        Wb = v.theta_after[w_slice.start : b_slice.stop].reshape(spec.sizes[layer - 1] + 1, spec.sizes[layer])
        Wbs.append(Wb)
        Ws.append(Wb[:-1])
    return kernels.row_function(spec, v, Wbs, Ws, floats=floats), buf, v


@pytest.mark.parametrize("spec", [
    PRESETS["classification"],
    NetworkSpec((2, 1, 1), ("sigmoid", "sigmoid"), "bce"),
    NetworkSpec((3, 4, 1), ("sigmoid", "sigmoid"), "bce"),
    NetworkSpec((2, 6, 2), ("sigmoid", "sigmoid"), "bce"),
    NetworkSpec((2, 3, 1), ("tanh", "sigmoid"), "se"),
], ids=lambda s: s.describe())
def test_rows_with_and_without_the_shortcuts_are_the_same_bytes(spec):
    rng = np.random.default_rng(3)
    fast, fast_buf, fast_views = _row(spec, True)
    plain, plain_buf, plain_views = _row(spec, False)
    with np.errstate(all="ignore"):
        for k in range(600):
            theta = rng.normal(0.0, [0.3, 3.0, 30.0, 1e3, 1e200][k % 5], spec.n_params)
            x = rng.normal(0.0, [1.0, 50.0][k % 2], spec.n_inputs)
            y = [0.0, 1.0, 0.3][k % 3]
            for views in (fast_views, plain_views):
                views.theta_after[:], views.x[:], views.y[:] = theta, x, y
            assert bits(fast()) == bits(plain())
            np.testing.assert_array_equal(bits(fast_buf), bits(plain_buf))


@pytest.mark.parametrize("z", EXTREMES)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_a_step_at_an_extreme_pre_activation_matches_the_formulas(z, y):
    # x = (1, 0) and every parameter 0 but W111, W112 and b21, which are z: Z11 = Z12 = z·1 + 0·0 + 0,
    # and the output neuron sees z in its bias
    spec = PRESETS["classification"]
    theta = np.zeros(spec.n_params)
    for name in ("W111", "W112", "b21"):
        theta[spec.param_index[name]] = z
    record = Network(spec, theta).step([1.0, 0.0], [y], 0.1)
    with np.errstate(all="ignore"):
        for zs, outs in zip(record.zs, record.outs):
            np.testing.assert_array_equal(bits(outs), bits(SIGMOID.forward(zs)))
        assert bits(record.loss) == bits(BCE.value(record.y, record.y_hat))
        np.testing.assert_array_equal(bits(record.dloss), bits(BCE.derivative(record.y, record.y_hat)))
