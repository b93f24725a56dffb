"""The playground's generated data sets: shapes, balance, seeds, and the shapes' own rules."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.playground import GENERATED, NOISE_SCALE, TASK_OF, generate

RANDOM_SETS = ("circles", "xor", "gauss", "spiral", "plane", "gauss-mix")
CLASSIFICATION = ("circles", "xor", "gauss", "spiral")
TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor-table": [0, 1, 1, 0]}


def test_the_names_and_their_tasks():
    assert set(GENERATED) == set(RANDOM_SETS) | set(TABLES)
    assert {n for n, task in TASK_OF.items() if task == "regression"} == {"plane", "gauss-mix"}
    assert all(TASK_OF[n] == "classification" for n in (*CLASSIFICATION, *TABLES))


@pytest.mark.parametrize("name", RANDOM_SETS)
@pytest.mark.parametrize("points", [20, 201, 1000])
def test_shapes_and_names(name, points):
    d = generate(name, points=points, noise=0.2, seed=1)
    assert d.name == name and d.input_names == ("x1", "x2")
    assert d.target_names == (("y",) if TASK_OF[name] == "regression" else ("label",))
    assert d.X.shape == (points, 2) and d.Y.shape == (points, 1)
    assert np.all(np.isfinite(d.X)) and np.all(np.isfinite(d.Y))
    assert d.notes == () and d.detected == ""


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("points", [20, 21, 500])
def test_classes_are_balanced_and_shuffled(name, points):
    label = generate(name, points=points, noise=0.1, seed=2).Y[:, 0]
    assert set(label) == {0.0, 1.0}
    assert label.sum() == points // 2  # an odd count gives label 0 the extra point
    # Shuffled: the first half is not simply one class.
    assert 0 < label[: points // 2].sum() < points // 2


@pytest.mark.parametrize("name", RANDOM_SETS)
def test_the_same_arguments_give_the_same_table_and_another_seed_another(name):
    a, b = generate(name, 300, 0.3, 7), generate(name, 300, 0.3, 7)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y)
    c = generate(name, 300, 0.3, 8)
    assert not np.array_equal(a.X, c.X)


def test_circles_without_noise_are_a_disc_and_a_ring():
    d = generate("circles", 400, 0.0, 3)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    one = d.Y[:, 0] == 1
    assert r[one].max() <= 2.5 and r[~one].min() >= 3.5 and r.max() <= 5.0


def test_xor_without_noise_follows_the_quadrant_rule_exactly():
    d = generate("xor", 500, 0.0, 4)
    same_sign = d.X[:, 0] * d.X[:, 1] > 0
    assert np.array_equal(d.Y[:, 0] == 1, same_sign)
    assert np.abs(d.X).min() >= 0.3 and np.abs(d.X).max() <= 5.0  # off the axes, within ±5


def test_gauss_without_noise_keeps_each_blob_in_its_own_quadrant():
    d = generate("gauss", 1000, 0.0, 5)
    one = d.Y[:, 0] == 1
    # centres (2, 2) and (−2, −2), cut off at 2.7 · 0.7 = 1.89 from the centre on each axis
    assert np.all(np.abs(d.X[one] - 2.0) <= 1.89) and np.all(np.abs(d.X[~one] + 2.0) <= 1.89)
    assert np.all(d.X[one] > 0) and np.all(d.X[~one] < 0)
    assert d.X[one].mean(axis=0) == pytest.approx([2.0, 2.0], abs=0.15)


def test_spiral_without_noise_lies_on_its_two_arms():
    d = generate("spiral", 200, 0.0, 6)
    x1, x2, label = d.X[:, 0], d.X[:, 1], d.Y[:, 0]
    r = np.hypot(x1, x2)
    # Along an arm the angle grows with the radius: 1.75 turns over radius 0 … 5.
    # (x1, x2) = r·(sin t, cos t); the label-0 arm is the label-1 arm turned by π.
    expected = 1.75 * 2 * math.pi * r / 5 + np.where(label == 1, 0.0, math.pi)
    off = np.angle(np.exp(1j * (np.arctan2(x1, x2) - expected)))
    assert np.abs(off[r > 1e-9]) == pytest.approx(0.0, abs=1e-9)
    assert r.max() < 5.0


def test_plane_without_noise_is_the_plane():
    d = generate("plane", 300, 0.0, 1)
    assert d.Y[:, 0] == pytest.approx((d.X[:, 0] + d.X[:, 1]) / 10)
    assert np.abs(d.X).max() <= 6.0


def test_plane_noise_scatters_y_by_at_most_the_stated_amount():
    d = generate("plane", 1000, 0.5, 1)
    # y is read at a place up to 0.5·6 = 3 away on each axis: |Δy| ≤ (3 + 3) / 10
    scatter = d.Y[:, 0] - (d.X[:, 0] + d.X[:, 1]) / 10
    assert np.abs(scatter).max() <= 0.6 and np.abs(scatter).max() > 0.3
    assert NOISE_SCALE["plane"] == 6.0


def test_gauss_mix_without_noise_has_its_bumps():
    d = generate("gauss-mix", 1000, 0.0, 2)
    y = d.Y[:, 0]
    assert np.abs(y).max() <= 1.0
    # Near (−4, 2.5) and far from every other bump, y = 1 − distance / 2 (a positive bump).
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    distance = np.hypot(d.X[:, None, 0] - centres[:, 0], d.X[:, None, 1] - centres[:, 1])
    near = (distance[:, 0] < 2) & (distance[:, 1:] >= 2).all(axis=1)
    assert near.sum() > 10
    assert y[near] == pytest.approx(1 - distance[near, 0] / 2)
    # (0, 2.5) is a negative bump, and nowhere near any bump the surface is flat at 0.
    near_negative = distance[:, 1] < 1
    assert np.all(y[near_negative] < 0)
    assert np.all(y[(distance >= 2).all(axis=1)] == 0)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_noise_moves_points_across_the_boundary(name):
    clean, noisy = generate(name, 1000, 0.0, 9), generate(name, 1000, 0.5, 9)
    rule = {  # the noise-free boundary rule of each set, from the tests above
        "circles": lambda X: np.hypot(X[:, 0], X[:, 1]) < 3.0,
        "xor": lambda X: X[:, 0] * X[:, 1] > 0,
        "gauss": lambda X: X[:, 0] + X[:, 1] > 0,
    }.get(name)
    if rule is None:  # spiral: noise moves points off their arm
        r = np.hypot(noisy.X[:, 0], noisy.X[:, 1])
        assert r.max() > np.hypot(clean.X[:, 0], clean.X[:, 1]).max()
        return
    assert np.array_equal(rule(clean.X), clean.Y[:, 0] == 1)
    wrong = np.mean(rule(noisy.X) != (noisy.Y[:, 0] == 1))
    assert 0.02 < wrong < 0.5


@pytest.mark.parametrize("name, labels", TABLES.items())
def test_truth_tables_are_exact_whatever_the_arguments(name, labels):
    for points, noise, seed in [(200, 0.0, 0), (20, 0.5, 99)]:
        d = generate(name, points, noise, seed)
        assert d.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
        assert d.Y[:, 0].tolist() == labels and d.target_names == ("label",)


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "moons"}, "no generated data set named 'moons'"),
    ({"points": 19}, "points must be from 20 to 1000, got 19"),
    ({"points": 1001}, "points must be from 20 to 1000, got 1001"),
    ({"points": 50.5}, "whole number"),
    ({"points": True}, "whole number"),
    ({"noise": -0.1}, "noise must be from 0 to 0.5"),
    ({"noise": 0.6}, "noise must be from 0 to 0.5"),
    ({"noise": math.nan}, "noise must be from 0 to 0.5"),
    ({"noise": "lots"}, "noise must be a number"),
    ({"seed": -1}, "seed must be 0 or more"),
    ({"seed": 1.5}, "seed must be a whole number"),
])
def test_bad_arguments_are_named(kwargs, message):
    args = {"name": "xor", "points": 200, "noise": 0.0, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        generate(args.pop("name"), **args)


def test_numpy_integers_are_accepted():
    d = generate("xor", np.int64(40), np.float32(0.25), np.int32(3))
    assert d.n_rows == 40
