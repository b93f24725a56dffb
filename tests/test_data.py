"""Tables: the built-in students data, CSV import, and one clear message per bad file."""
from __future__ import annotations

import dataclasses
import math
import os
import threading

import numpy as np
import pytest

from engine import data, playground, students
from engine.data import (
    BUILTINS,
    MAX_ROWS,
    CsvError,
    Dataset,
    check_binary_targets,
    load_builtin,
    load_csv,
    parse_csv_text,
    resolve_data,
)
from engine.scaling import Scaler


def write(tmp_path, content: str | bytes, name: str = "table.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def error_of(tmp_path, content, **kwargs) -> str:
    with pytest.raises(CsvError) as info:
        load_csv(write(tmp_path, content), **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.startswith("table.csv: ")
    return message


# ---- built-in tables -------------------------------------------------------------------
def test_students_regression_is_the_tutorials_table():
    d = load_builtin("students-regression")
    assert d.name == "students-regression"
    assert d.input_names == ("cgpa", "profile_score") and d.target_names == ("lpa",)
    assert d.X.tolist() == [[8, 8], [7, 9], [6, 10], [5, 12]]
    assert d.Y.tolist() == [[4], [5], [6], [7]]


def test_students_classification_is_the_tutorials_table():
    d = load_builtin("students-classification")
    assert d.input_names == ("cgpa", "profile_score") and d.target_names == ("placed",)
    assert d.X.tolist() == [[8, 8], [7, 9], [6, 10], [5, 5]]
    assert d.Y.tolist() == [[1], [1], [0], [0]]
    check_binary_targets(d)  # no error


@pytest.mark.parametrize("kind", list(students.KINDS))
def test_shipped_large_tables_are_the_generators_output(kind):
    shipped = (data.DATA_DIR / students.file_name(kind)).read_text(encoding="utf-8")
    assert shipped == students.csv_text(kind)


def test_large_table_is_plausible():
    d = load_builtin("students-large")
    cgpa, profile, lpa = d.X[:, 0], d.X[:, 1], d.Y[:, 0]
    assert d.n_rows == students.ROWS == 40
    assert cgpa.min() >= 5 and cgpa.max() <= 9.5
    assert set(profile) <= set(range(4, 13)) and lpa.min() >= 1
    # The package grows with both inputs.
    assert np.corrcoef(cgpa, lpa)[0, 1] > 0.3 and np.corrcoef(profile, lpa)[0, 1] > 0.3
    placed = load_builtin("students-large-classification")
    assert placed.X.tolist() == d.X.tolist()
    assert set(placed.Y[:, 0]) == {0.0, 1.0}
    check_binary_targets(placed)


def test_every_builtin_loads():
    for name in BUILTINS:
        assert load_builtin(name).n_rows >= 4


def test_standardizer_uses_the_tables_columns():
    s = load_builtin("students-regression").standardizer()
    # cgpa 8,7,6,5: mean 6.5, variance (2.25+0.25+0.25+2.25)/4 = 1.25
    # profile 8,9,10,12: mean 9.75, variance (3.0625+0.5625+0.0625+5.0625)/4 = 2.1875
    assert s.mean.tolist() == [6.5, 9.75]
    assert s.std == pytest.approx([math.sqrt(1.25), math.sqrt(2.1875)])


def test_dataset_is_immutable():
    d = load_builtin("students-regression")
    with pytest.raises(ValueError):
        d.X[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.name = "other"  # type: ignore[misc]


def test_dataset_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="do not match"):
        Dataset("t", ("a", "b"), ("y",), np.zeros((3, 1)), np.zeros((3, 1)))


# ---- resolving 'builtin:NAME' or a path --------------------------------------------------
def test_resolve_builtin_and_path(tmp_path):
    assert resolve_data("builtin:students-classification").target_names == ("placed",)
    d = resolve_data(str(write(tmp_path, "a,b\n1,2\n")))
    assert d.name == "table" and d.X.tolist() == [[1]] and d.Y.tolist() == [[2]]


def test_unknown_builtin_lists_the_names():
    with pytest.raises(CsvError, match="no built-in table named 'nope'.*students-regression"):
        resolve_data("builtin:nope")


def test_bare_builtin_name_gets_a_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CsvError, match="builtin:students-regression"):
        resolve_data("students-regression")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CsvError, match="no such file: .*missing.csv"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(CsvError, match="is a folder, not a CSV file"):
        load_csv(tmp_path)


# ---- files that are fine ------------------------------------------------------------------
def test_bom_crlf_and_trailing_blank_lines(tmp_path):
    d = load_csv(write(tmp_path, b"\xef\xbb\xbfcgpa,lpa\r\n8,4\r\n7,5\r\n\r\n  \r\n"))
    assert d.input_names == ("cgpa",)  # the BOM is not part of the first name
    assert d.X.tolist() == [[8], [7]] and d.Y.tolist() == [[4], [5]]


def test_target_by_name_keeps_the_other_columns_in_file_order(tmp_path):
    d = load_csv(write(tmp_path, "a,y,b\n1,2,3\n4,5,6\n"), target="y")
    assert d.input_names == ("a", "b") and d.target_names == ("y",)
    assert d.X.tolist() == [[1, 3], [4, 6]] and d.Y.tolist() == [[2], [5]]
    assert d.columns == ("a", "y", "b")


def test_several_targets(tmp_path):
    d = load_csv(write(tmp_path, "a,y1,y2\n1,2,3\n"), target=["y2", "y1"])
    assert d.target_names == ("y2", "y1") and d.Y.tolist() == [[3, 2]]


def test_number_forms_quotes_and_spaces(tmp_path):
    d = parse_csv_text('"x 1", x2 ,y\n -1.5 , 2e3, .5\n+3,4.,0\n')
    assert d.input_names == ("x 1", "x2")
    assert d.X.tolist() == [[-1.5, 2000], [3, 4]] and d.Y.tolist() == [[0.5], [0]]


def test_exactly_max_rows_is_accepted():
    text = "a,b\n" + "1,0\n" * MAX_ROWS
    assert parse_csv_text(text).n_rows == MAX_ROWS


# ---- one clear message per bad file: what is wrong, and where ------------------------------
def test_empty_file(tmp_path):
    assert "is empty" in error_of(tmp_path, "")
    assert "is empty" in error_of(tmp_path, " \n\n")


def test_header_only(tmp_path):
    assert "no data rows" in error_of(tmp_path, "a,b\n")


def test_no_header(tmp_path):
    message = error_of(tmp_path, "8,8,4\n7,9,5\n")
    assert "row 1, column 1" in message and "must name the columns" in message


def test_header_cell_without_a_name(tmp_path):
    assert "row 1, column 2: the column has no name" in error_of(tmp_path, "a,,y\n1,2,3\n")


def test_duplicate_header_names(tmp_path):
    message = error_of(tmp_path, "a,b,a\n1,2,3\n")
    assert "row 1" in message and "'a' appears twice (columns 1 and 3)" in message


def test_non_numeric_cell(tmp_path):
    message = error_of(tmp_path, "cgpa,iq,lpa\n8,8,4\n7,high,5\n")
    assert "row 3, column 2 ('iq'): 'high' is not a number" in message


def test_missing_cell(tmp_path):
    message = error_of(tmp_path, "cgpa,iq,lpa\n8,8,4\n7,,5\n")
    assert "row 3, column 2 ('iq') is empty" in message


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_inf_cells(tmp_path, cell):
    message = error_of(tmp_path, f"a,b\n1,2\n3,4\n{cell},5\n")
    assert f"row 4, column 1 ('a'): '{cell}' is not a finite number" in message


def test_number_too_large_for_a_float(tmp_path):
    assert "row 2, column 2 ('b'): '1e999'" in error_of(tmp_path, "a,b\n1,1e999\n")


def test_python_only_number_forms_are_refused(tmp_path):
    assert "row 2, column 1 ('a'): write '1_000' as a plain decimal number" in error_of(tmp_path, "a,b\n1_000,2\n")


@pytest.mark.parametrize("line, count", [("1,2", 2), ("1,2,3,4", 4)])
def test_ragged_rows(tmp_path, line, count):
    message = error_of(tmp_path, f"a,b,c\n1,2,3\n{line}\n")
    assert f"row 3 has {count} cells but the header (row 1) has 3 columns" in message


def test_blank_line_between_rows(tmp_path):
    assert "row 3 is blank" in error_of(tmp_path, "a,b\n1,2\n\n3,4\n")


def test_fewer_than_two_columns(tmp_path):
    message = error_of(tmp_path, "lpa\n4\n5\n")
    assert "row 1 has 1 column" in message and "at least 2" in message


def test_one_column_in_any_delimiter(tmp_path):
    assert "separated by commas, semicolons or tabs" in error_of(tmp_path, "a b\n1 2\n")


def test_unclosed_quote(tmp_path):
    assert "row 2: cannot split the line into cells" in error_of(tmp_path, 'a,b\n"1,2\n')


def test_binary_junk_nul_bytes(tmp_path):
    message = error_of(tmp_path, b"a,b\n1,2\n\x89PNG\x00\x00\x1a")
    assert "row 3" in message and "NUL bytes" in message and "binary" in message


def test_not_utf8(tmp_path):
    message = error_of(tmp_path, "name,b\ncaf\u00e9,2\n".encode("latin-1"))
    assert "row 2" in message and "not UTF-8" in message and "0xe9" in message


def test_target_column_not_found(tmp_path):
    message = error_of(tmp_path, "cgpa,lpa\n8,4\n", target="salary")
    assert "row 1: there is no column named 'salary' (columns: cgpa, lpa)" in message


def test_every_column_a_target(tmp_path):
    assert "at least one column must be an input" in error_of(tmp_path, "a,b\n1,2\n", target=["a", "b"])


def test_bce_targets_must_be_0_or_1(tmp_path):
    message = error_of(tmp_path, "cgpa,placed\n8,1\n7,0\n6,0.5\n", loss="bce")
    assert "row 4, column 2 ('placed')" in message and "0 or 1, found 0.5" in message


def test_check_binary_targets_names_the_first_bad_cell():
    with pytest.raises(CsvError, match=r"row 2, column 3 \('lpa'\).*0 or 1, found 4"):
        check_binary_targets(load_builtin("students-regression"))


def test_other_losses_accept_any_target(tmp_path):
    assert load_csv(write(tmp_path, "a,b\n1,7\n"), loss="se").Y.tolist() == [[7]]


def test_too_many_rows(tmp_path):
    message = error_of(tmp_path, "a,b\n" + "1,0\n" * (MAX_ROWS + 1))
    assert f"{MAX_ROWS + 1} data rows" in message and f"limit is {MAX_ROWS}" in message


def test_too_many_inputs(tmp_path):
    header = ",".join(f"x{i}" for i in range(1, 10)) + ",y"
    message = error_of(tmp_path, header + "\n" + ",".join(["1"] * 10) + "\n")
    assert "row 1: 9 input columns" in message and "at most 8" in message


def test_too_many_targets(tmp_path):
    message = error_of(tmp_path, "a,b,c,d,e\n1,2,3,4,5\n", target=["b", "c", "d", "e"])
    assert "4 target columns" in message and "at most 3" in message


# ---- delimiters and decimal commas, detected and reported ---------------------------------
COMMA_TWIN = "cgpa,profile_score,lpa\n8.5,8,4.25\n7,9.5,5\n-6.125,10,6e2\n"


@pytest.mark.parametrize("text, detected", [
    (COMMA_TWIN, "comma-separated"),
    ("cgpa;profile_score;lpa\n8,5;8;4,25\n7;9,5;5\n-6,125;10;6e2\n", "semicolon-separated, decimal comma"),
    ("cgpa;profile_score;lpa\n8.5;8;4.25\n7;9.5;5\n-6.125;10;6e2\n", "semicolon-separated"),
    ("cgpa\tprofile_score\tlpa\n8,5\t8\t4,25\n7\t9,5\t5\n-6,125\t10\t6e2\n", "tab-separated, decimal comma"),
    ("cgpa\tprofile_score\tlpa\n8.5\t8\t4.25\n7\t9.5\t5\n-6.125\t10\t6e2\n", "tab-separated"),
])
def test_every_way_of_writing_reads_the_same_numbers(tmp_path, text, detected):
    d = load_csv(write(tmp_path, text))
    assert d.detected == detected
    assert d.input_names == ("cgpa", "profile_score") and d.target_names == ("lpa",)
    assert d.X.tolist() == [[8.5, 8], [7, 9.5], [-6.125, 10]] and d.Y.tolist() == [[4.25], [5], [600]]
    assert data.header_of(write(tmp_path, text, "other.csv")) == (("cgpa", "profile_score", "lpa"), detected)


def test_quoted_cells_may_hold_the_delimiter(tmp_path):
    d = load_csv(write(tmp_path, '"a;1";b\n1,5;2\n'))
    assert d.input_names == ("a;1",) and d.X.tolist() == [[1.5]] and d.detected.startswith("semicolon")


def test_a_point_in_a_decimal_comma_file_is_ambiguous(tmp_path):
    message = error_of(tmp_path, "a;b\n1,5;2\n1.000;3\n")
    assert "row 3, column 1 ('a'): '1.000' has a point" in message and "decimal" in message


def test_a_ragged_semicolon_file_names_the_row(tmp_path):
    assert "row 3 has 2 cells but the header (row 1) has 3 columns" in error_of(tmp_path, "a;b;c\n1;2;3\n1;2\n")


def test_builtins_report_nothing_detected():
    d = load_builtin("students-regression")
    assert d.detected == "" and d.notes == ()


# ---- files that are not files: refused before reading -----------------------------------------
def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException | object] = []

    def load() -> None:
        try:
            outcome.append(load_csv(fifo))
        except BaseException as e:  # noqa: BLE001 (handed to the test thread)
            outcome.append(e)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=10)  # a failsafe only: the load returns at once, it never waits
    if worker.is_alive():  # release the reader so the test process can end, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load_csv blocked on a FIFO")
    assert isinstance(outcome[0], CsvError) and "named pipe (FIFO)" in str(outcome[0])


