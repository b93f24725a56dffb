"""CSV text into a checked grid of numbers: the text half of reading a table (engine.data does files).

Cells are separated by commas, semicolons or tabs (the delimiter is the one that splits the
header into the most columns with the first rows all that wide); a file split by semicolons or
tabs may write decimals with a comma (1,5). Row 1 names the columns. Every used cell must be a
plain decimal number as a spreadsheet writes it: no '1_000', 'nan' or '0x1f', nothing that
overflows. Rows in messages count as in the file (the header is row 1) and columns from 1;
every problem is one CsvError saying what is wrong and where.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence

import numpy as np

from engine.spec import MAX_INPUTS, MAX_OUTPUTS

MAX_ROWS = 10_000  # data rows (header not counted): plenty for per-row SGD you can watch
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}  # in order of preference on a tie
# Plain decimal numbers only (no '1_000', 'nan', '0x1f'): what a spreadsheet writes.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class CsvError(ValueError):
    """A table could not be used; the message says what is wrong and where."""


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


def split_lines(text: str) -> list[str]:
    """Physical lines (CRLF, CR or LF), trailing blank lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def split_line(line: str, delimiter: str) -> list[str]:
    # One line is one row: a quoted cell may hold the delimiter but not a line break.
    return [c.strip() for c in next(csv.reader([line], delimiter=delimiter, strict=True))]


def sniff(lines: list[str]) -> str:
    """The delimiter: the one that splits the header into the most columns (at least 2)
    with every one of the first rows the same width; failing that, the one that splits
    the header most (so the error that follows names the row that does not fit)."""
    sample = [line for line in lines[:50] if line.strip()]
    widths: dict[str, int] = {}
    consistent: dict[str, int] = {}
    for delimiter in DELIMITERS:
        try:
            counts = [len(split_line(line, delimiter)) for line in sample]
        except csv.Error:
            continue
        widths[delimiter] = counts[0]
        if counts[0] >= 2 and all(c == counts[0] for c in counts):
            consistent[delimiter] = counts[0]
    pool = consistent or widths or {",": 0}
    return max(pool, key=pool.get)  # max keeps the first of equals: comma, then semicolon, then tab


def split_rows(lines: list[str], delimiter: str = ",") -> list[list[str]]:
    """Split every line into stripped cells; refuses blank lines between rows."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise CsvError(f"row {number} is blank; only blank lines at the end of the file are allowed")
        try:
            rows.append(split_line(line, delimiter))
        except csv.Error as e:
            raise CsvError(f"row {number}: cannot split the line into cells ({e})") from None
    return rows


_DECIMAL_COMMA = re.compile(r"[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?")


def uses_decimal_comma(rows: list[list[str]], delimiter: str) -> bool:
    """A file split by ';' or tab whose numbers are written 1,5 (a European spreadsheet)."""
    return delimiter != "," and any(_DECIMAL_COMMA.fullmatch(c) for row in rows[1:] for c in row)


def describe(delimiter: str, decimal_comma: bool) -> str:
    return f"{DELIMITERS[delimiter]}-separated" + (", decimal comma" if decimal_comma else "")


def check_header(cells: list[str]) -> tuple[str, ...]:
    if len(cells) < 2:
        raise CsvError(f"row 1 has {len(cells)} column; a table needs at least 2 "
                       "(inputs, then a target) separated by commas, semicolons or tabs")
    for col, name in enumerate(cells, start=1):
        if not name:
            raise CsvError(f"row 1, column {col}: the column has no name (row 1 must be a header of names)")
        if parse_number(name) is not None or _DECIMAL_COMMA.fullmatch(name):
            raise CsvError(f"row 1, column {col}: {name!r} is a number, but row 1 must name the columns; "
                           "add a header row such as 'cgpa,profile_score,lpa'")
        first = cells.index(name) + 1
        if first != col:
            raise CsvError(f"row 1: the column name {name!r} appears twice (columns {first} and {col})")
    return tuple(cells)


def parse_number(cell: str) -> float | None:
    """The cell's value, or None when it is not written as a plain number."""
    if _NUMBER.fullmatch(cell):
        return float(cell)
    return None


