"""Session files: the whole application state in one JSON file, kept bit-exactly.

A session holds the table (embedded), the run's set-up, the settings (η, epochs, speed,
precision, selected parameter, lesson step), what was on screen (Timeline cursor, row,
step-through phase, a typed prediction), the initial and current parameters and the history
as a replayable log (engine.run_log). Floats are written as Python's shortest round-trip
repr, so they read back bit for bit; nothing infinite or NaN is ever written.

Opening checks everything before anything is used: the JSON with limits (no NaN/Infinity,
no 5 000-digit numbers, no endless nesting, no key twice), the pydantic schema in strict mode
(a string is not a number, 1.5 is not a whole number, true is not η), the parts against each
other, and `replay` refuses the file unless the log gives the saved parameters and losses
exactly. Every problem is one `SessionError` with a one-line message. Only regular files of
at most MAX_BYTES are read (a FIFO or a device is refused before it is opened).

Saving is atomic (engine.atomic_write): the old file stays as it was or the new one is whole,
whatever fails, and no temporary file is left behind; the message names the user's path.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationError

from engine import atomic_write, run_log
from engine.atomic_write import STALE_TEMP_SECONDS, TEMP_STEM_BYTES, kind, reason  # noqa: F401 (part of this API)
from engine.data import MAX_ROWS, CsvError, Dataset, check_binary_targets
from engine.notation import PRECISIONS
from engine.run_log import MAX_NAME, Name, Params, Rate, RunLog, RunSetup, Step, Strict
from engine.settings import MAX_EPOCHS, PHASES
from engine.spec import MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_OUTPUTS, NetworkSpec
from engine.timeline import Timeline

FORMAT = "backprop-studio-session"
VERSION = 2  # version 1 (network, parameters and a data path) was never written by the app
SUFFIX = ".bpsession"
MAX_BYTES = 64_000_000  # a 10 000-row table with its history is a few MB
MAX_DIGITS = 30  # a longer whole number is refused before Python converts it


class SessionError(ValueError):
    """A session file that cannot be used (or saved); the message says why, in one line."""


class ReplayMismatchError(SessionError):
    """The log replays, but not to the saved numbers: a damaged file, or (were NumPy's arithmetic
    to differ in the last bit on another machine) a run this computer trains slightly otherwise."""


# ---- the file, part by part (strict: exactly these fields and types) --------------------------------
class Table(Strict):
    name: Annotated[str, Field(max_length=MAX_NAME)]
    columns: Annotated[list[Name], Field(min_length=2, max_length=MAX_INPUTS + MAX_OUTPUTS)]
    inputs: Annotated[list[Name], Field(min_length=1, max_length=MAX_INPUTS)]
    targets: Annotated[list[Name], Field(min_length=1, max_length=MAX_OUTPUTS)]
    X: Annotated[list[list[float]], Field(min_length=1, max_length=MAX_ROWS)]
    Y: Annotated[list[list[float]], Field(min_length=1, max_length=MAX_ROWS)]


class Settings(Strict):
    eta: Rate
    epochs: Annotated[int, Field(ge=1, le=MAX_EPOCHS)]
    speed: Annotated[float, Field(gt=0)] | None  # rows per second; None = as fast as the machine goes
    precision: Annotated[int, Field(ge=min(PRECISIONS), le=max(PRECISIONS))]
    selected: Name | None
    lesson_step: Annotated[int, Field(ge=0, le=10_000)] | None


class Phase(Strict):
    name: Literal[PHASES]
    layer: Annotated[int, Field(ge=0, le=MAX_HIDDEN_LAYERS + 1)]


class View(Strict):
    cursor: Step  # the row the Timeline shows
    row: Annotated[int, Field(ge=0, lt=MAX_ROWS)] | None = None
    phase: Phase | None = None
    predict_inputs: Annotated[list[float], Field(min_length=1, max_length=MAX_INPUTS)] | None = None


class Session(Strict):
    format: Literal[FORMAT]
    version: Literal[VERSION]
    saved_by: Annotated[str, Field(max_length=MAX_NAME)] = ""
    table: Table
    setup: RunSetup
    settings: Settings
    view: View
    initial_params: Params
    params: Params
    history: RunLog

    @property
    def dataset(self) -> Dataset:
        t = self.table
        return Dataset(t.name, tuple(t.inputs), tuple(t.targets), np.array(t.X, dtype=float),
                       np.array(t.Y, dtype=float), columns=tuple(t.columns))

    @property
    def spec(self) -> NetworkSpec:
        return self.setup.spec

    @property
    def theta(self) -> np.ndarray:
        """The current parameters, in the network's storage order."""
        return run_log.theta_of(self.spec, self.params)


