"""Mean Teacher (Tarvainen & Valpola, "Mean teachers are better role models:
Weight-averaged consistency targets improve semi-supervised deep learning results",
NeurIPS 2017)."""

import torch
import torch.nn.functional as F

from semiloop.methods.deep.algorithms.base import Algorithm, StepLoss
from semiloop.methods.deep.algorithms.pimodel import consistency_mse

__all__ = ["MeanTeacher"]


class MeanTeacher(Algorithm):
    """The student's prediction on one view must match the EMA teacher's on another (Sec. 3).

    The teacher is the trainer's EMA of the student's weights (decay
    ``min(1 - 1/(t+1), ema_decay)``), run on its own noisy view in training
    mode; the consistency cost is the mean squared error of the class
    probabilities, its weight ramped up with ``exp(-5 (1 - t)^2)``.

    Parameters
    ----------
    unlabeled_weight : float, default=100.0
        The consistency weight once ramped up (the authors' code: 100; USB: 50).
    rampup_fraction : float, default=0.27
        The authors' code ramps up over 40k of 150k steps.

    Notes
    -----
    The authors' code also applies the consistency cost to the labeled rows;
    here it applies to the unlabeled rows only (as in USB).

    Examples
    --------
    >>> algorithm = MeanTeacher()
    >>> algorithm.uses_teacher, algorithm.views
    (True, ('weak', 'weak'))
    >>> [round(algorithm.weight_at(step, 1000), 2) for step in (0, 135, 270, 900)]
    [0.67, 28.65, 100.0, 100.0]
    """

    name = "meanteacher"
    views = ("weak", "weak")
    uses_teacher = True

    def __init__(self, *, unlabeled_weight=100.0, rampup_fraction=0.27):
        super().__init__(unlabeled_weight=unlabeled_weight, rampup="sigmoid",
                         rampup_fraction=rampup_fraction)

    def loss(self, batch, context):
        student_view, teacher_view = batch.views
        logits_labeled, logits_student = context.forward(
            [batch.x_labeled, student_view], grad=[True, True])
        with torch.no_grad():
            teacher_proba = context.teacher(teacher_view).float().softmax(dim=-1)
        supervised = F.cross_entropy(logits_labeled, batch.y_labeled)
        unlabeled = consistency_mse(logits_student, teacher_proba, batch.unlabeled_keep)
        return StepLoss(supervised + context.unlabeled_weight * unlabeled, supervised, unlabeled,
                        batch.unlabeled_keep)
