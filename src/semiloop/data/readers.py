"""Read a table from a file, choosing the format from the file's suffix.

Supported suffixes: ``.csv``, ``.tsv`` (tab separated), ``.parquet`` and
``.pq``, ``.jsonl`` and ``.ndjson`` (JSON Lines, one object per line) and
``.npz`` (NumPy arrays ``X`` and optionally ``y``, ``ids``, ``feature_names``).

Missing values. In a CSV or TSV file only an empty cell is missing; every
other cell is data. A label or category literally named ``None``, ``NA``,
``null``, ``n/a`` or ``NaN`` stays that text (pandas on its own would read
these as missing, and a class named "None" would silently become unlabeled).
A column of numbers with such text in some cells is therefore read as text;
pass ``na_values=["NA"]`` to read those cells as missing instead. In JSON
Lines and Parquet files a ``null`` is missing and every string is data.

Text encoding. CSV, TSV and JSON Lines files are read as UTF-8, with or
without a byte-order mark (a file that starts with a UTF-16 byte-order mark is
read as UTF-16); pass ``encoding="latin-1"`` (any Python codec name) for
another encoding.

Separator. A ``.tsv`` file is split on tabs. A ``.csv`` file is split on
commas, unless its header row holds no comma but splits on ``;``, a tab or
``|`` (spreadsheets in many locales save "CSV" with ``;``); then on that one.
Pass ``sep=";"`` to choose.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "pool.csv").write_text("x,label\\n0.5,None\\n1.5,\\n")
>>> read_table(folder / "pool.csv")["label"].tolist()
['None', nan]
>>> _ = (folder / "semi.csv").write_text("x;label\\n0,5;a\\n1,5;b\\n")
>>> read_table(folder / "semi.csv").columns.tolist()
['x', 'label']
"""

import codecs
import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from semiloop.data.labels import PLACEHOLDER_LABELS
from semiloop.errors import DataError

__all__ = ["SUPPORTED_SUFFIXES", "numbers_with_placeholders", "read_arrays", "read_table"]

NPZ_LABEL_COLUMN = "label"
NPZ_ID_COLUMN = "id"
_NPZ_ARRAYS = ("X", "y", "ids", "feature_names")
#: Separators tried, after the comma, on the header of a ``.csv`` file.
_OTHER_SEPARATORS = (";", "\t", "|")
_SAMPLE_LINES = 50


def _read_csv(path, *, encoding, sep, na_values):
    if sep is None:
        sep = _detect_separator(path, encoding)
    return _read_delimited(path, encoding=encoding, sep=sep, na_values=na_values)


def _read_tsv(path, *, encoding, sep, na_values):
    return _read_delimited(path, encoding=encoding, sep="\t" if sep is None else sep,
                           na_values=na_values)


def _read_delimited(path, *, encoding, sep, na_values):
    """Only empty cells and ``na_values`` are missing: pandas' default list is off."""
    return pd.read_csv(path, sep=sep, encoding=encoding, keep_default_na=False,
                       na_values=["", *na_values])


def _read_parquet(path, **_):
    return pd.read_parquet(path)


def _read_jsonl(path, *, encoding, **_):
    return pd.read_json(path, lines=True, encoding=encoding)


# suffix: (format name, reader, the options that apply to it)
_DELIMITED = ("encoding", "sep", "na_values")
_READERS = {
    ".csv": ("CSV", _read_csv, _DELIMITED),
    ".tsv": ("TSV", _read_tsv, _DELIMITED),
    ".parquet": ("Parquet", _read_parquet, ()),
    ".pq": ("Parquet", _read_parquet, ()),
    ".jsonl": ("JSON Lines", _read_jsonl, ("encoding",)),
    ".ndjson": ("JSON Lines", _read_jsonl, ("encoding",)),
    ".npz": ("NPZ", None, ()),
}
SUPPORTED_SUFFIXES = tuple(_READERS)