def test_dev_zero_is_refused_not_read():
    with pytest.raises(CsvError, match="'/dev/zero' is a device, not a CSV file"):
        load_csv("/dev/zero")
    with pytest.raises(CsvError, match="is a device"):
        data.header_of("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(data.MAX_BYTES + 1)  # sparse: no memory or disk used
    with pytest.raises(CsvError, match="larger than 10 MB"):
        load_csv(big)


def test_the_read_is_bounded_even_when_the_size_is_not_known_in_advance(monkeypatch):
    # /proc files report a size of 0 yet hold text: only the bounded read can catch them.
    assert os.stat("/proc/self/status").st_size == 0
    monkeypatch.setattr(data, "MAX_BYTES", 100)
    with pytest.raises(CsvError, match="status is larger than 0.0001 MB"):
        load_csv("/proc/self/status")


def test_a_file_at_the_size_limit_is_read(tmp_path):
    text = "a,b\n1,2\n"
    path = write(tmp_path, text + " " * (data.MAX_BYTES - len(text)))  # trailing blanks are allowed
    assert load_csv(path).X.tolist() == [[1]]


# ---- notes: what does not stop training, named -----------------------------------------------
def test_a_constant_column_gets_a_note_naming_it(tmp_path):
    d = load_csv(write(tmp_path, "x,z,y\n3,1,4\n3,2,5\n3,4,7\n"))
    assert d.notes == ("column 'x' has the same value (3) in every row: it cannot help the prediction; "
                       "it is standardised to 0",)


def test_a_huge_constant_is_written_in_scientific_notation(tmp_path):
    (note,) = load_csv(write(tmp_path, "x,z,y\n1e308,1,4\n1e308,2,5\n")).notes
    assert note.startswith("column 'x' has the same value (1e+308) in every row")


def test_a_constant_target_gets_a_note(tmp_path):
    d = load_csv(write(tmp_path, "x,y\n1,2.5\n2,2.5\n"))
    assert len(d.notes) == 1 and "target column 'y' has the same value (2.5) in every row" in d.notes[0]


def test_an_ordinary_table_has_no_notes(tmp_path):
    assert load_csv(write(tmp_path, COMMA_TWIN)).notes == ()


def test_a_single_row_table_says_so_once(tmp_path):
    (note,) = load_csv(write(tmp_path, "a,b\n1,2\n")).notes
    assert "one data row" in note


def test_columns_near_the_float_limit_load_and_standardise(tmp_path):
    with np.errstate(all="raise"):
        d = load_csv(write(tmp_path, "big,mid,y\n1e308,1e200,1\n-1e308,2e200,2\n1e308,3e200,3\n-1e308,2e200,4\n"))
        z = Scaler.fit(d.X).transform(d.X)
    # big: mean 0, deviation 1e308; mid: mean 2e200, deviation 1e200/√2
    assert z[:, 0].tolist() == [1.0, -1.0, 1.0, -1.0]
    assert z[:, 1] == pytest.approx([-math.sqrt(2), 0, math.sqrt(2), 0])
    assert d.notes == ()


# ---- choosing the inputs and the target ------------------------------------------------------
def test_inputs_choose_columns_and_others_are_ignored(tmp_path):
    path = write(tmp_path, "name,cgpa,iq,lpa\nAsha,8,100,4\nRavi,7,90,5\n")
    d = load_csv(path, "lpa", inputs=["cgpa"])
    assert d.input_names == ("cgpa",) and d.X.tolist() == [[8], [7]] and d.Y.tolist() == [[4], [5]]
    assert d.columns == ("cgpa", "lpa")
    assert load_csv(path, inputs=("iq", "cgpa")).input_names == ("cgpa", "iq")  # file order
    assert "row 2, column 1 ('name'): 'Asha' is not a number" in error_of(tmp_path, path.read_text())


def test_bad_input_choices(tmp_path):
    text = "a,b,y\n1,2,3\n"
    assert "column 'y' is chosen as an input and as a target" in error_of(tmp_path, text, inputs=["a", "y"])
    assert "no column named 'c'" in error_of(tmp_path, text, inputs=["c"])
    assert "choose at least one input column" in error_of(tmp_path, text, inputs=[])
    assert "input column 'a' is chosen twice" in error_of(tmp_path, text, inputs=["a", "a"])


def test_parse_csv_text_takes_inputs_too():
    d = parse_csv_text("a,b,y\n1,2,3\n4,5,6\n", "y", inputs=["b"])
    assert d.X.tolist() == [[2], [5]] and d.detected == "comma-separated"


def test_header_of_a_bad_file_is_one_error(tmp_path):
    with pytest.raises(CsvError, match="^table.csv: row 1, column 1: '8' is a number"):
        data.header_of(write(tmp_path, "8,8,4\n"))


# ---- generated data sets through 'builtin:NAME' ---------------------------------------------
def test_resolve_a_generated_set_passes_its_arguments():
    d = resolve_data("builtin:spiral", points=60, noise=0.2, data_seed=5)
    same = playground.generate("spiral", points=60, noise=0.2, seed=5)
    assert np.array_equal(d.X, same.X) and np.array_equal(d.Y, same.Y)
    assert resolve_data("builtin:xor-table", loss="bce").Y[:, 0].tolist() == [0, 1, 1, 0]


def test_generated_set_errors_are_csv_errors():
    with pytest.raises(CsvError, match="points must be from 20 to 1000, got 5"):
        resolve_data("builtin:circles", points=5)
    with pytest.raises(CsvError, match=r"row \d+, column 3 \('y'\).*0 or 1"):
        resolve_data("builtin:plane", loss="bce")
    with pytest.raises(CsvError, match="target of a generated data set is 'label'"):
        resolve_data("builtin:xor", "y")
    assert resolve_data("builtin:xor", "label").target_names == ("label",)


def test_every_builtin_name_is_listed_and_resolves():
    assert data.builtin_names() == (*BUILTINS, *playground.GENERATED)
    assert set(data.all_builtins()) == set(data.builtin_names())
    for name in data.builtin_names():
        assert resolve_data(data.BUILTIN_PREFIX + name, points=20).n_rows >= 4


def test_a_bare_generated_name_gets_a_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CsvError, match="builtin:gauss-mix"):
        resolve_data("gauss-mix")
