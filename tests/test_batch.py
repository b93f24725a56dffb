"""engine.batch: many parameter vectors at once must match the one-row reference exactly."""
import numpy as np
import pytest

from engine import batch
from engine.batch import batch_mean_loss, batch_predict, batch_row_losses
from engine.network import Network
from engine.spec import NetworkSpec, preset

SPECS = [
    preset("regression"),
    preset("classification"),
    NetworkSpec((3, 4, 2), ("tanh", "linear"), "half-se"),
    NetworkSpec((2, 3, 3, 1), ("relu", "sigmoid", "sigmoid"), "bce"),
    NetworkSpec((1, 1), ("linear",), "se"),
    NetworkSpec((4, 8, 8, 8, 8, 3), ("tanh", "relu", "sigmoid", "tanh", "sigmoid"), "bce"),
]


def _table(spec, n, rng):
    X = rng.normal(size=(n, spec.n_inputs)) * 2
    if spec.loss == "bce":
        Y = rng.integers(0, 2, size=(n, spec.n_outputs)).astype(float)
    else:
        Y = rng.normal(size=(n, spec.n_outputs)) * 3
    return X, Y


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.describe())
def test_matches_network_forward_and_row_loss(spec):
    rng = np.random.default_rng(1)
    X, Y = _table(spec, 7, rng)
    thetas = rng.normal(size=(5, spec.n_params))
    pred = batch_predict(spec, thetas, X)
    losses = batch_row_losses(spec, thetas, X, Y)
    mean = batch_mean_loss(spec, thetas, X, Y)
    assert pred.shape == (5, 7, spec.n_outputs)
    assert losses.shape == (5, 7) and mean.shape == (5,)
    for g, theta in enumerate(thetas):
        net = Network(spec, theta)
        for r, (x, y) in enumerate(zip(X, Y)):
            np.testing.assert_allclose(pred[g, r], net.predict(x), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(losses[g, r], net.row_loss(x, y), rtol=1e-12, atol=1e-14)
        reference = np.mean([net.row_loss(x, y) for x, y in zip(X, Y)])
        np.testing.assert_allclose(mean[g], reference, rtol=1e-12)


def test_chunking_gives_the_same_numbers(monkeypatch):
    spec = NetworkSpec((2, 3, 1), ("sigmoid", "linear"), "se")
    rng = np.random.default_rng(2)
    X, Y = _table(spec, 5, rng)
    thetas = rng.normal(size=(50, spec.n_params))
    whole = batch_mean_loss(spec, thetas, X, Y)
    monkeypatch.setattr(batch, "CHUNK_ELEMENTS", 16)  # 1 theta per chunk
    np.testing.assert_array_equal(batch_mean_loss(spec, thetas, X, Y), whole)


def test_one_theta_and_one_row_are_accepted():
    spec = preset("regression")
    theta = np.arange(spec.n_params, dtype=float)
    out = batch_predict(spec, theta, [6.3, 100.0])
    assert out.shape == (1, 1, 1)
    assert out[0, 0, 0] == pytest.approx(Network(spec, theta).predict([6.3, 100.0])[0])


def test_bce_saturated_output_is_finite_like_the_engine():
    spec = preset("classification")
    theta = np.full(spec.n_params, 50.0)  # sigmoid saturates to exactly 1.0
    X = np.array([[10.0, 10.0]])
    Y = np.array([[0.0]])
    loss = batch_mean_loss(spec, theta, X, Y)[0]
    assert np.isfinite(loss)
    assert loss == pytest.approx(Network(spec, theta).row_loss(X[0], Y[0]))


def test_overflow_is_silent_and_marked_non_finite():
    spec = preset("regression")
    theta = np.full(spec.n_params, 1e200)
    loss = batch_mean_loss(spec, theta, np.array([[1e200, 1e200]]), np.array([[1.0]]))
    assert not np.isfinite(loss[0])  # no RuntimeWarning (warnings are errors here)


def test_shapes_are_checked():
    spec = preset("regression")
    with pytest.raises(ValueError, match="thetas"):
        batch_predict(spec, np.zeros((3, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="inputs"):
        batch_predict(spec, np.zeros((3, 9)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Y must be"):
        batch_mean_loss(spec, np.zeros((3, 9)), np.zeros((2, 2)), np.zeros((3, 1)))
