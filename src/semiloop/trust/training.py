"""Trust during training: pseudo-label precision, confirmation bias, collapse.

Every semi-supervised method that pseudo-labels (self-training, the deep
algorithms) can fool itself: it trains on its own mistakes and grows sure of
them (confirmation bias, Arazo et al. 2020), or collapses onto one class.
These functions measure it while training runs, from plain arrays:

- :func:`pseudo_label_audit`: labeled rows hidden as if unlabeled; how often
  their pseudo-labels are right, per class (precision, recall, coverage);
- :func:`flip_rate`: the share of rows whose predicted class changed since
  the previous round or evaluation (unstable pseudo-labels);
- :func:`ensemble_disagreement`: how much several models (cross-validation
  fold models, bootstrap or snapshot models, MC-dropout passes) disagree on
  each row: the vote share against the consensus, the standard deviation of
  the consensus class's probability (the uncertainty of UPS, Rizve et al.
  2021, Sec. 3.2) and the mutual information between prediction and model
  (BALD, Houlsby et al. 2011; Gal et al. 2017);
- :func:`collapse_alarms`: mean confidence falling, entropy collapsing onto
  one class, pseudo-label class balance drifting from the labeled prior.

Examples
--------
>>> import numpy as np
>>> audit = pseudo_label_audit([0, 0, 1, 1], [0, 1, 1, -1], n_classes=2)
>>> audit.precision, audit.coverage
(0.6667, 0.75)
>>> flip_rate([0, 1, 1, 0], [0, 1, 0, 0])
0.25
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from semiloop.records import per_class
from semiloop.trust.alarms import BALANCE_LEVEL, Alarm, with_defaults
from semiloop.trust.predictions import prediction_drift, shares_p_value

__all__ = [
    "TRAINING_ALARM_DEFAULTS",
    "Disagreement",
    "PseudoLabelAudit",
    "alarm_summary",
    "collapse_alarms",
    "ensemble_disagreement",
    "flip_rate",
    "pseudo_label_audit",
]

#: Default thresholds of :func:`collapse_alarms`.
TRAINING_ALARM_DEFAULTS = {"confidence_drop": 0.10, "entropy_collapse": 0.5,
                           "class_balance": 0.20}

#: Pseudo-labels needed before their class balance is compared with the prior.
MIN_PSEUDO_LABELS = 20



def _round(value):
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


@dataclass(frozen=True)
class PseudoLabelAudit:
    """How well pseudo-labels match the hidden true labels of some rows.

    Attributes
    ----------
    n_hidden : int
        Rows whose labels were hidden.
    precision : float or None
        Share of the pseudo-labeled hidden rows whose pseudo-label is right
        (None when none got one).
    coverage : float
        Share of the hidden rows that got a pseudo-label.
    class_precision, class_recall, class_coverage : ndarray of shape (n_classes,)
        Per class ``c``: right pseudo-labels ``c`` over pseudo-labels ``c``;
        right pseudo-labels ``c`` over hidden rows of true class ``c``;
        pseudo-labeled rows of true class ``c`` over hidden rows of class
        ``c``. NaN where the denominator is 0.
    """

    n_hidden: int
    precision: float | None
    coverage: float
    class_precision: np.ndarray
    class_recall: np.ndarray
    class_coverage: np.ndarray

    def to_dict(self, classes=None):
        """Plain values; per-class entries keyed by ``classes`` (default: class indices)."""
        classes = np.arange(len(self.class_precision)) if classes is None else classes
        names = per_class(np.zeros(len(classes)), classes)
        return {
            "n_hidden": self.n_hidden,
            "precision": self.precision,
            "coverage": self.coverage,
            "per_class": {
                name: {"precision": _round(p), "recall": _round(r), "coverage": _round(c)}
                for name, p, r, c in zip(names, self.class_precision, self.class_recall,
                                         self.class_coverage, strict=True)
            },
        }


def pseudo_label_audit(true_codes, pseudo_codes, n_classes):
    """Precision, recall and coverage of pseudo-labels on rows whose labels were hidden.

    Parameters
    ----------
    true_codes : array-like of int, shape (n_hidden,)
        True class index of each hidden row.
    pseudo_codes : array-like of int, shape (n_hidden,)
        Pseudo-label class index of each, -1 where it got none.
    n_classes : int

    Returns
    -------
    PseudoLabelAudit

    Raises
    ------
    ValueError
        When the two arrays differ in length or a true code is negative.

    Examples
    --------
    >>> audit = pseudo_label_audit([0, 0, 1, 1, 2], [0, 1, 1, -1, -1], n_classes=3)
    >>> audit.class_precision.tolist(), audit.class_recall.tolist()
    ([1.0, 0.5, nan], [0.5, 0.5, 0.0])
    >>> audit.class_coverage.tolist()
    [1.0, 0.5, 0.0]
    """
    truth = np.asarray(true_codes, dtype=int)
    pseudo = np.asarray(pseudo_codes, dtype=int)
    if truth.shape != pseudo.shape:
        raise ValueError(f"true_codes has {truth.size} rows but pseudo_codes has {pseudo.size}")
    if (truth < 0).any():
        raise ValueError("true_codes must be class indices (>= 0) of rows with a known label")
    assigned = pseudo >= 0
    right = assigned & (pseudo == truth)
    per_truth = np.bincount(truth, minlength=n_classes).astype(float)
    per_pseudo = np.bincount(pseudo[assigned], minlength=n_classes).astype(float)
    right_per_class = np.bincount(truth[right], minlength=n_classes).astype(float)
    covered = np.bincount(truth[assigned], minlength=n_classes).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        class_precision = right_per_class / per_pseudo
        class_recall = right_per_class / per_truth
        class_coverage = covered / per_truth
    n_assigned = int(assigned.sum())
    return PseudoLabelAudit(
        n_hidden=int(truth.size),
        precision=_round(right.sum() / n_assigned) if n_assigned else None,
        coverage=_round(n_assigned / truth.size) if truth.size else 0.0,
        class_precision=class_precision, class_recall=class_recall,
        class_coverage=class_coverage)


def flip_rate(previous, current):
    """Share of rows whose class changed between two rounds (or evaluations).

    Parameters
    ----------
    previous, current : array-like of int, shape (n_rows,)
        Predicted class (or pseudo-label) of each row at the two times; rows
        that are negative (no label) in either are left out.

    Returns
    -------
    float or None
        None when no row has a class at both times.

    Examples
    --------
    >>> flip_rate([0, 1, -1, 2], [1, 1, 0, 2])
    0.3333
    """
    previous = np.asarray(previous)
    current = np.asarray(current)
    both = (previous >= 0) & (current >= 0)
    if not both.any():
        return None
    return _round(np.mean(previous[both] != current[both]))


@dataclass(frozen=True)
class Disagreement:
    """Per-row disagreement of several models (or stochastic passes of one).

    Attributes
    ----------
    consensus : ndarray of int, shape (n_rows,)
        Argmax of the mean probabilities.
    vote_disagreement : ndarray of shape (n_rows,)
        Share of the models whose own argmax differs from the consensus.
    std : ndarray of shape (n_rows,)
        Standard deviation over models of the consensus class's probability
        (UPS's uncertainty).
    mutual_information : ndarray of shape (n_rows,)
        Entropy of the mean prediction minus the mean entropy of each model's
        (BALD), in nats.
    """

    consensus: np.ndarray
    vote_disagreement: np.ndarray
    std: np.ndarray
    mutual_information: np.ndarray


def ensemble_disagreement(proba):
    """How much several models disagree on each row.

    Parameters
    ----------
    proba : array-like of shape (n_models, n_rows, n_classes)
        Class probabilities of each model (fold, bootstrap or snapshot
        models, or MC-dropout passes of one network).

    Returns
    -------
    Disagreement

    Raises
    ------
    ValueError
        When ``proba`` is not 3-D or holds fewer than two models.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[[0.9, 0.1], [0.6, 0.4]],
    ...                   [[0.8, 0.2], [0.3, 0.7]],
    ...                   [[0.7, 0.3], [0.7, 0.3]]])
    >>> result = ensemble_disagreement(proba)
    >>> result.consensus.tolist(), np.round(result.vote_disagreement, 3).tolist()
    ([0, 0], [0.0, 0.333])
    >>> np.round(result.std, 3).tolist()
    [0.082, 0.17]
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 3 or proba.shape[0] < 2:
        raise ValueError("proba must have shape (n_models >= 2, n_rows, n_classes), got "
                         f"{proba.shape}")
    mean = proba.mean(axis=0)
    consensus = mean.argmax(axis=1)
    votes = proba.argmax(axis=2)
    rows = np.arange(proba.shape[1])
    return Disagreement(
        consensus=consensus,
        vote_disagreement=np.mean(votes != consensus, axis=0),
        std=proba[:, rows, consensus].std(axis=0),
        mutual_information=np.maximum(
            stats.entropy(mean, axis=-1) - stats.entropy(proba, axis=-1).mean(axis=0), 0.0))


