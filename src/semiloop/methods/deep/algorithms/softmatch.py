"""SoftMatch (Chen et al., "SoftMatch: Addressing the Quantity-Quality Trade-off in
Semi-supervised Learning", ICLR 2023)."""

from semiloop.methods.deep.algorithms.base import ThresholdedConsistency
from semiloop.methods.deep.parts.masks import TruncatedGaussianWeight
from semiloop.methods.deep.parts.targets import DistributionAlignment

__all__ = ["SoftMatch"]


class SoftMatch(ThresholdedConsistency):
    """FixMatch with uniform alignment and a truncated-Gaussian weight instead of a mask.

    The weak view's prediction is aligned to the uniform class distribution
    (Sec. 3.3) and each row is weighted by a Gaussian of its aligned
    confidence below the EMA mean confidence (Sec. 3.2, Eq. 7). As in both of
    the authors' implementations (USB, TorchSSL), the hard pseudo-label is
    taken from the prediction before alignment: alignment only sets the weights.

    Parameters
    ----------
    momentum : float, default=0.999
        EMA momentum of the confidence's mean and variance, and of the alignment.
    n_sigma : float, default=2.0
        Divides the Gaussian's standard deviation. 2 is the authors' code
        (USB and TorchSSL, which produced the paper's tables); 1 is Eq. 7 as
        printed (a Gaussian twice as wide).
    uniform_alignment : bool, default=True
    unlabeled_weight : float, default=1.0

    Examples
    --------
    With momentum 0 the running statistics are the batch's own: alignment
    divides by the batch's mean prediction (2/3, 1/3), and the weights are
    those of the aligned confidences (mean 0.77):

    >>> import torch
    >>> algorithm = SoftMatch(momentum=0.0)
    >>> algorithm.setup(n_classes=2, n_unlabeled=3, device="cpu")
    >>> aligned = algorithm.align(torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]), None)
    >>> aligned.double().round(decimals=4).tolist()
    [[0.8182, 0.1818], [0.6667, 0.3333], [0.1765, 0.8235]]
    >>> algorithm.mask(aligned, None, None).double().round(decimals=4).tolist()
    [1.0, 0.0697, 1.0]
    """

    name = "softmatch"

    labels_from_aligned = False

    def __init__(self, *, momentum=0.999, n_sigma=2.0, uniform_alignment=True,
                 unlabeled_weight=1.0):
        super().__init__(unlabeled_weight=unlabeled_weight)
        self.momentum, self.n_sigma, self.uniform_alignment = (
            momentum, n_sigma, uniform_alignment)

    def setup(self, *, n_classes, n_unlabeled, device):
        super().setup(n_classes=n_classes, n_unlabeled=n_unlabeled, device=device)
        self.policy = TruncatedGaussianWeight(n_classes, self.momentum, n_sigma=self.n_sigma,
                                              device=device)
        self.alignment = DistributionAlignment(n_classes, momentum=self.momentum)

    def align(self, proba, context):
        return self.alignment(proba) if self.uniform_alignment else proba

    def mask(self, proba, batch, context):
        return self.policy(proba)

    def align_preview(self, proba, labeled_prior=None):
        return self.alignment.preview(proba) if self.uniform_alignment else proba
