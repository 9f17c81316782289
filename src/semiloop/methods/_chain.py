"""One self-training run: a labeled set, a pool of unlabeled rows, and its pseudo-labels.

The guarded self-training runs several chains in lockstep (one per
cross-validation fold of the labeled rows, plus the final one on all labeled
rows); each chain knows nothing of the others.
"""

import inspect

import numpy as np
from scipy.special import softmax
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from semiloop._compat import check_method_params
from semiloop.methods.calibration import apply_temperature
from semiloop.methods.class_prior import mean_prediction, resolve_class_prior
from semiloop.methods.selection import select_pseudo_labels
from semiloop.thresholds import make_threshold_policy

__all__ = ["SelfTrainingChain", "fit_estimator", "full_proba", "has_scores"]


def _accepts_sample_weight(estimator):
    if isinstance(estimator, Pipeline):
        return _accepts_sample_weight(estimator.steps[-1][1])
    try:
        return "sample_weight" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False


def fit_estimator(estimator, X, y, sample_weight=None, fit_params=None):
    """Fit ``estimator`` with ``fit_params``, adding sample weights where its ``fit`` takes them.

    For a :class:`~sklearn.pipeline.Pipeline` a plain ``sample_weight`` goes to
    its last step, as ``<step>__sample_weight``.
    """
    params = dict(fit_params or {})
    if sample_weight is not None and _accepts_sample_weight(estimator):
        params["sample_weight"] = sample_weight
    if isinstance(estimator, Pipeline) and "sample_weight" in params:
        params[f"{estimator.steps[-1][0]}__sample_weight"] = params.pop("sample_weight")
    with np.errstate(under="ignore"):  # harmless, even where the caller raises on it
        return estimator.fit(X, y, **params)


def has_scores(estimator):
    """Whether ``estimator`` gives class scores: ``predict_proba`` or ``decision_function``."""
    return hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function")


def full_proba(estimator, X, classes):
    """Class probabilities with one column per entry of ``classes``.

    A model without ``predict_proba`` gives the softmax of its decision values
    (the sigmoid of ``f`` for two classes), which temperature scaling then
    calibrates. A model fitted on a subset of the classes (a fold that lacks a
    rare class) gets zero columns for the classes it never saw.
    """
    with np.errstate(under="ignore"):  # far-away rows: probabilities underflow harmlessly
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(X)
        else:
            decision = np.asarray(estimator.decision_function(X), dtype=float)
            if decision.ndim == 1:
                decision = np.column_stack([np.zeros_like(decision), decision])
            proba = softmax(decision, axis=1)
    if len(estimator.classes_) == len(classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, estimator.classes_)] = proba
    return out


