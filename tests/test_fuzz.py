"""Fuzzing what users open: session files through engine.session, CSV files through the engine's
loader and the command line. Whatever the bytes, the answer is a session / a Dataset, or one
clear one-line error (SessionError, CsvError, `error:` and exit status 2): never another
exception, never a traceback, never a hang, never a non-finite number taken as data.

The window's Open gets the same tables, by a path and through the menu's file dialog and
column chooser: a table it takes, or exactly one message, and the state as it was.

Seeded (derandomize=True: the same examples on every run) and small, so the file runs in
seconds; SOAK=1 (make soak) runs ten times as many, and FUZZ_EXAMPLES sets the number outright.
With BACKPROP_TALLY set, the inputs tried per target are counted there (tests/tally.py).
"""
from __future__ import annotations

import codecs
import json
import math
import os
import time
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tally import record

from engine import cli
from engine import session as sess
from engine.data import CsvError, Dataset, load_builtin, load_csv
from engine.spec import NetworkSpec, preset
from engine.timeline import Timeline

SOAK = os.environ.get("SOAK") == "1"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1200" if SOAK else "120"))
WINDOW_EXAMPLES = max(1, EXAMPLES // 6)  # each one rebuilds the window's run when it is taken: slower
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
SLOW = 2.0  # seconds: one small input taking longer than this is as good as a hang
SETTINGS = {"eta": 0.05, "epochs": 100, "speed": None, "precision": 6, "selected": "W111", "lesson_step": None}


FUZZED: Counter[str] = Counter()  # "<target>" → inputs tried, "<target> refused" → of those, refused


@pytest.fixture(scope="module", autouse=True)
def count_inputs():
    """At the end of the module (in each xdist worker), what was fed to which target."""
    FUZZED.clear()
    yield
    record("tests/test_fuzz.py", inputs=dict(FUZZED))


def one_line(message: str) -> bool:
    return bool(message) and "\n" not in message and len(message) < 500


# ---- session files -----------------------------------------------------------------------------------------------
def good_session_text() -> str:
    """A session with a bit of everything: an edit, η changes, a rewind (so the log has entries)."""
    ds = load_builtin("students-regression")
    base = preset("regression")
    spec = NetworkSpec((ds.n_inputs, *base.sizes[1:-1], ds.n_outputs), base.activations, base.loss)
    tl = Timeline(spec, ds.X, ds.Y, seed=7)
    for _ in range(12):
        tl.row(0.1)
    tl.set_parameter("W111", 0.3)
    for _ in range(9):
        tl.row(0.05)
    tl.rewind_to(15)
    tl.row(0.08)
    return sess.dumps(sess.capture(tl, task="regression", dataset_key="students-regression", dataset=ds,
                                   settings=SETTINGS))


GOOD = good_session_text()


def opens_or_says_why(data: bytes | str) -> None:
    """A session, or one SessionError of one line; quickly either way."""
    start = time.perf_counter()
    FUZZED["session file"] += 1
    try:
        session = sess.parse(data, "fuzz.bpsession")
        if session.history.steps <= 1000:  # replaying is the rest of opening (kept short here)
            sess.replay(session)
    except sess.SessionError as exc:
        FUZZED["session file refused"] += 1
        assert one_line(str(exc)), repr(str(exc))
    assert time.perf_counter() - start < SLOW


def test_the_good_session_opens():
    opens_or_says_why(GOOD)
    assert sess.replay(sess.parse(GOOD)).steps == 16


@FUZZ
@given(cut=st.integers(0, len(GOOD.rstrip()) - 1))  # the closing brace or more cut off
def test_a_truncated_session_is_refused(cut):
    FUZZED["session file"] += 1
    FUZZED["session file refused"] += 1
    with pytest.raises(sess.SessionError, match="not a readable session file"):
        sess.parse(GOOD.encode()[:cut])


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 20), st.binary(max_size=8)), min_size=1,
                      max_size=4),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), max_size=4))
