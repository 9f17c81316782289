"""Checks of the label matrix and the human labels, shared by the analysis and the combiners."""

import numpy as np

from semiloop.errors import DataError

#: The vote of a labeling function that does not label a row (Snorkel's convention).
ABSTAIN = -1


def check_label_matrix(L, *, n_classes=None):
    """``L`` as a 2-D int array of class indices and -1; the number of classes.

    Parameters
    ----------
    L : array-like of int, shape (n_rows, n_functions)
    n_classes : int, default=None
        None: one more than the largest vote (at least 1).

    Returns
    -------
    L : ndarray of int64, shape (n_rows, n_functions)
    n_classes : int

    Raises
    ------
    DataError
        When ``L`` is not 2-D, holds other values than integers from -1, or a
        vote is ``n_classes`` or more.
    """
    L = np.asarray(L)
    if L.ndim != 2:
        raise DataError(f"the label matrix L has shape {L.shape}; pass one row per data row "
                        "and one column per labeling function (n_rows, n_functions)")
    if L.size and not np.issubdtype(L.dtype, np.integer):
        if not (np.issubdtype(L.dtype, np.floating) and np.all(L == np.round(L))):
            raise DataError(f"the label matrix L holds {L.dtype} values; it holds class "
                            "indices and -1 for abstain (apply_labeling_functions makes it)")
    L = L.astype(np.int64)
    if L.size and L.min() < ABSTAIN:
        raise DataError(f"the label matrix L holds {int(L.min())}; votes are class indices "
                        "0 .. n_classes-1, and -1 for abstain")
    largest = int(L.max()) if L.size else -1
    if n_classes is None:
        n_classes = max(largest + 1, 1)
    elif largest >= n_classes:
        raise DataError(f"the label matrix L holds the vote {largest} but n_classes is "
                        f"{n_classes}; pass n_classes={largest + 1} or more",
                        options={"n_classes": largest + 1})
    return L, int(n_classes)


def check_human_labels(y, n_rows, *, n_classes=None, name="y"):
    """``y`` as an int array of class indices with -1 for rows without a label.

    Parameters
    ----------
    y : array-like of int, shape (n_rows,)
    n_rows : int
        Rows of the label matrix.
    n_classes : int, default=None
        When given, labels must be below it.
    name : str, default="y"
        How messages call ``y``.

    Returns
    -------
    y : ndarray of int64, shape (n_rows,)

    Raises
    ------
    DataError
        When ``y`` has another length, or holds other values than class indices and -1.
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows:
        raise DataError(f"{name} has shape {y.shape} but the label matrix has {n_rows} rows; "
                        "pass one label per row, -1 where a row has none")
    if len(y) and not np.issubdtype(y.dtype, np.integer):
        if not (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y))):
            raise DataError(f"{name} holds {y.dtype} values; pass class indices (positions "
                            "in classes), -1 where a row has no label")
    y = y.astype(np.int64)
    top = np.inf if n_classes is None else n_classes
    wrong = (y < ABSTAIN) | (y >= top)
    if wrong.any():
        largest = "n_classes-1" if n_classes is None else n_classes - 1
        raise DataError(f"{name} holds {int(y[wrong][0])}; pass class indices 0 .. {largest}, "
                        "-1 where a row has no label")
    return y
