"""A label model: Dawid–Skene EM weights the labeling functions by their estimated accuracy.

Dawid & Skene ("Maximum likelihood estimation of observer error-rates using
the EM algorithm", Applied Statistics 28(1), 1979) treat each labeling
function as an observer with a confusion matrix ``pi_j[c, k] = P(votes k |
true class c)`` and the true class of a row as a latent variable with prior
``p_c``; the votes of different functions are independent given the class.
EM alternates the posterior of each row's class (E-step, their eq. 2.5) with
counts of votes weighted by it (M-step, eqs. 2.3-2.4), here with Dirichlet
pseudo-counts (``smoothing``) so that a function voting one class keeps a
proper matrix, starting from each row's share of votes per class (the soft
majority vote).

We wrote it rather than depend on a library. Snorkel 0.10 (the last
release, 2024) requires torch, tensorboard, protobuf and networkx, and its
``LabelModel`` is a different, matrix-completion model; crowd-kit 1.4.2
(Toloka) has a maintained Dawid–Skene, but it requires ``transformers`` and
``nltk`` for everyone and works on long tables of (task, worker, label). The
model is 100 lines of numpy and scipy on the label matrix.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> truth = rng.integers(0, 2, 600)
>>> right = rng.random((600, 3)) < [0.95, 0.75, 0.6]
>>> L = np.where(right, truth[:, None], 1 - truth[:, None])
>>> model = DawidSkene().fit(L)
>>> model.accuracies_.round(2).tolist()
[0.94, 0.74, 0.63]
>>> round(float((model.predict(L) == truth).mean()), 3)
0.957
"""

import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import logsumexp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import Interval, StrOptions
from semiloop.errors import DataError, SemiloopWarning
from semiloop.heuristics._checks import ABSTAIN, check_human_labels, check_label_matrix
from semiloop.heuristics.majority import vote_counts

__all__ = ["DawidSkene"]


