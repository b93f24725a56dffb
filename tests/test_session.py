"""Session files (engine): a round trip is bit-exact, and every bad file is one clear SessionError.
Saving when things go wrong is in test_faults.py; fuzzed files are in test_fuzz.py."""
from __future__ import annotations

import json
import os
import re
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import session as sess
from engine.data import load_builtin
from engine.spec import NetworkSpec, preset
from engine.timeline import Timeline

SETTINGS = {"eta": 0.05, "epochs": 100, "speed": None, "precision": 6, "selected": "W111", "lesson_step": None}


def new_run(task="regression", dataset="students-regression", **kw):
    ds = load_builtin(dataset)
    base = preset(task)
    spec = NetworkSpec((ds.n_inputs, *base.sizes[1:-1], ds.n_outputs), base.activations, base.loss)
    return ds, Timeline(spec, ds.X, ds.Y, **kw)


def worked_run():
    """37 rows, an edit and an η change on the way, a rewind, more rows."""
    ds, tl = new_run(seed=7)
    for _ in range(20):
        tl.row(0.1)
    tl.set_parameter("W111", 0.3)
    for _ in range(17):
        tl.row(0.05)
    tl.rewind_to(30)
    tl.set_parameter("b21", -0.125)
    for _ in range(7):
        tl.row(0.08)
    assert tl.steps == 37 and tl.diverged is None
    return ds, tl


def capture(ds, tl, **over):
    return sess.capture(tl, task="regression", dataset_key="students-regression", dataset=ds,
                        settings={**SETTINGS, **over})


def saved(tmp_path, name="s.json"):
    ds, tl = worked_run()
    path = tmp_path / name
    sess.save(capture(ds, tl), path)
    return path, tl


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_run(a: Timeline, b: Timeline) -> None:
    assert same_bits(a.network.theta, b.network.theta)
    assert same_bits(a.initial_theta, b.initial_theta)
    assert same_bits(a.losses.view(), b.losses.view())  # every row's loss
    assert same_bits(a.epoch_means.view(), b.epoch_means.view())
    # Each table row's latest loss: after a rewind the run itself keeps only the rows it replayed
    # (Timeline.rewind_to), the rebuilt run has them all; where both have one, it is the same.
    kept = ~np.isnan(a.row_loss)
    assert same_bits(a.row_loss[kept], b.row_loss[kept])
    assert a.steps == b.steps and a.training.epoch == b.training.epoch and a.training.position == b.training.position
    assert a.eta_log == b.eta_log and a.edits == b.edits and a.training.eta == b.training.eta
    assert (a.diverged is None) == (b.diverged is None)


# ---- round trip --------------------------------------------------------------------------------------------
def test_round_trip_reproduces_the_run_bit_exactly(tmp_path):
    ds, tl = worked_run()
    path = tmp_path / "s.json"
    original = capture(ds, tl, selected="b21", lesson_step=3, speed=20.0, precision=5, epochs=7)
    sess.save(original, path)
    loaded, replayed = sess.load_run(path)
    assert loaded == original
    assert_same_run(tl, replayed)
    assert loaded.settings.model_dump() == {**SETTINGS, "selected": "b21", "lesson_step": 3, "speed": 20.0,
                                            "precision": 5, "epochs": 7}
    table = loaded.dataset
    assert (table.name, table.input_names, table.target_names, table.columns) == (
        ds.name, ds.input_names, ds.target_names, ds.columns)
    assert same_bits(table.X, ds.X) and same_bits(table.Y, ds.Y)
    # and it trains on identically
    for _ in range(9):
        assert tl.row(0.07).loss == replayed.row(0.07).loss
    assert same_bits(tl.network.theta, replayed.network.theta)


def test_awkward_floats_round_trip_bit_exactly(tmp_path):
    ds, tl = new_run()
    tl.row(0.1)
    for name, value in zip(("W111", "W121", "b11", "W112", "W122"), (5e-324, -0.0, 0.1 + 0.2, 1e308, -1 / 3)):
        tl.set_parameter(name, value)
    path = tmp_path / "s.json"
    sess.save(capture(ds, tl, eta=0.1 + 0.7), path)
    loaded, replayed = sess.load_run(path)
    assert_same_run(tl, replayed)
    assert np.signbit(replayed.network["W121"]) and replayed.network["W111"] == 5e-324
    assert loaded.settings.eta == 0.1 + 0.7


