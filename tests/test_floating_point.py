"""Code run with ``np.seterr(all="raise")`` works: harmless underflow never raises in semiloop.

Every estimator is fitted and asked for predictions under
``np.errstate(all="raise")`` on small realistic data, and then for rows far
from the training data, whose probabilities are tiny. Division by zero,
overflow and invalid operations still raise: they are real errors.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import semiloop
from semiloop.methods.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from semiloop.registry import make_method


def _keep_per_class(y, n_per_class, seed=0):
    """``y`` with all but ``n_per_class`` random rows of each class marked -1."""
    rng = np.random.default_rng(seed)
    partial = np.full_like(y, -1)
    for label in np.unique(y):
        rows = rng.choice(np.flatnonzero(y == label), n_per_class, replace=False)
        partial[rows] = label
    return partial


def _with_far_rows(X):
    """``X`` and, as new rows, a few of its rows moved 4 and 100 times as far from the origin."""
    return np.vstack([X, 4 * X[:5], 100 * X[:2]])


def _blobs():
    """Two overlapping blobs, 6 labels each."""
    X, y = make_blobs(200, centers=[[-2, 0], [2, 0]], random_state=0)
    return X, _keep_per_class(y, 6), _with_far_rows(X)


def _far_blobs():
    """Three blobs 20 apart: every probability but one per row is tiny."""
    X, y = make_blobs(150, centers=[[-20, 0], [20, 0], [0, 20]], random_state=0)
    return X, _keep_per_class(y, 5), _with_far_rows(X)


def _outliers():
    """Two blobs whose unlabeled rows include outliers 100 times as far out."""
    X, y = make_blobs(200, centers=[[-2, 0], [2, 0]], random_state=1)
    y_partial = _keep_per_class(y, 6)
    X = np.vstack([X, 100 * X[y_partial == -1][:4]])
    return X, np.r_[y_partial, [-1] * 4], _with_far_rows(X)


def _digits():
    """200 raw 8x8 digits 0-3 (pixels 0-16), 5 labels per class."""
    X, y = load_digits(n_class=4, return_X_y=True)
    X, y = X[:200], y[:200]
    return X, _keep_per_class(y, 5), _with_far_rows(X)


def _scaled_digits():
    """The digits standardised, as the documentation asks for S3VM."""
    X, y_partial, X_new = _digits()
    scaler = StandardScaler().fit(X)
    return scaler.transform(X), y_partial, scaler.transform(X_new)


DATA = {"blobs": _blobs, "far blobs": _far_blobs, "outliers": _outliers, "digits": _digits,
        "scaled digits": _scaled_digits}


ESTIMATORS = {
    "S3VM linear": lambda: semiloop.S3VM(random_state=0),
    "S3VM rbf": lambda: semiloop.S3VM(kernel="rbf", n_components=100, random_state=0),
    "SelfTrainingClassifier": lambda: semiloop.SelfTrainingClassifier(
        LogisticRegression(max_iter=1000)),
    "SelfTrainingClassifier default": lambda: semiloop.SelfTrainingClassifier(),
    "SafeSelfTrainingClassifier": lambda: semiloop.SafeSelfTrainingClassifier(random_state=0),
    "GuardedClassifier graph": lambda: make_method("graph"),
    "GuardedClassifier s3vm": lambda: make_method("s3vm"),
    "AutoClassifier": lambda: make_method("auto", methods=("self-training", "graph")),
    "LabelSpreading": lambda: semiloop.LabelSpreading(),
    "LabelPropagation": lambda: semiloop.LabelPropagation(),
    "LabelSpreading knn": lambda: semiloop.LabelSpreading(kernel="knn"),
    "LabelPropagation knn": lambda: semiloop.LabelPropagation(kernel="knn"),
    "SparseLabelSpreading": lambda: semiloop.SparseLabelSpreading(),
    "SparseLabelPropagation": lambda: semiloop.SparseLabelPropagation(),
}

def _cases():
    for name in ESTIMATORS:
        for data in DATA:
            if name.startswith(("GuardedClassifier", "Auto")) and data == "scaled digits":
                continue  # its methods standardise the features themselves
            yield pytest.param(name, data, id=f"{name}-{data}")


@pytest.mark.parametrize(("name", "data"), list(_cases()))
def test_fit_and_predict_under_seterr_raise(name, data):
    X, y_partial, X_new = DATA[data]()
    model = ESTIMATORS[name]()
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and thin-class warnings are not the point
        model.fit(X, y_partial)
        predicted = model.predict(X_new)
        proba = model.predict_proba(X_new)
    assert proba.shape == (len(X_new), len(model.classes_))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(predicted) <= set(model.classes_)


def test_s3vm_share_bias_of_rows_far_from_the_boundary():
    # every unlabeled row 10 to 1e3 units out: the sigmoids are flat, Newton would divide by ~0
    from semiloop.methods.s3vm import _share_bias

    scores = np.r_[np.linspace(10, 1e3, 50), -np.linspace(10, 1e3, 50)]
    with np.errstate(all="raise"):
        bias = _share_bias(scores, 0.3, start=0.0)
    assert np.isfinite(bias)


TINY = np.array([[1.0 - 1e-300, 1e-300], [1e-320, 1.0], [0.5, 0.5], [0.9, 0.1], [0.0, 1.0]])
TINY_LABELS = np.array([0, 1, 1, 0, 1])


@pytest.mark.parametrize("temperature", [0.01, 0.05, 1.0, 20.0])
def test_apply_temperature_under_seterr_raise(temperature):
    with np.errstate(all="raise"):
        scaled = apply_temperature(TINY, temperature)
    np.testing.assert_allclose(scaled.sum(axis=1), 1.0)
    assert (scaled.argmax(axis=1)[:2] == [0, 1]).all()


@pytest.mark.parametrize("bounds", [(0.05, 20.0), (1e-3, 1e3)])
def test_fit_temperature_under_seterr_raise(bounds):
    with np.errstate(all="raise"):
        temperature = fit_temperature(TINY, TINY_LABELS, bounds=bounds)
    assert bounds[0] <= temperature <= bounds[1]


def test_expected_calibration_error_under_seterr_raise():
    with np.errstate(all="raise"):
        error = expected_calibration_error(TINY_LABELS, TINY)
    assert 0.0 <= error <= 1.0


def test_real_errors_still_raise():
    # the scoped errstate ignores underflow only: a division by zero still reaches the caller
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="divide"):
        apply_temperature(TINY, 0.0)
