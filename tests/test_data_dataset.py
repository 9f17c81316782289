"""load_dataset and Dataset: validation, unlabeled markers, ids, and format round-trips."""

import warnings

import numpy as np
import pandas as pd
import pytest

from semiloop.data import Dataset, load_dataset
from semiloop.errors import DataError, SemiloopWarning


@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "a": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
            "b": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "label": [1, -1, 0, 1, -1, 0],
            "id": [10, 11, 12, 13, 14, 15],
        }
    )


def _write(table, path):
    suffix = path.suffix
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".parquet":
        table.to_parquet(path)
    elif suffix == ".jsonl":
        table.to_json(path, orient="records", lines=True)
    else:
        features = table.drop(columns=["label", "id"])
        names = np.array(list(features.columns), dtype=str)
        np.savez(path, X=features.to_numpy(dtype=float), y=table["label"].to_numpy(),
                 ids=table["id"].to_numpy(), feature_names=names)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".npz"])
def test_same_table_in_every_format_loads_to_the_same_dataset(tmp_path, table, suffix):
    path = tmp_path / f"pool{suffix}"
    _write(table, path)
    dataset = load_dataset(path, "label", id_column="id")
    assert dataset.y.dtype == np.int64
    assert dataset.y.tolist() == [1, -1, 0, 1, -1, 0]
    assert dataset.classes.tolist() == [0, 1]
    assert dataset.ids.tolist() == [10, 11, 12, 13, 14, 15]
    assert dataset.features.columns.tolist() == ["a", "b"]
    pd.testing.assert_frame_equal(dataset.features, table[["a", "b"]], check_dtype=False)
    assert (dataset.label_column, dataset.id_column) == ("label", "id")
    assert (dataset.n_labeled, dataset.n_unlabeled) == (4, 2)


@pytest.mark.parametrize(
    ("cells", "marker"),
    [(["1", "", "0", "1", "", "0"], None),
     (["1", "-1", "0", "1", "-1", "0"], None),
     (["1", "?", "0", "1", "?", "0"], "?")],
    ids=["empty-cell", "minus-one", "marker"],
)
def test_empty_cell_minus_one_and_marker_mean_unlabeled(tmp_path, cells, marker):
    path = tmp_path / "pool.csv"
    rows = "\n".join(f"{index}.0,{cell}" for index, cell in enumerate(cells))
    path.write_text("x,label\n" + rows + "\n")
    dataset = load_dataset(path, "label", unlabeled_marker=marker)
    assert dataset.y.tolist() == [1, -1, 0, 1, -1, 0]
    assert dataset.classes.tolist() == [0, 1]
    assert dataset.classes.dtype.kind == "i"


def test_marker_without_being_named_is_a_class(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,label\n1,a\n2,?\n3,b\n4,a\n5,?\n6,b\n")
    assert load_dataset(path, "label").classes.tolist() == ["?", "a", "b"]
    assert load_dataset(path, "label", unlabeled_marker="?").classes.tolist() == ["a", "b"]


def test_string_class_labels_round_trip(table):
    table = table.assign(label=["spam", None, "ham", "spam", "", "ham"])
    dataset = load_dataset(table, "label")
    assert dataset.classes.tolist() == ["ham", "spam"]
    assert dataset.y.tolist() == [1, -1, 0, 1, -1, 0]
    assert dataset.labels(dataset.y).tolist() == ["spam", None, "ham", "spam", None, "ham"]
    assert dataset.labels([0, 1]).tolist() == ["ham", "spam"]
    np.testing.assert_array_equal(dataset.labeled_mask, [True, False, True, True, False, True])


def test_ids_from_column_or_row_numbers(table):
    shuffled = table.iloc[[3, 0, 5, 1, 4, 2]]
    assert load_dataset(shuffled, "label", id_column="id").ids.tolist() == [13, 10, 15, 11, 14, 12]
    by_row = load_dataset(shuffled, "label")
    assert by_row.ids.tolist() == [0, 1, 2, 3, 4, 5]
    assert by_row.id_column is None
    assert "id" in by_row.features.columns


def test_string_ids_are_kept(table):
    table = table.assign(id=[f"row-{n}" for n in range(6)])
    assert load_dataset(table, "label", id_column="id").ids[2] == "row-2"


def test_feature_columns_selects_features(table):
    dataset = load_dataset(table, "label", feature_columns=["b"])
    assert dataset.features.columns.tolist() == ["b"]


def test_missing_label_column_lists_available_columns(table):
    with pytest.raises(DataError, match="label column 'target' is not in") as error:
        load_dataset(table, "target")
    assert "['a', 'b', 'label', 'id']" in str(error.value)


def test_missing_id_column_is_an_error(table):
    with pytest.raises(DataError, match="id column 'key' is not in"):
        load_dataset(table, "label", id_column="key")


def test_missing_feature_column_is_an_error(table):
    with pytest.raises(DataError, match=r"feature column\(s\) \['c'\]"):
        load_dataset(table, "label", feature_columns=["a", "c"])


def test_duplicate_ids_name_the_repeated_values(table):
    table = table.assign(id=[10, 11, 10, 13, 13, 15])
    with pytest.raises(DataError, match="repeats 2 id") as error:
        load_dataset(table, "label", id_column="id")
    assert "[10, 13]" in str(error.value)


def test_empty_ids_are_an_error(table):
    table = table.assign(id=[10, None, 12, 13, 14, 15])
    with pytest.raises(DataError, match="1 empty cell"):
        load_dataset(table, "label", id_column="id")


def test_no_labeled_rows_is_an_error(table):
    with pytest.raises(DataError, match="no labeled rows in column 'label'"):
        load_dataset(table.assign(label=[-1, None, "", -1, "", None]), "label")


def test_only_one_labeled_class_is_an_error(table):
    with pytest.raises(DataError, match=r"only one class is labeled .* \(1\)"):
        load_dataset(table.assign(label=[1, -1, 1, 1, -1, -1]), "label")


def test_class_with_a_single_labeled_row_warns(table):
    with pytest.warns(SemiloopWarning, match=r"single labeled row \(0\)"):
        dataset = load_dataset(table.assign(label=[1, -1, 0, 1, -1, 1]), "label")
    assert dataset.n_labeled == 4


def test_well_labeled_table_does_not_warn(table):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_dataset(table, "label")


def test_table_with_only_label_and_id_has_no_features(table):
    with pytest.raises(DataError, match="no feature columns"):
        load_dataset(table[["label", "id"]], "label", id_column="id")


def test_labels_cannot_be_overwritten(table):
    dataset = load_dataset(table, "label")
    with pytest.raises(ValueError, match="read-only"):
        dataset.y[1] = 0
    with pytest.raises(AttributeError):
        dataset.y = np.zeros(6, dtype=np.int64)


def test_dataset_rejects_mismatched_lengths():
    with pytest.raises(DataError, match="one label and one id per row"):
        Dataset(pd.DataFrame({"x": [1.0, 2.0]}), np.array([0]), np.array([0]), np.arange(2),
                "label")


def test_labels_rejects_codes_out_of_range(table):
    dataset = load_dataset(table, "label")
    with pytest.raises(DataError, match=r"codes must lie in -1..1"):
        dataset.labels([2])
