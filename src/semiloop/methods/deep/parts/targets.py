"""What an unlabeled row is trained towards: hard pseudo-labels, sharpened or aligned
distributions.

Examples
--------
>>> import torch
>>> proba = torch.tensor([[0.6, 0.4], [0.5, 0.5]])
>>> sharpen(proba, 0.5).double().round(decimals=4).tolist()
[[0.6923, 0.3077], [0.5, 0.5]]
>>> hard_labels(proba).tolist()
[0, 0]
"""

import torch

from semiloop.errors import SemiloopError
from semiloop.methods.deep.parts.context import all_gather

__all__ = ["DistributionAlignment", "hard_labels", "sharpen"]


def hard_labels(proba):
    """``argmax_c p(c)`` per row: the hard pseudo-label (Lee 2013; FixMatch).

    ``proba`` of shape (n, n_classes) gives int64 labels of shape (n,); a tie
    goes to the first of the tied classes.

    Examples
    --------
    >>> import torch
    >>> hard_labels(torch.tensor([[0.2, 0.8], [0.7, 0.3], [0.5, 0.5]])).tolist()
    [1, 0, 0]
    """
    return proba.argmax(dim=-1)


def sharpen(proba, temperature):
    """``p(c)^(1/T) / sum_k p(k)^(1/T)`` per row (MixMatch, Berthelot et al. 2019, Eq. 7).

    ``temperature`` below 1 makes the distribution more confident; as it goes
    to 0 the result tends to the one-hot hard label; 1 leaves it as it is.
    Returns a tensor of the shape of ``proba``, (n, n_classes), each row summing to 1.

    Raises
    ------
    SemiloopError
        When ``temperature`` is not above 0.

    Examples
    --------
    >>> import torch
    >>> proba = torch.tensor([[0.5, 0.3, 0.2]])
    >>> sharpen(proba, 0.5).double().round(decimals=4).tolist()  # squared, then renormalised
    [[0.6579, 0.2368, 0.1053]]
    >>> sharpen(proba, 1.0).double().round(decimals=4).tolist()
    [[0.5, 0.3, 0.2]]
    >>> sharpen(proba, 0)
    Traceback (most recent call last):
    ...
    semiloop.errors.SemiloopError: sharpening temperature must be > 0, got 0
    """
    if temperature <= 0:
        raise SemiloopError(f"sharpening temperature must be > 0, got {temperature}")
    powered = proba.clamp_min(1e-12) ** (1.0 / temperature)
    return powered / powered.sum(dim=-1, keepdim=True)


class DistributionAlignment:
    """Scale predictions by ``target / running mean of the predictions``, then renormalise.

    ``p~(c) = Normalize(p(c) * target(c) / mean_p(c))``. ReMixMatch aligns to
    the labeled class distribution with the mean of the last 128 batches
    (Berthelot et al., ICLR 2020, Sec. 3.1); SoftMatch aligns to the uniform
    distribution with an EMA of momentum 0.999 (Chen et al., ICLR 2023,
    Sec. 3.3, "uniform alignment").

    Parameters
    ----------
    n_classes : int
    target : {'uniform', 'labeled'}, default='uniform'
        ``'labeled'`` aligns to the ``labeled_prior`` given to :meth:`__call__`.
    window : int or None, default=None
        Mean over the last ``window`` batches (ReMixMatch: 128).
    momentum : float, default=0.999
        EMA momentum, used when ``window`` is None (SoftMatch).

    Notes
    -----
    The running mean starts from the uniform distribution and takes the batch
    (gathered over every process under ``torch.distributed``) as the authors'
    code does: an EMA is updated before the batch is aligned (SoftMatch, USB),
    a window after it, its mean over every slot, the unfilled ones uniform
    (ReMixMatch's ``p_model``). The state (``state_dict()``) saves with
    checkpoints.

    Examples
    --------
    >>> align = DistributionAlignment(2, momentum=0.0)  # EMA of momentum 0: the batch mean
    >>> proba = torch.tensor([[0.9, 0.1], [0.7, 0.3]])
    >>> align(proba).double().round(decimals=4).tolist()  # mean (0.8, 0.2) pulled to uniform
    [[0.6923, 0.3077], [0.3684, 0.6316]]
    """

    def __init__(self, n_classes, *, target="uniform", window=None, momentum=0.999):
        if target not in ("uniform", "labeled"):
            raise SemiloopError(f"alignment target must be 'uniform' or 'labeled', got {target!r}")
        self.n_classes, self.target, self.window, self.momentum = (
            n_classes, target, window, momentum)
        self.history = None  # (window, n_classes) means of the last batches, or (n_classes,) EMA
        self.filled = 0

    def _mean(self):
        return self.history if self.window is None else self.history.mean(dim=0)

    @torch.no_grad()
    def update(self, proba):
        """Take a batch of predictions (n_rows, n_classes) into the running mean."""
        batch_mean = all_gather(proba.detach().float()).mean(dim=0)
        uniform = torch.full_like(batch_mean, 1.0 / self.n_classes)
        if self.window is None:
            if self.history is None:
                self.history = uniform
            self.history = self.momentum * self.history + (1 - self.momentum) * batch_mean
            return
        if self.history is None:
            self.history = uniform.repeat(self.window, 1)
        self.history = torch.cat([batch_mean[None], self.history[:-1]])
        self.filled = min(self.filled + 1, self.window)

    @torch.no_grad()
    def __call__(self, proba, labeled_prior=None):
        """``proba`` aligned (same shape and dtype); the running mean takes the batch."""
        if self.window is None:
            self.update(proba)
            return self._align(proba, labeled_prior)
        if self.history is None:
            self.history = torch.full((self.window, self.n_classes), 1.0 / self.n_classes,
                                      device=proba.device)
        aligned = self._align(proba, labeled_prior)
        self.update(proba)
        return aligned

    @torch.no_grad()
    def preview(self, proba, labeled_prior=None):
        """``proba`` aligned with the running mean as it is now; the batch is not taken in.

        Before any batch the running mean is uniform.

        Examples
        --------
        >>> align = DistributionAlignment(2, momentum=0.5)
        >>> proba = torch.tensor([[0.9, 0.1]])
        >>> align.preview(proba).double().round(decimals=4).tolist()  # nothing seen yet
        [[0.9, 0.1]]
        >>> _ = align(torch.tensor([[0.7, 0.3]]))  # running mean (0.6, 0.4)
        >>> align.preview(proba).double().round(decimals=4).tolist()
        [[0.8571, 0.1429]]
        """
        if self.history is None:
            return proba.clone()
        return self._align(proba, labeled_prior)

    def _align(self, proba, labeled_prior):
        if self.target == "labeled":
            if labeled_prior is None:
                raise SemiloopError("alignment to the labeled distribution needs labeled_prior")
            target = labeled_prior.to(proba)
        else:
            target = torch.full((self.n_classes,), 1.0 / self.n_classes).to(proba)
        aligned = proba * (target / self._mean().to(proba).clamp_min(1e-12))
        return aligned / aligned.sum(dim=-1, keepdim=True)

    def state_dict(self):
        return {"history": self.history, "filled": self.filled}

    def load_state_dict(self, state):
        self.history, self.filled = state["history"], int(state["filled"])
