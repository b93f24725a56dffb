"""Tables to train on: the built-in students tables and CSV import.

A CSV file has a header row of column names, then one row per example, every
cell a number. The target column is chosen by name (default: the last column);
every other column is an input, in file order (the i-th input column is x_i).

Rows in messages are counted as in the file: the header is row 1, so the first
data row is row 2. Columns count from 1. Every problem with a file is reported
as one CsvError naming the problem and where it is.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import resources, students
from engine.resources import DATA_DIR
from engine.scaling import Standardizer
from engine.spec import MAX_INPUTS, MAX_OUTPUTS

MAX_ROWS = 10_000  # data rows (header not counted): plenty for per-row SGD you can watch
MAX_BYTES = 10_000_000  # refuse to read anything bigger: it cannot be a table within MAX_ROWS
BUILTINS: dict[str, str] = {
    "students-regression": "the tutorial's four students: cgpa, profile_score -> lpa",
    "students-classification": "the tutorial's four students: cgpa, profile_score -> placed (0/1)",
    "students-large": f"{students.ROWS} generated students: cgpa, profile_score -> lpa",
    "students-large-classification": f"{students.ROWS} generated students: cgpa, profile_score -> placed (0/1)",
}
BUILTIN_PREFIX = "builtin:"
# Plain decimal numbers only (no '1_000', 'nan', '0x1f'): what a spreadsheet writes.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class CsvError(ValueError):
    """A table could not be used; the message says what is wrong and where."""


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    X: np.ndarray  # (rows, inputs)
    Y: np.ndarray  # (rows, targets)
    columns: tuple[str, ...] = field(default=())  # the file's column order; () = inputs then targets

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        set_("input_names", tuple(self.input_names))
        set_("target_names", tuple(self.target_names))
        set_("columns", tuple(self.columns) or self.input_names + self.target_names)
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
    return str(int(v)) if float(v).is_integer() else repr(float(v))


# ---- reading text ------------------------------------------------------------------
def decode(raw: bytes) -> str:
    """UTF-8 text (a leading BOM is dropped); binary or other encodings are refused."""
    if b"\x00" in raw:
        row = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise CsvError(f"row {row}: the file contains NUL bytes; it looks binary, not a CSV text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        row = raw.count(b"\n", 0, e.start) + 1
        raise CsvError(f"row {row}: the file is not UTF-8 text (byte 0x{raw[e.start]:02x} cannot be read); "
                       "save it as CSV UTF-8") from None


def _lines(text: str) -> list[str]:
    """Physical lines (CRLF, CR or LF), trailing blank lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _rows(lines: list[str]) -> list[list[str]]:
    """Split every line into stripped cells; refuses blank lines between rows."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise CsvError(f"row {number} is blank; only blank lines at the end of the file are allowed")
        try:  # one line is one row: a quoted cell may hold commas but not line breaks
            cells = next(csv.reader([line], strict=True))
        except csv.Error as e:
            raise CsvError(f"row {number}: cannot split the line into cells ({e})") from None
        rows.append([c.strip() for c in cells])
    return rows


def _header(cells: list[str]) -> tuple[str, ...]:
    if len(cells) < 2:
        raise CsvError(f"row 1 has {len(cells)} column; a table needs at least 2 "
                       "(inputs, then a target) separated by commas")
    for col, name in enumerate(cells, start=1):
        if not name:
            raise CsvError(f"row 1, column {col}: the column has no name (row 1 must be a header of names)")
        if _parse_number(name) is not None:
            raise CsvError(f"row 1, column {col}: {name!r} is a number, but row 1 must name the columns; "
                           "add a header row such as 'cgpa,profile_score,lpa'")
        first = cells.index(name) + 1
        if first != col:
            raise CsvError(f"row 1: the column name {name!r} appears twice (columns {first} and {col})")
    return tuple(cells)


def _parse_number(cell: str) -> float | None:
    """The cell's value, or None when it is not written as a plain number."""
    if _NUMBER.fullmatch(cell):
        return float(cell)
    return None


def _cell(cell: str, row: int, col: int, name: str) -> float:
    where = f"row {row}, column {col} ({name!r})"
    if not cell:
        raise CsvError(f"{where} is empty; every cell needs a number")
    value = _parse_number(cell)
    if value is None:
        try:
            special = float(cell)
        except ValueError:
            raise CsvError(f"{where}: {cell!r} is not a number") from None
        raise CsvError(f"{where}: {cell!r} is not a finite number" if not math.isfinite(special)
                       else f"{where}: write {cell!r} as a plain decimal number")
    if not math.isfinite(value):
        raise CsvError(f"{where}: {cell!r} is too large to be a finite number")
    return value


