"""Per-row SGD over epochs: losses, row orders, η changes, exact replay, divergence,
and the tutorial's learning-rate lesson on its own students table."""
import math

import numpy as np
import pytest

from engine import diagnosis
from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.scaling import Scaler, Standardizer, TargetScaler
from engine.spec import preset
from engine.training import RUNAWAY_FACTOR, Diverged, Training, row_order

# The tutorial practical's students-regression table: cgpa, profile_score -> lpa.
STUDENTS_X = np.array([[8, 8], [7, 9], [6, 10], [5, 12]], dtype=float)
STUDENTS_Y = np.array([4, 5, 6, 7], dtype=float)


def newcomer_training(eta: float, seed: int = 0) -> Training:
    """Regression preset on the standardised students table, with the defaults a newcomer gets."""
    net = initialise(Network.from_preset("regression"), DEFAULT_SCHEME, seed=seed)
    X = Standardizer.fit(STUDENTS_X).transform(STUDENTS_X)
    return Training(net, X, STUDENTS_Y, eta=eta, order="shuffle", seed=seed)


def steps(training: Training, n: int):
    return [training.step() for _ in range(n)]


# ---- epoch loss ---------------------------------------------------------------------------------
def test_epoch_loss_is_the_mean_of_that_epochs_row_losses():
    training = newcomer_training(eta=0.05)
    for epoch in (1, 2, 3):
        records = steps(training, 4)
        assert [r.epoch for r in records] == [epoch] * 4
        # each row's loss by hand: L = (y − ŷ)² from the record's own y and ŷ
        row_losses = [(r.y[0] - r.y_hat[0]) ** 2 for r in records]
        assert [r.loss for r in records] == pytest.approx(row_losses)
        assert training.epoch_losses[-1] == pytest.approx(sum(row_losses) / 4)
    assert len(training.epoch_losses) == 3


def test_run_epochs_returns_the_last_epochs_records():
    training = newcomer_training(eta=0.05)
    records = training.run_epochs(3)
    assert len(records) == 4 and {r.epoch for r in records} == {3}
    assert training.epoch == 4 and len(training.epoch_losses) == 3
    assert training.epoch_losses[-1] == pytest.approx(np.mean([r.loss for r in records]))


# ---- row orders ---------------------------------------------------------------------------------
def test_sequential_visits_the_rows_in_table_order():
    net = initialise(Network.from_preset("regression"), DEFAULT_SCHEME)
    training = Training(net, STUDENTS_X / 10, STUDENTS_Y, eta=0.01, order="sequential")
    assert [r.row for r in steps(training, 8)] == [0, 1, 2, 3, 0, 1, 2, 3]


def test_shuffle_visits_every_row_once_per_epoch_in_a_fresh_order():
    orders = [list(row_order("shuffle", 10, seed=0, epoch=e)) for e in range(1, 6)]
    for order in orders:
        assert sorted(order) == list(range(10))
    assert len({tuple(o) for o in orders}) == len(orders)  # every epoch its own permutation


def test_shuffle_training_visits_each_row_once_per_epoch():
    training = newcomer_training(eta=0.01)
    for _ in range(3):
        assert sorted(r.row for r in steps(training, 4)) == [0, 1, 2, 3]


def test_random_draws_rows_with_replacement():
    draws = [row_order("random", 10, seed=0, epoch=e) for e in range(1, 6)]
    for d in draws:
        assert len(d) == 10 and all(0 <= r < 10 for r in d)
    # with replacement: some epoch repeats a row (and so misses another)
    assert any(len(set(d)) < 10 for d in draws)


@pytest.mark.parametrize("order", ["shuffle", "random"])
def test_the_same_seed_gives_the_same_order(order):
    for epoch in (1, 2, 7):
        np.testing.assert_array_equal(row_order(order, 10, 3, epoch), row_order(order, 10, 3, epoch))
    assert not np.array_equal(row_order(order, 10, 3, 1), row_order(order, 10, 4, 1))


def test_an_unknown_order_is_refused():
    with pytest.raises(ValueError):
        Training(Network.from_preset("regression"), STUDENTS_X, STUDENTS_Y, order="backwards")


# ---- η may change between any two rows ------------------------------------------------------------
def test_a_new_eta_takes_effect_at_the_next_row():
    training = newcomer_training(eta=0.1)
    first = training.step()
    assert first.eta == 0.1
    training.eta = 0.5
    second = training.step()
    assert second.eta == 0.5
    np.testing.assert_array_equal(second.theta_after, second.theta_before - 0.5 * second.gradient)
    training.eta = 0.0
    third = training.step()
    np.testing.assert_array_equal(third.theta_after, third.theta_before)


