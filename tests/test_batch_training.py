"""Mini-batches: one update per batch with the batch's mean gradient, a record for every row,
exact replay from the middle of a batch; and batch 1 is exactly the tutorial's per-row SGD."""
import numpy as np
import pytest

from engine.init import initialise
from engine.network import Network
from engine.spec import NetworkSpec, preset
from engine.timeline import Timeline
from engine.training import Training, row_order

X = np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9], [0.1, 1.3]])
Y = np.array([0.3, -0.4, 0.8, 0.1])
TANH = NetworkSpec((2, 3, 1), ("tanh", "linear"), "se")
H = 1e-6


def loss_at(spec, theta, x, y):
    return Network(spec, theta).row_loss(x, y)


def numeric_gradient(spec, theta, x, y):
    """Central differences, one parameter at a time."""
    g = np.empty_like(theta)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[k] += H
        down[k] -= H
        g[k] = (loss_at(spec, up, x, y) - loss_at(spec, down, x, y)) / (2 * H)
    return g


def test_a_batch_of_the_whole_table_is_one_gradient_descent_step():
    theta0 = initialise(Network(TANH), "glorot", seed=1).theta.copy()
    eta = 0.3
    training = Training(Network(TANH, theta0), X, Y, eta=eta, order="sequential", batch=4)
    records = [training.step() for _ in range(4)]
    mean = np.mean([numeric_gradient(TANH, theta0, x, y) for x, y in zip(X, Y)], axis=0)
    # rows 1–3 leave the parameters alone; row 4 applies θ − η·mean
    for k, r in enumerate(records[:3]):
        assert not r.closes_batch and r.update == 0 and r.batch_size == 4
        assert r.batch_rows == tuple(range(k + 1)) and r.batch_gradient is None
        np.testing.assert_array_equal(r.theta_before, theta0)
        np.testing.assert_array_equal(r.theta_after, theta0)
        assert all(v == 0.0 for v in r.updates.values())
    last = records[3]
    assert last.closes_batch and last.batch_rows == (0, 1, 2, 3) and last.update == 0
    np.testing.assert_allclose(last.theta_after, theta0 - eta * mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(training.network.theta, theta0 - eta * mean, rtol=1e-7, atol=1e-9)
    got = np.array([last.batch_gradient[name] for name in TANH.param_names])
    want = np.array([mean[TANH.param_index[name]] for name in TANH.param_names])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose([last.updates[n] for n in TANH.param_names], -eta * want, rtol=1e-6, atol=1e-9)
    # each row's own record: its own loss and gradient at the batch's parameters
    for r, x, y in zip(records, X, Y):
        assert r.loss == pytest.approx(loss_at(TANH, theta0, x, y), rel=1e-12)
        np.testing.assert_allclose(r.gradient, numeric_gradient(TANH, theta0, x, y), rtol=1e-6, atol=1e-9)
    assert training.updates == 1 and training.epoch_losses[-1] == pytest.approx(np.mean([r.loss for r in records]))


def hand_sgd(theta, order_rows, eta, X, Y):
    """The tutorial's per-row SGD for the 2-2-1 linear net, written out with NumPy: per row
    Z1 = [x, 1]·[W1; b1], ŷ = [Z1, 1]·[W2; b2], ∂L/∂ŷ = −2(y − ŷ), then every parameter at once."""
    theta = theta.copy()
    path = []
    for r in order_rows:
        Wb1, Wb2 = theta[0:6].reshape(3, 2), theta[6:9].reshape(3, 1)
        inputs = np.append(X[r], 1.0)
        o1 = np.dot(inputs, Wb1)
        y_hat = np.dot(np.append(o1, 1.0), Wb2)
        d = -2.0 * (Y[r] - y_hat)  # (1,)
        g2 = np.outer(np.append(o1, 1.0), d)
        d1 = np.dot(Wb2[:-1], d)  # ∂L/∂O1
        g1 = np.outer(inputs, d1)
        theta = theta - eta * np.concatenate([g1.ravel(), g2.ravel()])
        path.append(theta.copy())
    return path


@pytest.mark.parametrize("order", ["sequential", "shuffle"])
def test_batch_of_one_is_bit_exactly_per_row_sgd(order):
    spec = preset("regression")
    theta0 = initialise(Network(spec), "random", seed=4).theta.copy()
    training = Training(Network(spec, theta0), X, Y, eta=0.1, order=order, seed=4, batch=1)
    rows = np.concatenate([row_order(order, 4, 4, e) for e in (1, 2, 3)])
    expected = hand_sgd(theta0, rows, 0.1, X, Y[:, None])
    for r, want in zip((training.step() for _ in range(12)), expected):
        assert r.closes_batch and r.batch_rows == (r.row,) and r.update == r.step and r.batch_gradient is None
        np.testing.assert_array_equal(r.theta_after, want)


def test_the_last_batch_of_an_epoch_may_be_smaller():
    X5, Y5 = np.vstack([X, [[0.3, 0.3]]]), np.append(Y, 0.5)
    training = Training(initialise(Network(TANH), "glorot", 0), X5, Y5, eta=0.1, order="shuffle", seed=2, batch=2)
    records = [training.step() for _ in range(10)]  # two epochs: batches of 2, 2, 1 rows each
    assert [r.closes_batch for r in records] == [False, True, False, True, True] * 2
    assert [r.update for r in records] == [0, 0, 1, 1, 2, 3, 3, 4, 4, 5]
    assert [len(r.batch_rows) for r in records] == [1, 2, 1, 2, 1] * 2
    assert training.updates == 6


def test_checkpoint_in_the_middle_of_a_batch_replays_bit_exactly():
    training = Training(initialise(Network(TANH), "glorot", 3), X, Y, eta=0.2, order="random", seed=9, batch=3)
    for _ in range(5):  # mid-way through the second batch
        training.step()
    cp = training.checkpoint()
    assert len(cp.batch_rows) == 1 and cp.batch_gradient_sum is not None
    first = [training.step() for _ in range(9)]
    training.restore(cp)
    second = [training.step() for _ in range(9)]
    for a, b in zip(first, second):
        assert (a.row, a.step, a.update, a.batch_rows, a.closes_batch, a.loss) == \
               (b.row, b.step, b.update, b.batch_rows, b.closes_batch, b.loss)
        np.testing.assert_array_equal(a.theta_after, b.theta_after)


def test_peek_in_the_middle_of_a_batch_is_the_next_step():
    training = Training(initialise(Network(TANH), "glorot", 3), X, Y, eta=0.2, order="shuffle", seed=1, batch=3)
    for n in range(7):
        theta = training.network.theta.copy()
        preview = training.peek()
        np.testing.assert_array_equal(training.network.theta, theta)
        record = training.step()
        assert (preview.row, preview.update, preview.batch_rows, preview.closes_batch, preview.loss) == \
               (record.row, record.update, record.batch_rows, record.closes_batch, record.loss), n
        np.testing.assert_array_equal(preview.theta_after, record.theta_after)


def test_timeline_rewinds_into_a_batch_exactly():
    tl = Timeline(TANH, X, Y, init="glorot", seed=2, batch=3, scaling="none")
    records = [tl.row(0.2) for _ in range(11)]
    tl.rewind_to(4)
    np.testing.assert_array_equal(tl.network.theta, records[3].theta_after)
    again = [tl.row(0.2) for _ in range(7)]
    for a, b in zip(records[4:], again):
        assert (a.row, a.update, a.batch_rows, a.loss) == (b.row, b.update, b.batch_rows, b.loss)
        np.testing.assert_array_equal(a.theta_after, b.theta_after)
    looked, probe = tl.look_at(8)
    np.testing.assert_array_equal(looked.theta_after, records[7].theta_after)
    assert looked.batch_rows == records[7].batch_rows


def test_batch_size_must_be_a_whole_number_of_rows():
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError):
            Training(Network(TANH), X, Y, batch=bad)
