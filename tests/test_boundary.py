"""engine.boundary: P(class 1) over the two RAW inputs, standardised as in training; accuracy; a regression's
fitted line and surface in the table's units."""
import numpy as np
import pytest

from engine.boundary import (
    ROW_CHUNK,
    THRESHOLD,
    accuracy,
    boundary_grid,
    fitted_line,
    fitted_surface,
    padded_range,
    predict_raw,
    predict_table,
)
from engine.data import load_builtin
from engine.init import initialise
from engine.network import Network
from engine.scaling import Standardizer, TargetScaler
from engine.spec import NetworkSpec, preset
from engine.training import Training


@pytest.fixture
def trained():
    ds = load_builtin("students-classification")
    scaler = Standardizer.fit(ds.X)
    net = initialise(Network(preset("classification")), "random", 0)
    Training(net, scaler.transform(ds.X), ds.Y, eta=1.0, seed=0).run_epochs(200)
    return net, ds, scaler


def test_grid_is_in_raw_units_and_matches_the_network_on_standardised_points(trained):
    net, ds, scaler = trained
    g = boundary_grid(net, ds.X, ds.Y, scaler, n=21)
    assert g.prob.shape == (21, 21)
    lo, hi = padded_range(ds.X[:, 0])
    assert g.values_x[0] == pytest.approx(lo) and g.values_x[-1] == pytest.approx(hi)
    assert lo < ds.X[:, 0].min() and hi > ds.X[:, 0].max()  # raw CGPA, not z-scores
    for i in (0, 7, 20):
        for j in (0, 13, 20):
            raw = np.array([g.values_x[i], g.values_y[j]])
            expected = net.predict(scaler.transform(raw))[0]
            assert g.prob[i, j] == pytest.approx(expected, rel=1e-12)
    assert np.all((g.prob > 0) & (g.prob < 1))


def test_accuracy_counts_rows_at_threshold(trained):
    net, ds, scaler = trained
    P = np.array([net.predict(x)[0] for x in scaler.transform(ds.X)])
    expected = np.mean((P >= THRESHOLD) == (ds.Y[:, 0] >= THRESHOLD))
    assert accuracy(net, ds.X, ds.Y, scaler) == pytest.approx(expected)
    g = boundary_grid(net, ds.X, ds.Y, scaler, n=5)
    assert g.accuracy == pytest.approx(expected)
    assert g.correct == round(expected * len(ds.X)) and g.total == len(ds.X)
    assert expected == 1.0  # the four students are separable: training gets them all


def test_untrained_tutorial_start_and_a_hand_made_boundary():
    # One sigmoid neuron on raw inputs: P = σ(x1 − x2); boundary is the diagonal x1 = x2.
    spec = NetworkSpec((2, 1), ("sigmoid",), "bce")
    net = Network(spec)
    net["W111"], net["W121"], net["b11"] = 1.0, -1.0, 0.0
    X = np.array([[2.0, 1.0], [1.0, 2.0], [3.0, 0.0]])
    Y = np.array([[1.0], [1.0], [1.0]])
    assert accuracy(net, X, Y) == pytest.approx(2 / 3)  # no scaler: identity
    g = boundary_grid(net, X, Y, n=11, range_x=(0, 10), range_y=(0, 10))
    diag = np.diag(g.prob)
    np.testing.assert_allclose(diag, 0.5)
    assert g.prob[10, 0] > 0.99 and g.prob[0, 10] < 0.01


def test_predict_raw_applies_the_scaler():
    net = initialise(Network(preset("classification")), "random", 1)
    scaler = Standardizer(mean=np.array([7.0, 9.0]), std=np.array([2.0, 3.0]))
    raw = np.array([[9.0, 3.0]])
    np.testing.assert_allclose(predict_raw(net, raw, scaler)[0], net.predict([1.0, -2.0]))


def test_needs_two_inputs():
    net = Network(NetworkSpec((3, 1), ("sigmoid",), "bce"))
    with pytest.raises(ValueError, match="2-input"):
        boundary_grid(net, np.zeros((2, 3)), np.zeros((2, 1)))


def test_many_rows_go_through_in_chunks_with_the_same_answer_as_one_row_at_a_time():
    net = initialise(Network(NetworkSpec((2, 3, 1), ("tanh", "sigmoid"), "bce")), "glorot", 2)
    X = np.random.default_rng(0).normal(size=(ROW_CHUNK * 2 + 7, 2))  # three chunks, the last one short
    P = predict_raw(net, X)
    assert P.shape == (X.shape[0], 1)
    for k in (0, ROW_CHUNK - 1, ROW_CHUNK, 2 * ROW_CHUNK + 6):
        assert P[k, 0] == pytest.approx(net.predict(X[k])[0], rel=1e-12)


def test_a_fitted_line_is_in_the_tables_units():
    # ŷ = 2·z + 1 on z = (x − 10) / 4, and the table's targets are 100 + 5·ŷ.
    net = Network(NetworkSpec((1, 1), ("linear",), "se"))
    net["W111"], net["b11"] = 2.0, 1.0
    scaler = Standardizer(mean=np.array([10.0]), std=np.array([4.0]))
    target = TargetScaler(Standardizer(mean=np.array([100.0]), std=np.array([5.0])))
    line = fitted_line(net, (6.0, 18.0), scaler, target, n=4)
    np.testing.assert_allclose(line.values_x, [6.0, 10.0, 14.0, 18.0])
    np.testing.assert_allclose(line.y_hat, [100 + 5 * (2 * (x - 10) / 4 + 1) for x in (6.0, 10.0, 14.0, 18.0)])
    np.testing.assert_allclose(predict_table(net, [[14.0]], scaler, target), [[115.0]])
    with pytest.raises(ValueError, match="1-input"):
        fitted_line(Network(preset("classification")), (0.0, 1.0))


def test_a_fitted_surface_and_the_rows_right_among_some_rows():
    net = Network(NetworkSpec((2, 1), ("linear",), "se"))
    net["W111"], net["W121"], net["b11"] = 3.0, -1.0, 0.5
    s = fitted_surface(net, (0.0, 2.0), (-1.0, 1.0), n=5)
    assert s.y_hat.shape == (5, 5)
    assert s.y_hat[4, 0] == pytest.approx(3 * 2.0 + 1.0 + 0.5)
    assert s.y_hat[1, 3] == pytest.approx(3 * 0.5 - 0.5 + 0.5)
    g = boundary_grid(Network(preset("classification")), np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]),
                      np.array([[1.0], [1.0], [0.0]]), n=3)
    right = g.row_right
    assert g.rows_right([0, 2]) == (int(right[0]) + int(right[2]), 2)