# ---- exact replay ---------------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["shuffle", "random", "sequential"])
def test_restoring_a_checkpoint_replays_bit_exactly(order):
    net = initialise(Network.from_preset("regression"), DEFAULT_SCHEME, seed=1)
    X = Standardizer.fit(STUDENTS_X).transform(STUDENTS_X)
    training = Training(net, X, STUDENTS_Y, eta=0.1, order=order, seed=5)
    steps(training, 5)  # mid-way through epoch 2
    cp = training.checkpoint()
    first = steps(training, 11)
    losses_first = list(training.epoch_losses)
    training.restore(cp)
    second = steps(training, 11)
    assert list(training.epoch_losses) == losses_first
    for a, b in zip(first, second):
        assert (a.epoch, a.row, a.step, a.loss) == (b.epoch, b.row, b.step, b.loss)
        np.testing.assert_array_equal(a.theta_after, b.theta_after)


# ---- divergence ---------------------------------------------------------------------------------
def test_divergence_by_hand_on_raw_inputs():
    # Tutorial init (w = 1, b = 0), raw students table, η = 1, rows in order.
    # Row 0, x = (8, 8), y = 4: O11 = O12 = 16, ŷ = 32, L = 28² = 784 (fine).
    #   ∂L/∂ŷ = −2(4 − 32) = 56;  W211 = W221 = 1 − 56·16 = −895;  b21 = −56;
    #   W111 = W121 = W112 = W122 = 1 − 56·1·8 = −447;  b11 = b12 = −56.
    # Row 1, x = (7, 9), y = 5: O11 = O12 = −447·16 − 56 = −7208,
    #   ŷ = 2·(−895)·(−7208) − 56 = 12902264,  L = 12902259² ≈ 1.66e14.
    # At the start ŷ = 2(x1 + x2) = 32, 32, 32, 34 against y = 4, 5, 6, 7: the worst row loss is
    # (32 − 4)² = 784, so the runaway limit is 1e6 · 784 = 7.84e8: row 1 ran away.
    net = initialise(Network.from_preset("regression"), "tutorial")
    training = Training(net, STUDENTS_X, STUDENTS_Y, eta=1.0, order="sequential")
    ok = training.step()
    assert ok.loss == pytest.approx(784.0) and not ok.diverged
    bad = training.step()
    assert training.runaway_limit == RUNAWAY_FACTOR * 784.0
    assert bad.loss == pytest.approx(12902259.0**2) and bad.loss > training.runaway_limit
    assert training.diverged is bad and bad.diverged
    assert (bad.epoch, bad.row) == (1, 1)
    after_row_0 = {"W111": -447, "W121": -447, "b11": -56, "W112": -447, "W122": -447, "b12": -56,
                   "W211": -895, "W221": -895, "b21": -56}
    assert dict(net.parameters()) == pytest.approx(after_row_0)  # restored: the last finite values
    with pytest.raises(Diverged):
        training.step()


def test_divergence_with_the_default_init_on_raw_inputs():
    net = initialise(Network.from_preset("regression"), DEFAULT_SCHEME)
    training = Training(net, STUDENTS_X, STUDENTS_Y, eta=1.0, order="shuffle", seed=0)
    records = []
    while training.diverged is None and len(records) < 400:
        records.append(training.step())
    bad = training.diverged
    assert bad is not None and bad is records[-1] and bad.diverged
    assert (bad.epoch, bad.row) == (records[-1].epoch, records[-1].row)
    limit = training.runaway_limit
    assert not (math.isfinite(bad.loss) and bad.loss <= limit and np.isfinite(bad.theta_after).all())
    for r in records[:-1]:  # every earlier row was fine
        assert math.isfinite(r.loss) and r.loss <= limit and not r.diverged
    np.testing.assert_array_equal(net.theta, bad.theta_before)
    if len(records) > 1:
        np.testing.assert_array_equal(net.theta, records[-2].theta_after)
    assert np.isfinite(net.theta).all()
    assert training.run_epochs(5) == []  # training has ended cleanly


def test_restore_clears_divergence():
    net = initialise(Network.from_preset("regression"), "tutorial")
    training = Training(net, STUDENTS_X, STUDENTS_Y, eta=1.0, order="sequential")
    cp = training.checkpoint()
    steps(training, 2)
    assert training.diverged is not None
    training.restore(cp)
    training.eta = 0.001
    assert training.diverged is None and not training.step().diverged


# ---- the learning-rate lesson ---------------------------------------------------------------------
LOW = 0.01  # "a low loss": mean (y − ŷ)² per student below 0.01, i.e. predictions within ~0.1 LPA
EPOCHS = 300


def epochs_to_low(training: Training) -> int | None:
    """The first epoch whose loss is below LOW (None if never within EPOCHS or diverged)."""
    training.run_epochs(EPOCHS)
    return next((e for e, loss in enumerate(training.epoch_losses, start=1) if loss < LOW), None)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_eta_01_reaches_a_low_loss_sooner_than_eta_001(seed):
    fast = epochs_to_low(newcomer_training(eta=0.1, seed=seed))
    slow = epochs_to_low(newcomer_training(eta=0.01, seed=seed))
    assert fast is not None and slow is not None
    assert fast < slow


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_eta_1_never_settles(seed):
    training = newcomer_training(eta=1.0, seed=seed)
    training.run_epochs(EPOCHS)
    # either it diverged, or its loss keeps jumping above LOW late in training
    settled = training.diverged is None and all(loss < LOW for loss in training.epoch_losses[-50:])
    assert not settled


