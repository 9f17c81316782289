"""Batched augmentations of tabular rows: feature noise and marginal corruption.

A batch has shape ``(n, n_features)``: floats, already encoded (one-hot or
ordinal) and standardised, as the network sees them.

Examples
--------
>>> import torch
>>> X = torch.randn(100, 5, generator=torch.Generator().manual_seed(0))
>>> weak, strong = table_views(X)
>>> strong(X[:8], torch.Generator().manual_seed(1)).shape
torch.Size([8, 5])
"""

from dataclasses import dataclass

import torch

from semiloop.errors import FeatureMismatchError, SemiloopError
from semiloop.methods.deep.augment._base import (
    Compose,
    _check_batch,
    _check_range,
    _describe,
    _normal,
    _randint,
    _uniform,
)

__all__ = ["FeatureNoise", "MarginalCorruption", "table_views"]


def _table(x, name):
    return _check_batch(x, name, (2,), "(n, n_features)")


@dataclass(eq=False, repr=False)
class FeatureNoise:
    """Add N(0, std_j²) noise to feature ``j`` of every row.

    Parameters
    ----------
    std : float or array-like of shape (n_features,)
        Standard deviation of the noise, one for all features or one per feature,
        in the units of the (standardised) features.

    Raises
    ------
    SemiloopError
        If a ``std`` is negative or the per-feature stds do not match ``n_features``.

    Examples
    --------
    >>> y = FeatureNoise([0.0, 1.0])(torch.zeros(2000, 2), torch.Generator().manual_seed(0))
    >>> y.std(dim=0).round(decimals=1).tolist()
    [0.0, 1.0]
    """

    std: float

    def __call__(self, x, generator=None):
        x = _table(x, "FeatureNoise")
        std = torch.as_tensor(self.std, dtype=x.dtype, device=x.device)
        if std.ndim > 1 or (std.ndim == 1 and std.shape[0] != x.shape[1]):
            raise FeatureMismatchError(
                f"FeatureNoise has {std.shape[0] if std.ndim == 1 else tuple(std.shape)} stds "
                f"for {x.shape[1]} features; pass one float or one std per feature")
        if bool((std < 0).any()):
            raise SemiloopError("FeatureNoise got a negative std; pass stds >= 0")
        return x + std * _normal(x.shape, generator, x.device).to(x.dtype)

    def __repr__(self):
        return f"FeatureNoise(std={_describe(self.std)})"


@dataclass(eq=False, repr=False)
class MarginalCorruption:
    """Replace random entries by the same feature of a random reference row.

    Each entry ``x[i, j]`` is replaced, independently with probability ``rate``,
    by ``reference[r, j]`` for a row ``r`` drawn uniformly per entry: a draw from
    the empirical marginal distribution of feature ``j``. This is VIME's mask
    generator and pretext corruption (Yoon et al. 2020, Sec. 4.1, Bernoulli mask
    with probability ``p_m``) and SCARF's corruption (Bahri et al. 2022, Sec. 2),
    which instead corrupts exactly ``rate · n_features`` features per row.

    Parameters
    ----------
    reference : array-like of shape (m, n_features)
        The rows whose values are drawn, usually the whole (encoded) training pool.
        It stays on its own device; only the drawn values move to the batch's.
    rate : float
        Probability in [0, 1] that an entry is replaced.

    Raises
    ------
    FeatureMismatchError
        If ``reference`` has another number of features than the batch.
    SemiloopError
        If ``rate`` is outside [0, 1] or ``reference`` has no rows.

    References
    ----------
    Yoon, Zhang, Jordon, van der Schaar, "VIME: Extending the success of self-
    and semi-supervised learning to tabular domain", NeurIPS 2020.
    Bahri, Jiang, Tay, Metzler, "SCARF: Self-supervised contrastive learning
    using random feature corruption", ICLR 2022.

    Examples
    --------
    >>> reference = torch.tensor([[10.0, 20.0], [11.0, 21.0]])
    >>> y = MarginalCorruption(reference, rate=1.0)(torch.zeros(3, 2),
    ...                                             torch.Generator().manual_seed(0))
    >>> bool(((y[:, 0] >= 10) & (y[:, 0] <= 11) & (y[:, 1] >= 20)).all())
    True
    """

    reference: torch.Tensor
    rate: float

    def __call__(self, x, generator=None):
        x = _table(x, "MarginalCorruption")
        _check_range("rate", self.rate, 0.0, 1.0)
        reference = torch.as_tensor(self.reference)
        if reference.ndim != 2 or reference.shape[0] == 0:
            raise SemiloopError(f"reference has shape {tuple(reference.shape)}; pass the "
                                "training rows as a 2-D array (m, n_features) with m >= 1")
        if reference.shape[1] != x.shape[1]:
            raise FeatureMismatchError(
                f"reference has {reference.shape[1]} features, the batch {x.shape[1]}; "
                "pass reference rows encoded like the batch")
        replace = _uniform(x.shape, generator, x.device) < self.rate
        rows = _randint(0, reference.shape[0], x.shape, generator, x.device)
        columns = torch.arange(x.shape[1], device=x.device).expand_as(rows)
        # index where the reference lives and move only the n × n_features values drawn
        drawn = reference[rows.to(reference.device), columns.to(reference.device)]
        return torch.where(replace, drawn.to(device=x.device, dtype=x.dtype), x)

    def __repr__(self):
        return f"MarginalCorruption(reference={_describe(self.reference)}, rate={self.rate!r})"


def table_views(X):
    """Weak and strong views of tabular rows, scaled to each feature's spread.

    weak
        ``FeatureNoise(0.05 · σ_j)``: Gaussian noise at 5% of each feature's
        standard deviation ``σ_j`` (constant features get none).
    strong
        ``MarginalCorruption(X, rate=0.3)``, then ``FeatureNoise(0.15 · σ_j)``.

    The rate 0.3 is VIME's ``p_m`` (Yoon et al. 2020; the default of their
    released code, used both for pre-training and for the consistency views of
    VIME-Semi, Sec. 4.2), chosen over SCARF's default 0.6 (Bahri et al. 2022),
    which serves contrastive pre-training rather than a view whose label must
    stay the same.
    The noise levels 0.05 and 0.15 are those of the signal recipe
    (:func:`signal_views`), in units of each feature's spread.

    Parameters
    ----------
    X : array-like of shape (n, n_features)
        The encoded training pool (labeled and unlabeled rows): the source of the
        marginals and of ``σ_j``.

    Returns
    -------
    weak, strong : Compose

    Raises
    ------
    SemiloopError
        If ``X`` is not 2-D, is empty or has non-finite values.

    Examples
    --------
    >>> weak, strong = table_views(torch.tensor([[0.0, 1.0], [2.0, 1.0]]))
    >>> weak
    Compose(transforms=[FeatureNoise(std=<Tensor of shape (2,)>)])
    >>> strong.transforms[0]
    MarginalCorruption(reference=<Tensor of shape (2, 2)>, rate=0.3)
    """
    reference = torch.as_tensor(X)
    if reference.ndim != 2 or reference.shape[0] == 0:
        raise SemiloopError(f"table_views needs the training rows as a 2-D array "
                            f"(n, n_features); got shape {tuple(reference.shape)}")
    reference = reference.float()
    if not bool(torch.isfinite(reference).all()):
        raise SemiloopError("X has missing or infinite values; impute or drop them before "
                            "building views")
    spread = reference.std(dim=0, correction=0)
    weak = Compose([FeatureNoise(0.05 * spread)])
    strong = Compose([MarginalCorruption(reference, 0.3), FeatureNoise(0.15 * spread)])
    return weak, strong
