"""Tables to train on: the built-in students tables, the generated (playground) sets, CSV import.

A CSV file has a header row of column names, then one row per example, every
used cell a number (engine.csv_text reads the text: delimiter, decimal comma, cells).
What was detected is reported in `Dataset.detected`. The target column is chosen by
name (default: the last column); the inputs are the columns named in `inputs`
(default: every other column), in file order (the i-th is x_i).

Reading is guarded before any byte is read: only a regular file of at most
MAX_BYTES is opened (a FIFO, a device such as /dev/zero or a folder is refused
at once, never waited on or read without end).

What does not stop training but deserves a word (a column with one value in
every row) becomes a line of `Dataset.notes`, naming the column.

Rows in messages are counted as in the file: the header is row 1, so the first
data row is row 2. Columns count from 1. Every problem with a file is reported
as one CsvError naming the problem and where it is.
"""
from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import resources, students
from engine.csv_text import (
    MAX_ROWS,
    CsvError,
    decode,
    describe,
    input_columns,
    number_table,
    read_header,
    split_rows,
    target_columns,
    uses_decimal_comma,
)
from engine.resources import DATA_DIR
from engine.scaling import Scaler, Standardizer
from engine.settings import DEFAULT_POINTS

MAX_BYTES = 10_000_000  # refuse to read anything bigger: it cannot be a table within MAX_ROWS
BUILTINS: dict[str, str] = {
    "students-regression": "the tutorial's four students: cgpa, profile_score -> lpa",
    "students-classification": "the tutorial's four students: cgpa, profile_score -> placed (0/1)",
    "students-large": f"{students.ROWS} generated students: cgpa, profile_score -> lpa",
    "students-large-classification": f"{students.ROWS} generated students: cgpa, profile_score -> placed (0/1)",
}
BUILTIN_PREFIX = "builtin:"


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    X: np.ndarray  # (rows, inputs)
    Y: np.ndarray  # (rows, targets)
    columns: tuple[str, ...] = field(default=())  # the file's column order; () = inputs then targets
    notes: tuple[str, ...] = ()  # warnings to show, one line each, naming the column
    detected: str = ""  # how the file was read, e.g. "semicolon-separated, decimal comma"; "" for built-ins

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        set_("input_names", tuple(self.input_names))
        set_("target_names", tuple(self.target_names))
        set_("columns", tuple(self.columns) or self.input_names + self.target_names)
        set_("notes", tuple(self.notes))
        set_("X", _read_only(self.X))
        set_("Y", _read_only(self.Y))
        n = self.X.shape[0]
        if self.X.shape != (n, len(self.input_names)) or self.Y.shape != (n, len(self.target_names)):
            raise ValueError(f"X {self.X.shape} and Y {self.Y.shape} do not match the column names")

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.Y.shape[1]

    def standardizer(self) -> Standardizer:
        """Means and deviations of the input columns, for z-scoring this table."""
        return Standardizer.fit(self.X)

    def where(self, row: int, name: str) -> str:
        """'row 3, column 2 ('lpa')' for data row `row` (0-based) of column `name`."""
        return f"row {row + 2}, column {self.columns.index(name) + 1} ({name!r})"


