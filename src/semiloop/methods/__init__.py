"""scikit-learn-compatible semi-supervised estimators and their shared parts."""

from semiloop.methods.graph import LabelPropagation, LabelSpreading
from semiloop.methods.graph_sparse import SparseLabelPropagation, SparseLabelSpreading
from semiloop.methods.guarded import GuardedClassifier
from semiloop.methods.s3vm import S3VM
from semiloop.methods.self_training import SafeSelfTrainingClassifier, SelfTrainingClassifier

__all__ = [
    "S3VM",
    "GuardedClassifier",
    "LabelPropagation",
    "LabelSpreading",
    "SafeSelfTrainingClassifier",
    "SelfTrainingClassifier",
    "SparseLabelPropagation",
    "SparseLabelSpreading",
]
