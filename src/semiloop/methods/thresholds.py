"""Confidence thresholds for accepting pseudo-labels, as the estimators here import them.

The implementation, for numpy arrays and torch tensors alike and with explicit
state, lives in :mod:`semiloop.thresholds`; this module re-exports the names
that the wrapper methods use.
"""

from semiloop.thresholds import (
    THRESHOLD_POLICIES,
    AdaptiveThreshold,
    ClassConditionalThreshold,
    FixedThreshold,
    ThresholdPolicy,
    adaptive_thresholds,
    class_conditional_thresholds,
    make_threshold_policy,
    update_adaptive_state,
)

__all__ = [
    "THRESHOLD_POLICIES",
    "AdaptiveThreshold",
    "ClassConditionalThreshold",
    "FixedThreshold",
    "ThresholdPolicy",
    "adaptive_thresholds",
    "class_conditional_thresholds",
    "make_threshold_policy",
    "update_adaptive_state",
]
