"""semiloop: semi-supervised learning that does not make a model worse.

A few labels and many unlabeled rows go in (``y == -1`` marks the unlabeled
ones, as in scikit-learn); a model that uses the unlabeled rows only where
that helps comes out.

Names are imported on first use, so ``import semiloop`` stays light.

Examples
--------
>>> import semiloop
>>> semiloop.SafeSelfTrainingClassifier.__name__
'SafeSelfTrainingClassifier'
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "SelfTrainingClassifier": "semiloop.methods.self_training",
    "SafeSelfTrainingClassifier": "semiloop.methods.self_training",
    "S3VM": "semiloop.methods.s3vm",
    "LabelSpreading": "semiloop.methods.graph",
    "LabelPropagation": "semiloop.methods.graph",
    "SparseLabelSpreading": "semiloop.methods.graph_sparse",
    "SparseLabelPropagation": "semiloop.methods.graph_sparse",
    "GuardedClassifier": "semiloop.methods.guarded",
    "AutoClassifier": "semiloop.methods.auto",
    "DeepSSLClassifier": "semiloop.methods.deep.estimator",
    "Dataset": "semiloop.data",
    "load_dataset": "semiloop.data",
    "read_table": "semiloop.data",
    "TableEncoder": "semiloop.features",
    "SemiloopError": "semiloop.errors",
    "DataError": "semiloop.errors",
    "SemiloopWarning": "semiloop.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'semiloop' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
