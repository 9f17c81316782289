"""How labeling functions behave on a label matrix: coverage, overlaps, conflicts, accuracy.

The statistics of Snorkel's ``LFAnalysis`` (Ratner et al., "Snorkel: Rapid
Training Data Creation with Weak Supervision", VLDB 2017), as plain functions
of the label matrix ``L`` (n_rows, n_functions; -1 = abstain), with the same
definitions, every fraction over all ``n_rows`` rows:

- *coverage* of function ``j``: the fraction of rows it labels;
- *overlaps*: the fraction of rows it labels and at least one other function labels;
- *conflicts*: the fraction of rows it labels and another function labels a
  different class;
- *polarity*: the classes it votes;
- *empirical accuracy*: the share of its votes that equal the human label,
  over the rows where it votes and a person labeled the row (``y != -1``),
  with the *correct* and *incorrect* counts behind it.

Snorkel takes every row's ``Y`` as known and writes 0 for a function with
no vote to check; here rows with ``y == -1`` are left out and such a
function's accuracy is NaN.

Examples
--------
>>> import numpy as np
>>> L = np.array([[0, 0, -1], [0, 1, -1], [-1, -1, -1], [1, -1, 1]])
>>> lf_coverages(L).tolist(), lf_overlaps(L).tolist(), lf_conflicts(L).tolist()
([0.75, 0.5, 0.25], [0.75, 0.5, 0.25], [0.25, 0.25, 0.0])
"""

import numpy as np
import pandas as pd

from semiloop.errors import DataError
from semiloop.heuristics._checks import ABSTAIN, check_human_labels, check_label_matrix

__all__ = ["label_conflict", "label_coverage", "label_overlap", "lf_conflicts", "lf_coverages",
           "lf_empirical_accuracies", "lf_overlaps", "lf_polarities", "lf_summary"]


def _votes(L):
    return L != ABSTAIN


def _overlapped_rows(L):
    return _votes(L).sum(axis=1) > 1


def _conflicted_rows(L):
    votes = _votes(L)
    high = np.where(votes, L, -np.inf).max(axis=1)
    low = np.where(votes, L, np.inf).min(axis=1)
    return votes.any(axis=1) & (high != low)


def label_coverage(L):
    """Fraction of rows that at least one function labels.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)
        Class indices, -1 for abstain.

    Returns
    -------
    float

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> label_coverage([[0, -1], [-1, -1]])
    0.5
    """
    L, _ = check_label_matrix(L)
    return float(_votes(L).any(axis=1).mean()) if len(L) else 0.0


def label_overlap(L):
    """Fraction of rows that at least two functions label.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)

    Returns
    -------
    float

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> label_overlap([[0, 0], [0, -1]])
    0.5
    """
    L, _ = check_label_matrix(L)
    return float(_overlapped_rows(L).mean()) if len(L) else 0.0


def label_conflict(L):
    """Fraction of rows where two functions vote different classes.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)

    Returns
    -------
    float

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> label_conflict([[0, 1], [0, 0]])
    0.5
    """
    L, _ = check_label_matrix(L)
    return float(_conflicted_rows(L).mean()) if len(L) else 0.0


def lf_polarities(L):
    """The classes each function votes, in increasing order.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)

    Returns
    -------
    polarities : list of list of int
        One list per function (empty when it always abstains).

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> lf_polarities([[0, -1], [1, -1], [0, -1]])
    [[0, 1], []]
    """
    L, _ = check_label_matrix(L)
    return [np.unique(column[column != ABSTAIN]).tolist() for column in L.T]


def lf_coverages(L):
    """Fraction of rows each function labels.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)

    Returns
    -------
    coverages : ndarray of shape (n_functions,)

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> lf_coverages([[0, -1], [1, -1]]).tolist()
    [1.0, 0.0]
    """
    L, _ = check_label_matrix(L)
    return _votes(L).sum(axis=0) / max(len(L), 1)


def lf_overlaps(L):
    """Fraction of rows each function labels and at least one other function labels too.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)

    Returns
    -------
    overlaps : ndarray of shape (n_functions,)
        At most the function's coverage (Snorkel's ``normalize_by_coverage=False``).

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> lf_overlaps([[0, 0, -1], [0, -1, 1], [1, -1, -1]]).tolist()
    [0.6666666666666666, 0.3333333333333333, 0.3333333333333333]
    """
    L, _ = check_label_matrix(L)
    return (_votes(L) & _overlapped_rows(L)[:, None]).sum(axis=0) / max(len(L), 1)


def lf_conflicts(L):
    """Fraction of rows each function labels and another function labels a different class.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)

    Returns
    -------
    conflicts : ndarray of shape (n_functions,)
        At most the function's overlaps. On a row that holds two different
        votes, every voter disagrees with someone, so the row counts for all
        its voters (as in Snorkel).

    Raises
    ------
    DataError
        When ``L`` is not a label matrix.

    Examples
    --------
    >>> lf_conflicts([[0, 0, 1], [0, 0, -1]]).tolist()
    [0.5, 0.5, 0.5]
    """
    L, _ = check_label_matrix(L)
    return (_votes(L) & _conflicted_rows(L)[:, None]).sum(axis=0) / max(len(L), 1)


