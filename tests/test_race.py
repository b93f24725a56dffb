"""engine.race: one start, one table, one row order; only η differs. Verdict rules."""
import numpy as np
import pytest

from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.race import DEFAULT_ETAS, MAX_LANES, Race, race, verdict
from engine.scaling import Standardizer
from engine.spec import preset
from engine.training import Training


def _newcomer(task="regression"):
    ds = load_builtin("students-regression" if task == "regression" else "students-classification")
    X = Standardizer.fit(ds.X).transform(ds.X)
    net = initialise(Network(preset(task)), DEFAULT_SCHEME, 0)
    return net, X, ds.Y


def training_run(spec, theta0, X, Y, eta, epochs, order="shuffle", seed=0, batch=1):
    """The reference: the recorded per-row Training on its own copy of theta0."""
    t = Training(Network(spec, theta0), X, Y, eta=eta, order=order, seed=seed, batch=batch)
    t.run_epochs(epochs)
    return t


def test_lanes_share_start_and_row_order_and_differ_only_by_eta():
    net, X, Y = _newcomer()
    r = Race(net.spec, net.theta, X, Y, etas=(0.01, 0.05, 0.1), epochs=5, order="shuffle", seed=7)
    assert r.etas == (0.01, 0.05, 0.1)
    r.advance(5)
    for lane in r.lanes:  # each lane is Training from the same start, same rows, with its own η
        t = training_run(net.spec, net.theta, X, Y, lane.eta, 5, seed=7)
        np.testing.assert_allclose(lane.result().epoch_losses, t.epoch_losses, rtol=1e-12)
        np.testing.assert_allclose(lane.theta, t.network.theta, rtol=1e-12, atol=1e-15)
    # the caller's parameters are never touched
    np.testing.assert_array_equal(net.theta, initialise(Network(net.spec), DEFAULT_SCHEME, 0).theta)


def test_each_lane_equals_a_plain_training_run_with_that_eta():
    net, X, Y = _newcomer()
    results = race(net.spec, net.theta, X, Y, etas=(0.05, 0.2), epochs=12, seed=3)
    for res in results:
        t = training_run(net.spec, net.theta, X, Y, res.eta, 12, seed=3)
        np.testing.assert_allclose(res.epoch_losses, t.epoch_losses, rtol=1e-12)


def test_lanes_train_in_batches_as_training_does():
    net, X, Y = _newcomer()
    results = race(net.spec, net.theta, X, Y, etas=(0.1, 0.5), epochs=8, seed=2, batch=3)
    for res in results:
        t = training_run(net.spec, net.theta, X, Y, res.eta, 8, seed=2, batch=3)
        np.testing.assert_allclose(res.epoch_losses, t.epoch_losses, rtol=1e-12)


def test_incremental_advance_matches_one_go():
    net, X, Y = _newcomer()
    r = Race(net.spec, net.theta, X, Y, epochs=23)
    ticks = 0
    while r.advance(4):
        ticks += 1
        assert r.epochs_done <= 23
    assert r.done and ticks == 5  # 4+4+4+4+4 then the last 3
    once = race(net.spec, net.theta, X, Y, epochs=23)
    assert [a.epoch_losses for a in r.results()] == [b.epoch_losses for b in once]
    assert not r.advance(4)  # a finished race stays finished


def test_newcomer_defaults_tell_the_tutorials_story():
    net, X, Y = _newcomer()
    results = {res.eta: res for res in race(net.spec, net.theta, X, Y, etas=DEFAULT_ETAS, epochs=100)}
    assert results[1.0].verdict in ("diverged", "oscillating")
    assert results[0.1].verdict == "converged"
    assert results[0.01].verdict == "still converging"
    # 0.1 ends lower than 0.01: fewer steps to the minimum
    assert results[0.1].epoch_losses[-1] < results[0.01].epoch_losses[-1]


def test_a_diverged_lane_stops_and_keeps_a_last_point_for_the_plot():
    net, X, Y = _newcomer()
    (res,) = race(net.spec, net.theta, X, Y, etas=(1.0,), epochs=50)
    assert res.diverged and res.verdict == "diverged"
    epoch, row = res.diverged_at
    assert epoch == len(res.epoch_losses) + 1 and 0 <= row < len(X)
    assert len(res.curve) == len(res.epoch_losses) + 1
    assert np.isfinite(res.curve[-1]) and res.curve[-1] == max(res.curve) > 100 * net_loss(net, X, Y)


@pytest.mark.parametrize("bad", [(), (0.1,) * (MAX_LANES + 1), (0.1, -0.5), (float("nan"),), (0.0,)])
def test_bad_eta_lists_are_refused(bad):
    net, X, Y = _newcomer()
    with pytest.raises(ValueError):
        Race(net.spec, net.theta, X, Y, etas=bad)


# ---- verdict rules on hand-made sequences ---------------------------------------------
def test_verdict_diverged():
    assert verdict([5, 4, 3], diverged=True) == "diverged"
    assert verdict([5, 4, float("inf")]) == "diverged"
    assert verdict([5, 4, float("nan")]) == "diverged"
    assert verdict([1.0, 3.0, 9.0, 27.0]) == "diverged"  # above 10× where it started


def test_verdict_too_early_is_still_converging():
    assert verdict([]) == "still converging"
    assert verdict([3.0, 2.0]) == "still converging"


def test_verdict_still_converging_on_a_steady_fall():
    assert verdict(10 * 0.95 ** np.arange(40)) == "still converging"
    # a slow fall with small noise is still a trend
    rng = np.random.default_rng(0)
    assert verdict(np.linspace(10, 5, 40) + rng.normal(0, 0.01, 40)) == "still converging"


def test_verdict_converged_on_a_flat_tail():
    assert verdict(np.r_[10 * 0.5 ** np.arange(15), np.full(20, 1e-4)]) == "converged"
    # jitter near the floor, tiny compared with the progress made
    rng = np.random.default_rng(1)
    assert verdict(np.r_[np.linspace(20, 0.01, 20), 0.01 + rng.uniform(0, 0.002, 30)]) == "converged"


def test_verdict_oscillating_on_a_bouncing_tail():
    assert verdict(np.r_[10.0, 8.0, np.tile([2.0, 6.0], 15)]) == "oscillating"
    assert verdict(np.r_[10.0, np.linspace(4, 6, 25)]) == "oscillating"  # creeping back up


def test_verdict_plateau_creeping_down_is_still_converging():
    plateau = 0.6953 - 1e-5 * np.arange(60)  # e.g. BCE stuck near ln 2 with tiny weights
    plateau[1::7] += 2e-6
    assert verdict(plateau) == "still converging"


def net_loss(net, X, Y):
    return np.mean([net.row_loss(x, y) for x, y in zip(X, Y)])