def collapse_alarms(reference_proba, current_proba, prior, *, pseudo_codes=None, **thresholds):
    """Alarms on a model that trains on its own predictions.

    ``reference_proba`` is what the supervised model (trained on the labels
    alone) predicts for the unlabeled rows; ``current_proba`` what the model
    of the current round or evaluation predicts for the same rows.

    - ``confidence_drop``: the mean confidence fell by at least 0.10;
    - ``entropy_collapse``: the mean entropy fell to half the reference's or
      less *and* at least 90% of the rows go to one class where the labeled
      prior's largest class holds less: everything confidently one class
      (entropy falling alone is what self-training is meant to do);
    - ``class_balance``: the class shares of the pseudo-labels held (or of
      the predictions, without ``pseudo_codes``) moved by a total variation
      distance of at least 0.20 from the labeled prior, and a chi-square
      goodness-of-fit test against the prior rejects at
      :data:`~semiloop.trust.alarms.BALANCE_LEVEL` (25 pseudo-labels over 10 classes drift by 0.2
      by chance alone); judged once at least :data:`MIN_PSEUDO_LABELS`
      pseudo-labels are held.

    Parameters
    ----------
    reference_proba, current_proba : array-like of shape (n_rows, n_classes)
    prior : array-like of shape (n_classes,)
        Class shares among the labeled rows.
    pseudo_codes : array-like of int, shape (n_rows,), default=None
        Pseudo-label class index of each row, -1 where it has none.
    **thresholds : float
        Overrides of :data:`TRAINING_ALARM_DEFAULTS` by name.

    Returns
    -------
    alarms : list of Alarm
        One per alarm, in the order of :data:`TRAINING_ALARM_DEFAULTS`.

    Raises
    ------
    ValueError
        For a threshold name that is not one of these alarms.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.tile([[0.8, 0.2], [0.3, 0.7]], (50, 1))
    >>> current = np.tile([[0.99, 0.01]], (100, 1))
    >>> [a.name for a in collapse_alarms(reference, current, [0.5, 0.5]) if a.tripped]
    ['entropy_collapse', 'class_balance']
    """
    limit = with_defaults(thresholds, TRAINING_ALARM_DEFAULTS)
    prior = np.asarray(prior, dtype=float)
    drift = prediction_drift(reference_proba, current_proba, prior=prior)
    alarms = []

    drop = -drift.confidence_change
    alarms.append(Alarm(
        "confidence_drop", bool(drop >= limit["confidence_drop"]), _round(drop),
        limit["confidence_drop"],
        f"mean confidence on the unlabeled rows {drift.reference_confidence:.3f} (reference) "
        f"-> {drift.current_confidence:.3f}"))

    kept = (drift.current_entropy / drift.reference_entropy if drift.reference_entropy > 0
            else 1.0)
    largest = float(drift.current_shares.max())
    collapsed = kept <= limit["entropy_collapse"] and largest >= 0.9 > float(prior.max())
    alarms.append(Alarm(
        "entropy_collapse", bool(collapsed), _round(1 - kept), limit["entropy_collapse"],
        f"mean entropy {drift.reference_entropy:.3f} -> {drift.current_entropy:.3f} (of log k) "
        f"with {largest:.0%} of the unlabeled rows predicted as class "
        f"{int(drift.current_shares.argmax())}"))

    if pseudo_codes is None:
        counts = np.bincount(np.asarray(current_proba).argmax(axis=1), minlength=len(prior))
        what = "predicted classes"
    else:
        held = np.asarray(pseudo_codes)
        held = held[held >= 0]
        counts = np.bincount(held, minlength=len(prior))
        what = f"{len(held)} pseudo-labels"
    n = int(counts.sum())
    shift = float(0.5 * np.abs(counts / max(n, 1) - prior).sum())
    p_value = shares_p_value(counts, prior)
    alarms.append(Alarm(
        "class_balance",
        bool(n >= MIN_PSEUDO_LABELS and shift >= limit["class_balance"]
             and p_value < BALANCE_LEVEL),
        _round(shift), limit["class_balance"],
        f"class shares of the {what} moved by {shift:.3f} (total variation) from the labeled "
        f"prior (chi-square p = {p_value:.2g})"))
    return alarms


