"""Batch choices (k-center greedy, BADGE) and the review batch with flagged rows."""

import itertools

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from semiloop.active import (
    Query,
    k_center_greedy,
    kmeans_plusplus_seeding,
    query,
    review_batch,
)
from semiloop.errors import SemiloopError


def test_k_center_greedy_on_a_line_takes_the_farthest_each_time():
    points = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [20.0]])
    order, distance = k_center_greedy(points, 3, labeled=np.array([[0.0]]))
    assert order.tolist() == [5, 3, 2]  # 20 (20 away), 10 (10 away), then 2 (2 away)
    assert distance.tolist() == pytest.approx([0, 1, 2, 10, 1, 20])


def test_k_center_greedy_without_labeled_rows_is_seeded_and_within_twice_the_optimum():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(10, 2))
    first = k_center_greedy(points, 3, random_state=7)
    assert np.array_equal(first[0], k_center_greedy(points, 3, random_state=7)[0])
    assert np.isfinite(first[1]).all() and (np.diff(first[1][first[0]]) <= 0).all()

    def radius(centres):
        gaps = np.linalg.norm(points[:, None] - points[list(centres)][None], axis=2)
        return gaps.min(axis=1).max()

    best = min(radius(c) for c in itertools.combinations(range(10), 3))
    for seed in range(5):
        assert radius(k_center_greedy(points, 3, random_state=seed)[0]) <= 2 * best + 1e-12


def hard_copies_pool():
    """A 1-D two-class problem; 20 copies of a row next to the boundary, plus near-copies.

    All on one side: near-copies that straddle the boundary get opposite gradient
    embeddings (the predicted label flips), and BADGE rightly sees them as two rows.
    """
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-2, 1, 30), rng.normal(2, 1, 30)][:, None]
    model = LogisticRegression().fit(X, np.r_[[0] * 30, [1] * 30])
    hard_row = -model.intercept_[0] / model.coef_[0, 0] - 0.01
    hard = np.r_[np.full(20, hard_row), hard_row - np.abs(rng.normal(0, 1e-6, 5))]
    pool = np.r_[hard, np.linspace(-4, 4, 40)][:, None]
    return model, pool


def test_badge_does_not_ask_near_copies_of_one_hard_row():
    model, pool = hard_copies_pool()
    copies = np.arange(25)
    assert set(query("margin", model, pool, 5).ids) <= set(copies)  # the failure BADGE avoids
    for seed in range(5):
        chosen = query("badge", model, pool, 5, random_state=seed)
        assert len(set(chosen.ids)) == 5
        assert len(set(chosen.ids) & set(copies)) <= 1
    again = query("badge", model, pool, 5, random_state=4)
    assert again.ids.tolist() == query("badge", model, pool, 5, random_state=4).ids.tolist()
    # k-center greedy, from the labeled rows, also takes at most one of them
    chosen = query("k_center_greedy", None, pool, 5, X_labeled=np.array([[-2.0], [2.0]]))
    assert len(set(chosen.ids) & set(copies)) <= 1


def test_kmeans_plusplus_seeding_starts_at_the_longest_row_then_never_repeats():
    points = np.array([[0.0, 1.0], [5.0, 0.0], [5.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    order = kmeans_plusplus_seeding(points, 5, random_state=0)
    assert order[0] == 1
    assert sorted(order[:3].tolist()) in ([0, 1, 4], [1, 3, 4])  # three distinct points
    assert sorted(order.tolist()) == [0, 1, 2, 3, 4]  # copies last, by norm


def query_of(ids, scores, pool_ids, strategy="margin"):
    return Query(ids=np.array(ids), scores=np.array(scores, dtype=float),
                 pool_ids=np.array(pool_ids), strategy=strategy)


def test_review_batch_interleaves_flagged_rows_without_duplicates():
    chosen = query_of([4, 2, 0], [0.5, 0.1, 0.8, 0.3, 0.9], range(5))
    batch = review_batch(chosen, np.array([2, 7, 2, 8]),
                         np.array(["prediction flipped", "low confidence",
                                   "MC-dropout uncertain", "out of distribution"]), 6)
    assert batch.ids.tolist() == [2, 4, 7, 0, 8, 3]
    assert batch.reasons == [
        "flagged: prediction flipped; flagged: MC-dropout uncertain; margin",
        "margin", "flagged: low confidence", "margin", "flagged: out of distribution",
        "margin"]  # 3 follows the query's ids by its score


def test_review_batch_share_sets_how_many_slots_flagged_rows_get():
    chosen = query_of([0, 1, 2, 3], [4, 3, 2, 1], range(4))
    flagged, why = [10, 11, 12], ["flipped"] * 3
    assert review_batch(chosen, flagged, why, 4, flagged_share=0).ids.tolist() == [0, 1, 2, 3]
    assert review_batch(chosen, flagged, why, 4, flagged_share=0.25).ids.tolist() == [10, 0, 1, 2]
    assert review_batch(chosen, flagged, why, 4, flagged_share=1).ids.tolist() == [10, 11, 12, 0]
    everything = review_batch(chosen, flagged, why, 20)
    assert len(everything.ids) == 7 and len(set(everything.ids)) == 7


def test_review_batch_checks_its_input():
    chosen = query_of([0], [1.0], [0])
    with pytest.raises(SemiloopError, match="one reason per flagged id"):
        review_batch(chosen, [1, 2], ["flipped"], 2)
    with pytest.raises(SemiloopError, match="flagged_share"):
        review_batch(chosen, [], [], 2, flagged_share=1.5)
    with pytest.raises(SemiloopError, match="n=0"):
        review_batch(chosen, [], [], 0)