def parse_cell(cell: str, row: int, col: int, name: str, decimal_comma: bool = False) -> float:
    where = f"row {row}, column {col} ({name!r})"
    if not cell:
        raise CsvError(f"{where} is empty; every cell needs a number")
    if decimal_comma:
        if "." in cell:  # 1.234,5 or 1.000: a thousands separator, or a mix; either way ambiguous
            raise CsvError(f"{where}: {cell!r} has a point, but this file writes decimals with a comma; "
                           "write numbers without thousands separators, e.g. 1234,5")
        cell = cell.replace(",", ".", 1)
    value = parse_number(cell)
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


def number_table(rows: list[list[str]], header: tuple[str, ...], used: tuple[str, ...],
           decimal_comma: bool) -> np.ndarray:
    """The `used` columns as numbers; other columns may hold anything (names, dates…)."""
    positions = [header.index(n) for n in used]
    table = np.empty((len(rows), len(used)))
    for r, cells in enumerate(rows):
        number = r + 2
        if len(cells) != len(header):
            raise CsvError(f"row {number} has {len(cells)} cells but the header (row 1) has {len(header)} columns")
        for k, c in enumerate(positions):
            table[r, k] = parse_cell(cells[c], number, c + 1, header[c], decimal_comma)
    return table


def chosen_columns(header: tuple[str, ...], chosen: str | Sequence[str], what: str) -> tuple[str, ...]:
    names = (chosen,) if isinstance(chosen, str) else tuple(chosen)
    if not names:
        raise CsvError(f"choose at least one {what} column")
    for name in names:
        if name not in header:
            raise CsvError(f"row 1: there is no column named {name!r} (columns: {', '.join(header)})")
        if names.count(name) > 1:
            raise CsvError(f"{what} column {name!r} is chosen twice")
    return names


def target_columns(header: tuple[str, ...], target: str | Sequence[str] | None) -> tuple[str, ...]:
    names = chosen_columns(header, header[-1] if target is None else target, "target")
    if len(names) > MAX_OUTPUTS:
        raise CsvError(f"{len(names)} target columns chosen; a network has at most {MAX_OUTPUTS} outputs")
    if len(names) == len(header):
        raise CsvError("every column is a target; at least one column must be an input")
    return names


def input_columns(header: tuple[str, ...], targets: tuple[str, ...], inputs: Sequence[str] | None) -> tuple[str, ...]:
    if inputs is None:
        names = tuple(h for h in header if h not in targets)
    else:
        names = chosen_columns(header, inputs, "input")
        both = [n for n in names if n in targets]
        if both:
            raise CsvError(f"column {both[0]!r} is chosen as an input and as a target")
        names = tuple(h for h in header if h in names)  # file order: the i-th input is x_i
    if len(names) > MAX_INPUTS:
        raise CsvError(f"row 1: {len(names)} input columns; a network takes at most {MAX_INPUTS} inputs")
    return names


def read_header(text: str) -> tuple[list[str], tuple[str, ...], str]:
    """(lines, header, delimiter) of CSV text, with the header checked."""
    if "\x00" in text:
        raise CsvError("the file contains NUL bytes; it looks binary, not a CSV text file")
    lines = split_lines(text.removeprefix("\ufeff"))
    if not lines:
        raise CsvError("the file is empty; it needs a header row and at least one data row")
    if len(lines) - 1 > MAX_ROWS:
        raise CsvError(f"the file has {len(lines) - 1} data rows; the limit is {MAX_ROWS}")
    delimiter = sniff(lines)
    return lines, check_header(split_rows(lines[:1], delimiter)[0]), delimiter
