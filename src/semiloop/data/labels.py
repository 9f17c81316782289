"""The label contract: which rows are labeled, and the classes they carry.

A label is *unlabeled* when it is ``-1`` (scikit-learn's marker), ``None``,
NaN, an empty or blank string, or a marker the caller names. Every other value
is a class, even one that reads like "no label" (``"None"``, ``"NA"``,
``"unknown"``, ``"?"``): :func:`placeholder_classes` finds such classes so that
a front end can suggest naming one as the marker, but only the caller decides.

A marker matches a label whatever the label's type: the text ``"0"`` matches
the number ``0`` (or ``0.0``) in a numeric column, as happens when the marker
comes from the command line, and text is compared with surrounding blanks
stripped, so ``" ? "`` matches ``"?"``. Classes are kept in sorted order, as
scikit-learn does, and rows are encoded as integer codes into that order, with
``-1`` for unlabeled.

Examples
--------
>>> import numpy as np
>>> codes, classes = encode_labels(np.array(["spam", None, "ham", ""], dtype=object))
>>> codes.tolist(), classes.tolist()
([1, -1, 0, -1], ['ham', 'spam'])
>>> codes, classes = encode_labels([3, -1, 7, 3])
>>> codes.tolist(), classes.tolist()
([0, -1, 1, 0], [3, 7])
>>> encode_labels([3, 0, 7, 3], marker="0")[0].tolist()
[0, -1, 1, 0]
"""

import warnings

import numpy as np
import pandas as pd

from semiloop.errors import DataError, SemiloopWarning

__all__ = [
    "PLACEHOLDER_LABELS",
    "UNLABELED",
    "check_labels",
    "encode_labels",
    "placeholder_classes",
    "unlabeled_mask",
]

UNLABELED = -1
#: Texts (lower case, stripped) that often stand for "no label" or "no value".
PLACEHOLDER_LABELS = frozenset({
    "?", "??", "???", "-", "--", "---", "unknown", "n/a", "na", "#n/a", "none", "null",
    "nan", "nil", "missing", "tbd", "tba", "undefined", "unlabeled", "unlabelled",
})


def unlabeled_mask(y, *, marker=None):
    """Return a boolean mask that is True where ``y`` holds no label.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels; ``-1``, ``None``, NaN, blank strings and ``marker`` mean unlabeled.
    marker : object, default=None
        An extra value that means unlabeled (for example ``"?"``). It matches
        a label of any type: as text with blanks stripped (``" ? "`` matches
        ``"?"``), and as a number where both read as numbers (``"0"``
        matches ``0`` and ``0.0``).

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)

    Raises
    ------
    DataError
        When ``y`` is not one-dimensional.

    Examples
    --------
    >>> unlabeled_mask([1, -1, 0]).tolist()
    [False, True, False]
    >>> unlabeled_mask([1, -1, 0], marker="0").tolist()
    [False, True, True]
    >>> unlabeled_mask(["a", " ? ", "None"], marker="?").tolist()
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
        mask = mask | _matches_marker(values, marker)
    return np.asarray(mask, dtype=bool)


def _matches_marker(values, marker):
    """True where a value is the marker, as stripped text or as the same number."""
    number = _as_number(marker)
    if values.dtype.kind == "b":
        return np.zeros(values.shape, dtype=bool)
    if values.dtype.kind in "iuf":
        if number is None:
            return np.zeros(values.shape, dtype=bool)
        return values == number
    text = marker.strip() if isinstance(marker, str) else None

    def matches(value):
        if isinstance(value, str) and text is not None:
            return value.strip() == text
        if number is not None:
            return _as_number(value) == number
        try:
            return bool(value == marker)
        except (TypeError, ValueError):
            return False

    return np.fromiter((matches(value) for value in values), dtype=bool, count=len(values))


def _as_number(value):
    """``value`` as a float when it is a number or text that reads as one, else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


def _is_minus_one(value):
    if isinstance(value, str):
        return value.strip() == "-1"
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        return float(value) == UNLABELED
    except (TypeError, ValueError):
        return False


def placeholder_classes(classes):
    """The classes whose text looks like a placeholder for "no label".

    A class is a placeholder when, stripped and in lower case, it is one of
    :data:`PLACEHOLDER_LABELS` (``"?"``, ``"unknown"``, ``"n/a"``, ``"na"``,
    ``"none"``, ``"null"``, ``"missing"``, ``"-"``, ``"tbd"`` ...). Such a class
    stays a class: this only finds candidates for an ``unlabeled_marker``,
    for example to suggest one when a table has no unlabeled row.

    Parameters
    ----------
    classes : array-like
        Class values, for example :attr:`Dataset.classes`. Values that are
        not text are never placeholders.

    Returns
    -------
    placeholders : list
        The placeholder classes, as given and in the given order.

    Examples
    --------
    >>> placeholder_classes(["cat", "None", "dog", " N/A ", "?"])
    ['None', ' N/A ', '?']
    >>> placeholder_classes([0, 1, 2])
    []
    """
    return [value for value in np.asarray(classes, dtype=object).ravel().tolist()
            if isinstance(value, str) and value.strip().lower() in PLACEHOLDER_LABELS]


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
