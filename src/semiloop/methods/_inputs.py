"""What every meta-estimator does with its inputs before the wrapped models see them.

Meta-estimators (self-training, the guarded and automatic choices) take any
``X`` their inner models take and index its rows the scikit-learn way; ``y``
is one label per row with the unlabeled rows marked (see
:mod:`semiloop.data.labels`).

>>> import numpy as np
>>> default_estimator(np.zeros((2, 2)))[0].with_mean
True
"""

import numpy as np
from scipy import sparse
from sklearn.utils.validation import column_or_1d

from semiloop._compat import validate_data
from semiloop.errors import DataError

__all__ = ["default_estimator", "prepare_rows", "prepare_target"]


def default_estimator(X=None):
    """Standardised logistic regression; the scaler does not centre sparse ``X``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    centre = not sparse.issparse(X)
    return make_pipeline(StandardScaler(with_mean=centre), LogisticRegression(max_iter=1000))


def prepare_rows(estimator, X, *, reset):
    """Check ``X`` only as far as a meta-estimator must; the wrapped model checks the rest.

    Any input the wrapped model takes is accepted (a list of texts for a text
    pipeline, a 3-D array); sparse matrices become CSR so that rows can be
    indexed. ``n_features_in_`` and ``feature_names_in_`` are set (``reset``)
    or checked where ``X`` has columns.
    """
    if sparse.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()
    elif not hasattr(X, "__getitem__"):   # array-likes that only convert (__array__)
        X = np.asarray(X)
    ndim = X.ndim if hasattr(X, "ndim") else np.ndim(X)
    if ndim >= 2:
        validate_data(estimator, X, skip_check_array=True, reset=reset)
    return X


def prepare_target(estimator, y):
    """``y`` as one label per row (a column vector is flattened with scikit-learn's warning)."""
    if y is None:
        raise DataError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None; "
            "pass one label per row, with -1 (or NaN, None, '') for unlabeled rows")
    return column_or_1d(y, warn=True)
