"""The held-out split, mean loss and accuracy over a table, checked by hand."""
import math

import numpy as np
import pytest

from engine.evaluation import accuracy, mean_loss, split_rows
from engine.spec import NetworkSpec

LINE = NetworkSpec((1, 1), ("linear",), "se")  # ŷ = w·x + b, theta = (w, b)
CLS = NetworkSpec((1, 1), ("sigmoid",), "bce")


@pytest.mark.parametrize("n, fraction, n_test", [(10, 0.2, 2), (40, 0.25, 10), (7, 0.5, 4), (4, 0.1, 0), (1, 0.5, 0)])
def test_split_sizes_and_parts(n, fraction, n_test):
    train, test = split_rows(n, fraction, seed=3)
    assert len(test) == n_test and len(train) == n - n_test  # round(fraction·n), at least one train row
    assert sorted([*train, *test]) == list(range(n))
    assert list(train) == sorted(train) and list(test) == sorted(test)


def test_split_is_seeded():
    a = split_rows(50, 0.3, seed=1)
    b = split_rows(50, 0.3, seed=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], split_rows(50, 0.3, seed=2)[1])


def test_no_fraction_holds_nothing_out():
    train, test = split_rows(6, 0.0, seed=0)
    assert list(train) == list(range(6)) and len(test) == 0


@pytest.mark.parametrize("bad", [-0.1, 0.6, 1.0])
def test_fraction_beyond_half_is_refused(bad):
    with pytest.raises(ValueError):
        split_rows(10, bad, seed=0)


def test_mean_loss_by_hand():
    # w = 2, b = 1 on x = 0, 1, 2 with y = 1, 2, 3: ŷ = 1, 3, 5, errors 0, 1, 2 -> (0 + 1 + 4)/3
    X, Y = np.array([[0.0], [1.0], [2.0]]), np.array([[1.0], [2.0], [3.0]])
    assert mean_loss(LINE, np.array([2.0, 1.0]), X, Y) == pytest.approx(5 / 3)
    assert math.isnan(mean_loss(LINE, np.array([2.0, 1.0]), X[:0], Y[:0]))


def test_accuracy_by_hand():
    # σ(w·x + b) with w = 1, b = 0: x = −2, −1, 1, 3 give ŷ < 0.5, < 0.5, > 0.5, > 0.5
    X = np.array([[-2.0], [-1.0], [1.0], [3.0]])
    Y = np.array([0.0, 1.0, 1.0, 0.0])  # right on rows 0 and 2 only
    assert accuracy(CLS, np.array([1.0, 0.0]), X, Y) == 0.5
    assert accuracy(CLS, np.array([1.0, 0.0]), X, 1 - Y) == 0.5
    assert accuracy(CLS, np.array([1.0, 0.0]), X, [0, 0, 1, 1]) == 1.0
    assert math.isnan(accuracy(CLS, np.array([1.0, 0.0]), X[:0], Y[:0]))
