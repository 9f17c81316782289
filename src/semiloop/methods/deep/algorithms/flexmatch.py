"""FlexMatch (Zhang et al., "FlexMatch: Boosting Semi-Supervised Learning with
Curriculum Pseudo Labeling", NeurIPS 2021)."""

from semiloop.methods.deep.algorithms.base import ThresholdedConsistency
from semiloop.methods.deep.parts.masks import CurriculumMask

__all__ = ["FlexMatch"]


class FlexMatch(ThresholdedConsistency):
    """FixMatch with per-class thresholds from each class's learning effect (Sec. 3.2-3.3).

    Parameters
    ----------
    threshold : float, default=0.95
        The upper threshold ``tau`` (a class learned best gets exactly it).
    warmup : bool, default=True
        Threshold warm-up (Sec. 3.3).
    mapping : {'convex', 'linear'}, default='convex'
        ``M(x) = x / (2 - x)`` (the paper's choice) or ``M(x) = x``.
    unlabeled_weight : float, default=1.0
    """

    name = "flexmatch"

    def __init__(self, threshold=0.95, *, warmup=True, mapping="convex", unlabeled_weight=1.0):
        super().__init__(unlabeled_weight=unlabeled_weight)
        self.threshold, self.warmup, self.mapping = threshold, warmup, mapping

    def setup(self, *, n_classes, n_unlabeled, device):
        super().setup(n_classes=n_classes, n_unlabeled=n_unlabeled, device=device)
        self.policy = CurriculumMask(n_unlabeled, n_classes, self.threshold,
                                     warmup=self.warmup, mapping=self.mapping, device=device)

    def mask(self, proba, batch, context):
        return self.policy(proba, batch.unlabeled_index)

    def thresholds(self):
        return self.policy.thresholds()
