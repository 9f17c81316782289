"""Label spreading and label propagation: drop-ins for scikit-learn's classes.

:class:`LabelSpreading` and :class:`LabelPropagation` are scikit-learn's
classes (they subclass them, so ``_build_graph`` and every fitted attribute
are scikit-learn's) with three differences where scikit-learn's own code
fails:

- labels as users hold them: every unlabeled marker (``-1``, NaN, None, an
  empty string, ``'-1'`` or ``-1`` among strings) and string classes; the
  labels are encoded with :func:`semiloop.data.labels.encode_labels` before
  scikit-learn's code runs on the integer codes, and ``classes_`` and
  ``transduction_`` are mapped back to the given values;
- rows no label reaches (a part of the graph without a label, or one farther
  than ``max_iter`` steps): scikit-learn leaves them at zero, answers class 0
  for them and NaN in ``predict_proba``; here they get the labeled class
  shares, with a :class:`~semiloop.errors.SemiloopWarning`, in
  ``label_distributions_`` and ``predict_proba`` alike;
- ``numpy.seterr(all="raise")`` in user code does not turn the underflow of
  the rbf kernel, or the empty rows above, into a ``FloatingPointError``.

Where scikit-learn's code works, the results are its results. The sparse
solver that scales is :class:`~semiloop.methods.graph_sparse.SparseLabelSpreading`.
"""

import numpy as np
from sklearn import semi_supervised
from sklearn.utils.validation import column_or_1d

from semiloop.data.labels import encode_labels
from semiloop.errors import DataError
from semiloop.methods.graph_reach import fill_unreached, warn_unreached

__all__ = ["LabelPropagation", "LabelSpreading"]

# What the user can change when rows are left unreached, per kernel.
_FIXES = {"knn": "Raise n_neighbors (now {n_neighbors}) or max_iter (now {max_iter})",
          "rbf": "Lower gamma (now {gamma}), scale the features, or raise max_iter "
                 "(now {max_iter})"}


