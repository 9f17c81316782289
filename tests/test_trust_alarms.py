"""Prediction alarms: each trips on its failure and stays quiet on clean samples."""

import numpy as np
import pytest

from semiloop.trust.alarms import ALARM_DEFAULTS, prediction_alarms
from semiloop.trust.predictions import prediction_drift


def _proba(rng, n, prior=(1 / 3, 1 / 3, 1 / 3), temperature=1.0):
    """A model's probabilities on n rows whose classes follow ``prior``."""
    classes = rng.choice(3, n, p=prior)
    logits = 3.0 * np.eye(3)[classes] + rng.normal(0, 1, (n, 3))
    z = np.exp((logits - logits.max(axis=1, keepdims=True)) / temperature)
    return z / z.sum(axis=1, keepdims=True)


def _tripped(reference, current, prior=None):
    return {a.name for a in prediction_alarms(prediction_drift(reference, current, prior=prior))
            if a.tripped}


def test_each_alarm_trips_on_its_failure():
    rng = np.random.default_rng(0)
    reference = _proba(rng, 500)
    assert "confidence_drop" in _tripped(reference, _proba(rng, 300, temperature=3.0))
    collapsed = np.tile([[0.98, 0.01, 0.01]], (300, 1))
    assert {"entropy_drop", "one_class", "class_balance", "prediction_drift"} <= _tripped(
        reference, collapsed)
    shifted = _proba(rng, 300, prior=(0.7, 0.2, 0.1))
    assert {"class_balance", "prediction_drift"} <= _tripped(reference, shifted,
                                                             prior=[1 / 3] * 3)


def test_alarms_stay_quiet_on_clean_windows():
    # 300 windows of 300 rows from the reference's population: no alarm trips more than 5%
    rng = np.random.default_rng(1)
    reference = _proba(rng, 1000)
    counts = dict.fromkeys(ALARM_DEFAULTS, 0)
    for _ in range(300):
        for name in _tripped(reference, _proba(rng, 300), prior=[1 / 3] * 3):
            counts[name] += 1
    assert max(counts.values()) <= 15, counts


def test_values_thresholds_and_overrides():
    reference = np.array([[0.8, 0.2], [0.3, 0.7]])
    current = np.array([[0.6, 0.4], [0.45, 0.55]])
    alarms = {a.name: a for a in prediction_alarms(prediction_drift(reference, current),
                                                   confidence_drop=0.2)}
    assert alarms["confidence_drop"].value == pytest.approx(0.75 - 0.575)
    assert alarms["confidence_drop"].threshold == 0.2 and not alarms["confidence_drop"].tripped
    assert alarms["confidence_drop"].to_dict()["name"] == "confidence_drop"
    with pytest.raises(ValueError, match="unknown alarm thresholds"):
        prediction_alarms(prediction_drift(reference, current), confidence=0.1)


def test_class_balance_needs_more_than_sampling_noise():
    eye = np.eye(10)
    reference = np.repeat(eye, 30, axis=0)
    small = eye[np.repeat(np.arange(10), [5, 4, 4, 3, 3, 2, 1, 1, 1, 1])]   # 25 rows, TV 0.26
    shifted = eye[np.repeat(np.arange(10), [70, 4, 4, 3, 3, 2, 1, 1, 1, 1])]
    alarms = [{a.name: a for a in prediction_alarms(prediction_drift(reference, current))}
              for current in (small, shifted)]
    assert alarms[0]["class_balance"].value >= 0.2 and not alarms[0]["class_balance"].tripped
    assert alarms[1]["class_balance"].tripped
