"""One self-training run: a labeled set, a pool of unlabeled rows, and its pseudo-labels.

The guarded self-training runs several chains in lockstep (one per
cross-validation fold of the labeled rows, plus the final one on all labeled
rows); each chain knows nothing of the others.
"""

import inspect

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from semiloop.methods.calibration import apply_temperature
from semiloop.methods.selection import select_pseudo_labels
from semiloop.methods.thresholds import make_threshold_policy

__all__ = ["SelfTrainingChain", "fit_estimator", "full_proba"]


def _accepts_sample_weight(estimator):
    if isinstance(estimator, Pipeline):
        return _accepts_sample_weight(estimator.steps[-1][1])
    try:
        return "sample_weight" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False


def fit_estimator(estimator, X, y, sample_weight=None):
    """Fit ``estimator``, passing sample weights only where its ``fit`` takes them."""
    if sample_weight is None or not _accepts_sample_weight(estimator):
        return estimator.fit(X, y)
    if isinstance(estimator, Pipeline):
        return estimator.fit(X, y, **{f"{estimator.steps[-1][0]}__sample_weight": sample_weight})
    return estimator.fit(X, y, sample_weight=sample_weight)


def full_proba(estimator, X, classes):
    """``predict_proba`` with one column per entry of ``classes``.

    A model fitted on a subset of the classes (a fold that lacks a rare class)
    gets zero columns for the classes it never saw.
    """
    proba = estimator.predict_proba(X)
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
        All rows (labeled, unlabeled, and any held out).
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
        ``weight_by_confidence``.
    """

    def __init__(self, estimator, X, codes, labeled, pool, classes, options):
        self.template = estimator
        self.X = X
        self.codes = codes
        self.labeled = labeled
        self.pool = pool
        self.classes = classes
        self.options = options
        self.policy = make_threshold_policy(options["threshold_policy"], options["threshold"])
        self.pseudo_labels = np.full(len(pool), -1)
        self.confidence = np.zeros(len(pool))
        self.pseudo_round = np.full(len(pool), -1)
        prior = np.bincount(codes[labeled], minlength=len(classes)).astype(float)
        self.class_prior = prior / prior.sum() if options["balanced"] else None
        self.model = None

    def snapshot(self):
        """The pseudo-label state, to restore after a rolled-back round."""
        return (self.pseudo_labels.copy(), self.confidence.copy(), self.pseudo_round.copy(),
                self.model)

    def restore(self, state):
        self.pseudo_labels, self.confidence, self.pseudo_round, self.model = (
            state[0].copy(), state[1].copy(), state[2].copy(), state[3])

    def fit(self):
        """Fit a fresh clone on the human labels plus the current pseudo-labels."""
        taken = np.flatnonzero(self.pseudo_labels >= 0)
        rows = np.concatenate([self.labeled, self.pool[taken]])
        label_codes = np.concatenate([self.codes[self.labeled], self.pseudo_labels[taken]])
        weights = None
        if self.options["weight_by_confidence"] and len(taken):
            weights = np.concatenate([np.ones(len(self.labeled)), self.confidence[taken]])
        self.model = fit_estimator(
            clone(self.template), self.X[rows], self.classes[label_codes], weights
        )
        return self.model

    def predict_proba(self, rows, temperature=1.0):
        return apply_temperature(full_proba(self.model, self.X[rows], self.classes),
                                 temperature)

    def step(self, round_index, temperature=1.0):
        """Revisit the pseudo-labels and select new ones; returns the round's record."""
        n_classes = len(self.classes)
        proba = self.predict_proba(self.pool, temperature)
        thresholds = self.policy.update(proba)
        predicted = proba.argmax(axis=1)
        confidence = proba.max(axis=1)
        dropped = np.zeros(n_classes, dtype=int)
        if self.options["revisit"]:
            held = self.pseudo_labels >= 0
            lost = held & ((predicted != self.pseudo_labels)
                           | (confidence < thresholds[np.maximum(self.pseudo_labels, 0)]))
            dropped = np.bincount(self.pseudo_labels[lost], minlength=n_classes)
            self.pseudo_labels[lost] = -1
            self.pseudo_round[lost] = -1
            kept = held & ~lost
            self.confidence[kept] = confidence[kept]
        rows, labels, chosen_confidence = select_pseudo_labels(
            proba, thresholds, class_prior=self.class_prior, eligible=self.pseudo_labels < 0
        )
        if self.options.get("k_best") is not None and len(rows) > self.options["k_best"]:
            keep = np.argsort(-chosen_confidence, kind="stable")[: self.options["k_best"]]
            rows, labels, chosen_confidence = rows[keep], labels[keep], chosen_confidence[keep]
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
            "thresholds": np.asarray(thresholds, dtype=float),
            "n_pseudo_labels": int((self.pseudo_labels >= 0).sum()),
        }

