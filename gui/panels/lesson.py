"""The guided lesson: a panel that walks the tutorial's storyline one step at a time.

The lesson is data (resources/lesson/lesson.json), not code: each step has an
id, a title, an explanation (HTML) and a `setup` dict of declarative actions
the main window carries out when the step is shown. This module reads and
checks the file (a bad file gives one clear sentence, never a traceback),
shows a step, and emits the step's setup; it never touches the rest of the app.

Lesson file:
    {"format": "backprop-studio-lesson", "version": 1, "title": "...",
     "steps": [{"id": "init", "title": "...", "text": "<p>...</p>", "setup": {...}}, ...]}

Setup keys (all optional), in the order the window should apply them:
    task          "regression" | "classification"    switch task (its preset network)
    dataset       built-in table name, e.g. "students-regression"
    standardize   bool                                standardise the inputs
    init          "tutorial" | "random" | "const:W,B" initialisation scheme
    seed          int ≥ 0                             seed for init and row order
    eta           number > 0                          learning rate
    epochs        int ≥ 1                             epochs Play runs
    order         "shuffle" | "sequential" | "random" row order
    reset         bool                                back to the initial parameters, history cleared
    train_rows    int ≥ 1                             train this many rows at once (after reset)
    train_epochs  int ≥ 1                             train this many epochs at once (after reset)
    phase         "row" | "forward" | "loss" | "backward" | "update"   step-through phase to show
    select        parameter name, e.g. "W111"         select it everywhere
    tab           "derivation" | "loss" | "race" | "landscape" | "boundary" | "gradcheck"
    landscape     [x parameter, y parameter]          the landscape's two axes
    race_etas     list of 1–4 numbers > 0             the race's learning rates
    highlight     list of objectNames                 widgets to draw the eye to
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from engine.resources import LESSON_FILE
from gui import colors
from gui.widgets.font_scale import FontScaled

FORMAT = "backprop-studio-lesson"
VERSION = 1
MAX_BYTES = 1_000_000
DEFAULT_LESSON = LESSON_FILE

TASKS = ("regression", "classification")
ORDERS = ("shuffle", "sequential", "random")
PHASES = ("row", "forward", "loss", "backward", "update")
TABS = ("derivation", "loss", "race", "landscape", "boundary", "gradcheck")


class LessonError(ValueError):
    """A lesson file could not be used; the message says what and where."""


@dataclass(frozen=True)
class LessonStep:
    id: str
    title: str
    text: str  # HTML
    setup: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[LessonStep, ...]


# ---- checking a setup ----------------------------------------------------------------------
def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _is_param(v) -> bool:
    return isinstance(v, str) and len(v) in (3, 4) and v[0] in "Wb" and v[1:].isdigit()


def _is_init(v) -> bool:
    return isinstance(v, str) and (v in ("tutorial", "random") or v.startswith("const:"))


# key: (check, what a right value looks like)
SETUP_KEYS: dict[str, tuple] = {
    "task": (lambda v: v in TASKS, f"one of {', '.join(TASKS)}"),
    "dataset": (lambda v: isinstance(v, str) and bool(v.strip()), "a table name such as \"students-regression\""),
    "standardize": (lambda v: isinstance(v, bool), "true or false"),
    "init": (_is_init, "\"tutorial\", \"random\" or \"const:W,B\""),
    "seed": (lambda v: _is_int(v) and v >= 0, "a whole number ≥ 0"),
    "eta": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "epochs": (lambda v: _is_int(v) and v >= 1, "a whole number ≥ 1"),
    "order": (lambda v: v in ORDERS, f"one of {', '.join(ORDERS)}"),
    "reset": (lambda v: isinstance(v, bool), "true or false"),
    "train_rows": (lambda v: _is_int(v) and v >= 1, "a whole number ≥ 1"),
    "train_epochs": (lambda v: _is_int(v) and v >= 1, "a whole number ≥ 1"),
    "phase": (lambda v: v in PHASES, f"one of {', '.join(PHASES)}"),
    "select": (_is_param, "a parameter name such as \"W111\" or \"b21\""),
    "tab": (lambda v: v in TABS, f"one of {', '.join(TABS)}"),
    "landscape": (lambda v: isinstance(v, list) and len(v) == 2 and all(map(_is_param, v)) and v[0] != v[1],
                  "a list of two different parameter names, e.g. [\"W211\", \"b21\"]"),
    "race_etas": (lambda v: isinstance(v, list) and 1 <= len(v) <= 4 and all(_is_number(e) and e > 0 for e in v),
                  "a list of 1 to 4 numbers > 0"),
    "highlight": (lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v),
                  "a list of widget names (objectNames)"),
}


def _check_setup(setup, where: str) -> dict:
    if not isinstance(setup, dict):
        raise LessonError(f"{where}: \"setup\" must be an object {{...}}, not {type(setup).__name__}")
    for key, value in setup.items():
        if key not in SETUP_KEYS:
            known = ", ".join(SETUP_KEYS)
            raise LessonError(f"{where}: unknown setup key {key!r} (known keys: {known})")
        check, expected = SETUP_KEYS[key]
        if not check(value):
            raise LessonError(f"{where}: setup {key!r} must be {expected}, got {json.dumps(value)}")
    return dict(setup)


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
        raise LessonError("the file must hold one JSON object {...} with \"steps\"")
    if data.get("format", FORMAT) != FORMAT:
        raise LessonError(f"this is not a lesson file (format {data.get('format')!r}, expected {FORMAT!r})")
    version = data.get("version", VERSION)
    if version != VERSION:
        raise LessonError(f"lesson version {version!r} is not supported (this app reads version {VERSION})")
    title = data.get("title", "Lesson")
    if not isinstance(title, str):
        raise LessonError("\"title\" must be text")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError("\"steps\" must be a non-empty list of steps")
    seen: set[str] = set()
    out = []
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
    return Lesson(title=title, steps=tuple(out))


def load_lesson(path: str | Path) -> Lesson:
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


# ---- the panel -------------------------------------------------------------------------------
class LessonPanel(FontScaled, QWidget):
    """objectName 'lessonPanel': the lesson's current step, with Back / Next.

    load(path=DEFAULT_LESSON, apply=False) -> bool
        Read and check a lesson file and show its first step. With apply=True the first step's
        setup is emitted too. On a bad file: returns False, shows the reason (label
        'lessonError'), emits loadFailed(message), and keeps any lesson already loaded.
    go_to(i) / next() / back()    show step i (emits stepChanged(setup) every time)
    current_index (int, −1 before a lesson is loaded), current_step, steps, lesson, error
    set_font_scale(factor)
    Signals: stepChanged(dict) the step's setup (a copy) for the window to carry out;
             loadFailed(str).
    Widgets: lessonTitle, lessonCounter, lessonText (rich text), lessonBackButton,
             lessonNextButton, lessonError.
    """

    stepChanged = Signal(dict)
    loadFailed = Signal(str)

    BASE_PIXELS = 17

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonPanel")
        self.setAccessibleName("Guided lesson")
        self.lesson: Lesson | None = None
        self.error: str | None = None
        self._index = -1

        self.counter = QLabel(self)
        self.counter.setObjectName("lessonCounter")
        self.counter.setStyleSheet(f"color: {colors.MUTED};")
        self.title = QLabel(self)
        self.title.setObjectName("lessonTitle")
        self.title.setWordWrap(True)
        self.text = QTextBrowser(self)
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(True)
        self.text.setFrameShape(QTextBrowser.NoFrame)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("lessonError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.RichText)
        self.error_label.setStyleSheet(
            f"background: {colors.WARN_FILL}; color: {colors.INK}; padding: 6px; border-radius: 4px;")
        self.error_label.hide()
        self.back_button = QPushButton("◀  Back", self)
        self.back_button.setObjectName("lessonBackButton")
        self.back_button.setToolTip("The previous step of the lesson")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton("Next  ▶", self)
        self.next_button.setObjectName("lessonNextButton")
        self.next_button.setToolTip("The next step of the lesson: sets the app up for it")
        self.next_button.clicked.connect(self.next)

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.counter)
        layout.addWidget(self.title)
        layout.addWidget(self.error_label)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self._apply_font()
        self._render()

    # ---- loading --------------------------------------------------------------------------------
    def load(self, path: str | Path = DEFAULT_LESSON, apply: bool = False) -> bool:
        path = Path(path)
        try:
            lesson = load_lesson(path)
        except LessonError as e:
            self.error = f"The lesson {path.name!r} could not be loaded: {e}."
            self.error_label.setText(self.error)
            self.error_label.show()
            if self.lesson is None:
                self._render()
            self.loadFailed.emit(self.error)
            return False
        self.error = None
        self.error_label.hide()
        self.lesson = lesson
        self._index = 0
        self._render()
        if apply:
            self.stepChanged.emit(dict(self.current_step.setup))
        return True

    # ---- navigation -----------------------------------------------------------------------------
    @property
    def steps(self) -> tuple[LessonStep, ...]:
        return self.lesson.steps if self.lesson else ()

    @property
    def current_index(self) -> int:
        return self._index

    @property
    def current_step(self) -> LessonStep | None:
        return self.steps[self._index] if 0 <= self._index < len(self.steps) else None

    def go_to(self, index: int) -> None:
        if not self.steps:
            return
        if not 0 <= index < len(self.steps):
            raise IndexError(f"the lesson has steps 0 to {len(self.steps) - 1}, not {index}")
        self._index = index
        self._render()
        self.stepChanged.emit(dict(self.current_step.setup))

    def next(self) -> None:
        if self._index + 1 < len(self.steps):
            self.go_to(self._index + 1)

    def back(self) -> None:
        if self._index > 0:
            self.go_to(self._index - 1)

    # ---- drawing ----------------------------------------------------------------------------------
    def _render(self) -> None:
        step = self.current_step
        if step is None:
            self.counter.setText("")
            self.title.setText("No lesson loaded")
            self.text.setHtml("<p>The guided lesson could not be shown. The rest of the app works as usual.</p>"
                              if self.error else "")
            self.back_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        n = len(self.steps)
        self.counter.setText(f"{self.lesson.title} · page {self._index + 1} of {n}")
        self.title.setText(step.title)
        self.text.setHtml(step.text)
        self.back_button.setEnabled(self._index > 0)
        self.next_button.setEnabled(self._index + 1 < n)

    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        for w in (self.counter, self.error_label, self.back_button, self.next_button):
            w.setFont(font)
        title = QFont(font)
        title.setPixelSize(round(px * 1.35))
        title.setBold(True)
        self.title.setFont(title)
        body = QFont(font)
        body.setPixelSize(round(px * 1.05))
        self.text.document().setDefaultFont(body)
        self.text.document().setDefaultStyleSheet(
            f"""
            p {{ margin-bottom: 8px; }}
            .formula {{ font-family: 'DejaVu Serif', serif; }}
            .note {{ color: {colors.MUTED}; }}
            b.do {{ color: {colors.POSITIVE_TEXT}; }}
            """
        )
        if self.current_step is not None:
            self.text.setHtml(self.current_step.text)