def test_byte_edits_and_bit_flips_give_a_session_or_one_error(edits, flips):
    data = bytearray(GOOD.encode())
    for at, drop, insert in edits:
        at %= len(data) + 1
        data[at:at + drop] = insert
    for at, bit in flips:
        if data:
            data[at % len(data)] ^= 1 << bit
    opens_or_says_why(bytes(data))


HUGE = st.sampled_from([10**30, 10**31, -10**31, 10**400, 1e308, -1e308, 5e-324, 2**63, 2**64 + 1,
                        1.7976931348623157e308])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HUGE | st.text(max_size=5)
    | st.sampled_from(["W111", "csv:x", "const:1,0", "tutorial", "sequential", "\n", "", "é" * 300]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8)


@FUZZ
@given(data=st.data())
def test_any_value_anywhere_gives_a_session_or_one_error(data):
    """Replace a value (or add a key) anywhere in a good session by any JSON value: wrong types,
    huge numbers, NaN and Infinity, nested lists and objects."""
    doc = {"root": json.loads(GOOD)}
    parent, key = doc, "root"
    while isinstance(parent[key], dict | list) and parent[key] and data.draw(st.booleans()):
        node = parent[key]
        parent, key = node, data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
    if isinstance(parent, dict) and key != "root" and data.draw(st.booleans()):
        key = data.draw(st.text(max_size=4))  # a new key (or an existing one replaced)
    parent[key] = data.draw(JSON_VALUES)
    opens_or_says_why(json.dumps(doc["root"], allow_nan=True))


@FUZZ
@given(version=JSON_VALUES)
def test_an_unknown_version_is_refused_by_name(version):
    doc = json.loads(GOOD)
    doc["version"] = version
    if version == sess.VERSION and type(version) is int:
        return  # that one is known
    FUZZED["session file"] += 1
    FUZZED["session file refused"] += 1
    with pytest.raises(sess.SessionError) as caught:
        sess.parse(json.dumps(doc, allow_nan=True))
    if type(version) is int and abs(version) < 10**sess.MAX_DIGITS:  # (a longer number is refused as such)
        assert "version" in str(caught.value)


@FUZZ
@given(depth=st.integers(1, 200_000), opener=st.sampled_from(['[', '{"a": ', '[{"b": ', '{"x": [']),
       where=st.sampled_from(['"eta": 0.05', '"table": {', '"history": {', '"format"']))
def test_deep_nesting_is_refused(depth, opener, where):
    """A value nested `depth` deep (unclosed, or closed), anywhere: never a RecursionError or a crash."""
    closer = "".join({"[": "]", "{": "}"}[c] for c in opener if c in "[{")[::-1]
    key, _, value = where.partition(": ")
    nested = opener * depth + (value or "1") + closer * (depth if depth % 2 else 0)
    text = GOOD.replace(where, f"{key}: {nested}" if value else f"{key}: {nested},", 1)
    opens_or_says_why(text)


# ---- CSV files ---------------------------------------------------------------------------------------------------
def number_text(value: float, style: str) -> str:
    if isinstance(value, int):
        return str(value)
    if style == "e":
        return f"{value:e}"
    if style == "fixed":
        return f"{value:.3f}"
    return repr(value)


JUNK = st.sampled_from(["", " ", "NA", "nan", "NaN", "inf", "-inf", "Infinity", "1.2.3", "--1", "1e", "e5", "+",
                        ".", " 3 ", "1e999", "-1e999", "0x10", "1_000", "١٢", "３", "\x00", '"', '"1"', "'1'",
                        "1,5", "1;5", "TRUE", "1e-400", "9" * 400, "٫5"]) | st.text(max_size=4)
CELLS = st.one_of(
    st.builds(number_text, st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000), st.sampled_from(
        ["repr", "e", "fixed"])),
    st.builds(number_text, st.floats() | st.integers(-10**40, 10**40) | st.sampled_from(
        [1e308, -1e308, 5e-324, 1e-320, 1e300, 3e200, -0.0]), st.sampled_from(["repr", "e", "fixed"])),
    JUNK)


