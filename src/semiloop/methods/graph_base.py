"""What semiloop's sparse graph methods share: the graph, the seeds, the reach, induction.

They fix what scikit-learn's graph methods get wrong, and scale:

- the kNN graph is symmetric (an edge when either point chose the other),
  weighted by an rbf of the distance with a bandwidth set from the data, and
  has no self-loops (scikit-learn's is one-directional, unweighted and counts
  each point as its own neighbour);
- spreading solves ``(I - αS) F = (1 - α) Y`` with conjugate gradients
  (Iscen et al. 2019), α chosen among 0.5, 0.9 and 0.99 on labels held out
  from the graph; propagation solves the harmonic system of Zhu et al. (2003);
- each class gets one unit of seed mass, so that the class with the most
  labels does not flood the others;
- every row connected to a label gets one (:mod:`semiloop.methods.graph_reach`),
  and rows in parts of the graph without a label are counted and reported;
- neighbours come from faiss's inverted-file index above 20,000 points, and
  new points are predicted through their neighbours in the training graph
  (Delalleau et al. 2005).

:class:`SparseLabelSpreading` and :class:`SparseLabelPropagation` (in
:mod:`semiloop.methods.graph_sparse`) share :class:`_SparseGraphClassifier`
and differ only in ``_solve``.

A fit has two parts: the graph, which depends on the rows alone (the
neighbour index, ``W``, its normalisation ``S`` and the connected
components), and the solve from the labels. ``fit_held_out`` builds the
graph once for all the guard's folds (:mod:`semiloop.methods.guarded`)
and solves each fold with its labels hidden.
"""

import warnings
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted, column_or_1d

from semiloop._compat import Interval, StrOptions, validate_data
from semiloop.data.labels import check_labels, encode_labels
from semiloop.errors import SemiloopError, SemiloopWarning
from semiloop.guard import stack_held_out
from semiloop.methods.class_prior import CLASS_PRIORS, resolve_class_prior
from semiloop.methods.graph_reach import (
    component_labels,
    extend_breadth_first,
    labeled_components,
    row_normalize,
    warn_unreached,
)
from semiloop.methods.knn_graph import (
    EDGE_WEIGHTS,
    default_bandwidth,
    knn_affinity,
    normalize_symmetric,
)
from semiloop.methods.neighbors import BACKENDS, NeighborIndex

__all__ = ["DENSE_KERNEL_LIMIT", "SELECTION_TOL"]

# Above this many points the exact rbf kernel's n×n matrix is refused.
DENSE_KERNEL_LIMIT = 20_000
# Relative residual of the solves that choose α.
SELECTION_TOL = 1e-2
# Fitted attributes that depend on the rows alone: shared by the folds of fit_held_out.
_GRAPH_ATTRIBUTES = ("X_", "n_features_in_", "feature_names_in_", "neighbor_index_",
                     "bandwidth_")


class _Graph(NamedTuple):
    """What the rows alone decide: the affinity ``W``, its normalisation ``S``, the components."""

    W: sparse.csr_array
    S: sparse.csr_array
    component: np.ndarray


