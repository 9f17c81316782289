"""The label contract: which rows are labeled, and the classes they carry.

A label is *unlabeled* when it is ``-1`` (scikit-learn's marker), ``None``,
NaN, an empty or blank string, or a marker the caller names. Every other value
is a class. Classes are kept in sorted order, as scikit-learn does, and rows
are encoded as integer codes into that order, with ``-1`` for unlabeled.

Examples
--------
>>> import numpy as np
>>> codes, classes = encode_labels(np.array(["spam", None, "ham", ""], dtype=object))
>>> codes.tolist(), classes.tolist()
([1, -1, 0, -1], ['ham', 'spam'])
>>> codes, classes = encode_labels([3, -1, 7, 3])
>>> codes.tolist(), classes.tolist()
([0, -1, 1, 0], [3, 7])
"""

import warnings

import numpy as np
import pandas as pd

from semiloop.errors import DataError, SemiloopWarning

__all__ = ["UNLABELED", "check_labels", "encode_labels", "unlabeled_mask"]

UNLABELED = -1


def unlabeled_mask(y, *, marker=None):
    """Return a boolean mask that is True where ``y`` holds no label.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels; ``-1``, ``None``, NaN, blank strings and ``marker`` mean unlabeled.
    marker : object, default=None
        An extra value that means unlabeled (for example ``"?"``).

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)

    Examples
    --------
    >>> unlabeled_mask([1, -1, 0]).tolist()
    [False, True, False]
    """
    values = np.asarray(y, dtype=object) if not isinstance(y, np.ndarray) else y
    if values.ndim != 1:
        raise DataError(
            f"labels must be one-dimensional, got shape {values.shape}; "
            "pass one label per row (use -1 for unlabeled rows)"
        )
    if values.dtype.kind in "iub":
        mask = values == UNLABELED
    elif values.dtype.kind == "f":
        mask = np.isnan(values) | (values == UNLABELED)
    else:
        series = pd.Series(values, dtype=object)
        mask = series.isna().to_numpy()
        text = series.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
        minus_one = series.map(_is_minus_one).to_numpy(dtype=bool)
        mask = mask | text | minus_one
    if marker is not None:
        mask = mask | (pd.Series(values, dtype=object) == marker).to_numpy(dtype=bool)
        if isinstance(marker, str):
            stripped = pd.Series(values, dtype=object).map(
                lambda v: isinstance(v, str) and v.strip() == marker
            )
            mask = mask | stripped.to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def _is_minus_one(value):
    if isinstance(value, str):
        return value.strip() == "-1"
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        return float(value) == UNLABELED
    except (TypeError, ValueError):
        return False


def encode_labels(y, *, marker=None):
    """Split labels into integer codes (``-1`` for unlabeled) and sorted classes.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels as numbers or strings; see :func:`unlabeled_mask` for what
        counts as unlabeled.
    marker : object, default=None
        An extra value that means unlabeled.

    Returns
    -------
    codes : ndarray of int64, shape (n_samples,)
        Index into ``classes`` for labeled rows, ``-1`` for unlabeled ones.
    classes : ndarray
        The distinct labels, sorted. Numeric labels keep a numeric dtype.
    """
    values = np.asarray(y) if not isinstance(y, np.ndarray) else y
    if values.dtype.kind in "US":
        values = values.astype(object)
    missing = unlabeled_mask(values, marker=marker)
    labeled = values[~missing]
    if values.dtype.kind == "O" and len(labeled):
        labeled = np.array([_normalise(v) for v in labeled], dtype=object)
        kinds = {type(v) for v in labeled}
        if kinds <= {int, float} and all(float(v).is_integer() for v in labeled):
            labeled = labeled.astype(np.int64)
        elif len(kinds) > 1:
            labeled = labeled.astype(str)
    if values.dtype.kind == "f" and len(labeled):
        if not np.all(np.isfinite(labeled)) or not np.all(np.mod(labeled, 1) == 0):
            raise DataError(
                "labels look continuous (non-integer numbers such as "
                f"{labeled[np.mod(labeled, 1) != 0][:3].tolist()}); a classifier needs class "
                "labels: use integers or strings, or a regressor for a continuous target"
            )
        labeled = labeled.astype(np.int64)
    try:
        classes, inverse = np.unique(labeled, return_inverse=True)
    except TypeError as error:
        raise DataError(
            f"labels mix types that cannot be ordered ({error}); "
            "use one type for every label, for example strings"
        ) from None
    codes = np.full(values.shape[0], UNLABELED, dtype=np.int64)
    codes[~missing] = inverse.ravel()
    return codes, classes


def _normalise(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_labels(codes, classes, *, source="y", warn_single=True, min_classes=2):
    """Check that encoded labels can train a classifier; warn on thin classes.

    Raises :class:`~semiloop.errors.DataError` when there is no labeled row or
    only one class, and warns with :class:`~semiloop.errors.SemiloopWarning`
    for each class that has a single labeled row unless ``warn_single`` is
    false (methods without an internal validation split do not need two).
    ``min_classes=1`` lets a single labeled class through, for estimators
    that leave that decision to the classifier they wrap.

    Examples
    --------
    >>> import numpy as np
    >>> check_labels(np.array([0, 1, -1, 1, 0]), np.array(["a", "b"]))
    >>> check_labels(np.array([-1, -1]), np.array([]))
    Traceback (most recent call last):
    ...
    semiloop.errors.DataError: no labeled rows in y: ...
    """
    codes = np.asarray(codes)
    counts = np.bincount(codes[codes >= 0], minlength=len(classes))
    if counts.sum() == 0:
        raise DataError(
            f"no labeled rows in {source}: every label is empty or -1; "
            "label at least one row of each of two classes"
        )
    present = np.flatnonzero(counts)
    if len(present) < min_classes:
        raise DataError(
            f"only one class is labeled in {source} ({classes[present[0]]}); "
            "a classifier needs labeled rows of at least two classes"
        )
    single = [classes[c].item() if hasattr(classes[c], "item") else classes[c]
              for c in present if counts[c] == 1]
    if single and warn_single:
        shown = ", ".join(repr(name) for name in single[:5]) + (" ..." if len(single) > 5 else "")
        warnings.warn(
            f"{len(single)} class(es) in {source} have a single labeled row ({shown}); "
            "validation cannot hold one out, so label a few more rows of each",
            SemiloopWarning,
            stacklevel=2,
        )