class DawidSkene(BaseEstimator):
    """Dawid–Skene label model over a label matrix, fitted by EM.

    Parameters
    ----------
    n_classes : int, default=None
        None: one more than the largest vote or human label; give it when a
        class may get no vote.
    abstain : {"informative", "ignore"}, default="informative"
        ``"informative"``: abstaining is one more outcome of each function,
        whose rate may depend on the class (see Notes). ``"ignore"``: an
        abstention is a missing vote and leaves the likelihood unchanged, as
        the paper's observers who did not see a patient; right when whether a
        function votes does not depend on the class, as with crowd workers.
    smoothing : float, default=1.0
        Dirichlet pseudo-count added to every cell of each confusion matrix
        and to every class prior (Laplace smoothing for 1.0).
    tol : float, default=1e-6
        EM stops when the penalised log-likelihood per row rises by less.
    max_iter : int, default=200
        Most EM iterations; reaching it warns (``ConvergenceWarning``).

    Attributes
    ----------
    n_classes_ : int
    n_functions_ : int
        Columns of the label matrix seen in :meth:`fit`.
    class_priors_ : ndarray of shape (n_classes,)
        ``P(true class c)``.
    confusion_matrices_ : ndarray of shape (n_functions, n_classes, n_classes)
        ``[j, c, k]``: ``P(function j votes k | true class c, j votes)``; each
        ``[j, c]`` sums to 1.
    propensities_ : ndarray of shape (n_functions, n_classes)
        ``P(function j votes | true class c)``; for ``abstain="ignore"``,
        function ``j``'s coverage on the fitted rows for every class.
    accuracies_ : ndarray of shape (n_functions,)
        ``P(vote is the true class | j votes)``; NaN for a function that
        never voted in :meth:`fit`.
    n_iter_ : int
        EM iterations run.
    log_likelihood_ : float
        The last penalised log-likelihood per fitted row.

    See Also
    --------
    majority_vote : every function's vote counts the same.

    Notes
    -----
    With ``o_ij`` function ``j``'s outcome on row ``i`` (its vote, or
    "abstain" as outcome ``K`` when abstain is informative) and ``T_ic`` the
    posterior of class ``c``, one iteration is

    - M-step: ``p_c = (sum_i T_ic + s) / (n + K s)`` and
      ``pi_j[c, o] = (sum_i T_ic [o_ij = o] + s) / (sum_i T_ic [o_ij observed] + O s)``
      with ``O`` outcomes (``K``, or ``K + 1``);
    - E-step: ``T_ic ∝ p_c prod_j pi_j[c, o_ij]`` over the observed outcomes.

    EM starts from the share of votes per class (the soft majority vote),
    and with ``y`` also from the matrices counted on the labeled rows; rows a
    person labeled keep ``T`` at their label.
    Ignoring abstentions fails for rules that vote a single class (every
    keyword, regex and threshold rule): each one's vote, when it votes, is
    the same whatever the class, so its matrix carries no information and
    only the smoothing separates the classes. Their information is in *when*
    they vote, which ``"informative"`` models: on six such rules over three
    classes (``tests/test_heuristics_label_model.py``), 0.81 of the rows with
    a vote right, against 0.51 ignoring abstentions and 0.73 by majority
    vote (-1 on ties counted wrong). With ``"ignore"``, rows with
    no vote and no human label are left out of the fit. Cost per iteration:
    O(n_rows n_functions n_classes); deterministic (nothing is random).

    Examples
    --------
    Two keyword rules that each vote one class, fitted with human labels on a few rows:

    >>> L = np.array([[0, -1]] * 40 + [[-1, 1]] * 40 + [[0, 1]] * 10 + [[-1, -1]] * 10)
    >>> y = np.full(len(L), -1)
    >>> y[[0, 40, 80]] = [0, 1, 1]
    >>> model = DawidSkene().fit(L, y)
    >>> model.predict([[0, -1], [-1, -1]]).tolist()
    [0, -1]
    >>> model.predict_proba([[0, -1]]).round(2).tolist()
    [[0.97, 0.03]]
    """

    _parameter_constraints: dict = {
        "n_classes": [Interval(Integral, 2, None, closed="left"), None],
        "abstain": [StrOptions({"informative", "ignore"})],
        "smoothing": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_classes=None, *, abstain="informative", smoothing=1.0, tol=1e-6,
                 max_iter=200):
        self.n_classes = n_classes
        self.abstain = abstain
        self.smoothing = smoothing
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, L, y=None):
        """Estimate the class priors and each function's confusion matrix by EM.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_functions)
            Class indices, -1 for abstain.
        y : array-like of int, shape (n_rows,), default=None
            Human labels as class indices, -1 where no person labeled the
            row. Labeled rows keep their label throughout, and EM runs a
            second time from the matrices counted on them alone; the run with
            the higher likelihood is kept. A few labels settle which way the
            classes go when most functions are wrong (see Examples).

        Returns
        -------
        self : DawidSkene

        Raises
        ------
        DataError
            When ``L`` or ``y`` are not valid, ``L`` has no column, or fewer
            than two classes are known.

        Examples
        --------
        One good function and three that are wrong 70% of the time: the
        votes alone cannot tell which side is right, five human labels can.

        >>> rng = np.random.default_rng(3)
        >>> truth = rng.integers(0, 2, 1000)
        >>> right = rng.random((1000, 4)) < [0.9, 0.3, 0.3, 0.3]
        >>> L = np.where(right, truth[:, None], 1 - truth[:, None])
        >>> y = np.full(1000, -1)
        >>> y[:5] = truth[:5]
        >>> float((DawidSkene().fit(L).predict(L) == truth).mean())
        0.094
        >>> float((DawidSkene().fit(L, y).predict(L) == truth).mean())
        0.9
        """
        self._validate_params()
        L, n_classes = check_label_matrix(L, n_classes=self.n_classes)
        y = (np.full(len(L), ABSTAIN) if y is None
             else check_human_labels(y, len(L), n_classes=self.n_classes))
        if self.n_classes is None and len(y):
            n_classes = max(n_classes, int(y.max()) + 1)
        if L.shape[1] == 0 or n_classes < 2:
            raise DataError(f"the label model needs at least one labeling function and two "
                            f"classes, not {L.shape[1]} and {n_classes}; pass n_classes=")
        if not (L != ABSTAIN).any():
            warnings.warn("no labeling function voted on any row; the label model only knows "
                          "the class shares of y", SemiloopWarning, stacklevel=2)
        self.n_classes_, self.n_functions_ = n_classes, L.shape[1]
        anchored = y != ABSTAIN
        rows = (L != ABSTAIN).any(axis=1) | anchored if self.abstain == "ignore" else slice(None)
        L, y, anchored = L[rows], y[rows], anchored[rows]
        outcomes = self._outcomes(L)
        starts = [_majority_start(L, n_classes)]
        if anchored.any():  # the matrices counted on the rows people labeled
            starts.append(np.zeros((len(L), n_classes)))
        for start in starts:
            start[anchored] = np.eye(n_classes)[y[anchored]]
        fits = [_em(outcomes, start, y, anchored, n_functions=self.n_functions_,
                    smoothing=self.smoothing, tol=self.tol, max_iter=self.max_iter)
                for start in starts]
        best = max(fits, key=lambda fit: fit.log_likelihood)
        if not best.converged:
            warnings.warn(f"Dawid-Skene EM did not converge in max_iter={self.max_iter} "
                          f"iterations (tol={self.tol}); raise max_iter",
                          ConvergenceWarning, stacklevel=2)
        self.class_priors_, self._outcome_probabilities = best.priors, best.outcome_probabilities
        self.n_iter_, self.log_likelihood_ = best.n_iter, best.log_likelihood
        self._set_summaries(L)
        return self

    def predict_proba(self, L):
        """Posterior probability of each class for each row.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_functions)

        Returns
        -------
        proba : ndarray of shape (n_rows, n_classes)
            Rows where no function voted get the class priors
            (``abstain="ignore"``) or the posterior given that all abstained.

        Raises
        ------
        DataError
            When ``L`` has another number of functions or classes than in :meth:`fit`.
        """
        check_is_fitted(self, "class_priors_")
        L, _ = check_label_matrix(L, n_classes=self.n_classes_)
        if L.shape[1] != self.n_functions_:
            raise DataError(f"L has {L.shape[1]} labeling functions but the label model was "
                            f"fitted on {self.n_functions_}; apply the same functions")
        log_joint = _log_joint(self._outcomes(L), self.class_priors_,
                               self._outcome_probabilities)
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def predict(self, L):
        """The most probable class of each row, -1 where no function voted.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_functions)

        Returns
        -------
        labels : ndarray of int64, shape (n_rows,)

        Raises
        ------
        DataError
            As :meth:`predict_proba`.
        """
        proba = self.predict_proba(L)
        voted = (np.asarray(L) != ABSTAIN).any(axis=1)
        return np.where(voted, proba.argmax(axis=1), ABSTAIN).astype(np.int64)

    def _outcomes(self, L):
        """Votes as a sparse one-hot (n_rows, n_functions * n_outcomes)."""
        n_outcomes = self.n_classes_ + (self.abstain == "informative")
        outcome = np.where(L == ABSTAIN, self.n_classes_, L) if n_outcomes > self.n_classes_ else L
        rows, functions = np.nonzero(outcome != ABSTAIN)
        columns = functions * n_outcomes + outcome[rows, functions]
        return sparse.csr_matrix((np.ones(len(rows)), (rows, columns)),
                                 shape=(len(L), L.shape[1] * n_outcomes))

    def _set_summaries(self, L):
        probabilities, n_classes = self._outcome_probabilities, self.n_classes_
        if self.abstain == "informative":
            self.propensities_ = 1 - probabilities[:, :, n_classes]
            self.confusion_matrices_ = probabilities[:, :, :n_classes] / self.propensities_[
                :, :, None]
        else:
            coverage = (L != ABSTAIN).mean(axis=0) if len(L) else np.zeros(L.shape[1])
            self.propensities_ = np.repeat(coverage[:, None], n_classes, axis=1)
            self.confusion_matrices_ = probabilities
        weights = self.class_priors_ * self.propensities_
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), np.finfo(float).tiny)
        diagonals = np.diagonal(self.confusion_matrices_, axis1=1, axis2=2)
        voted = (L != ABSTAIN).any(axis=0)
        self.accuracies_ = np.where(voted, (weights * diagonals).sum(axis=1), np.nan)