# ---- a run → a session → text ----------------------------------------------------------------------
def capture(timeline: Timeline, *, task: str, dataset_key: str, dataset: Dataset, settings: dict,
            view: dict | None = None, saved_by: str = "", generated: dict | None = None) -> Session:
    """The session of this (idle) run on this table. `settings` has the Settings fields, `view`
    the View fields (default: the Timeline at its latest row). Raises SessionError for anything
    a session file may not hold (e.g. a non-finite number), so only files that open are written."""
    spec = timeline.spec
    doc = {
        "format": FORMAT, "version": VERSION, "saved_by": saved_by,
        "table": {"name": dataset.name, "columns": list(dataset.columns), "inputs": list(dataset.input_names),
                  "targets": list(dataset.target_names), "X": timeline.X_raw.tolist(), "Y": timeline.Y_raw.tolist()},
        "setup": run_log.setup_of(timeline, task=task, dataset_key=dataset_key, generated=generated),
        "settings": dict(settings),
        "view": dict(view) if view is not None else {"cursor": timeline.steps},
        "initial_params": run_log.params_of(spec, timeline.initial_theta),
        "params": run_log.params_of(spec, timeline.network.theta),
        "history": run_log.log_of(timeline),
    }
    return _validated(doc, "cannot save the session")


def dumps(session: Session) -> str:
    """The file's text: indented JSON, one table row or parameter per line."""
    return _dumps(session.model_dump()) + "\n"


