"""Uncertainty sampling: ask about the rows the model is least sure of.

Three scores of the class probabilities ``p`` of a row (Settles, "Active
Learning Literature Survey", 2009, Sec. 3.1), each with **higher = ask
first**:

- least confidence: ``1 - max_y p(y)``;
- margin: ``-(p(y1) - p(y2))``, the two most probable classes: the smallest
  margin is asked first;
- entropy: ``-sum_y p(y) log p(y)`` in nats, with ``0 log 0 = 0``.

With two classes the three rank the rows alike. Each works on the
``predict_proba`` of any fitted classifier (:func:`semiloop.active.query`
gets them), and each scores one row at a time: a batch of the top ``n``
can be ``n`` near-copies of one hard case (see
:mod:`semiloop.active.diversity`).

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.5, 0.3, 0.2], [0.9, 0.1, 0.0]])
>>> least_confidence(proba).round(3).tolist(), margin(proba).round(3).tolist()
([0.5, 0.1], [-0.2, -0.8])
"""

import numpy as np
from scipy.special import entr

from semiloop.errors import SemiloopError

__all__ = ["entropy", "least_confidence", "margin"]


def least_confidence(proba):
    """``1 - max_y p(y)`` per row; higher = ask first.

    Parameters
    ----------
    proba : array-like of shape (n_rows, n_classes)
        Class probabilities, rows summing to 1.

    Returns
    -------
    scores : ndarray of shape (n_rows,)
        In ``[0, 1 - 1/n_classes]``.

    Raises
    ------
    SemiloopError
        When ``proba`` is not 2-D or holds values that are negative or not finite.

    Examples
    --------
    >>> least_confidence([[0.7, 0.2, 0.1], [1.0, 0.0, 0.0]]).round(3).tolist()
    [0.3, 0.0]
    """
    proba = _check_proba(proba)
    return 1.0 - proba.max(axis=1)


def margin(proba):
    """``-(p(y1) - p(y2))`` per row, ``y1`` and ``y2`` the likeliest classes; higher = ask first.

    The smallest margin between the two likeliest classes is asked first
    (Scheffer et al. 2001, in Settles 2009, Sec. 3.1).

    Parameters
    ----------
    proba : array-like of shape (n_rows, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_rows,)
        In ``[-1, 0]``; 0 for a tie between the two likeliest classes.

    Raises
    ------
    SemiloopError
        As :func:`least_confidence`.

    Examples
    --------
    >>> margin([[0.4, 0.35, 0.25], [0.8, 0.1, 0.1]]).round(3).tolist()
    [-0.05, -0.7]
    """
    proba = _check_proba(proba)
    if proba.shape[1] == 1:
        return -proba[:, 0]
    top_two = -np.partition(-proba, 1, axis=1)[:, :2]
    return top_two[:, 1] - top_two[:, 0]


def entropy(proba):
    """Shannon entropy ``-sum_y p(y) log p(y)`` per row, in nats; higher = ask first.

    ``0 log 0`` counts as 0, so a class with probability 0 adds nothing.

    Parameters
    ----------
    proba : array-like of shape (n_rows, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_rows,)
        In ``[0, log n_classes]``.

    Raises
    ------
    SemiloopError
        As :func:`least_confidence`.

    Examples
    --------
    >>> entropy([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]).round(4).tolist()  # log 2, 0
    [0.6931, 0.0]
    """
    return entr(_check_proba(proba)).sum(axis=1)


def _check_proba(proba):
    """``proba`` as a float array of shape (n_rows, n_classes), checked."""
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] == 0:
        raise SemiloopError(f"proba has shape {proba.shape}; pass class probabilities of shape "
                            "(n_rows, n_classes), as predict_proba gives")
    if not np.isfinite(proba).all() or (proba < 0).any():
        raise SemiloopError("proba holds negative, NaN or infinite values; pass class "
                            "probabilities (predict_proba of a fitted classifier)")
    return proba
