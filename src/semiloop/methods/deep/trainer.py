"""The one training loop every deep SSL algorithm runs in.

A step draws a batch of labeled rows and ``unlabeled_ratio`` times as many
unlabeled rows, makes the views the algorithm asks for (weak, strong), asks
the algorithm for the loss, takes an optimiser step, updates the EMA of the
weights, and every ``log_every`` steps records a
:class:`~semiloop.records.TrainingRecord` (sent to ``callbacks`` too). Every
``eval_every`` steps (and at the last) the EMA weights are evaluated, and the
evaluation gets a record of its own: they are scored on the validation rows
(accuracy, and the expected calibration error before and after a temperature
fitted on those rows; :mod:`~semiloop.methods.deep.validation`), the best of
those checkpoints being the one returned with its temperature (selected on
labeled validation rows only; without them the last step's weights are kept), and a
:class:`~semiloop.methods.deep.trust.TrainingMonitor` checks their
pseudo-labels (audit on hidden labeled rows, flip rate, MC-dropout
uncertainty, collapse alarms) and, if asked, holds unstable rows back from
the unlabeled loss until the next evaluation.

The same code runs in one process and under ``torchrun`` with
DistributedDataParallel: each process draws its own shard of every batch
(``batch_size`` is the global batch) and the algorithms gather their batch
statistics over the processes (:func:`~semiloop.methods.deep.parts.context.all_gather`).

Examples
--------
>>> import torch
>>> from semiloop.methods.deep.algorithms import make_algorithm
>>> g = torch.Generator().manual_seed(0)
>>> x = torch.randn(200, 2, generator=g); y = (x[:, 0] > 0).long()
>>> net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
>>> trainer = Trainer(net, make_algorithm("fixmatch"), steps=30, batch_size=8, seed=0)
>>> result = trainer.fit(x[:20], y[:20], x[20:])
>>> len(result.history), result.history[-1].step
(1, 30)
"""

import copy
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.distributed as dist
from torch.profiler import record_function

from semiloop.callbacks import notify
from semiloop.errors import SemiloopError
from semiloop.methods.deep.parts.context import Batch, StepContext, has_batch_norm
from semiloop.methods.deep.parts.teachers import ExponentialMovingAverage
from semiloop.methods.deep.schedules import cosine_decay
from semiloop.methods.deep.trust import TrainingMonitor
from semiloop.methods.deep.validation import validation_proba, validation_scores
from semiloop.records import TrainingRecord

__all__ = ["TrainResult", "Trainer", "resolve_device"]


def resolve_device(device="auto"):
    """``'auto'``: CUDA when it is available, else the CPU; anything else as given.

    Returns a :class:`torch.device`; a name torch does not know raises its
    own ``RuntimeError``.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("cuda:1")  # named, not checked: no GPU is needed to name one
    device(type='cuda', index=1)
    >>> resolve_device("auto").type in ("cuda", "cpu")
    True
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _identity(x, generator=None):
    return x


class _Sampler:
    """Batches of row indices, one random permutation after another.

    Every process draws the same global batch (the generator is seeded alike
    on all of them) and keeps its own contiguous share, as
    ``torch.utils.data.DistributedSampler`` does: the shares of one step are
    disjoint and together are the batch one process would draw.
    """

    def __init__(self, n, batch_size, generator, rank=0, world=1):
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self.rank, self.world = rank, world
        self.order = torch.empty(0, dtype=torch.long)
        self.position = 0

    def next(self):
        parts, needed = [], self.batch_size
        while needed:
            if self.position >= len(self.order):
                self.order = torch.randperm(self.n, generator=self.generator)
                self.position = 0
            take = self.order[self.position:self.position + needed]
            parts.append(take)
            self.position += len(take)
            needed -= len(take)
        share = self.batch_size // self.world
        return torch.cat(parts)[self.rank * share:(self.rank + 1) * share]

    def state_dict(self):
        return {"order": self.order.clone(), "position": self.position}

    def load_state_dict(self, state):
        self.order, self.position = state["order"], int(state["position"])


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` returns.

    Attributes
    ----------
    model : torch.nn.Module
        The trained weights (raw, not averaged), in evaluation mode.
    ema_model : torch.nn.Module
        The EMA weights, or the best EMA checkpoint on the validation rows,
        in evaluation mode: the model to predict with.
    history : list of TrainingRecord
    best_step : int or None
        Step of the kept checkpoint (None when no validation rows were given).
    best_validation_accuracy : float or None
    temperature : float
        The temperature fitted on the validation rows at the kept
        checkpoint's evaluation, to divide its logits by (1.0 without
        validation rows, with ``calibrate=False``, or when every validation
        row was right there).
    held_back : ndarray of int
        Positions in ``x_unlabeled`` of the rows held back as unstable at the
        last evaluation, the most unstable first (empty unless the monitor
        holds rows back).
    held_back_reasons : ndarray of str
        Why each was held back.

    Examples
    --------
    >>> import torch
    >>> from semiloop.methods.deep.algorithms import make_algorithm
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(8, 2)
    >>> y = (x[:, 0] > 0).long()
    >>> trainer = Trainer(torch.nn.Linear(2, 2), make_algorithm("supervised"), steps=3,
    ...                   batch_size=4, device="cpu")
    >>> result = trainer.fit(x, y, x[:0])  # the supervised baseline needs no unlabeled rows
    >>> result.best_step, result.best_validation_accuracy, result.temperature  # no validation
    (None, None, 1.0)
    >>> [record.step for record in result.history], result.history[0].mask_rate
    ([3], None)
    >>> result.model.training, result.ema_model.training, result.ema_model is result.model
    (False, False, False)
    """

    model: torch.nn.Module
    ema_model: torch.nn.Module
    history: list = field(default_factory=list)
    best_step: int | None = None
    best_validation_accuracy: float | None = None
    temperature: float = 1.0
    held_back: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    held_back_reasons: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))


