import json

import numpy as np
import pandas as pd
import pytest
from sample_tables import two_class_table

from semiloop.callbacks import Callback
from semiloop.errors import DataError, FeatureMismatchError, SemiloopError
from semiloop.records import CandidateRecord, RoundRecord
from semiloop.registry import CANDIDATES
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
    result = train_table(frame, "label", id_column="row", unlabeled_marker="?",
                         method="self-training")
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


class _Seen(Callback):
    def __init__(self):
        self.records, self.stages = [], []

    def on_fit_begin(self, estimator, *, stage=""):
        self.stages.append(stage)

    def on_record(self, estimator, record):
        self.records.append(record)


def test_callbacks_hear_every_round_and_candidate_as_it_is_recorded():
    seen = _Seen()
    result = train_table(two_class_table(), "label", unlabeled_marker="?", callbacks=[seen])
    candidates = [r.to_dict() for r in seen.records if isinstance(r, CandidateRecord)]
    rounds = [r for r in seen.records if isinstance(r, RoundRecord)]
    assert candidates == result.metrics["history"]
    assert [c["candidate"] for c in candidates] == ["supervised", *CANDIDATES]
    assert [r.round for r in rounds] == list(range(len(rounds))) and rounds[0].round == 0
    assert [stage for stage in seen.stages if stage] == list(CANDIDATES)


def test_auto_keeps_at_most_one_candidate_and_says_which():
    result = train_table(two_class_table(), "label", unlabeled_marker="?")
    metrics = result.metrics
    kept = [record["candidate"] for record in metrics["history"] if record["kept"]]
    assert kept == [metrics["kept"]]
    assert metrics["used_unlabeled"] == (metrics["kept"] != "supervised")
    assert metrics["guard"]["level"] == pytest.approx(0.02275, abs=1e-5)
    json.dumps(metrics)


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


@pytest.mark.parametrize("method, candidate",
                         [("graph", "SparseLabelSpreading"), ("s3vm", "S3VM")])
def test_graph_and_s3vm_methods_are_guarded(method, candidate):
    frame = two_class_table(n_rows=160)
    result = train_table(frame, "label", method=method, id_column="row", unlabeled_marker="?")
    metrics = result.metrics
    assert metrics["method"] == method
    assert [entry["candidate"] for entry in metrics["history"]] == ["supervised", candidate]
    kept = metrics["history"][1]["kept"]
    assert metrics["used_unlabeled"] == kept
    assert (sum(metrics["pseudo_labels_per_class"].values()) == metrics["n_unlabeled"]) == kept
    json.dumps(metrics)
    scored = predict_table(result.model, frame)
    assert len(scored) == len(frame)


def test_unknown_method_is_refused():
    with pytest.raises(SemiloopError, match="use one of auto, self-training, graph, s3vm"):
        train_table(two_class_table(), "label", method="tsvm", unlabeled_marker="?")


def test_the_model_file_keeps_what_prediction_needs_and_drops_training_rows():
    import pickle

    from sklearn.datasets import make_moons

    from semiloop.workflow import TRAINING_ROW_ATTRIBUTES, prediction_only

    X, y = make_moons(600, noise=0.1, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["y"] = np.where(y == 1, "p", "q").astype(object)
    unlabeled = np.ones(len(y), bool)
    unlabeled[np.r_[np.flatnonzero(y == 0)[:15], np.flatnonzero(y == 1)[:15]]] = False
    frame.loc[unlabeled, "y"] = ""
    result = train_table(frame, "y", method="graph")
    assert result.metrics["kept"] == "graph"
    new_rows = pd.DataFrame(make_moons(200, noise=0.1, random_state=1)[0], columns=["a", "b"])
    before = result.model.pipeline.predict_proba(new_rows)
    size = len(pickle.dumps(result.model))
    model = prediction_only(result.model)
    np.testing.assert_array_equal(model.pipeline.predict_proba(new_rows), before)
    assert len(pickle.dumps(model)) < size
    guarded = model.pipeline.named_steps["ssl"]
    for estimator in (guarded, guarded.estimator_[-1]):
        assert not any(hasattr(estimator, name) for name in TRAINING_ROW_ATTRIBUTES)


def test_small_tables_fit_openmp_models_on_one_thread():
    from threadpoolctl import threadpool_info

    from semiloop.workflow import OPENMP_MIN_ROWS, _openmp_threads

    def openmp_threads():
        return [pool["num_threads"] for pool in threadpool_info()
                if pool["user_api"] == "openmp"]

    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime)

    outside = openmp_threads()
    if not outside or max(outside) == 1:
        pytest.skip("OpenMP already runs one thread here")
    with _openmp_threads("hgb", 5_000):
        assert set(openmp_threads()) == {1}
    assert openmp_threads() == outside
    with _openmp_threads("hgb", OPENMP_MIN_ROWS), _openmp_threads("logreg", 5_000):
        assert openmp_threads() == outside


def test_rows_held_back_are_listed_by_id_with_the_alarms():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=300, centers=[[0, 0], [1.2, 1.2]], cluster_std=0.8,
                      random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["label"] = np.where(np.arange(300) % 10 == 0, np.array(["cat", "dog"])[y], "?")
    frame["row"] = [f"r{i}" for i in range(300)]
    result = train_table(frame, "label", id_column="row", unlabeled_marker="?",
                         method="self-training", random_state=0,
                         method_options={"hold_back_unstable": True, "cv": 3,
                                         "validation_size": 20})
    metrics = json.loads(json.dumps(result.metrics))
    assert metrics["training_alarms"] == []
    model = result.model.pipeline.named_steps["ssl"]
    review = metrics["held_back_for_review"]
    assert len(review) == len(model.held_back_) > 0
    assert [item["id"] for item in review] == frame["row"].to_numpy()[model.held_back_].tolist()
    assert (frame["label"].to_numpy()[model.held_back_] == "?").all()