def test_a_diverged_run_opens_diverged(tmp_path):
    ds, tl = new_run(init="tutorial")
    for _ in range(5):
        tl.row(0.01)
    for _ in range(1000):
        if tl.row(10.0).diverged:
            break
    assert tl.diverged is not None
    path = tmp_path / "s.json"
    sess.save(capture(ds, tl), path)
    _, replayed = sess.load_run(path)
    assert replayed.diverged is not None and replayed.last_record.diverged
    assert_same_run(tl, replayed)


OPS = st.lists(st.one_of(
    st.tuples(st.just("train"), st.integers(1, 9), st.sampled_from([0.0, 0.01, 0.1, 0.3])),
    st.tuples(st.just("edit"), st.sampled_from(["W111", "b12", "W221"]),
              st.floats(-3, 3, allow_nan=False, allow_infinity=False)),
    st.tuples(st.just("rewind"), st.integers(0, 40), st.just(None)),
), max_size=8)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, seed=st.integers(0, 2**31 - 1), order=st.sampled_from(["shuffle", "random", "sequential"]))
def test_any_history_round_trips_bit_exactly(tmp_path, ops, seed, order):
    ds, tl = new_run(seed=seed, order=order)
    for op, a, b in ops:
        if op == "train":
            for _ in range(a):
                tl.row(b)
        elif op == "edit":
            tl.set_parameter(a, b)
        else:
            tl.rewind_to(a)
    path = tmp_path / "h.json"
    sess.save(capture(ds, tl), path)
    _, replayed = sess.load_run(path)
    assert_same_run(tl, replayed)


# ---- bad files: one SessionError, one line ---------------------------------------------------------------------
def edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BAD = [  # (name, how the good file is changed, words of the message)
    ("empty", lambda t: "", "not a readable session file"),
    ("binary", lambda t: "\x00\xff", "not a readable session file"),
    ("foreign", lambda t: '{"format": "something-else"}', "not a Backprop Studio session"),
    ("a list", lambda t: "[1, 2, 3]", "not a Backprop Studio session"),
    ("newer", lambda t: edited(t, '"version": 2', '"version": 99'), "newer Backprop Studio"),
    ("older", lambda t: edited(t, '"version": 2', '"version": 1'), "version 1"),
    ("epochs Infinity", lambda t: edited(t, '"epochs": 100', '"epochs": Infinity'), "Infinity"),
    ("NaN", lambda t: edited(t, '"eta": 0.05', '"eta": NaN'), "NaN"),
    ("1e400", lambda t: edited(t, '"eta": 0.05', '"eta": 1e400'), "too large"),
    ("nested", lambda t: "[" * 100_000, "nested too deeply"),
    ("5001-digit seed", lambda t: edited(t, '"seed": 7', '"seed": ' + "9" * 5001), "5001 digits"),
    ("big seed", lambda t: edited(t, '"seed": 7', '"seed": 99999999999'), "setup.seed"),
    ("data null", lambda t: edited(t, '"table": {', '"table": null, "old": {'), "table must be an object"),
    ("name null", lambda t: edited(t, '"name": "students-regression"', '"name": null'), "table.name"),
    ("seed -1", lambda t: edited(t, '"seed": 7', '"seed": -1'), "setup.seed"),
    ("init x", lambda t: edited(t, '"init": "random"', '"init": "x"'), "setup.init"),
    ("another init", lambda t: edited(t, '"init": "random"', '"init": "tutorial"'), "initial_params"),
    ("epochs 1.5", lambda t: edited(t, '"epochs": 100', '"epochs": 1.5'), "settings.epochs"),
    ("epochs 0", lambda t: edited(t, '"epochs": 100', '"epochs": 0'), "settings.epochs"),
    ("eta true", lambda t: edited(t, '"eta": 0.05', '"eta": true'), "settings.eta"),
    ("eta text", lambda t: edited(t, '"eta": 0.05', '"eta": "0.05"'), "settings.eta"),
    ("eta < 0", lambda t: edited(t, '"eta": 0.05', '"eta": -1'), "settings.eta"),
    ("precision 9", lambda t: edited(t, '"precision": 6', '"precision": 9'), "settings.precision"),
    ("speed 0", lambda t: edited(t, '"speed": null', '"speed": 0'), "settings.speed"),
    ("order", lambda t: edited(t, '"order": "shuffle"', '"order": "backwards"'), "setup.order"),
    ("scaling", lambda t: edited(t, '"scaling": "standard"', '"scaling": "logarithmic"'), "setup.scaling"),
    ("task", lambda t: edited(t, '"task": "regression"', '"task": "poetry"'), "setup.task"),
    ("sizes", lambda t: edited(t, '"sizes": [2, 2, 1]', '"sizes": [2, 9, 1]'), "hidden layers"),
    ("network vs table", lambda t: edited(t, '"sizes": [2, 2, 1]', '"sizes": [3, 2, 1]'), "the table has"),
    ("missing field", lambda t: edited(t, '"epochs": 100,', ""), "settings.epochs is missing"),
    ("unknown field", lambda t: edited(t, '"epochs": 100,', '"epochs": 100, "zzz": 1,'), "settings.zzz"),
    ("key twice", lambda t: edited(t, '"epochs": 100,', '"epochs": 100, "epochs": 100,'), "appears twice"),
    ("short row", lambda t: edited(t, "[8.0, 8.0]", "[8.0]"), "table.X[0]"),
    ("text cell", lambda t: edited(t, "[8.0, 8.0]", '[8.0, "8"]'), "table.X[0][1]"),
    ("selected", lambda t: edited(t, '"selected": "W111"', '"selected": "W999"'), "settings.selected"),
    ("edit name", lambda t: edited(t, '"name": "W111"', '"name": "Q"'), "history.edits"),
    ("eta log", lambda t: edited(t, '{"step": 0, "eta": 0.1}', '{"step": 1, "eta": 0.1}'), "step 0"),
    ("cursor", lambda t: edited(t, '"cursor": 37', '"cursor": 38'), "view.cursor"),
    ("tampered parameter", lambda t: edited(t, '"W122": ', '"W122": 0.25, "x": '), "params"),
    ("tampered losses", lambda t: re.sub(r'"loss_sha256": "[0-9a-f]{64}"', '"loss_sha256": "' + "0" * 64 + '"', t),
     "other losses than the saved ones"),
    ("fewer rows", lambda t: edited(edited(t, '"steps": 37', '"steps": 36'), '"cursor": 37', '"cursor": 36'),
     "other losses"),
]


