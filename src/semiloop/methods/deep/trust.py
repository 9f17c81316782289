"""What the deep trainer checks of its pseudo-labels at every evaluation.

Every ``eval_every`` steps the :class:`~semiloop.methods.deep.trainer.Trainer`
hands its evaluation weights (the EMA) to a :class:`TrainingMonitor`, which
measures, without a new label and without touching training:

- the **pseudo-label audit**: labeled rows hidden among the unlabeled ones
  (``audit_truth``; their labels reach no loss) get the pseudo-labels the
  algorithm would give them now (the model's prediction of their weak view,
  kept where it passes the algorithm's current mask; see
  :meth:`~semiloop.methods.deep.algorithms.base.Algorithm.preview`); their
  precision, recall and coverage per class
  (:func:`semiloop.trust.training.pseudo_label_audit`);
- the **flip rate**: the share of the watched unlabeled rows whose predicted
  class changed since the previous evaluation: successive EMA weights are
  snapshot models, and a row they disagree on is an unstable pseudo-label;
- **MC-dropout uncertainty**, where the network has dropout: ``T`` passes
  with only the dropout layers in training mode (batch norm keeps its
  running statistics); per row the standard deviation over the passes of
  the probability of the consensus class, the uncertainty of UPS (Rizve et
  al., "In Defense of Pseudo-Labeling", ICLR 2021, Sec. 3.2); recorded as
  its mean;
- **collapse alarms** (:func:`semiloop.trust.training.collapse_alarms`):
  the current predictions of the watched rows against those of the first
  evaluation (the reference), and the class shares of the pseudo-labels the
  algorithm would keep against the labeled prior.

With ``hold_back=True`` the rows that flipped at the last evaluation, or
whose MC-dropout standard deviation is at least ``uncertainty_limit``, leave
the unlabeled loss until the next evaluation (``Batch.unlabeled_keep``), and
are listed for human review. UPS keeps a pseudo-label only when that
deviation is below ``kappa_p`` (Sec. 3.2, Eq. 4 of the paper); 0.05 is
``kappa_p`` in the authors' experiments (their code's default, with 10
passes of dropout 0.3).

Examples
--------
>>> import torch
>>> from semiloop.methods.deep.algorithms import make_algorithm
>>> net = torch.nn.Linear(2, 2, bias=False)
>>> _ = torch.nn.init.eye_(net.weight)
>>> x = torch.tensor([[3.0, 0.0], [0.0, 3.0], [2.0, 0.0], [0.0, 0.5]])
>>> algorithm = make_algorithm("fixmatch", threshold=0.95)
>>> algorithm.setup(n_classes=2, n_unlabeled=4, device="cpu")
>>> watch = TrainingMonitor().start(x, audit_truth=torch.tensor([0, 1, 1, -1]),
...                                 labeled_prior=torch.tensor([0.5, 0.5]))
>>> checks = watch.evaluate(net, algorithm, step=10)
>>> audit = checks["pseudo_label_audit"]  # softmax(3, 0) = 0.953 passes 0.95, (2, 0) does not
>>> audit["n_hidden"], audit["precision"], audit["coverage"]
(3, 1.0, 0.6667)
>>> checks["flip_rate"], checks["mc_dropout_std"], checks["held_back"]  # first look, no dropout
(None, None, None)
"""

import numpy as np
import torch
from torch.nn.modules.dropout import _DropoutNd

from semiloop.trust.training import (
    collapse_alarms,
    ensemble_disagreement,
    flip_rate,
    pseudo_label_audit,
)

__all__ = ["TrainingMonitor", "dropout_layers", "mc_dropout_proba", "predict_proba"]

#: A row whose pseudo-label counts at least this much is pseudo-labeled in the audit.
COUNTED_WEIGHT = 0.5