def _read_only(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


# ---- checks that depend on the loss ----------------------------------------------
def check_binary_targets(dataset: Dataset) -> None:
    """Binary cross-entropy needs every target to be 0 or 1; name the first that is not."""
    bad = np.argwhere((dataset.Y != 0) & (dataset.Y != 1))
    if bad.size:
        row, k = (int(v) for v in bad[0])
        value = _show(dataset.Y[row, k])
        raise CsvError(
            f"{dataset.where(row, dataset.target_names[k])}: binary cross-entropy needs targets "
            f"of 0 or 1, found {value}"
        )


def _show(v: float) -> str:
    # Whole numbers without '.0', but 1e308 as 1e+308 rather than its 309 digits.
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def parse_csv_text(text: str, target: str | Sequence[str] | None = None, *, name: str = "data",
                   loss: str | None = None, inputs: Sequence[str] | None = None) -> Dataset:
    """A Dataset from CSV text; `loss='bce'` also checks that targets are 0/1.

    `inputs` names the input columns (default: every column that is not a target);
    columns that are neither are ignored, and `Dataset.columns` lists the used ones."""
    lines, header, delimiter = read_header(text)
    rows = split_rows(lines, delimiter)
    if len(rows) == 1:
        raise CsvError("the file has a header (row 1) but no data rows")
    decimal_comma = uses_decimal_comma(rows, delimiter)
    targets = target_columns(header, target)
    input_names = input_columns(header, targets, inputs)
    used = tuple(h for h in header if h in input_names or h in targets)
    table = number_table(rows[1:], header, used, decimal_comma)
    pick = lambda names: table[:, [used.index(n) for n in names]]  # noqa: E731
    dataset = Dataset(name, input_names, targets, pick(input_names), pick(targets), columns=used,
                      notes=_notes(used, table, targets), detected=describe(delimiter, decimal_comma))
    _check_scalable(dataset)
    if loss is not None and loss.lower() == "bce":
        check_binary_targets(dataset)
    return dataset


def _notes(used: tuple[str, ...], table: np.ndarray, targets: tuple[str, ...]) -> tuple[str, ...]:
    if table.shape[0] < 2:
        return ("the table has one data row: every column holds a single value, so there is "
                "nothing to learn from differences",)
    notes = []
    for k, name in enumerate(used):
        column = table[:, k]
        if np.all(column == column[0]):
            value = _show(column[0])
            notes.append(f"target column {name!r} has the same value ({value}) in every row: "
                         "there is nothing to learn, the network only has to output it"
                         if name in targets else
                         f"column {name!r} has the same value ({value}) in every row: it cannot help "
                         "the prediction; it is standardised to 0")
    return tuple(notes)


def _check_scalable(dataset: Dataset) -> None:
    """Every column must scale to finite numbers (the Scaler works in power-of-two units,
    so this should always hold for finite cells; the check names a column if it ever fails)."""
    for values, names in ((dataset.X, dataset.input_names), (dataset.Y, dataset.target_names)):
        with np.errstate(all="ignore"):
            scaled = [Scaler.fit(values, kind).transform(values) for kind in ("standard", "minmax")]
        for k, name in enumerate(names):
            if not all(np.all(np.isfinite(z[:, k])) for z in scaled):
                raise CsvError(f"column {name!r} cannot be scaled to finite numbers; rescale its values")


# ---- files, built-ins, and 'builtin:NAME or path' --------------------------------------
def load_csv(path: str | Path, target: str | Sequence[str] | None = None, *, loss: str | None = None,
             inputs: Sequence[str] | None = None) -> Dataset:
    path = Path(path)
    raw = _read_bytes(path)
    try:
        return parse_csv_text(decode(raw), target, name=path.stem, loss=loss, inputs=inputs)
    except CsvError as e:
        raise CsvError(f"{path.name}: {e}") from None


def header_of(path: str | Path) -> tuple[tuple[str, ...], str]:
    """(column names, how the file is written) for choosing inputs and target before loading.

    The description is the one `Dataset.detected` will carry, e.g. "semicolon-separated,
    decimal comma"; the file gets the same guarded read as load_csv."""
    path = Path(path)
    try:
        lines, header, delimiter = read_header(decode(_read_bytes(path)))
        rows = split_rows(lines, delimiter)
    except CsvError as e:
        raise CsvError(f"{path.name}: {e}") from None
    return header, describe(delimiter, uses_decimal_comma(rows, delimiter))


def _too_big(path: Path) -> CsvError:
    return CsvError(f"{path.name} is larger than {MAX_BYTES / 1_000_000:g} MB; too big for a table "
                    f"of at most {MAX_ROWS} rows")


def _check_regular(path: Path, mode: int, size: int) -> None:
    if stat.S_ISDIR(mode):
        raise CsvError(f"{str(path)!r} is a folder, not a CSV file")
    if not stat.S_ISREG(mode):  # a FIFO would wait for a writer, a device may never end
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode)
                or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise CsvError(f"{str(path)!r} is {kind}, not a CSV file")
    if size > MAX_BYTES:
        raise _too_big(path)


