"""read_table: one test per format and per way a file can be unusable."""

import numpy as np
import pandas as pd
import pytest

from semiloop.data import read_table
from semiloop.errors import DataError


@pytest.fixture
def table():
    return pd.DataFrame(
        {"a": [0.5, 1.5, 2.5], "b": [1, 2, 3], "label": [1, -1, 0], "id": [10, 11, 12]}
    )


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson"])
def test_reads_each_text_and_columnar_format(tmp_path, table, suffix):
    path = tmp_path / f"pool{suffix}"
    if suffix in (".csv", ".tsv"):
        table.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    elif suffix in (".parquet", ".pq"):
        table.to_parquet(path)
    else:
        table.to_json(path, orient="records", lines=True)
    pd.testing.assert_frame_equal(read_table(path), table)


def test_suffix_is_case_insensitive(tmp_path, table):
    path = tmp_path / "POOL.CSV"
    table.to_csv(path, index=False)
    assert read_table(str(path)).shape == (3, 4)


def test_npz_names_columns_from_feature_names(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, X=np.arange(6.0).reshape(3, 2), y=np.array(["a", "", "b"]),
             ids=np.array([7, 8, 9]), feature_names=np.array(["height", "width"]))
    frame = read_table(path)
    assert frame.columns.tolist() == ["height", "width", "label", "id"]
    assert frame["width"].tolist() == [1.0, 3.0, 5.0]
    assert frame["label"].tolist() == ["a", "", "b"]
    assert frame["id"].tolist() == [7, 8, 9]


def test_npz_without_names_uses_x_columns(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, X=np.zeros((2, 3)))
    assert read_table(path).columns.tolist() == ["x0", "x1", "x2"]


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DataError, match="file not found") as error:
        read_table(path)
    assert str(path) in str(error.value)


def test_unknown_suffix_lists_supported_ones(tmp_path):
    path = tmp_path / "pool.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"unsupported file suffix '\.xlsx'") as error:
        read_table(path)
    for suffix in (".csv", ".parquet", ".jsonl", ".npz"):
        assert suffix in str(error.value)


def test_corrupt_parquet_says_not_valid_parquet(tmp_path):
    path = tmp_path / "pool.parquet"
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(DataError, match="is not valid Parquet"):
        read_table(path)


def test_corrupt_jsonl_says_not_valid_json_lines(tmp_path):
    path = tmp_path / "pool.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(DataError, match="is not valid JSON Lines"):
        read_table(path)


def test_corrupt_npz_says_not_valid_npz(tmp_path):
    path = tmp_path / "pool.npz"
    path.write_bytes(b"not a zip archive at all")
    with pytest.raises(DataError, match="is not valid NPZ"):
        read_table(path)


def test_npz_without_x_lists_expected_arrays(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, features=np.zeros((2, 2)))
    with pytest.raises(DataError, match="needs 'X'"):
        read_table(path)


def test_npz_object_array_is_refused_not_unpickled(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, X=np.zeros((2, 1)), y=np.array(["a", None], dtype=object))
    with pytest.raises(DataError, match=r"array 'y' .* is an object array"):
        read_table(path)


def test_npz_label_length_must_match_rows(tmp_path):
    path = tmp_path / "pool.npz"
    np.savez(path, X=np.zeros((3, 1)), y=np.array([0, 1]))
    with pytest.raises(DataError, match="one entry per row"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".npz"])
def test_empty_file_is_an_error(tmp_path, suffix):
    path = tmp_path / f"pool{suffix}"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="is empty"):
        read_table(path)


def test_header_only_csv_has_no_rows(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("a,b,label\n")
    with pytest.raises(DataError, match="no rows"):
        read_table(path)


def test_zero_row_parquet_has_no_rows(tmp_path):
    path = tmp_path / "pool.parquet"
    pd.DataFrame({"a": pd.Series([], dtype=float)}).to_parquet(path)
    with pytest.raises(DataError, match="no rows"):
        read_table(path)


def test_directory_is_not_a_file(tmp_path):
    folder = tmp_path / "pool.csv"
    folder.mkdir()
    with pytest.raises(DataError, match="is not a file"):
        read_table(folder)