class _Fit(NamedTuple):
    priors: np.ndarray
    outcome_probabilities: np.ndarray  # (function, class, outcome)
    log_likelihood: float
    n_iter: int
    converged: bool


def _em(outcomes, posterior, y, anchored, *, n_functions, smoothing, tol, max_iter):
    """EM from a first posterior; rows in ``anchored`` stay at their label ``y``."""
    n_rows, n_classes = posterior.shape
    previous, converged, n_iter = -np.inf, False, 0
    while not converged and n_iter < max_iter:
        n_iter += 1
        priors, probabilities = _m_step(outcomes, posterior, n_functions, smoothing)
        log_joint = _log_joint(outcomes, priors, probabilities)
        row_likelihood = logsumexp(log_joint, axis=1)
        posterior = np.exp(log_joint - row_likelihood[:, None])
        posterior[anchored] = np.eye(n_classes)[y[anchored]]
        row_likelihood[anchored] = log_joint[anchored, y[anchored]]
        log_dirichlet = smoothing * (np.log(priors).sum() + np.log(probabilities).sum())
        log_likelihood = float((row_likelihood.sum() + log_dirichlet) / max(n_rows, 1))
        converged = log_likelihood - previous < tol
        previous = log_likelihood
    return _Fit(priors, probabilities, log_likelihood, n_iter, converged)


def _m_step(outcomes, posterior, n_functions, smoothing):
    """MAP class priors and outcome probabilities (function, class, outcome)."""
    n_classes = posterior.shape[1]
    priors = (posterior.sum(axis=0) + smoothing) / (posterior.sum() + n_classes * smoothing)
    counts = np.asarray(outcomes.T @ posterior).reshape(n_functions, -1, n_classes)
    counts = counts.transpose(0, 2, 1) + smoothing
    return priors, counts / counts.sum(axis=2, keepdims=True)


def _log_joint(outcomes, priors, probabilities):
    """``log P(class c, outcomes of row i)``, shape (n_rows, n_classes)."""
    log_outcome = np.log(probabilities).transpose(0, 2, 1).reshape(-1, len(priors))
    return np.log(priors) + outcomes @ log_outcome


def _majority_start(L, n_classes):
    """Each row's share of votes per class; rows without votes get the mean share."""
    counts = vote_counts(L, n_classes=n_classes).astype(float)
    total = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
    voted = total[:, 0] > 0
    mean = shares[voted].mean(axis=0) if voted.any() else np.full(n_classes, 1 / n_classes)
    shares[~voted] = mean
    return shares
