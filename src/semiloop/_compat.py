"""The one place that imports scikit-learn's private helpers.

scikit-learn renames its private helpers between releases (``_validate_data``
became ``validate_data``, ``force_all_finite`` became ``ensure_all_finite``);
keeping them here means one file changes when it does again.
"""

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import validate_data

__all__ = ["HasMethods", "Interval", "StrOptions", "validate_data"]
