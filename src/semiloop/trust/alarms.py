"""Alarms on a model's predictions: confidence collapse, entropy drop, one-class collapse, shift.

Each alarm compares the predictions of a current sample with those of a
reference sample (:class:`~semiloop.trust.predictions.PredictionDrift`) and
trips past a threshold that the caller can change; the defaults are meant to
stay quiet on a few hundred rows drawn from the reference's population and to
trip on the failures production teams watch for:

- ``confidence_drop``: the mean confidence fell by at least 0.10;
- ``entropy_drop``: the mean predictive entropy fell to half the reference's
  or less (predictions growing certain on data that should not make them so);
- ``one_class``: at least 90% of the current rows go to one class, where the
  reference's largest class held less;
- ``class_balance``: the predicted class shares moved by a total variation
  distance of at least 0.20 from the labeled prior (or from the reference's
  predicted shares when no prior is given), more than sampling explains (a
  chi-square goodness-of-fit test rejects at :data:`BALANCE_LEVEL`);
- ``prediction_drift``: the Jensen-Shannon distance between the predicted
  class shares of the two samples is at least 0.10.

Examples
--------
>>> import numpy as np
>>> from semiloop.trust.predictions import prediction_drift
>>> reference = np.tile([[0.9, 0.1], [0.2, 0.8]], (50, 1))
>>> current = np.tile([[0.99, 0.01]], (100, 1))               # everything, surely, class 0
>>> [a.name for a in prediction_alarms(prediction_drift(reference, current)) if a.tripped]
['entropy_drop', 'one_class', 'class_balance', 'prediction_drift']
"""

from dataclasses import dataclass

import numpy as np

from semiloop.trust.predictions import shares_p_value

__all__ = ["ALARM_DEFAULTS", "Alarm", "prediction_alarms"]

#: Level of the chi-square test a class-balance shift must also pass, so that a small
#: window over many classes does not trip it by sampling noise alone.
BALANCE_LEVEL = 0.001

#: Default thresholds of :func:`prediction_alarms`.
ALARM_DEFAULTS = {"confidence_drop": 0.10, "entropy_drop": 0.5, "one_class": 0.9,
                  "class_balance": 0.20, "prediction_drift": 0.10}


@dataclass(frozen=True)
class Alarm:
    """One alarm: whether it tripped, on what value, against what threshold.

    Attributes
    ----------
    name : str
        A key of :data:`ALARM_DEFAULTS`.
    tripped : bool
    value : float
        The statistic compared (a drop, a share or a distance; see the module).
    threshold : float
    message : str
        One sentence a person can act on (also when the alarm did not trip).
    """

    name: str
    tripped: bool
    value: float
    threshold: float
    message: str

    def to_dict(self):
        return {"name": self.name, "tripped": self.tripped, "value": self.value,
                "threshold": self.threshold, "message": self.message}


def with_defaults(thresholds, defaults):
    """``defaults`` with the given ``thresholds`` in place; a name not in ``defaults`` raises.

    >>> with_defaults({"one_class": 0.8}, {"one_class": 0.9, "entropy_drop": 0.5})
    {'one_class': 0.8, 'entropy_drop': 0.5}
    """
    unknown = set(thresholds) - set(defaults)
    if unknown:
        raise ValueError(f"unknown alarm thresholds {sorted(unknown)}; the alarms are "
                         f"{', '.join(defaults)}")
    return {**defaults, **thresholds}


def prediction_alarms(drift, **thresholds):
    """The alarms of :data:`ALARM_DEFAULTS` on one comparison of predictions.

    Parameters
    ----------
    drift : PredictionDrift
        From :func:`semiloop.trust.prediction_drift` (reference vs current).
    **thresholds : float
        Overrides of :data:`ALARM_DEFAULTS` by name.

    Returns
    -------
    alarms : list of Alarm
        One per alarm, in the order of :data:`ALARM_DEFAULTS`.

    Raises
    ------
    ValueError
        For a threshold name that is not an alarm.
    """
    limit = with_defaults(thresholds, ALARM_DEFAULTS)
    alarms = []

    drop = -drift.confidence_change
    alarms.append(Alarm(
        "confidence_drop", drop >= limit["confidence_drop"], float(drop),
        limit["confidence_drop"],
        f"mean confidence {drift.reference_confidence:.3f} -> {drift.current_confidence:.3f}"))

    kept = (drift.current_entropy / drift.reference_entropy if drift.reference_entropy > 0
            else 1.0)
    alarms.append(Alarm(
        "entropy_drop", kept <= limit["entropy_drop"], float(1 - kept),
        limit["entropy_drop"],
        f"mean entropy {drift.reference_entropy:.3f} -> {drift.current_entropy:.3f} "
        f"(of log k)"))

    largest = float(drift.current_shares.max())
    one_class = largest >= limit["one_class"] > float(drift.reference_shares.max())
    alarms.append(Alarm(
        "one_class", bool(one_class), largest, limit["one_class"],
        f"{largest:.0%} of the current rows go to class {int(drift.current_shares.argmax())} "
        f"(reference: at most {float(drift.reference_shares.max()):.0%} to one class)"))

    base = drift.prior if drift.prior is not None else drift.reference_shares
    shift = float(0.5 * np.abs(drift.current_shares - base).sum())
    against = "the labeled prior" if drift.prior is not None else "the reference predictions"
    counts = np.rint(drift.current_shares * drift.n_current).astype(int)
    p_value = shares_p_value(counts, base)
    alarms.append(Alarm(
        "class_balance", bool(shift >= limit["class_balance"] and p_value < BALANCE_LEVEL),
        shift, limit["class_balance"],
        f"predicted class shares moved by {shift:.3f} (total variation) from {against} "
        f"(chi-square p = {p_value:.2g})"))

    alarms.append(Alarm(
        "prediction_drift", drift.js_distance >= limit["prediction_drift"],
        float(drift.js_distance), limit["prediction_drift"],
        f"Jensen-Shannon distance {drift.js_distance:.3f} between the predicted class shares"))
    return alarms
