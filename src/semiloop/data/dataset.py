"""A validated table: raw features, encoded labels (``-1`` = unlabeled) and stable row ids.

Unlabeled rows. Only the documented markers mean unlabeled: an empty cell
(``None``/NaN/null), ``-1``, a blank string, and the ``unlabeled_marker`` the
caller names, which matches whatever the label column's type (the text
``"0"`` matches the number 0). Every other value is a class, even ``"None"``,
``"NA"`` or ``"?"``; :func:`~semiloop.data.labels.placeholder_classes` finds
such classes so that a front end can suggest them as the marker. See
:mod:`semiloop.data.readers` for which cells of a file are missing.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4, 0.5], "y": ["a", "b", None, "a", "b"]})
>>> dataset = load_dataset(frame, "y")
>>> dataset.y.tolist(), dataset.classes.tolist(), dataset.n_unlabeled
([0, 1, -1, 0, 1], ['a', 'b'], 1)
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from semiloop.data.labels import UNLABELED, check_labels, encode_labels, unlabeled_mask
from semiloop.data.readers import numbers_with_placeholders, read_table
from semiloop.errors import DataError, SemiloopWarning

__all__ = ["Dataset", "load_dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features, labels and ids of one table, checked to fit together.

    The fields cannot be reassigned, and ``y`` and ``ids`` are read-only
    arrays, so a label a person gave cannot be overwritten by accident. Use
    :func:`load_dataset` to build one from a file or a DataFrame.

    Parameters
    ----------
    features : pandas.DataFrame
        The raw feature columns, one row per sample (see
        :class:`~semiloop.features.TableEncoder` to turn them into numbers).
    y : ndarray of int64, shape (n_samples,)
        Index into ``classes`` for labeled rows, ``-1`` for unlabeled ones.
    classes : ndarray
        The original label values, sorted.
    ids : ndarray, shape (n_samples,)
        One distinct id per row.
    label_column : str
        The name of the column the labels came from.
    id_column : str or None, default=None
        The name of the column the ids came from; None when they are row numbers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dataset = Dataset(pd.DataFrame({"x": [1.0, 2.0]}), np.array([1, -1]),
    ...                   np.array(["no", "yes"]), np.arange(2), "label")
    >>> dataset.labels(dataset.y).tolist()
    ['yes', None]
    """

    features: pd.DataFrame
    y: np.ndarray
    classes: np.ndarray
    ids: np.ndarray
    label_column: str
    id_column: str | None = None

    def __post_init__(self):
        y = np.array(self.y, dtype=np.int64)
        ids = np.array(self.ids)
        n_rows = len(self.features)
        if y.shape != (n_rows,) or ids.shape != (n_rows,):
            raise DataError(
                f"features have {n_rows} rows but y has shape {y.shape} and ids {ids.shape}; "
                "give one label and one id per row"
            )
        if np.any((y < UNLABELED) | (y >= len(self.classes))):
            raise DataError(
                f"y holds codes outside -1..{len(self.classes) - 1}; "
                "encode labels with semiloop.data.encode_labels"
            )
        y.flags.writeable = False
        ids.flags.writeable = False
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "classes", np.asarray(self.classes))

    def __len__(self):
        return len(self.features)

    @property
    def labeled_mask(self):
        """ndarray of bool: True for rows that carry a label."""
        return self.y != UNLABELED

    @property
    def n_labeled(self):
        """int: the number of labeled rows."""
        return int(np.count_nonzero(self.labeled_mask))

    @property
    def n_unlabeled(self):
        """int: the number of unlabeled rows."""
        return len(self) - self.n_labeled

    def labels(self, codes):
        """Map integer codes back to the original label values.

        Parameters
        ----------
        codes : array-like of int
            Codes into ``classes``; ``-1`` means unlabeled.

        Returns
        -------
        labels : ndarray
            ``classes[codes]``; when any code is ``-1`` the result is an
            object array with ``None`` in those places.
        """
        codes = np.asarray(codes, dtype=np.int64)
        if np.any((codes < UNLABELED) | (codes >= len(self.classes))):
            raise DataError(
                f"codes must lie in -1..{len(self.classes) - 1} for classes "
                f"{self.classes.tolist()!r}; got {np.unique(codes).tolist()!r}"
            )
        missing = codes == UNLABELED
        if not missing.any():
            return self.classes[codes]
        result = np.full(codes.shape, None, dtype=object)
        result[~missing] = self.classes[codes[~missing]]
        return result


