"""Label noise in the seed labels: Confident Learning's counts, and the noise-floor test."""

import numpy as np
import pytest

from semiloop.errors import DataError
from semiloop.trust.label_noise import (
    calibrated_joint,
    confident_joint,
    confident_thresholds,
    estimate_label_noise,
    find_label_noise,
    noise_floor,
)

# nine rows, three given per class: row 2 (given 0) looks like 1, row 5 (given 1) like 2,
# row 1 passes two thresholds (counted in its most probable class), row 8 passes none
Y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
PROBA = np.array([[0.8, 0.1, 0.1], [0.5, 0.48, 0.02], [0.1, 0.8, 0.1],
                  [0.2, 0.7, 0.1], [0.1, 0.5, 0.4], [0.1, 0.2, 0.7],
                  [0.1, 0.1, 0.8], [0.3, 0.1, 0.6], [0.4, 0.4, 0.2]])


def test_thresholds_confident_joint_and_calibration_by_hand():
    assert confident_thresholds(Y, PROBA) == pytest.approx([1.4 / 3, 1.4 / 3, 1.6 / 3])
    counts, guess = confident_joint(Y, PROBA)
    assert guess.tolist() == [0, 0, 1, 1, 1, 2, 2, 2, -1]
    assert counts.tolist() == [[2, 1, 0], [0, 2, 1], [0, 0, 2]]
    # rows rescaled to 3 rows per given class: the last row (2 counted) becomes [0, 0, 3]
    assert calibrated_joint(counts, Y) == pytest.approx(
        np.array([[2, 1, 0], [0, 2, 1], [0, 0, 3]]) / 9)
    # every class keeps a correctly labeled row on the diagonal
    assert confident_joint([0, 1], [[0.1, 0.9], [0.9, 0.1]])[0].tolist() == [[1, 1], [1, 1]]


def test_noise_rate_issues_and_their_order():
    result = estimate_label_noise(Y, PROBA)
    assert result.estimated_noise_rate == pytest.approx(2 / 9)
    assert result.class_noise_rates == pytest.approx([1 / 3, 1 / 3, 0])
    # prune by noise rate: one row given 0 with the largest p1 - p0, one given 1 with p2 - p1
    assert result.issues.tolist() == [2, 5] and result.suggested.tolist() == [1, 2]
    margin = estimate_label_noise(Y, PROBA, rank_by="normalized_margin")
    assert margin.issues.tolist() == [2, 5]
    # a row whose most probable class is its given one is never an issue
    assert estimate_label_noise([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.4, 0.6], [0.45, 0.55]]
                                ).issues.tolist() == []


def test_the_noise_floor_sees_random_flips_but_not_calibrated_uncertainty():
    rng = np.random.default_rng(3)
    positive = 1 / (1 + np.exp(-rng.uniform(-6, 6, 400)))
    proba = np.column_stack([1 - positive, positive])
    y = (rng.random(400) < positive).astype(int)
    assert noise_floor(y, proba)[1] > 0.05
    # overconfident probabilities are not noise either: the temperature absorbs them
    sharp = np.column_stack([1 - positive ** 3, positive ** 3])
    sharp /= sharp.sum(axis=1, keepdims=True)
    assert noise_floor((rng.random(400) < sharp[:, 1]).astype(int), proba)[1] > 0.01
    flipped = y.copy()
    flipped[rng.choice(400, 60, replace=False)] ^= 1
    rate, p_value = noise_floor(flipped, proba)
    assert p_value < 1e-3 and 0.1 < rate < 0.25


def _blobs(seed, n=240, flip=0.0, spread=1.0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    X = np.eye(3)[y] * 3 + rng.normal(0, spread, (n, 3))
    noisy = y.copy()
    flipped = rng.choice(n, int(flip * n), replace=False)
    noisy[flipped] = (y[flipped] + rng.integers(1, 3, len(flipped))) % 3
    return X, noisy, flipped


def test_label_noise_trips_on_flipped_seed_labels_and_lists_them():
    # (over 40 seeds of 10% flips here: tripped in all; see the module for KEEL)
    for seed in range(2):
        X, noisy, flipped = _blobs(seed, flip=0.1)
        found = find_label_noise(X, noisy, random_state=seed)
        assert found.floor_p_value < 0.01 and found.floor_rate == pytest.approx(0.1, abs=0.04)
        assert found.model == "linear" and found.n_folds == 5
        assert np.isin(found.issues[:10], flipped).all()
        assert np.isin(flipped, found.issues).mean() >= 0.8


def test_label_noise_stays_quiet_on_clean_labels_even_where_classes_overlap():
    X, y, _ = _blobs(0)
    assert find_label_noise(X, y, random_state=0).floor_p_value > 0.01
    # classes that overlap: Confident Learning counts many "wrong" labels, the floor stays flat
    X, y, _ = _blobs(1, spread=2.5)
    overlap = find_label_noise(X, y, random_state=1)
    assert overlap.estimated_noise_rate > 0.15 and overlap.floor_p_value > 0.01
    # a curved boundary (one class inside a ring of the other) needs the kernel model:
    # a linear model would take the ring for noise
    rng = np.random.default_rng(2)
    angle, radius = rng.uniform(0, 2 * np.pi, 300), np.repeat([1.0, 3.0], 150)
    ring = np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    ring += rng.normal(0, 0.3, ring.shape)
    curved = find_label_noise(ring, np.repeat(["inside", "ring"], 150), random_state=2)
    assert curved.model == "kernel" and curved.floor_p_value > 0.01


def test_too_few_rows_and_errors():
    X, y, _ = _blobs(0, n=30)
    assert find_label_noise(X, np.r_[y[:-1], 7], random_state=0) is None   # a class of one row
    with pytest.raises(DataError, match="two classes"):
        find_label_noise(X, np.zeros(30))
    with pytest.raises(DataError, match="one 2-D row per label"):
        find_label_noise(X[:5], y)
    with pytest.raises(DataError, match="rank_by"):
        estimate_label_noise(Y, PROBA, rank_by="entropy")
    with pytest.raises(DataError, match="class codes"):
        confident_thresholds(Y + 1, PROBA)
    with pytest.raises(DataError, match=r"no row is given class\(es\) \[2\]"):
        confident_joint(Y[:6], PROBA[:6])
    with pytest.raises(DataError, match="one row of probabilities per label"):
        noise_floor(Y, PROBA[:3])