def alarm_summary(records, *, at="round", kept=None):
    """One sentence naming every collapse alarm in a training history, or None.

    Parameters
    ----------
    records : list
        History records with an ``alarms`` list of alarm dicts (self-training's
        rounds, the deep trainer's evaluations) and the attribute ``at``.
    at : str, default="round"
        The record attribute that says when (``"round"`` or ``"step"``).
    kept : int, default=None
        The round or step whose model was kept; alarms after it are said to
        have been rolled back.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> records = [SimpleNamespace(step=100, alarms=[]),
    ...            SimpleNamespace(step=200, alarms=[{"name": "confidence_drop",
    ...                                               "message": "0.9 -> 0.7"}])]
    >>> alarm_summary(records, at="step", kept=100)
    'collapse alarm: step 200 (rolled back): confidence_drop: 0.9 -> 0.7'
    """
    found = []
    for record in records:
        when = getattr(record, at)
        status = "" if kept is None else (
            " (in the final model)" if when <= kept else " (rolled back)")
        found += [f"{at} {when}{status}: {alarm['name']}: {alarm['message']}"
                  for alarm in getattr(record, "alarms", None) or []]
    if not found:
        return None
    return ("collapse alarm: " if len(found) == 1 else "collapse alarms: ") + "; ".join(found)