def load_dataset(
    path_or_frame, label, *, id_column=None, unlabeled_marker=None, feature_columns=None,
    encoding=None, sep=None, na_values=None,
):
    """Read a table and check it into a :class:`Dataset`.

    Parameters
    ----------
    path_or_frame : str, os.PathLike or pandas.DataFrame
        A file that :func:`~semiloop.data.read_table` can read, or a frame.
    label : str
        The label column. Empty cells, ``-1``, blank strings and
        ``unlabeled_marker`` mean the row is unlabeled; every other value,
        ``"None"`` and ``"NA"`` included, is a class.
    id_column : str, default=None
        A column of distinct row ids. Without it the ids are row numbers.
    unlabeled_marker : object, default=None
        An extra label value that means unlabeled, for example ``"?"``. It
        matches as text with blanks stripped, and as a number where the
        label reads as one (``"0"`` matches ``0`` and ``0.0``).
    feature_columns : list of str, default=None
        The feature columns. By default, every column except the label and
        id columns.
    encoding, sep, na_values : default=None
        How to read a file; see :func:`~semiloop.data.read_table`. They do
        not apply to a DataFrame.

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    DataError
        When the file cannot be read, a named column is missing (the message
        names the separator to pass when the header looks split by another
        one), ids are missing or repeated, there are no features, no labeled
        rows, or only one labeled class.

    Warns
    -----
    SemiloopWarning
        When a class has a single labeled row, when ``unlabeled_marker``
        matches no label, or when a feature column of a CSV or TSV file holds
        numbers and text that looks like a missing value (``NA``), so that it
        is read as text.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"key": [10, 11, 12, 13, 14],
    ...                       "x": [1.0, 2.0, 3.0, 4.0, 5.0],
    ...                       "y": [0, 1, "?", 1, 0]})
    >>> dataset = load_dataset(frame, "y", id_column="key", unlabeled_marker="?")
    >>> dataset.ids.tolist(), dataset.y.tolist(), dataset.features.columns.tolist()
    ([10, 11, 12, 13, 14], [0, 1, -1, 1, 0], ['x'])
    >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [2, 0, 1, 2, 1]})
    >>> load_dataset(frame, "y", unlabeled_marker="0").y.tolist()
    [1, -1, 0, 1, 0]
    """
    read_options = {"encoding": encoding, "sep": sep, "na_values": na_values}
    from_file = not isinstance(path_or_frame, pd.DataFrame)
    if from_file:
        frame = read_table(path_or_frame, **read_options)
        source = repr(str(path_or_frame))
    else:
        given = [f"{name}={value!r}" for name, value in read_options.items() if value is not None]
        if given:
            raise DataError(
                f"the read option(s) {', '.join(given)} apply only when reading a file; "
                "leave them out for a DataFrame"
            )
        frame, source = path_or_frame, "the DataFrame"
    columns = list(frame.columns)
    if frame.columns.has_duplicates:
        repeated = sorted({str(name) for name in frame.columns[frame.columns.duplicated()]})
        raise DataError(
            f"column names repeat in {source}: {repeated}; give each column its own name"
        )
    _require_column(label, columns, source, "label", from_file)
    if id_column is not None:
        _require_column(id_column, columns, source, "id", from_file)
        if id_column == label:
            raise DataError(f"id_column and label are both {label!r}; ids need their own column",
                            options={"id_column": None})
    ids = _read_ids(frame, id_column, source)
    features = frame[_feature_columns(columns, label, id_column, feature_columns, source)]
    if from_file and Path(path_or_frame).suffix.lower() in (".csv", ".tsv"):
        _warn_numbers_read_as_text(features, source)
    values = _label_values(frame[label])
    if unlabeled_marker is not None:
        unlabeled = unlabeled_mask(values, marker=unlabeled_marker)
        if unlabeled_mask(values[unlabeled]).all():
            _warn_unused_marker(values, unlabeled_marker, label, source)
        values = _numbers_once_marked(values, unlabeled)
    codes, classes = encode_labels(values, marker=unlabeled_marker)
    check_labels(codes, classes, source=f"column {label!r} of {source}")
    return Dataset(
        features=features.reset_index(drop=True),
        y=codes,
        classes=classes,
        ids=ids,
        label_column=label,
        id_column=id_column,
    )


