"""The role of a table column: numeric, categorical, id or text, inferred from its values.

A column's role says how it becomes features: ``"numeric"`` columns pass
through as numbers, ``"categorical"`` ones are one-hot encoded, ``"text"`` ones
go to a text featuriser, and ``"id"`` columns are set aside (an identifier
carries no signal that generalises to new rows, and one-hot encoding it makes
one column per row).

Rules, applied to the column's non-missing values in this order:

1. bool or pandas ``category`` dtype: ``"categorical"``.
2. any other numeric dtype: ``"numeric"`` (integer ids stay numeric; name
   them with ``roles={"col": "id"}``).
3. text, with ``n`` values and ``d`` distinct ones, and ``d`` at least
   :data:`MIN_DISTINCT` (small columns are always categorical):

   - ``"text"`` when the median value has at least :data:`TEXT_MIN_WORDS`
     words and ``d / n`` is at least :data:`TEXT_MIN_DISTINCT_SHARE`;
   - ``"id"`` otherwise when ``d / n`` is at least :data:`ID_MIN_DISTINCT_SHARE`:
     nearly every value is seen once, so one-hot columns could not generalise
     (short phrases such as ``"order 17"`` or names included; give such a
     column ``roles={"col": "text"}`` to featurise its words);
   - ``"categorical"`` otherwise.
4. any other dtype (dates, complex numbers): None, which the encoder refuses.

:func:`looks_like_row_number` tells an integer column that holds each number
of a range once (``0 .. n - 1``, ``1 .. n``, or any run of consecutive
numbers), as row numbers do; it stays numeric, and
:class:`~semiloop.features.TableEncoder` says so.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "age": range(40),
...     "plan": ["basic", "pro"] * 20,
...     "customer": [f"c{i:03d}" for i in range(40)],
...     "note": [f"call {i} asked about the invoice and the plan" for i in range(40)],
... })
>>> infer_roles(frame)
{'age': 'numeric', 'plan': 'categorical', 'customer': 'id', 'note': 'text'}
"""

import pandas as pd

from semiloop.errors import DataError

__all__ = [
    "ID_MIN_DISTINCT_SHARE",
    "MIN_DISTINCT",
    "ROLES",
    "TEXT_MIN_DISTINCT_SHARE",
    "TEXT_MIN_WORDS",
    "check_roles",
    "infer_role",
    "infer_roles",
    "looks_like_row_number",
    "median_words",
]

ROLES = ("numeric", "categorical", "id", "text")
#: Text columns with fewer distinct values than this are categorical.
MIN_DISTINCT = 20
#: Share of distinct values from which a column of single tokens is an id.
ID_MIN_DISTINCT_SHARE = 0.95
#: Share of distinct values from which a column of multi-word values is text.
TEXT_MIN_DISTINCT_SHARE = 0.5
#: Median number of words from which a column may be text.
TEXT_MIN_WORDS = 3


def infer_role(column):
    """The role of one column (a pandas Series), or None when no role fits its dtype.

    Parameters
    ----------
    column : pandas.Series

    Returns
    -------
    role : {"numeric", "categorical", "id", "text"} or None
    """
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric"
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return None
    values = pd.Series([str(value) for value in column[column.notna()]], dtype=object)
    n_distinct = values.nunique()
    if n_distinct < MIN_DISTINCT:
        return "categorical"
    distinct_share = n_distinct / len(values)
    if median_words(values) >= TEXT_MIN_WORDS and distinct_share >= TEXT_MIN_DISTINCT_SHARE:
        return "text"
    if distinct_share >= ID_MIN_DISTINCT_SHARE:
        return "id"
    return "categorical"


def median_words(values):
    """The median number of whitespace-separated words in ``values`` (a Series of str)."""
    return float(values.str.split().str.len().median())


def looks_like_row_number(column):
    """Whether an integer column holds each number of a run of consecutive integers once.

    Such a column (``0 .. n - 1`` or ``1 .. n``, in any order) is most often
    a row number or an id given by a counter. Columns with fewer than
    :data:`MIN_DISTINCT` values, bools, floats and missing values are never
    taken for one (missing values are left out of the count).

    Parameters
    ----------
    column : pandas.Series

    Returns
    -------
    bool

    Examples
    --------
    >>> looks_like_row_number(pd.Series([3, 1, 2] + list(range(4, 31))))
    True
    >>> looks_like_row_number(pd.Series(range(0, 60, 2)))
    False
    """
    dtype = column.dtype
    if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    values = column[column.notna()]
    if len(values) < MIN_DISTINCT:
        return False
    return int(values.max()) - int(values.min()) == len(values) - 1 \
        and values.nunique() == len(values)


def infer_roles(frame):
    """``{column: role}`` for every column of ``frame``, by :func:`infer_role`."""
    return {str(name): infer_role(frame[name]) for name in frame.columns}


def check_roles(roles, columns):
    """Check a user's ``roles`` mapping against the table's ``columns``; return it as a dict.

    Raises
    ------
    DataError
        When a role is not one of :data:`ROLES` or a column is not in the table.
    """
    if roles is None:
        return {}
    if not isinstance(roles, dict):
        raise DataError(
            f"roles must be a dict such as {{'column': 'text'}}, got {type(roles).__name__}"
        )
    roles = {str(name): role for name, role in roles.items()}
    unknown = {name: role for name, role in roles.items() if role not in ROLES}
    if unknown:
        raise DataError(f"roles {unknown!r} are not known; use one of {', '.join(ROLES)}")
    absent = sorted(name for name in roles if name not in set(columns))
    if absent:
        raise DataError(
            f"roles name column(s) {absent!r} that the table does not have; "
            f"its columns are {list(columns)!r}"
        )
    return roles
