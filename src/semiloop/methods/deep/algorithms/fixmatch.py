"""FixMatch (Sohn et al., "FixMatch: Simplifying Semi-Supervised Learning with
Consistency and Confidence", NeurIPS 2020)."""

from semiloop.methods.deep.algorithms.base import ThresholdedConsistency
from semiloop.methods.deep.parts.masks import FixedMask

__all__ = ["FixMatch"]


class FixMatch(ThresholdedConsistency):
    """A weak view's confident hard pseudo-label trains the strong view (Sec. 3.2, Eq. 2-4).

    Parameters
    ----------
    threshold : float, default=0.95
        ``tau``: rows whose weak-view confidence is below it are masked out.
    unlabeled_weight : float, default=1.0
        ``lambda_u``.
    """

    name = "fixmatch"

    def __init__(self, threshold=0.95, *, unlabeled_weight=1.0):
        super().__init__(unlabeled_weight=unlabeled_weight)
        self.threshold = threshold
        self.policy = FixedMask(threshold)

    def mask(self, proba, batch, context):
        return self.policy(proba)
