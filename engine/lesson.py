"""The guided lesson as data: read, check and walk resources/lesson/lesson.json. No Qt.

A lesson is a list of steps. Each step has an id, a title, an explanation (HTML)
and a `setup`: what the app should look like while the step is shown. The GUI's
lesson panel shows a step; the window's lesson driver carries out its setup.

Lesson file:
    {"format": "backprop-studio-lesson", "version": 1, "title": "...",
     "steps": [{"id": "init", "title": "...", "text": "<p>...</p>", "setup": {...}}, ...]}

Steps are STATES, not scripts. `Lesson.setup_at(k)` is the whole setup step k
describes: BASE_SETUP (the app's defaults), then every state key set by steps
0..k (a later step overrides an earlier one), then step k's own one-shot keys.
So showing step k after step k+3 (Back) gives exactly what step k showed the
first time: the same task, table, initialisation, η and views.

State keys (carried forward until a later step changes them):
    task          "regression" | "classification"    the task, with its preset network
    dataset       a built-in table: students-regression, students-classification,
                  students-large, students-large-classification (it must suit the task)
    standardize   bool                                standardise the inputs (else raw)
    init          "tutorial" | "random" | "const:W,B" how the parameters start
    seed          int ≥ 0                             seed of the random start and row order
    order         "shuffle" | "sequential" | "random" the order rows are visited in
    eta           number > 0                          the learning rate η
    epochs        int ≥ 1                             epochs Play runs
    race_etas     list of 1–4 numbers > 0             the learning-rate race's lanes
    landscape     [x parameter, y parameter]          the loss landscape's two axes

One-shot keys (done once when the step is shown, never carried forward):
    reset         bool      back to the initial parameters, the run's history cleared
    train_rows    int ≥ 1   after the setup, train this many rows at once
    train_epochs  int ≥ 1   after the setup, train this many whole epochs at once
                            (a step uses train_rows or train_epochs, not both)
    phase         the step-through phase to show for the next row: "row" (the row is
                  picked), "forward" (the forward pass), "loss", "backward" (the
                  gradients), "update" (the parameters change); a step without a
                  phase shows no step-through
    select        a parameter name such as "W111": selected in every view
    tab           the view to bring to the front, one of
                    network     the network canvas with the step-through strip
                    parameters  the parameter inspector
                    derivation  "Why this number?": the chosen parameter's chain rule
                    homework    "Check my homework": type a gradient, see which factor is off
                    gradcheck   the gradient check against finite differences
                    race        the learning-rate race
                    landscape   the loss landscape over two parameters
                    boundary    the decision boundary (classification)
                    loss        the loss plot (every row and each epoch's mean)
                    lesson      the lesson itself
    highlight     list of objectNames             widgets framed until the next step

Anything else (an unknown key, a value of the wrong kind, a table that does not suit
the task, a parameter the network does not have) is a LessonError whose message names
the step and the key: one sentence, never a traceback.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from engine.data import BUILTINS
from engine.race import DEFAULT_ETAS, MAX_LANES
from engine.resources import LESSON_FILE
from engine.settings import MAX_EPOCHS, TASKS
from engine.settings import PHASES as STEP_PHASES
from engine.spec import PRESETS
from engine.training import ORDERS

FORMAT = "backprop-studio-lesson"
VERSION = 1
MAX_BYTES = 1_000_000
DEFAULT_LESSON = LESSON_FILE

PHASES = ("row", *STEP_PHASES[1:])  # the lesson file calls the first phase "row"
TABS = ("network", "parameters", "derivation", "homework", "gradcheck", "race", "landscape", "boundary", "loss",
        "lesson")
MAX_TRAIN_ROWS = 100_000
MAX_TRAIN_EPOCHS = 10_000

# What a built-in table is for: its target is a yes/no column (classification) or a number.
DATASET_TASK = {name: "classification" if name.endswith("-classification") else "regression" for name in BUILTINS}

# The app's defaults: what step 0 starts from, so every step's setup is complete.
BASE_SETUP: dict = {
    "task": "regression",
    "dataset": "students-regression",
    "standardize": True,
    "init": "random",
    "seed": 0,
    "order": "shuffle",
    "eta": 0.1,
    "epochs": 100,
    "race_etas": list(DEFAULT_ETAS),
    "landscape": ["W211", "b21"],
}
STATE_KEYS = ("task", "dataset", "standardize", "init", "seed", "order", "eta", "epochs", "race_etas", "landscape")
ONE_SHOT_KEYS = ("reset", "train_rows", "train_epochs", "phase", "select", "tab", "highlight")


class LessonError(ValueError):
    """A lesson file could not be used; the message says what and where."""


# ---- checking a value -----------------------------------------------------------------------
def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _int_in(low: int, high: int):
    return lambda v: _is_int(v) and low <= v <= high


def _is_param(v) -> bool:
    return isinstance(v, str) and len(v) in (3, 4) and v[0] in "Wb" and v[1:].isdigit()


def _is_init(v) -> bool:
    if not isinstance(v, str):
        return False
    if v in ("tutorial", "random"):
        return True
    if not v.startswith("const:"):
        return False
    parts = v[len("const:"):].split(",")
    try:
        return len(parts) == 2 and all(math.isfinite(float(p)) for p in parts)
    except ValueError:
        return False


def _is_landscape(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(map(_is_param, v)) and v[0] != v[1]


def _is_etas(v) -> bool:
    return isinstance(v, list) and 1 <= len(v) <= MAX_LANES and all(_is_number(e) and e > 0 for e in v)


def _is_names(v) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) and s for s in v)


def _one_of(values) -> str:
    return "one of " + ", ".join(f'"{v}"' for v in values)


# key: (check, what a right value looks like)
SETUP_KEYS: dict[str, tuple] = {
    "task": (lambda v: v in TASKS, _one_of(TASKS)),
    "dataset": (lambda v: v in BUILTINS, "a built-in table, " + _one_of(BUILTINS)),
    "standardize": (lambda v: isinstance(v, bool), "true or false"),
    "init": (_is_init, '"tutorial", "random" or "const:W,B" (two numbers, e.g. "const:0.5,0")'),
    "seed": (lambda v: _is_int(v) and v >= 0, "a whole number ≥ 0"),
    "order": (lambda v: v in ORDERS, _one_of(ORDERS)),
    "eta": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "epochs": (_int_in(1, MAX_EPOCHS), f"a whole number from 1 to {MAX_EPOCHS}"),
    "race_etas": (_is_etas, f"a list of 1 to {MAX_LANES} numbers > 0"),
    "landscape": (_is_landscape, 'a list of two different parameter names, e.g. ["W211", "b21"]'),
    "reset": (lambda v: isinstance(v, bool), "true or false"),
    "train_rows": (_int_in(1, MAX_TRAIN_ROWS), f"a whole number from 1 to {MAX_TRAIN_ROWS}"),
    "train_epochs": (_int_in(1, MAX_TRAIN_EPOCHS), f"a whole number from 1 to {MAX_TRAIN_EPOCHS}"),
    "phase": (lambda v: v in PHASES, _one_of(PHASES)),
    "select": (_is_param, 'a parameter name such as "W111" or "b21"'),
    "tab": (lambda v: v in TABS, _one_of(TABS)),
    "highlight": (_is_names, "a list of widget names (objectNames)"),
}
assert set(SETUP_KEYS) == set(STATE_KEYS) | set(ONE_SHOT_KEYS) and set(BASE_SETUP) == set(STATE_KEYS)


# ---- the lesson -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LessonStep:
    id: str
    title: str
    text: str  # HTML
    setup: dict = field(default_factory=dict)  # only the keys this step writes


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[LessonStep, ...]

    def __len__(self) -> int:
        return len(self.steps)

    def setup_at(self, index: int) -> dict:
        """The whole setup step `index` shows: BASE_SETUP, then the state keys of steps 0..index,
        then this step's one-shot keys. A fresh dict (lists copied) each call."""
        if not 0 <= index < len(self.steps):
            raise IndexError(f"the lesson has steps 0 to {len(self.steps) - 1}, not {index}")
        setup = copy.deepcopy(BASE_SETUP)
        for step in self.steps[:index]:
            setup.update({k: copy.deepcopy(v) for k, v in step.setup.items() if k in STATE_KEYS})
        setup.update(copy.deepcopy(self.steps[index].setup))
        return setup


