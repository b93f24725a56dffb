"""Input and target scaling: hand-derived z-scores, extreme columns without overflow, table units back."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.scaling import Scaler, Standardizer, TargetScaler
from engine.settings import SCALINGS, TARGET_SCALINGS

STUDENTS_X = np.array([[8.0, 8.0], [7.0, 9.0], [6.0, 10.0], [5.0, 12.0]])


@pytest.fixture(autouse=True)
def strict_floats():
    """Any overflow, invalid operation or division by zero inside numpy is an error here."""
    with np.errstate(all="raise"):
        yield


def column(*values) -> np.ndarray:
    return np.array(values, dtype=float)[:, None]


def test_the_kinds_are_the_settings():
    assert SCALINGS == ("standard", "minmax", "none") and TARGET_SCALINGS == ("standard", "none")


def test_standard_on_the_students_table():
    s = Scaler.fit(STUDENTS_X, "standard")
    # cgpa 8,7,6,5: mean 6.5, variance 1.25; profile 8,9,10,12: mean 9.75, variance 2.1875
    assert s.offset.tolist() == [6.5, 9.75] and s.mean.tolist() == [6.5, 9.75]
    assert s.scale == pytest.approx([math.sqrt(1.25), math.sqrt(2.1875)])
    z = s.transform(STUDENTS_X)
    assert z[:, 0] == pytest.approx(np.array([1.5, 0.5, -0.5, -1.5]) / math.sqrt(1.25))
    assert z[:, 1] == pytest.approx(np.array([-1.75, -0.75, 0.25, 2.25]) / math.sqrt(2.1875))


def test_standard_is_bit_for_bit_the_plain_formula_on_everyday_numbers():
    # The power-of-two rescaling must not change a single bit where (x − mean) / std is safe.
    X = np.array([[8.1, 0.003, 1234.5], [7.3, 0.0071, 987.25], [6.9, 0.0042, 1010.0], [5.2, 0.0009, 1111.1]])
    assert np.array_equal(Scaler.fit(X).transform(X), (X - X.mean(axis=0)) / X.std(axis=0))


def test_a_column_of_1e308_standardises_to_plus_and_minus_one():
    z = Scaler.fit(column(1e308, -1e308)).transform(column(1e308, -1e308))
    assert z.ravel().tolist() == [1.0, -1.0]


def test_a_column_of_1e200_to_3e200_gets_its_true_z_scores():
    # mean 2e200, population deviation sqrt(2/3)·1e200, so z = ∓sqrt(3/2) and 0
    X = column(1e200, 2e200, 3e200)
    s = Scaler.fit(X)
    assert s.mean[0] == pytest.approx(2e200)
    assert s.std[0] == pytest.approx(math.sqrt(2 / 3) * 1e200)
    assert s.transform(X).ravel() == pytest.approx([-math.sqrt(1.5), 0.0, math.sqrt(1.5)])


def test_the_largest_floats_neither_overflow_nor_lose_their_order():
    # mean 1.7e308/3 = 5.67e307; x − mean for −1.7e308 would overflow without rescaling.
    X = column(1.7e308, -1.7e308, 1.7e308)
    z = Scaler.fit(X).transform(X).ravel()
    # deviations 2/3·a, −4/3·a, 2/3·a with a = 1.7e308; σ = a·sqrt(8/9) → z = 1/√2, −√2, 1/√2
    assert z == pytest.approx([1 / math.sqrt(2), -math.sqrt(2), 1 / math.sqrt(2)])
    minmax = Scaler.fit(X, "minmax")
    assert minmax.transform(X).ravel().tolist() == [1.0, 0.0, 1.0]
    assert minmax.inverse(minmax.transform(X)).ravel().tolist() == X.ravel().tolist()


def test_tiny_numbers_are_not_mistaken_for_a_constant_column():
    # (1e-200)² underflows to 0: the plain formula would call this column constant.
    X = column(1e-200, 3e-200)
    assert Scaler.fit(X).transform(X).ravel().tolist() == [-1.0, 1.0]


def test_minmax_maps_the_range_to_0_to_1():
    s = Scaler.fit(column(2, 4, 6), "minmax")
    assert s.offset.tolist() == [2.0] and s.scale.tolist() == [4.0]
    assert s.transform(column(2, 4, 6)).ravel().tolist() == [0.0, 0.5, 1.0]
    assert s.transform(column(8)).ravel().tolist() == [1.5]  # beyond the table: beyond 1
    assert s.inverse(column(0.25)).ravel().tolist() == [3.0]


def test_none_keeps_the_raw_numbers():
    s = Scaler.fit(STUDENTS_X, "none")
    assert s.offset.tolist() == [0, 0] and s.scale.tolist() == [1, 1]
    assert np.array_equal(s.transform(STUDENTS_X), STUDENTS_X)


@pytest.mark.parametrize("kind", ["standard", "minmax"])
def test_a_constant_column_maps_to_zero_with_unit_scale(kind):
    X = np.array([[3.0, 0.1], [3.0, 0.2], [3.0, 0.4]])
    s = Scaler.fit(X, kind)
    assert s.transform(X)[:, 0].tolist() == [0.0, 0.0, 0.0]
    assert s.offset[0] == 3.0 and s.scale[0] == 1.0
    assert s.constant.tolist() == [True, False]
    # 0.1 summed three times is not 0.3 exactly: the constant must still give exactly 0.
    assert Scaler.fit(column(0.1, 0.1, 0.1), kind).transform(column(0.1, 0.1, 0.1)).ravel().tolist() == [0, 0, 0]


@pytest.mark.parametrize("kind", ["standard", "minmax", "none"])
def test_inverse_undoes_transform(kind):
    X = np.array([[1e250, -4.0], [-2e250, 7.5], [3e249, 0.25]])
    s = Scaler.fit(X, kind)
    assert s.inverse(s.transform(X)) == pytest.approx(X, rel=1e-12)


def test_a_single_row_transforms_too():
    s = Scaler.fit(STUDENTS_X)
    assert s.transform(STUDENTS_X[0]) == pytest.approx(s.transform(STUDENTS_X)[0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown scaling 'zscore'"):
        Scaler.fit(STUDENTS_X, "zscore")
    with pytest.raises(ValueError, match="finite"):
        Scaler.fit(column(1.0, math.inf))
    with pytest.raises(ValueError, match="table"):
        Scaler.fit([1.0, 2.0])
    with pytest.raises(ValueError, match="unknown target scaling 'minmax'"):
        TargetScaler.fit(column(1, 2), "minmax")


def test_standardizer_keeps_its_old_interface():
    s = Standardizer(mean=np.array([7.0, 9.0]), std=np.array([2.0, 3.0]))
    assert s.transform([9.0, 12.0]).tolist() == [1.0, 1.0]
    assert s.mean.tolist() == [7.0, 9.0] and s.std.tolist() == [2.0, 3.0]
    fitted = Standardizer.fit(STUDENTS_X)
    assert fitted.kind == "standard" and fitted.mean.tolist() == [6.5, 9.75]
    identity = Standardizer.identity(2)
    assert identity.transform([6.3, 100.0]).tolist() == [6.3, 100.0]


# ---- targets ------------------------------------------------------------------------
def test_target_scaler_standard():
    # 2, 4, 6, 8: mean 5, variance (9 + 1 + 1 + 9) / 4 = 5
    t = TargetScaler.fit(column(2, 4, 6, 8), "standard")
    assert t.mean.tolist() == [5.0] and t.scale == pytest.approx([math.sqrt(5)])
    assert t.transform(column(2, 8)).ravel() == pytest.approx([-3 / math.sqrt(5), 3 / math.sqrt(5)])
    assert t.inverse(column(1.0)).ravel() == pytest.approx([5 + math.sqrt(5)])
    assert not t.is_identity


def test_target_scaler_none_and_constant_targets():
    t = TargetScaler.fit(column(55, 92), "none")
    assert t.mean.tolist() == [0.0] and t.scale.tolist() == [1.0] and t.is_identity
    assert t.transform(column(55)).ravel().tolist() == [55.0]
    constant = TargetScaler.fit(column(7, 7, 7))
    assert constant.scale.tolist() == [1.0] and constant.mean.tolist() == [7.0]
    assert constant.transform(column(7)).ravel().tolist() == [0.0]


def test_million_scale_targets_become_unit_sized():
    t = TargetScaler.fit(column(1e6, 3e6))
    assert t.transform(column(1e6, 3e6)).ravel().tolist() == [-1.0, 1.0]
    assert t.inverse(column(0.5)).ravel().tolist() == [2.5e6]


@pytest.mark.parametrize("loss_name", ["se", "half-se"])
def test_loss_to_table_for_squared_losses(loss_name):
    # σ = sqrt(5): a scaled error of 0.2 is a table error of 0.2·sqrt(5), whose square is 0.2.
    t = TargetScaler.fit(column(2, 4, 6, 8))
    factor = 1.0 if loss_name == "se" else 0.5
    scaled_loss = factor * 0.2**2
    assert t.loss_to_table(scaled_loss, loss_name) == pytest.approx(factor * 0.2)
    per_epoch = t.loss_to_table(np.array([0.04, 0.01]), loss_name)
    assert per_epoch == pytest.approx([0.2, 0.05])


def test_loss_to_table_without_scaling_is_the_loss_itself():
    t = TargetScaler.fit(column(0, 1, 1), "none")
    for name in ("se", "half-se", "bce"):
        assert t.loss_to_table(0.693, name) == 0.693


def test_loss_to_table_for_several_outputs():
    same = TargetScaler.fit(np.array([[1.0, 11.0], [3.0, 13.0]]))  # both σ = 1: already table units
    assert same.loss_to_table(0.5, "se") == 0.5
    equal = TargetScaler.fit(np.array([[0.0, 10.0], [4.0, 14.0]]))  # both σ = 2
    assert equal.loss_to_table(0.5, "se") == pytest.approx(2.0)
    different = TargetScaler.fit(np.array([[0.0, 0.0], [2.0, 6.0]]))  # σ 1 and 3
    assert different.loss_to_table(0.5, "se") is None
    assert TargetScaler.fit(column(0, 4)).loss_to_table(0.5, "bce") is None


def test_loss_to_table_of_huge_targets_does_not_overflow_on_its_own():
    t = TargetScaler.fit(column(-1e200, 1e200))  # σ = 1e200: σ² alone would overflow
    assert t.loss_to_table(1e-300, "se") == pytest.approx(1e100)