class _SparseGraphClassifier(ClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    """The graph, the seeds, the reach of the labels and induction; ``_solve`` varies."""

    _parameter_constraints: dict = {
        "kernel": [StrOptions({"knn", "rbf"}), callable],
        "n_neighbors": [Interval(Integral, 0, None, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_balance": [StrOptions({"seeds", "mass"}), None],
        "class_prior": [StrOptions(set(CLASS_PRIORS)), "array-like"],
        "edge_weights": [StrOptions(set(EDGE_WEIGHTS))],
        "neighbors": [StrOptions(set(BACKENDS))],
        "n_probe": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
    }

    @abstractmethod
    def _solve(self, W, S, seeds_for, codes):
        """Class scores of every row: ``(scores, n_iter, relative_residual per class)``."""

    def fit(self, X, y):
        """Fit on labeled and unlabeled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; ``-1``, NaN, None, an empty string and ``'-1'`` mark
            unlabeled rows.

        Returns
        -------
        self : object
        """
        self._validate_params()
        with np.errstate(under="ignore"):
            return self._fit(X, y)

    def fit_held_out(self, X, y, folds):
        """Fit on every row, and predict each fold's held-out labels with them hidden.

        The guard (:class:`~semiloop.methods.guarded.GuardedClassifier`,
        :class:`~semiloop.methods.auto.AutoClassifier`) scores a method on folds
        of the labeled rows, each fitted with the fold's labels hidden. Refitting
        would rebuild the same graph for every fold; here the graph, which
        depends on ``X`` alone, is built once, and each fold is a fresh solve
        from its own labels (α chosen again with ``alpha="auto"``), with the
        held-out probabilities a separate ``fit`` on those labels would give.
        The model ends fitted on all labels, as ``fit(X, y)`` leaves it; only
        that fit warns. A subclass that overrides ``fit`` is refitted per fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels with unlabeled rows marked as in :meth:`fit` (the
            guard passes class codes, ``-1`` for unlabeled).
        folds : list of (repeat, train, held_out)
            Positions into the labeled rows; the ``held_out`` rows of a fold are
            unlabeled in its fit (:func:`semiloop.guard.make_splits`).

        Returns
        -------
        proba : ndarray of shape (n_stacked, n_classes)
            The folds' held-out probabilities in the columns of ``classes_``
            (zero for a class the fold has no label of), stacked by
            :func:`semiloop.guard.stack_held_out`.
        """
        self._validate_params()
        with np.errstate(under="ignore"):
            if type(self).fit is not _SparseGraphClassifier.fit:
                return self._refit_held_out(X, y, folds)
            return self._fit_held_out(X, y, folds)

    def _fit(self, X, y):
        X, codes, classes = self._check_rows_and_labels(X, y)
        return self._fit_labels(self._fit_graph(X), codes, classes)

    def _fit_held_out(self, X, y, folds):
        X, codes, classes = self._check_rows_and_labels(X, y)
        graph = self._fit_graph(X)
        parts = []
        for hidden, partial in _hide_folds(codes, folds):
            fold = clone(self)
            for name in _GRAPH_ATTRIBUTES:
                if hasattr(self, name):
                    setattr(fold, name, getattr(self, name))
            with _fold_warnings_ignored():
                fold_codes, fold_classes = encode_labels(partial)
                check_labels(fold_codes, fold_classes, warn_single=False)
                fold._fit_labels(graph, fold_codes, fold_classes)
            parts.append(_in_columns(fold._proba(X[hidden]), fold_classes, len(classes)))
        self._fit_labels(graph, codes, classes)
        return stack_held_out(parts, folds, np.count_nonzero(codes >= 0))

    def _refit_held_out(self, X, y, folds):
        """:meth:`fit_held_out` by one ``fit`` per fold, for a subclass with its own ``fit``."""
        codes, classes = encode_labels(column_or_1d(y, warn=True))
        parts = []
        for hidden, partial in _hide_folds(codes, folds):
            with _fold_warnings_ignored():
                fold = clone(self).fit(X, partial)
            parts.append(_in_columns(fold.predict_proba(_safe_indexing(X, hidden)),
                                     fold.classes_, len(classes)))
        self.fit(X, y)
        return stack_held_out(parts, folds, np.count_nonzero(codes >= 0))

    def _check_rows_and_labels(self, X, y):
        """Validated rows, class codes (``-1``: unlabeled) and the sorted classes."""
        codes, classes = encode_labels(column_or_1d(y, warn=True))
        X, codes = validate_data(self, X, codes, dtype=[np.float64, np.float32],
                                 ensure_min_samples=2)
        check_labels(codes, classes, warn_single=False)
        return X, codes, classes

    def _fit_graph(self, X):
        """Set ``X_`` and the neighbour index; the graph of the rows, for any labels."""
        self.X_ = X
        W = self._build_graph()
        S = normalize_symmetric(W)
        if S.shape[0] > DENSE_KERNEL_LIMIT:
            S = S.astype(np.float32)
        return _Graph(W, S, component_labels(W))

    def _fit_labels(self, graph, codes, classes):
        """Solve on ``graph`` from the labels ``codes`` (indices into ``classes``)."""
        W, S = graph.W, graph.S
        self.classes_ = classes
        labeled = codes >= 0
        n_rows, n_classes = len(codes), len(classes)
        self.class_prior_ = resolve_class_prior(self.class_prior, self.X_, codes, n_classes)

        def seeds_for(hidden_rows=()):
            kept = labeled.copy()
            kept[np.asarray(hidden_rows, dtype=int)] = False
            seeds = np.zeros((n_rows, n_classes), dtype=S.dtype)
            seeds[np.flatnonzero(kept), codes[kept]] = 1.0
            if self.class_balance == "seeds":
                # One unit of seed mass per class: with α near 1 the solution is
                # dominated by a stationary part proportional to each class's
                # seed mass, which rescaling the result afterwards cannot undo.
                seeds /= np.maximum(seeds.sum(axis=0), 1.0)
            return seeds

        scores, self.n_iter_, residual = self._solve(W, S, seeds_for, codes)
        self.relative_residual_ = float(residual.max()) if len(residual) else 0.0
        if self.relative_residual_ > self.tol:
            warnings.warn(
                f"max_iter={self.max_iter} was reached before the solver converged "
                f"(relative residual {self.relative_residual_:.2g} > tol {self.tol}); "
                f"raise max_iter, or, if it is far above tol, scale the features or use "
                f"kernel='knn' (parts of the graph joined only by tiny weights make the "
                f"system nearly singular)", ConvergenceWarning, stacklevel=4)
        scores = np.maximum(np.asarray(scores, dtype=np.float64), 0.0)
        if self.class_balance == "mass":
            scores = _class_mass_normalize(scores, ~labeled, self.class_prior_)
        reachable = labeled_components(W, labeled, component=graph.component)
        scores, self.n_extended_ = extend_breadth_first(W, scores, reachable)
        self.label_distributions_, unreached = row_normalize(scores, self.class_prior_)
        self.n_unreached_ = int(unreached.sum())
        fix = (f"Raise n_neighbors (now {self.n_neighbors})" if self.kernel == "knn" else
               f"Lower gamma (now {self.gamma}) or scale the features" if self.kernel == "rbf"
               else "Change the kernel so that it joins those rows to labeled ones")
        warn_unreached(self.n_unreached_, n_rows, fix, stacklevel=5)
        transduction = self.label_distributions_.argmax(axis=1)
        transduction[labeled] = codes[labeled]
        self.transduction_ = self.classes_[transduction]
        # No guard inside: the guard that wraps this method (it reads this) keeps it or not.
        self.used_unlabeled_ = True
        return self

    def _build_graph(self):
        """The affinity graph ``W`` of the rows ``X_``: sparse, symmetric, no self-loops."""
        X = self.X_
        if self.kernel == "knn":
            self.neighbor_index_ = NeighborIndex(
                self.neighbors, n_probe=self.n_probe, random_state=self.random_state,
                n_jobs=self.n_jobs).fit(X)
            distances, indices = self.neighbor_index_.self_neighbors(self.n_neighbors)
            self.bandwidth_ = default_bandwidth(distances) if self.edge_weights == "rbf" else None
            return knn_affinity(distances, indices, weights=self.edge_weights,
                                bandwidth=self.bandwidth_)
        W = self._kernel(X, X)
        W.setdiag(0.0)
        W.eliminate_zeros()
        return W

    def _kernel(self, X, Y):
        """``kernel="rbf"`` or the callable kernel between rows of ``X`` and ``Y``, as CSR."""
        if self.kernel == "rbf":
            if max(len(X), len(Y)) > DENSE_KERNEL_LIMIT:
                raise SemiloopError(
                    f"kernel='rbf' builds a dense {len(X)}×{len(Y)} matrix; use "
                    f"kernel='knn' above {DENSE_KERNEL_LIMIT} points")
            weights = rbf_kernel(X, Y, gamma=self.gamma)
        else:
            weights = self.kernel(X, Y)
        weights = sparse.csr_array(weights if sparse.issparse(weights)
                                   else np.asarray(weights, dtype=np.float64), dtype=np.float64)
        # Subnormal weights carry a few bits at most: normalising by degrees
        # made of them gives S an eigenvalue above 1 and the solver diverges.
        weights.data[weights.data < np.finfo(np.float64).tiny] = 0.0
        weights.eliminate_zeros()
        return weights

    def _out_of_sample_weights(self, X):
        """Weights from new points to training points, as in the training graph."""
        if self.kernel != "knn":
            return self._kernel(X, self.X_)
        distances, indices = self.neighbor_index_.query(X, self.n_neighbors)
        if self.bandwidth_ is None:
            values = np.ones(indices.shape)
        else:
            # Shifting by the nearest distance leaves the normalised weights as
            # they are but keeps far-away points from underflowing to zero.
            squared = distances.astype(np.float64) ** 2
            values = np.exp(-(squared - squared[:, :1]) / self.bandwidth_)
        values[indices < 0] = 0.0
        rows = np.repeat(np.arange(len(X)), indices.shape[1])
        return sparse.csr_array((values.ravel(), (rows, np.maximum(indices, 0).ravel())),
                                shape=(len(X), len(self.X_)))

    def predict_proba(self, X):
        """Class probabilities of new points from their neighbours' label distributions.

        Points with no weight to any training point get ``class_prior_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._proba(X)

    def _proba(self, X):
        """:meth:`predict_proba` of validated rows."""
        with np.errstate(under="ignore"):
            weights = self._out_of_sample_weights(X)
            return row_normalize(np.asarray(weights @ self.label_distributions_),
                                 self.class_prior_)[0]

    def predict(self, X):
        """Most probable class of each new point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


def _hide_folds(codes, folds):
    """For each fold, its held-out rows and the class codes with their labels hidden."""
    labeled = np.flatnonzero(codes >= 0)
    for _, _, held_out in folds:
        hidden = labeled[np.asarray(held_out, dtype=int)]
        partial = codes.copy()
        partial[hidden] = -1
        yield hidden, partial


@contextmanager
def _fold_warnings_ignored():
    """What a fold's fit would warn of, the fit on all labels warns of once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemiloopWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _in_columns(proba, columns, n_classes):
    """``proba`` of a fit that saw the classes ``columns`` (codes), in all ``n_classes`` columns."""
    out = np.zeros((len(proba), n_classes))
    out[:, columns] = proba
    return out


def _class_mass_normalize(scores, unlabeled, prior):
    """Scale each class column so its unlabeled mass is proportional to ``prior``."""
    mass = scores[unlabeled].sum(axis=0)
    scale = np.divide(prior, mass, out=np.ones_like(prior), where=mass > 0)
    scaled = scores.copy()
    scaled[unlabeled] *= scale
    return scaled
