"""Session files (engine): a round trip is bit-exact, every bad file is one clear SessionError,
and a save is atomic (old file or new file, never a mix, never a temporary file left over)."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import session as sess
from engine.data import load_builtin
from engine.spec import NetworkSpec, preset
from engine.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent
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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
    ("scaling", lambda t: edited(t, '"scaling": "standard"', '"scaling": "minmax"'), "setup.scaling"),
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


# ---- saving: atomic, no temporary file, mode and links kept -------------------------------------------------------
def test_save_leaves_no_temporary_file(tmp_path):
    saved(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def failing_writes(limit: int, error: BaseException):
    """os.write that writes `limit` bytes in all, then raises `error` (a full disk, or a kill)."""
    real_write, written = os.write, 0

    def write(fd, data):
        nonlocal written
        room = limit - written
        if room <= 0:
            raise error
        n = real_write(fd, bytes(data[:room]))
        written += n
        return n

    return write


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary file"])
def test_an_interrupted_save_at_any_byte_keeps_the_old_file_whole(tmp_path, monkeypatch, unnamed):
    path, _ = saved(tmp_path)
    old = path.read_bytes()
    ds, tl = new_run(seed=3)
    tl.row(0.1)
    new = capture(ds, tl)
    size = len(sess.dumps(new).encode())
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    cuts = sorted({*range(0, 64), *range(64, size, 89), size - 1})
    for k in cuts:
        error = OSError(errno.ENOSPC, "No space left on device") if k % 2 else KeyboardInterrupt()
        with monkeypatch.context() as m:
            m.setattr(os, "write", failing_writes(k, error))
            with pytest.raises((sess.SessionError, KeyboardInterrupt)) as caught:
                sess.save(new, path)
        if caught.type is sess.SessionError:
            assert str(caught.value) == f"cannot save {path}: No space left on device"  # the user's path
        assert path.read_bytes() == old
        assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    sess.save(new, path)  # and a save that is not interrupted writes the new file whole
    assert path.read_bytes() == sess.dumps(new).encode()
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_a_failed_rename_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path, _ = saved(tmp_path)
    old = path.read_bytes()
    ds, tl = new_run()

    def refuse(*_args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(sess.SessionError, match=f"^cannot save {path}: Input/output error$"):
        sess.save(capture(ds, tl), path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_resaving_keeps_the_file_mode(tmp_path, mode):
    path, _ = saved(tmp_path)
    path.chmod(mode)
    ds, tl = new_run()
    sess.save(capture(ds, tl), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_umask_default(tmp_path, umask):
    old = os.umask(umask)
    try:
        path, _ = saved(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_saving_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real" / "s.json"
    real.parent.mkdir()
    path, _ = saved(tmp_path / "real")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    ds, tl = new_run(seed=11)
    session = capture(ds, tl)
    sess.save(session, link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes() == sess.dumps(session).encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real"]
    assert [p.name for p in real.parent.iterdir()] == ["s.json"]


def test_saving_where_it_cannot_says_so_and_changes_nothing(tmp_path):
    ds, tl = new_run()
    session = capture(ds, tl)
    with pytest.raises(sess.SessionError, match="it is a folder"):
        sess.save(session, tmp_path)
    with pytest.raises(sess.SessionError, match="does not exist"):
        sess.save(session, tmp_path / "no" / "s.json")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(sess.SessionError, match="not a regular file"):
        sess.save(session, fifo)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def finished_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_leftovers_of_a_killed_save_are_cleaned_up(tmp_path):
    path, _ = saved(tmp_path)
    dead = tmp_path / f".s.json.{finished_pid()}-0123abcd.tmp"
    old = tmp_path / f".s.json.{os.getppid()}-89abcdef.tmp"
    busy = tmp_path / f".s.json.{os.getppid()}-fedcba98.tmp"  # a live process's save in progress
    stranger = tmp_path / ".s.json.notours.tmp"
    for p in (dead, old, busy, stranger):
        p.write_text("half")
    os.utime(old, (time.time() - 2 * sess.STALE_TEMP_SECONDS,) * 2)
    ds, tl = new_run()
    sess.save(capture(ds, tl), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["s.json", busy.name, stranger.name])


KILLER = """
    import os, sys
    sys.path.insert(0, {root!r})
    from engine import session as sess
    from engine.data import Dataset
    from engine.spec import NetworkSpec
    from engine.timeline import Timeline
    import numpy as np
    if {named}:
        del os.O_TMPFILE
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10000, 8)), rng.normal(size=(10000, 3))
    ds = Dataset("big", [f"x{{i}}" for i in range(8)], ["a", "b", "c"], X, Y)
    tl = Timeline(NetworkSpec((8, 3), ("linear",), "se"), X, Y)
    settings = dict(eta=0.1, epochs=1, speed=None, precision=6, selected=None, lesson_step=None)
    session = sess.capture(tl, task="regression", dataset_key="csv:big", dataset=ds, settings=settings)
    print("ready", flush=True)
    while True:
        sess.save(session, {path!r})
"""


@pytest.mark.parametrize("named", [False, True], ids=["O_TMPFILE", "named temporary file"])
def test_a_save_killed_at_a_random_moment_leaves_a_whole_file(tmp_path, named):
    path = tmp_path / "s.json"
    rng = np.random.default_rng(1)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLER.format(
            root=str(ROOT), path=str(path), named=named))], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        with contextlib.suppress(subprocess.TimeoutExpired):  # the saver never ends by itself: let it run
            proc.wait(timeout=0.05 + rng.uniform(0, 0.3))  # a random while, so the kill lands mid-save
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if path.exists():
            assert sess.load(path).table.name == "big"  # whole, never a mix
    ds, tl = new_run()
    sess.save(capture(ds, tl), path)  # the next save removes what a killed one left
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


# ---- fuzzing the loader: nothing but SessionError --------------------------------------------------------------
GOOD: dict = {}


def good_text() -> str:
    if "text" not in GOOD:
        ds, tl = worked_run()
        GOOD["text"] = sess.dumps(capture(ds, tl))
    return GOOD["text"]


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
                           | st.sampled_from(["W111", "csv:x", "const:1,0", "tutorial", "sequential", "\n"]),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                       max_size=3), max_leaves=8)


def must_not_crash(data) -> None:
    try:
        session = sess.parse(data, "fuzz.json")
        if session.history.steps <= 1000:
            sess.replay(session)
    except sess.SessionError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 20), st.binary(max_size=8)), min_size=1,
                     max_size=3))
def test_byte_mutations_raise_nothing_but_session_error(cuts):
    data = bytearray(good_text().encode())
    for at, drop, insert in cuts:
        at %= len(data) + 1
        data[at:at + drop] = insert
    must_not_crash(bytes(data))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_value_mutations_raise_nothing_but_session_error(data):
    """Replace any value (or add a key) anywhere in a good session with any JSON value."""
    doc = {"root": json.loads(good_text())}
    parent, key = doc, "root"
    while isinstance(parent[key], dict | list) and parent[key] and data.draw(st.booleans()):
        node = parent[key]
        parent, key = node, data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
    if isinstance(parent, dict) and key != "root" and data.draw(st.booleans()):
        key = data.draw(st.text(max_size=4))  # a new key (or an existing one replaced)
    parent[key] = data.draw(JSON_VALUES)
    must_not_crash(json.dumps(doc["root"], allow_nan=True))