def _read_bytes(path: Path) -> bytes:
    """At most MAX_BYTES of a regular file, checked before it is opened."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise CsvError(f"no such file: {str(path)!r}") from None
    except OSError as e:
        raise CsvError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
    _check_regular(path, info.st_mode, info.st_size)
    # Non-blocking, and checked again on the open file: the path may have been swapped for
    # a FIFO since the stat above, and opening a FIFO without O_NONBLOCK waits for a writer.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb", buffering=0) as f:
            opened = os.fstat(f.fileno())
            _check_regular(path, opened.st_mode, opened.st_size)
            chunks, left = [], MAX_BYTES + 1  # one byte more than allowed: a file that grew is caught
            while left > 0 and (chunk := f.read(min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
    except OSError as e:
        raise CsvError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
    raw = b"".join(chunks)
    if len(raw) > MAX_BYTES:
        raise _too_big(path)
    return raw


def builtin_names() -> tuple[str, ...]:
    """Every name `builtin:NAME` accepts: the students tables, then the generated sets."""
    return tuple(all_builtins())


def all_builtins() -> dict[str, str]:
    """Name -> description of the students tables (BUILTINS) and the generated sets."""
    from engine import playground  # here, not at the top: playground builds on this module's Dataset
    return {**BUILTINS, **playground.GENERATED}


def builtin_path(name: str) -> Path:
    if name not in BUILTINS:
        raise CsvError(f"no built-in table named {name!r} (choose from {', '.join(BUILTINS)})")
    return DATA_DIR / f"{name}.csv"


def load_builtin(name: str, target: str | Sequence[str] | None = None, *, loss: str | None = None) -> Dataset:
    """A table shipped with the app, read as package data (works from a wheel or a bundle too)."""
    file_name = builtin_path(name).name
    try:
        raw = resources.read_bytes("data", file_name)
    except OSError as e:
        raise CsvError(f"the built-in table {file_name} is missing from this installation ({e})") from None
    try:
        dataset = parse_csv_text(decode(raw), target, name=name, loss=loss)
    except CsvError as e:
        raise CsvError(f"{file_name}: {e}") from None
    return dataclasses.replace(dataset, detected="")  # a shipped table: nothing to report


def generated(name: str, target: str | Sequence[str] | None = None, *, loss: str | None = None,
              points: int = DEFAULT_POINTS, noise: float = 0.0, data_seed: int = 0) -> Dataset:
    """A generated (playground) data set; a bad argument is a CsvError, like a bad table."""
    from engine import playground  # here, not at the top: playground builds on this module's Dataset
    try:
        dataset = playground.generate(name, points=points, noise=noise, seed=data_seed)
    except ValueError as e:
        raise CsvError(f"{name}: {e}") from None
    chosen = None if target is None else (target,) if isinstance(target, str) else tuple(target)
    if chosen is not None and chosen != dataset.target_names:
        raise CsvError(f"{name}: the target of a generated data set is {dataset.target_names[0]!r}, "
                       f"not {', '.join(map(repr, chosen)) or 'nothing'}")
    if loss is not None and loss.lower() == "bce":
        check_binary_targets(dataset)
    return dataset


def resolve_data(spec: str, target: str | Sequence[str] | None = None, *, loss: str | None = None,
                 points: int = DEFAULT_POINTS, noise: float = 0.0, data_seed: int = 0,
                 inputs: Sequence[str] | None = None) -> Dataset:
    """'builtin:NAME' -> a students table or a generated set (points, noise, data_seed are for
    the generated ones); anything else is a path to a CSV file."""
    names = all_builtins()
    if spec.startswith(BUILTIN_PREFIX):
        name = spec[len(BUILTIN_PREFIX):]
        if name in BUILTINS:
            return load_builtin(name, target, loss=loss)
        if name in names:
            return generated(name, target, loss=loss, points=points, noise=noise, data_seed=data_seed)
        raise CsvError(f"no built-in table named {name!r} (choose from {', '.join(names)})")
    if spec in names and not Path(spec).exists():
        raise CsvError(f"no such file: {spec!r} (for the built-in data set write {BUILTIN_PREFIX}{spec})")
    return load_csv(spec, target, loss=loss, inputs=inputs)
