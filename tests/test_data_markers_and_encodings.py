"""Issue 10, the command line as a new user meets it: missing cells, markers, encodings, sep.

Only an empty cell (or null) is a missing value and only the documented markers
mean unlabeled; a marker matches whatever the label column's type; a file that
is not UTF-8 or not comma-separated fails with a message that names the fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from semiloop.data import load_dataset, placeholder_classes, read_table, unlabeled_mask
from semiloop.data.labels import PLACEHOLDER_LABELS, encode_labels
from semiloop.errors import DataError, SemiloopWarning

PLACEHOLDERS = ["None", "NA", "null", "n/a", "NaN", "nan", "N/A", "#N/A", "<NA>", "NULL"]


def _no_warnings(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


# --- only an empty cell is missing ---------------------------------------------------------

@pytest.mark.parametrize("text", PLACEHOLDERS)
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_placeholder_text_in_a_cell_is_data_and_only_an_empty_cell_is_missing(
        tmp_path, text, suffix):
    sep = "\t" if suffix == ".tsv" else ","
    path = tmp_path / f"pool{suffix}"
    path.write_text(f"x{sep}label\n1{sep}{text}\n2{sep}\n3{sep}cat\n")
    frame = read_table(path)
    assert frame["label"].iloc[0] == text
    assert pd.isna(frame["label"].iloc[1])
    assert frame["label"].iloc[2] == "cat"


def test_class_named_none_with_211_labeled_rows_stays_a_class(tmp_path):
    path = tmp_path / "pool.csv"
    labels = ["None"] * 211 + ["spam"] * 150 + [""] * 40
    rows = "".join(f"{index},{label}\n" for index, label in enumerate(labels))
    path.write_text("x,label\n" + rows)
    dataset = _no_warnings(load_dataset, path, "label")
    assert dataset.classes.tolist() == ["None", "spam"]
    assert (dataset.n_labeled, dataset.n_unlabeled) == (361, 40)
    assert np.bincount(dataset.y[dataset.labeled_mask]).tolist() == [211, 150]


def test_numeric_column_with_empty_cells_stays_numeric(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,n,label\n1,2.5,a\n2,,b\n3,4,\n")
    frame = read_table(path)
    assert frame["n"].dtype == np.float64
    assert np.isnan(frame["n"].iloc[1])
    assert frame["x"].dtype.kind == "i"


def test_numeric_column_with_na_text_is_text_until_na_values_names_it(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,label\n1.5,a\nNA,b\n2,a\n3,b\n")
    assert read_table(path)["x"].tolist() == ["1.5", "NA", "2", "3"]
    frame = read_table(path, na_values=["NA"])
    assert frame["x"].dtype == np.float64
    assert np.isnan(frame["x"].iloc[1])
    assert read_table(path, na_values="NA")["x"].dtype == np.float64


def test_feature_of_numbers_and_na_text_warns_and_names_na_values(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,z,label\n1.5,1,a\nNA,null,b\n2,3,a\n3,4,b\n")
    with pytest.warns(SemiloopWarning, match=r"\['x', 'z'\] .* read as text") as record:
        load_dataset(path, "label")
    warning = record[0].message
    assert "na_values=['NA', 'null']" in str(warning)
    assert warning.options == {"na_values": ["NA", "null"]}
    dataset = _no_warnings(load_dataset, path, "label", na_values=["NA", "null"])
    assert dataset.features["x"].dtype == np.float64


def test_text_feature_with_a_none_category_does_not_warn(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("colour,label\nred,a\nNone,b\nblue,a\nNone,b\n")
    dataset = _no_warnings(load_dataset, path, "label")
    assert dataset.features["colour"].tolist() == ["red", "None", "blue", "None"]


def test_json_lines_strings_are_data_and_null_is_missing(tmp_path):
    path = tmp_path / "pool.jsonl"
    path.write_text('{"x": 1, "label": "None"}\n{"x": 2, "label": null}\n'
                    '{"x": 3, "label": "NA"}\n{"x": 4, "label": "None"}\n{"x": 5, "label": "NA"}\n')
    dataset = load_dataset(path, "label")
    assert dataset.classes.tolist() == ["NA", "None"]
    assert dataset.y.tolist() == [1, -1, 0, 1, 0]


# --- the unlabeled marker matches whatever the label type ----------------------------------

@pytest.mark.parametrize(
    ("cells", "marker", "expected_y", "expected_classes"),
    [
        (["1", "0", "2", "1", "0", "2"], "0", [0, -1, 1, 0, -1, 1], [1, 2]),
        (["1", "0", "2", "1", "", "2"], "0", [0, -1, 1, 0, -1, 1], [1, 2]),
        (["1.0", "0.0", "2.0", "1.0", "0.0", "2.0"], "0", [0, -1, 1, 0, -1, 1], [1, 2]),
        (["1", "0", "2", "1", "0", "2"], " 0 ", [0, -1, 1, 0, -1, 1], [1, 2]),
        (["a", "?", "b", "a", "?", "b"], "?", [0, -1, 1, 0, -1, 1], ["a", "b"]),
        (["a", "?", "b", "a", "?", "b"], " ? ", [0, -1, 1, 0, -1, 1], ["a", "b"]),
        (["a", " ? ", "b", "a", "?", "b"], "?", [0, -1, 1, 0, -1, 1], ["a", "b"]),
        (["1", "?", "0", "1", "?", "0"], "?", [1, -1, 0, 1, -1, 0], [0, 1]),
        (["yes", "unknown", "no", "yes", "unknown", "no"], "unknown", [1, -1, 0, 1, -1, 0],
         ["no", "yes"]),
    ],
    ids=["int-text-marker", "int-with-empty", "float", "stripped-marker", "text",
         "text-stripped-marker", "text-stripped-cell", "numbers-and-marker", "word"],
)
def test_marker_from_the_command_line_matches_any_label_type(
        tmp_path, cells, marker, expected_y, expected_classes):
    path = tmp_path / "pool.csv"
    rows = "".join(f"{index},{cell}\n" for index, cell in enumerate(cells))
    path.write_text("x,label\n" + rows)
    dataset = _no_warnings(load_dataset, path, "label", unlabeled_marker=marker)
    assert dataset.y.tolist() == expected_y
    assert dataset.classes.tolist() == expected_classes


@pytest.mark.parametrize(
    ("labels", "marker", "expected"),
    [
        (np.array([1, 0, -1, 2]), "0", [False, True, True, False]),
        (np.array([1.0, 0.0, np.nan, 2.0]), "0", [False, True, True, False]),
        (np.array([1, 0, 2]), 0.0, [False, True, False]),
        (np.array([1, 0, 2]), "?", [False, False, False]),
        (np.array(["a", "0", "b"], dtype=object), 0, [False, True, False]),
        (np.array(["a", " ? ", "?", "b"]), "?", [False, True, True, False]),
        (np.array([True, False]), "0", [False, False]),
    ],
    ids=["int", "float", "float-marker", "text-marker-no-match", "number-marker-on-text",
         "unicode-array", "bool"],
)
def test_unlabeled_mask_matches_the_marker_across_types(labels, marker, expected):
    assert unlabeled_mask(labels, marker=marker).tolist() == expected


def test_encode_labels_with_a_text_marker_on_numbers():
    codes, classes = encode_labels(np.array([3, 0, 7, 3]), marker="0")
    assert codes.tolist() == [0, -1, 1, 0]
    assert classes.tolist() == [3, 7]


def test_marker_that_matches_nothing_warns_with_the_option(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,label\n1,a\n2,b\n3,a\n4,b\n")
    with pytest.warns(SemiloopWarning, match=r"unlabeled_marker='\?' matches no label") as record:
        load_dataset(path, "label", unlabeled_marker="?")
    assert "'a', 'b'" in str(record[0].message)
    assert record[0].message.options == {"unlabeled_marker": "?"}


def test_marker_that_matches_rows_does_not_warn(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,label\n1,a\n2,b\n3,a\n4,b\n5,?\n6,\n")
    dataset = _no_warnings(load_dataset, path, "label", unlabeled_marker="?")
    assert dataset.n_unlabeled == 2


# --- placeholder classes are found, never made unlabeled ------------------------------------

@pytest.mark.parametrize("text", ["?", "unknown", "n/a", "NA", "None", "NULL", "missing", "-",
                                  "TBD", " Unknown ", "nan"])
def test_placeholder_classes_finds_no_label_lookalikes(text):
    assert placeholder_classes(["cat", text, "dog"]) == [text]


def test_placeholder_classes_ignores_real_classes_and_numbers():
    assert placeholder_classes(["cat", "dog", "none of these", "nano"]) == []
    assert placeholder_classes(np.array([0, 1, 2])) == []
    assert placeholder_classes(np.array(["?", "a"])) == ["?"]
    named = {"?", "unknown", "n/a", "na", "none", "null", "missing", "-", "tbd"}
    assert named <= PLACEHOLDER_LABELS


def test_placeholder_classes_stay_classes(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,label\n1,cat\n2,unknown\n3,dog\n4,unknown\n5,cat\n6,dog\n")
    dataset = _no_warnings(load_dataset, path, "label")
    assert dataset.n_unlabeled == 0
    assert placeholder_classes(dataset.classes) == ["unknown"]


# --- encodings -------------------------------------------------------------------------------

def _latin1_csv(tmp_path, suffix=".csv"):
    path = tmp_path / f"pool{suffix}"
    text = "x,label\n1,caf\xe9\n2,th\xe9\n3,caf\xe9\n4,th\xe9\n"
    if suffix == ".jsonl":
        text = "".join(f'{{"x": {index}, "label": "{word}"}}\n'
                       for index, word in enumerate(["caf\xe9", "th\xe9"] * 2))
    path.write_bytes(text.encode("latin-1"))
    return path


def test_latin1_csv_says_not_utf8_names_the_byte_and_the_fix(tmp_path):
    path = _latin1_csv(tmp_path)
    with pytest.raises(DataError, match="is not UTF-8 text") as error:
        read_table(path)
    message = str(error.value)
    assert "0xe9 at byte offset 13, line 2" in message
    assert message.endswith("re-save it as UTF-8, or pass encoding='latin-1'")
    assert error.value.options == {"encoding": "latin-1"}
    assert "codec can't decode" not in message


def test_latin1_csv_reads_with_its_encoding(tmp_path):
    path = _latin1_csv(tmp_path)
    assert read_table(path, encoding="latin-1")["label"].tolist() == ["café", "thé"] * 2
    dataset = load_dataset(path, "label", encoding="latin-1")
    assert dataset.classes.tolist() == ["café", "thé"]


def test_latin1_json_lines_says_not_utf8_and_reads_with_its_encoding(tmp_path):
    path = _latin1_csv(tmp_path, ".jsonl")
    with pytest.raises(DataError, match=r"not UTF-8 text .*; re-save it as UTF-8") as error:
        read_table(path)
    assert error.value.options == {"encoding": "latin-1"}
    assert read_table(path, encoding="latin-1")["label"].tolist() == ["café", "thé"] * 2


def test_bad_byte_after_the_first_megabyte_is_found(tmp_path):
    path = tmp_path / "pool.csv"
    rows = "".join(f"{index},a\n" for index in range(200_000))
    path.write_bytes(("x,label\n" + rows).encode() + b"7,caf\xe9\n")
    with pytest.raises(DataError, match="0xe9 at byte offset") as error:
        read_table(path)
    assert f"line {200_002}" in str(error.value)
    assert f"offset {path.stat().st_size - 2}" in str(error.value)


def test_wrong_explicit_encoding_names_the_fix(tmp_path):
    path = _latin1_csv(tmp_path)
    with pytest.raises(DataError, match="is not ascii text") as error:
        read_table(path, encoding="ascii")
    assert "encoding='latin-1'" in str(error.value)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_bytes("x,label\n1,é\n2,b\n".encode("utf-8-sig"))
    assert read_table(path).columns.tolist() == ["x", "label"]
    assert read_table(path, encoding="utf-8").columns.tolist() == ["x", "label"]


def test_utf16_with_its_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_bytes("x,label\n1,é\n2,b\n".encode("utf-16"))
    assert read_table(path)["label"].tolist() == ["é", "b"]


def test_unknown_encoding_and_encoding_on_a_binary_format_are_errors(tmp_path):
    path = _latin1_csv(tmp_path)
    with pytest.raises(DataError, match="unknown encoding 'latin-9000'"):
        read_table(path, encoding="latin-9000")
    parquet = tmp_path / "pool.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(parquet)
    with pytest.raises(DataError, match="encoding='latin-1' applies to CSV, TSV and JSON Lines"):
        read_table(parquet, encoding="latin-1")


# --- separators ------------------------------------------------------------------------------

@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_separator_is_detected_from_a_header_without_commas(tmp_path, sep):
    path = tmp_path / "semi.csv"
    path.write_text(sep.join(["a", "b", "y"]) + "\n"
                    + "\n".join(sep.join(row) for row in [["1", "2,5", "u"], ["3", "4", "v"],
                                                          ["5", "6", "u"], ["7", "8", "v"]])
                    + "\n")
    frame = read_table(path)
    assert frame.columns.tolist() == ["a", "b", "y"]
    assert frame["b"].tolist() == ["2,5", "4", "6", "8"]
    assert load_dataset(path, "y").classes.tolist() == ["u", "v"]


def test_comma_csv_with_semicolons_in_cells_stays_comma(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("a,note,y\n1,x;y;z,u\n2,p;q,v\n")
    assert read_table(path).columns.tolist() == ["a", "note", "y"]


def test_quoted_single_column_header_stays_one_column(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text('"a;b"\n1\n2\n')
    assert read_table(path).columns.tolist() == ["a;b"]


def test_header_with_two_separators_uses_the_one_the_rows_share(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("a|b;c;y\n1|2;3;u\n4|5;6;v\n7|8;9;u\n")
    assert read_table(path).columns.tolist() == ["a|b", "c", "y"]


def test_explicit_sep_is_used_as_given(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("a;b,y\n1;2,u\n3;4,v\n")
    assert read_table(path).columns.tolist() == ["a;b", "y"]
    assert read_table(path, sep=";").columns.tolist() == ["a", "b,y"]
    tsv = tmp_path / "pool.tsv"
    tsv.write_text("a;b\n1;2\n")
    assert read_table(tsv, sep=";").columns.tolist() == ["a", "b"]


def test_missing_label_in_a_header_split_by_another_separator_names_sep(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;c;y\n1;2;3;u\n4;5;6;v\n")
    with pytest.raises(DataError, match=r"label column 'y' is not in .*'a;b;c;y'") as error:
        load_dataset(path, "y", sep=",")
    assert str(error.value).endswith("the header looks split by ';': pass sep=';'")
    assert error.value.options == {"sep": ";"}


def test_missing_label_without_a_separator_hint_is_unchanged(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("a,b,y\n1,2,u\n")
    with pytest.raises(DataError) as error:
        load_dataset(path, "target")
    assert str(error.value).endswith("available columns: ['a', 'b', 'y']")
    assert error.value.options == {}


def test_bad_sep_and_sep_on_other_formats_are_errors(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="sep=';;' is not a separator"):
        read_table(path, sep=";;")
    jsonl = tmp_path / "pool.jsonl"
    jsonl.write_text('{"a": 1}\n')
    with pytest.raises(DataError, match="sep=';' applies to CSV and TSV files"):
        read_table(jsonl, sep=";")
    with pytest.raises(DataError, match=r"na_values=\[1\] must be a text"):
        read_table(path, na_values=[1])


def test_read_options_do_not_apply_to_a_dataframe():
    frame = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})
    with pytest.raises(DataError, match="sep=';' apply only when reading a file"):
        load_dataset(frame, "y", sep=";")
