"""Session files: round trip, atomic save, and a clear message for every bad file."""
import json

import pytest

from engine import session as sess
from engine.spec import preset


def regression_session(**over):
    spec = preset("regression")
    params = {name: 0.5 for name in spec.param_names}
    base = dict(sizes=spec.sizes, activations=spec.activations, loss=spec.loss, params=params,
                data="builtin:students-regression", eta=0.1, seed=3)
    base.update(over)
    return sess.Session(**base)


def test_round_trip(tmp_path):
    original = regression_session(extra={"selected": "W111"})
    path = tmp_path / "s.json"
    sess.save(original, path)
    assert sess.load(path) == original


def test_save_leaves_no_temporary_file(tmp_path):
    sess.save(regression_session(), tmp_path / "s.json")
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "s.json"
    sess.save(regression_session(), path)
    before = path.read_text()
    with pytest.raises(ValueError):  # NaN cannot be written as JSON
        sess.save(regression_session(eta=float("nan")), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "not a readable session"),
        (b"\x00\xff\xfe junk", "not a readable session"),
        (b'{"format": "something-else"}', "not a Backprop Studio session"),
        (b"[1, 2, 3]", "not a Backprop Studio session"),
        (b'{"format": "backprop-studio-session", "version": 99}', "version 99"),
    ],
)
def test_corrupt_files_give_one_clear_message(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(sess.SessionError, match=words):
        sess.load(path)


def _doc(**over):
    s = regression_session()
    doc = {"format": sess.FORMAT, "version": sess.VERSION, "sizes": list(s.sizes),
           "activations": list(s.activations), "loss": s.loss, "params": dict(s.params), "data": s.data}
    doc.update(over)
    return doc


@pytest.mark.parametrize(
    "over, words",
    [
        ({"params": {"W111": 1.0}}, "parameters do not match"),
        ({"sizes": [2, 9, 1]}, "hidden layers have 1–8 neurons"),
        ({"eta": -1}, "learning rate"),
        ({"order": "backwards"}, "row order"),
        ({"params": "nope"}, "wrong type"),
    ],
)
def test_bad_fields_are_named(tmp_path, over, words):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_doc(**over)))
    with pytest.raises(sess.SessionError, match=words):
        sess.load(path)


def test_missing_field_is_named(tmp_path):
    doc = _doc()
    del doc["loss"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(sess.SessionError, match="'loss'"):
        sess.load(path)


def test_infinite_parameter_is_rejected(tmp_path):
    doc = _doc()
    text = json.dumps(doc).replace('"W111": 0.5', '"W111": Infinity')
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(sess.SessionError, match="W111 is not a finite number"):
        sess.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(sess.SessionError, match="does not exist"):
        sess.load(tmp_path / "nope.json")
