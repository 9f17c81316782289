"""``DeepSSLClassifier``: the deep algorithms behind scikit-learn's classifier contract."""

import json
import os
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from semiloop._compat import Interval, StrOptions
from semiloop.callbacks import notify
from semiloop.data.labels import check_labels, encode_labels
from semiloop.errors import DataError, ModelFileError, SemiloopWarning
from semiloop.methods._chain_trust import hidden_rows
from semiloop.methods._inputs import prepare_target
from semiloop.methods.calibration import apply_temperature
from semiloop.methods.class_prior import CLASS_PRIORS, resolve_class_prior
from semiloop.trust.training import alarm_summary

__all__ = ["DeepSSLClassifier"]

_FORMAT = "semiloop-deep-model/1"
_NET_MODALITY = {"table": "table", "signal": "signal", "image": "image", "text": "embedding"}


class DeepSSLClassifier(ClassifierMixin, BaseEstimator):
    """A neural network trained with a deep SSL algorithm; ``y == -1`` marks unlabeled rows.

    Parameters
    ----------
    algorithm : str, default='freematch'
        A key of :data:`semiloop.methods.deep.algorithms.ALGORITHMS`:
        supervised, pseudolabel, pimodel, meanteacher, mixmatch, remixmatch,
        fixmatch, flexmatch, freematch, softmatch.
    algorithm_options : dict, default=None
        Hyperparameters of the algorithm (``{"threshold": 0.9}``); the
        algorithm's docstring lists them.
    backbone : str, default='auto'
        A name of :data:`semiloop.methods.deep.nets.BACKBONES`; ``'auto'``
        picks by modality: an MLP for tables, the 1-D CNN for signals, a small
        CNN for images, a head for text embeddings.
    backbone_options : dict, default=None
    modality : {'auto', 'table', 'signal', 'image', 'text'}, default='auto'
        What a row is; sets the augmentations and the backbone. ``'auto'``:
        ``X`` of shape (n, d) is a table, (n, c, length) a signal,
        (n, c, h, w) an image. Signals of shape (n, length) and sentence
        embeddings need ``modality='signal'`` or ``'text'``.
    views : (callable, callable), default=None
        The weak and strong augmentations, each ``view(batch, generator)``
        (see :mod:`semiloop.methods.deep.augment`); None: the modality's
        defaults (:func:`~semiloop.methods.deep.augment.default_views`), for
        example ``signal_views(X, strength="rich")`` for signals whose class
        a shift or stretch does not change.
    steps : int, default=3000
    batch_size : int, default=64
        Labeled rows per step.
    unlabeled_ratio : int, default=None
        ``mu``, unlabeled rows per labeled row in a step; None: the
        algorithm's own (7 for the FixMatch family, 1 for the others).
    optimizer : {'sgd', 'adamw'}, default='sgd'
    learning_rate : float, default=0.03
    weight_decay : float, default=5e-4
    ema_decay : float, default=0.99
        Decay of the EMA of the weights that predicts. On Suite 2 (3,000
        steps) 0.99 gave FlexMatch 94.5% against 91.2% with 0.999, whose
        average still trails the weights at the last step.
    ema_warmup : bool, default=True
        Mean Teacher's ``min(ema_decay, 1 - 1/(t + 1))``: the average does not
        carry the random initial weights (FixMatch's and USB's EMA starts from
        them with a constant decay, ``ema_warmup=False``; at 3,000 steps they
        still weigh e^-3 = 5%).
    validation_fraction : float, default=0.0
        Share of the labeled rows held out to choose the best EMA checkpoint
        (every ``eval_every`` steps); 0 keeps the last step's weights and
        trains on every label.
    calibrate : bool, default=True
        With validation rows: at each evaluation fit a temperature on them by
        maximum likelihood (Guo et al., ICML 2017, Sec. 4.2), record it with
        the expected calibration error before and after it in ``history_``,
        and divide the logits by the kept checkpoint's temperature in
        :meth:`predict_proba` (``temperature_``), so that a confidence of
        80% is right about 80% of the time on those rows. Dividing the
        logits never changes the most probable class: :meth:`predict` is
        the same either way. The temperature is fitted and scored on the same
        validation rows, as self-training does on its out-of-fold rows.
        Nothing is fitted without validation rows (``validation_fraction=0``)
        or when every validation row is right (the likelihood would push the
        temperature to its lower bound and every probability to near
        certainty on a few rows); the error before is recorded either way.
    class_prior : {"labeled", "predicted"} or array-like of shape (n_classes,), \
default="labeled"
        The class shares the algorithm takes as the unlabeled rows' (ReMixMatch's
        distribution alignment target; the collapse alarms' reference): the
        labeled training rows' shares (the papers'), the mean prediction of a
        logistic regression on the flattened labeled rows over the unlabeled
        ones (for labels chosen by a query, whose shares are biased; see
        :mod:`semiloop.methods.class_prior`), or given shares.
    eval_every : int, default=250
        Steps between evaluations: the validation score and the checks of
        the pseudo-labels (audit, flip rate, MC-dropout uncertainty, collapse
        alarms), each recorded in ``history_``.
    audit_size : float, default=0.0
        Share of the labeled training rows hidden among the unlabeled rows
        (stratified; classes with fewer than 3 labeled rows lend none, and
        every class keeps 2): their labels reach no loss, and at each
        evaluation the pseudo-labels the algorithm would give them are
        compared with their labels (precision, recall and coverage per class,
        ``pseudo_label_audit`` in ``history_``): how far to trust the
        pseudo-labels, without a new label. The model trains on fewer labels.
        0 runs no audit.
    hold_back_unstable : bool, default=False
        Confirmation-bias guard: at each evaluation the unlabeled rows whose
        predicted class flipped since the previous one, or whose MC-dropout
        standard deviation (where the network has dropout) is at least 0.05
        (UPS's ``kappa_p``, Rizve et al., ICLR 2021), leave the unlabeled
        loss until the next; those of the last evaluation are listed in
        ``held_back_`` for human review. Every unlabeled row is then checked
        at each evaluation (9 forward passes over them with dropout, 1
        without). Not for mixmatch and remixmatch, which mix rows.
    device : str, default='auto'
        CUDA when present, else the CPU.
    callbacks : list of semiloop.callbacks.Callback, default=None
    verbose : bool, default=False
        Show a progress bar with the losses, the mask rate and, where given,
        pseudo-label accuracy.
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    model_ : torch.nn.Module
        The network predictions come from (EMA weights), on the CPU, in eval mode.
    history_ : list of semiloop.records.TrainingRecord
    transduction_ : ndarray of shape (n_samples,)
        The label of each training row: the given label, or the prediction.
    n_features_in_ : int
        Only for 2-D ``X``.
    class_prior_ : ndarray of shape (n_classes,)
        The class shares used (see ``class_prior``).
    best_step_ : int or None
        The checkpoint kept on the validation rows (None without them).
    temperature_ : float
        The temperature fitted at the kept checkpoint's evaluation, applied
        in :meth:`predict_proba`; 1.0 without validation rows, with
        ``calibrate=False``, or when none was fitted there.
    held_back_ : ndarray of int
        Rows of ``X`` (unlabeled ones) held back from the unlabeled loss at the
        last evaluation, the most unstable first, for human review; empty
        without ``hold_back_unstable``.
    held_back_reasons_ : ndarray of str, shape (len(held_back_),)
        Why each was: ``'prediction flipped'``, ``'MC-dropout uncertain'`` or
        both.

    Notes
    -----
    Table features are standardised with the mean and standard deviation of
    all training rows (labeled and unlabeled); signals, images and embeddings
    are used as given. :meth:`save` writes the weights and the configuration
    as tensors and JSON (no pickled objects): :meth:`load` runs no code from
    the file.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-2, 1, (100, 2)), rng.normal(2, 1, (100, 2))]
    >>> y = np.r_[[0] * 100, [1] * 100]
    >>> y_partial = np.full(200, -1); y_partial[[0, 1, 100, 101]] = [0, 0, 1, 1]
    >>> model = DeepSSLClassifier("fixmatch", steps=50, batch_size=4).fit(X, y_partial)
    >>> float((model.predict(X) == y).mean()) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "algorithm": [str],
        "algorithm_options": [dict, None],
        "backbone": [str],
        "backbone_options": [dict, None],
        "modality": [StrOptions({"auto", "table", "signal", "image", "text"})],
        "views": [tuple, list, None],
        "steps": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "unlabeled_ratio": [Interval(Integral, 0, None, closed="left"), None],
        "optimizer": [StrOptions({"sgd", "adamw"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "ema_decay": [Interval(Real, 0, 1, closed="both")],
        "ema_warmup": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "calibrate": ["boolean"],
        "class_prior": [StrOptions(set(CLASS_PRIORS)), "array-like"],
        "eval_every": [Interval(Integral, 1, None, closed="left")],
        "audit_size": [Interval(Real, 0, 0.5, closed="left")],
        "hold_back_unstable": ["boolean"],
        "device": [str],
        "callbacks": [list, tuple, None],
        "verbose": ["boolean"],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, algorithm="freematch", *, algorithm_options=None, backbone="auto",
                 backbone_options=None, modality="auto", views=None, steps=3000, batch_size=64,
                 unlabeled_ratio=None, optimizer="sgd", learning_rate=0.03, weight_decay=5e-4,
                 ema_decay=0.99, ema_warmup=True, validation_fraction=0.0, calibrate=True,
                 class_prior="labeled", eval_every=250, audit_size=0.0,
                 hold_back_unstable=False, device="auto", callbacks=None, verbose=False,
                 random_state=0):
        self.algorithm = algorithm
        self.algorithm_options = algorithm_options
        self.backbone = backbone
        self.backbone_options = backbone_options
        self.modality = modality
        self.views = views
        self.steps = steps
        self.batch_size = batch_size
        self.unlabeled_ratio = unlabeled_ratio
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.ema_warmup = ema_warmup
        self.validation_fraction = validation_fraction
        self.calibrate = calibrate
        self.class_prior = class_prior
        self.eval_every = eval_every
        self.audit_size = audit_size
        self.hold_back_unstable = hold_back_unstable
        self.device = device
        self.callbacks = callbacks
        self.verbose = verbose
        self.random_state = random_state

    # ----------------------------------------------------------------- inputs

    def _modality(self, X):
        if self.modality != "auto":
            return self.modality
        from semiloop.methods.deep.augment.views import infer_modality

        return infer_modality(X)

    def _array(self, X, *, reset):
        if hasattr(X, "toarray"):  # a sparse matrix (one-hot columns): networks take dense rows
            X = X.toarray()
        X = np.asarray(X, dtype=np.float32)
        if X.ndim < 2:
            raise DataError(f"X has shape {X.shape}; pass one row per sample: (n, features) "
                            "for a table, (n, length) or (n, channels, length) for signals, "
                            "(n, channels, height, width) for images")
        if not np.isfinite(X).all():
            raise DataError("X holds NaN or infinite values; impute them first (for a "
                            "table, sklearn.impute.SimpleImputer)")
        if reset:
            self.n_features_in_ = X.shape[1] if X.ndim == 2 else None
            self.input_shape_ = tuple(X.shape[1:])
        elif tuple(X.shape[1:]) != self.input_shape_:
            raise DataError(f"X has rows of shape {X.shape[1:]} but the model was fitted on "
                            f"rows of shape {self.input_shape_}; pass data shaped as in fit")
        if self.modality_ == "table":
            if reset:
                self.feature_mean_ = X.mean(axis=0)
                std = X.std(axis=0)
                self.feature_scale_ = np.where(std > 0, std, 1.0).astype(np.float32)
            X = (X - self.feature_mean_) / self.feature_scale_
        return X

    # -------------------------------------------------------------------- fit

    def fit(self, X, y, *, unlabeled_truth=None):
        """Train on labeled and unlabeled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
            Labels; ``-1`` (also as a string), NaN, None and empty strings
            mark the unlabeled rows.
        unlabeled_truth : array-like of shape (n_samples,), optional
            True labels of some unlabeled rows (marked like ``y``), used only
            to report pseudo-label accuracy in ``history_``; never in training.

        Returns
        -------
        self

        Raises
        ------
        DataError
            For rows that are not finite, fewer than two labeled classes, or
            an ``X`` whose rows the backbone cannot take.
        """
        import torch

        from semiloop.methods.deep.algorithms import make_algorithm
        from semiloop.methods.deep.augment.views import default_views
        from semiloop.methods.deep.nets import build_backbone
        from semiloop.methods.deep.trainer import Trainer
        from semiloop.methods.deep.trust import TrainingMonitor

        self._validate_params()
        y = prepare_target(self, y)
        codes, self.classes_ = encode_labels(y)
        check_labels(codes, self.classes_)
        self.modality_ = self._modality(X.toarray() if hasattr(X, "toarray") else np.asarray(X))
        X = self._array(X, reset=True)
        if len(X) != len(codes):
            raise DataError(f"X has {len(X)} rows but y has {len(codes)}; pass one label "
                            "per row")
        labeled = np.flatnonzero(codes >= 0)
        unlabeled = np.flatnonzero(codes < 0)
        validation = labeled[:0]
        if self.validation_fraction:
            from semiloop.guard import holdout_split

            split = holdout_split(codes[labeled], share=self.validation_fraction,
                                  random_state=self.random_state)
            if split:
                _, train, held_out = split[0]
                labeled, validation = labeled[train], labeled[held_out]
        hidden = labeled[:0]
        if self.audit_size:
            hidden = labeled[hidden_rows(codes[labeled], self.audit_size, self.random_state)]
            if not len(hidden):
                warnings.warn(f"audit_size={self.audit_size} hides no labeled row: every class "
                              "has fewer than 3 labeled rows; no pseudo-label audit is run",
                              UserWarning, stacklevel=2)
            labeled = np.setdiff1d(labeled, hidden)
        pool = np.concatenate([unlabeled, hidden])  # the rows trained on as unlabeled
        n_classes = len(self.classes_)
        rows = np.concatenate([labeled, pool])
        predicted = isinstance(self.class_prior, str) and self.class_prior == "predicted"
        self.class_prior_ = resolve_class_prior(  # only "predicted" reads the rows: no copy
            self.class_prior, X[rows].reshape(len(rows), -1) if predicted else None,
            np.r_[codes[labeled], np.full(len(pool), -1)], n_classes)
        truth = None
        if unlabeled_truth is not None:
            truth_codes, truth_classes = encode_labels(np.asarray(unlabeled_truth))
            mapping = {c: i for i, c in enumerate(self.classes_.tolist())}
            lookup = np.array([mapping.get(c, -1) for c in truth_classes.tolist()] + [-1])
            truth = torch.from_numpy(np.r_[lookup[truth_codes][unlabeled],
                                           np.full(len(hidden), -1)])
        audit_truth = None
        if len(hidden):
            audit_truth = torch.from_numpy(np.r_[np.full(len(unlabeled), -1), codes[hidden]])

        torch_x = torch.from_numpy(X)
        net_modality = _NET_MODALITY[self.modality_]
        with torch.random.fork_rng():
            torch.manual_seed(self.random_state)
            net, self.backbone_config_ = build_backbone(
                self.backbone, self.input_shape_, n_classes, modality=net_modality,
                **(self.backbone_options or {}))
        weak, strong = (default_views(self.modality_, X) if self.views is None
                        else self.views)
        callbacks = list(self.callbacks or [])
        if self.verbose:
            from semiloop.callbacks import ProgressBar

            callbacks.append(ProgressBar())
        trainer = Trainer(
            net, make_algorithm(self.algorithm, **(self.algorithm_options or {})),
            steps=self.steps, batch_size=self.batch_size, unlabeled_ratio=self.unlabeled_ratio,
            weak=weak, strong=strong, optimizer=self.optimizer,
            learning_rate=self.learning_rate, weight_decay=self.weight_decay,
            ema_decay=self.ema_decay, ema_warmup=self.ema_warmup, eval_every=self.eval_every,
            log_every=max(min(100, self.steps // 10), 1), device=self.device,
            seed=self.random_state, callbacks=callbacks, estimator=self,
            monitor=TrainingMonitor(rows=None if self.hold_back_unstable else 2000,
                                    hold_back=self.hold_back_unstable, classes=self.classes_),
            calibrate=self.calibrate)
        notify(callbacks, "on_fit_begin", self)
        result = trainer.fit(
            torch_x[labeled], torch.from_numpy(codes[labeled]), torch_x[pool],
            x_validation=torch_x[validation] if len(validation) else None,
            y_validation=torch.from_numpy(codes[validation]) if len(validation) else None,
            unlabeled_truth=truth, audit_truth=audit_truth, n_classes=n_classes,
            class_prior=torch.from_numpy(self.class_prior_).float())
        self.model_ = result.ema_model.cpu().eval()
        self.history_ = result.history
        self.best_step_ = result.best_step
        self.temperature_ = result.temperature if self.calibrate else 1.0
        rows = pool[result.held_back]
        without_label = codes[rows] < 0  # hidden audit rows have a label: no review needed
        self.held_back_ = rows[without_label]
        self.held_back_reasons_ = result.held_back_reasons[without_label]
        summary = alarm_summary(self.history_, at="step", kept=self.best_step_)
        if summary:
            warnings.warn(f"deep training tripped a {summary}. See history_ (alarms) and check "
                          "the unlabeled data with semiloop check", SemiloopWarning, stacklevel=2)
        self.n_iter_ = self.steps
        transduction = self.classes_[self._predict_codes(X)]
        known = codes >= 0
        transduction[known] = self.classes_[codes[known]]
        self.transduction_ = transduction
        notify(callbacks, "on_fit_end", self)
        return self

    # ---------------------------------------------------------------- predict

    def _predict_codes(self, X):
        return self._proba(X).argmax(axis=1)

    def _proba(self, X, batch_size=1024):
        import torch

        out = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                logits = self.model_(torch.from_numpy(X[start:start + batch_size]))
                out.append(logits.double().softmax(dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)))

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        Divided by ``temperature_`` (see ``calibrate``).
        """
        check_is_fitted(self, "model_")
        return apply_temperature(self._proba(self._array(X, reset=False)), self.temperature_)

    def predict(self, X):
        """The most probable class of each row, shape (n_samples,); the temperature leaves it."""
        check_is_fitted(self, "model_")
        return self.classes_[self._predict_codes(self._array(X, reset=False))]

    # ------------------------------------------------------------- save, load

    def __getstate__(self):
        """Plain data only (the network as its configuration and numpy weights).

        So that ``pickle`` and skops (``semiloop.persistence``, what
        ``semiloop train`` writes) store no torch object and run no code on load.
        """
        state = dict(super().__getstate__())
        model = state.pop("model_", None)
        if model is not None:
            state["weights_"] = {name: value.detach().cpu().numpy()
                                 for name, value in model.state_dict().items()}
        return state

    def __setstate__(self, state):
        state = dict(state)
        weights = state.pop("weights_", None)
        super().__setstate__(state)
        if weights is not None:
            self.model_ = _rebuild(self.backbone_config_, weights)
            self.__dict__.setdefault("temperature_", 1.0)  # pickled before calibration

    def save(self, path):
        """Write the fitted model to ``path``: weights as tensors, the rest as JSON.

        The file is written to a temporary name and renamed, so an interrupted
        save leaves no half-written model.
        """
        import torch

        check_is_fitted(self, "model_")
        config = {
            "format": _FORMAT,
            "params": {k: v.tolist() if isinstance(v, np.ndarray) else v
                       for k, v in self.get_params().items()
                       if k not in ("callbacks", "views")},
            "class_prior": self.class_prior_.tolist(),
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "modality": self.modality_,
            "input_shape": list(self.input_shape_),
            "n_features_in": self.n_features_in_,
            "backbone": self.backbone_config_,
            "feature_mean": getattr(self, "feature_mean_", np.zeros(0)).tolist(),
            "feature_scale": getattr(self, "feature_scale_", np.zeros(0)).tolist(),
            "best_step": self.best_step_,
            "temperature": self.temperature_,
            "history": [record.to_dict() for record in self.history_],
        }
        partial = f"{os.fspath(path)}.{os.getpid()}.part"
        torch.save({"config": json.dumps(config), "state_dict": self.model_.state_dict()},
                   partial)
        os.replace(partial, path)

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`; no code from the file is run.

        Raises
        ------
        ModelFileError
            If the file is missing or is not a semiloop deep model.
        """
        import torch

        from semiloop.records import TrainingRecord

        try:
            content = torch.load(path, map_location="cpu", weights_only=True)
            config = json.loads(content["config"])
            if config.get("format") != _FORMAT:
                raise KeyError("format")
        except FileNotFoundError:
            raise ModelFileError(f"no model file at {path!r}; pass the path DeepSSLClassifier"
                                 ".save wrote") from None
        except Exception as error:
            raise ModelFileError(f"{path!r} is not a semiloop deep model ({error}); pass a "
                                 "file written by DeepSSLClassifier.save") from None
        model = cls(**config["params"])
        model.classes_ = np.array(config["classes"], dtype=np.dtype(config["classes_dtype"]))
        model.modality_ = config["modality"]
        model.input_shape_ = tuple(config["input_shape"])
        model.n_features_in_ = config["n_features_in"]
        model.backbone_config_ = config["backbone"]
        if config["modality"] == "table":
            model.feature_mean_ = np.array(config["feature_mean"], dtype=np.float32)
            model.feature_scale_ = np.array(config["feature_scale"], dtype=np.float32)
        model.model_ = _rebuild(config["backbone"], content["state_dict"])
        model.best_step_ = config["best_step"]
        model.temperature_ = float(config.get("temperature", 1.0))  # older files: none
        if "class_prior" in config:  # older files: none
            model.class_prior_ = np.asarray(config["class_prior"], dtype=np.float64)
        model.history_ = [TrainingRecord(**record) for record in config["history"]]
        model.n_iter_ = model.steps
        return model



def _rebuild(config, weights):
    """The backbone of ``config`` with ``weights`` (tensors or numpy arrays), in eval mode."""
    try:
        import torch
    except ImportError:
        from semiloop.errors import SemiloopError

        raise SemiloopError("this model is a deep network and needs PyTorch to predict; install "
                            "it with pip install torch==2.13.0 'semiloop[deep]'") from None
    from semiloop.methods.deep.nets import backbone_from_config

    net = backbone_from_config(config)
    net.load_state_dict({name: torch.as_tensor(value) for name, value in weights.items()})
    return net.eval()
