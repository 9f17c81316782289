"""The exponential moving average (EMA) of the weights: Mean Teacher's teacher,
and the weights every algorithm is evaluated with.

Built on ``torch.optim.swa_utils.AveragedModel``; only the decay is ours.
"""

import torch
from torch.optim.swa_utils import AveragedModel

__all__ = ["ExponentialMovingAverage", "ema_decay"]


def ema_decay(decay, n_averaged, *, warmup=True):
    """The decay applied at the update after ``n_averaged`` earlier ones.

    With ``warmup``, ``min(decay, 1 - 1 / (n_averaged + 1))``: early updates
    follow the weights closely, so the average is not dominated by the random
    initial weights (Tarvainen & Valpola, "Mean teachers are better role
    models", NeurIPS 2017, Sec. 3). Without it, ``decay`` from the first
    update (FixMatch's and USB's EMA).

    Examples
    --------
    >>> ema_decay(0.999, 1), ema_decay(0.999, 3), ema_decay(0.999, 5000)
    (0.5, 0.75, 0.999)
    >>> ema_decay(0.999, 1, warmup=False)
    0.999
    """
    if not warmup:
        return decay
    return min(decay, 1.0 - 1.0 / (n_averaged + 1))


class ExponentialMovingAverage(AveragedModel):
    """An EMA copy of ``model``: ``theta' <- d * theta' + (1 - d) * theta`` after each step.

    Parameters
    ----------
    model : torch.nn.Module
        The model whose weights are averaged (not a DDP wrapper: pass
        ``ddp.module``).
    decay : float, default=0.999
    warmup : bool, default=True
        See :func:`ema_decay`.

    Notes
    -----
    Buffers (batch-norm running statistics) are averaged like the weights
    (``use_buffers=True``). The first update copies the weights.

    Examples
    --------
    >>> net = torch.nn.Linear(1, 1, bias=False)
    >>> _ = torch.nn.init.constant_(net.weight, 1.0)
    >>> ema = ExponentialMovingAverage(net, decay=0.9, warmup=False)
    >>> ema.update_parameters(net)
    >>> _ = torch.nn.init.constant_(net.weight, 0.0)
    >>> ema.update_parameters(net)
    >>> round(ema.module.weight.item(), 6)
    0.9
    """

    def __init__(self, model, decay=0.999, *, warmup=True):
        self.decay, self.warmup = decay, warmup
        super().__init__(model, multi_avg_fn=self._update, use_buffers=True)

    @torch.no_grad()
    def _update(self, averaged, current, n_averaged):
        d = ema_decay(self.decay, int(n_averaged), warmup=self.warmup)
        floats = [(a, c) for a, c in zip(averaged, current, strict=True)
                  if a.is_floating_point()]
        if floats:
            torch._foreach_lerp_([a for a, _ in floats], [c for _, c in floats], 1.0 - d)
        for a, c in zip(averaged, current, strict=True):
            if not a.is_floating_point():
                a.copy_(c)
