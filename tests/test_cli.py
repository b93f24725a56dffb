"""`python -m engine`: JSON out, hand-derived numbers, and one 'error:' line for bad input."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli import main
from engine.data import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["W111", "W121", "b11", "W112", "W122", "b12", "W211", "W221", "b21"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def ok(*args: str) -> dict:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def one_error_line(status: int, out: str, err: str) -> str:
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def error(*args: str) -> str:
    """Through the real entry point, in a fresh interpreter."""
    result = run(*args)
    return one_error_line(result.returncode, result.stdout, result.stderr)


def error_in_process(capsys, *args: str) -> str:
    """The same check, faster: main() must return 2, not raise."""
    status = main(list(args))
    captured = capsys.readouterr()
    return one_error_line(status, captured.out, captured.err)


# ---- step: the tutorial's Step 0, worked by hand ------------------------------------------
# w = 1, b = 0, x = (CGPA 6.3, IQ 100), y = 7, η = 0.01, linear 2-2-1, L = (y − ŷ)²:
#   O11 = O12 = 6.3 + 100 = 106.3;  ŷ = 106.3 + 106.3 = 212.6;  L = (7 − 212.6)² = 205.6² = 42271.36
#   ∂L/∂ŷ = −2(7 − 212.6) = 411.2
#   ∂L/∂W211 = ∂L/∂W221 = 411.2 · 106.3 = 43710.56;  ∂L/∂b21 = 411.2
#   ∂L/∂W111 = 411.2 · W211 · x1 = 411.2 · 1 · 6.3 = 2590.56;  ∂L/∂W121 = 411.2 · 100 = 41120;  ∂L/∂b11 = 411.2
#   (the second hidden neuron is the same, since all its weights are the same)
STEP0_GRADS = {"W111": 2590.56, "W121": 41120.0, "b11": 411.2, "W112": 2590.56, "W122": 41120.0,
               "b12": 411.2, "W211": 43710.56, "W221": 43710.56, "b21": 411.2}


@pytest.fixture(scope="module")
def step0() -> dict:
    return ok("step", "--init", "tutorial", "--x=6.3,100", "--y=7", "--eta=0.01")


def test_step_prints_exactly_the_documented_keys(step0):
    assert list(step0) == ["params_before", "forward", "loss", "grads", "params_after", "chain"]
    assert list(step0["params_before"]) == NAMES == list(step0["grads"]) == list(step0["chain"])


def test_step0_forward_and_loss(step0):
    assert step0["params_before"] == {n: (0.0 if n.startswith("b") else 1.0) for n in NAMES}
    forward = step0["forward"]
    assert list(forward) == ["Z11", "O11", "Z12", "O12", "Z21", "O21", "y_hat"]
    for name in ("Z11", "O11", "Z12", "O12"):
        assert forward[name] == pytest.approx(106.3)
    assert forward["Z21"] == pytest.approx(212.6) and forward["y_hat"] == [pytest.approx(212.6)]
    assert step0["loss"] == pytest.approx(42271.36)


def test_step0_gradients_and_update(step0):
    assert step0["grads"] == pytest.approx(STEP0_GRADS)
    # Every parameter moves by −η·gradient from the old values: W111 = 1 − 0.01·2590.56 = −24.9056.
    expected_after = {n: step0["params_before"][n] - 0.01 * g for n, g in STEP0_GRADS.items()}
    assert step0["params_after"] == pytest.approx(expected_after)
    assert step0["params_after"]["W111"] == pytest.approx(-24.9056)
    assert step0["params_after"]["W211"] == pytest.approx(-436.1056)


def test_step0_chain_factors_multiply_to_the_gradients(step0):
    for name, factors in step0["chain"].items():
        assert all(set(f) == {"name", "value"} and isinstance(f["name"], str) for f in factors)
        assert math.prod(f["value"] for f in factors) == pytest.approx(step0["grads"][name])
    w111 = step0["chain"]["W111"]
    assert [f["name"] for f in w111] == ["∂L/∂ŷ", "∂ŷ/∂O11", "∂O11/∂W111"]
    assert [f["value"] for f in w111] == pytest.approx([411.2, 1.0, 6.3])


def test_step_classification_by_hand():
    # Sigmoid 2-2-1 with BCE, w = 1, b = 0, x = (1, −1), y = 1:
    #   Z11 = Z12 = 1 − 1 = 0, O11 = O12 = σ(0) = ½;  Z21 = ½ + ½ = 1, ŷ = σ(1);  L = −log σ(1)
    #   ∂L/∂Z21 = ŷ − y = σ(1) − 1;  ∂L/∂W211 = (σ(1) − 1)·½
    #   ∂L/∂W111 = (σ(1) − 1)·W211·O11(1 − O11)·x1 = (σ(1) − 1)·¼;  ∂L/∂W121 = (σ(1) − 1)·¼·(−1)
    s1 = 1 / (1 + math.exp(-1))
    out = ok("step", "--task", "classification", "--x=1,-1", "--y=1")
    assert out["forward"]["O11"] == pytest.approx(0.5) and out["forward"]["Z21"] == pytest.approx(1.0)
    assert out["forward"]["y_hat"] == [pytest.approx(s1)]
    assert out["loss"] == pytest.approx(-math.log(s1))
    assert out["grads"]["W211"] == pytest.approx((s1 - 1) / 2)
    assert out["grads"]["b21"] == pytest.approx(s1 - 1)
    assert out["grads"]["W111"] == pytest.approx((s1 - 1) / 4)
    assert out["grads"]["W121"] == pytest.approx(-(s1 - 1) / 4)
    assert out["params_after"]["W211"] == pytest.approx(1 - 0.1 * (s1 - 1) / 2)  # default η = 0.1


def test_step_negative_inputs_set_and_zero_eta():
    out = ok("step", "--x=-1.5,2", "--y=0", "--set", "W111=2", "--set=b12=-0.5", "--eta=0")
    assert out["params_before"]["W111"] == 2.0 and out["params_before"]["b12"] == -0.5
    assert out["forward"]["Z11"] == pytest.approx(2 * -1.5 + 2)  # −1
    assert out["forward"]["Z12"] == pytest.approx(-1.5 + 2 - 0.5)  # 0
    assert out["params_after"] == out["params_before"]


def test_step_multi_output():
    out = ok("step", "--layers", "2,3,2", "--x=1,1", "--y=1,2")
    assert len(out["forward"]["y_hat"]) == 2
    assert "W232" in out["grads"] and out["forward"]["y_hat"] == [pytest.approx(6.0)] * 2


def test_step_const_init():
    out = ok("step", "--init", "const:0.5,0.25", "--x=1,1", "--y=0")
    assert out["params_before"]["W111"] == 0.5 and out["params_before"]["b21"] == 0.25


# ---- gradcheck --------------------------------------------------------------------------
def test_gradcheck_agrees_with_the_hand_derived_gradients():
    out = ok("gradcheck", "--x=6.3,100", "--y=7")
    assert list(out) == ["gradients", "worst_rel_error", "worst_param"]
    assert list(out["gradients"]) == NAMES
    for name, row in out["gradients"].items():
        assert set(row) == {"analytic", "numeric", "rel_error"}
        assert row["analytic"] == pytest.approx(STEP0_GRADS[name])
        assert row["numeric"] == pytest.approx(STEP0_GRADS[name], rel=1e-6)
    assert out["worst_rel_error"] < 1e-6 and out["worst_param"] in NAMES
    assert out["worst_rel_error"] == max(r["rel_error"] for r in out["gradients"].values())


def test_gradcheck_random_deep_net():
    out = ok("gradcheck", "--layers", "3,4,2,1", "--hidden-activation", "tanh", "--init", "random",
             "--seed", "7", "--x=0.3,-0.2,0.9", "--y=0.5")
    assert out["worst_rel_error"] < 1e-5


# ---- train ------------------------------------------------------------------------------
def test_train_regression_learns():
    out = ok("train", "--data", "builtin:students-regression", "--epochs", "25", "--eta", "0.1",
             "--target-scale", "none")  # the tutorial's raw targets
    assert list(out) == ["epoch_loss", "params", "diverged"]
    losses = out["epoch_loss"]
    assert len(losses) == 25 and out["diverged"] is None
    assert losses[1] < losses[0] and losses[2] < losses[1]
    assert losses[-1] < losses[0] / 10
    assert list(out["params"]) == NAMES


def test_train_regression_learns_with_the_default_standardised_targets(capsys):
    assert main(["train", "--data", "builtin:students-regression", "--epochs", "25", "--eta", "0.1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["diverged"] is None and out["epoch_loss"][-1] < out["epoch_loss"][0] / 10


def test_train_is_reproducible():
    args = ("train", "--data", "builtin:students-large", "--epochs", "3", "--seed", "5")
    assert ok(*args) == ok(*args)


def test_train_diverges_cleanly_with_a_large_eta_on_raw_inputs():
    out = ok("train", "--data", "builtin:students-regression", "--eta=1", "--scale", "none")
    stop = out["diverged"]
    assert set(stop) == {"epoch", "row"}
    assert stop["epoch"] >= 1 and 0 <= stop["row"] < 4
    assert len(out["epoch_loss"]) == stop["epoch"] - 1  # only finished epochs have a loss
    assert all(math.isfinite(v) for v in out["params"].values())


def test_train_classification_and_csv_with_target(tmp_path):
    out = ok("train", "--task", "classification", "--data", "builtin:students-classification", "--epochs", "3")
    assert len(out["epoch_loss"]) == 3
    path = tmp_path / "t.csv"
    path.write_text("y,a,b,c\n1,1,2,3\n2,2,1,0\n3,0,0,1\n", encoding="utf-8")
    out = ok("train", "--data", str(path), "--target", "y", "--epochs", "2", "--layers", "3,2,1")
    assert "W131" in out["params"] and len(out["epoch_loss"]) == 2


def test_train_input_count_follows_the_data_without_layers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,y\n1,2,3,4\n2,1,0,1\n", encoding="utf-8")
    out = ok("train", "--data", str(path), "--epochs", "1")
    assert "W131" in out["params"]


def test_main_in_process_has_no_numpy_warnings(capsys):
    # pytest turns warnings into errors: overflow while diverging must stay silent.
    assert main(["train", "--data", "builtin:students-regression", "--eta=1", "--scale", "none"]) == 0
    assert json.loads(capsys.readouterr().out)["diverged"] is not None


def test_help_exits_0():
    result = run("train", "--help")
    assert result.returncode == 0 and "0-based" in result.stdout and "epoch counts from 1" in result.stdout


# ---- errors: status 2, one 'error:' line, no traceback ----------------------------------------
@pytest.mark.parametrize("args, expected", [
    ((), "choose a command"),
    (("bogus",), "invalid choice"),
    (("step", "--y=1"), "required: --x"),
    (("step", "--x", "-1.5,2", "--y=1"), "--x=-1.5,2"),
    (("step", "--x=1,abc", "--y=1"), "'abc' is not a number"),
    (("step", "--x=1,nan", "--y=1"), "'nan' is not a finite number"),
    (("step", "--x=1,2", "--y=inf"), "'inf' is not a finite number"),
    (("step", "--x=1,2", "--y=1", "--set", "W111=nan"), "not a finite number"),
    (("step", "--x=1,2", "--y=1", "--set", "W111"), "NAME=VALUE"),
    (("step", "--x=1,2", "--y=1", "--set", "W311=1"), "valid names: W111, W121, b11"),
    (("step", "--x=1,2", "--y=1", "--eta=-0.1"), "0 or more"),
    (("step", "--x=1,2", "--y=1", "--eta=nan"), "not a finite number"),
    (("step", "--x=1,2,3", "--y=1"), "--x has 3 value(s)"),
    (("step", "--x=1,2", "--y=1,2"), "--y has 2 value(s)"),
    (("step", "--x=1,2", "--y=7", "--loss", "bce"), "0 or 1"),
    (("step", "--x=1,2", "--y=1", "--init", "bogus"), "unknown initialisation"),
    (("step", "--x=1,2", "--y=1", "--layers", "2,9,1"), "1–8 neurons"),
    (("step", "--x=1,2", "--y=1", "--layers", "2,two,1"), "whole numbers"),
    (("step", "--x=1,2", "--y=1", "--task", "vision"), "invalid choice"),
    (("step", "--x=1,2", "--y=1", "--set", "W111=1e200", "--set", "W121=1e200"), "overflowed"),
    (("step", "--x=1,2", "--y=1", "--bogus"), "unrecognized arguments"),
    (("train",), "required: --data"),
    (("train", "--data", "builtin:nope"), "no built-in table named 'nope'"),
    (("train", "--data", "no/such.csv"), "no such file"),
    (("train", "--data", "students-regression"), "builtin:students-regression"),
    (("train", "--data", "builtin:students-regression", "--layers", "3,2,1"), "data has 2 input column(s)"),
    (("train", "--data", "builtin:students-regression", "--layers", "2,2,2"), "data has 1 target column(s)"),
    (("train", "--data", "builtin:students-regression", "--loss", "bce"), "row 2, column 3 ('lpa')"),
    (("train", "--data", "builtin:students-regression", "--target", "salary"), "no column named 'salary'"),
    (("train", "--data", "builtin:students-regression", "--epochs", "0"), "1–100000"),
    (("train", "--data", "builtin:students-regression", "--epochs", "2.5"), "not a whole number"),
    (("train", "--data", "builtin:students-regression", "--order", "backwards"), "invalid choice"),
    (("train", "--data", "builtin:students-regression", "--scale", "robust"), "invalid choice"),
    (("train", "--data", "builtin:students-regression", "--target-scale", "minmax"), "invalid choice"),
    (("train", "--data", "builtin:students-regression", "--test-fraction", "0.6"), "0–0.5"),
    (("train", "--data", "builtin:students-regression", "--test-fraction=-0.1"), "0–0.5"),
    (("train", "--data", "builtin:students-regression", "--batch", "0"), "1 or more"),
    (("train", "--data", "builtin:students-regression", "--batch", "5"), "--batch: must be 1–4"),
    (("train", "--data", "builtin:students-regression", "--test-fraction", "0.25", "--batch", "4"),
     "--batch: must be 1–3"),  # 4 rows, a quarter held out: 3 train
    (("train", "--data", "builtin:circles", "--points", "19"), "20–1000"),
    (("train", "--data", "builtin:circles", "--points", "1001"), "20–1000"),
    (("train", "--data", "builtin:circles", "--points", "2.5"), "not a whole number"),
    (("train", "--data", "builtin:circles", "--noise", "0.6"), "0–0.5"),
    (("train", "--data", "builtin:circles", "--data-seed", "-1"), "0 or more"),
    (("train", "--data", "builtin:circles", "--points", "40", "--batch", "41"), "--batch: must be 1–40"),
    (("train", "--data", "builtin:xor", "--target-scale", "standard"), "does not suit classification"),
    (("train", "--data", "builtin:students-regression", "--init", "xavier"), "unknown initialisation"),
    (("train", "--data", "builtin:students-regression", "--seed", "-3"), "0 or more"),
])
def test_bad_arguments(capsys, args, expected):
    assert expected in error_in_process(capsys, *args)


@pytest.mark.parametrize("args", [
    (),
    ("step", "--x", "-1.5,2", "--y=1"),
    ("step", "--x=1,2", "--y=1", "--set", "W111=1e200", "--set", "W121=1e200"),
])
def test_bad_arguments_through_python_m_engine(args):
    error(*args)


def test_bad_csv_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,x\n", encoding="utf-8")
    assert error("train", "--data", str(path)) == "error: bad.csv: row 3, column 2 ('b'): 'x' is not a number"


# ---- train's options for any network and any data (issue 9) --------------------------------------
def train_in_process(capsys, *args: str) -> tuple[dict, list[str]]:
    """(the JSON, the stderr lines) of a train run that must succeed."""
    status = main(["train", *args])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Traceback" not in captured.err
    return json.loads(captured.out), captured.err.splitlines()


def csv_file(tmp_path, text: str, name: str = "t.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def weights(params: dict) -> list[float]:
    return [v for n, v in params.items() if n.startswith("W")]


def test_init_glorot_and_he_and_the_default_for_other_shapes(capsys):
    common = ("--data", "builtin:students-regression", "--layers", "2,4,1", "--epochs", "1", "--eta=0")
    # Glorot uniform: layer 1 (2 → 4) within ±√(6/6) = ±1, layer 2 (4 → 1) within ±√(6/5); biases 0.
    glorot, _ = train_in_process(capsys, *common, "--init", "glorot", "--hidden-activation", "tanh")
    assert all(abs(glorot["params"][f"W1{i}{j}"]) <= 1.0 for i in (1, 2) for j in (1, 2, 3, 4))
    assert all(abs(glorot["params"][f"W2{i}1"]) <= math.sqrt(6 / 5) for i in (1, 2, 3, 4))
    assert all(v == 0.0 for n, v in glorot["params"].items() if n.startswith("b"))
    assert max(abs(w) for w in weights(glorot["params"])) > 0.05  # not the presets' ±0.05 start
    default, _ = train_in_process(capsys, *common, "--hidden-activation", "tanh")
    assert default["params"] == glorot["params"]  # a 2-4-1 tanh net starts Glorot by default
    he, _ = train_in_process(capsys, *common, "--init", "he", "--hidden-activation", "relu")
    relu_default, _ = train_in_process(capsys, *common, "--hidden-activation", "relu")
    assert relu_default["params"] == he["params"] != glorot["params"]  # all-ReLU hidden layers: He
    # The presets keep the small random start their lesson was tuned with.
    preset_run, _ = train_in_process(capsys, "--data", "builtin:students-regression", "--epochs", "1", "--eta=0")
    assert all(abs(w) <= 0.05 for w in weights(preset_run["params"]))


def test_generated_sets_pick_the_classification_preset_and_report_accuracy(capsys):
    out, err = train_in_process(capsys, "--data", "builtin:gauss", "--points", "40", "--epochs", "10",
                                "--eta", "0.5")
    assert err == []
    assert list(out) == ["epoch_loss", "params", "diverged", "train_accuracy"]
    assert len(out["train_accuracy"]) == 10
    assert all(round(a * 40, 9).is_integer() for a in out["train_accuracy"])  # whole rows out of 40
    # Two blobs a line separates: the sigmoid preset ends with every point right.
    assert out["train_accuracy"][-1] == 1.0
    regression, _ = train_in_process(capsys, "--data", "builtin:plane", "--points", "40", "--epochs", "2")
    assert list(regression) == ["epoch_loss", "params", "diverged"]


def test_data_seed_points_and_noise_choose_the_table(capsys):
    args = ("--data", "builtin:circles", "--points", "30", "--epochs", "2")
    a, _ = train_in_process(capsys, *args, "--data-seed", "1")
    assert train_in_process(capsys, *args, "--data-seed", "1")[0] == a  # reproducible
    assert train_in_process(capsys, *args, "--data-seed", "2")[0] != a
    assert train_in_process(capsys, *args, "--data-seed", "1", "--noise", "0.3")[0] != a


def test_generated_options_on_a_table_are_not_silently_ignored(capsys):
    _, err = train_in_process(capsys, "--data", "builtin:students-regression", "--epochs", "1", "--points", "50")
    assert len(err) == 1 and err[0].startswith("warning: --points") and "generated" in err[0]


def test_xor_table_is_learned_by_a_hidden_layer_but_not_without_one(capsys):
    # XOR is not linearly separable: a net with no hidden layer can get at most 3 of its 4 rows right.
    hidden, _ = train_in_process(capsys, "--data", "builtin:xor-table", "--layers", "2,4,1", "--hidden-activation",
                                 "tanh", "--epochs", "300", "--eta", "0.5")
    assert hidden["train_accuracy"][-1] == 1.0
    flat, _ = train_in_process(capsys, "--data", "builtin:xor-table", "--layers", "2,1", "--epochs", "300",
                               "--eta", "0.5")
    assert max(flat["train_accuracy"]) <= 0.75


def test_test_fraction_holds_rows_out_and_reports_their_loss(capsys):
    out, _ = train_in_process(capsys, "--data", "builtin:students-large", "--epochs", "4", "--test-fraction", "0.25")
    assert list(out) == ["epoch_loss", "params", "diverged", "test_loss"]
    assert len(out["test_loss"]) == 4 and all(v >= 0 for v in out["test_loss"])
    cls, _ = train_in_process(capsys, "--data", "builtin:xor", "--points", "40", "--epochs", "2",
                              "--test-fraction", "0.5")
    assert list(cls) == ["epoch_loss", "params", "diverged", "test_loss", "train_accuracy", "test_accuracy"]
    # 20 of 40 rows held out: every accuracy is a whole number of rows out of 20.
    assert all(round(a * 20, 9).is_integer() for a in cls["train_accuracy"] + cls["test_accuracy"])


def test_test_loss_by_hand(tmp_path, capsys):
    # ŷ = w·x + b stays 0 at η = 0 (w = b = 0), so each row's loss is y²: the test loss is the held-out
    # row's y². With 4 rows and a quarter held out, one row is the test set and the other three train.
    path = csv_file(tmp_path, "x,y\n1,1\n2,2\n3,3\n4,4\n")
    out, _ = train_in_process(capsys, "--data", path, "--layers", "1,1", "--output-activation", "linear",
                              "--init", "const:0,0", "--eta=0", "--epochs", "2", "--test-fraction", "0.25",
                              "--target-scale", "none", "--order", "sequential")
    (test,) = set(out["test_loss"])
    assert test in (1.0, 4.0, 9.0, 16.0)
    assert out["epoch_loss"][0] == pytest.approx((30.0 - test) / 3)  # the other three rows' mean of y²


def test_batch_is_one_update_with_the_mean_gradient(tmp_path, capsys):
    # ŷ = w·x + b from w = b = 0 on rows (x=1, y=1), (x=2, y=0), L = (y − ŷ)², η = 0.5, one batch of 2:
    # ∂L/∂ŷ is −2 on row 1 and 0 on row 2, so the mean gradient is (∂w, ∂b) = (−1, −1): w = b = 0.5.
    # Epoch 1's loss (1 + 0)/2 = 0.5; epoch 2 at w = b = 0.5: ŷ = 1, 1.5, so (0 + 2.25)/2 = 1.125,
    # ∂L/∂ŷ = 0 and −2(0 − 1.5) = 3, mean gradient ((0 + 3·2)/2, (0 + 3)/2) = (3, 1.5):
    # w = 0.5 − 0.5·3 = −1, b = 0.5 − 0.5·1.5 = −0.25.
    path = csv_file(tmp_path, "x,y\n1,1\n2,0\n")
    out, _ = train_in_process(capsys, "--data", path, "--layers", "1,1", "--output-activation", "linear",
                              "--init", "const:0,0", "--scale", "none", "--target-scale", "none",
                              "--order", "sequential", "--eta", "0.5", "--epochs", "2", "--batch", "2")
    assert out["epoch_loss"] == [0.5, pytest.approx(1.125)]
    assert out["params"] == {"W111": pytest.approx(-1.0), "b11": pytest.approx(-0.25)}


@pytest.mark.parametrize("scale, expected", [("none", 10.0), ("standard", 1.0), ("minmax", 0.5)])
def test_input_scalings_by_hand(tmp_path, capsys, scale, expected):
    # x = 2, 4 and ŷ = x' (w = 1, b = 0, η = 0) with y = 0: the loss is the mean of x'².
    # none: (4 + 16)/2 = 10; standard: x' = −1, 1 → 1; minmax: x' = 0, 1 → 0.5.
    path = csv_file(tmp_path, "x,y\n2,0\n4,0\n")
    out, _ = train_in_process(capsys, "--data", path, "--layers", "1,1", "--output-activation", "linear",
                              "--init", "const:1,0", "--eta=0", "--epochs", "1", "--scale", scale,
                              "--target-scale", "none")
    assert out["epoch_loss"] == [pytest.approx(expected)]


@pytest.mark.parametrize("target_scale", ["standard", "none", None])
def test_target_scaling_reports_losses_in_the_tables_units(tmp_path, capsys, target_scale):
    # y = 1, 3 (mean 2, σ 1) and ŷ = 0 throughout (w = b = 0, η = 0).
    # none: the loss is the mean of y² = (1 + 9)/2 = 5. standard (the regression default): the network
    # sees y' = −1, 1 and ŷ' = 0, so the table's ŷ = 2 and the loss in table units (y − 2)² averages 1.
    path = csv_file(tmp_path, "x,y\n0,1\n1,3\n")
    extra = () if target_scale is None else ("--target-scale", target_scale)
    out, _ = train_in_process(capsys, "--data", path, "--layers", "1,1", "--output-activation", "linear",
                              "--init", "const:0,0", "--eta=0", "--epochs", "1", *extra)
    assert out["epoch_loss"] == [pytest.approx(5.0 if target_scale == "none" else 1.0)]


def test_students_large_trains_at_the_default_eta(capsys):
    # It diverged at η = 0.1 before the targets were standardised by default (issue 9).
    for seed in ("0", "3"):
        out, _ = train_in_process(capsys, "--data", "builtin:students-large", "--epochs", "20", "--seed", seed)
        assert out["diverged"] is None and out["epoch_loss"][-1] < out["epoch_loss"][0]


def test_a_diverged_run_prints_its_json_with_advice(capsys):
    out, _ = train_in_process(capsys, "--data", "builtin:students-regression", "--eta=10", "--scale", "none",
                              "--target-scale", "none")
    assert set(out["diverged"]) == {"epoch", "row"}
    assert "η/10 = 1" in out["advice"]  # a tenth of η = 10, never η = 0
    assert "last good row" in out["advice"]


def test_raw_exam_scores_get_advice_about_the_datas_scale(tmp_path, capsys):
    # Scores 55–92 as raw targets: the first rows' loss (≈ 55² and more) is huge before any update.
    path = csv_file(tmp_path, "a,b,score\n1,2,55\n2,3,70\n3,1,92\n4,4,80\n5,2,61\n")
    out, _ = train_in_process(capsys, "--data", path, "--eta", "0.1", "--epochs", "50", "--target-scale", "none")
    assert out["diverged"] is not None and "scale" in out["advice"]
    # The default (standardised targets) trains the same table at the same η.
    fine, _ = train_in_process(capsys, "--data", path, "--eta", "0.1", "--epochs", "50")
    assert fine["diverged"] is None and "advice" not in fine


def test_data_notes_are_one_warning_line_each_naming_the_column(tmp_path, capsys):
    path = csv_file(tmp_path, "a,flat,y\n1,5,1\n2,5,2\n3,5,4\n")
    out, err = train_in_process(capsys, "--data", path, "--epochs", "2", "--layers", "2,2,1")
    assert len(out["epoch_loss"]) == 2
    assert len(err) >= 1 and all(line.startswith("warning: ") for line in err)
    assert any("flat" in line for line in err)


def test_out_of_memory_is_one_error_line(monkeypatch, capsys):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("engine.cli.resolve_data", no_memory)
    assert "out of memory" in error_in_process(capsys, "train", "--data", "builtin:students-regression")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: instant to make, but far too big to be a table
    start = time.monotonic()
    line = error_in_process(capsys, "train", "--data", str(path))
    assert time.monotonic() - start < 5 and "huge.csv" in line


def test_a_fifo_and_dev_zero_fail_fast_with_one_error_line(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        start = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "engine", "train", "--data", path], cwd=ROOT,
                                capture_output=True, text=True, encoding="utf-8", timeout=60)
        assert time.monotonic() - start < 30
        one_error_line(result.returncode, result.stdout, result.stderr)


def test_new_flags_through_python_m_engine():
    out = ok("train", "--data", "builtin:spiral", "--points", "60", "--noise", "0.1", "--data-seed", "3",
             "--layers", "2,8,8,1", "--hidden-activation", "tanh", "--init", "glorot", "--batch", "4",
             "--test-fraction", "0.2", "--epochs", "5", "--eta", "0.3")
    assert list(out) == ["epoch_loss", "params", "diverged", "test_loss", "train_accuracy", "test_accuracy"]
    assert all(len(out[k]) == 5 for k in ("epoch_loss", "test_loss", "train_accuracy", "test_accuracy"))


def test_help_names_the_new_options(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for flag in ("--init", "glorot", "he", "--points", "--noise", "--data-seed", "--test-fraction", "--batch",
                 "--target-scale", "minmax", "test_loss", "train_accuracy", "test_accuracy", "builtin:xor-table"):
        assert flag in text
    assert "generated classification set" in text