def _require_column(name, columns, source, role, from_file):
    if name in columns:
        return
    message = f"{role} column {name!r} is not in {source}; available columns: {columns!r}"
    sep = _separator_in_names(name, columns)
    if sep is None:
        raise DataError(message)
    if not from_file:
        raise DataError(f"{message}; the column names look split by {sep!r}: "
                        f"read the file with that separator")
    raise DataError(f"{message}; the header looks split by {sep!r}: pass sep={sep!r}",
                    options={"sep": sep})


def _separator_in_names(name, columns):
    """The separator that, splitting a column name, frees ``name`` from it; else None."""
    for sep in (";", "\t", "|", ","):
        for column in columns:
            parts = [part.strip().strip('"') for part in str(column).split(sep)]
            if len(parts) > 1 and name in parts:
                return sep
    return None


def _warn_numbers_read_as_text(features, source):
    found = numbers_with_placeholders(features)
    if not found:
        return
    cells = sorted({text for texts in found.values() for text in texts})
    warnings.warn(SemiloopWarning(
        f"column(s) {list(found)!r} of {source} hold numbers and also the text {cells!r}, so "
        "they are read as text, not numbers (only an empty cell is a missing value); if that "
        "text means a missing value, leave those cells empty; or pass "
        f"na_values={cells!r} to read them as missing",
        options={"na_values": cells},
    ), stacklevel=3)


def _warn_unused_marker(values, marker, label, source):
    present = pd.unique(pd.Series(values[~unlabeled_mask(values)], dtype=object))
    shown = ", ".join(repr(_plain(value)) for value in present[:5])
    warnings.warn(SemiloopWarning(
        f"unlabeled_marker={marker!r} matches no label in column {label!r} of {source} "
        f"(its labels include {shown}), so it marks no row unlabeled; check its spelling",
        options={"unlabeled_marker": marker},
    ), stacklevel=3)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _read_ids(frame, id_column, source):
    if id_column is None:
        return np.arange(len(frame))
    ids = frame[id_column]
    if ids.isna().any():
        raise DataError(
            f"id column {id_column!r} of {source} has {int(ids.isna().sum())} empty cell(s); "
            "give every row an id, or leave out id_column to number the rows",
            options={"id_column": None},
        )
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        shown = [value.item() if hasattr(value, "item") else value for value in duplicated[:5]]
        raise DataError(
            f"id column {id_column!r} of {source} repeats {len(duplicated)} id(s), "
            f"for example {shown!r}; ids must be distinct, so fix or drop the repeated rows"
        )
    return ids.to_numpy()


def _feature_columns(columns, label, id_column, feature_columns, source):
    reserved = {label, id_column}
    if feature_columns is None:
        chosen = [name for name in columns if name not in reserved]
    else:
        chosen = list(feature_columns)
        missing = [name for name in chosen if name not in columns]
        if missing:
            raise DataError(
                f"feature column(s) {missing!r} are not in {source}; available columns: {columns!r}"
            )
        clash = [name for name in chosen if name in reserved]
        if clash:
            raise DataError(
                f"feature_columns include the label or id column {clash!r}; leave them out"
            )
    if not chosen:
        raise DataError(
            f"{source} has no feature columns besides {label!r}; add at least one feature column"
        )
    return chosen


def _label_values(series):
    """The label column as a numeric array when it is numeric, else as an object array."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iufb":
        return series.to_numpy()
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return series.to_numpy(dtype=object)


def _numbers_once_marked(values, unlabeled):
    """Text labels as numbers (NaN where ``unlabeled``) when every labeled one reads as one.

    A CSV column such as ``1, 0, ?`` is read as text because of the marker;
    once the unlabeled cells are set aside, its labels are the numbers 1 and 0.
    """
    if values.dtype != object or unlabeled.all():
        return values
    labeled = values[~unlabeled]
    if isinstance(labeled[0], str) and _not_a_number(labeled[0]):
        return values
    numbers = pd.to_numeric(pd.Series(labeled, dtype=object), errors="coerce")
    if numbers.isna().any():
        return values
    result = np.full(len(values), np.nan)
    result[~unlabeled] = numbers.to_numpy(dtype=np.float64)
    return result


def _not_a_number(text):
    try:
        float(text)
    except ValueError:
        return True
    return False