class Trainer:
    """Train ``model`` with ``algorithm`` on labeled and unlabeled tensors.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch to logits of shape (n, n_classes).
    algorithm : semiloop.methods.deep.algorithms.base.Algorithm
    steps : int, default=3000
    batch_size : int, default=64
        Labeled rows per step, over all processes.
    unlabeled_ratio : int, default=None
        ``mu``: unlabeled rows per labeled row in a step. None: the
        algorithm's own (7 for the FixMatch family, 1 for the others).
    weak, strong : callable, default=None
        Augmentations ``f(x, generator) -> x`` of a whole batch; None: identity.
    optimizer : {'sgd', 'adamw'}, default='sgd'
        SGD with Nesterov momentum (FixMatch's) or AdamW.
    learning_rate : float, default=0.03
    momentum : float, default=0.9
    weight_decay : float, default=5e-4
        Applied to weight matrices and kernels, not to biases or norm scales.
    schedule : {'cosine', 'constant'}, default='cosine'
        FixMatch's ``cos(7 pi k / 16 K)`` decay, or none.
    ema_decay : float, default=0.99
        (0.999 in FixMatch's paper, for a million steps; over a few thousand
        the average trails the weights: see :class:`DeepSSLClassifier`.)
    ema_warmup : bool, default=True
        ``min(decay, 1 - 1/(t + 1))`` (Mean Teacher's), so that the average
        does not carry the initial weights for thousands of steps.
    eval_every : int, default=250
        Steps between evaluations (validation rows, the monitor's checks).
    log_every : int, default=100
        Steps per :class:`~semiloop.records.TrainingRecord`.
    device : str, default='auto'
        CUDA when available (with bfloat16 or float16 autocast), else the CPU.
    mixed_precision : bool or None, default=None
        None: on CUDA only.
    seed : int, default=0
        Seeds the batches, the augmentations and the algorithm's draws; the
        same seed gives the same result on the same device.
    callbacks : list of semiloop.callbacks.Callback, default=None
        Receive ``on_progress(stage="<algorithm> training steps", done, total)`` and each record.
    checkpoint_path : str or path, default=None
        Where a checkpoint is written every ``checkpoint_every`` steps (written
        to a temporary name, then renamed). With ``resume=True`` in :meth:`fit`
        training continues from it, and gives the same result as a run that
        was never interrupted.
    checkpoint_every : int, default=500
    estimator : object, default=None
        Passed to the callbacks as the model they report on
        (:class:`DeepSSLClassifier` passes itself).
    monitor : TrainingMonitor, default=None
        The checks of the pseudo-labels at each evaluation
        (:class:`~semiloop.methods.deep.trust.TrainingMonitor`); None: one
        with its defaults (watching 2,000 unlabeled rows, holding none back).
    calibrate : bool, default=True
        At each evaluation with validation rows, fit a temperature on them
        (Guo et al., ICML 2017) and record it with the expected calibration
        error after it (none is fitted when every validation row is right);
        the error before it is recorded either way.

    Raises
    ------
    SemiloopError
        For an unknown ``optimizer`` or ``schedule``, ``steps`` or
        ``batch_size`` below 1, or ``unlabeled_ratio`` below 0; in
        :meth:`fit`, see there.

    Examples
    --------
    FixMatch for 3 steps on a linear model, a record per step, the
    validation rows scored after the last:

    >>> import torch
    >>> from semiloop.methods.deep.algorithms import make_algorithm
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(16, 2)
    >>> y = (x[:, 0] > 0).long()
    >>> trainer = Trainer(torch.nn.Linear(2, 2), make_algorithm("fixmatch", threshold=0.7),
    ...                   steps=3, batch_size=4, unlabeled_ratio=2, log_every=1, device="cpu")
    >>> result = trainer.fit(x[:4], y[:4], x[4:12], x_validation=x[12:], y_validation=y[12:])
    >>> [(round(r.loss, 3), r.mask_rate) for r in result.history]
    [(1.502, 0.625), (1.404, 0.625), (1.293, 0.625)]
    >>> round(result.history[-1].learning_rate, 5)  # 0.03 cos(7 pi / 16) at the last step
    0.00585
    >>> result.best_step, result.best_validation_accuracy
    (3, 0.75)
    """

    def __init__(self, model, algorithm, *, steps=3000, batch_size=64, unlabeled_ratio=None,
                 weak=None, strong=None, optimizer="sgd", learning_rate=0.03, momentum=0.9,
                 weight_decay=5e-4, schedule="cosine", ema_decay=0.99, ema_warmup=True,
                 eval_every=250, log_every=100, device="auto", mixed_precision=None, seed=0,
                 callbacks=None, checkpoint_path=None, checkpoint_every=500, estimator=None,
                 monitor=None, calibrate=True):
        if optimizer not in ("sgd", "adamw"):
            raise SemiloopError(f"optimizer must be 'sgd' or 'adamw', got {optimizer!r}")
        if schedule not in ("cosine", "constant"):
            raise SemiloopError(f"schedule must be 'cosine' or 'constant', got {schedule!r}")
        if unlabeled_ratio is None:
            unlabeled_ratio = algorithm.unlabeled_ratio
        if steps < 1 or batch_size < 1 or unlabeled_ratio < 0:
            raise SemiloopError(
                f"steps and batch_size must be >= 1 and unlabeled_ratio >= 0, got steps={steps}, "
                f"batch_size={batch_size}, unlabeled_ratio={unlabeled_ratio}")
        self.model, self.algorithm = model, algorithm
        self.steps, self.batch_size, self.unlabeled_ratio = steps, batch_size, unlabeled_ratio
        self.weak, self.strong = weak or _identity, strong or _identity
        self.optimizer_name, self.learning_rate, self.momentum = optimizer, learning_rate, momentum
        self.weight_decay, self.schedule = weight_decay, schedule
        self.ema_decay, self.ema_warmup = ema_decay, ema_warmup
        self.eval_every, self.log_every = eval_every, log_every
        self.device = resolve_device(device)
        self.mixed_precision = (self.device.type == "cuda" if mixed_precision is None
                                else mixed_precision)
        self.seed, self.callbacks, self.estimator = seed, callbacks, estimator
        self.checkpoint_path, self.checkpoint_every = checkpoint_path, checkpoint_every
        self.monitor, self.calibrate = monitor, calibrate

    # ------------------------------------------------------------------ setup

    def _world(self):
        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return 0, 1

    def _optimizer(self, model):
        decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
        no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
        groups = [{"params": decay, "weight_decay": self.weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        if self.optimizer_name == "adamw":
            return torch.optim.AdamW(groups, lr=self.learning_rate)
        return torch.optim.SGD(groups, lr=self.learning_rate, momentum=self.momentum,
                               nesterov=self.momentum > 0)

    def _lr_factor(self, step):
        return cosine_decay(step, self.steps) if self.schedule == "cosine" else 1.0

    def _autocast(self):
        if not self.mixed_precision or self.device.type != "cuda":
            return torch.autocast(self.device.type, enabled=False)
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)

    def _check_divisible(self, global_size, world):
        if global_size % world:
            raise SemiloopError(
                f"a batch of {global_size} rows cannot be split evenly over {world} processes; "
                f"pass a batch_size that is a multiple of the number of processes")
        return global_size // world

    # ------------------------------------------------------------------ fit

    def fit(self, x_labeled, y_labeled, x_unlabeled, *, x_validation=None,
            y_validation=None, unlabeled_truth=None, audit_truth=None, n_classes=None,
            class_prior=None, resume=False):
        """Train; returns a :class:`TrainResult`.

        Parameters
        ----------
        x_labeled : Tensor of shape (n_labeled, ...)
        y_labeled : Tensor of shape (n_labeled,), int, classes ``0 .. n_classes - 1``
        x_unlabeled : Tensor of shape (n_unlabeled, ...)
            May be empty for the supervised algorithm.
        x_validation, y_validation : Tensor, optional
            Labeled rows held out for choosing the checkpoint.
        unlabeled_truth : Tensor of shape (n_unlabeled,), optional
            True classes of unlabeled rows (-1 where unknown), only to record
            pseudo-label accuracy; never used in training.
        audit_truth : Tensor of shape (n_unlabeled,), optional
            True classes of the unlabeled rows that are labeled rows hidden
            for the pseudo-label audit (-1 for the others); read only by the
            monitor at evaluations, never in a loss.
        n_classes : int, optional
            Default: ``max(y_labeled) + 1``.
        class_prior : Tensor of shape (n_classes,), optional
            The unlabeled rows' class shares (distribution alignment's target,
            the alarms' reference). Default: the labeled rows' shares.
        resume : bool, default=False
            Continue from ``checkpoint_path`` if it exists.

        Raises
        ------
        SemiloopError
            When the algorithm needs unlabeled rows and ``x_unlabeled`` is
            empty, when the monitor holds rows back and the algorithm mixes
            rows (MixMatch, ReMixMatch), or when ``batch_size`` (or
            ``batch_size * unlabeled_ratio``) cannot be split evenly over the
            processes.
        """
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):  # dropout draws; the caller's RNG is kept
            torch.manual_seed(self.seed * 1000 + self._world()[0] + 2)
            return self._fit(x_labeled, y_labeled, x_unlabeled, x_validation, y_validation,
                             unlabeled_truth, audit_truth, n_classes, class_prior, resume)

    def _fit(self, x_labeled, y_labeled, x_unlabeled, x_validation, y_validation,
             unlabeled_truth, audit_truth, n_classes, class_prior, resume):
        rank, world = self._world()
        device = self.device
        n_classes = int(n_classes or int(y_labeled.max()) + 1)
        needs_unlabeled = bool(self.algorithm.views)
        if needs_unlabeled and len(x_unlabeled) == 0:
            raise SemiloopError(
                f"{self.algorithm.name} needs unlabeled rows and none were given; mark rows "
                "without a label with y = -1, or use the supervised algorithm")
        monitor = self.monitor if self.monitor is not None else TrainingMonitor()
        if monitor.hold_back and needs_unlabeled and not self.algorithm.holds_back_rows:
            raise SemiloopError(
                f"{self.algorithm.name} mixes unlabeled rows with each other, so no row can be "
                "held back from its loss; turn holding back off or use another algorithm "
                "(fixmatch, flexmatch, freematch, softmatch, pseudolabel, pimodel, meanteacher)")
        self._check_divisible(self.batch_size, world)
        self._check_divisible(self.batch_size * self.unlabeled_ratio, world)

        x_labeled = x_labeled.to(device)
        y_labeled = y_labeled.to(device=device, dtype=torch.long)
        x_unlabeled = x_unlabeled.to(device)
        truth = None if unlabeled_truth is None else unlabeled_truth.to(device, torch.long)
        if class_prior is None:
            prior = torch.bincount(y_labeled, minlength=n_classes).float()
            prior = prior / prior.sum()
        else:
            prior = torch.as_tensor(class_prior, dtype=torch.float32, device=device)

        model = self.model.to(device)
        ema = ExponentialMovingAverage(model, self.ema_decay, warmup=self.ema_warmup)
        student = model
        if world > 1:
            student = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None)
        optimizer = self._optimizer(model)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, self._lr_factor)
        scaler = torch.amp.GradScaler(device.type, enabled=(
            self.mixed_precision and device.type == "cuda"
            and not torch.cuda.is_bf16_supported()))
        self.algorithm.setup(n_classes=n_classes, n_unlabeled=len(x_unlabeled), device=device)

        generator = torch.Generator(device="cpu").manual_seed(self.seed)  # alike on every rank
        view_generator = torch.Generator(device=device).manual_seed(self.seed * 1000 + rank + 1)
        labeled_sampler = _Sampler(len(x_labeled), self.batch_size, generator, rank, world)
        unlabeled_sampler = _Sampler(max(len(x_unlabeled), 1),
                                     self.batch_size * self.unlabeled_ratio, generator, rank, world)
        views = {"weak": self.weak, "strong": self.strong}
        shared = has_batch_norm(model)
        watch = monitor.start(x_unlabeled, audit_truth=audit_truth, labeled_prior=prior,
                              weak=self.weak, seed=self.seed)

        history = []
        best = {"step": None, "accuracy": -1.0, "state": None, "temperature": 1.0}
        start = 0
        if resume and self.checkpoint_path and os.path.exists(self.checkpoint_path):
            start, history, best = self._load(
                model, ema, optimizer, scheduler, scaler, generator, view_generator,
                labeled_sampler, unlabeled_sampler, watch)

        totals = _Totals()
        model.train()
        ema.train()
        tick = time.perf_counter()
        for step in range(start, self.steps):
            with record_function("semiloop.sample_and_augment"):
                index = labeled_sampler.next().to(device)
                batch = Batch(views[self.algorithm.labeled_view](x_labeled[index],
                                                                 view_generator),
                              y_labeled[index])
                if needs_unlabeled:
                    unlabeled_index = unlabeled_sampler.next().to(device)
                    rows = x_unlabeled[unlabeled_index]
                    batch.views = [views[name](rows, view_generator)
                                   for name in self.algorithm.views]
                    batch.unlabeled_index = unlabeled_index
                    batch.unlabeled_truth = None if truth is None else truth[unlabeled_index]
                    batch.unlabeled_keep = watch.keep_for(unlabeled_index)
            context = StepContext(
                student, ema.module, step, self.steps, n_classes,
                self.algorithm.weight_at(step, self.steps), prior, view_generator, shared)
            with record_function("semiloop.loss"), self._autocast():
                loss = self.algorithm.loss(batch, context)
            with record_function("semiloop.backward"):
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss.total).backward()
            with record_function("semiloop.optimizer_and_ema"):
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                ema.update_parameters(model)
            with record_function("semiloop.bookkeeping"):
                totals.add(loss, context.unlabeled_weight, batch.unlabeled_truth)

            done = step + 1
            evaluation = {}
            if done % self.eval_every == 0 or done == self.steps:
                with record_function("semiloop.evaluate"):
                    evaluation, best = self._evaluate(ema, watch, x_validation, y_validation,
                                                      x_unlabeled, best, done)
            if evaluation or done % self.log_every == 0 or done == self.steps:
                seconds = (time.perf_counter() - tick) / max(totals.steps, 1)
                record = totals.record(done, optimizer.param_groups[0]["lr"],
                                       self.algorithm.thresholds(), seconds, **evaluation)
                history.append(record)
                notify(self.callbacks, "on_record", self.estimator, record)
                totals, tick = _Totals(), time.perf_counter()
            notify(self.callbacks, "on_progress", self.estimator,
                   stage=f"{self.algorithm.name} training steps", done=done, total=self.steps)
            if (self.checkpoint_path and done % self.checkpoint_every == 0
                    and done < self.steps and rank == 0):
                self._save(done, model, ema, optimizer, scheduler, scaler, generator,
                           view_generator, labeled_sampler, unlabeled_sampler, history, best,
                           watch)

        if best["state"] is not None:
            ema.module.load_state_dict(best["state"])
        model.eval()
        ema.module.eval()
        return TrainResult(model, ema.module, history, best["step"],
                           best["accuracy"] if best["step"] is not None else None,
                           best.get("temperature", 1.0),  # absent from older checkpoints
                           watch.held_back, watch.held_back_reasons)

    def _evaluate(self, ema, watch, x_validation, y_validation, x_unlabeled, best, done):
        """The record fields of an evaluation at step ``done``, and the best checkpoint so far."""
        evaluation = {}
        ema.module.eval()
        if x_validation is not None:
            proba = validation_proba(ema.module, x_validation, device=self.device)
            scores, temperature = validation_scores(y_validation.cpu().numpy(), proba,
                                                    calibrate=self.calibrate)
            evaluation.update(scores)
            if scores["validation_accuracy"] >= best["accuracy"]:
                best = {"step": done, "accuracy": scores["validation_accuracy"],
                        "state": copy.deepcopy(ema.module.state_dict()),
                        "temperature": temperature}
        if len(x_unlabeled):
            evaluation.update(watch.evaluate(ema.module, self.algorithm, done))
        ema.train()
        return evaluation, best

    # ------------------------------------------------------------ checkpoints

    def _save(self, step, model, ema, optimizer, scheduler, scaler, generator, view_generator,
              labeled_sampler, unlabeled_sampler, history, best, watch):
        state = {
            "step": step, "model": model.state_dict(), "ema": ema.state_dict(),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict(), "algorithm": self.algorithm.state_dict(),
            "generator": generator.get_state(), "view_generator": view_generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "labeled_sampler": labeled_sampler.state_dict(),
            "unlabeled_sampler": unlabeled_sampler.state_dict(),
            "history": [record.to_dict() for record in history], "best": best,
            "monitor": watch.state_dict(),
        }
        path = os.fspath(self.checkpoint_path)
        partial = f"{path}.{os.getpid()}.part"
        torch.save(state, partial)
        os.replace(partial, path)

    def _load(self, model, ema, optimizer, scheduler, scaler, generator, view_generator,
              labeled_sampler, unlabeled_sampler, watch):
        state = torch.load(self.checkpoint_path, map_location=self.device, weights_only=True)
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        self.algorithm.load_state_dict(state["algorithm"])
        generator.set_state(state["generator"].cpu())
        view_generator.set_state(state["view_generator"].cpu())
        torch.set_rng_state(state["torch_rng"].cpu())
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
        labeled_sampler.load_state_dict(state["labeled_sampler"])
        unlabeled_sampler.load_state_dict(state["unlabeled_sampler"])
        if "monitor" in state:
            watch.load_state_dict(state["monitor"])
        history = [TrainingRecord(**record) for record in state["history"]]
        return state["step"], history, state["best"]


