"""A label model: EM weights the labeling functions by their estimated accuracy.

Each row's true class is a latent variable with prior ``p_c``; the labeling
functions vote independently given it. Three models of a function's votes,
all fitted by EM (Dawid & Skene, "Maximum likelihood estimation of observer
error-rates using the EM algorithm", Applied Statistics 28(1), 1979, Sec. 2):

- ``model="two_coin"`` (the default): for each class ``k`` that function
  ``j`` votes, a rate ``alpha_jk`` at which it votes ``k`` on rows of class
  ``k`` and one rate ``beta_jk`` at which it votes ``k`` on rows of any other
  class; otherwise it abstains. For a rule that votes one class this is the
  two-coin (sensitivity and specificity) annotator of Raykar et al.
  ("Learning from crowds", JMLR 11, 2010, Sec. 2), with "fires" as the
  positive label: two parameters per rule, and abstaining is evidence.
- ``model="one_coin"``: one accuracy ``a_j`` per function, a wrong vote
  spread evenly over the other classes, abstentions ignored (the one-coin
  model of Zhang, Chen, Zhou & Jordan, "Spectral methods meet EM: a provably
  optimal algorithm for crowdsourcing", NeurIPS 2014; for two classes, the
  independent labeling functions of data programming, Ratner et al., NeurIPS
  2016). Right for functions that vote every class alike, such as crowd
  workers; it collapses on rules that each vote one class (see Notes).
- ``model="confusion"``: Dawid and Skene's full confusion matrix per
  function, with abstaining as one more outcome (``abstain="informative"``)
  or ignored. It collapses on rules that each vote one class too.

We wrote it rather than depend on a library. Snorkel 0.10 (the last
release, 2024) requires torch, tensorboard, protobuf and networkx, and its
``LabelModel`` is a matrix-completion model; crowd-kit 1.4.2 (Toloka) has a
maintained Dawid–Skene, but it requires ``transformers`` and ``nltk`` for
everyone and works on long tables of (task, worker, label). The models are
a page of numpy and scipy on the label matrix.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> truth = rng.integers(0, 2, 600)
>>> right = rng.random((600, 3)) < [0.95, 0.75, 0.6]
>>> L = np.where(right, truth[:, None], 1 - truth[:, None])
>>> model = DawidSkene().fit(L)
>>> model.accuracies_.round(2).tolist()
[0.92, 0.75, 0.63]
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
from semiloop.heuristics.majority import majority_vote, vote_counts

__all__ = ["DawidSkene"]

#: the probability of an outcome the model says cannot happen (a vote for a class the
#: function never voted in fit, or an abstention of a function that always votes)
_NEVER = 1e-12


class DawidSkene(BaseEstimator):
    """Label model over a label matrix, fitted by EM (two-coin, one-coin or Dawid–Skene).

    Parameters
    ----------
    n_classes : int, default=None
        None: one more than the largest vote or human label; give it when a
        class may get no vote.
    model : {"two_coin", "one_coin", "confusion"}, default="two_coin"
        How a function votes given the true class (see the module docstring
        and Notes). ``"two_coin"``: for each class it votes, one rate on rows
        of that class and one on the rest; right for rules that each vote
        one class (keywords, regular expressions, thresholds) and for
        functions that vote several classes. ``"one_coin"``: one accuracy per
        function. ``"confusion"``: a full confusion matrix per function.
    abstain : {"informative", "ignore"}, default="informative"
        ``model="confusion"`` only (the two-coin model treats abstaining as
        evidence, the one-coin model ignores it). ``"informative"``:
        abstaining is one more outcome of each function, whose rate may
        depend on the class. ``"ignore"``: an abstention is a missing vote
        and leaves the likelihood unchanged, as the paper's observers who
        did not see a patient; rows with no vote and no human label are left
        out of the fit.
    class_prior : {"majority_vote", "estimated", "uniform"} or array-like, default="majority_vote"
        ``"majority_vote"``: fixed at the class shares of majority vote's
        labels on ``L`` (rows it decides, plus ``smoothing`` per class),
        counted once before EM, so that rows without votes cannot pull the
        prior towards one class (see Notes); ``"estimated"``: fitted by EM,
        the mean posterior with ``smoothing``; ``"uniform"``: fixed at ``1 /
        n_classes`` (Snorkel's default); an array of shape (n_classes,):
        fixed at these positive class shares (normalised), e.g. counted on
        labels drawn at random.
    smoothing : float, default=1.0
        Pseudo-count ``s`` of the priors that keep the estimates inside
        (0, 1): added to every estimated class share, to both outcomes of
        each two-coin rate and one-coin accuracy (a Beta(s + 1, s + 1)
        prior) and to every cell of each confusion matrix (Laplace smoothing
        for 1.0).
    tol : float, default=1e-6
        EM stops when the penalised log-likelihood per row rises by less.
    max_iter : int, default=500
        Most EM iterations; reaching it warns (``ConvergenceWarning``).

    Attributes
    ----------
    n_classes_ : int
    n_functions_ : int
        Columns of the label matrix seen in :meth:`fit`.
    class_priors_ : ndarray of shape (n_classes,)
        ``p_c``: majority vote's class shares, fitted, uniform or given.
        Fitted for ``"one_coin"`` and ``abstain="ignore"``, the class shares
        of the rows with a vote or a human label; otherwise of all rows.
    rates_ : ndarray of shape (n_functions, n_classes, 2)
        ``model="two_coin"`` only. ``[j, k, 0]``: ``alpha_jk = P(j votes k |
        true class k)``; ``[j, k, 1]``: ``beta_jk = P(j votes k | true class
        not k)``; both 0 for a class ``j`` never voted in :meth:`fit`
        (Raykar et al. 2010, Sec. 2, one class against the rest).
    confusion_matrices_ : ndarray of shape (n_functions, n_classes, n_classes)
        ``[j, c, k]``: ``P(function j votes k | true class c, j votes)``; each
        ``[j, c]`` sums to 1 (Dawid & Skene 1979, Sec. 2, with abstentions
        left out). Fitted for ``"confusion"``; implied by the rates for
        ``"two_coin"`` and by the accuracies for ``"one_coin"``.
    propensities_ : ndarray of shape (n_functions, n_classes)
        ``P(function j votes | true class c)``; where abstentions are
        ignored, function ``j``'s coverage on the fitted rows for every class.
    accuracies_ : ndarray of shape (n_functions,)
        ``P(vote is the true class | j votes)``, the share of function
        ``j``'s votes that are right (``lf_summary``'s
        ``empirical_accuracy``, estimated without labels): ``a_j`` for
        ``"one_coin"``, ``sum_k p_k alpha_jk / sum_c p_c P(j votes | c)``
        for the others. NaN for a function that never voted in :meth:`fit`.
    n_iter_ : int
        EM iterations run.
    log_likelihood_ : float
        The last penalised log-likelihood (log priors included) per fitted row.

    See Also
    --------
    majority_vote : every function's vote counts the same.

    Notes
    -----
    With ``T_ic`` the posterior of class ``c`` for row ``i``, ``m_c = sum_i
    T_ic`` the class's posterior mass and ``s`` = ``smoothing``, one
    iteration is an M-step, ``p_c = (m_c + s) / (n + K s)`` if the prior is
    estimated, and

    - two coin: ``alpha_jk = (sum_{i: j votes k} T_ik + s) / (m_k + 2 s)``,
      ``beta_jk = (sum_{i: j votes k} (1 - T_ik) + s) / (n - m_k + 2 s)``,
      abstaining with the rest of the probability;
    - one coin: ``a_j = (sum_{i: j votes} T_{i, L_ij} + s) / (n_j + 2 s)``;
    - confusion: ``pi_j[c, o] = (sum_i T_ic [o_ij = o] + s) / (sum_i T_ic
      [o_ij observed] + O s)`` over ``O`` outcomes (their eqs. 2.3-2.4);

    then an E-step, ``T_ic ∝ p_c prod_j P(o_ij | c)`` over each function's
    outcome ``o_ij`` (its vote, or abstaining where that is modelled; their
    eq. 2.5). Rates are fitted only for the classes a function votes: a
    function that never votes ``k`` has ``alpha_jk = beta_jk = 0`` (1e-12 in
    the likelihood, so that such a vote met in :meth:`predict` weighs
    nothing), and no pseudo-count costs a small class the votes a rule never
    casts. For a function
    that votes several classes the rates of one class may add up to more
    than 1; its abstention probability is then 0 (``1e-12``). EM starts from
    each row's share of votes per class (the soft majority vote), and with
    ``y`` also from the parameters counted on the labeled rows alone; rows a
    person labeled keep ``T`` at their label. Cost per iteration:
    O(n_rows n_functions n_classes); deterministic (nothing is random).

    Rules that each vote one class (unipolar labeling functions, as Snorkel
    users write them): when such a rule votes, its vote is the same whatever
    the true class, so everything it tells is in *when* it votes.

    - ``"confusion"`` ignoring abstentions: every matrix says "votes its
      class whatever the truth", only the smoothing separates the classes,
      and the class that starts largest takes every row.
    - ``"confusion"`` with informative abstention: a mixture over which rules
      fire, with a free firing rate per rule and class, which nothing ties
      to the class a rule votes, while the pseudo-counts on the ``K - 1``
      votes a rule never casts cost every small class likelihood on every
      row. On Suite 5's 16 keyword rules over 8 topics
      (``benchmarks/results/rules-suite5.md``) it put 99.7% of the prior on
      one class; with ``smoothing=1e-4`` it did not collapse, but one class
      absorbed the rows without votes (half the prior) and 65% of the voted
      rows were right, against 83% for majority vote on the rows it labels.
    - ``"one_coin"``: rows that one rule votes leave its accuracy where it is
      (their posterior is ``a_j`` with a uniform prior), so the accuracies are
      learned from conflicts alone, where one rule's gain is another's loss:
      the rules of some classes drift below ``1 / K`` and then vote against
      their class. With an estimated prior, a rule's single votes also push
      its accuracy up when its class's prior is above ``1 / K`` and down
      below it.
    - ``"two_coin"`` applies the one-coin idea to firing: a rule fires at one
      rate on its class and at one other rate on the rest, and abstaining
      is evidence too. Its estimates stay tied to the class each rule votes.

    On synthetic rules that are independent given the class, shaped like
    Suite 5's (8 classes of 3-33%, two rules per class firing on 25-40% of
    their class; ``tests/test_heuristics_label_model.py``), ``"confusion"``
    put 99.7% of the prior and every voted row on one class, as on Suite 5,
    ``"one_coin"`` left four or five classes without a row, and
    ``"two_coin"`` kept every class's share within 0.03 and labeled 83% of
    the voted rows right, against 73% for majority vote (ties counted
    wrong); on 12 rules over 4 classes it recovered each rule's accuracy
    within 0.05 (with the prior estimated; within 0.03 on average with
    majority vote's shares). Real rules are not independent given the class:
    keywords fire together on off-topic texts, and texts without any keyword
    are not a random draw. Fitted, the class prior follows those rows onto
    the class whose rules fire least: on Suite 5 the two-coin model with
    ``class_prior="estimated"`` put 53% of the prior on one topic (22% of
    the texts) and labeled 47% of the texts at 77% accuracy (confidence >=
    0.5; majority vote: 45% at 83%); on synthetic rules where half the rows
    are short texts that fire few rules and come mostly from two classes,
    it put 70% of the prior on one class and labeled 47% of the voted rows
    right (majority vote 67%). Fixing the prior at majority vote's class
    shares (the default) avoids that: 79% right on the synthetic rules.

    Examples
    --------
    Keyword rules that each vote one class, fitted without labels: the
    estimated accuracies follow the true ones, and a vote of a precise rule
    outweighs one of a loose rule.

    >>> rng = np.random.default_rng(1)
    >>> truth = rng.integers(0, 3, 4000)
    >>> rules = [(0, 0.5, 0.05), (0, 0.3, 0.1), (1, 0.4, 0.02), (1, 0.3, 0.1),
    ...          (2, 0.5, 0.05), (2, 0.2, 0.03)]  # (class, fires on it, on the others)
    >>> L = np.full((4000, len(rules)), -1)
    >>> for j, (label, own, other) in enumerate(rules):
    ...     L[rng.random(4000) < np.where(truth == label, own, other), j] = label
    >>> [round(float((truth[L[:, j] == label] == label).mean()), 2)
    ...  for j, (label, _, _) in enumerate(rules)]
    [0.82, 0.58, 0.91, 0.59, 0.83, 0.76]
    >>> model = DawidSkene().fit(L)
    >>> model.accuracies_.round(2).tolist()
    [0.86, 0.63, 0.89, 0.58, 0.81, 0.71]
    >>> model.rates_[0, 0].round(2).tolist()  # rule 0 fires on class 0, on the others
    [0.45, 0.04]
    >>> model.predict_proba([[0, -1, 1, -1, -1, -1], [-1] * 6]).round(2).tolist()
    [[0.42, 0.57, 0.02], [0.38, 0.34, 0.28]]
    >>> model.predict([[0, -1, 1, -1, -1, -1], [-1] * 6]).tolist()
    [1, -1]
    """

    _parameter_constraints: dict = {
        "n_classes": [Interval(Integral, 2, None, closed="left"), None],
        "model": [StrOptions({"two_coin", "one_coin", "confusion"})],
        "abstain": [StrOptions({"informative", "ignore"})],
        "class_prior": [StrOptions({"majority_vote", "estimated", "uniform"}), "array-like"],
        "smoothing": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_classes=None, *, model="two_coin", abstain="informative",
                 class_prior="majority_vote", smoothing=1.0, tol=1e-6, max_iter=500):
        self.n_classes = n_classes
        self.model = model
        self.abstain = abstain
        self.class_prior = class_prior
        self.smoothing = smoothing
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, L, y=None):
        """Estimate the class priors and each function's parameters by EM.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_functions)
            Class indices, -1 for abstain.
        y : array-like of int, shape (n_rows,), default=None
            Human labels as class indices, -1 where no person labeled the
            row. Labeled rows keep their label throughout, and EM runs a
            second time from the parameters counted on them alone; the run
            with the higher likelihood is kept. A few labels settle which
            way the classes go when most functions are wrong (see Examples).

        Returns
        -------
        self : DawidSkene

        Raises
        ------
        DataError
            When ``L`` or ``y`` are not valid, ``L`` has no column, fewer
            than two classes are known, or ``class_prior`` does not give one
            positive share per class.

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
        0.906
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
        fixed_priors = self._fixed_priors(L, n_classes)
        if not (L != ABSTAIN).any():
            warnings.warn("no labeling function voted on any row; the label model only knows "
                          "the class shares of y", SemiloopWarning, stacklevel=2)
        self.n_classes_, self.n_functions_ = n_classes, L.shape[1]
        anchored = y != ABSTAIN
        rows = (L != ABSTAIN).any(axis=1) | anchored if self._ignores_abstain() else slice(None)
        L, y, anchored = L[rows], y[rows], anchored[rows]
        outcomes = self._outcomes(L)
        starts = [_majority_start(L, n_classes)]
        if anchored.any():  # the parameters counted on the rows people labeled
            starts.append(np.zeros((len(L), n_classes)))
        for start in starts:
            start[anchored] = np.eye(n_classes)[y[anchored]]
        m_step = _M_STEPS[self.model]
        voted = _voted_classes(L, n_classes)
        fits = [_em(m_step, outcomes, start, y, anchored, voted=voted, fixed_priors=fixed_priors,
                    smoothing=self.smoothing, tol=self.tol, max_iter=self.max_iter)
                for start in starts]
        best = max(fits, key=lambda fit: fit.log_likelihood)
        if not best.converged:
            warnings.warn(f"the label model's EM did not converge in max_iter={self.max_iter} "
                          f"iterations (tol={self.tol}); raise max_iter",
                          ConvergenceWarning, stacklevel=2)
        self.class_priors_, self._outcome_probabilities = best.priors, best.outcome_probabilities
        self.n_iter_, self.log_likelihood_ = best.n_iter, best.log_likelihood
        self._set_summaries(L, voted)
        return self

    def predict_proba(self, L):
        """Posterior probability of each class for each row.

        Parameters
        ----------
        L : array-like of int, shape (n_rows, n_functions)

        Returns
        -------
        proba : ndarray of shape (n_rows, n_classes)
            Rows where no function voted get the posterior given that all
            abstained, or the class priors where abstentions are ignored.

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

    def _ignores_abstain(self):
        return self.model == "one_coin" or (self.model == "confusion"
                                            and self.abstain == "ignore")

    def _fixed_priors(self, L, n_classes):
        """The class prior held fixed during EM, or None when it is estimated."""
        if isinstance(self.class_prior, str) and self.class_prior == "majority_vote":
            labels, _ = majority_vote(L, n_classes=n_classes)
            shares = np.bincount(labels[labels >= 0], minlength=n_classes)
            return (shares + self.smoothing) / (shares.sum() + n_classes * self.smoothing)
        if isinstance(self.class_prior, str):
            return None if self.class_prior == "estimated" else np.full(n_classes, 1 / n_classes)
        priors = np.asarray(self.class_prior, dtype=float)
        if priors.shape != (n_classes,) or not np.all(np.isfinite(priors)) or (priors <= 0).any():
            raise DataError(f"class_prior has shape {priors.shape} and values "
                            f"{np.round(priors, 3).tolist()}; pass one positive share per class "
                            f"({n_classes} classes), or 'estimated' or 'uniform'")
        return priors / priors.sum()

    def _outcomes(self, L):
        """Outcomes as a sparse one-hot (n_rows, n_functions * n_outcomes); abstain is outcome K."""
        n_outcomes = self.n_classes_ + (not self._ignores_abstain())
        outcome = np.where(L == ABSTAIN, self.n_classes_, L) if n_outcomes > self.n_classes_ else L
        rows, functions = np.nonzero(outcome != ABSTAIN)
        columns = functions * n_outcomes + outcome[rows, functions]
        return sparse.csr_matrix((np.ones(len(rows)), (rows, columns)),
                                 shape=(len(L), L.shape[1] * n_outcomes))

    def _set_summaries(self, L, voted):
        probabilities, n_classes = self._outcome_probabilities, self.n_classes_
        if self.model == "two_coin":
            vote = np.arange(n_classes)
            alpha = probabilities[:, vote, vote]  # [j, k]: P(votes k | class k)
            beta = probabilities[:, (vote + 1) % n_classes, vote]  # P(votes k | another class)
            self.rates_ = np.where(voted[:, :, None], np.stack([alpha, beta], axis=2), 0.0)
        if self._ignores_abstain():
            coverage = (L != ABSTAIN).mean(axis=0) if len(L) else np.zeros(L.shape[1])
            self.propensities_ = np.repeat(coverage[:, None], n_classes, axis=1)
            self.confusion_matrices_ = probabilities
        else:
            self.propensities_ = 1 - probabilities[:, :, n_classes]
            self.confusion_matrices_ = probabilities[:, :, :n_classes] / np.maximum(
                self.propensities_[:, :, None], np.finfo(float).tiny)
        weights = self.class_priors_ * self.propensities_
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), np.finfo(float).tiny)
        diagonals = np.diagonal(self.confusion_matrices_, axis1=1, axis2=2)
        self.accuracies_ = np.where(voted.any(axis=1), (weights * diagonals).sum(axis=1), np.nan)


class _Fit(NamedTuple):
    priors: np.ndarray
    outcome_probabilities: np.ndarray  # (function, class, outcome)
    log_likelihood: float
    n_iter: int
    converged: bool


def _em(m_step, outcomes, posterior, y, anchored, *, voted, fixed_priors, smoothing, tol,
        max_iter):
    """EM from a first posterior; rows in ``anchored`` stay at their label ``y``."""
    n_rows, n_classes = posterior.shape
    previous, converged, n_iter = -np.inf, False, 0
    while not converged and n_iter < max_iter:
        n_iter += 1
        priors = _class_priors(posterior, fixed_priors, smoothing)
        counts = np.asarray(outcomes.T @ posterior).reshape(len(voted), -1, n_classes)
        probabilities, log_prior = m_step(counts.transpose(0, 2, 1), posterior.sum(axis=0),
                                          voted, smoothing)
        if fixed_priors is None:
            log_prior += smoothing * np.log(priors).sum()
        log_joint = _log_joint(outcomes, priors, probabilities)
        row_likelihood = logsumexp(log_joint, axis=1)
        posterior = np.exp(log_joint - row_likelihood[:, None])
        posterior[anchored] = np.eye(n_classes)[y[anchored]]
        row_likelihood[anchored] = log_joint[anchored, y[anchored]]
        log_likelihood = float((row_likelihood.sum() + log_prior) / max(n_rows, 1))
        converged = log_likelihood - previous < tol
        previous = log_likelihood
    return _Fit(priors, probabilities, log_likelihood, n_iter, converged)


def _class_priors(posterior, fixed_priors, smoothing):
    """The fixed prior, or the MAP class shares of the posterior (Dirichlet ``smoothing``)."""
    if fixed_priors is not None:
        return fixed_priors
    n_classes = posterior.shape[1]
    return (posterior.sum(axis=0) + smoothing) / (posterior.sum() + n_classes * smoothing)


def _two_coin_m_step(counts, mass, voted, smoothing):
    """Rates per voted class; ``counts[j, c, o]``: posterior mass of class c where j's outcome is o.

    Returns the outcome probabilities (function, class, K + 1) and the log
    Beta prior of the rates.
    """
    n_classes = len(mass)
    votes = counts[:, :, :n_classes]  # (function, true class, vote)
    hits = np.diagonal(votes, axis1=1, axis2=2)  # (function, vote): votes k on class k
    false = votes.sum(axis=1) - hits  # votes k on the other classes
    alpha = (hits + smoothing) / (mass + 2 * smoothing)
    beta = (false + smoothing) / (mass.sum() - mass + 2 * smoothing)
    log_prior = smoothing * float((voted * (np.log(alpha) + np.log1p(-alpha) + np.log(beta)
                                            + np.log1p(-beta))).sum())
    alpha, beta = np.where(voted, alpha, 0.0), np.where(voted, beta, 0.0)
    vote = np.where(np.eye(n_classes, dtype=bool), alpha[:, None, :], beta[:, None, :])
    abstain = np.clip(1 - vote.sum(axis=2, keepdims=True), _NEVER, 1)
    return np.maximum(np.concatenate([vote, abstain], axis=2), _NEVER), log_prior


def _one_coin_m_step(counts, mass, voted, smoothing):
    """One accuracy per function; a wrong vote spread evenly over the other classes."""
    n_classes = len(mass)
    right = np.trace(counts, axis1=1, axis2=2)
    accuracies = (right + smoothing) / (counts.sum(axis=(1, 2)) + 2 * smoothing)
    log_prior = smoothing * float((np.log(accuracies) + np.log1p(-accuracies)).sum())
    wrong = (1 - accuracies) / (n_classes - 1)
    probabilities = np.where(np.eye(n_classes, dtype=bool), accuracies[:, None, None],
                             wrong[:, None, None])
    return probabilities, log_prior


def _confusion_m_step(counts, mass, voted, smoothing):
    """MAP outcome probabilities (function, class, outcome) under Dirichlet pseudo-counts."""
    counts = counts + smoothing
    probabilities = counts / counts.sum(axis=2, keepdims=True)
    return probabilities, smoothing * float(np.log(probabilities).sum())


_M_STEPS = {"two_coin": _two_coin_m_step, "one_coin": _one_coin_m_step,
            "confusion": _confusion_m_step}


def _log_joint(outcomes, priors, probabilities):
    """``log P(class c, outcomes of row i)``, shape (n_rows, n_classes)."""
    log_outcome = np.log(probabilities).transpose(0, 2, 1).reshape(-1, len(priors))
    return np.log(priors) + outcomes @ log_outcome


def _voted_classes(L, n_classes):
    """``[j, k]``: function j votes class k on some row."""
    voted = np.zeros((L.shape[1], n_classes), dtype=bool)
    rows, functions = np.nonzero(L != ABSTAIN)
    voted[functions, L[rows, functions]] = True
    return voted


def _majority_start(L, n_classes):
    """Each row's share of votes per class; rows without votes get the mean share."""
    counts = vote_counts(L, n_classes=n_classes).astype(float)
    total = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
    voted = total[:, 0] > 0
    mean = shares[voted].mean(axis=0) if voted.any() else np.full(n_classes, 1 / n_classes)
    shares[~voted] = mean
    return shares