def _check_setup(setup, where: str) -> dict:
    if not isinstance(setup, dict):
        raise LessonError(f'{where}: "setup" must be an object {{...}}, not {type(setup).__name__}')
    for key, value in setup.items():
        if key not in SETUP_KEYS:
            raise LessonError(f"{where}: unknown setup key {key!r} (known keys: {', '.join(SETUP_KEYS)})")
        check, expected = SETUP_KEYS[key]
        if not check(value):
            raise LessonError(f"{where}: setup {key!r} must be {expected}, got {json.dumps(value)}")
    if "train_rows" in setup and "train_epochs" in setup:
        raise LessonError(f"{where}: use train_rows or train_epochs, not both")
    return dict(setup)


def _check_whole(lesson: Lesson, wheres: list[str]) -> None:
    """Each step's whole setup must make sense together: the table suits the task, and the
    parameters named exist in that task's network."""
    for k, where in enumerate(wheres):
        setup = lesson.setup_at(k)
        task, dataset = setup["task"], setup["dataset"]
        if DATASET_TASK[dataset] != task:
            carried = "" if "dataset" in lesson.steps[k].setup else " (carried over from an earlier step)"
            raise LessonError(f"{where}: the table {dataset!r}{carried} is a {DATASET_TASK[dataset]} table, "
                              f"but the task is {task!r}; set \"dataset\" to a {task} table")
        names = PRESETS[task].param_names
        for key in ("select", "landscape"):
            wanted = setup.get(key)
            for name in [wanted] if isinstance(wanted, str) else wanted or ():
                if name not in names:
                    raise LessonError(f"{where}: setup {key!r} names {name!r}, which the {task} network does not "
                                      f"have (it has {', '.join(names)})")


