"""Prediction drift: class shares, KL and JS, confidence and entropy, shift from the prior."""

import numpy as np
import pytest

from semiloop.errors import DataError
from semiloop.trust.predictions import SHARE_FLOOR, mean_entropy, prediction_drift


def test_kl_and_js_of_the_predicted_class_shares():
    reference = np.eye(3)[[0, 0, 1, 2]]                 # shares .5 .25 .25
    current = np.eye(3)[[0, 1, 1, 1]]                   # shares .25 .75 0
    drift = prediction_drift(reference, current)
    p = np.array([0.25, 0.75, 0.0]) + SHARE_FLOOR
    q = np.array([0.5, 0.25, 0.25]) + SHARE_FLOOR
    p, q = p / p.sum(), q / q.sum()
    assert drift.kl_divergence == pytest.approx(np.sum(p * np.log(p / q)))
    a, b = np.array([0.5, 0.25, 0.25]), np.array([0.25, 0.75, 0.0])
    m = (a + b) / 2
    kl_a = np.sum(a * np.log2(a / m))
    kl_b = np.sum(b[:2] * np.log2(b[:2] / m[:2]))                # 0 log 0 = 0
    js = np.sqrt(0.5 * kl_a + 0.5 * kl_b)
    assert drift.js_distance == pytest.approx(js)
    assert prediction_drift(reference, reference).kl_divergence == pytest.approx(0.0)


def test_confidence_entropy_and_prior_shift():
    reference = np.array([[0.9, 0.05, 0.05], [0.05, 0.9, 0.05]])
    current = np.full((2, 3), 1 / 3)                     # uniform: confidence and entropy collapse
    drift = prediction_drift(reference, current, prior=[0.5, 0.5, 0.0])
    assert drift.confidence_change == pytest.approx(1 / 3 - 0.9)
    h = -(0.9 * np.log(0.9) + 2 * 0.05 * np.log(0.05)) / np.log(3)
    assert drift.reference_entropy == pytest.approx(h)
    assert drift.current_entropy == pytest.approx(1.0) and drift.entropy_change > 0
    # argmax of a uniform row is class 0: every current row is predicted class 0
    assert drift.current_shares.tolist() == [1.0, 0.0, 0.0]
    assert drift.prior_shift == pytest.approx(0.5)
    assert mean_entropy(np.array([[1.0]])) == 0.0


def test_errors_name_the_bad_input():
    good = np.array([[0.5, 0.5]])
    with pytest.raises(DataError, match="same model"):
        prediction_drift(good, np.array([[0.2, 0.3, 0.5]]))
    with pytest.raises(DataError, match="not probabilities"):
        prediction_drift(good, np.array([[0.7, 0.7]]))
    with pytest.raises(DataError, match="non-empty"):
        prediction_drift(good, np.empty((0, 2)))
    with pytest.raises(DataError, match="prior must hold one share per class"):
        prediction_drift(good, good, prior=[1.0])
