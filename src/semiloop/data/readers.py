"""Read a table from a file, choosing the format from the file's suffix.

Supported suffixes: ``.csv``, ``.tsv`` (tab separated), ``.parquet`` and
``.pq``, ``.jsonl`` and ``.ndjson`` (JSON Lines, one object per line) and
``.npz`` (NumPy arrays ``X`` and optionally ``y``, ``ids``, ``feature_names``).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "pool.csv").write_text("x,label\\n0.5,a\\n1.5,\\n")
>>> read_table(folder / "pool.csv").shape
(2, 2)
"""

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from semiloop.errors import DataError

__all__ = ["SUPPORTED_SUFFIXES", "read_table"]

NPZ_LABEL_COLUMN = "label"
NPZ_ID_COLUMN = "id"
_NPZ_ARRAYS = ("X", "y", "ids", "feature_names")


def _read_csv(path):
    return pd.read_csv(path, sep=",")


def _read_tsv(path):
    return pd.read_csv(path, sep="\t")


def _read_parquet(path):
    return pd.read_parquet(path)


def _read_jsonl(path):
    return pd.read_json(path, lines=True)


_READERS = {
    ".csv": ("CSV", _read_csv),
    ".tsv": ("TSV", _read_tsv),
    ".parquet": ("Parquet", _read_parquet),
    ".pq": ("Parquet", _read_parquet),
    ".jsonl": ("JSON Lines", _read_jsonl),
    ".ndjson": ("JSON Lines", _read_jsonl),
    ".npz": ("NPZ", None),
}
SUPPORTED_SUFFIXES = tuple(_READERS)


def read_table(path):
    """Read a CSV, TSV, Parquet, JSON Lines or NPZ file into a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read. Its suffix (case-insensitive) picks the format.
        An ``.npz`` file must hold a 2-D array ``X`` and may hold ``y``
        (one label per row, becomes the column ``"label"``), ``ids``
        (becomes the column ``"id"``) and ``feature_names`` (names the
        columns of ``X``; without it they are ``x0``, ``x1``, ...).

    Returns
    -------
    frame : pandas.DataFrame
        At least one row.

    Raises
    ------
    DataError
        When the file is missing, has an unsupported suffix, is empty, has no
        rows, or is not valid for the format its suffix names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pool.npz"
    >>> np.savez(path, X=np.eye(2), y=np.array([1, -1]))
    >>> read_table(path).columns.tolist()
    ['x0', 'x1', 'label']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise DataError(
            f"cannot read {str(path)!r}: unsupported file suffix {path.suffix!r}; "
            f"save the table as one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if not path.exists():
        raise DataError(f"file not found: {str(path)!r}; check the path and the working directory")
    if not path.is_file():
        raise DataError(f"{str(path)!r} is not a file; give the path of a {suffix} file")
    format_name, reader = _READERS[suffix]
    if path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is empty (0 bytes); write the table to it, header included")
    if suffix == ".npz":
        frame = _read_npz(path)
    else:
        try:
            frame = reader(path)
        except pd.errors.EmptyDataError:
            raise DataError(
                f"{str(path)!r} holds no data; write a header row and at least one data row"
            ) from None
        except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
            raise DataError(
                f"{str(path)!r} is not valid {format_name} ({_first_line(error)}); "
                f"check that the file really is {format_name} or give it the suffix of its format"
            ) from None
    if len(frame) == 0:
        raise DataError(
            f"{str(path)!r} has columns {list(frame.columns)!r} but no rows; "
            "add at least one data row"
        )
    return frame


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _read_npz(path):
    """Build a frame from the arrays of an ``.npz`` archive (pickles refused)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        raise DataError(
            f"{str(path)!r} is not valid NPZ ({_first_line(error)}); "
            "save the arrays with numpy.savez(path, X=..., y=...)"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"{str(path)!r} holds a single .npy array, not an NPZ archive; "
            "save the arrays with numpy.savez(path, X=..., y=...)"
        )
    with archive:
        unexpected = sorted(set(archive.files) - set(_NPZ_ARRAYS))
        if "X" not in archive.files or unexpected:
            raise DataError(
                f"{str(path)!r} holds arrays {sorted(archive.files)!r}; an NPZ table needs "
                "'X' and may add 'y', 'ids' and 'feature_names', so rename or drop the others"
            )
        arrays = {}
        for name in archive.files:
            try:
                arrays[name] = archive[name]
            except ValueError:
                raise DataError(
                    f"array {name!r} in {str(path)!r} is an object array, which semiloop "
                    "does not unpickle; save strings as fixed-width text "
                    "(numpy.asarray(values, dtype=str)) and numbers as numbers"
                ) from None
    return _frame_from_arrays(path, arrays)


def _frame_from_arrays(path, arrays):
    features = arrays["X"]
    if features.ndim != 2:
        raise DataError(
            f"array 'X' in {str(path)!r} has shape {features.shape}; "
            "it must be 2-D (rows, features): reshape it before saving"
        )
    n_rows, n_columns = features.shape
    if "feature_names" in arrays:
        names = [str(name) for name in arrays["feature_names"].ravel()]
        if len(names) != n_columns:
            raise DataError(
                f"'feature_names' in {str(path)!r} has {len(names)} names for {n_columns} "
                "columns of 'X'; give one name per column"
            )
    else:
        names = [f"x{index}" for index in range(n_columns)]
    reserved = {NPZ_LABEL_COLUMN, NPZ_ID_COLUMN} & set(names)
    if reserved:
        raise DataError(
            f"'feature_names' in {str(path)!r} uses the reserved name(s) {sorted(reserved)!r}; "
            "rename those features"
        )
    frame = pd.DataFrame(features, columns=names)
    for key, column in (("y", NPZ_LABEL_COLUMN), ("ids", NPZ_ID_COLUMN)):
        if key in arrays:
            values = arrays[key]
            if values.shape != (n_rows,):
                raise DataError(
                    f"array {key!r} in {str(path)!r} has shape {values.shape}; "
                    f"it must be 1-D with one entry per row of 'X' ({n_rows})"
                )
            frame[column] = values
    return frame
