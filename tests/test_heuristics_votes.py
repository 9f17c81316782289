"""Majority vote with its tie handling, and seed labels for the store."""

import numpy as np
import pytest

from semiloop.errors import DataError
from semiloop.heuristics import SOURCE, majority_vote, seed_labels, vote_counts

L = np.array([[0, 0, -1], [1, 0, 1], [-1, -1, -1], [2, -1, 2], [-1, 1, -1], [0, -1, 1]])


def test_majority_vote_on_the_hand_counted_matrix():
    labels, confidence = majority_vote(L)
    assert labels.tolist() == [0, 1, -1, 2, 1, -1]  # row 2: no vote; row 5: 0 and 1 tie
    np.testing.assert_allclose(confidence, [1, 2 / 3, 0, 1, 1, 0])


@pytest.mark.parametrize("row, label, share", [
    ([0, 1, -1], -1, 0.0),          # two classes, one vote each
    ([0, 0, 1, 1, 2], -1, 0.0),     # tie at the top, a third class below
    ([0, 1, 2, 2], 2, 0.5),         # a unique winner with half the votes
    ([-1, -1, -1], -1, 0.0),        # nobody voted
    ([1, -1, -1], 1, 1.0),          # a single vote wins
])
def test_ties_and_empty_rows_get_no_label(row, label, share):
    labels, confidence = majority_vote([row])
    assert labels.tolist() == [label] and confidence.tolist() == [share]


def test_vote_counts_and_a_class_never_voted():
    assert vote_counts(L, n_classes=4)[:, 3].sum() == 0
    assert vote_counts(L)[1].tolist() == [1, 2, 0]
    labels, _ = majority_vote(L, n_classes=4)
    assert labels.tolist() == [0, 1, -1, 2, 1, -1]
    with pytest.raises(DataError, match="n_classes=3"):
        majority_vote(L, n_classes=2)


def test_seed_labels_keep_labeled_rows_with_source_rule():
    labels, confidence = majority_vote(L)
    seeds = seed_labels(labels, confidence, combiner="majority_vote",
                        classes=["billing", "fraud", "other"], ids=[10, 11, 12, 13, 14, 15])
    assert seeds.index.name == "id" and seeds.index.tolist() == [10, 11, 13, 14]
    assert seeds.columns.tolist() == ["label", "class_name", "confidence", "source", "combiner"]
    assert seeds["label"].tolist() == [0, 1, 2, 1]
    assert seeds["class_name"].tolist() == ["billing", "fraud", "other", "fraud"]
    assert (seeds["source"] == SOURCE).all() and SOURCE == "rule"
    assert (seeds["combiner"] == "majority_vote").all()
    confident = seed_labels(labels, confidence, combiner="majority_vote", min_confidence=0.9)
    assert confident.index.name == "row" and confident.index.tolist() == [0, 3, 4]
    assert "class_name" not in confident.columns


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": [0, 3], "classes": ["a", "b"]}, "labels holds 3"),
    ({"confidence": [0.5, 1.5]}, r"outside \[0, 1\]"),
    ({"confidence": [0.5]}, "one confidence per row"),
    ({"ids": ["a", "a"]}, "ids repeat 'a'"),
    ({"ids": ["a"]}, "1 ids for 2 labels"),
    ({"combiner": ""}, "combiner must name"),
])
def test_seed_label_errors(kwargs, message):
    arguments = {"labels": [0, 1], "confidence": [0.5, 0.9], "combiner": "dawid_skene", **kwargs}
    labels, confidence = arguments.pop("labels"), arguments.pop("confidence")
    with pytest.raises(DataError, match=message):
        seed_labels(labels, confidence, **arguments)