@pytest.mark.parametrize("change, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_every_bad_file_gives_one_clear_message(tmp_path, change, words):
    path, _ = saved(tmp_path)
    path.write_text(change(path.read_text()), encoding="utf-8")
    with pytest.raises(sess.SessionError) as caught:
        sess.load_run(path)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message and len(message) < 300


def test_parameters_the_history_does_not_lead_to_are_refused(tmp_path):
    path, tl = saved(tmp_path)
    doc = json.loads(path.read_text())
    doc["params"]["W122"] = np.nextafter(doc["params"]["W122"], 1.0)  # one bit off
    path.write_text(json.dumps(doc))
    with pytest.raises(sess.ReplayMismatchError, match="does not lead to its saved parameters"):
        sess.load_run(path)
    session = sess.load(path)  # a caller may still ask for the run this computer replays
    assert_same_run(tl, sess.replay(session, exact=False))


def test_missing_file_folder_and_device_are_refused(tmp_path):
    with pytest.raises(sess.SessionError, match="does not exist"):
        sess.load(tmp_path / "nope.json")
    with pytest.raises(sess.SessionError, match="is a folder"):
        sess.load(tmp_path)
    with pytest.raises(sess.SessionError, match="not a regular file"):
        sess.load("/dev/zero")


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    outcome = []

    def attempt():
        try:
            sess.load(fifo)
        except sess.SessionError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=attempt, daemon=True)
    start = time.perf_counter()
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "opening a FIFO hung"
    assert time.perf_counter() - start < 1
    assert outcome and "not a regular file" in outcome[0]


def test_a_file_too_large_is_refused_unread(tmp_path, monkeypatch):
    path, _ = saved(tmp_path)
    monkeypatch.setattr(sess, "MAX_BYTES", 100)
    with pytest.raises(sess.SessionError, match="too large"):
        sess.load(path)


def test_nothing_non_finite_is_ever_saved(tmp_path):
    ds, tl = worked_run()
    path = tmp_path / "s.json"
    for bad in ({"eta": float("nan")}, {"speed": float("inf")}):
        with pytest.raises(sess.SessionError, match="cannot save the session: settings"):
            capture(ds, tl, **bad)
    assert not path.exists()
