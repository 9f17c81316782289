"""Classes with one or two labeled rows: every base model and method ends in a fitted model.

Where the labels are too few for the guard to hold any out, the supervised
model fitted on all labels is kept and the outcome and a warning say so,
naming the classes to label more of; with two rows per class the guard
compares as usual.
"""

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits
from typer.testing import CliRunner

from semiloop.base_models import BASE_MODELS, make_base_model
from semiloop.cli import app
from semiloop.errors import SemiloopWarning
from semiloop.methods.self_training import SelfTrainingClassifier
from semiloop.registry import METHODS, make_method

NOT_COMPARED = "the guard could not compare, so the supervised model is kept"
# every classic method, and one deep method (all deep methods share the guard on one
# held-out share), trained for a few steps
TESTED_METHODS = [name for name, info in METHODS.items() if info.family == "classic"]
TESTED_METHODS.append("fixmatch")

TOO_FEW = {                       # labeled rows per class
    "two classes, one with a single row": (1, 4),
    "one row per class": (1, 1),
    "one row per class, three classes": (1, 1, 1),
}
ENOUGH = {
    "two rows per class": (2, 2),
    "three classes, one with a single row": (3, 1, 3),
}


@pytest.fixture(autouse=True)
def one_thread():
    """A few rows need no threads; gradient boosting's would only wait for busy cores."""
    with threadpool_limits(limits=1):
        yield


def _blobs(counts, n_unlabeled=4, seed=0):
    """One tight blob per class, far apart; ``counts[c]`` labeled rows of class ``c``."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for label, n_labeled in enumerate(counts):
        X.append(rng.normal([6.0 * label, 3.0 * (label % 2)], 0.5, (n_labeled + n_unlabeled, 2)))
        y += [label] * n_labeled + [-1] * n_unlabeled
    return np.vstack(X), np.array(y)


def _fit(method, model, X, y, **options):
    if METHODS[method].family == "deep":
        options = {"steps": 20, "device": "cpu",
                   **{k: v for k, v in options.items() if k != "validation_size"}}
    estimator = make_method(method, model, random_state=0, **options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    return estimator, [str(w.message) for w in caught if issubclass(w.category, SemiloopWarning)]


def _check_predictions(estimator, X, y, model):
    n_classes = len(np.unique(y[y >= 0]))
    proba = estimator.predict_proba(X)
    assert proba.shape == (len(X), n_classes)
    assert np.allclose(proba.sum(axis=1), 1.0)
    predicted = estimator.predict(X)
    assert set(predicted) <= set(range(n_classes))
    if model in ("logreg", "rf"):   # hgb and knn vote the prior on so few rows; SVC's Platt
        labeled = y >= 0            # scaling on a handful of rows may too
        assert set(predicted[labeled]) == set(range(n_classes))


@pytest.mark.parametrize("method", TESTED_METHODS)
@pytest.mark.parametrize("model", list(BASE_MODELS))
@pytest.mark.parametrize("counts", list(TOO_FEW.values()), ids=list(TOO_FEW))
def test_too_few_labels_to_hold_out_keep_the_supervised_model_and_say_so(counts, model, method):
    X, y = _blobs(counts)
    estimator, messages = _fit(method, model, X, y)
    assert not estimator.used_unlabeled_
    assert estimator.outcome_.startswith(NOT_COMPARED)
    single = [label for label, n in enumerate(counts) if n == 1]
    fix = (f"label at least 2 rows of class {single[0]}" if len(single) == 1 else
           f"label at least 2 rows of classes {', '.join(map(str, single))}")
    assert estimator.outcome_.endswith(fix)
    assert estimator.outcome_ in messages
    assert estimator.supervised_score_.accuracy is None
    assert estimator.validation_score_.accuracy is None
    _check_predictions(estimator, X, y, model)
    if method == "self-training":
        assert estimator.termination_condition_ == "too_few_labels"
        assert estimator.n_iter_ == 0 and len(estimator.history_) == 1
        assert np.all(estimator.labeled_iter_[y < 0] == -1)
    else:
        assert estimator.kept_ == "supervised"
        assert estimator.decision_.kept is None and estimator.decision_.p_values == {}
        assert estimator.decision_.reason == estimator.outcome_
        assert [record.validation_accuracy for record in estimator.history_] == (
            [None] * len(estimator.history_))
        assert all(record.note.startswith("not compared") for record in estimator.history_[1:])


@pytest.mark.parametrize("method", TESTED_METHODS)
@pytest.mark.parametrize("model", list(BASE_MODELS))
@pytest.mark.parametrize("counts", list(ENOUGH.values()), ids=list(ENOUGH))
def test_two_rows_of_most_classes_are_enough_to_compare(counts, model, method):
    X, y = _blobs(counts)
    estimator, messages = _fit(method, model, X, y, validation_size=1, cv=2)
    assert not any(NOT_COMPARED in message for message in messages)
    assert estimator.supervised_score_.accuracy is not None
    assert NOT_COMPARED not in estimator.outcome_
    _check_predictions(estimator, X, y, model)
    if method != "self-training":
        assert estimator.decision_.p_values or all(
            record.note.startswith("left out") for record in estimator.history_[1:])


def test_knn_votes_among_every_row_of_a_fold_smaller_than_its_neighbours():
    X, y = _blobs((2, 2), n_unlabeled=0)
    model = make_base_model("knn").fit(X[:3], y[:3])
    assert model[-1].n_neighbors_ == 3 and model.get_params()["cappedkneighborsclassifier__"
                                                                "n_neighbors"] == 5
    assert model.predict_proba(X).shape == (4, 2)
    assert make_base_model("knn").fit(np.r_[X, X + 0.1], np.r_[y, y])[-1].n_neighbors_ == 5


def test_calibration_alone_without_folds_warns_and_self_trains():
    X, y = _blobs((1, 1))
    model = SelfTrainingClassifier(calibrate=True, random_state=0)
    with pytest.warns(SemiloopWarning, match="calibrate=True could not fit a temperature"):
        model.fit(X, y)
    assert model.temperature_ == 1.0 and model.supervised_score_ is None
    assert model.termination_condition_ != "too_few_labels"


@pytest.mark.parametrize("args, counts", [
    (["--model", "hgb", "--method", "graph"], (1, 4)),
    (["--model", "svm", "--method", "s3vm"], (1, 4)),
    ([], (1, 1)),
])
def test_the_command_line_trains_and_says_what_to_label(tmp_path, args, counts):
    import pandas as pd

    X, y = _blobs(counts)
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["y"] = np.where(y >= 0, np.array(["cat", "dog"])[np.maximum(y, 0)], "")
    frame.to_csv(tmp_path / "tiny.csv", index=False)
    result = CliRunner().invoke(app, ["train", str(tmp_path / "tiny.csv"), "--label", "y",
                                      *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "label at least 2 rows of class" in result.output
    assert (tmp_path / "out" / "model.skops").is_file()
