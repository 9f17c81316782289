"""k-nearest neighbours for any number of labeled rows: the base classifier ``knn``.

scikit-learn's ``KNeighborsClassifier`` cannot predict once fitted on fewer
rows than ``n_neighbors``, which a guard fold of a few labeled rows is (four
rows against the default five neighbours). :class:`CappedKNeighborsClassifier`
then votes among every fitted row; fitted on at least ``n_neighbors`` rows it
is scikit-learn's classifier, unchanged.

Examples
--------
>>> model = CappedKNeighborsClassifier(n_neighbors=5).fit([[0], [1], [9]], [0, 0, 1])
>>> model.n_neighbors_, model.predict([[8]]).tolist()
(3, [0])
"""

from numbers import Integral

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import Interval, num_samples

__all__ = ["CappedKNeighborsClassifier"]


class CappedKNeighborsClassifier(ClassifierMixin, BaseEstimator):
    """k-nearest neighbours (uniform vote) with k capped at the number of fitted rows.

    Parameters
    ----------
    n_neighbors : int, default=5
        Neighbours that vote; all the fitted rows when there are fewer.

    Attributes
    ----------
    estimator_ : KNeighborsClassifier
        The fitted classifier, with ``n_neighbors_`` neighbours.
    n_neighbors_ : int
        ``min(n_neighbors, rows fitted on)``.
    classes_ : ndarray of shape (n_classes,)
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def fit(self, X, y):
        """Fit scikit-learn's classifier with ``min(n_neighbors, len(X))`` neighbours."""
        self._validate_params()
        self.n_neighbors_ = min(self.n_neighbors, num_samples(X))
        self.estimator_ = KNeighborsClassifier(n_neighbors=self.n_neighbors_).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict_proba(self, X):
        """Share of each class among the neighbours of each row."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        """Most frequent class among the neighbours of each row."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