def dropout_layers(model):
    """The dropout modules of ``model`` that drop something (``p > 0``).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Dropout(0.0),
    ...                           torch.nn.Dropout(0.2))
    >>> [layer.p for layer in dropout_layers(net)]
    [0.2]
    """
    return [module for module in model.modules()
            if isinstance(module, _DropoutNd) and module.p > 0]


@torch.no_grad()
def predict_proba(model, x, batch_size=1024):
    """Class probabilities (float32) of ``model`` in its current mode, in batches.

    ``x`` of shape (n, ...) gives a tensor of shape (n, n_classes) on
    ``x``'s device.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 2, bias=False)
    >>> _ = torch.nn.init.zeros_(net.weight)
    >>> predict_proba(net, torch.ones(3, 2), batch_size=2).tolist()
    [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
    """
    parts = [model(x[start:start + batch_size]).float().softmax(dim=-1)
             for start in range(0, len(x), batch_size)]
    return torch.cat(parts)


@torch.no_grad()
def mc_dropout_proba(model, x, passes, *, seed, batch_size=1024):
    """``passes`` predictions of ``x`` with dropout on: shape (passes, n, n_classes).

    Only the dropout layers are put in training mode (batch norm keeps its
    running statistics) and put back afterwards; the draws come from
    ``seed``, on a fork of torch's random state, which is left as it was
    (Gal & Ghahramani, ICML 2016).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Dropout(0.5),
    ...                           torch.nn.Linear(8, 2)).eval()
    >>> x = torch.randn(5, 2)
    >>> first = mc_dropout_proba(net, x, 4, seed=1)
    >>> tuple(first.shape), torch.equal(first, mc_dropout_proba(net, x, 4, seed=1))
    ((4, 5, 2), True)
    >>> net.training, net[1].training  # the modes are put back
    (False, False)
    """
    layers = dropout_layers(model)
    modes = [layer.training for layer in layers]
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for layer in layers:
            layer.train()
        try:
            return torch.stack([predict_proba(model, x, batch_size) for _ in range(passes)])
        finally:
            for layer, mode in zip(layers, modes, strict=True):
                layer.train(mode)


class TrainingMonitor:
    """The checks the deep trainer runs at each evaluation (see the module's docstring).

    Holds the settings only; :meth:`start` makes the state of one training
    run, so one monitor serves any number of fits.

    Parameters
    ----------
    rows : int or None, default=2000
        Unlabeled rows watched for flips, MC-dropout uncertainty and alarms:
        a random subset fixed at the start (seeded); None watches every
        row (needed for ``hold_back`` to judge every row). The audit rows
        are always scored in full.
    mc_dropout_passes : int, default=8
        ``T``; 0 (or a network without dropout) records no uncertainty.
    hold_back : bool, default=False
        Hold the unstable rows back from the unlabeled loss until the next
        evaluation.
    uncertainty_limit : float, default=0.05
        ``kappa``: rows whose MC-dropout standard deviation is at least this
        are unstable (UPS's ``kappa_p``).
    alarm_thresholds : dict, default=None
        Overrides of :data:`semiloop.trust.training.TRAINING_ALARM_DEFAULTS`.
    classes : array-like, default=None
        Names of the classes for the audit's per-class entries (default:
        class indices).
    batch_size : int, default=1024
        Rows per forward pass.

    Notes
    -----
    Cost per evaluation: ``1 + mc_dropout_passes`` forward passes over the
    watched rows and one over the audit rows, without gradients; training
    itself (batches, random draws, weights) is the same with or without the
    monitor, unless ``hold_back`` is on.
    """

    def __init__(self, *, rows=2000, mc_dropout_passes=8, hold_back=False,
                 uncertainty_limit=0.05, alarm_thresholds=None, classes=None, batch_size=1024):
        self.rows, self.mc_dropout_passes, self.hold_back = rows, mc_dropout_passes, hold_back
        self.uncertainty_limit, self.alarm_thresholds = uncertainty_limit, alarm_thresholds
        self.classes, self.batch_size = classes, batch_size

    def start(self, x_unlabeled, *, audit_truth=None, labeled_prior, weak=None, seed=0):
        """The state of one training run over ``x_unlabeled``.

        Parameters
        ----------
        x_unlabeled : Tensor of shape (n_unlabeled, ...)
            The unlabeled rows the trainer draws from, hidden rows included.
        audit_truth : Tensor of shape (n_unlabeled,), int, default=None
            True class of the rows that are labeled rows hidden for the
            audit, -1 for the others.
        labeled_prior : Tensor of shape (n_classes,)
            Class shares of the labeled rows trained on.
        weak : callable, default=None
            The weak augmentation ``weak(x, generator)``; None: identity.
        seed : int, default=0
            Seeds the watched subset, the weak views and the dropout draws.

        Returns
        -------
        MonitorRun
        """
        return MonitorRun(self, x_unlabeled, audit_truth, labeled_prior, weak, seed)


