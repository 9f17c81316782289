"""Learning-rate decay and unlabeled-loss ramp-up, as functions of the training step.

Each function maps ``(step, total)`` to a factor; the trainer multiplies the
base learning rate, or an algorithm's unlabeled weight, by it.

Examples
--------
>>> round(cosine_decay(0, 100), 4), round(cosine_decay(100, 100), 4)
(1.0, 0.1951)
>>> linear_rampup(5, 10), linear_rampup(20, 10)
(0.5, 1.0)
>>> round(sigmoid_rampup(0, 10), 4), sigmoid_rampup(10, 10)
(0.0067, 1.0)
"""

import math

__all__ = ["RAMPUPS", "cosine_decay", "linear_rampup", "no_rampup", "rampup",
           "sigmoid_rampup"]


def cosine_decay(step, total, *, cycles=7 / 16):
    """FixMatch's learning-rate factor ``cos(pi * cycles * step / total)``.

    Sohn et al., "FixMatch", NeurIPS 2020, Sec. 4 (and App. B.1): with
    ``cycles = 7/16`` the rate falls to ``cos(7 pi / 16) ≈ 0.195`` of its start at
    the last step, never to zero. Steps past ``total`` keep the last factor.

    Examples
    --------
    >>> round(cosine_decay(50, 100), 4)  # cos(7 pi / 32) halfway through
    0.773
    >>> cosine_decay(150, 100) == cosine_decay(100, 100)
    True
    >>> round(cosine_decay(100, 100, cycles=0.5), 4)  # a half cosine ends at zero
    0.0
    """
    return math.cos(math.pi * cycles * min(step, total) / max(total, 1))


def no_rampup(step, length):
    """Always 1: the unlabeled loss counts in full from the first step (FixMatch).

    Examples
    --------
    >>> no_rampup(0, 100), no_rampup(50, 100)
    (1.0, 1.0)
    """
    return 1.0


def linear_rampup(step, length):
    """``min(step / length, 1)``: MixMatch's ramp (Berthelot et al. 2019, Sec. 4).

    A ``length`` of 0 or less means no ramp: 1 from the first step.

    Examples
    --------
    >>> linear_rampup(25, 100), linear_rampup(250, 100), linear_rampup(3, 0)
    (0.25, 1.0, 1.0)
    """
    if length <= 0:
        return 1.0
    return min(step / length, 1.0)


def sigmoid_rampup(step, length):
    """``exp(-5 (1 - t)^2)`` with ``t = min(step / length, 1)``.

    Laine & Aila, "Temporal Ensembling", ICLR 2017, Sec. 3 and App. A; also
    Mean Teacher's consistency ramp (Tarvainen & Valpola 2017, App. B).
    A ``length`` of 0 or less means no ramp: 1 from the first step.

    Examples
    --------
    >>> round(sigmoid_rampup(5, 10), 4)  # exp(-5 / 4) halfway
    0.2865
    >>> sigmoid_rampup(10, 10), sigmoid_rampup(3, 0)
    (1.0, 1.0)
    """
    if length <= 0:
        return 1.0
    t = min(step / length, 1.0)
    return math.exp(-5.0 * (1.0 - t) ** 2)


RAMPUPS = {"none": no_rampup, "linear": linear_rampup, "sigmoid": sigmoid_rampup}


def rampup(kind, step, length):
    """The factor of ramp ``kind`` (a key of :data:`RAMPUPS`) at ``step`` of a ramp ``length`` long.

    Raises
    ------
    KeyError
        For a ``kind`` that is not a key of :data:`RAMPUPS` (algorithms check
        it when they are built).

    Examples
    --------
    >>> rampup("linear", 3, 4), rampup("none", 3, 4)
    (0.75, 1.0)
    >>> round(rampup("sigmoid", 2, 4), 4)
    0.2865
    """
    return RAMPUPS[kind](step, length)