@st.composite
def csv_files(draw) -> tuple[bytes, str]:
    """A table as a person's spreadsheet may write it (or mangle it): (the file's bytes, what it is)."""
    n_cols = draw(st.integers(1, 5))
    n_rows = draw(st.integers(0, 12))
    good_rows = draw(st.booleans())  # half the tables are numbers only, so loading gets past the cells
    cell = st.builds(number_text, st.floats(-1e3, 1e3, allow_nan=False), st.just("repr")) if good_rows else CELLS
    names = draw(st.one_of(
        st.lists(st.sampled_from(["x1", "x2", "y", "label", "a b", "", "x1", "é", "y;z", '"q"', "1.5"]),
                 min_size=n_cols, max_size=n_cols),
        st.lists(st.text(max_size=6), min_size=n_cols, max_size=n_cols), st.none()))
    ragged = draw(st.integers(0, 1))  # rows one cell short or long
    rows = [draw(st.lists(cell, min_size=max(1, n_cols - ragged), max_size=n_cols + ragged)) for _ in range(n_rows)]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    decimal_comma = delimiter in ";\t" and draw(st.booleans())
    quote = draw(st.booleans())
    lines = []
    for row in ([names] if names is not None else []) + rows:
        cells = [c.replace(".", ",") if decimal_comma else c for c in row]
        cells = [f'"{c}"' if quote else c for c in cells]
        lines.append(delimiter.join(cells) + draw(st.sampled_from(["", "", delimiter])))  # a trailing delimiter
    for _ in range(draw(st.integers(0, 3))):  # blank lines anywhere
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", " ", delimiter, "\t"])))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and not data.startswith(codecs.BOM_UTF8):
        data = draw(st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])) + data
    return data, f"{n_rows} rows × {n_cols}, {delimiter!r}, {encoding}"


def loads_or_says_why(path) -> Dataset | None:
    """load_csv: a Dataset of finite numbers, or one CsvError of one line; quickly either way."""
    start = time.perf_counter()
    FUZZED["CSV: engine loader"] += 1
    try:
        ds = load_csv(path)
    except CsvError as exc:
        FUZZED["CSV: engine loader refused"] += 1
        assert one_line(str(exc)), repr(str(exc))
        ds = None
    assert time.perf_counter() - start < SLOW
    if ds is not None:
        n = len(ds.X)
        assert n >= 1 and ds.X.shape == (n, len(ds.input_names)) and ds.Y.shape == (n, len(ds.target_names))
        assert np.all(np.isfinite(ds.X)) and np.all(np.isfinite(ds.Y)), "a non-finite number was taken as data"
        assert all(one_line(note) for note in getattr(ds, "notes", ()))
    return ds


def trains_or_says_why(path, capsys, loaded: Dataset | None) -> None:
    """`train --data PATH --epochs 1`: JSON and status 0, or one `error:` line and status 2."""
    capsys.readouterr()
    start = time.perf_counter()
    FUZZED["CSV: command line"] += 1
    status = cli.main(["train", "--data", str(path), "--epochs", "1"])
    FUZZED["CSV: command line refused"] += status != 0
    out, err = capsys.readouterr()
    assert time.perf_counter() - start < SLOW
    lines = err.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), err  # never a traceback
    if status == 0:
        result = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
        assert len(result["epoch_loss"]) == 1 and math.isfinite(result["epoch_loss"][0])
        assert not any(line.startswith("error: ") for line in lines)
    else:
        assert status == 2 and out == ""
        assert sum(line.startswith("error: ") for line in lines) == 1, err
    if loaded is None:
        assert status == 2, "the command line trained on a file the loader refuses"


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_load_or_give_one_error(tmp_path, capsys, data):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    trains_or_says_why(path, capsys, loads_or_says_why(path))


