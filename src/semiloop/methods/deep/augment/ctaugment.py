"""CTAugment: strong image augmentation whose magnitudes adapt to the model.

Examples
--------
>>> import torch
>>> augment = CTAugment()
>>> x = torch.rand(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))
>>> augment(x, torch.Generator().manual_seed(1)).shape
torch.Size([4, 3, 8, 8])
"""

import torch

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment import _image_ops
from semiloop.methods.deep.augment._base import _check_range, _randint, _uniform

__all__ = ["CTAugment"]


class CTAugment:
    """Control-theory augmentation (Berthelot et al. 2020, ReMixMatch, Sec. 3.2.2).

    Every operation's magnitude range is split into ``n_bins`` bins, each with a
    weight that starts at 1. A call applies ``depth`` operations per image,
    drawn uniformly from the 14 of :class:`RandAugment`; each operation's bin is
    drawn with probability proportional to its weight after thresholding, and
    its level uniformly inside the bin. *Probe* calls (``probe=True``) draw bins
    uniformly instead; the model's predictions on probed **labeled** images then
    move the weights of the bins used, through :meth:`update`.

    Parameters
    ----------
    depth : int, default=2
        Operations applied to each image.
    threshold : float, default=0.85
        Bins whose weight, plus ``1 - decay`` and divided by the largest of its
        operation, falls below ``threshold`` are never drawn. ReMixMatch's text
        says 0.8; its released code and FixMatch use 0.85.
    decay : float, default=0.99
        Exponential decay of the weights: ``w ← decay · w + (1 - decay) · ω``.
    n_bins : int, default=17
        Bins per operation (the reference code uses 17).

    Attributes
    ----------
    weights_ : Tensor of shape (14, n_bins), float64, on the CPU
        Bin weights, rows in the order of ``OP_NAMES``.
    last_draw_ : tuple of two Tensor of shape (n, depth), int64, on the CPU
        ``(ops, bins)`` of the last call: which operation and bin each image got
        in each slot; ``None`` before the first call. Pass it to :meth:`update`.

    Notes
    -----
    The level of bin ``b`` is ``(b + u) / n_bins`` with ``u ~ U(0, 1)``. Levels map
    to values over the ranges of :class:`RandAugment`, from the mild end (level
    0) to the strong end (1); signed operations (Rotate, Shear, Translate) run
    from ``-strong`` to ``+strong``, so their middle bin is the identity.
    Differences from the reference code: the operation set is FixMatch's 14
    (without blur, smooth, invert, rescale and cutout; compose with
    :class:`Cutout` for that), and a batch updates each bin once with the mean
    of its ``k`` proximities and decay ``decay^k`` rather than ``k`` times in turn.

    Examples
    --------
    >>> augment = CTAugment(depth=1)
    >>> x = torch.rand(64, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> probe = augment(x, torch.Generator().manual_seed(1), probe=True)
    >>> ops, bins = augment.last_draw_
    >>> proximity = (bins[:, 0] < 8).double()  # pretend mild bins keep predictions
    >>> augment.update(augment.last_draw_, proximity)
    >>> bool(augment.weights_[:, :8].mean() > augment.weights_[:, 9:].mean())
    True
    """

    OP_NAMES = tuple(op.name for op in _image_ops.OPS)

    def __init__(self, depth=2, *, threshold=0.85, decay=0.99, n_bins=17):
        self.depth = depth
        self.threshold = threshold
        self.decay = decay
        self.n_bins = n_bins
        self._reset()

    def _reset(self):
        self.weights_ = torch.ones(len(self.OP_NAMES), self.n_bins, dtype=torch.float64)
        self.last_draw_ = None

    def __repr__(self):
        return (f"CTAugment(depth={self.depth!r}, threshold={self.threshold!r}, "
                f"decay={self.decay!r}, n_bins={self.n_bins!r})")

    def _validate(self):
        _check_range("depth", self.depth, 0, None)
        _check_range("threshold", self.threshold, 0.0, 1.0)
        _check_range("decay", self.decay, 0.0, 1.0, high_open=True)
        if self.weights_.shape != (len(self.OP_NAMES), self.n_bins):
            raise SemiloopError(f"n_bins={self.n_bins!r} does not match weights_ of shape "
                                f"{tuple(self.weights_.shape)}; make a new CTAugment")

    def bin_probabilities(self):
        """Probability of each bin given its operation, shape ``(14, n_bins)``."""
        self._validate()
        p = self.weights_ + (1.0 - self.decay)
        p = p / p.amax(dim=1, keepdim=True)
        p = torch.where(p < self.threshold, torch.zeros_like(p), p)
        return p / p.sum(dim=1, keepdim=True)

    def __call__(self, x, generator=None, *, probe=False):
        """Augment a batch of images in [0, 1], shape ``(n, C, H, W)``; see the class."""
        x = _image_ops.check_images(x, "CTAugment", check_range=True)
        self._validate()
        n, depth, device = x.shape[0], int(self.depth), x.device
        ops = _randint(0, len(self.OP_NAMES), (n, depth), generator, device)
        within = _uniform((n, depth), generator, device)
        if probe:
            bins = (within * self.n_bins).long().clamp(max=self.n_bins - 1)
            level = within
        else:
            cdf = self.bin_probabilities().to(device, torch.float32)[ops].cumsum(-1)
            u = _uniform((n, depth), generator, device) * cdf[..., -1]
            bins = (cdf <= u[..., None]).sum(-1).clamp(max=self.n_bins - 1)
            level = (bins + within) / self.n_bins
        values = _image_ops.op_values(ops, level)
        out = _image_ops.apply_ops(x, ops, values) if depth else x.clone()
        self.last_draw_ = (ops.cpu(), bins.cpu())
        return out

    def update(self, draw, proximity):
        """Move the weights of the bins in ``draw`` towards ``proximity``.

        Parameters
        ----------
        draw : tuple of two Tensor of shape (n, depth)
            ``(ops, bins)``, usually ``last_draw_`` right after a probe call.
        proximity : float or Tensor of shape (n,)
            How well the model still predicts each probed image, in [0, 1]:
            :meth:`proximity` of its probabilities, or 1/0 accuracy.
        """
        self._validate()
        ops, bins = (torch.as_tensor(part).long().cpu() for part in draw)
        proximity = torch.as_tensor(proximity, dtype=torch.float64).cpu()
        proximity = proximity.reshape(-1, 1).expand(ops.shape[0], ops.shape[1])
        if bool(((proximity < 0) | (proximity > 1)).any()):
            raise SemiloopError("proximity must lie in [0, 1]; pass CTAugment.proximity(proba, "
                                "y) or per-image accuracy")
        flat = (ops * self.n_bins + bins).reshape(-1)
        size = self.weights_.numel()
        count = torch.bincount(flat, minlength=size).double()
        total = torch.bincount(flat, weights=proximity.reshape(-1), minlength=size)
        keep = self.decay**count
        weights = self.weights_.reshape(-1)
        updated = keep * weights + (1 - keep) * total / count.clamp_min(1)
        self.weights_ = torch.where(count > 0, updated, weights).reshape(self.weights_.shape)

    @staticmethod
    def proximity(proba, y):
        """ReMixMatch's ω = 1 - ½ Σ_c |p(c) - onehot(y)(c)|, one value in [0, 1] per row.

        Parameters
        ----------
        proba : Tensor of shape (n, n_classes)
            The model's class probabilities on the probed images.
        y : Tensor of shape (n,), int64
            Their labels.

        Examples
        --------
        >>> CTAugment.proximity(torch.tensor([[0.9, 0.1], [0.5, 0.5]]), torch.tensor([0, 1]))
        tensor([0.9000, 0.5000])
        """
        onehot = torch.nn.functional.one_hot(y.long(), proba.shape[1]).to(proba.dtype)
        return 1.0 - 0.5 * (proba - onehot).abs().sum(dim=1)
