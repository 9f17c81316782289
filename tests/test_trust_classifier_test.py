"""Classifier two-sample test: the AUC, an exact permutation p-value, the drivers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from semiloop.errors import DataError
from semiloop.trust.classifier_test import _permutation_auc, classifier_two_sample_test


def test_permutation_auc_is_the_auc_and_its_p_value_is_uniform_under_the_null():
    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(60, int), np.ones(40, int)]
    folds = np.array_split(rng.permutation(100), 4)
    p_values = []
    for _ in range(400):
        scores = rng.random(100)                        # scores that know nothing of labels
        auc, p = _permutation_auc(scores, labels, folds, 199, rng)
        p_values.append(p)
    assert auc == pytest.approx(roc_auc_score(labels, scores))
    p_values = np.array(p_values)
    assert 0.02 <= np.mean(p_values <= 0.05) <= 0.09
    assert 0.4 <= np.mean(p_values <= 0.5) <= 0.6
    separated = np.r_[np.zeros(60), np.ones(40)] + rng.random(100) * 0.1
    assert _permutation_auc(separated, labels, folds, 199, rng) == (1.0, 1 / 200)


def test_a_shifted_feature_is_found_and_named():
    rng = np.random.default_rng(1)
    columns = ["a", "b", "c"]
    reference = pd.DataFrame(rng.normal(size=(200, 3)), columns=columns)
    current = pd.DataFrame(rng.normal(size=(200, 3)), columns=columns)
    current["b"] += 1.5
    test = classifier_two_sample_test(reference, current, cv=3, random_state=0)
    assert test.auc > 0.75 and test.p_value <= 0.01
    assert test.drivers[0][0] == "b" and test.drivers[0][1] > 5 * abs(test.drivers[1][1])
    assert (test.n_reference, test.n_current) == (200, 200)


def test_clean_samples_rarely_differ_and_ids_do_not_separate_them():
    # the p-value's calibration is checked above on many draws; here, end to end, a few
    rejected = []
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        reference = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60),
                                  "key": [f"r{i}" for i in range(60)]})
        current = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60),
                                "key": [f"c{i}" for i in range(60)]})
        test = classifier_two_sample_test(reference, current, cv=2, n_permutations=199,
                                          estimator=LogisticRegression(), random_state=seed)
        rejected.append(test.p_value <= 0.05)
        assert {name for name, _ in test.drivers} == {"x", "y", "key"}
    assert sum(rejected) <= 1                          # 5% expected


def test_subsampling_and_errors():
    rng = np.random.default_rng(2)
    big = pd.DataFrame({"x": rng.normal(size=500)})
    test = classifier_two_sample_test(big, big.iloc[:50], max_rows=100, cv=2,
                                      estimator=LogisticRegression())
    assert (test.n_reference, test.n_current) == (100, 50)
    with pytest.raises(DataError, match="at least cv=5 rows"):
        classifier_two_sample_test(big, big.iloc[:3])
    with pytest.raises(DataError, match="share no column"):
        classifier_two_sample_test(big, pd.DataFrame({"y": [1.0] * 10}))
