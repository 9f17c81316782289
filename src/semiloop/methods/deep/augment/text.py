"""Batched augmentations of sentence embeddings: relative noise and dropout.

Text reaches the deep methods as fixed sentence embeddings of shape ``(n, d)``
(for example from sentence-transformers), so the views perturb the embedding
vectors rather than the words.

Examples
--------
>>> import torch
>>> weak, strong = text_views()
>>> x = torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
>>> strong(x, torch.Generator().manual_seed(0)).shape
torch.Size([4, 16])
"""

from dataclasses import KW_ONLY, dataclass

import torch

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment._base import (
    Compose,
    _check_batch,
    _check_range,
    _normal,
    _uniform,
)

__all__ = ["EmbeddingDropout", "EmbeddingNoise", "text_views"]


def _embeddings(x, name):
    return _check_batch(x, name, (2,), "(n, embedding_dim)")


@dataclass
class EmbeddingNoise:
    """Add Gaussian noise scaled to each embedding's norm.

    Row ``i`` gets ``N(0, (std · ‖x_i‖ / √d)² I)``, so that the noise vector's norm
    is about ``std · ‖x_i‖`` whatever the encoder's scale: ``std=0.1`` perturbs
    each embedding by about 10% of its length (an angle of about 6°).

    Parameters
    ----------
    std : float
        Noise norm relative to the embedding norm, >= 0.

    Examples
    --------
    >>> x = torch.randn(500, 64, generator=torch.Generator().manual_seed(1))
    >>> y = EmbeddingNoise(0.1)(x, torch.Generator().manual_seed(0))
    >>> round(float(((y - x).norm(dim=1) / x.norm(dim=1)).mean()), 1)
    0.1
    """

    std: float

    def __call__(self, x, generator=None):
        x = _embeddings(x, "EmbeddingNoise")
        _check_range("std", self.std, 0.0, None)
        scale = self.std * x.norm(dim=1, keepdim=True) / max(x.shape[1], 1) ** 0.5
        return x + scale * _normal(x.shape, generator, x.device).to(x.dtype)


@dataclass
class EmbeddingDropout:
    """Set each coordinate of each embedding to zero with probability ``p``.

    Parameters
    ----------
    p : float
        Drop probability, in [0, 1).
    rescale : bool, default=True
        Multiply the kept coordinates by ``1 / (1 - p)``, as ``torch.nn.Dropout``
        does, so that the view's expected value is the clean embedding, the
        input the model sees at prediction time. ``False`` only zeroes.

    Examples
    --------
    >>> y = EmbeddingDropout(0.5)(torch.ones(2, 6), torch.Generator().manual_seed(0))
    >>> sorted(set(y.flatten().tolist()))
    [0.0, 2.0]
    """

    p: float
    _: KW_ONLY
    rescale: bool = True

    def __call__(self, x, generator=None):
        x = _embeddings(x, "EmbeddingDropout")
        _check_range("p", self.p, 0.0, 1.0, high_open=True)
        keep = _uniform(x.shape, generator, x.device) >= self.p
        kept = x / (1.0 - self.p) if self.rescale else x
        return torch.where(keep, kept, torch.zeros((), dtype=x.dtype, device=x.device))


def text_views(X=None):
    """Weak and strong views of sentence embeddings.

    weak
        ``EmbeddingNoise(0.05)``: noise of 5% of each embedding's norm.
    strong
        ``EmbeddingDropout(0.1)`` (rescaled), then ``EmbeddingNoise(0.15)``.

    No published recipe perturbs fixed sentence embeddings for consistency
    training; the levels follow the signal recipe (:func:`signal_views`, noise
    0.05 and 0.15 of the data's scale) and the 0.1 dropout that SimCSE (Gao et
    al. 2021, Sec. 3) uses as its only augmentation. Both are relative to each
    row's norm, so ``X`` is not needed.

    Parameters
    ----------
    X : array-like of shape (n, embedding_dim), default=None
        Optional training embeddings, only checked to be 2-D.

    Returns
    -------
    weak, strong : Compose

    Raises
    ------
    SemiloopError
        If ``X`` is given and is not 2-D.

    Examples
    --------
    >>> weak, strong = text_views()
    >>> weak
    Compose(transforms=[EmbeddingNoise(std=0.05)])
    """
    if X is not None and getattr(X, "ndim", None) != 2:
        raise SemiloopError(f"text_views takes embeddings of shape (n, embedding_dim), got "
                            f"shape {tuple(getattr(X, 'shape', ()))}; embed the texts first")
    weak = Compose([EmbeddingNoise(0.05)])
    strong = Compose([EmbeddingDropout(0.1), EmbeddingNoise(0.15)])
    return weak, strong
