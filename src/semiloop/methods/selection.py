"""Choosing which unlabeled rows become pseudo-labels in a round.

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.99, 0.01]] * 6 + [[0.2, 0.8]] * 2)
>>> rows, labels, confidence = select_pseudo_labels(
...     proba, np.array([0.9, 0.7]), class_prior=np.array([0.5, 0.5]))
>>> labels.tolist()          # class 0 may not flood: 2 of each
[0, 0, 1, 1]
"""

import numpy as np

__all__ = ["balanced_quotas", "cap_quotas", "select_pseudo_labels"]


def balanced_quotas(candidates, class_prior):
    """How many of each class's candidates a class-balanced round may accept.

    Accepted pseudo-labels follow the class prior: the class
    with the fewest candidates relative to its prior takes all of them, the
    others are scaled to match. A class without candidates this round does
    not stop the others, but slows them to a trickle (the scale never drops
    below one row of the rarest class), so that one class cannot flood the
    pseudo-labels while another has none.

    Parameters
    ----------
    candidates : ndarray of int, shape (n_classes,)
        Candidates per class (rows above that class's threshold).
    class_prior : ndarray of shape (n_classes,)
        The class shares to follow (self-training's ``class_prior``: by default
        those of the labeled rows).

    Returns
    -------
    quotas : ndarray of int, shape (n_classes,)

    Examples
    --------
    >>> balanced_quotas(np.array([100, 100, 80]), np.array([0.6, 0.2, 0.2])).tolist()
    [100, 34, 34]
    >>> balanced_quotas(np.array([100, 100, 0]), np.array([0.6, 0.2, 0.2])).tolist()
    [3, 1, 0]
    """
    candidates = np.asarray(candidates)
    prior = np.asarray(class_prior, dtype=float)
    present = prior > 0
    if not (candidates[present] > 0).any():
        return np.zeros_like(candidates)
    scale = max(np.min(candidates[present] / prior[present]), 1.0 / prior[present].min())
    quotas = np.ceil(prior * scale - 1e-9).astype(int)
    return np.where(present, np.minimum(quotas, candidates), 0)


def cap_quotas(quotas, k):
    """Scale per-class quotas down to ``k`` rows in all, keeping their proportions.

    Largest remainders get the rows left after rounding down (ties: lower class first).

    >>> cap_quotas(np.array([10, 10, 10, 10, 10]), 5).tolist()
    [1, 1, 1, 1, 1]
    >>> cap_quotas(np.array([30, 10, 0]), 4).tolist()
    [3, 1, 0]
    """
    quotas = np.asarray(quotas)
    if quotas.sum() <= k:
        return quotas
    share = quotas * (k / quotas.sum())
    capped = np.floor(share).astype(int)
    remainder = share - capped
    order = np.lexsort((np.arange(len(quotas)), -remainder))
    capped[order[: k - capped.sum()]] += 1
    return capped


def select_pseudo_labels(proba, thresholds, *, class_prior=None, eligible=None, k_best=None):
    """Pick rows whose top-class probability is above that class's threshold.

    Parameters
    ----------
    proba : ndarray of shape (n_rows, n_classes)
    thresholds : ndarray of shape (n_classes,)
    class_prior : ndarray of shape (n_classes,), default=None
        When given, selection is class-balanced (:func:`balanced_quotas`),
        keeping the most confident rows of each class.
    eligible : ndarray of bool, shape (n_rows,), default=None
        Rows that may be selected (for example, not pseudo-labeled yet).
    k_best : int, default=None
        At most this many rows in all, the most confident ones (with
        ``class_prior``, the per-class quotas are scaled down to ``k_best``
        in proportion, see :func:`cap_quotas`).

    A row passes when ``confidence > threshold`` (strictly, as in
    scikit-learn's ``SelfTrainingClassifier``).

    Returns
    -------
    rows : ndarray of int
        Selected row indices, ordered by class then by decreasing confidence.
    labels : ndarray of int
        Their pseudo-labels (column indices of ``proba``).
    confidence : ndarray of float
        Their top-class probabilities.
    """
    proba = np.asarray(proba, dtype=float)
    labels = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    limit = np.asarray(thresholds)[labels]
    passed = confidence > limit
    if eligible is not None:
        passed &= eligible
    n_classes = proba.shape[1]
    if class_prior is None:
        rows = np.flatnonzero(passed)
        if k_best is not None and len(rows) > k_best:
            rows = rows[np.argsort(-confidence[rows], kind="stable")[:k_best]]
        rows = rows[np.lexsort((-confidence[rows], labels[rows]))]
        return rows, labels[rows], confidence[rows]
    counts = np.bincount(labels[passed], minlength=n_classes)
    quotas = balanced_quotas(counts, class_prior)
    if k_best is not None:
        quotas = cap_quotas(quotas, k_best)
    chosen = []
    for label in range(n_classes):
        if quotas[label] == 0:
            continue
        members = np.flatnonzero(passed & (labels == label))
        order = np.argsort(-confidence[members], kind="stable")
        chosen.append(members[order[: quotas[label]]])
    rows = np.concatenate(chosen) if chosen else np.array([], dtype=int)
    return rows, labels[rows], confidence[rows]
