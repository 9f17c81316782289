"""Turn a table of raw feature columns into a float64 matrix, the same way every time.

Numeric columns pass through as float64; text, category and boolean columns are
one-hot encoded with scikit-learn's ``OneHotEncoder``. The encoder remembers the
training columns and refuses prediction data whose columns differ.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"size": [1.0, 2.0, 3.0], "color": ["red", "blue", "red"]})
>>> encoder = TableEncoder().fit(frame)
>>> encoder.get_feature_names_out().tolist()
['size', 'color_blue', 'color_red']
>>> encoder.transform(frame[["color", "size"]]).tolist()
[[1.0, 0.0, 1.0], [2.0, 1.0, 0.0], [3.0, 0.0, 1.0]]
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_is_fitted

from semiloop.errors import DataError, FeatureMismatchError

__all__ = ["TableEncoder"]

_NAN_POLICIES = ("error", "impute")


class TableEncoder(TransformerMixin, BaseEstimator):
    """Encode a DataFrame of mixed columns as a dense float64 matrix.

    Parameters
    ----------
    nan_policy : {"error", "impute"}, default="error"
        What to do with missing values (NaN, None, and inf in numeric
        columns). ``"error"`` raises :class:`~semiloop.errors.DataError`;
        ``"impute"`` fills numeric columns with the training median and
        categorical columns with the most frequent training value.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        The training columns, in training order.
    n_features_in_ : int
        The number of training columns.
    dtypes_ : dict
        The training dtype of each column.
    numeric_columns_ : list of str
        Columns passed through as float64.
    categorical_columns_ : list of str
        Columns one-hot encoded (object, string, category and bool dtypes).
    column_transformer_ : sklearn.compose.ColumnTransformer
        The fitted transformer that does the work.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    >>> TableEncoder(nan_policy="impute").fit_transform(frame).ravel().tolist()
    [1.0, 2.0, 3.0]
    """

    def __init__(self, nan_policy="error"):
        self.nan_policy = nan_policy

    def fit(self, X, y=None):
        """Learn the columns, their kinds, and the categories of each categorical column.

        Parameters
        ----------
        X : pandas.DataFrame or 2-D array-like
            Raw features; an array gets column names ``x0``, ``x1``, ...
        y : ignored

        Returns
        -------
        self : TableEncoder
        """
        if self.nan_policy not in _NAN_POLICIES:
            raise DataError(
                f"nan_policy={self.nan_policy!r} is not supported; use one of {_NAN_POLICIES}"
            )
        frame = _as_frame(X)
        if frame.shape[1] == 0 or frame.shape[0] == 0:
            raise DataError(
                f"cannot fit on a table of shape {frame.shape}; give at least one row and column"
            )
        names = [str(name) for name in frame.columns]
        if len(set(names)) != len(names):
            repeated = sorted({name for name in names if names.count(name) > 1})
            raise DataError(f"column names repeat: {repeated}; give each column its own name")
        frame.columns = names
        self.numeric_columns_ = []
        self.categorical_columns_ = []
        for name in names:
            kind = _column_kind(frame[name])
            if kind is None:
                raise DataError(
                    f"column {name!r} has dtype {frame[name].dtype}, which cannot be encoded; "
                    "convert it to numbers or text, or leave it out of the features"
                )
            (self.numeric_columns_ if kind == "numeric" else self.categorical_columns_).append(name)
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.dtypes_ = {name: frame[name].dtype for name in names}
        prepared = self._prepare(frame)
        self.column_transformer_ = self._build_transformer().fit(prepared)
        return self

    def transform(self, X):
        """Encode ``X``, which must have the training columns (in any order).

        Parameters
        ----------
        X : pandas.DataFrame or 2-D array-like

        Returns
        -------
        encoded : ndarray of float64, shape (n_samples, n_features_out)

        Raises
        ------
        FeatureMismatchError
            When the columns differ from the training columns.
        """
        check_is_fitted(self, "column_transformer_")
        frame = _as_frame(X)
        frame.columns = [str(name) for name in frame.columns]
        expected = list(self.feature_names_in_)
        missing = [name for name in expected if name not in frame.columns]
        unexpected = [name for name in frame.columns if name not in set(expected)]
        if missing or unexpected:
            raise FeatureMismatchError(
                f"the columns differ from training: missing {missing!r}, unexpected "
                f"{unexpected!r}; prediction data must have the training columns {expected!r}"
            )
        prepared = self._prepare(frame[expected])
        return np.asarray(self.column_transformer_.transform(prepared), dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: numeric names, then ``<column>_<category>``.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "column_transformer_")
        return self.column_transformer_.get_feature_names_out()

    def _build_transformer(self):
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64)
        if self.nan_policy == "impute":
            numeric = SimpleImputer(strategy="median", keep_empty_features=True)
            categorical = make_pipeline(SimpleImputer(strategy="most_frequent"), encoder)
        else:
            numeric, categorical = "passthrough", encoder
        return ColumnTransformer(
            [
                ("numeric", numeric, self.numeric_columns_),
                ("categorical", categorical, self.categorical_columns_),
            ],
            sparse_threshold=0.0,
            verbose_feature_names_out=False,
        )

    def _prepare(self, frame):
        """Numeric columns as float64 (inf as NaN), categorical ones as text; check NaN."""
        prepared = {}
        for name in self.numeric_columns_:
            try:
                values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                raise FeatureMismatchError(
                    f"column {name!r} was numeric in training but now holds non-numbers "
                    f"(dtype {frame[name].dtype}); give it numbers as in training"
                ) from None
            values = values.copy()
            values[np.isinf(values)] = np.nan
            prepared[name] = values
        for name in self.categorical_columns_:
            raw = frame[name].to_numpy(dtype=object)
            present = frame[name].notna().to_numpy()
            text = np.full(len(raw), np.nan, dtype=object)
            text[present] = [str(value) for value in raw[present]]
            prepared[name] = text
        prepared = pd.DataFrame(prepared, columns=list(self.feature_names_in_))
        if self.nan_policy == "error":
            _raise_on_missing(prepared)
        return prepared


def _as_frame(X):
    if isinstance(X, pd.DataFrame):
        return X.copy()
    values = np.asarray(X)
    if values.ndim != 2:
        raise DataError(
            f"expected a table (DataFrame or 2-D array), got shape {values.shape}; "
            "reshape to (n_samples, n_features)"
        )
    return pd.DataFrame(values, columns=[f"x{index}" for index in range(values.shape[1])])


def _column_kind(column):
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric"
    if (
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    ):
        return "categorical"
    return None


def _raise_on_missing(prepared):
    missing = prepared.isna()
    if not missing.to_numpy().any():
        return
    columns = [name for name in prepared.columns if missing[name].any()]
    n_rows = int(missing.any(axis=1).sum())
    raise DataError(
        f"{n_rows} row(s) have missing values (NaN, None or inf) in column(s) {columns!r}; "
        "clean them, or pass nan_policy='impute' to fill them with the training "
        "median (numeric) or most frequent value (categorical)"
    )
