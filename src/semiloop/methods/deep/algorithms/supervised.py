"""The supervised baseline: the labeled rows only, through the same trainer."""

import torch
import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss

__all__ = ["Supervised"]


class Supervised(Algorithm):
    """Cross-entropy on the (weakly augmented) labeled rows; unlabeled rows are not drawn.

    The reference every algorithm is compared with: same backbone, optimiser,
    schedule, augmentation and EMA.
    """

    name = "supervised"
    views = ()

    def __init__(self):
        super().__init__(unlabeled_weight=0.0)

    def loss(self, batch, context):
        (logits,) = context.forward([batch.x_labeled], grad=[True])
        supervised = F.cross_entropy(logits, batch.y_labeled)
        return StepLoss(supervised, supervised, torch.zeros((), device=logits.device))