def _dumps(value, depth: int = 0) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict) and value and not _one_line(value):
        items = (f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dumps(v, depth + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and not _one_line(value):
        return "[\n" + ",\n".join(inner + _dumps(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _one_line(value: dict | list) -> bool:
    """A list of plain values (a table row, the layer sizes) or a small object of plain values
    (an η change, an edit) is written on one line."""
    items = list(value.values()) if isinstance(value, dict) else value
    plain = all(not isinstance(v, dict | list) for v in items)
    return plain and (isinstance(value, list) or len(items) <= 4)


def save(session: Session, path: str | os.PathLike) -> None:
    """Write the session to `path` atomically (see the module's notes). Raises SessionError."""
    write_atomic(path, dumps(session).encode("utf-8"))


# ---- text → a session ----------------------------------------------------------------------------------
def load(path: str | os.PathLike) -> Session:
    """The session in this file, checked (but not replayed: see `replay`). Raises SessionError."""
    path = Path(path)
    return parse(read_file(path), path.name)


def load_run(path: str | os.PathLike, progress=None) -> tuple[Session, Timeline]:
    """The session in this file and its run, replayed and checked bit for bit."""
    session = load(path)
    return session, replay(session, progress=progress, where=Path(path).name)


class _RefusedError(Exception):
    """Something the JSON reader will not take (the message says what)."""


def _whole(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _RefusedError(f"it holds a number of {len(text.lstrip('-'))} digits")
    return int(text)


def _real(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):
        raise _RefusedError(f"the number {text[:24]} is too large")
    return value


def _constant(name: str):
    raise _RefusedError(f"it holds {name}, which is not a number a session may hold")


def _object(pairs: list[tuple[str, object]]) -> dict:
    doc = {}
    for key, value in pairs:
        if key in doc:
            raise _RefusedError(f"the key {key[:40]!r} appears twice in one object")
        doc[key] = value
    return doc


def parse(data: bytes | str, where: str = "the session") -> Session:
    """The session in this text, checked (not replayed). Raises SessionError naming `where`."""
    unreadable = f"{where} is not a readable session file"
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes | bytearray) else str(data)
    except UnicodeDecodeError:
        raise SessionError(f"{unreadable} (it is not UTF-8 text)") from None
    try:
        doc = json.loads(text, parse_int=_whole, parse_float=_real, parse_constant=_constant,
                         object_pairs_hook=_object)
    except _RefusedError as exc:
        raise SessionError(f"{unreadable} ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{unreadable} (invalid JSON at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise SessionError(f"{unreadable} (its data is nested too deeply)") from None
    return _validated(doc, where)


def _validated(doc, where: str) -> Session:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f"{where} is not a Backprop Studio session")
    version = doc.get("version")
    if type(version) is not int:
        raise SessionError(f"{where} has no valid session version")
    if version > VERSION:
        raise SessionError(f"{where} was saved by a newer Backprop Studio (session version {version}); "
                           f"this one reads version {VERSION}: update the app to open it")
    if version < VERSION:
        raise SessionError(f"{where} has session version {version}, which this app does not read "
                           f"(it reads version {VERSION})")
    try:
        session = Session.model_validate(doc)
    except ValidationError as exc:
        raise SessionError(f"{where}: {_first_error(exc)}") from None
    problem = _problem(session)
    if problem:
        raise SessionError(f"{where}: {problem}")
    return session


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" if str(p).isidentifier() else f"[{json.dumps(p)[:40]}]"
                  for p in error["loc"]).lstrip(".")
    kind = error["type"]
    if kind == "missing":
        return f"the field {loc} is missing"
    if kind == "extra_forbidden":
        return f"{loc} is not a field of a session"
    if kind in ("model_type", "dict_type"):
        return f"{loc} must be an object {{…}}, found {_short(error['input'])}"
    message = error["msg"]
    return f"{loc}: {message[0].lower()}{message[1:]} (found {_short(error['input'])})"


def _short(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str | int | float | bool | None) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _problem(s: Session) -> str | None:
    """What makes the parts of a schema-valid session disagree (None: nothing)."""
    t = s.table
    if len(set(t.columns)) != len(t.columns):
        return "table.columns names a column twice"
    if set(t.inputs) & set(t.targets) or sorted(t.inputs + t.targets) != sorted(t.columns):
        return "table.inputs and table.targets must split table.columns"
    if len(t.X) != len(t.Y):
        return f"table.X has {len(t.X)} rows but table.Y has {len(t.Y)}"
    for name, rows, width in (("X", t.X, len(t.inputs)), ("Y", t.Y, len(t.targets))):
        bad = next((i for i, r in enumerate(rows) if len(r) != width), None)
        if bad is not None:
            return f"table.{name}[{bad}] has {len(rows[bad])} values, not {width}"
    try:
        spec = s.spec
    except ValueError as exc:
        return f"setup.network: {exc}"
    if (spec.n_inputs, spec.n_outputs) != (len(t.inputs), len(t.targets)):
        return (f"setup.network takes {spec.n_inputs} inputs and {spec.n_outputs} outputs; the table has "
                f"{len(t.inputs)} input and {len(t.targets)} target columns")
    if spec.loss_fn.needs_binary_targets:
        try:
            check_binary_targets(s.dataset)
        except CsvError as exc:
            return f"table: {exc}"
    problem = run_log.start_problem(s.setup, spec, s.initial_params, s.params) or s.history.problem(spec)
    if problem:
        return problem
    st, v = s.settings, s.view
    if st.selected is not None and st.selected not in spec.param_index:
        return f"settings.selected: {st.selected!r} is not a parameter of the network"
    if v.cursor > s.history.steps:
        return f"view.cursor ({v.cursor}) is after the last row trained ({s.history.steps})"
    if v.row is not None and v.row >= len(t.X):
        return f"view.row ({v.row}) is not a row of the table ({len(t.X)} rows)"
    if v.phase is not None and v.phase.layer > spec.n_layers:
        return f"view.phase.layer ({v.phase.layer}) is beyond the network's {spec.n_layers} layers"
    if v.predict_inputs is not None and len(v.predict_inputs) != spec.n_inputs:
        return f"view.predict_inputs has {len(v.predict_inputs)} numbers; the network takes {spec.n_inputs}"
    return None


def replay(session: Session, progress=None, where: str = "the session", exact: bool = True) -> Timeline:
    """The session's run, rebuilt from its log. SessionError if it cannot be replayed, and
    (`exact`) ReplayMismatchError unless it gives the saved losses and parameters bit for bit.
    `progress(done, total)` as in Timeline.from_log (a SessionError it raises passes through)."""
    dataset = session.dataset
    try:
        timeline = run_log.replay(session.history, session.setup, dataset.X, dataset.Y, progress=progress)
    except SessionError:
        raise
    except ValueError as exc:
        raise SessionError(f"{where}: its history cannot be replayed: {exc}") from None
    if exact and run_log.loss_digest(timeline.losses.view()) != session.history.loss_sha256:
        raise ReplayMismatchError(f"{where}: its history replays to other losses than the saved ones "
                                  "(the file is inconsistent)")
    if exact and timeline.network.theta.tobytes() != session.theta.tobytes():
        raise ReplayMismatchError(f"{where}: its history does not lead to its saved parameters "
                                  "(the file is inconsistent)")
    return timeline


# ---- files ------------------------------------------------------------------------------------------------
def _regular(info: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise SessionError(f"{path.name} is {kind(info.st_mode)}, not a session file")
    if info.st_size > MAX_BYTES:
        raise SessionError(f"{path.name} is too large to be a session file ({info.st_size:,} bytes)")


def read_file(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES; SessionError otherwise. A FIFO or a
    device is refused before it is opened (and, were one swapped in meanwhile, without waiting:
    the file is opened non-blocking and checked again)."""
    path = Path(path)
    try:
        _regular(os.stat(path), path)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SessionError(f"{path} does not exist") from None
    except OSError as exc:
        raise SessionError(f"cannot read {path}: {reason(exc)}") from None
    try:
        _regular(os.fstat(fd), path)
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > MAX_BYTES:
                raise SessionError(f"{path.name} is too large to be a session file")
            chunks.append(chunk)
    except OSError as exc:
        raise SessionError(f"cannot read {path}: {reason(exc)}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Replace the file at `path` (through a symbolic link) by `data`, all or nothing."""
    try:
        atomic_write.write_atomic(path, data)
    except atomic_write.WriteError as exc:
        raise SessionError(f"cannot save {os.fspath(path)}: {exc}") from None
