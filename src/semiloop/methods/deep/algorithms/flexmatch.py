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

    Examples
    --------
    The thresholds start at 0 (warm-up) and rise for the classes the model
    predicts confidently; ``setup`` sizes the per-row memory:

    >>> import torch
    >>> from semiloop.methods.deep.parts.context import Batch
    >>> algorithm = FlexMatch(threshold=0.9)
    >>> algorithm.setup(n_classes=2, n_unlabeled=4, device="cpu")
    >>> algorithm.thresholds()
    [0.0, 0.0]
    >>> batch = Batch(None, None, unlabeled_index=torch.tensor([0, 1]))
    >>> algorithm.mask(torch.tensor([[0.95, 0.05], [0.99, 0.01]]), batch, None).tolist()
    [1.0, 1.0]
    >>> [round(t, 3) for t in algorithm.thresholds()]
    [0.9, 0.0]
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