# ---- divergence is a runaway, not a fixed number ----------------------------------------------------
def test_at_eta_zero_nothing_diverges_however_large_the_targets():
    net = initialise(Network.from_preset("regression"), DEFAULT_SCHEME)
    training = Training(net, STUDENTS_X, STUDENTS_Y * 1e6, eta=0.0, order="shuffle")
    training.run_epochs(3)
    assert training.diverged is None and training.epoch_losses[0] > 1e12  # (4e6)² and up: far past 1e12


def students(name="students-regression"):
    ds = load_builtin(name)
    return Scaler.fit(ds.X, "standard").transform(ds.X), TargetScaler.fit(ds.Y, "standard").transform(ds.Y)


@pytest.mark.parametrize("seed", range(5))
def test_the_lesson_with_standardised_targets(seed):
    X, Y = students()

    def run(eta):
        training = Training(initialise(Network(preset("regression")), "random", seed), X, Y, eta=eta, seed=seed)
        training.run_epochs(100)
        return training

    assert run(1.0).diverged is not None
    for eta in (0.01, 0.1):
        training = run(eta)
        assert training.diverged is None and training.epoch_losses[-1] < training.epoch_losses[0]


def test_after_a_divergence_the_last_good_row_and_a_smaller_eta_carry_on():
    from engine.timeline import Timeline

    ds = load_builtin("students-regression")
    tl = Timeline(preset("regression"), ds.X, ds.Y, init="random", seed=0, eta=10.0, target_scaling="standard")
    while not tl.row(10.0).diverged:
        pass
    good = diagnosis.last_good_step(tl.losses.view(), tl.training.runaway_limit)
    assert 0 <= good < tl.steps
    tl.rewind_to(good)
    start = tl.training.mean_loss()
    for _ in range(30 * tl.n_rows):
        assert not tl.row(0.01).diverged
    assert tl.training.mean_loss() < start


def test_the_limit_is_taken_over_the_whole_table_not_the_rows_seen():
    # Row 3's target is far off (1000) but nothing has run away: at η = 0.001 the first rows'
    # small losses must not make row 3's large one a "divergence".
    Y = np.array([0.0, 0.0, 0.0, 1000.0])
    net = initialise(Network.from_preset("regression"), DEFAULT_SCHEME)
    training = Training(net, Standardizer.fit(STUDENTS_X).transform(STUDENTS_X), Y, eta=0.001, order="sequential")
    training.run_epochs(2)
    assert training.diverged is None


# ---- advice ---------------------------------------------------------------------------------------
def test_advice_after_a_runaway_offers_the_last_good_row_reset_and_a_smaller_eta():
    net = initialise(Network.from_preset("regression"), "tutorial")
    training = Training(net, STUDENTS_X, STUDENTS_Y, eta=1.0, order="sequential")
    training.run_epochs(1)
    text = diagnosis.advice(eta=1.0, loss_at_start=10.0, diverged=training.diverged, last_good_step=1)
    assert "epoch 1, row 2" in text and "last good row" in text and "Reset" in text
    assert "0.1" in text  # η/10
    assert "scale" not in text
    assert diagnosis.last_good_step([3.0, 0.5, 2.0, 9.0], RUNAWAY_FACTOR * 2.0) == 3  # loss ≤ 2 last at row 3


@pytest.mark.parametrize("eta", [1.0, 0.1, 0.01, 1e-6])
def test_advice_never_suggests_eta_zero(eta):
    record = Training(Network.from_preset("regression"), STUDENTS_X, STUDENTS_Y).peek()
    text = diagnosis.advice(eta=eta, loss_at_start=1e14, diverged=record, target_scaling="none", large_targets=True)
    assert "η = 0 " not in text and "η/10 = 0." in text or "η/10 = 1e" in text
    assert "η/10 = 0)" not in text


def test_advice_names_the_datas_scale_when_the_first_rows_are_already_huge():
    # exam scores 55–92 as raw targets: at the small random start ŷ ≈ 0, so the first rows'
    # losses are about 55² … 92², thousands, before any update
    X = Standardizer.fit(STUDENTS_X).transform(STUDENTS_X)
    Y = np.array([55.0, 70.0, 81.0, 92.0])
    theta = initialise(Network.from_preset("regression"), DEFAULT_SCHEME).theta
    loss = diagnosis.start_loss(preset("regression"), theta, X, Y)
    assert loss == pytest.approx(92.0**2, rel=0.02)
    text = diagnosis.advice(eta=0.01, loss_at_start=loss, target_scaling="none", large_targets=True)
    assert "data's scale" in text and "Standardise the targets" in text and "inputs" not in text
    assert diagnosis.advice(eta=0.1, loss_at_start=4.0) == ""  # nothing wrong: nothing to say
