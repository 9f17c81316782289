import numpy as np
import pytest

from semiloop.methods.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from semiloop.methods.selection import balanced_quotas, select_pseudo_labels


def test_temperature_recovers_accuracy_of_constant_confidence():
    proba = np.tile([0.9, 0.1], (4, 1))
    assert fit_temperature(proba, np.array([0, 0, 0, 1])) == pytest.approx(2.0, abs=1e-3)
    # no mistake to learn from: sharpening to the bound would claim certainty on 4 rows
    assert fit_temperature(proba, np.zeros(4, dtype=int)) == 1.0


def test_apply_temperature_keeps_argmax_and_sums_to_one():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=50)
    scaled = apply_temperature(proba, 3.0)
    assert np.allclose(scaled.sum(axis=1), 1)
    assert (scaled.argmax(axis=1) == proba.argmax(axis=1)).all()
    assert scaled.max(axis=1).mean() < proba.max(axis=1).mean()


def test_temperature_lowers_calibration_error_of_overconfident_model():
    rng = np.random.default_rng(1)
    true = rng.dirichlet(np.ones(3) * 2, size=3000)
    y = np.array([rng.choice(3, p=p) for p in true])
    overconfident = apply_temperature(true, 0.4)
    temperature = fit_temperature(overconfident, y)
    assert temperature == pytest.approx(2.5, rel=0.15)
    assert expected_calibration_error(y, apply_temperature(overconfident, temperature)) < (
        expected_calibration_error(y, overconfident) / 3
    )


def test_balanced_quotas_by_hand():
    assert balanced_quotas(np.array([1000, 10]), np.array([0.5, 0.5])).tolist() == [10, 10]
    assert balanced_quotas(np.array([100, 100]), np.array([0.8, 0.2])).tolist() == [100, 25]
    # a class with no candidates slows the other to one row per round
    assert balanced_quotas(np.array([0, 50]), np.array([0.5, 0.5])).tolist() == [0, 1]
    assert balanced_quotas(np.array([0, 50]), np.array([0.9, 0.1])).tolist() == [0, 1]
    assert balanced_quotas(np.array([50, 0]), np.array([0.9, 0.1])).tolist() == [9, 0]
    assert balanced_quotas(np.array([0, 0]), np.array([0.5, 0.5])).tolist() == [0, 0]


def test_selection_keeps_the_most_confident_of_each_class():
    proba = np.array([[0.91, 0.09], [0.99, 0.01], [0.95, 0.05], [0.2, 0.8], [0.5, 0.5]])
    rows, labels, confidence = select_pseudo_labels(
        proba, np.array([0.9, 0.75]), class_prior=np.array([0.5, 0.5])
    )
    assert rows.tolist() == [1, 3] and labels.tolist() == [0, 1]
    assert confidence.tolist() == [0.99, 0.8]
    rows, _, _ = select_pseudo_labels(proba, np.array([0.9, 0.75]))
    assert sorted(rows.tolist()) == [0, 1, 2, 3]


def test_selection_is_strict_and_keeps_eligible_rows():
    proba = np.array([[0.75, 0.25], [0.8, 0.2]])
    # strictly above the threshold, as in scikit-learn's SelfTrainingClassifier
    assert select_pseudo_labels(proba, np.array([0.75, 0.75]))[0].tolist() == [1]
    assert select_pseudo_labels(proba, np.array([0.7, 0.7]))[0].tolist() == [1, 0]  # by confidence
    eligible = np.array([True, False])
    assert select_pseudo_labels(proba, np.array([0.5, 0.5]), eligible=eligible)[0].tolist() == [0]
    assert select_pseudo_labels(proba, np.array([0.5, 0.5]), k_best=1)[0].tolist() == [1]
