"""Majority vote of labeling functions: the class most of them vote, and its share of the votes.

Every function's vote counts the same (Snorkel's ``MajorityLabelVoter`` with
``tie_break_policy="abstain"``). A row where no function votes, or where two
or more classes share the most votes, gets no label (-1): a tie is a
disagreement the votes cannot settle, and breaking it by class order or at
random would give a seed label that is a coin flip. The label model
:class:`~semiloop.heuristics.label_model.DawidSkene` settles most ties by
weighting the functions by their estimated accuracy.

Examples
--------
>>> labels, confidence = majority_vote([[0, 0, 1], [0, 1, -1], [-1, -1, -1], [2, -1, -1]])
>>> labels.tolist(), confidence.round(2).tolist()
([0, -1, -1, 2], [0.67, 0.0, 0.0, 1.0])
"""

import numpy as np

from semiloop.heuristics._checks import ABSTAIN, check_label_matrix

__all__ = ["majority_vote", "vote_counts"]


def vote_counts(L, *, n_classes=None):
    """How many functions vote each class on each row.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)
        Class indices, -1 for abstain.
    n_classes : int, default=None
        None: one more than the largest vote.

    Returns
    -------
    counts : ndarray of int, shape (n_rows, n_classes)

    Raises
    ------
    DataError
        When ``L`` is not a label matrix or holds a vote ``>= n_classes``.

    Examples
    --------
    >>> vote_counts([[0, 0, 1], [-1, 2, -1]]).tolist()
    [[2, 1, 0], [0, 0, 1]]
    """
    L, n_classes = check_label_matrix(L, n_classes=n_classes)
    counts = np.zeros((len(L), n_classes), dtype=np.int64)
    rows, functions = np.nonzero(L != ABSTAIN)
    np.add.at(counts, (rows, L[rows, functions]), 1)
    return counts


def majority_vote(L, *, n_classes=None):
    """The class most functions vote on each row, -1 on ties and rows with no vote.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)
        Class indices, -1 for abstain.
    n_classes : int, default=None
        None: one more than the largest vote.

    Returns
    -------
    labels : ndarray of int64, shape (n_rows,)
        The winning class index; -1 where no function voted or the most
        votes are shared by two or more classes.
    confidence : ndarray of shape (n_rows,)
        The winner's share of the row's votes (abstentions do not count),
        ``1.0`` when all voters agree; 0.0 where the label is -1.

    Raises
    ------
    DataError
        When ``L`` is not a label matrix or holds a vote ``>= n_classes``.

    Notes
    -----
    ``labels[i] = argmax_k c_ik`` when that maximum is unique and positive,
    with ``c_ik`` the number of functions voting ``k`` on row ``i``;
    ``confidence[i] = max_k c_ik / sum_k c_ik``. Cost: O(n_rows n_functions).

    Examples
    --------
    A tie between two classes gives no label, even with a third vote elsewhere:

    >>> labels, confidence = majority_vote([[0, 1, 0, 1, 2]])
    >>> labels.tolist(), confidence.tolist()
    ([-1], [0.0])
    """
    counts = vote_counts(L, n_classes=n_classes)
    most = counts.max(axis=1)
    total = counts.sum(axis=1)
    decided = (most > 0) & ((counts == most[:, None]).sum(axis=1) == 1)
    labels = np.where(decided, counts.argmax(axis=1), ABSTAIN).astype(np.int64)
    confidence = np.where(decided, most / np.maximum(total, 1), 0.0)
    return labels, confidence