class _DropIn:
    """scikit-learn's ``fit`` and ``predict_proba`` on encoded labels, without empty rows."""

    def fit(self, X, y):
        """Fit on labeled and unlabeled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; ``-1``, NaN, None, an empty string and ``'-1'`` mark
            unlabeled rows.

        Returns
        -------
        self : object
        """
        codes, classes = encode_labels(column_or_1d(y, warn=True))
        if not (codes >= 0).any():
            raise DataError("no labeled rows in y: every label is empty or -1; "
                            "label at least one row of each class")
        with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
            super().fit(X, codes)
        self.classes_ = classes
        labeled = codes >= 0
        self.class_prior_ = np.bincount(codes[labeled], minlength=len(classes)) / labeled.sum()
        self.label_distributions_, unreached = fill_unreached(self.label_distributions_,
                                                              self.class_prior_)
        self.n_unreached_ = int(unreached.sum())
        fix = _FIXES.get(self.kernel, "Change the kernel so that it joins those rows to "
                                      "labeled ones").format(**self.get_params())
        warn_unreached(self.n_unreached_, len(codes), fix)
        self.transduction_ = classes[self.label_distributions_.argmax(axis=1)]
        return self

    def predict_proba(self, X):
        """Class probabilities of new rows from the label distributions of the training rows.

        Rows that no training row reaches (all their kernel weights are zero)
        get the labeled class shares.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
            proba = super().predict_proba(X)
        return fill_unreached(np.asarray(proba), self.class_prior_)[0]


class LabelSpreading(_DropIn, semi_supervised.LabelSpreading):
    """Label spreading (Zhou et al. 2004), scikit-learn's, with users' labels and no NaN rows.

    The same parameters, defaults, graph (``_build_graph``), iterations and
    results as :class:`sklearn.semi_supervised.LabelSpreading` wherever
    scikit-learn's code works; see the module docstring for where it differs.
    Cost: O(n²) memory and time per step with ``kernel="rbf"``, O(n·k) with
    ``"knn"``; :class:`~semiloop.methods.graph_sparse.SparseLabelSpreading`
    scales to millions of rows.

    Parameters
    ----------
    kernel : {"knn", "rbf"} or callable, default='rbf'
        The graph: scikit-learn's one-directional kNN connectivity, the dense
        rbf kernel, or a function ``(X, Y) -> weights`` (dense or sparse).
    gamma : float, default=20
        Width of the rbf kernel, ``exp(-gamma ‖x − x'‖²)``.
    n_neighbors : int, default=7
        Neighbours per point of the kNN graph (the point itself included).
    alpha : float, default=0.2
        Share of a point's label that comes from its neighbours, in (0, 1).
    max_iter : int, default=30
        Fixed-point steps.
    tol : float, default=0.001
        Stop when the labels change in total by less than this in a step.
    n_jobs : int, default=None
        Threads of the neighbour search (None: one, -1: all cores).

    Attributes
    ----------
    X_ : ndarray of shape (n_samples, n_features)
    classes_ : ndarray of shape (n_classes,)
        The given class values, sorted.
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Rows sum to one; rows no label reached hold ``class_prior_``.
    transduction_ : ndarray of shape (n_samples,)
        The most probable class of each training row.
    class_prior_ : ndarray of shape (n_classes,)
        Share of each class among the labeled rows.
    n_unreached_ : int
        Training rows no label reached (a warning says so when there are any).
    n_iter_ : int
    n_features_in_ : int

    See Also
    --------
    SparseLabelSpreading : semiloop's recommended graph method.

    References
    ----------
    Zhou, Bousquet, Lal, Weston, Schölkopf, "Learning with local and global
    consistency", NIPS 2003 (2004), section 2.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [3.0], [3.1], [3.2]])
    >>> y = np.array(["cat", None, np.nan, "", "-1", "dog"], dtype=object)
    >>> LabelSpreading(kernel="knn", n_neighbors=3).fit(X, y).transduction_.tolist()
    ['cat', 'cat', 'cat', 'dog', 'dog', 'dog']
    """


class LabelPropagation(_DropIn, semi_supervised.LabelPropagation):
    """Label propagation (Zhu and Ghahramani 2002), scikit-learn's, with users' labels, no NaN rows.

    The same parameters, defaults, graph (``_build_graph``), iterations and
    results as :class:`sklearn.semi_supervised.LabelPropagation` wherever
    scikit-learn's code works; see the module docstring for where it differs.
    Cost: O(n²) memory and time per step with ``kernel="rbf"``, O(n·k) with
    ``"knn"``; :class:`~semiloop.methods.graph_sparse.SparseLabelPropagation`
    solves the harmonic system on a sparse graph instead.

    Parameters
    ----------
    kernel : {"knn", "rbf"} or callable, default='rbf'
        As in :class:`LabelSpreading`.
    gamma : float, default=20
        Width of the rbf kernel.
    n_neighbors : int, default=7
        Neighbours per point of the kNN graph (the point itself included).
    max_iter : int, default=1000
        Propagation steps.
    tol : float, default=0.001
        Stop when the labels change in total by less than this in a step.
    n_jobs : int, default=None
        Threads of the neighbour search.

    Attributes
    ----------
    X_, classes_, label_distributions_, transduction_, class_prior_, n_unreached_, \
n_iter_, n_features_in_ :
        As in :class:`LabelSpreading`; labeled rows keep their label.

    See Also
    --------
    SparseLabelPropagation : the harmonic solution on a sparse graph.

    References
    ----------
    Zhu, Ghahramani, "Learning from labeled and unlabeled data with label
    propagation", CMU-CALD-02-107, 2002, section 2.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [3.0], [3.1], [3.2]])
    >>> y = np.array([0, np.nan, np.nan, np.nan, np.nan, 1])
    >>> LabelPropagation(kernel="knn", n_neighbors=3).fit(X, y).transduction_.tolist()
    [0, 0, 0, 1, 1, 1]
    """