def _text_field(obj: dict, key: str, where: str) -> str:
    if key not in obj:
        raise LessonError(f"{where}: missing {key!r}")
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: {key!r} must be non-empty text")
    return value


def parse_lesson(data) -> Lesson:
    """A Lesson from the decoded JSON; LessonError naming the step and field otherwise."""
    if not isinstance(data, dict):
        raise LessonError('the file must hold one JSON object {...} with "steps"')
    if data.get("format", FORMAT) != FORMAT:
        raise LessonError(f"this is not a lesson file (format {data.get('format')!r}, expected {FORMAT!r})")
    version = data.get("version", VERSION)
    if version != VERSION:
        raise LessonError(f"lesson version {version!r} is not supported (this app reads version {VERSION})")
    title = data.get("title", "Lesson")
    if not isinstance(title, str):
        raise LessonError('"title" must be text')
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError('"steps" must be a non-empty list of steps')
    seen: set[str] = set()
    out, wheres = [], []
    for k, step in enumerate(steps, start=1):
        where = f"step {k}"
        if not isinstance(step, dict):
            raise LessonError(f"{where}: each step must be an object {{...}}")
        step_id = _text_field(step, "id", where)
        where = f"step {k} ({step_id!r})"
        if step_id in seen:
            raise LessonError(f"{where}: the id is used twice; ids must be unique")
        seen.add(step_id)
        out.append(LessonStep(
            id=step_id,
            title=_text_field(step, "title", where),
            text=_text_field(step, "text", where),
            setup=_check_setup(step.get("setup", {}), where),
        ))
        wheres.append(where)
    lesson = Lesson(title=title, steps=tuple(out))
    _check_whole(lesson, wheres)
    return lesson


def load_lesson(path: str | Path = DEFAULT_LESSON) -> Lesson:
    """Read and check a lesson file; LessonError (one clear sentence) if it cannot be used."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise LessonError(f"the file is larger than {MAX_BYTES // 1_000_000} MB; a lesson is a small text file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LessonError("the file does not exist") from None
    except IsADirectoryError:
        raise LessonError("that is a folder, not a lesson file") from None
    except OSError as e:
        raise LessonError(f"the file cannot be read ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LessonError("the file is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LessonError(f"line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})") from None
    return parse_lesson(data)
