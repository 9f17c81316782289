"""Typed history records: what an iterative method did, one record per step.

Every estimator family keeps one shape: self-training a :class:`RoundRecord`
per round, the guarded and automatic choice a :class:`CandidateRecord` per
candidate, the S3VM an :class:`AnnealingRecord` per annealing step, the deep
trainer a :class:`TrainingRecord` per logging interval.
Callbacks (:mod:`semiloop.callbacks`) receive the same records as they are
made; ``to_dict()`` gives the plain form written to ``metrics.json``.

Examples
--------
>>> record = CandidateRecord("graph", validation_accuracy=0.9, validation_log_loss=0.3,
...                          p_value=0.01, criterion="accuracy", kept=True)
>>> record.to_dict()["candidate"], record.kept
('graph', True)
"""

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["AnnealingRecord", "CandidateRecord", "RoundRecord", "TrainingRecord", "per_class"]


def per_class(values, classes):
    """``{class: value}`` with plain Python keys and values (NaN becomes None).

    >>> per_class(np.array([3, 0]), np.array(["cat", "dog"]))
    {'cat': 3, 'dog': 0}
    """
    return {_plain(c): _plain(v) for c, v in zip(classes, values, strict=True)}


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


class _Record:
    def to_dict(self):
        """The record as plain Python values (for JSON)."""
        return asdict(self)


@dataclass
class RoundRecord(_Record):
    """One self-training round; round 0 is the supervised model.

    Attributes
    ----------
    round : int
    added, dropped : dict
        Pseudo-labels added and dropped this round, per class.
    mean_confidence, thresholds : dict
        Mean confidence of the added pseudo-labels and the threshold, per class.
    n_pseudo_labels : int
        Pseudo-labels held after the round.
    validation_accuracy, validation_log_loss : float or None
        Held-out score of the round on the labeled rows (None without a guard
        or calibration).
    p_value : float or None
        The guard's p-value against the best round so far.
    temperature : float
        Temperature of the probabilities this round.
    calibration_error_raw, calibration_error : float or None
        Expected calibration error (15 bins) of the held-out probabilities
        before and after the temperature (None without held-out rows).
    pseudo_label_audit : dict or None
        Precision, recall and coverage of the pseudo-labels given to labeled
        rows hidden as if unlabeled (overall and per class; see
        :func:`semiloop.trust.training.pseudo_label_audit`); None without
        hidden rows.
    flip_rate : float or None
        Share of the unlabeled rows whose predicted class changed since the
        previous round (None in round 0 and 1).
    disagreement : float or None
        Mean share of the cross-validation fold models whose prediction of an
        unlabeled row differs from the final model's (None without folds).
    held_back : dict
        Per class, rows that passed the threshold but were held back for
        review, their prediction having flipped or the fold models disagreeing.
    alarms : list of dict
        Collapse alarms that tripped this round (name, value, threshold,
        message; see :func:`semiloop.trust.training.collapse_alarms`).
    accepted : bool
    note : str
    """

    round: int
    added: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    mean_confidence: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    n_pseudo_labels: int = 0
    validation_accuracy: float | None = None
    validation_log_loss: float | None = None
    p_value: float | None = None
    temperature: float = 1.0
    calibration_error_raw: float | None = None
    calibration_error: float | None = None
    pseudo_label_audit: dict | None = None
    flip_rate: float | None = None
    disagreement: float | None = None
    held_back: dict = field(default_factory=dict)
    alarms: list = field(default_factory=list)
    accepted: bool = True
    note: str = ""


@dataclass
class CandidateRecord(_Record):
    """One candidate model scored on held-out labeled rows.

    Attributes
    ----------
    candidate : str
        Its name (``"supervised"``, ``"self-training"``, ``"graph"``, ...).
    validation_accuracy, validation_log_loss : float or None
        None for a candidate that was left out (``note`` says why).
    p_value : float or None
        Adjusted p-value of its gain over the supervised model (None for the
        supervised model itself).
    criterion : str or None
        What the gain was measured in (``"accuracy"`` or ``"Brier score"``).
    kept : bool
    seconds : float
        Wall time of its held-out fits.
    note : str
    """

    candidate: str
    validation_accuracy: float | None
    validation_log_loss: float | None
    p_value: float | None = None
    criterion: str | None = None
    kept: bool = False
    seconds: float = 0.0
    note: str = ""


