"""scikit-learn-compatible semi-supervised estimators and their shared parts."""

from semiloop.methods.self_training import SafeSelfTrainingClassifier, SelfTrainingClassifier

__all__ = ["SafeSelfTrainingClassifier", "SelfTrainingClassifier"]
