"""The verdict on unlabeled rows: trust on clean data, not on shifted data or unseen classes."""

import numpy as np
import pandas as pd
import pytest

from semiloop.errors import DataError
from semiloop.trust.check import check_unlabeled


def _table(rng, n, shift=0.0, centres=((0, 0), (4, 0), (0, 4)), colour=True):
    y = rng.integers(0, len(centres), n)
    X = np.asarray(centres, float)[y] + rng.normal(0, 0.7, (n, 2))
    frame = pd.DataFrame(X, columns=["a", "b"])
    if colour:
        frame["colour"] = rng.choice(["red", "blue"], n)
    frame["a"] += shift
    return frame, y


def test_clean_unlabeled_rows_are_trusted():
    rng = np.random.default_rng(0)
    frame, y = _table(rng, 630)
    result = check_unlabeled(frame[:30], frame[30:], y[:30], random_state=0)
    assert result.verdict == "trust" and result.reasons == []
    assert result.n_labeled == 30 and result.n_unlabeled == 600
    assert result.prior.sum() == pytest.approx(1) and len(result.feature_drift) == 3


def test_shifted_rows_are_not_trusted_and_the_shifted_feature_is_named():
    rng = np.random.default_rng(1)
    labeled, y = _table(rng, 40)
    unlabeled, _ = _table(rng, 600, shift=1.5)
    result = check_unlabeled(labeled, unlabeled, y)
    assert result.verdict == "do not trust"
    assert result.classifier_test.drivers[0][0] == "a" and "a" in result.drifted_features
    assert "mostly by a" in result.reasons[0] and result.advice


def test_a_class_no_one_labeled_is_not_trusted():
    # (an irrelevant categorical column dilutes the distances: with one, the new class is
    # found in 36 of 60 seeds instead of 58; see unseen_class_clusters)
    rng = np.random.default_rng(2)
    labeled, y = _table(rng, 30, colour=False)
    known, _ = _table(rng, 600, colour=False)
    novel, _ = _table(rng, 60, centres=((4, 4),), colour=False)
    result = check_unlabeled(labeled, pd.concat([known, novel], ignore_index=True), y)
    assert result.verdict == "do not trust"
    assert any(c.rows.min() >= 600 and c.size >= 40 for c in result.unseen_clusters)
    assert any("a class no one has labeled" in r for r in result.reasons)


def test_errors():
    frame, y = _table(np.random.default_rng(3), 50)
    with pytest.raises(DataError, match="at least 5 labeled"):
        check_unlabeled(frame[:3], frame[3:], y[:3])
    with pytest.raises(DataError, match="single class"):
        check_unlabeled(frame[:10], frame[10:], np.zeros(10))
