"""Training.peek previews the next row exactly, without changing anything."""
import numpy as np

from engine.init import initialise
from engine.network import Network
from engine.training import Training

X = np.array([[8.0, 8.0], [7.0, 9.0], [6.0, 10.0], [5.0, 12.0]])
Y = np.array([4.0, 5.0, 6.0, 7.0])


def make_training():
    net = initialise(Network.from_preset("regression"), "random", seed=1)
    return Training(net, X - X.mean(axis=0), Y, eta=0.05, order="shuffle", seed=4)


def test_peek_changes_nothing_and_matches_the_step():
    tr = make_training()
    tr.step()
    theta = tr.network.theta.copy()
    preview = tr.peek()
    assert np.array_equal(tr.network.theta, theta)
    assert tr.steps == 1
    record = tr.step()
    assert (preview.epoch, preview.row, preview.step) == (record.epoch, record.row, record.step)
    assert preview.loss == record.loss
    assert np.array_equal(preview.theta_after, record.theta_after)
    assert np.array_equal(preview.gradient, record.gradient)


def test_peek_says_when_the_step_will_diverge():
    # tutorial start, raw table, η = 1, rows in order: row 1 runs away (see test_engine_training)
    net = initialise(Network.from_preset("regression"), "tutorial")
    tr = Training(net, X, Y, eta=1.0, order="sequential")
    assert not tr.peek().diverged
    tr.step()
    preview = tr.peek()
    assert preview.diverged and tr.diverged is None
    assert tr.step().diverged and tr.peek(eta=0.0).diverged is False  # at η = 0 nothing runs away