class SelfTrainingChain:
    """The state of one self-training run, advanced one round at a time.

    Parameters
    ----------
    estimator : estimator
        An unfitted classifier; cloned here.
    X : array-like
        All rows (labeled, unlabeled, and any held out); any type the
        estimator takes, indexed by rows as scikit-learn does.
    codes : ndarray of int
        Class index per row of ``X``, -1 for rows without a human label.
    labeled : ndarray of int
        Rows whose human labels this chain trains on.
    pool : ndarray of int
        Unlabeled rows this chain may pseudo-label.
    classes : ndarray
        Original class values, sorted; the estimator is fitted on these.
    options : dict
        ``threshold``, ``threshold_policy``, ``balanced``, ``revisit``,
        ``weight_by_confidence``, ``k_best`` (None: select by threshold),
        ``hold_back`` (hold back rows whose predicted class flipped since the
        previous round, and those the ensemble given to :meth:`step` disagrees on).
    fit_params : dict, default=None
        Parameters for the estimator's ``fit``; those with one value per row
        of ``X`` (``sample_weight``) are indexed like ``X``.
    """

    def __init__(self, estimator, X, codes, labeled, pool, classes, options, fit_params=None):
        self.template = estimator
        self.X = X
        self.codes = codes
        self.labeled = labeled
        self.pool = pool
        self.classes = classes
        self.options = options
        self.fit_params = fit_params or {}
        self.policy = make_threshold_policy(options["threshold_policy"], options["threshold"])
        self.pseudo_labels = np.full(len(pool), -1)
        self.confidence = np.zeros(len(pool))
        self.pseudo_round = np.full(len(pool), -1)
        prior = np.bincount(codes[labeled], minlength=len(classes)).astype(float)
        self.labeled_prior = prior / prior.sum()
        self.class_prior = None
        self._prior_from_first_model = False
        if options["balanced"]:
            wanted = options.get("class_prior", "labeled")
            if isinstance(wanted, str):
                self.class_prior = self.labeled_prior
                self._prior_from_first_model = wanted == "predicted" and len(pool) > 0
            else:
                self.class_prior = resolve_class_prior(wanted, None, codes, len(classes))
        self.model = None
        self.predicted = np.full(len(pool), -1)   # predicted class at the last step
        self.held_reason = np.full(len(pool), "", dtype=object)
        self._proba = None   # (model, temperature, pool probabilities)

    def snapshot(self):
        """The pseudo-label state, to restore after a rolled-back round."""
        return (self.pseudo_labels.copy(), self.confidence.copy(), self.pseudo_round.copy(),
                self.model, self.predicted.copy())

    def restore(self, state):
        self.pseudo_labels, self.confidence, self.pseudo_round, self.model, self.predicted = (
            state[0].copy(), state[1].copy(), state[2].copy(), state[3], state[4].copy())

    def fit(self):
        """Fit a fresh clone on the human labels plus the current pseudo-labels."""
        taken = np.flatnonzero(self.pseudo_labels >= 0)
        rows = np.concatenate([self.labeled, self.pool[taken]])
        label_codes = np.concatenate([self.codes[self.labeled], self.pseudo_labels[taken]])
        weights = None
        if self.options["weight_by_confidence"] and len(taken):
            weights = np.concatenate([np.ones(len(self.labeled)), self.confidence[taken]])
        order = np.argsort(rows, kind="stable")  # rows in their order in X, as scikit-learn
        rows, label_codes = rows[order], label_codes[order]
        weights = None if weights is None else weights[order]
        params = check_method_params(self.X, self.fit_params, rows)
        if weights is not None:
            if params.get("sample_weight") is not None:
                weights = weights * np.asarray(params.pop("sample_weight"), dtype=float)
        self.model = fit_estimator(clone(self.template), _safe_indexing(self.X, rows),
                                   self.classes[label_codes], weights, params)
        return self.model

    def predict_proba(self, rows, temperature=1.0):
        return apply_temperature(full_proba(self.model, _safe_indexing(self.X, rows),
                                            self.classes), temperature)

    def pool_proba(self, temperature=1.0):
        """Probabilities of the pool rows under the current model (computed once per model)."""
        model, cached_temperature, proba = self._proba or (None, None, None)
        if model is not self.model or cached_temperature != temperature:
            proba = self.predict_proba(self.pool, temperature)
            self._proba = (self.model, temperature, proba)
        return proba

    def step(self, round_index, temperature=1.0, ensemble_votes=None):
        """Revisit the pseudo-labels and select new ones; returns the round's values.

        ``ensemble_votes`` (shape ``(n_models, n_pool)``, -1 for no vote) are
        other models' predicted classes of the pool rows; with ``hold_back``
        a row that at least half of them predict differently is held back.
        """
        n_classes = len(self.classes)
        eligible = self.pseudo_labels < 0
        hold_back = self.options.get("hold_back", False)
        scored = eligible.any() or self.options["revisit"] or hold_back
        proba = (self.pool_proba(temperature) if scored
                 else np.zeros((len(self.pool), n_classes)))
        if self._prior_from_first_model and scored:
            self.class_prior = mean_prediction(proba, self.labeled_prior > 0)
            self._prior_from_first_model = False
        k_best = self.options.get("k_best")
        if k_best is None:
            thresholds = np.asarray(self.policy.update(proba), dtype=float)
        else:  # scikit-learn's k_best: the most confident rows, whatever their confidence
            thresholds = np.full(n_classes, -np.inf)
        predicted = proba.argmax(axis=1)
        confidence = proba.max(axis=1)
        flipped = (self.predicted >= 0) & (predicted != self.predicted)
        known = self.predicted >= 0
        flip_rate = float(flipped[known].mean()) if known.any() and scored else None
        if scored:
            self.predicted = predicted
        disagreement = None
        if ensemble_votes is not None and len(ensemble_votes):
            votes = np.asarray(ensemble_votes)
            counted = (votes >= 0).sum(axis=0)
            against = ((votes >= 0) & (votes != predicted)).sum(axis=0)
            share = np.divide(against, counted, out=np.zeros(len(predicted)),
                              where=counted > 0)
            disagreement = float(share.mean())
        dropped = np.zeros(n_classes, dtype=int)
        if self.options["revisit"]:
            held = self.pseudo_labels >= 0
            lost = held & ((predicted != self.pseudo_labels)
                           | (confidence <= thresholds[np.maximum(self.pseudo_labels, 0)]))
            dropped = np.bincount(self.pseudo_labels[lost], minlength=n_classes)
            self.pseudo_labels[lost] = -1
            self.pseudo_round[lost] = -1
            kept = held & ~lost
            self.confidence[kept] = confidence[kept]
            eligible = self.pseudo_labels < 0
        held_back = np.zeros(n_classes, dtype=int)
        if hold_back:
            unstable = flipped.copy()
            reasons = np.where(flipped, "prediction flipped", "")
            if disagreement is not None:
                split = share >= 0.5
                unstable |= split
                reasons = np.where(split & flipped, "prediction flipped; fold models disagree",
                                   np.where(split, "fold models disagree", reasons))
            would_pass = eligible & (confidence > thresholds[predicted])
            stopped = would_pass & unstable
            self.held_reason[stopped] = reasons[stopped]
            held_back = np.bincount(predicted[stopped], minlength=n_classes)
            eligible = eligible & ~unstable
        rows, labels, chosen_confidence = select_pseudo_labels(
            proba, thresholds, class_prior=self.class_prior, eligible=eligible, k_best=k_best)
        self.pseudo_labels[rows] = labels
        self.confidence[rows] = chosen_confidence
        self.pseudo_round[rows] = round_index
        added = np.bincount(labels, minlength=n_classes)
        mean_confidence = np.array([
            chosen_confidence[labels == c].mean() if added[c] else np.nan
            for c in range(n_classes)
        ])
        return {
            "added": added,
            "dropped": dropped,
            "mean_confidence": mean_confidence,
            "thresholds": np.where(np.isfinite(thresholds), thresholds, 0.0),
            "n_pseudo_labels": int((self.pseudo_labels >= 0).sum()),
            "held_back": held_back,
            "flip_rate": None if flip_rate is None else round(flip_rate, 4),
            "disagreement": None if disagreement is None else round(disagreement, 4),
        }

    def votes(self):
        """Predicted class of each pool row at the last step (-1 before any)."""
        return self.predicted
