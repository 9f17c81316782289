"""semiloop's recommended graph methods: label spreading and propagation that scale.

Both build a symmetric, weighted, sparse kNN graph without self-loops, solve
their linear system with conjugate gradients, balance the seed mass per
class, give every row connected to a label a label and report the others
(:mod:`semiloop.methods.graph_base`). Their parameters are their own, not
scikit-learn's: ``tol`` is a relative residual and ``max_iter`` counts
conjugate gradient steps. For scikit-learn's parameters and results use
:class:`semiloop.LabelSpreading` and :class:`semiloop.LabelPropagation`.
"""

from numbers import Real

import numpy as np
from joblib import effective_n_jobs

from semiloop._compat import Interval, StrOptions
from semiloop.methods._alpha_selection import score_alphas
from semiloop.methods.graph_base import SELECTION_TOL, _SparseGraphClassifier
from semiloop.methods.sparse_solve import conjugate_gradient, parallel_matmul

__all__ = ["SparseLabelPropagation", "SparseLabelSpreading"]


class SparseLabelSpreading(_SparseGraphClassifier):
    """Label spreading on a sparse kNN graph by conjugate gradients, α chosen on held-out labels.

    Solves ``(I − αS) F = (1 − α) Y`` for all classes at once, with
    ``S = D^-1/2 W D^-1/2`` the normalised graph and ``Y`` one unit of seed
    mass per class shared by its labeled rows.

    Parameters
    ----------
    kernel : {"knn", "rbf"} or callable, default='knn'
        The graph: each row joined to its ``n_neighbors`` nearest other rows
        (an edge when either end chose the other), the dense rbf kernel (up to
        20,000 rows), or a function ``(X, Y) -> weights``, dense or sparse.
    n_neighbors : int, default=10
        Neighbours per row of the kNN graph, the row itself not counted.
    gamma : float, default=20
        Width of the rbf kernel, ``exp(-gamma ‖x − x'‖²)`` (``kernel="rbf"`` only).
    alpha : float in (0, 1) or "auto", default='auto'
        Share of a row's label that comes from its neighbours. ``"auto"`` takes
        the one of 0.5, 0.9 and 0.99 that best predicts labels hidden from the
        graph (three stratified folds, or one held-out third from 1,000
        labels; ties go to the larger α).
    max_iter : int, default=1000
        Conjugate gradient steps.
    tol : float, default=0.001
        Relative residual ``‖B − AF‖ / ‖B‖`` at which the solver stops.
    class_balance : {"seeds", "mass"} or None, default='seeds'
        ``"seeds"`` gives each class one unit of seed mass, so that no class
        wins unlabeled rows by having more labels; ``"mass"`` is the class
        mass normalisation of Zhu et al. (2003) after the solve; None keeps
        one unit per labeled row, which spreads each class in proportion to
        its labels.
    class_prior : {"labeled", "predicted"} or array-like of shape (n_classes,), \
default="labeled"
        The class shares of ``class_balance="mass"`` and of rows no label
        reaches: the labeled rows' shares, the mean prediction of a logistic
        regression on them over the unlabeled rows (for labels chosen by a
        query), or given shares (see :mod:`semiloop.methods.class_prior`).
    edge_weights : {"rbf", "connectivity"}, default='rbf'
        ``exp(-d²/σ²)`` on the kNN edges, σ² the median squared distance to
        the k-th neighbour, or 1 per edge.
    neighbors : {"auto", "exact", "faiss"}, default='auto'
        Neighbour search: exact up to 20,000 rows, faiss above when installed.
    n_probe : int, default=2
        faiss inverted lists (of about √n) visited per query: the speed/recall knob.
    n_jobs : int, default=None
        Threads of the neighbour search and of the solver's sparse products
        (None: one, -1: all cores).
    random_state : int, RandomState instance or None, default=0
        Seed of the held-out folds and of faiss's coarse quantizer.

    Attributes
    ----------
    X_ : ndarray of shape (n_samples, n_features)
    classes_ : ndarray of shape (n_classes,)
        The given class values, sorted.
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Each row sums to one.
    transduction_ : ndarray of shape (n_samples,)
        The class of each training row; labeled rows keep their label.
    class_prior_ : ndarray of shape (n_classes,)
        The class shares of ``class_prior`` (by default each class's share of the
        labeled rows); what unreached rows get.
    n_unreached_ : int
        Rows in a part of the graph without a label (a ``SemiloopWarning`` says
        so); they get ``class_prior_``.
    n_extended_ : int
        Rows connected to a label that the solver left without mass (it stops
        at ``tol``, or the mass underflows on tiny edge weights); they take
        the weighted mean of their reached neighbours' distributions, layer by
        layer outward.
    alpha_ : float
        The α used; ``alpha_scores_`` holds each candidate's held-out accuracy
        when ``alpha="auto"``.
    n_iter_ : int
        Conjugate gradient steps of the final solve.
    relative_residual_ : float
        Its final relative residual, the worst class.
    used_unlabeled_ : bool
        Always True: every row is in the graph, and there is no guard inside
        to fall back to a supervised model (the guard around it reads this).
    n_features_in_ : int

    See Also
    --------
    SparseLabelPropagation : labeled rows clamped (the harmonic solution).
    LabelSpreading : scikit-learn's label spreading, with its parameters.

    Notes
    -----
    Cost: building the kNN graph is O(n log n) (exact, low dimensions) or
    about O(n√n) (faiss); each conjugate gradient step is O(n·k·c) for k
    neighbours and c classes, and ``alpha="auto"`` adds one solve per
    candidate with the folds' seeds side by side. Memory grows as n·k.
    ``fit_held_out`` (what the guard calls) builds the graph once for all its
    folds and solves each fold from its own labels.

    References
    ----------
    Zhou, Bousquet, Lal, Weston, Schölkopf, "Learning with local and global
    consistency", NIPS 2003 (2004), section 2 (the closed form).
    Iscen, Tolias, Avrithis, Chum, "Label propagation for deep semi-supervised
    learning", CVPR 2019, section 3 (the kNN graph, conjugate gradients).
    Delalleau, Bengio, Le Roux, "Efficient non-parametric function induction in
    semi-supervised learning", AISTATS 2005 (new points).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(400, noise=0.05, random_state=0)
    >>> y_partial = np.full(400, -1)
    >>> y_partial[[np.flatnonzero(y == 0)[0], np.flatnonzero(y == 1)[0]]] = [0, 1]
    >>> model = SparseLabelSpreading().fit(X, y_partial)
    >>> float((model.transduction_ == y).mean())
    1.0
    """

    _parameter_constraints: dict = {
        **_SparseGraphClassifier._parameter_constraints,
        "alpha": [Interval(Real, 0, 1, closed="neither"), StrOptions({"auto"})],
    }

    def __init__(self, kernel="knn", *, n_neighbors=10, gamma=20, alpha="auto", max_iter=1000,
                 tol=1e-3, class_balance="seeds", class_prior="labeled", edge_weights="rbf",
                 neighbors="auto", n_probe=2, n_jobs=None, random_state=0):
        self.kernel = kernel
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.class_balance = class_balance
        self.class_prior = class_prior
        self.edge_weights = edge_weights
        self.neighbors = neighbors
        self.n_probe = n_probe
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _solve(self, W, S, seeds_for, codes):
        S_times = parallel_matmul(S, effective_n_jobs(self.n_jobs))

        def spread(alpha, seeds, with_info=False):
            right = ((1.0 - alpha) * seeds).astype(S.dtype)
            # Choosing α needs only the argmax at the held-out rows, which
            # settles long before the residual reaches tol.
            tol = self.tol if with_info else max(self.tol, SELECTION_TOL)
            solved = conjugate_gradient(lambda block: block - alpha * S_times(block), right,
                                        tol=tol, max_iter=self.max_iter)
            return solved if with_info else solved[0]

        alpha = self.alpha
        if alpha == "auto":
            self.alpha_scores_ = score_alphas(spread, seeds_for, codes,
                                              np.flatnonzero(codes >= 0),
                                              random_state=self.random_state)
            best = max(self.alpha_scores_.values())
            alpha = max(a for a, score in self.alpha_scores_.items() if score == best)
        self.alpha_ = alpha
        return spread(alpha, seeds_for(), with_info=True)