def _table(rows: list[list[str]], header: tuple[str, ...]) -> np.ndarray:
    table = np.empty((len(rows), len(header)))
    for r, cells in enumerate(rows):
        number = r + 2
        if len(cells) != len(header):
            raise CsvError(f"row {number} has {len(cells)} cells but the header (row 1) has {len(header)} columns")
        for c, (cell, name) in enumerate(zip(cells, header)):
            table[r, c] = _cell(cell, number, c + 1, name)
    return table


def _targets(header: tuple[str, ...], target: str | Sequence[str] | None) -> tuple[str, ...]:
    names = (header[-1],) if target is None else (target,) if isinstance(target, str) else tuple(target)
    if not names:
        raise CsvError("choose at least one target column")
    for name in names:
        if name not in header:
            raise CsvError(f"row 1: there is no column named {name!r} (columns: {', '.join(header)})")
        if names.count(name) > 1:
            raise CsvError(f"target column {name!r} is chosen twice")
    if len(names) > MAX_OUTPUTS:
        raise CsvError(f"{len(names)} target columns chosen; a network has at most {MAX_OUTPUTS} outputs")
    if len(names) == len(header):
        raise CsvError("every column is a target; at least one column must be an input")
    return names


def parse_csv_text(text: str, target: str | Sequence[str] | None = None, *, name: str = "data",
                   loss: str | None = None) -> Dataset:
    """A Dataset from CSV text; `loss='bce'` also checks that targets are 0/1."""
    if "\x00" in text:
        raise CsvError("the file contains NUL bytes; it looks binary, not a CSV text file")
    lines = _lines(text.removeprefix("\ufeff"))
    if not lines:
        raise CsvError("the file is empty; it needs a header row and at least one data row")
    if len(lines) - 1 > MAX_ROWS:
        raise CsvError(f"the file has {len(lines) - 1} data rows; the limit is {MAX_ROWS}")
    rows = _rows(lines)
    header = _header(rows[0])
    if len(rows) == 1:
        raise CsvError("the file has a header (row 1) but no data rows")
    targets = _targets(header, target)
    inputs = tuple(h for h in header if h not in targets)
    if len(inputs) > MAX_INPUTS:
        raise CsvError(f"row 1: {len(inputs)} input columns; a network takes at most {MAX_INPUTS} inputs")
    table = _table(rows[1:], header)
    pick = lambda names: table[:, [header.index(n) for n in names]]  # noqa: E731
    dataset = Dataset(name, inputs, targets, pick(inputs), pick(targets), columns=header)
    if loss is not None and loss.lower() == "bce":
        check_binary_targets(dataset)
    return dataset


# ---- files, built-ins, and 'builtin:NAME or path' --------------------------------------
def load_csv(path: str | Path, target: str | Sequence[str] | None = None, *, loss: str | None = None) -> Dataset:
    path = Path(path)
    raw = _read_bytes(path)
    try:
        return parse_csv_text(decode(raw), target, name=path.stem, loss=loss)
    except CsvError as e:
        raise CsvError(f"{path.name}: {e}") from None


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise CsvError(f"no such file: {str(path)!r}")
    if path.is_dir():
        raise CsvError(f"{str(path)!r} is a folder, not a CSV file")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CsvError(f"{path.name} is larger than {MAX_BYTES // 1_000_000} MB; too big for a table "
                           f"of at most {MAX_ROWS} rows")
        return path.read_bytes()
    except OSError as e:
        raise CsvError(f"cannot read {str(path)!r}: {e.strerror or e}") from None


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
        return parse_csv_text(decode(raw), target, name=name, loss=loss)
    except CsvError as e:
        raise CsvError(f"{file_name}: {e}") from None


def resolve_data(spec: str, target: str | Sequence[str] | None = None, *, loss: str | None = None) -> Dataset:
    """'builtin:NAME' -> a built-in table; anything else is a path to a CSV file."""
    if spec.startswith(BUILTIN_PREFIX):
        return load_builtin(spec[len(BUILTIN_PREFIX):], target, loss=loss)
    if spec in BUILTINS and not Path(spec).exists():
        raise CsvError(f"no such file: {spec!r} (for the built-in table write {BUILTIN_PREFIX}{spec})")
    return load_csv(spec, target, loss=loss)
