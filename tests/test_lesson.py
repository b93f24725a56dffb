"""The guided lesson: the file format and its checks (engine.lesson, no Qt), steps as states
(`Lesson.setup_at`), the shipped lesson's story, and the panel that walks it (pytest-qt)."""
import copy
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

import engine.lesson
from engine.data import load_builtin
from engine.init import initialise
from engine.lesson import (
    BASE_SETUP,
    DEFAULT_LESSON,
    ONE_SHOT_KEYS,
    SETUP_KEYS,
    STATE_KEYS,
    TABS,
    LessonError,
    load_lesson,
    parse_lesson,
)
from engine.network import Network
from engine.race import race
from engine.spec import preset
from gui.panels.lesson import LessonPanel
from gui.state import AppState

# Showing a top-level widget on the offscreen platform logs this harmless notice.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


def step(step_id, **setup):
    return {"id": step_id, "title": step_id.title(), "text": f"<p>{step_id}</p>", "setup": setup}


def lesson_of(*steps):
    return parse_lesson({"format": "backprop-studio-lesson", "version": 1, "title": "T", "steps": list(steps)})


def write(tmp_path, data, name="lesson.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# ---- steps are states -------------------------------------------------------------------------
def test_step_0_starts_from_the_apps_defaults():
    lesson = lesson_of(step("a", tab="loss"))
    assert lesson.setup_at(0) == {**BASE_SETUP, "tab": "loss"}
    assert BASE_SETUP["task"] == "regression" and BASE_SETUP["dataset"] == "students-regression"
    assert (BASE_SETUP["init"], BASE_SETUP["standardize"], BASE_SETUP["order"]) == ("random", True, "shuffle")
    assert (BASE_SETUP["seed"], BASE_SETUP["eta"]) == (0, 0.1)


def test_state_keys_carry_forward_and_one_shot_keys_do_not():
    lesson = lesson_of(
        step("a", init="tutorial", eta=0.01, reset=True, phase="forward", select="W111", highlight=["x"]),
        step("b", task="classification", dataset="students-classification", eta=1.0, train_epochs=5, tab="boundary"),
        step("c", epochs=7, race_etas=[0.5], landscape=["W111", "b11"]),
    )
    c = lesson.setup_at(2)
    assert (c["task"], c["dataset"], c["init"], c["eta"], c["epochs"]) == (
        "classification", "students-classification", "tutorial", 1.0, 7)
    assert c["race_etas"] == [0.5] and c["landscape"] == ["W111", "b11"]
    assert not set(c) & set(ONE_SHOT_KEYS)  # step c has none of its own
    b = lesson.setup_at(1)
    assert b["train_epochs"] == 5 and b["tab"] == "boundary" and "phase" not in b and "reset" not in b


def test_going_back_restores_the_task_and_table_of_the_earlier_step():
    lesson = lesson_of(
        step("regress", eta=0.05),
        step("classify", task="classification", dataset="students-classification", standardize=False, seed=3),
        step("again", tab="loss"),
    )
    forward = [lesson.setup_at(k) for k in range(3)]
    back = lesson.setup_at(0)
    assert back == forward[0]
    assert (back["task"], back["dataset"], back["standardize"], back["seed"]) == (
        "regression", "students-regression", True, 0)
    assert forward[2]["task"] == "classification" and forward[2]["standardize"] is False


def test_setup_at_gives_a_fresh_copy_and_checks_its_index():
    lesson = lesson_of(step("a", race_etas=[0.1, 1]))
    lesson.setup_at(0)["race_etas"].append(9)
    assert lesson.setup_at(0)["race_etas"] == [0.1, 1]
    assert lesson.steps[0].setup == {"race_etas": [0.1, 1]}
    assert BASE_SETUP["race_etas"] == [0.01, 0.1, 1.0]
    for bad in (-1, 1):
        with pytest.raises(IndexError, match="steps 0 to 0"):
            lesson.setup_at(bad)


# ---- every key the format accepts ------------------------------------------------------------------
GOOD = {
    "task": "classification", "dataset": "students-large", "standardize": False, "init": "const:0.5,-1",
    "seed": 7, "order": "random", "eta": 0.25, "epochs": 3, "race_etas": [0.01, 0.1, 1, 3],
    "landscape": ["W121", "b12"], "reset": True, "train_rows": 4, "train_epochs": 2, "phase": "update",
    "select": "b21", "tab": "loss", "highlight": ["lossPlot"],
}
BAD = {
    "task": "clustering", "dataset": "no-such-table", "standardize": "yes", "init": "const:1",
    "seed": -1, "order": "backwards", "eta": 0, "epochs": 0, "race_etas": [0.1, 0.1, 0.1, 0.1, 0.1],
    "landscape": ["W111", "W111"], "reset": 1, "train_rows": 1.5, "train_epochs": True, "phase": "sideways",
    "select": "Q11", "tab": "settings", "highlight": "lossPlot",
}


def test_every_key_is_a_state_key_or_a_one_shot_key_and_documented():
    assert set(GOOD) == set(BAD) == set(SETUP_KEYS) == set(STATE_KEYS) | set(ONE_SHOT_KEYS)
    assert not set(STATE_KEYS) & set(ONE_SHOT_KEYS)
    doc = engine.lesson.__doc__
    for key in SETUP_KEYS:
        assert f"\n    {key} " in doc
    assert TABS == ("network", "parameters", "derivation", "homework", "gradcheck", "race", "landscape", "boundary",
                    "loss", "lesson")
    for tab in TABS:
        assert f"\n                    {tab} " in doc


@pytest.mark.parametrize("key", sorted(SETUP_KEYS))
def test_each_key_accepts_a_right_value(key):
    setup = {key: GOOD[key]}
    if key == "task":
        setup["dataset"] = "students-classification"
    lesson = lesson_of(step("only", **setup))
    assert lesson.steps[0].setup == setup
    assert lesson.setup_at(0)[key] == GOOD[key]


@pytest.mark.parametrize("key", sorted(SETUP_KEYS))
def test_each_key_rejects_a_wrong_value_naming_the_key(key):
    with pytest.raises(LessonError) as info:
        lesson_of(step("ok"), step("broken", **{key: BAD[key]}))
    message = str(info.value)
    assert message.startswith("step 2 ('broken'): setup ")
    assert f"{key!r} must be" in message and json.dumps(BAD[key]) in message


def test_an_unknown_key_is_named_with_the_known_ones():
    with pytest.raises(LessonError, match=r"step 1 \('a'\): unknown setup key 'colour' \(known keys: task, "):
        lesson_of(step("a", colour="red"))


def test_a_table_must_suit_the_task_even_when_carried_over():
    with pytest.raises(LessonError, match=r"step 2 \('b'\): the table 'students-regression' \(carried over from an "
                                          r"earlier step\) is a regression table, but the task is 'classification'"):
        lesson_of(step("a"), step("b", task="classification"))
    with pytest.raises(LessonError, match="is a classification table, but the task is 'regression'"):
        lesson_of(step("a", dataset="students-large-classification"))


def test_parameters_named_must_exist_in_the_network():
    with pytest.raises(LessonError, match="setup 'select' names 'W311', which the regression network does not have"):
        lesson_of(step("a", select="W311"))
    with pytest.raises(LessonError, match="setup 'landscape' names 'b31'"):
        lesson_of(step("a", landscape=["W211", "b31"]))


def test_a_step_trains_rows_or_epochs_not_both():
    with pytest.raises(LessonError, match="use train_rows or train_epochs, not both"):
        lesson_of(step("a", train_rows=2, train_epochs=1))


@pytest.mark.parametrize("content, reason", [
    ("{not json", "line 1, column 2: not valid JSON"),
    ("[]", "one JSON object"),
    ('{"steps": []}', "non-empty list"),
    ('{"steps": [{"id": "a", "title": "A"}]}', "step 1 ('a'): missing 'text'"),
    ('{"steps": [{"id": "a", "title": "A", "text": "t", "setup": []}]}', '"setup" must be an object'),
    ('{"steps": [{"id": "a", "title": "A", "text": "t"}, {"id": "a", "title": "B", "text": "u"}]}', "used twice"),
    ('{"format": "something-else", "steps": []}', "not a lesson file"),
    ('{"version": 2, "steps": []}', "version 2 is not supported"),
])
def test_a_bad_file_gives_one_clear_message(tmp_path, content, reason):
    with pytest.raises(LessonError) as info:
        load_lesson(write(tmp_path, content))
    message = str(info.value)
    assert reason in message and "\n" not in message and "Traceback" not in message
    with pytest.raises(LessonError, match="the file does not exist"):
        load_lesson(tmp_path / "missing.json")
    with pytest.raises(LessonError, match="a folder, not a lesson file"):
        load_lesson(tmp_path)


# ---- the shipped lesson ----------------------------------------------------------------------------------
def test_the_lesson_tells_the_story_in_order():
    lesson = load_lesson(DEFAULT_LESSON)
    assert [s.id for s in lesson.steps] == ["init", "row", "forward", "loss", "gradients", "epochs",
                                            "learning-rate", "landscape", "classification", "convergence"]
    setups = [lesson.setup_at(k) for k in range(len(lesson))]
    assert setups[0]["init"] == "tutorial" and setups[0]["reset"] is True
    for k in range(8):  # everything before the classification step is regression, on the regression table
        assert (setups[k]["task"], setups[k]["dataset"]) == ("regression", "students-regression"), k
    for k in (1, 2, 3, 4):  # the step-through steps start from the same fresh run
        assert setups[k]["reset"] is True and setups[k]["order"] == "sequential"
    assert [setups[k]["phase"] for k in (1, 2, 3, 4)] == ["row", "forward", "loss", "backward"]
    assert setups[5]["tab"] == "loss" and setups[5]["order"] == "shuffle"
    assert setups[7]["tab"] == "landscape" and setups[7]["landscape"] == ["W211", "b21"]
    assert setups[8]["task"] == setups[9]["task"] == "classification"
    assert setups[9]["train_epochs"] == 200 and setups[9]["tab"] == "loss"
    for s in lesson.steps:
        assert "<p>" in s.text
    assert "regression" in lesson.steps[0].text and "classifier" in lesson.steps[9].text


def test_the_learning_rate_steps_race_shows_eta_1_diverging():
    lesson = load_lesson(DEFAULT_LESSON)
    k = [s.id for s in lesson.steps].index("learning-rate")
    setup = lesson.setup_at(k)
    assert setup["tab"] == "race" and setup["race_etas"] == [0.01, 0.1, 1]
    assert "η = 1 diverges" in lesson.steps[k].text
    ds = load_builtin(setup["dataset"])
    X = ds.standardizer().transform(ds.X) if setup["standardize"] else ds.X
    net = initialise(Network(preset(setup["task"])), setup["init"], setup["seed"])
    lanes = race(net.spec, net.theta, X, ds.Y, setup["race_etas"], order=setup["order"], seed=setup["seed"])
    assert [lane.verdict for lane in lanes] == ["still converging", "converged", "diverged"]


# ---- the panel ----------------------------------------------------------------------------------------------
def panel_for(qtbot, state=None, **kwargs):
    panel = LessonPanel(AppState() if state is None else state, **kwargs)
    qtbot.addWidget(panel)
    panel.resize(460, 700)
    panel.show()
    return panel


def button(panel, name):
    return panel.findChild(QPushButton, name)


def test_the_panel_starts_walks_and_leaves_through_the_state(qtbot):
    state = AppState()
    panel = panel_for(qtbot, state)
    lesson = panel.lesson
    n = len(lesson)
    assert panel.objectName() == "lessonPanel" and state.lesson_step is None and panel.current_index == -1
    start, leave = button(panel, "lessonStartButton"), button(panel, "lessonLeaveButton")
    back, nxt = button(panel, "lessonBackButton"), button(panel, "lessonNextButton")
    keeps = panel.findChild(QLabel, "lessonKeepsWork")
    assert start.isVisible() and keeps.isVisible() and "keeps your own work" in keeps.text()
    assert not (leave.isVisible() or back.isVisible() or nxt.isVisible())

    seen = []
    panel.stepChanged.connect(seen.append)
    qtbot.mouseClick(start, Qt.LeftButton)
    assert state.lesson_step == 0 and seen == [lesson.setup_at(0)]
    assert not start.isVisible() and not keeps.isVisible() and leave.isVisible() and nxt.isEnabled()
    assert not back.isEnabled() and panel.title.text() == lesson.steps[0].title

    for i in range(1, n):
        qtbot.mouseClick(nxt, Qt.LeftButton)
        assert state.lesson_step == i and panel.title.text() == lesson.steps[i].title
        assert f"page {i + 1} of {n}" in panel.counter.text()
    assert not nxt.isEnabled()
    for i in range(n - 2, -1, -1):
        qtbot.mouseClick(back, Qt.LeftButton)
        assert state.lesson_step == i
    assert seen == [lesson.setup_at(i) for i in [*range(n), *range(n - 2, -1, -1)]]
    assert seen[-1]["task"] == "regression"  # back from the classification steps

    with qtbot.waitSignal(panel.leaveRequested, timeout=1000):
        qtbot.mouseClick(leave, Qt.LeftButton)
    assert state.lesson_step is None and panel.current_index == -1 and len(seen) == 2 * n - 1
    assert start.isVisible() and not nxt.isVisible()


def test_the_panel_follows_a_step_set_elsewhere(qtbot):
    state = AppState()
    panel = panel_for(qtbot, state)
    with qtbot.waitSignal(panel.stepChanged, timeout=1000) as blocker:
        state.lesson_step = 8
    assert blocker.args == [panel.lesson.setup_at(8)]
    assert panel.title.text() == panel.lesson.steps[8].title and button(panel, "lessonBackButton").isEnabled()
    with pytest.raises(IndexError):
        panel.go_to(len(panel.lesson))


def test_a_panel_built_mid_lesson_shows_the_step_without_setting_it_up_again(qtbot):
    state = AppState()
    state.lesson_step = 3
    panel = LessonPanel(state)
    qtbot.addWidget(panel)
    assert panel.current_index == 3 and panel.title.text() == panel.lesson.steps[3].title


def test_a_bad_file_is_shown_and_keeps_the_lesson_already_loaded(qtbot, tmp_path):
    state = AppState()
    broken = write(tmp_path, {"steps": [step("a", eta=-1)]}, "broken.json")
    panel = panel_for(qtbot, state, path=broken)
    assert panel.lesson is None and "broken.json" in panel.error and "'eta' must be a number > 0" in panel.error
    assert panel.findChild(QLabel, "lessonError").isVisible()
    assert not button(panel, "lessonStartButton").isEnabled()

    assert panel.load(DEFAULT_LESSON)
    assert not panel.findChild(QLabel, "lessonError").isVisible()
    panel.go_to(2)
    with qtbot.waitSignal(panel.loadFailed, timeout=1000) as blocker:
        assert panel.load(tmp_path / "missing.json") is False
    assert "does not exist" in blocker.args[0] and panel.error_label.text() == blocker.args[0]
    assert state.lesson_step == 2 and panel.current_index == 2 and button(panel, "lessonNextButton").isEnabled()


def test_loading_a_new_lesson_during_the_lesson_restarts_it(qtbot, tmp_path):
    state = AppState()
    panel = panel_for(qtbot, state)
    tiny = write(tmp_path, {"title": "Tiny", "steps": [step("x", tab="race"), step("y", tab="loss")]})
    for current in (0, 4):
        panel.load(DEFAULT_LESSON)
        panel.go_to(current)
        with qtbot.waitSignal(panel.stepChanged, timeout=1000) as blocker:
            assert panel.load(tiny)
        assert state.lesson_step == 0 and blocker.args == [{**copy.deepcopy(BASE_SETUP), "tab": "race"}]
        assert "Tiny · page 1 of 2" in panel.counter.text()