def read_table(path, *, encoding=None, sep=None, na_values=None):
    """Read a CSV, TSV, Parquet, JSON Lines or NPZ file into a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read. Its suffix (case-insensitive) picks the format.
        An ``.npz`` file must hold a 2-D array ``X`` and may hold ``y``
        (one label per row, becomes the column ``"label"``), ``ids``
        (becomes the column ``"id"``) and ``feature_names`` (names the
        columns of ``X``; without it they are ``x0``, ``x1``, ...).
    encoding : str, default=None
        The text encoding of a CSV, TSV or JSON Lines file, as a Python codec
        name (``"latin-1"``, ``"cp1252"``). None reads UTF-8, with or without
        a byte-order mark, or UTF-16 when the file starts with its mark.
    sep : str, default=None
        The one-character separator of a CSV or TSV file. None means a tab
        for ``.tsv``, and for ``.csv`` a comma unless the header holds no
        comma but splits on ``;``, a tab or ``|``.
    na_values : str or list of str, default=None
        Cell texts of a CSV or TSV file that mean a missing value, besides
        the empty cell (for example ``["NA"]`` for files written by R).

    Returns
    -------
    frame : pandas.DataFrame
        At least one row.

    Raises
    ------
    DataError
        When the file is missing, has an unsupported suffix, is empty, has no
        rows, is not valid for the format its suffix names, is not in the
        encoding named (UTF-8 by default), or when an option is malformed or
        does not apply to the format.

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
    format_name, reader, accepted = _READERS[suffix]
    options = {"encoding": encoding, "sep": sep, "na_values": na_values}
    _check_options(path, format_name, accepted, options)
    if not path.exists():
        raise DataError(f"file not found: {str(path)!r}; check the path and the working directory")
    if not path.is_file():
        raise DataError(f"{str(path)!r} is not a file; give the path of a {suffix} file")
    if path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is empty (0 bytes); write the table to it, header included")
    if suffix == ".npz":
        frame = _read_npz(path)
    else:
        codec = _codec(path, encoding)
        options = {"encoding": codec, "sep": sep, "na_values": _as_list(na_values)}
        try:
            frame = reader(path, **options)
        except UnicodeDecodeError:
            raise _not_decodable(path, codec, encoding) from None
        except pd.errors.EmptyDataError:
            raise DataError(
                f"{str(path)!r} holds no data; write a header row and at least one data row"
            ) from None
        except (ValueError, OSError, pd.errors.ParserError) as error:
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


def _check_options(path, format_name, accepted, options):
    for name, value in options.items():
        if value is not None and name not in accepted:
            applies = "CSV, TSV and JSON Lines" if name == "encoding" else "CSV and TSV"
            raise DataError(
                f"{name}={value!r} applies to {applies} files, but {str(path)!r} is "
                f"{format_name}; leave out {name}"
            )
    encoding, sep, na_values = options["encoding"], options["sep"], options["na_values"]
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise DataError(
                f"unknown encoding {encoding!r}; give a Python codec name such as "
                "'utf-8', 'latin-1' or 'cp1252'"
            ) from None
    if sep is not None and not (isinstance(sep, str) and len(sep) == 1 and sep not in "\r\n\"'"):
        raise DataError(
            f"sep={sep!r} is not a separator; give one character such as ',', ';', '|' "
            "or '\\t' (a tab)"
        )
    if na_values is not None and not all(isinstance(v, str) for v in _as_list(na_values)):
        raise DataError(
            f"na_values={na_values!r} must be a text or a list of texts, such as ['NA']"
        )


def _as_list(na_values):
    if na_values is None:
        return []
    return [na_values] if isinstance(na_values, str) else list(na_values)


def _codec(path, encoding):
    """The codec to read with: UTF-8 accepting a byte-order mark, UTF-16 by its mark."""
    if encoding is not None:
        return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    with open(path, "rb") as file:
        start = file.read(2)
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _not_decodable(path, codec, encoding):
    """The error for a file that is not in ``codec``, naming the first bad byte."""
    name = "UTF-8" if codec == "utf-8-sig" else encoding or codec
    where = _first_undecodable(path, codec)
    detail = "" if where is None else " ({} at byte offset {}, line {}, is not {})".format(
        *where, name)
    if encoding is None or name == "UTF-8":
        fix = "re-save it as UTF-8, or pass encoding='latin-1'"
    else:
        fix = ("re-save it as UTF-8 and leave out the encoding, or pass its real "
               "encoding, for example encoding='latin-1'")
    return DataError(f"{str(path)!r} is not {name} text{detail}; {fix}",
                     options={"encoding": "latin-1"})


def _first_undecodable(path, codec):
    """``(byte, offset, line)`` of the first byte that ``codec`` cannot decode, or None."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = newlines = 0
    with open(path, "rb") as file:
        while True:
            chunk = file.read(1 << 20)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                data, start = error.object, error.start
                line = newlines - pending.count(b"\n") + data[:start].count(b"\n") + 1
                return f"the byte 0x{data[start]:02x}", offset - len(pending) + start, line
            if not chunk:
                return None
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def _detect_separator(path, encoding):
    """``','``, or the one of ``;``, tab, ``|`` that splits a header holding no comma."""
    with open(path, encoding=encoding, newline="") as file:
        lines = [line for _, line in zip(range(_SAMPLE_LINES), file, strict=False)]
    header = lines[0].rstrip("\r\n") if lines else ""
    if _n_fields(header, ",") > 1:
        return ","
    candidates = [sep for sep in _OTHER_SEPARATORS if _n_fields(header, sep) > 1]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return ","
    try:
        return csv.Sniffer().sniff("".join(lines), delimiters="".join(candidates)).delimiter
    except csv.Error:
        return ","


