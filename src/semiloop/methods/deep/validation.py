"""What the deep trainer measures on the validation rows at each evaluation.

The evaluation weights (the EMA) predict the validation rows once; from
those probabilities come the accuracy that chooses the checkpoint, the
expected calibration error (15 bins), and, with calibration on, the
temperature of Guo et al. ("On calibration of modern neural networks", ICML
2017, Sec. 4.2) fitted by maximum likelihood on the same rows, with the
error left after it. These are self-training's functions
(:mod:`semiloop.methods.calibration`), so both families report the same
measure.

The temperature is fitted and scored on the same validation rows, as
self-training does on its out-of-fold rows: the error after it is the one the
temperature leaves on the rows it was fitted to, not a fresh held-out figure.

When every validation row is right, no temperature is fitted: the likelihood
then rises without end as ``T`` falls, and the search would stop at its lower
bound (0.05), turning every probability into near certainty on the strength
of a few rows without a mistake. The probabilities are left as they are
(temperature 1.0, recorded as None).

Examples
--------
>>> import numpy as np
>>> proba = np.tile([0.9, 0.1], (4, 1))      # always 90% sure of class 0 ...
>>> y = np.array([0, 0, 0, 1])               # ... but right 3 times in 4
>>> fields, temperature = validation_scores(y, proba)
>>> fields["validation_accuracy"], fields["calibration_error_raw"]
(0.75, 0.15)
>>> fields["temperature"], fields["calibration_error"]  # 9 ** (1 / T) = 3  =>  T = 2
(2.0, 0.0)
>>> validation_scores(y, proba, calibrate=False)[0]["temperature"] is None
True
>>> fields, temperature = validation_scores(np.array([0, 0, 0, 0]), proba)  # no mistake
>>> fields["calibration_error_raw"], fields["temperature"], temperature  # nothing to fit
(0.1, None, 1.0)
"""

import numpy as np
import torch

from semiloop.methods.calibration import (
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)

__all__ = ["validation_proba", "validation_scores"]


@torch.no_grad()
def validation_proba(model, x, *, device, batch_size=1024):
    """Class probabilities of ``model`` (in its current mode) for ``x``, as float64 numpy.

    The softmax runs in double precision, as
    :meth:`~semiloop.methods.deep.estimator.DeepSSLClassifier.predict_proba`
    does, so its argmax is the logits' and the temperature fitted on them is
    the one the estimator applies.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 2, bias=False)
    >>> _ = torch.nn.init.zeros_(net.weight)
    >>> validation_proba(net, torch.ones(3, 2), device="cpu", batch_size=2).tolist()
    [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
    """
    parts = [model(x[start:start + batch_size].to(device)).double().softmax(dim=-1).cpu()
             for start in range(0, len(x), batch_size)]
    return torch.cat(parts).numpy() if parts else np.zeros((0, 0))


def validation_scores(y, proba, *, calibrate=True):
    """The record fields of the validation rows at one evaluation, and the temperature.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class indices (columns of ``proba``).
    proba : ndarray of shape (n_samples, n_classes)
        The evaluation weights' probabilities of the validation rows.
    calibrate : bool, default=True
        Fit a temperature on these rows and score the probabilities after it.

    Returns
    -------
    fields : dict
        ``validation_accuracy``, ``calibration_error_raw``,
        ``calibration_error`` and ``temperature`` of
        :class:`~semiloop.records.TrainingRecord` (errors rounded to 6
        places and the temperature to 4, as self-training's); the last two
        are None with ``calibrate=False`` and when every row is right.
    temperature : float
        The fitted temperature, unrounded (1.0 when none was fitted).

    Notes
    -----
    Cost: a bounded scalar search over ``log T``, each try a log-softmax
    over the rows.
    """
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    fields = {"validation_accuracy": 0.0, "calibration_error_raw": None,
              "calibration_error": None, "temperature": None}
    if len(y) == 0:
        return fields, 1.0
    fields["validation_accuracy"] = float((proba.argmax(axis=1) == y).mean())
    fields["calibration_error_raw"] = round(expected_calibration_error(y, proba), 6)
    if not calibrate or fields["validation_accuracy"] == 1.0:
        return fields, 1.0
    temperature = fit_temperature(proba, y)
    scaled = apply_temperature(proba, temperature)
    fields["calibration_error"] = round(expected_calibration_error(y, scaled), 6)
    fields["temperature"] = round(temperature, 4)
    return fields, temperature
