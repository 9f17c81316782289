"""Deep semi-supervised learning in PyTorch: one trainer, the published algorithms as parts.

The trainer (:mod:`~semiloop.methods.deep.trainer`) runs the loop; an
algorithm (:mod:`~semiloop.methods.deep.algorithms`) only says how the loss of
a step is made, from shared parts (:mod:`~semiloop.methods.deep.parts`):
teachers, targets, and mask or weight policies. Augmentations live in
:mod:`~semiloop.methods.deep.augment`, backbones in :mod:`~semiloop.methods.deep.nets`,
the scikit-learn estimator in :mod:`~semiloop.methods.deep.estimator`, the
checks of the pseudo-labels at each evaluation (audit on hidden labeled rows,
flip rate, MC-dropout uncertainty, collapse alarms, holding unstable rows
back) in :mod:`~semiloop.methods.deep.trust`, the validation rows' accuracy and
calibration (expected calibration error, temperature) in
:mod:`~semiloop.methods.deep.validation`.

torch is an optional dependency (``pip install 'semiloop[deep]'``); importing
this package without it raises a :class:`~semiloop.errors.SemiloopError` that
says so.
"""

from importlib import import_module

from semiloop.errors import SemiloopError

try:
    import torch  # noqa: F401
except ImportError:
    raise SemiloopError(
        "deep semi-supervised learning needs PyTorch, which is not installed; install it "
        "with pip install torch==2.13.0 'semiloop[deep]' (torch first, so that pip keeps "
        "the CPU build)"
    ) from None

_EXPORTS = {
    "ALGORITHMS": "semiloop.methods.deep.algorithms",
    "make_algorithm": "semiloop.methods.deep.algorithms",
    "Trainer": "semiloop.methods.deep.trainer",
    "TrainingMonitor": "semiloop.methods.deep.trust",
    "DeepSSLClassifier": "semiloop.methods.deep.estimator",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'semiloop.methods.deep' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
