"""Every estimator takes every unlabeled marker users hold in y, and the result is the same."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

import semiloop
from semiloop.registry import make_method

ESTIMATORS = {
    "SelfTrainingClassifier": lambda: semiloop.SelfTrainingClassifier(
        LogisticRegression(), max_iter=3),
    "SafeSelfTrainingClassifier": lambda: semiloop.SafeSelfTrainingClassifier(
        LogisticRegression(), max_iter=2, random_state=0),
    "LabelSpreading": lambda: semiloop.LabelSpreading(kernel="knn", n_neighbors=5),
    "LabelPropagation": lambda: semiloop.LabelPropagation(kernel="knn", n_neighbors=5),
    "SparseLabelSpreading": lambda: semiloop.SparseLabelSpreading(n_neighbors=5),
    "SparseLabelPropagation": lambda: semiloop.SparseLabelPropagation(n_neighbors=5),
    "S3VM": lambda: semiloop.S3VM(random_state=0),
    "GuardedClassifier": lambda: make_method("graph", cv=2, validation_size=1),
    "AutoClassifier": lambda: make_method("auto", methods=("self-training", "graph"), cv=2,
                                          validation_size=1),
}

X, _TRUTH = make_blobs(n_samples=60, centers=[[-3, 0], [3, 0]], cluster_std=1.0,
                       random_state=0)
_LABELED = np.zeros(60, dtype=bool)
_LABELED[np.flatnonzero(_TRUTH == 0)[:5]] = True
_LABELED[np.flatnonzero(_TRUTH == 1)[:5]] = True
_NAMES = np.array(["cat", "dog"], dtype=object)


def _strings(marker):
    y = _NAMES[_TRUTH].copy()
    y[~_LABELED] = marker
    return y


MARKERS = {
    "int -1": lambda: np.where(_LABELED, _TRUTH, -1),
    "NaN in floats": lambda: np.where(_LABELED, _TRUTH.astype(float), np.nan),
    "None among strings": lambda: _strings(None),
    "empty string": lambda: _strings(""),
    "string '-1'": lambda: _strings("-1"),
    "int -1 among strings": lambda: _strings(-1),
}


@pytest.mark.parametrize("marker", list(MARKERS))
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_marker_means_unlabeled(name, marker):
    y = MARKERS[marker]()
    numeric = marker in ("int -1", "NaN in floats")
    model = ESTIMATORS[name]().fit(X, y)
    reference = ESTIMATORS[name]().fit(X, np.where(_LABELED, _TRUTH, -1))
    expected_classes = [0, 1] if numeric else ["cat", "dog"]
    assert model.classes_.tolist() == expected_classes
    predicted = model.predict(X)
    as_codes = predicted if numeric else (predicted == "dog").astype(int)
    np.testing.assert_array_equal(as_codes, reference.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X))
    labels = model.transduction_[_LABELED]
    assert labels.tolist() == (_TRUTH[_LABELED] if numeric else _NAMES[_TRUTH[_LABELED]]).tolist()
