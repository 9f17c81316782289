"""Trust: tell when unlabeled (or live) data should not be trusted.

Two-sample statistics between a reference and a current sample
(:mod:`semiloop.trust.drift`), used before training (labeled vs unlabeled rows)
and after deployment (training data vs newly scored rows). This layer knows
nothing of the methods: it works on tables, arrays and predicted probabilities.
"""

from semiloop.trust.drift import FeatureDrift, feature_drift, population_stability_index

__all__ = ["FeatureDrift", "feature_drift", "population_stability_index"]