def _n_fields(line, sep):
    try:
        return len(next(csv.reader([line], delimiter=sep), []))
    except csv.Error:
        return 1


def numbers_with_placeholders(frame, columns=None):
    """Text columns that hold numbers except for cells that look like a missing value.

    Such a column (``1.5, NA, 2``) is read as text because only an empty cell
    is missing in CSV and TSV; the text is one of
    :data:`~semiloop.data.labels.PLACEHOLDER_LABELS` (``NA``, ``null``, ``-``,
    ``?`` ...) in any case.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : list, default=None
        The columns to look at; by default, all.

    Returns
    -------
    found : dict
        ``{column: sorted list of the placeholder cell texts}``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": ["1.5", "NA", "2"], "y": ["a", "NA", "b"]})
    >>> numbers_with_placeholders(frame)
    {'x': ['NA']}
    """
    found = {}
    for name in frame.columns if columns is None else columns:
        column = frame[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        text = column[column.notna()].astype(str)
        placeholder = text.str.strip().str.lower().isin(PLACEHOLDER_LABELS).to_numpy(dtype=bool)
        if not placeholder.any() or placeholder.all():
            continue
        if pd.to_numeric(text[~placeholder], errors="coerce").notna().all():
            found[name] = sorted(set(text[placeholder]))
    return found


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def read_arrays(path):
    """The arrays of an ``.npz`` file: ``X`` of any shape ``(n, ...)``, and ``y`` and ``ids``.

    For signals and images, whose rows are not flat: ``X`` of shape
    ``(n, length)``, ``(n, channels, length)`` or ``(n, channels, height,
    width)``; ``y`` (one label per row) and ``ids`` (one id per row) are
    optional. Pickled (object) arrays are refused.

    Returns
    -------
    dict with keys ``"X"`` and, where present, ``"y"``, ``"ids"``

    Raises
    ------
    DataError
        When the file is not an NPZ archive, lacks ``X``, holds other arrays,
        or ``y``/``ids`` do not have one entry per row of ``X``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "signals.npz"
    >>> np.savez(path, X=np.zeros((3, 2, 40)), y=np.array([0, 1, -1]))
    >>> read_arrays(path)["X"].shape
    (3, 2, 40)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no file at {str(path)!r}; pass the path of an .npz file")
    arrays = _npz_arrays(path)
    X = arrays["X"]
    if X.ndim < 2:
        raise DataError(f"array 'X' in {str(path)!r} has shape {X.shape}; it must hold one row "
                        "per sample: (n, length), (n, channels, length) or (n, channels, "
                        "height, width)")
    for key in ("y", "ids"):
        if key in arrays and arrays[key].shape != (len(X),):
            raise DataError(f"array {key!r} in {str(path)!r} has shape {arrays[key].shape}; it "
                            f"must be 1-D with one entry per row of 'X' ({len(X)})")
    return {key: arrays[key] for key in ("X", "y", "ids") if key in arrays}


def _read_npz(path):
    """Build a frame from the arrays of an ``.npz`` archive (pickles refused)."""
    return _frame_from_arrays(path, _npz_arrays(path))


def _npz_arrays(path):
    """The arrays of an ``.npz`` archive, checked for names (pickles refused)."""
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
    return arrays


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
