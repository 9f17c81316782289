"""Batched mixing of samples and their soft targets: MixUp, CutMix and MixMatch's MixUp.

Each function pairs row ``i`` with row ``perm[i]`` of a random permutation of
the batch and draws its own mixing weight ``λ_i`` per row. ``x`` is any batch of
shape ``(n, ...)`` (images ``(n, C, H, W)`` for CutMix), ``targets`` soft labels
of shape ``(n, n_classes)`` (one-hot rows for hard labels), and every function
returns ``(mixed_x, mixed_targets, lambdas)`` with ``lambdas`` of shape ``(n,)``:
the weight of the row's own sample in both outputs.

Examples
--------
>>> import torch
>>> x, targets = torch.eye(4), torch.eye(4)
>>> mixed, mixed_targets, lam = mixup(x, targets, 0.75, torch.Generator().manual_seed(0))
>>> bool(torch.allclose(mixed, mixed_targets)), lam.shape
(True, torch.Size([4]))
"""

import torch

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment._base import _beta, _check_batch, _randperm
from semiloop.methods.deep.augment._image_ops import box_mask, check_images

__all__ = ["cutmix", "mixmatch_mixup", "mixup"]


def _check_pair(x, targets, name):
    x = _check_batch(x, name)
    targets = _check_batch(targets, f"{name}'s targets", (2,), "(n, n_classes)")
    if x.shape[0] != targets.shape[0]:
        raise SemiloopError(f"{name} got {x.shape[0]} samples and {targets.shape[0]} targets; "
                            "pass one target row per sample (one-hot rows for hard labels)")
    return x, targets


def _mix(x, targets, lam, perm):
    weight = lam.to(x.dtype).view(-1, *([1] * (x.ndim - 1)))
    mixed = weight * x + (1 - weight) * x[perm]
    lam_t = lam.to(targets.dtype)[:, None]
    return mixed, lam_t * targets + (1 - lam_t) * targets[perm]


def mixup(x, targets, alpha, generator=None):
    """MixUp (Zhang et al. 2018, Eq. 1) with one λ per row.

    ``mixed[i] = λ_i x[i] + (1 - λ_i) x[perm[i]]`` and the same for the targets,
    with ``λ_i ~ Beta(alpha, alpha)``.

    Parameters
    ----------
    x : Tensor of shape (n, ...)
    targets : Tensor of shape (n, n_classes)
        Soft labels (probabilities).
    alpha : float
        Beta parameter, > 0; small values keep ``λ`` near 0 or 1.
    generator : torch.Generator, default=None

    Returns
    -------
    mixed_x : Tensor of shape (n, ...)
    mixed_targets : Tensor of shape (n, n_classes)
    lambdas : Tensor of shape (n,)

    Raises
    ------
    SemiloopError
        If ``alpha <= 0`` or ``x`` and ``targets`` have different numbers of rows.

    Examples
    --------
    >>> x = torch.tensor([[0.0], [1.0]])
    >>> mixed, _, lam = mixup(x, torch.eye(2), 1.0, torch.Generator().manual_seed(0))
    >>> bool(((mixed >= 0) & (mixed <= 1)).all())
    True
    """
    x, targets = _check_pair(x, targets, "mixup")
    lam = _beta(alpha, x.shape[0], generator, x.device)
    perm = _randperm(x.shape[0], generator, x.device)
    return (*_mix(x, targets, lam, perm), lam)


def mixmatch_mixup(x, targets, alpha, generator=None):
    """MixMatch's MixUp (Berthelot et al. 2019, Sec. 3.3, Eq. 8–11): λ' = max(λ, 1 - λ).

    ``λ_i ~ Beta(alpha, alpha)`` and ``λ'_i = max(λ_i, 1 - λ_i) >= 0.5``, so each
    mixed row stays closer to its own sample: ``mixed[i] = λ'_i x[i] + (1 - λ'_i)
    x[perm[i]]``, likewise for the targets. For MixMatch, pass the concatenated
    labeled and unlabeled batch ``cat([x_labeled, x_unlabeled])`` with targets
    ``cat([one_hot(y), guessed])`` and split the outputs at ``len(x_labeled)``:
    mixing with a random permutation of the whole batch is the paper's
    ``W = Shuffle(Concat(X̂, Û))`` (Eq. 9–11).

    Parameters
    ----------
    x : Tensor of shape (n, ...)
    targets : Tensor of shape (n, n_classes)
    alpha : float
        Beta parameter, > 0 (0.75 in the paper).
    generator : torch.Generator, default=None

    Returns
    -------
    mixed_x : Tensor of shape (n, ...)
    mixed_targets : Tensor of shape (n, n_classes)
    lambdas : Tensor of shape (n,)
        The ``λ'_i``, all in [0.5, 1].

    Examples
    --------
    >>> x, targets = torch.randn(8, 3, generator=torch.Generator().manual_seed(0)), torch.eye(8)
    >>> _, _, lam = mixmatch_mixup(x, targets, 0.75, torch.Generator().manual_seed(1))
    >>> bool((lam >= 0.5).all())
    True
    """
    x, targets = _check_pair(x, targets, "mixmatch_mixup")
    lam = _beta(alpha, x.shape[0], generator, x.device)
    lam = torch.maximum(lam, 1 - lam)
    perm = _randperm(x.shape[0], generator, x.device)
    return (*_mix(x, targets, lam, perm), lam)


def cutmix(x, targets, alpha, generator=None):
    """CutMix (Yun et al. 2019, Sec. 3.1) with one box per image.

    Image ``i`` gets a box of ``perm[i]`` pasted in: with ``λ_i ~ Beta(alpha,
    alpha)``, the box has sides ``round(H √(1 - λ_i))`` and ``round(W √(1 - λ_i))``,
    centred on a uniform pixel and clipped at the border. The returned λ is
    then recomputed as the fraction of the image's own pixels that remain
    (``1 - box area / (H W)``), and the targets mix with that λ.

    Parameters
    ----------
    x : Tensor of shape (n, C, H, W)
    targets : Tensor of shape (n, n_classes)
    alpha : float
        Beta parameter, > 0 (1.0 in the paper: λ uniform).
    generator : torch.Generator, default=None

    Returns
    -------
    mixed_x : Tensor of shape (n, C, H, W)
    mixed_targets : Tensor of shape (n, n_classes)
    lambdas : Tensor of shape (n,)
        The kept-area fractions.

    Examples
    --------
    >>> x = torch.stack([torch.zeros(1, 4, 4), torch.ones(1, 4, 4)])
    >>> mixed, _, lam = cutmix(x, torch.eye(2), 1.0, torch.Generator().manual_seed(0))
    >>> mixed.shape, lam.shape
    (torch.Size([2, 1, 4, 4]), torch.Size([2]))
    """
    x, targets = _check_pair(x, targets, "cutmix")
    x = check_images(x, "cutmix")
    n, _, height, width = x.shape
    lam = _beta(alpha, n, generator, x.device)
    perm = _randperm(n, generator, x.device)
    side = (1 - lam).clamp_min(0).sqrt()
    heights = (side * height).round().long()
    widths = (side * width).round().long()
    box = box_mask(heights, widths, (height, width), generator, x.device)  # (n, H, W)
    mixed = torch.where(box[:, None], x[perm], x)
    lam = 1 - box.flatten(1).float().mean(1)
    lam_t = lam.to(targets.dtype)[:, None]
    return mixed, lam_t * targets + (1 - lam_t) * targets[perm], lam
