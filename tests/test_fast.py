"""engine.fast: the headless path gives Training's numbers, without the records."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.data import load_builtin
from engine.fast import FastTraining, source, train
from engine.init import initialise
from engine.network import Network
from engine.scaling import Scaler
from engine.spec import PRESETS, NetworkSpec
from engine.training import Training, runaway_limit

TANH_2881 = NetworkSpec((2, 8, 8, 1), ("tanh", "tanh", "linear"), "se")


def students(name="students-large"):
    ds = load_builtin(name)
    return Scaler.fit(ds.X, "standard").transform(ds.X), np.array(ds.Y)


def start(spec, scheme="random", seed=0):
    return initialise(Network(spec), scheme, seed).theta.copy()


def reference(spec, theta, X, Y, *, epochs, eta, order="shuffle", seed=0, batch=1):
    """Training itself, the per-row engine with records."""
    t = Training(Network(spec, theta), X, Y, eta=eta, order=order, seed=seed, batch=batch)
    t.run_epochs(epochs)
    return t


def assert_same_run(fast, t):
    assert len(fast.epoch_losses) == len(t.epoch_losses)
    np.testing.assert_allclose(fast.epoch_losses, t.epoch_losses, rtol=1e-12, atol=0)
    scale = max(1.0, float(np.max(np.abs(t.network.theta))))
    np.testing.assert_allclose(fast.theta, t.network.theta, rtol=0, atol=1e-12 * scale)


# ---- the same run as Training ------------------------------------------------------------------
@pytest.mark.parametrize("spec, table, eta, order", [
    (PRESETS["regression"], "students-large", 0.1, "shuffle"),
    (PRESETS["classification"], "students-large-classification", 0.5, "random"),
    (TANH_2881, "students-large", 0.02, "shuffle"),
    (NetworkSpec((2, 4, 3, 1), ("relu", "sigmoid", "linear"), "half-se"), "students-large", 0.05, "sequential"),
])
@pytest.mark.parametrize("batch", [1, 7])
def test_fast_equals_training(spec, table, eta, order, batch):
    X, Y = students(table)
    theta = start(spec, "glorot", seed=2)
    fast = train(spec, theta, X, Y, epochs=6, eta=eta, order=order, seed=4, batch=batch)
    assert_same_run(fast, reference(spec, theta, X, Y, epochs=6, eta=eta, order=order, seed=4, batch=batch))


def test_fast_equals_training_with_several_outputs():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 3)), rng.integers(0, 2, size=(30, 2)).astype(float)
    spec = NetworkSpec((3, 5, 2), ("tanh", "sigmoid"), "bce")
    theta = start(spec, "glorot", 1)
    for batch in (1, 4, 30):
        fast = train(spec, theta, X, Y, epochs=5, eta=0.3, seed=1, batch=batch)
        assert_same_run(fast, reference(spec, theta, X, Y, epochs=5, eta=0.3, seed=1, batch=batch))


def test_incremental_epochs_equal_one_go_and_keep_thetas_gives_each_epochs_end():
    X, Y = students()
    spec = PRESETS["regression"]
    theta = start(spec)
    whole = FastTraining(spec, theta, X, Y, eta=0.01, seed=3)
    thetas = whole.run_epochs(5, keep_thetas=True)
    step = FastTraining(spec, theta, X, Y, eta=0.01, seed=3)
    for e in range(5):
        step.run_epochs(1)
        np.testing.assert_array_equal(step.theta, thetas[e])  # exactly: the same operations
    assert step.epoch_losses == whole.epoch_losses and thetas.shape == (5, spec.n_params)


# ---- divergence, as Training ---------------------------------------------------------------------
def test_divergence_stops_at_trainings_row_with_the_last_finite_parameters():
    ds = load_builtin("students-regression")
    X, Y = np.array(ds.X), np.array(ds.Y)  # raw inputs (cgpa ~ 6, profile_score ~ 100): η = 1 blows up
    spec = PRESETS["regression"]
    theta = start(spec)
    fast = FastTraining(spec, theta, X, Y, eta=1.0, seed=0)
    fast.run_epochs(50)
    t = reference(spec, theta, X, Y, epochs=50, eta=1.0)
    assert t.diverged is not None and fast.diverged is not None
    assert (fast.diverged.epoch, fast.diverged.row) == (t.diverged.epoch, t.diverged.row)
    # a runaway: still a finite number, but far past a million times the worst loss at the start
    assert math.isfinite(fast.diverged.loss) and fast.diverged.loss > runaway_limit(spec, theta, X, Y)
    assert fast.epoch_losses == pytest.approx(t.epoch_losses, rel=1e-12)
    assert np.all(np.isfinite(fast.theta))
    np.testing.assert_allclose(fast.theta, t.network.theta, rtol=1e-12)
    fast.run_epochs(5)  # a diverged run stays stopped
    assert len(fast.epoch_losses) == fast.diverged.epoch - 1


def test_the_diverged_row_is_named_by_its_table_index():
    # Training on table rows 2 and 0 (say the others are held out), in that order. With every weight
    # 1e200 the first row's ŷ = 2·(1e200·(3 + 4)·1e200) overflows to inf: its loss is not finite.
    X = np.array([[1.0, 2.0], [5.0, 5.0], [3.0, 4.0]])
    Y = np.array([[1.0], [1.0], [1.0]])
    spec = PRESETS["regression"]
    theta = start(spec, "const:1e200,0")
    fast = FastTraining(spec, theta, X[[2, 0]], Y[[2, 0]], eta=0.1, order="sequential", rows=[2, 0])
    fast.run_epochs(3)
    assert (fast.diverged.epoch, fast.diverged.row) == (1, 2)
    assert fast.diverged.loss == math.inf and fast.epoch_losses == []
    np.testing.assert_array_equal(fast.theta, theta)  # nothing was applied


def test_at_eta_0_nothing_diverges_however_large_the_numbers():
    spec = PRESETS["regression"]
    theta = start(spec, "const:1e200,0")  # every ŷ overflows: the loss is inf on every row
    X, Y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0], [2.0]])
    fast = FastTraining(spec, theta, X, Y, eta=0.0)
    with np.errstate(all="ignore"):
        fast.run_epochs(3)
        t = reference(spec, theta, X, Y, epochs=3, eta=0.0)
    assert fast.diverged is None and t.diverged is None
    assert len(fast.epoch_losses) == 3 and not any(math.isfinite(v) for v in fast.epoch_losses)
    np.testing.assert_array_equal(fast.epoch_losses, t.epoch_losses)  # (NaN where Training has NaN)


# ---- by hand ---------------------------------------------------------------------------------------
def test_the_tutorials_step_0_by_hand():
    # w = 1, b = 0, x = (6.3, 100), y = 7, η = 0.01, linear 2-2-1, L = (y − ŷ)²:
    # O11 = O12 = 106.3, ŷ = 212.6, L = 205.6² = 42271.36, ∂L/∂ŷ = −2(7 − 212.6) = 411.2
    # W111 ← 1 − 0.01·411.2·1·6.3 = −24.9056;  W211 ← 1 − 0.01·411.2·106.3 = −436.1056
    spec = PRESETS["regression"]
    fast = FastTraining(spec, start(spec, "tutorial"), [[6.3, 100.0]], [[7.0]], eta=0.01)
    fast.run_epochs(1)
    assert fast.epoch_losses == [pytest.approx(42271.36)]
    theta = dict(zip(spec.param_names, fast.theta[[spec.param_index[n] for n in spec.param_names]]))
    assert theta["W111"] == pytest.approx(-24.9056) and theta["W211"] == pytest.approx(-436.1056)
    assert theta["W121"] == pytest.approx(1 - 0.01 * 411.2 * 100) and theta["b21"] == pytest.approx(-4.112)


def test_one_full_batch_is_one_update_with_the_mean_gradient():
    # ŷ = w·x + b from w = b = 0 on rows (x=1, y=1) and (x=2, y=0), L = (y − ŷ)², η = 0.5:
    # row 1: ∂L/∂ŷ = −2(1 − 0) = −2, so ∂L/∂w = −2, ∂L/∂b = −2; row 2: ∂L/∂ŷ = 0, nothing.
    # mean gradient (−1, −1): w = b = 0 − 0.5·(−1) = 0.5; the epoch's loss (1 + 0)/2 = 0.5.
    spec = NetworkSpec((1, 1), ("linear",), "se")
    fast = FastTraining(spec, [0.0, 0.0], [[1.0], [2.0]], [[1.0], [0.0]], eta=0.5, order="sequential", batch=2)
    fast.run_epochs(1)
    assert fast.epoch_losses == [0.5]
    assert fast.theta.tolist() == [0.5, 0.5]
    # Next epoch, at w = b = 0.5: ŷ = 1 and 1.5, L = 0 and 2.25, mean 1.125.
    fast.run_epochs(1)
    assert fast.epoch_losses[1] == pytest.approx(1.125)


def test_sigmoid_and_bce_by_hand():
    # 1-1 sigmoid with BCE from w = b = 0: ŷ = ½, L = −log ½ = ln 2, ∂L/∂Z = ŷ − y = −½ for y = 1.
    spec = NetworkSpec((1, 1), ("sigmoid",), "bce")
    fast = FastTraining(spec, [0.0, 0.0], [[2.0]], [[1.0]], eta=1.0)
    fast.run_epochs(1)
    assert fast.epoch_losses == [pytest.approx(math.log(2))]
    assert fast.theta.tolist() == pytest.approx([1.0, 0.5])  # w = 0 − 1·(−½·2), b = 0 − 1·(−½)


def test_the_generated_code_reads_like_the_tutorial():
    text = source(PRESETS["regression"])
    assert "Z11 = x1 * W111 + x2 * W121 + b11" in text
    assert "Z21 = Z11 * W211 + Z12 * W221 + b21" in text  # linear: O11 is Z11


def test_bad_input_is_refused():
    spec = PRESETS["regression"]
    with pytest.raises(ValueError):
        FastTraining(spec, np.zeros(3), [[1.0, 2.0]], [[1.0]])
    with pytest.raises(ValueError):
        FastTraining(spec, np.zeros(9), [[1.0, 2.0, 3.0]], [[1.0]])
    with pytest.raises(ValueError):
        FastTraining(spec, np.zeros(9), [[1.0, 2.0]], [[1.0]], order="backwards")