@FUZZ
@given(table=csv_files())
def test_messy_tables_load_or_give_one_error(tmp_path, capsys, table):
    data, _what = table
    path = tmp_path / "messy.csv"
    path.write_bytes(data)
    trains_or_says_why(path, capsys, loads_or_says_why(path))


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom, newline, blank", [("", "\n", ""), ("\ufeff", "\r\n", "\r\n"), ("", "\r", "\r\r")])
def test_a_clean_table_loads_whatever_its_delimiter_bom_and_newlines(tmp_path, capsys, delimiter, bom, newline,
                                                                       blank):
    """Not only refusals: the same small table written the ways spreadsheets write it loads the same."""
    rows = [["x1", "x2", "y"], ["1", "2", "3"], ["4.5", "-6", "7e-3"]]
    text = bom + newline.join(delimiter.join(r) for r in rows) + newline + blank  # blank lines at the end
    path = tmp_path / "clean.csv"
    path.write_text(text, encoding="utf-8", newline="")
    ds = loads_or_says_why(path)
    assert ds is not None and ds.input_names == ("x1", "x2") and ds.target_names == ("y",)
    assert ds.X.tolist() == [[1.0, 2.0], [4.5, -6.0]] and ds.Y.tolist() == [[3.0], [0.007]]
    trains_or_says_why(path, capsys, ds)


# ---- the window's Open --------------------------------------------------------------------------------------------
def what_the_window_holds(window) -> str:
    """Everything a refused Open must leave as it was: the set-up (a new one is a new object), the
    run and its history, the undo stack, the tables known, and every number the canvas shows."""
    state, timeline = window.state, window.trainer.timeline
    return repr((id(state.setup), id(timeline), timeline.steps, state.row, window.controller.undo_stack.count(),
                 sorted(state.csv_tables), window.canvas.shown_values()))


@st.composite
def clean_tables(draw) -> tuple[bytes, str]:
    """A table that should load (inputs, then a 0/1 or a numeric target), so Open is tried on what
    it takes as well as on what it refuses: a taken table replaces the run, a refused one must not."""
    n_in, n_rows = draw(st.integers(1, 4)), draw(st.integers(2, 15))
    delimiter, newline = draw(st.sampled_from([",", ";", "\t"])), draw(st.sampled_from(["\n", "\r\n"]))
    target = st.sampled_from(["0", "1"]) if draw(st.booleans()) else st.floats(-1e3, 1e3).map(repr)
    lines = [delimiter.join([*(f"x{i}" for i in range(n_in)), "y"])]
    for _ in range(n_rows):
        lines.append(delimiter.join([*(repr(draw(st.floats(-1e3, 1e3))) for _ in range(n_in)), draw(target)]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + newline.join(lines) + newline).encode(), f"{n_rows} rows × {n_in + 1}, clean"


@settings(FUZZ, max_examples=WINDOW_EXAMPLES)
@given(table=clean_tables() | csv_files() | st.binary(max_size=300).map(lambda b: (b, "random bytes")),
       menu=st.booleans())
def test_the_windows_open_takes_a_table_or_says_why_once_and_changes_nothing(window, dialogs, monkeypatch,
                                                                            tmp_path, table, menu):
    """By a path (a script, the command line) it loads at once; from the menu the file dialog and
    the column chooser come first (conftest's `dialogs` answers OK when the chooser could load the
    table, else reads its message and cancels)."""
    from PySide6.QtWidgets import QFileDialog

    data, _what = table
    path = tmp_path / "opened.csv"
    path.write_bytes(data)
    before = what_the_window_holds(window)
    dialogs.clear()
    FUZZED["CSV: window Open"] += 1
    start = time.perf_counter()
    with monkeypatch.context() as m:
        m.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(path), "")))
        opened = window.open_csv() if menu else window.open_csv(str(path))
    assert time.perf_counter() - start < SLOW
    if opened:
        setup = window.state.setup
        assert setup.dataset_key == f"csv:{path}" and what_the_window_holds(window) != before
        assert np.all(np.isfinite(setup.dataset.X)) and np.all(np.isfinite(setup.dataset.Y))
    else:
        FUZZED["CSV: window Open refused"] += 1
        assert len(dialogs) == 1 and one_line(dialogs[0]), dialogs
        assert what_the_window_holds(window) == before