class SparseLabelPropagation(_SparseGraphClassifier):
    """Label propagation on a sparse kNN graph: the harmonic solution, by conjugate gradients.

    Labeled rows are clamped to their labels; the unlabeled rows solve
    ``(I − S_uu) G_u = S_ul D_l^1/2 Y_l`` with ``F = D^-1/2 G``, the
    symmetric, unit-diagonal form of Zhu et al.'s ``L_uu F_u = W_ul Y_l``.

    Parameters
    ----------
    kernel : {"knn", "rbf"} or callable, default='knn'
        As in :class:`SparseLabelSpreading`.
    n_neighbors : int, default=10
        Neighbours per row of the kNN graph, the row itself not counted.
    gamma : float, default=20
        Width of the rbf kernel (``kernel="rbf"`` only).
    max_iter : int, default=1000
        Conjugate gradient steps.
    tol : float, default=0.001
        Relative residual at which the solver stops.
    class_balance : {"seeds", "mass"} or None, default='seeds'
        As in :class:`SparseLabelSpreading`.
    class_prior : {"labeled", "predicted"} or array-like of shape (n_classes,), \
default="labeled"
        As in :class:`SparseLabelSpreading`.
    edge_weights : {"rbf", "connectivity"}, default='rbf'
        As in :class:`SparseLabelSpreading`.
    neighbors : {"auto", "exact", "faiss"}, default='auto'
        As in :class:`SparseLabelSpreading`.
    n_probe : int, default=2
        As in :class:`SparseLabelSpreading`.
    n_jobs : int, default=None
        As in :class:`SparseLabelSpreading`.
    random_state : int, RandomState instance or None, default=0
        Seed of faiss's coarse quantizer.

    Attributes
    ----------
    X_, classes_, label_distributions_, transduction_, class_prior_, n_unreached_, \
n_extended_, n_iter_, relative_residual_, used_unlabeled_, n_features_in_ :
        As in :class:`SparseLabelSpreading`. ``n_iter_`` is 0 when every row
        is labeled (the system for the unlabeled rows is empty).

    See Also
    --------
    SparseLabelSpreading : labels may change, α chosen on held-out labels.
    LabelPropagation : scikit-learn's label propagation, with its parameters.

    Notes
    -----
    Cost as :class:`SparseLabelSpreading` without the choice of α: O(n·k·c)
    per conjugate gradient step, memory n·k.

    References
    ----------
    Zhu, Ghahramani, Lafferty, "Semi-supervised learning using Gaussian fields
    and harmonic functions", ICML 2003, section 2 (the harmonic solution) and
    the class mass normalisation of the same paper.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    >>> y = np.array([0, -1, -1, -1, -1, 1])
    >>> SparseLabelPropagation(n_neighbors=2).fit(X, y).transduction_.tolist()
    [0, 0, 0, 1, 1, 1]
    """

    def __init__(self, kernel="knn", *, n_neighbors=10, gamma=20, max_iter=1000, tol=1e-3,
                 class_balance="seeds", class_prior="labeled", edge_weights="rbf",
                 neighbors="auto", n_probe=2, n_jobs=None, random_state=0):
        self.kernel = kernel
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.max_iter = max_iter
        self.tol = tol
        self.class_balance = class_balance
        self.class_prior = class_prior
        self.edge_weights = edge_weights
        self.neighbors = neighbors
        self.n_probe = n_probe
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _solve(self, W, S, seeds_for, codes):
        seeds, labeled = seeds_for(), codes >= 0
        # With G = D^1/2 F the harmonic system L_uu F_u = W_ul Y_l becomes the
        # symmetric, unit-diagonal (I - S_uu) G_u = S_ul D_l^1/2 Y_l.
        root_degree = np.sqrt(np.asarray(W.sum(axis=1)).ravel())
        unlabeled, known = np.flatnonzero(~labeled), np.flatnonzero(labeled)
        S_u = S[unlabeled]
        S_uu, S_ul = S_u[:, unlabeled], S_u[:, known]
        right = np.asarray(S_ul @ (root_degree[known, None] * seeds[known])).astype(S.dtype)
        S_uu_times = parallel_matmul(S_uu, effective_n_jobs(self.n_jobs))
        solved, n_iter, residual = conjugate_gradient(
            lambda block: block - S_uu_times(block), right, tol=self.tol,
            max_iter=self.max_iter)
        scores = seeds.astype(np.float64)
        reached = root_degree[unlabeled] > 0
        scores[unlabeled[reached]] = solved[reached] / root_degree[unlabeled[reached], None]
        return scores, n_iter, residual
