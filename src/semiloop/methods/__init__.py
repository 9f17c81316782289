"""scikit-learn-compatible semi-supervised estimators and their shared parts.

Names are imported on first use, so that importing one module of the package
(``semiloop.methods.graph``) does not import every method.
"""

from importlib import import_module

_EXPORTS = {
    "AutoClassifier": "semiloop.methods.auto",
    "DeepSSLClassifier": "semiloop.methods.deep.estimator",
    "GuardedClassifier": "semiloop.methods.guarded",
    "LabelPropagation": "semiloop.methods.graph",
    "LabelSpreading": "semiloop.methods.graph",
    "S3VM": "semiloop.methods.s3vm",
    "SafeSelfTrainingClassifier": "semiloop.methods.self_training",
    "SelfTrainingClassifier": "semiloop.methods.self_training",
    "SparseLabelPropagation": "semiloop.methods.graph_sparse",
    "SparseLabelSpreading": "semiloop.methods.graph_sparse",
    "StagedClassifier": "semiloop.methods.staged",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'semiloop.methods' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
