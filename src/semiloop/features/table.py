"""Turn a table of raw columns into a float64 matrix, one role per column, the same way every time.

Each column gets a role (see :mod:`semiloop.features.roles`): numeric columns
pass through, categorical ones are one-hot encoded into at most
``max_categories`` columns, text columns go to a text featuriser that returns a
bounded number of dense columns, and id columns are set aside. Inferred ids and
text are announced with a warning. The encoder remembers the training columns
and their values: it refuses prediction data whose feature columns differ, or
a column of which nothing is known, and warns about values never seen in
training (see :mod:`semiloop.features._checks`).

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

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_is_fitted

from semiloop.errors import DataError, FeatureMismatchError
from semiloop.features._checks import (
    capped_notice,
    check_known,
    check_words,
    role_notice,
    to_numbers,
)
from semiloop.features.roles import check_roles, infer_role
from semiloop.features.text import SentenceEmbeddings, TfidfText

__all__ = ["TableEncoder"]

_NAN_POLICIES = ("error", "impute")
_TEXT_FEATURIZERS = {
    "tfidf": lambda encoder: TfidfText(encoder.text_components,
                                       random_state=encoder.random_state),
    "embeddings": lambda encoder: SentenceEmbeddings(),
}


class TableEncoder(TransformerMixin, BaseEstimator):
    """Encode a DataFrame of mixed columns as a dense float64 matrix, one role per column.

    Roles not given in ``roles`` are inferred from each column's values by
    :func:`semiloop.features.roles.infer_role`: bool and category dtypes are
    categorical, other numbers numeric; among text columns with at least 20
    distinct values, those whose median value has 3 or more words and at least
    half of whose values are distinct are text, other columns with at least 95%
    distinct values are ids, and the rest categorical. Text columns with fewer
    than 20 distinct values are categorical. Each inferred id and text column,
    and each integer column that counts rows (kept numeric), is announced with
    a :class:`~semiloop.errors.SemiloopWarning`; given roles are not.

    A categorical column gets at most ``max_categories`` columns, so that a
    column of many distinct values (an id or free text that inference took
    for categories) cannot make the output huge.

    Parameters
    ----------
    nan_policy : {"error", "impute"}, default="error"
        What to do with missing values (NaN, None, and inf in numeric
        columns) in numeric and categorical columns. ``"error"`` raises
        :class:`~semiloop.errors.DataError`; ``"impute"`` fills numeric
        columns with the training median and categorical columns with the
        most frequent training value. A missing value in a text column is
        always read as empty text; id columns are not checked.
    roles : dict of str to {"numeric", "categorical", "id", "text"}, default=None
        Roles for some or all columns, overriding inference.
    max_categories : int or None, default=100
        The most one-hot columns of a categorical column: its
        ``max_categories - 1`` most frequent training values get a column each
        and the rest share ``<column>_infrequent_sklearn``, with a warning
        (scikit-learn's ``OneHotEncoder(max_categories=...)``). None gives
        every value a column. At least 2.
    text : {"tfidf", "embeddings"}, default="tfidf"
        The text featuriser: :class:`~semiloop.features.TfidfText` (TF-IDF of
        words and word pairs reduced to ``text_components`` columns by a
        truncated SVD), or :class:`~semiloop.features.SentenceEmbeddings`
        (all-MiniLM-L6-v2, 384 columns; needs ``pip install 'semiloop[text]'``).
    text_components : int, default=100
        The most columns a text column becomes with ``text="tfidf"``.
    random_state : int, default=0
        Seeds the text featuriser's SVD.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        The training columns, in training order, id columns included.
    n_features_in_ : int
        The number of training columns.
    dtypes_ : dict
        The training dtype of each column.
    roles_ : dict of str to str
        The role of each training column, given or inferred.
    numeric_columns_ : list of str
        Columns passed through as float64.
    categorical_columns_ : list of str
        Columns one-hot encoded.
    text_columns_ : list of str
        Columns sent to the text featuriser.
    id_columns_ : list of str
        Columns set aside; they need not be present at prediction time.
    column_transformer_ : sklearn.compose.ColumnTransformer
        The fitted transformer that does the work.

    Warns
    -----
    SemiloopWarning
        In ``fit``: for each column inferred to be an id (set aside) or text,
        each integer column that holds each number of a range once (a row
        number, kept numeric), and each categorical column capped at
        ``max_categories``. In ``transform``: once per categorical column
        with values not seen in training, with their count and share.

    Notes
    -----
    Cost: ``fit`` and ``transform`` are linear in the number of cells, plus the
    text featuriser; the output has ``n_samples`` rows and at most
    ``numeric + max_categories * categorical + text_components * text``
    columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    >>> TableEncoder(nan_policy="impute").fit_transform(frame).ravel().tolist()
    [1.0, 2.0, 3.0]
    >>> frame = pd.DataFrame({"x": [1.0, 2.0], "kind": ["a", "b"]})
    >>> encoder = TableEncoder(roles={"x": "categorical"}).fit(frame)
    >>> encoder.roles_, encoder.get_feature_names_out().tolist()
    ({'x': 'categorical', 'kind': 'categorical'}, ['x_1.0', 'x_2.0', 'kind_a', 'kind_b'])
    """

    def __init__(self, nan_policy="error", *, roles=None, max_categories=100, text="tfidf",
                 text_components=100, random_state=0):
        self.nan_policy = nan_policy
        self.roles = roles
        self.max_categories = max_categories
        self.text = text
        self.text_components = text_components
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn the columns, their roles, categories and text vocabularies.

        Parameters
        ----------
        X : pandas.DataFrame or 2-D array-like
            Raw features; an array gets column names ``x0``, ``x1``, ...
        y : ignored

        Returns
        -------
        self : TableEncoder

        Raises
        ------
        DataError
            When the table is empty, its column names repeat, an option or a
            role is not valid, a column has a dtype that cannot be encoded,
            every column is an id, a numeric column holds non-numbers, or a
            value is missing with ``nan_policy="error"``.

        Warns
        -----
        SemiloopWarning
            For each inferred id or text column, each integer column that
            looks like a row number, and each categorical column capped at
            ``max_categories``.
        """
        self._check_params()
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
        given = check_roles(self.roles, names)
        self.roles_ = {name: given.get(name) or self._infer(frame[name]) for name in names}
        for name in names:
            if name not in given:
                notice = role_notice(frame[name], self.roles_[name], text=self.text,
                                     text_components=self.text_components)
                if notice is not None:
                    warnings.warn(notice, stacklevel=2)
        columns = {role: [name for name in names if self.roles_[name] == role]
                   for role in ("numeric", "categorical", "id", "text")}
        self.numeric_columns_ = columns["numeric"]
        self.categorical_columns_ = columns["categorical"]
        self.id_columns_ = columns["id"]
        self.text_columns_ = columns["text"]
        if len(self.id_columns_) == len(names):
            raise DataError(
                f"every column is an id ({names!r}), so no features are left; give a column "
                "another role, for example roles={" + repr(names[0]) + ": 'categorical'}",
                options={"roles": {names[0]: "categorical"}},
            )
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.dtypes_ = {name: frame[name].dtype for name in names}
        prepared = self._prepare(frame, fitting=True)
        try:
            self.column_transformer_ = self._build_transformer().fit(prepared)
        except DataError as error:
            if not self.text_columns_:
                raise
            raise DataError(
                f"in text column(s) {self.text_columns_!r}, {str(error).split('; ')[0]}; "
                "give such a column another role, for example roles={"
                + repr(self.text_columns_[0]) + ": 'categorical'}",
                options={"roles": {self.text_columns_[0]: "categorical"}},
            ) from None
        for name, categories, infrequent, _ in self._fitted_categories():
            if infrequent is not None:
                warnings.warn(capped_notice(name, prepared[name].to_numpy(), categories,
                                            infrequent), stacklevel=2)
        return self

    def transform(self, X):
        """Encode ``X``, which must have the training feature columns (in any order).

        Id columns may be present or not; they are ignored. A categorical
        value not seen in training is encoded as the column's infrequent
        category where it has one, else as no category (its one-hot columns 0).

        Parameters
        ----------
        X : pandas.DataFrame or 2-D array-like

        Returns
        -------
        encoded : ndarray of float64, shape (n_samples, n_features_out)

        Raises
        ------
        FeatureMismatchError
            When the feature columns differ from the training columns; when a
            numeric column holds values that are not numbers (text that parses
            as numbers is accepted); when none of the values of a categorical
            column, or none of the texts of a TF-IDF text column, was seen in
            training (from 20 non-missing values on).
        DataError
            When a value is missing with ``nan_policy="error"``.

        Warns
        -----
        SemiloopWarning
            Once per categorical column with values not seen in training,
            naming the column, the number and share of rows, and examples.
        """
        check_is_fitted(self, "column_transformer_")
        frame = _as_frame(X)
        frame.columns = [str(name) for name in frame.columns]
        expected = list(self.feature_names_in_)
        ids = set(self.id_columns_)
        missing = [name for name in expected if name not in frame.columns and name not in ids]
        unexpected = [name for name in frame.columns if name not in set(expected)]
        if missing or unexpected:
            raise FeatureMismatchError(
                f"the columns differ from training: missing {missing!r}, unexpected "
                f"{unexpected!r}; prediction data must have the training columns "
                f"{[name for name in expected if name not in ids]!r}"
            )
        prepared = self._prepare(frame, fitting=False)
        notices = [check_known(name, prepared[name].to_numpy(), categories,
                               as_infrequent=as_infrequent)
                   for name, categories, _, as_infrequent in self._fitted_categories()]
        encoded = np.asarray(self.column_transformer_.transform(prepared), dtype=np.float64)
        for name in self.text_columns_:
            part = f"text_{name}"
            if isinstance(self.column_transformer_.named_transformers_[part], TfidfText):
                columns = self.column_transformer_.output_indices_[part]
                check_words(name, prepared[name].to_numpy(), encoded[:, columns])
        for notice in notices:
            if notice is not None:  # stack: here, scikit-learn's set_output wrapper, the caller
                warnings.warn(notice, stacklevel=3)
        return encoded

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Numeric names, then ``<column>_<category>``, then ``<column>_<name>``
        for each text feature (``svd0``, ... or the words of a small vocabulary).

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "column_transformer_")
        names = []
        for name, transformer, columns in self.column_transformer_.transformers_:
            if name == "remainder" or len(columns) == 0:
                continue
            if name == "numeric":
                names.extend(columns)
            elif name == "categorical":
                names.extend(transformer.get_feature_names_out(columns))
            else:
                names.extend(f"{columns}_{part}" for part in transformer.get_feature_names_out())
        return np.asarray(names, dtype=object)

    def _check_params(self):
        if self.nan_policy not in _NAN_POLICIES:
            raise DataError(
                f"nan_policy={self.nan_policy!r} is not supported; use one of {_NAN_POLICIES}"
            )
        if self.max_categories is not None and (
                isinstance(self.max_categories, bool) or not isinstance(self.max_categories, int)
                or self.max_categories < 2):
            raise DataError(
                f"max_categories={self.max_categories!r} must be None or a whole number of "
                "at least 2"
            )
        if self.text not in _TEXT_FEATURIZERS:
            raise DataError(
                f"text={self.text!r} is not supported; use one of {tuple(_TEXT_FEATURIZERS)}"
            )
        if isinstance(self.text_components, bool) or not isinstance(self.text_components, int) \
                or self.text_components < 1:
            raise DataError(
                f"text_components={self.text_components!r} must be a positive whole number"
            )

    def _infer(self, column):
        role = infer_role(column)
        if role is None:
            raise DataError(
                f"column {column.name!r} has dtype {column.dtype}, which cannot be encoded; "
                "convert it to numbers or text, give it a role with roles={"
                f"{column.name!r}: 'categorical'}}, or leave it out of the features",
                options={"roles": {column.name: "categorical"}},
            )
        return role

    def _fitted_categories(self):
        """``(column, categories, infrequent, as_infrequent)`` for each categorical column.

        ``infrequent`` is None where no category is grouped (always for an
        encoder fitted before ``max_categories`` existed); ``as_infrequent``
        says whether unseen values go to the infrequent column.
        """
        if not self.categorical_columns_:
            return []
        one_hot = self.column_transformer_.named_transformers_["categorical"]
        if isinstance(one_hot, Pipeline):
            one_hot = one_hot[-1]
        try:
            infrequent = list(one_hot.infrequent_categories_)
        except AttributeError:  # fitted without max_categories
            infrequent = [None] * len(one_hot.categories_)
        to_infrequent = one_hot.handle_unknown == "infrequent_if_exist"
        return [(name, categories, rare, to_infrequent and rare is not None)
                for name, categories, rare in zip(self.categorical_columns_,
                                                  one_hot.categories_, infrequent, strict=True)]

    def _build_transformer(self):
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist",
                                max_categories=self.max_categories, sparse_output=False,
                                dtype=np.float64)
        if self.nan_policy == "impute":
            numeric = SimpleImputer(strategy="median", keep_empty_features=True)
            categorical = make_pipeline(SimpleImputer(strategy="most_frequent"), encoder)
        else:
            numeric, categorical = "passthrough", encoder
        parts = [
            ("numeric", numeric, self.numeric_columns_),
            ("categorical", categorical, self.categorical_columns_),
        ]
        make_text = _TEXT_FEATURIZERS[self.text]
        parts += [(f"text_{name}", make_text(self), name) for name in self.text_columns_]
        return ColumnTransformer(parts, sparse_threshold=0.0, verbose_feature_names_out=False)

    def _prepare(self, frame, *, fitting):
        """Numeric columns as float64 (inf as NaN), the others as text; check NaN."""
        prepared = {}
        for name in self.numeric_columns_:
            prepared[name] = to_numbers(frame[name], fitting=fitting)
        for name in self.categorical_columns_ + self.text_columns_:
            raw = frame[name].to_numpy(dtype=object)
            present = frame[name].notna().to_numpy()
            text = np.full(len(raw), np.nan, dtype=object)
            text[present] = [str(value) for value in raw[present]]
            prepared[name] = text
        order = [name for name in self.feature_names_in_ if name in prepared]
        prepared = pd.DataFrame(prepared, columns=order, index=range(len(frame)))
        if self.nan_policy == "error":
            _raise_on_missing(prepared[self.numeric_columns_ + self.categorical_columns_])
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


def _raise_on_missing(prepared):
    missing = prepared.isna()
    if not missing.to_numpy().any():
        return
    columns = [name for name in prepared.columns if missing[name].any()]
    n_rows = int(missing.any(axis=1).sum())
    raise DataError(
        f"{n_rows} row(s) have missing values (NaN, None or inf) in column(s) {columns!r}; "
        "clean them, or pass nan_policy='impute' to fill them with the training "
        "median (numeric) or most frequent value (categorical)",
        options={"nan_policy": "impute"},
    )