@dataclass
class AnnealingRecord(_Record):
    """One annealing step of the S3VM.

    Attributes
    ----------
    unlabeled_weight : float
        Weight of the unlabeled term in this step.
    objective : float
        Objective at the step's solution, summed over the binary problems.
    iterations : int
        L-BFGS iterations of the step, summed over the binary problems.
    positive_ratio, target_ratio : list of float
        Per binary problem, the share of unlabeled rows predicted positive and
        the labeled share it is held to.
    """

    unlabeled_weight: float
    objective: float
    iterations: int
    positive_ratio: list
    target_ratio: list


@dataclass
class TrainingRecord(_Record):
    """A stretch of deep training steps, averaged over the steps since the last record.

    Attributes
    ----------
    step : int
        Steps done when the record was made.
    learning_rate : float
    loss, supervised_loss, unlabeled_loss : float
        Mean total loss, labeled cross-entropy and unweighted unlabeled loss.
    unlabeled_weight : float
        Weight of the unlabeled loss at ``step`` (after ramp-up).
    mask_rate : float or None
        Mean share (or mean weight) of unlabeled rows that counted in the
        unlabeled loss; None for algorithms without a mask.
    pseudo_label_accuracy : float or None
        Accuracy of the pseudo-labels on unlabeled rows whose true label was
        given for monitoring (never used in training); None without them.
    thresholds : list of float or None
        Per-class thresholds at ``step`` (FlexMatch, FreeMatch).
    validation_accuracy : float or None
        Accuracy of the evaluation weights on the validation rows, at the
        steps where the trainer evaluated.
    calibration_error_raw : float or None
        At evaluation steps with validation rows: expected calibration error
        (15 bins) of the evaluation weights' probabilities on the validation
        rows (:func:`semiloop.methods.calibration.expected_calibration_error`).
    calibration_error : float or None
        The same error after dividing the logits by ``temperature``; None
        without validation rows, without calibration (``calibrate=False``),
        or when every validation row is right (no temperature is then
        identified: the likelihood rises as it falls toward 0).
        The temperature is fitted and scored on the same validation rows, as
        self-training does on its out-of-fold rows, so this is an in-sample
        figure: the error the temperature leaves on the rows it was fitted to.
    temperature : float or None
        At evaluation steps with validation rows and calibration (and a
        mistake among them): the temperature fitted by maximum likelihood on the validation rows
        (:func:`semiloop.methods.calibration.fit_temperature`; Guo et al.,
        ICML 2017), ``> 1`` for an over-confident network.
    pseudo_label_audit : dict or None
        At evaluation steps: precision, recall and coverage (overall and per
        class) of the pseudo-labels the algorithm would give now to labeled
        rows hidden from training among the unlabeled ones
        (:func:`semiloop.trust.training.pseudo_label_audit`); None without
        hidden rows (``audit_size=0``) and between evaluations.
    flip_rate : float or None
        At evaluation steps: share of the watched unlabeled rows whose
        predicted class changed since the previous evaluation (None at the
        first).
    mc_dropout_std : float or None
        At evaluation steps: mean over the watched unlabeled rows of the
        standard deviation of the predicted class's probability over
        MC-dropout passes; None for a network without dropout.
    held_back : int or None
        At evaluation steps: unlabeled rows held back from the unlabeled loss
        until the next evaluation as unstable (flipped, or uncertain under MC
        dropout); None when rows are not held back.
    alarms : list of dict
        Collapse alarms that tripped at this evaluation
        (:func:`semiloop.trust.training.collapse_alarms`; the deep trainer's
        reference is its first evaluation); a non-empty list flags the record.
    seconds_per_step : float
        Mean wall seconds of one step over the stretch.
    """

    step: int
    learning_rate: float
    loss: float
    supervised_loss: float
    unlabeled_loss: float
    unlabeled_weight: float
    mask_rate: float | None = None
    pseudo_label_accuracy: float | None = None
    thresholds: list | None = None
    validation_accuracy: float | None = None
    calibration_error_raw: float | None = None
    calibration_error: float | None = None
    temperature: float | None = None
    pseudo_label_audit: dict | None = None
    flip_rate: float | None = None
    mc_dropout_std: float | None = None
    held_back: int | None = None
    alarms: list = field(default_factory=list)
    seconds_per_step: float = 0.0