def lf_empirical_accuracies(L, y):
    """Each function's accuracy on the rows a person labeled, with the counts behind it.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)
    y : array-like of int, shape (n_rows,)
        Human labels as class indices, -1 where no person labeled the row.

    Returns
    -------
    accuracies : ndarray of shape (n_functions,)
        ``correct / (correct + incorrect)``; NaN for a function that votes on
        no human-labeled row.
    correct : ndarray of int, shape (n_functions,)
        Rows where the function votes the human label.
    incorrect : ndarray of int, shape (n_functions,)
        Rows where it votes another class than the human label.

    Raises
    ------
    DataError
        When ``L`` or ``y`` are not valid, or differ in rows.

    Examples
    --------
    >>> accuracies, correct, incorrect = lf_empirical_accuracies(
    ...     [[0, -1], [1, -1], [1, -1], [0, 0]], [0, 0, -1, -1])
    >>> accuracies.tolist(), correct.tolist(), incorrect.tolist()
    ([0.5, nan], [1, 0], [1, 0])
    """
    L, _ = check_label_matrix(L)
    y = check_human_labels(y, len(L))
    checked = _votes(L) & (y != ABSTAIN)[:, None]
    correct = (checked & (L == y[:, None])).sum(axis=0)
    incorrect = checked.sum(axis=0) - correct
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracies = np.where(checked.any(axis=0), correct / checked.sum(axis=0), np.nan)
    return accuracies, correct, incorrect


def lf_summary(L, *, names=None, y=None, classes=None, estimated_accuracies=None):
    """One row per labeling function: polarity, coverage, overlaps, conflicts and accuracy.

    Snorkel's ``LFAnalysis.lf_summary`` with lower-case column names.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)
    names : sequence of str, default=None
        The functions' names, the index of the table; None: ``0 .. n_functions-1``.
    y : array-like of int, shape (n_rows,), default=None
        Human labels as class indices, -1 where no person labeled the row;
        adds ``correct``, ``incorrect`` and ``empirical_accuracy``.
    classes : sequence, default=None
        The class names; the polarity lists names instead of indices.
    estimated_accuracies : array-like of shape (n_functions,), default=None
        A label model's accuracies (``DawidSkene.accuracies_``); adds
        ``estimated_accuracy`` (Snorkel's "Learned Weight").

    Returns
    -------
    summary : pandas.DataFrame of shape (n_functions, 5 to 9)
        Indexed by name, with the columns ``j`` (position in ``L``),
        ``polarity``, ``coverage``, ``overlaps``, ``conflicts``, and when
        ``y`` is given ``correct``, ``incorrect``, ``empirical_accuracy``,
        then ``estimated_accuracy`` when given.

    Raises
    ------
    DataError
        When ``L``, ``y``, ``names``, ``classes`` or ``estimated_accuracies``
        do not fit together.

    Examples
    --------
    >>> L = np.array([[0, 0], [1, 0], [-1, 1], [0, -1]])
    >>> summary = lf_summary(L, names=["refund", "invoice"], y=[0, 0, 1, -1],
    ...                      classes=["billing", "other"])
    >>> summary[["coverage", "overlaps", "conflicts", "correct", "empirical_accuracy"]]
             coverage  overlaps  conflicts  correct  empirical_accuracy
    refund       0.75       0.5       0.25        1                 0.5
    invoice      0.75       0.5       0.25        3                 1.0
    >>> summary["polarity"].tolist()
    [['billing', 'other'], ['billing', 'other']]
    """
    L, n_classes = check_label_matrix(L, n_classes=None if classes is None else len(classes))
    n_functions = L.shape[1]
    names = list(range(n_functions)) if names is None else list(names)
    if len(names) != n_functions:
        raise DataError(f"{len(names)} names for {n_functions} labeling functions (columns of "
                        "L); pass one name per column")
    polarities = lf_polarities(L)
    if classes is not None:
        classes = list(classes)
        polarities = [[classes[k] for k in polarity] for polarity in polarities]
    summary = pd.DataFrame({"j": np.arange(n_functions), "polarity": polarities,
                            "coverage": lf_coverages(L), "overlaps": lf_overlaps(L),
                            "conflicts": lf_conflicts(L)}, index=pd.Index(names))
    if y is not None:
        y = check_human_labels(y, len(L), n_classes=n_classes if classes is not None else None)
        accuracies, correct, incorrect = lf_empirical_accuracies(L, y)
        summary["correct"] = correct
        summary["incorrect"] = incorrect
        summary["empirical_accuracy"] = accuracies
    if estimated_accuracies is not None:
        estimated = np.asarray(estimated_accuracies, dtype=float)
        if estimated.shape != (n_functions,):
            raise DataError(f"estimated_accuracies has shape {estimated.shape}; pass one per "
                            f"labeling function ({n_functions},)")
        summary["estimated_accuracy"] = estimated
    return summary
