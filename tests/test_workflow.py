import json

import numpy as np
import pandas as pd
import pytest
from sample_tables import two_class_table

from semiloop.errors import DataError, FeatureMismatchError, SemiloopError
from semiloop.workflow import TableModel, predict_table, train_table


def test_train_table_predicts_every_unlabeled_row_by_id():
    frame = two_class_table()
    result = train_table(frame, "label", id_column="row", unlabeled_marker="?")
    unlabeled = frame.loc[frame["label"] == "?", "row"].tolist()
    assert result.predictions["id"].tolist() == unlabeled
    assert set(result.predictions["prediction"]) <= {"cat", "dog"}
    assert result.predictions["confidence"].between(0.5, 1.0).all()
    probabilities = result.predictions[["proba_cat", "proba_dog"]].sum(axis=1)
    np.testing.assert_allclose(probabilities, 1.0, atol=1e-5)
    assert isinstance(result.model, TableModel)


def test_metrics_describe_the_fit_and_are_json_ready():
    frame = two_class_table()
    result = train_table(frame, "label", id_column="row", unlabeled_marker="?")
    metrics = result.metrics
    labeled = frame["label"] != "?"
    assert metrics["n_labeled"] == labeled.sum()
    assert metrics["n_unlabeled"] == (~labeled).sum()
    assert metrics["labeled_per_class"] == {
        "cat": int((frame["label"] == "cat").sum()), "dog": int((frame["label"] == "dog").sum())}
    assert 0 <= metrics["supervised_validation_accuracy"] <= 1
    assert 0 <= metrics["semiloop_validation_accuracy"] <= 1
    estimator = result.model.pipeline.named_steps["ssl"]
    assert sum(metrics["pseudo_labels_per_class"].values()) == np.sum(estimator.labeled_iter_ > 0)
    assert metrics["used_unlabeled"] == (sum(metrics["pseudo_labels_per_class"].values()) > 0)
    assert metrics["rounds"] == estimator.n_iter_
    json.dumps(metrics)


def test_progress_sees_the_rounds_as_they_grow():
    seen = []
    result = train_table(two_class_table(), "label", unlabeled_marker="?", progress=seen.append)
    assert seen, "progress was never called"
    assert seen[-1] == result.metrics["history"]
    lengths = [len(history) for history in seen]
    assert lengths == sorted(lengths)
    assert seen[-1][-1]["round"] == result.metrics["rounds"]


def test_same_seed_same_predictions():
    first = train_table(two_class_table(), "label", unlabeled_marker="?", random_state=3)
    second = train_table(two_class_table(), "label", unlabeled_marker="?", random_state=3)
    pd.testing.assert_frame_equal(first.predictions, second.predictions)


def test_predict_table_sets_label_and_id_columns_aside():
    frame = two_class_table()
    model = train_table(frame, "label", id_column="row", unlabeled_marker="?").model
    new = frame.head(10).copy()
    with_labels = predict_table(model, new.assign(label="nonsense"))
    without = predict_table(model, new.drop(columns=["label"]))
    pd.testing.assert_frame_equal(with_labels, without)
    assert with_labels["id"].tolist() == new["row"].tolist()


def test_predict_table_without_id_column_numbers_the_rows():
    model = train_table(two_class_table(), "label", id_column="row", unlabeled_marker="?").model
    scored = predict_table(model, two_class_table().head(4).drop(columns=["row"]))
    assert scored["id"].tolist() == [0, 1, 2, 3]


def test_predict_table_refuses_other_columns():
    model = train_table(two_class_table(), "label", unlabeled_marker="?").model
    with pytest.raises(FeatureMismatchError, match="colour"):
        predict_table(model, two_class_table().drop(columns=["colour"]))


def test_missing_values_fail_unless_imputed():
    frame = two_class_table()
    frame.loc[3, "x"] = np.nan
    with pytest.raises(DataError):
        train_table(frame, "label", unlabeled_marker="?")
    result = train_table(frame, "label", unlabeled_marker="?", nan_policy="impute")
    assert result.metrics["n_rows"] == len(frame)


def test_unknown_model_names_the_choices():
    with pytest.raises(SemiloopError, match="logreg"):
        train_table(two_class_table(), "label", unlabeled_marker="?", model="xgboost")


@pytest.mark.parametrize("method, candidate", [("graph", "LabelSpreading"), ("s3vm", "S3VM")])
def test_graph_and_s3vm_methods_are_guarded(method, candidate):
    frame = two_class_table(n_rows=160)
    result = train_table(frame, "label", method=method, id_column="row", unlabeled_marker="?")
    metrics = result.metrics
    assert metrics["method"] == method
    assert [entry["candidate"] for entry in metrics["history"]] == ["supervised", candidate]
    kept = metrics["history"][1]["accepted"]
    assert metrics["used_unlabeled"] == kept
    assert (sum(metrics["pseudo_labels_per_class"].values()) == metrics["n_unlabeled"]) == kept
    json.dumps(metrics)
    scored = predict_table(result.model, frame)
    assert len(scored) == len(frame)


def test_unknown_method_is_refused():
    with pytest.raises(SemiloopError, match="use one of self-training, graph, s3vm"):
        train_table(two_class_table(), "label", method="tsvm", unlabeled_marker="?")
