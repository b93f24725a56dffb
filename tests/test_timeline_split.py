"""A timeline on a split table: training sees only the train rows (records still name table
rows), each epoch measures the held-out rows, targets may be standardised; rewind, undo and a
saved log's replay keep all of it."""
import math

import numpy as np
import pytest

from engine.network import Network
from engine.spec import NetworkSpec, preset
from engine.timeline import Timeline

RNG = np.random.default_rng(0)
X = RNG.uniform(-2, 2, size=(20, 2))
Y_REG = 3.0 * X[:, 0] - X[:, 1] + 50.0  # targets far from 0: worth standardising
Y_CLS = (X[:, 0] * X[:, 1] > 0).astype(float)
CLS = NetworkSpec((2, 4, 1), ("tanh", "sigmoid"), "bce")


def regression(target_scaling="standard", **kw):
    return Timeline(preset("regression"), X, Y_REG, init="random", seed=1, eta=0.05, test_fraction=0.25,
                    target_scaling=target_scaling, **kw)


def test_training_sees_only_train_rows_and_records_name_table_rows():
    tl = regression()
    assert len(tl.test_rows) == 5 and len(tl.train_rows) == 15 and tl.n_rows == 15
    assert set(tl.train_rows).isdisjoint(tl.test_rows)
    records = [tl.row(0.05) for _ in range(30)]
    assert {r.row for r in records} == set(tl.train_rows.tolist())
    for r in records:  # the record's x is the table row's, as the network sees it
        np.testing.assert_array_equal(r.x, tl.X[r.row])
    assert np.all(np.isnan(tl.row_loss[tl.test_rows]))


def test_each_epoch_measures_the_test_rows_at_its_end():
    tl = regression()
    for epoch in (1, 2, 3):
        for _ in range(15):
            tl.row(0.05)
        net = Network(tl.spec, tl.network.theta)
        by_hand = np.mean([net.row_loss(tl.X[r], tl.Y[r]) for r in tl.test_rows])
        assert len(tl.epoch_test_losses) == epoch
        assert tl.epoch_test_losses.view()[-1] == pytest.approx(by_hand, rel=1e-12)
    assert np.all(np.isnan(tl.epoch_train_accuracy.view())) and np.all(np.isnan(tl.epoch_test_accuracy.view()))


def test_without_test_rows_the_test_loss_is_nan():
    tl = Timeline(preset("regression"), X, Y_REG, init="random", seed=1, eta=0.05, target_scaling="standard")
    for _ in range(20):
        tl.row(0.05)
    assert len(tl.test_rows) == 0 and math.isnan(tl.epoch_test_losses.view()[0])


def test_classification_accuracy_on_both_parts():
    tl = Timeline(CLS, X, Y_CLS, init="glorot", seed=0, eta=0.5, test_fraction=0.2)
    for _ in range(16):
        tl.row(0.5)
    net = Network(CLS, tl.network.theta)

    def right(rows):
        return np.mean([(net.predict(tl.X[r])[0] >= 0.5) == (Y_CLS[r] == 1.0) for r in rows])

    assert tl.epoch_train_accuracy.view()[0] == right(tl.train_rows)
    assert tl.epoch_test_accuracy.view()[0] == right(tl.test_rows)


def test_standardised_targets_and_the_raw_table():
    tl = regression(target_scaling="standard")
    train = Y_REG[tl.train_rows]
    mean, sigma = train.mean(), train.std()  # fitted on the train rows only
    np.testing.assert_allclose(tl.Y[:, 0], (Y_REG - mean) / sigma, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(tl.Y_raw[:, 0], Y_REG)
    np.testing.assert_array_equal(tl.X_raw, X)
    xm, xs = X[tl.train_rows].mean(axis=0), X[tl.train_rows].std(axis=0)
    np.testing.assert_allclose(tl.X, (X - xm) / xs, rtol=1e-12, atol=1e-12)
    assert tl.target_scaler.mean[0] == pytest.approx(mean) and tl.target_scaler.scale[0] == pytest.approx(sigma)


def test_rewind_undo_and_replay_keep_the_epoch_measurements():
    tl = regression(target_scaling="standard", batch=4)
    for _ in range(50):
        tl.row(0.05)
    tests, losses = tl.epoch_test_losses.view().copy(), tl.losses.view().copy()
    memento = tl.memento()
    tl.rewind_to(20)
    assert len(tl.epoch_test_losses) == 1 and len(tl.epoch_means) == 1
    for _ in range(30):
        tl.row(0.05)
    np.testing.assert_array_equal(tl.epoch_test_losses.view(), tests)
    np.testing.assert_array_equal(tl.losses.view(), losses)
    tl.rewind_to(3)
    tl.restore(memento)
    np.testing.assert_array_equal(tl.epoch_test_losses.view(), tests)
    again = Timeline.from_log(preset("regression"), X, Y_REG, init="random", seed=1, steps=50, eta_log=((0, 0.05),),
                              target_scaling="standard", batch=4, test_fraction=0.25)
    np.testing.assert_array_equal(again.losses.view(), losses)
    np.testing.assert_array_equal(again.epoch_test_losses.view(), tests)
    np.testing.assert_array_equal(again.network.theta, tl.network.theta)


def test_measures_that_do_not_apply_read_nan_through_rewind_undo_and_replay():
    """A regression run without test rows stores no test loss or accuracy, but every reader
    still gets one NaN per completed epoch (read-only), whatever was rewound or restored."""
    tl = Timeline(preset("regression"), X, Y_REG, init="random", seed=1, eta=0.05, target_scaling="standard")
    buffers = (tl.epoch_test_losses, tl.epoch_train_accuracy, tl.epoch_test_accuracy)

    def assert_nan_per_epoch(epochs):
        for buffer in buffers:
            values = buffer.view()
            assert len(buffer) == epochs and values.shape == (epochs,) and np.all(np.isnan(values))
            assert not values.flags.writeable
            assert np.all(np.isnan(buffer.head(epochs - 1)))

    for _ in range(60):
        tl.row(0.05)
    assert_nan_per_epoch(3)
    memento = tl.memento()
    tl.rewind_to(25)
    assert_nan_per_epoch(1)
    tl.restore(memento)
    assert_nan_per_epoch(3)
    tl.reset()
    assert_nan_per_epoch(0)
