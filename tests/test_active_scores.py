"""Query scores against hand computation: uncertainty, expected gradient length, BALD."""

import copy
import math

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from semiloop.active import (
    entropy,
    expected_gradient_length,
    gradient_embedding,
    least_confidence,
    margin,
    mutual_information,
    query,
)
from semiloop.errors import SemiloopError
from semiloop.methods.self_training import SelfTrainingClassifier

# row 0: a tie of two classes; row 1: spread over three; row 2: confident
PROBA = np.array([[0.5, 0.5, 0.0], [0.45, 0.3, 0.25], [0.9, 0.05, 0.05]])


class Fixed:
    """A fitted classifier stand-in whose predict_proba is given."""

    def __init__(self, proba):
        self.proba = np.asarray(proba, dtype=float)

    def predict_proba(self, X):
        return self.proba[np.asarray(X, dtype=int).ravel()]


def h(*p):
    return -sum(q * math.log(q) for q in p if q > 0)


def test_uncertainty_scores_match_hand_computation():
    assert least_confidence(PROBA) == pytest.approx([0.5, 0.55, 0.1])
    assert margin(PROBA) == pytest.approx([0.0, -0.15, -0.85])
    assert entropy(PROBA) == pytest.approx([math.log(2), h(0.45, 0.3, 0.25), h(0.9, 0.05, 0.05)])
    assert np.isfinite(entropy(PROBA)).all()  # 0 log 0 = 0


def test_query_asks_the_highest_score_first():
    pool = np.arange(3)[:, None]
    asked = {name: query(name, Fixed(PROBA), pool, 3).ids.tolist()
             for name in ("least_confidence", "margin", "entropy")}
    assert asked == {"least_confidence": [1, 0, 2], "margin": [0, 1, 2], "entropy": [1, 0, 2]}
    chosen = query("margin", Fixed(PROBA), pool, 1)
    assert chosen.scores == pytest.approx(margin(PROBA)) and chosen.strategy == "margin"


def test_ties_go_to_the_first_position_and_repeat():
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    pool = np.arange(5)[:, None]
    for name in ("least_confidence", "margin", "entropy"):
        assert query(name, Fixed(proba), pool, 4).ids.tolist() == [1, 3, 4, 0]


@pytest.mark.parametrize("proba", [[0.5, 0.5], [[0.5, np.nan]], [[1.2, -0.2]]])
def test_bad_probabilities_are_refused(proba):
    with pytest.raises(SemiloopError, match="proba"):
        entropy(proba)


def numerical_egl(model, x):
    """sum_y p(y|x) ||d log_loss / d (coef_, intercept_)||, by central differences."""
    proba = model.predict_proba(x[None])[0]
    total = 0.0
    for label_index, label in enumerate(model.classes_):
        gradient = []
        for name in ("coef_", "intercept_"):
            values = getattr(model, name)
            for index in np.ndindex(values.shape):
                losses = []
                for step in (1e-6, -1e-6):
                    moved = copy.deepcopy(model)
                    getattr(moved, name)[index] += step
                    losses.append(log_loss([label], moved.predict_proba(x[None]),
                                           labels=model.classes_))
                gradient.append((losses[0] - losses[1]) / 2e-6)
        total += proba[label_index] * np.linalg.norm(gradient)
    return total


@pytest.mark.parametrize("n_classes", [2, 3])
def test_expected_gradient_length_matches_finite_differences(n_classes):
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(60, 3))
    y = np.arange(60) % n_classes
    X[:, 0] += y
    model = LogisticRegression().fit(X, y)
    assert model.coef_.shape[0] == (1 if n_classes == 2 else 3)
    row = np.array([0.3, -0.7, 1.1])
    assert expected_gradient_length(model, row[None])[0] == pytest.approx(
        numerical_egl(model, row), rel=1e-5)


def test_binary_expected_gradient_length_is_two_p0_p1_times_the_input_length():
    X = np.array([[-2.0, 1.0], [-1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    model = LogisticRegression().fit(X, [0, 0, 1, 1])
    p = model.predict_proba(X)
    expected = 2 * p[:, 0] * p[:, 1] * np.sqrt((X ** 2).sum(axis=1) + 1)
    assert expected_gradient_length(model, X) == pytest.approx(expected)
    no_intercept = LogisticRegression(fit_intercept=False).fit(X, [0, 0, 1, 1])
    p = no_intercept.predict_proba(X)
    assert expected_gradient_length(no_intercept, X) == pytest.approx(
        2 * p[:, 0] * p[:, 1] * np.sqrt((X ** 2).sum(axis=1)))


def test_wrappers_and_pipelines_reach_their_logistic_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(3, 2, size=(80, 2))
    y = np.where(np.arange(80) < 10, (X[:, 0] > 3).astype(int), -1)
    wrapper = SelfTrainingClassifier(max_iter=2).fit(X, y)
    pipeline = wrapper.estimator_
    scaled = pipeline[:-1].transform(X)
    direct = expected_gradient_length(pipeline[-1], scaled)
    assert expected_gradient_length(wrapper, X) == pytest.approx(direct)
    assert expected_gradient_length(pipeline, X) == pytest.approx(direct)
    assert np.allclose(gradient_embedding(wrapper, X), gradient_embedding(pipeline[-1], scaled))


def test_gradient_embedding_is_the_gradient_at_the_predicted_label():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]])
    model = LogisticRegression().fit(X, [0, 1, 2, 2, 1])
    p = model.predict_proba(X)
    residual = p - np.eye(3)[p.argmax(axis=1)]
    inputs = np.hstack([X, np.ones((5, 1))])
    expected = (residual[:, :, None] * inputs[:, None, :]).reshape(5, -1)
    assert gradient_embedding(model, X) == pytest.approx(expected)


def test_sparse_rows_give_the_same_gradients():
    from scipy import sparse

    X = np.array([[0.0, 2.0], [1.0, 0.0], [0.0, 1.0], [3.0, 1.0], [0.5, 0.0]])
    model = LogisticRegression().fit(X, [0, 1, 2, 2, 1])
    assert expected_gradient_length(model, sparse.csr_matrix(X)) == pytest.approx(
        expected_gradient_length(model, X))
    assert gradient_embedding(model, sparse.csr_matrix(X)).toarray() == pytest.approx(
        gradient_embedding(model, X))


def test_expected_gradient_length_is_refused_where_not_defined():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    forest = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=2)).fit(
        X, [0, 0, 1, 1])
    with pytest.raises(SemiloopError, match=r"not for Pipeline holding RandomForestClassifier"):
        query("expected_gradient_length", forest, X, 2)
    with pytest.raises(SemiloopError, match="torch network with dropout"):
        query("bald", forest, X, 2)


def test_bald_is_zero_where_passes_agree_and_high_where_they_disagree():
    agree = [[[0.6, 0.3, 0.1]], [[0.6, 0.3, 0.1]], [[0.6, 0.3, 0.1]]]
    disagree = [[[0.7, 0.2, 0.1]], [[0.1, 0.2, 0.7]]]
    confident_apart = [[[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]]]
    assert mutual_information(agree) == pytest.approx([0.0], abs=1e-12)
    assert mutual_information(disagree) == pytest.approx(
        [h(0.4, 0.2, 0.4) - h(0.7, 0.2, 0.1)])
    assert mutual_information(confident_apart) == pytest.approx([math.log(2)])
    mixed = np.concatenate([np.array(agree)[:2], np.array(disagree)], axis=1)
    assert mutual_information(mixed).argmax() == 1
    with pytest.raises(SemiloopError, match="n_passes"):
        mutual_information([[0.5, 0.5]])
