"""engine.landscape_job: a landscape computed a few points at a time equals the one-pass grid and
slice, each advance() stays near its time budget, and the job is immune to later changes of θ."""
import math
import time

import numpy as np
import pytest

from engine.data import load_builtin
from engine.init import initialise
from engine.landscape import loss_grid, loss_slice, theta_of
from engine.landscape_job import LandscapeJob
from engine.network import Network
from engine.spec import NetworkSpec, preset


def _students():
    ds = load_builtin("students-regression")
    net = initialise(Network(preset("regression")), "glorot", 3)
    return net, ds.X, ds.Y


def _big():
    """A deep tanh net on 1 000 random rows: an 11² grid and its slice take ~0.1 s in one pass."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    spec = NetworkSpec((2, 8, 8, 8, 8, 1), ("tanh",) * 4 + ("sigmoid",), "bce")
    return initialise(Network(spec), "glorot", 1), X, Y


def _run(job, budget):
    steps = 0
    while not job.advance(budget):
        steps += 1
        assert steps < 10_000
    return steps


@pytest.mark.parametrize("budget", [math.inf, 1e-6, 1e-3])
def test_in_chunks_or_at_once_the_job_gives_the_one_pass_grid_and_slice(budget):
    net, X, Y = _students()
    job = LandscapeJob(net, X, Y, "W211", "b21", (-1.0, 3.0), (-2.0, 2.0), n=21, slice_points=31)
    steps = _run(job, budget)
    grid, sl = job.result()
    one_grid = loss_grid(net, X, Y, "W211", "b21", (-1.0, 3.0), (-2.0, 2.0), n=21)
    one_slice = loss_slice(net, X, Y, "W211", (-1.0, 3.0), n=31)
    np.testing.assert_allclose(grid.loss, one_grid.loss, rtol=1e-13)
    np.testing.assert_allclose(sl.loss, one_slice.loss, rtol=1e-13)
    assert grid.current == one_grid.current and grid.current_loss == one_grid.current_loss
    assert grid.min_at == one_grid.min_at
    assert (sl.current, sl.current_loss, sl.slope) == (one_slice.current, one_slice.current_loss, one_slice.slope)
    if budget == 1e-6:  # a budget smaller than one point still moves on by at least a point a call
        assert steps >= 10 and job.done == job.total == 21 * 21 + 31


def test_a_grid_node_by_hand():
    # Students' first row only, Step 0 of the tutorial (every w = 1, b = 0) but W211 = 0.5 and b21 = 2:
    # O11 = O12 = 8 + 8 = 16 → ŷ = 0.5·16 + 1·16 + 2 = 26 against y = 4 → (4 − 26)² = 484.
    spec = preset("regression")
    net = Network(spec)
    net.set_theta(theta_of(spec, {name: 1.0 if name.startswith("W") else 0.0 for name in spec.param_names}))
    job = LandscapeJob(net, [[8.0, 8.0]], [4.0], "W211", "b21", (0.0, 1.0), (0.0, 4.0), n=3, slice_points=2)
    _run(job, 1e-9)
    grid, sl = job.result()
    assert grid.values_x[1] == 0.5 and grid.values_y[1] == 2.0
    assert grid.loss[1, 1] == 484.0
    assert grid.current_loss == (4 - 32) ** 2  # the network's own θ: ŷ = 16 + 16
    assert sl.slope == -2 * (4 - 32) * 16  # ∂L/∂W211 = −2(y − ŷ)·O11


def test_each_advance_stays_near_its_budget_on_a_big_table():
    net, X, Y = _big()
    job = LandscapeJob(net, X, Y, "W511", "b51", n=11)
    times = []
    while True:
        t = time.thread_time()
        finished = job.advance(0.02)
        times.append(time.thread_time() - t)
        if finished:
            break
    assert len(times) >= 3  # it did take several slices
    assert max(times) < 0.08  # a budget of 20 ms, plus the first chunk's guess and the final tangent


def test_the_job_keeps_the_theta_it_started_with():
    net, X, Y = _students()
    before = loss_grid(net, X, Y, "W111", "b11", (-1.0, 1.0), (-1.0, 1.0), n=5)
    job = LandscapeJob(net, X, Y, "W111", "b11", (-1.0, 1.0), (-1.0, 1.0), n=5)
    job.advance(1e-9)
    net.set_theta(net.theta + 1.0)  # training moves on while the job runs
    _run(job, 1e-9)
    assert np.array_equal(job.result()[0].loss, before.loss)


def test_result_before_the_end_says_how_far_it_got():
    net, X, Y = _big()
    job = LandscapeJob(net, X, Y, "W511", "b51", n=11)
    job.advance(1e-9)
    with pytest.raises(RuntimeError, match="not finished"):
        job.result()
