"""Trust: tell when unlabeled (or live) data should not be trusted.

Two-sample statistics between a reference and a current sample, used before
training (labeled vs unlabeled rows) and after deployment (training data vs
newly scored rows): :mod:`semiloop.trust.drift` for each feature,
:mod:`semiloop.trust.classifier_test` for the whole table,
:mod:`semiloop.trust.predictions` for a model's predictions, with alarms on
them in :mod:`semiloop.trust.alarms`. Per-row scores of unlabeled rows,
classes no one labeled and a filter are in :mod:`semiloop.trust.scores`; noise
in the seed labels (Confident Learning and a noise-floor test) in
:mod:`semiloop.trust.label_noise`; the verdict before training that combines
them is :mod:`semiloop.trust.check`.
This layer knows nothing of the methods: it works on tables, arrays and
predicted probabilities.
"""

from semiloop.trust.alarms import ALARM_DEFAULTS, Alarm, prediction_alarms
from semiloop.trust.check import TrustCheck, check_to_dict, check_unlabeled
from semiloop.trust.classifier_test import ClassifierTest, classifier_two_sample_test
from semiloop.trust.drift import FeatureDrift, feature_drift, population_stability_index
from semiloop.trust.label_noise import LabelNoise, estimate_label_noise, find_label_noise
from semiloop.trust.predictions import PredictionDrift, prediction_drift
from semiloop.trust.scores import (
    RowScores,
    UnseenCluster,
    row_scores,
    trusted_mask,
    unseen_class_clusters,
)

__all__ = [
    "ALARM_DEFAULTS",
    "Alarm",
    "ClassifierTest",
    "FeatureDrift",
    "LabelNoise",
    "PredictionDrift",
    "RowScores",
    "TrustCheck",
    "UnseenCluster",
    "check_to_dict",
    "check_unlabeled",
    "classifier_two_sample_test",
    "estimate_label_noise",
    "feature_drift",
    "find_label_noise",
    "population_stability_index",
    "prediction_alarms",
    "prediction_drift",
    "row_scores",
    "trusted_mask",
    "unseen_class_clusters",
]