class _Totals:
    """Running sums of one logging interval."""

    def __init__(self):
        self.steps = 0
        self.loss = self.supervised = self.unlabeled = self.weight = 0.0
        self.mask = self.mask_steps = 0.0
        self.correct = self.checked = 0

    def add(self, loss, weight, truth):
        self.steps += 1
        self.loss += float(loss.total.detach())
        self.supervised += float(loss.supervised.detach())
        self.unlabeled += float(loss.unlabeled.detach())
        self.weight = weight
        if loss.mask is not None:
            self.mask += float(loss.mask.detach().float().mean())
            self.mask_steps += 1
        if truth is not None and loss.pseudo_labels is not None:
            known = truth >= 0
            if loss.mask is not None:
                known = known & (loss.mask > 0)
            self.correct += int((loss.pseudo_labels[known] == truth[known]).sum())
            self.checked += int(known.sum())

    def record(self, step, learning_rate, thresholds, seconds, **evaluation):
        """The record of the stretch; ``evaluation``: the fields of an evaluation at ``step``."""
        n = max(self.steps, 1)
        return TrainingRecord(
            step=step, learning_rate=float(learning_rate), loss=self.loss / n,
            supervised_loss=self.supervised / n, unlabeled_loss=self.unlabeled / n,
            unlabeled_weight=float(self.weight),
            mask_rate=self.mask / self.mask_steps if self.mask_steps else None,
            pseudo_label_accuracy=self.correct / self.checked if self.checked else None,
            thresholds=[float(t) for t in thresholds] if thresholds is not None else None,
            seconds_per_step=seconds, **evaluation)
