"""Snorkel's LFAnalysis statistics on a 6x3 label matrix, computed by hand."""

import numpy as np
import pytest

from semiloop.errors import DataError
from semiloop.heuristics import (
    label_conflict,
    label_coverage,
    label_overlap,
    lf_conflicts,
    lf_coverages,
    lf_empirical_accuracies,
    lf_overlaps,
    lf_polarities,
    lf_summary,
)

# rows: votes of functions a, b, c (-1 = abstain)
L = np.array([[0, 0, -1],    # overlap, agreement
              [1, 0, 1],     # overlap, conflict (a and c against b)
              [-1, -1, -1],  # nobody
              [2, -1, 2],    # overlap, agreement
              [-1, 1, -1],   # b alone
              [0, -1, 1]])   # overlap, conflict
Y = np.array([0, 1, 2, 2, -1, 1])  # row 4 has no human label


def test_per_function_fractions_match_the_hand_count():
    np.testing.assert_allclose(lf_coverages(L), [4 / 6, 3 / 6, 3 / 6])
    np.testing.assert_allclose(lf_overlaps(L), [4 / 6, 2 / 6, 3 / 6])
    np.testing.assert_allclose(lf_conflicts(L), [2 / 6, 1 / 6, 2 / 6])
    assert lf_polarities(L) == [[0, 1, 2], [0, 1], [1, 2]]


def test_whole_matrix_fractions():
    assert label_coverage(L) == pytest.approx(5 / 6)
    assert label_overlap(L) == pytest.approx(4 / 6)
    assert label_conflict(L) == pytest.approx(2 / 6)


def test_empirical_accuracy_counts_rows_with_a_vote_and_a_human_label():
    accuracies, correct, incorrect = lf_empirical_accuracies(L, Y)
    # a: rows 0, 1, 3 right, row 5 wrong; b: row 0 right, row 1 wrong, row 4 unlabeled; c: 3 right
    assert correct.tolist() == [3, 1, 3]
    assert incorrect.tolist() == [1, 1, 0]
    np.testing.assert_allclose(accuracies, [0.75, 0.5, 1.0])


def test_summary_is_indexed_by_name_with_snorkel_columns():
    summary = lf_summary(L, names=["a", "b", "c"], y=Y, classes=["x", "y", "z"],
                         estimated_accuracies=[0.7, 0.6, 0.9])
    assert summary.index.tolist() == ["a", "b", "c"]
    assert summary.columns.tolist() == ["j", "polarity", "coverage", "overlaps", "conflicts",
                                        "correct", "incorrect", "empirical_accuracy",
                                        "estimated_accuracy"]
    assert summary.loc["c", "polarity"] == ["y", "z"]
    assert summary.loc["a", "correct"] == 3
    assert summary.loc["b", "conflicts"] == pytest.approx(1 / 6)
    assert lf_summary(L).columns.tolist() == ["j", "polarity", "coverage", "overlaps",
                                              "conflicts"]


def test_a_function_that_always_abstains_has_zero_fractions_and_no_accuracy():
    silent = np.column_stack([L, np.full(len(L), -1)])
    assert lf_coverages(silent)[3] == 0 and lf_overlaps(silent)[3] == 0
    assert lf_conflicts(silent)[3] == 0 and lf_polarities(silent)[3] == []
    accuracies, correct, incorrect = lf_empirical_accuracies(silent, Y)
    assert np.isnan(accuracies[3]) and correct[3] == incorrect[3] == 0
    np.testing.assert_allclose(lf_overlaps(silent)[:3], lf_overlaps(L))


@pytest.mark.parametrize("call, message", [
    (lambda: lf_coverages([0, 1]), "shape"),
    (lambda: lf_coverages([[0, -2]]), "-2"),
    (lambda: lf_coverages([[0.5, 1]]), "float64"),
    (lambda: lf_empirical_accuracies(L, Y[:3]), "6 rows"),
    (lambda: lf_summary(L, names=["a"]), "1 names for 3"),
    (lambda: lf_summary(L, y=[0, 0, 0, 0, 0, 5], classes=["x", "y", "z"]), "holds 5"),
    (lambda: lf_summary(L, classes=["x", "y"]), "n_classes is 2"),
])
def test_bad_input_says_what_is_wrong(call, message):
    with pytest.raises(DataError, match=message):
        call()
