import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from semiloop.errors import SemiloopError
from semiloop.methods.class_prior import check_class_prior, mean_prediction, resolve_class_prior


def _rows(seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(-1, 1, (300, 2)), rng.normal(1, 1, (100, 2))])
    codes = np.full(400, -1)
    codes[[0, 1, 2, 300, 301, 302]] = [0, 0, 0, 1, 1, 1]
    return X, codes


def test_labeled_prior_is_the_labeled_class_shares():
    codes = np.array([2, 0, 0, 2, -1, -1, 0, -1])
    np.testing.assert_allclose(resolve_class_prior("labeled", None, codes, 4),
                               [3 / 5, 0, 2 / 5, 0])


def test_predicted_prior_is_the_mean_probability_over_the_unlabeled_rows():
    X, codes = _rows()
    labeled = codes >= 0
    model = LogisticRegression(max_iter=1000).fit(X[labeled], codes[labeled])
    expected = model.predict_proba(X[~labeled]).mean(axis=0)
    prior = resolve_class_prior("predicted", X, codes, 2)
    np.testing.assert_allclose(prior, expected, rtol=1e-9)
    # the labels say 50/50; the pool is 75/25 and the estimate moves towards it
    assert prior[0] > 0.6


def test_predicted_prior_keeps_a_class_without_labels_at_zero():
    X, codes = _rows()
    prior = resolve_class_prior("predicted", X, codes, 3)
    assert prior[2] == 0 and prior.sum() == pytest.approx(1.0)
    one_class = np.where(codes == 1, -1, codes)
    np.testing.assert_allclose(resolve_class_prior("predicted", X, one_class, 2), [1.0, 0.0])


def test_given_shares_are_checked():
    assert check_class_prior("predicted") == "predicted"
    np.testing.assert_allclose(resolve_class_prior([0.25, 0.75], None, np.array([0, 1, -1]), 2),
                               [0.25, 0.75])
    for bad, message in (("uniform", "is not known"), ([0.5, 0.6], "sum to 1"),
                         ([1.0, 0.0], "positive"), ([[0.5, 0.5]], "1-d")):
        with pytest.raises(SemiloopError, match=message):
            check_class_prior(bad)
    with pytest.raises(SemiloopError, match="3 shares for 2 classes"):
        resolve_class_prior([0.2, 0.3, 0.5], None, np.array([0, 1, -1]), 2)


def test_mean_prediction_keeps_a_sliver_for_labeled_classes_and_none_for_others():
    proba = np.array([[0.7, 0.3, 0.0], [0.5, 0.5, 0.0]])
    np.testing.assert_allclose(mean_prediction(proba, [True, True, False]), [0.6, 0.4, 0.0])
    # a labeled class that no row favours: 1 / (10 * 2 rows) before renormalising
    np.testing.assert_allclose(mean_prediction(proba, [True, True, True]),
                               np.array([0.6, 0.4, 0.05]) / 1.05)
