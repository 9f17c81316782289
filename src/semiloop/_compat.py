"""The one place that imports scikit-learn's private helpers.

scikit-learn renames its private helpers between releases (``_validate_data``
became ``validate_data``, ``force_all_finite`` became ``ensure_all_finite``);
keeping them here means one file changes when it does again.
"""

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_method_params as check_method_params
from sklearn.utils.validation import _num_samples as num_samples
from sklearn.utils.validation import validate_data

__all__ = ["HasMethods", "Interval", "StrOptions", "check_method_params", "num_samples",
           "validate_data"]