class MonitorRun:
    """One training run's checks: the watched rows, the previous predictions, the held-back rows.

    Made by :meth:`TrainingMonitor.start`.

    Attributes
    ----------
    watched : Tensor of shape (n_watched,), int64
        Positions of the watched rows in the unlabeled pool, sorted.
    keep : Tensor of shape (n_unlabeled,), float, or None
        1 for rows that count in the unlabeled loss, 0 for rows held back
        (None without ``hold_back``).
    held_back : ndarray of int
        Positions of the rows held back at the last evaluation, the most
        unstable first.
    held_back_reasons : ndarray of str
        Why each was: ``'prediction flipped'``, ``'MC-dropout uncertain'`` or both.
    """

    def __init__(self, settings, x_unlabeled, audit_truth, labeled_prior, weak, seed):
        self.settings, self.x, self.seed = settings, x_unlabeled, seed
        self.weak = weak or (lambda x, generator=None: x)
        self.prior = labeled_prior.detach().double().cpu().numpy()
        n = len(x_unlabeled)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        size = n if settings.rows is None else min(settings.rows, n)
        self.watched = order[:size].sort().values.to(x_unlabeled.device)
        self.audit_rows = self.audit_codes = None
        if audit_truth is not None:
            truth = audit_truth.to(x_unlabeled.device, torch.long)
            self.audit_rows = torch.nonzero(truth >= 0).flatten()
            self.audit_codes = truth[self.audit_rows].cpu().numpy()
        self.keep = (torch.ones(n, device=x_unlabeled.device) if settings.hold_back else None)
        self.previous = self.reference = None
        self.held_back = np.zeros(0, dtype=int)
        self.held_back_reasons = np.zeros(0, dtype=str)

    def evaluate(self, model, algorithm, step):
        """The checks of ``model`` (in eval mode) at ``step``: the record's trust fields.

        Updates the previous predictions, the reference (at the first call)
        and, with ``hold_back``, :attr:`keep` and :attr:`held_back`.

        Returns
        -------
        dict
            ``pseudo_label_audit`` (dict or None), ``flip_rate``,
            ``mc_dropout_std`` (float or None), ``held_back`` (int, or None
            without ``hold_back``) and ``alarms`` (the tripped ones, as dicts).
        """
        checks = {"pseudo_label_audit": self._audit(model, algorithm, step),
                  "flip_rate": None, "mc_dropout_std": None, "held_back": None, "alarms": []}
        if len(self.watched) == 0:
            return checks
        x = self.x[self.watched]
        proba = predict_proba(model, x, self.settings.batch_size)
        codes = proba.argmax(dim=-1).cpu().numpy()
        flipped = np.zeros(len(codes), dtype=bool)
        if self.previous is not None:
            checks["flip_rate"] = flip_rate(self.previous, codes)
            flipped = self.previous != codes
        self.previous = codes
        spread = None
        if self.settings.mc_dropout_passes and dropout_layers(model):
            passes = mc_dropout_proba(model, x, self.settings.mc_dropout_passes,
                                      seed=self._seed(step, 1), batch_size=self.settings.batch_size)
            spread = ensemble_disagreement(passes.double().cpu().numpy()).std
            checks["mc_dropout_std"] = round(float(spread.mean()), 4)
        checks["alarms"] = self._alarms(proba, algorithm)
        if self.keep is not None:
            self._hold_back(flipped, spread, proba.amax(dim=-1).cpu().numpy())
            checks["held_back"] = len(self.held_back)
        return checks

    def _seed(self, step, purpose):
        return (self.seed * 1_000_003 + step) * 4 + purpose

    def _audit(self, model, algorithm, step):
        if self.audit_rows is None or len(self.audit_rows) == 0:
            return None
        generator = torch.Generator(device=self.x.device).manual_seed(self._seed(step, 2))
        rows = self.weak(self.x[self.audit_rows], generator)
        proba = predict_proba(model, rows, self.settings.batch_size)
        labels, mask = algorithm.preview(proba, torch.as_tensor(self.prior).to(proba))
        if mask is not None:
            labels = torch.where(mask >= COUNTED_WEIGHT, labels, -1)
        audit = pseudo_label_audit(self.audit_codes, labels.cpu().numpy(), len(self.prior))
        return audit.to_dict(self.settings.classes)

    def _alarms(self, proba, algorithm):
        labels, mask = algorithm.preview(proba, torch.as_tensor(self.prior).to(proba))
        if mask is not None:
            labels = torch.where(mask >= COUNTED_WEIGHT, labels, -1)
        current = proba.double().cpu().numpy()
        current /= current.sum(axis=1, keepdims=True)
        if self.reference is None:
            self.reference = current
        alarms = collapse_alarms(self.reference, current, self.prior,
                                 pseudo_codes=labels.cpu().numpy(),
                                 **(self.settings.alarm_thresholds or {}))
        return [alarm.to_dict() for alarm in alarms if alarm.tripped]

    def _hold_back(self, flipped, spread, confidence):
        uncertain = (np.zeros(len(flipped), dtype=bool) if spread is None
                     else spread >= self.settings.uncertainty_limit)
        unstable = np.flatnonzero(flipped | uncertain)
        score = flipped[unstable].astype(float)
        if spread is not None:
            score = score + spread[unstable] / max(self.settings.uncertainty_limit, 1e-12)
        order = unstable[np.lexsort((confidence[unstable], -score))]
        reasons = np.where(flipped[order] & uncertain[order],
                           "prediction flipped; MC-dropout uncertain",
                           np.where(flipped[order], "prediction flipped", "MC-dropout uncertain"))
        positions = self.watched.cpu().numpy()[order]
        self.held_back, self.held_back_reasons = positions, reasons.astype(str)
        self.keep.fill_(1.0)
        self.keep[torch.as_tensor(positions, device=self.keep.device, dtype=torch.long)] = 0.0

    def keep_for(self, index):
        """:attr:`keep` of the rows at ``index`` (None when nothing is held back)."""
        return None if self.keep is None else self.keep[index]

    def state_dict(self):
        """What a checkpoint needs to continue the checks as an uninterrupted run would."""
        return {"previous": None if self.previous is None else torch.as_tensor(self.previous),
                "reference": None if self.reference is None else torch.as_tensor(self.reference),
                "keep": self.keep, "held_back": torch.as_tensor(self.held_back),
                "held_back_reasons": [str(reason) for reason in self.held_back_reasons]}

    def load_state_dict(self, state):
        self.previous = None if state["previous"] is None else state["previous"].cpu().numpy()
        self.reference = (None if state["reference"] is None
                          else state["reference"].cpu().numpy())
        if state["keep"] is not None and self.keep is not None:
            self.keep = state["keep"].to(self.keep.device)
        self.held_back = state["held_back"].cpu().numpy().astype(int)
        self.held_back_reasons = np.array(state["held_back_reasons"], dtype=str)
