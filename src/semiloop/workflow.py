"""From a labeled-and-unlabeled table to a fitted model, predictions and metrics.

The command line and the demo call these functions; they print nothing.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame({"x": np.r_[rng.normal(-2, 1, 60), rng.normal(2, 1, 60)]})
>>> frame["y"] = [0] * 60 + [1] * 60
>>> frame.loc[rng.random(120) < 0.8, "y"] = -1
>>> result = train_table(frame, "y", model="logreg")
>>> result.metrics["n_labeled"] + result.metrics["n_unlabeled"]
120
"""

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from semiloop.base_models import MULTI_THREADED
from semiloop.data import load_dataset, placeholder_classes
from semiloop.errors import DataError, SemiloopWarning
from semiloop.features import TableEncoder
from semiloop.registry import make_method

__all__ = ["DEFAULT_METHOD", "SignalModel", "TableModel", "TrainResult", "build_pipeline",
           "predict_table", "prediction_only", "train_table"]


class TableModel:
    """A fitted pipeline with the names of the table's label and id columns.

    Rows to score may carry the label and id columns; they are set aside
    before the features go to the pipeline.
    """

    def __init__(self, pipeline, label_column, id_column=None):
        self.pipeline = pipeline
        self.label_column = label_column
        self.id_column = id_column

    @property
    def classes_(self):
        return self.pipeline.classes_

    def score_frame(self, frame):
        """Prediction, confidence and class probabilities for every row of ``frame``."""
        if self.id_column is not None and self.id_column in frame.columns:
            ids = frame[self.id_column].to_numpy()
        else:
            ids = np.arange(len(frame))
        features = frame.drop(columns=[c for c in (self.label_column, self.id_column)
                                       if c is not None and c in frame.columns])
        return prediction_frame(self.pipeline, features, ids)


class SignalModel:
    """A fitted deep model on signals: rows are arrays of shape ``input_shape``.

    Rows to score come from an ``.npz`` file (``X`` and optional ``ids``) or
    from a table whose feature columns, in order, are a signal's samples.
    """

    def __init__(self, estimator, label_column, input_shape, id_column=None):
        self.estimator = estimator
        self.label_column = label_column
        self.input_shape = tuple(input_shape)
        self.id_column = id_column

    @property
    def classes_(self):
        return self.estimator.classes_

    def score_file(self, data, **read):
        """Prediction, confidence and class probabilities for every row of ``data``."""
        X, ids = _signal_rows(data, self.label_column, self.id_column, read)
        if tuple(X.shape[1:]) != self.input_shape:
            raise DataError(f"the signals in {str(data)!r} have rows of shape {X.shape[1:]}, but "
                            f"the model was trained on rows of shape {self.input_shape}; pass "
                            "signals of the training length and channels")
        return prediction_frame(self.estimator, X, ids)


def _signal_rows(data, label, id_column, read):
    """``(X, ids)`` of a signals file: an .npz's arrays, or a table's feature columns in order."""
    from semiloop.data.readers import read_arrays

    if isinstance(data, (str, Path)) and str(data).lower().endswith(".npz"):
        arrays = read_arrays(data)
        X = arrays["X"]
        ids = arrays.get("ids", np.arange(len(X)))
    else:
        from semiloop.data import read_table

        frame = data if isinstance(data, pd.DataFrame) else read_table(data, **read)
        ids = (frame[id_column].to_numpy() if id_column is not None and id_column in frame
               else np.arange(len(frame)))
        frame = frame.drop(columns=[c for c in (label, id_column)
                                    if c is not None and c in frame.columns])
        try:
            X = frame.to_numpy(dtype=np.float32)
        except (TypeError, ValueError):
            raise DataError("a signal's columns must all hold numbers, one per sample; "
                            "drop the other columns or save the signals as an .npz with "
                            "X = numpy array of shape (n, length) or (n, channels, length)"
                            ) from None
    return np.asarray(X, dtype=np.float32), np.asarray(ids)


@dataclass
class TrainResult:
    """What :func:`train_table` made: the model, unlabeled-row predictions, metrics."""

    model: TableModel
    predictions: pd.DataFrame
    metrics: dict


DEFAULT_METHOD = "auto"


def build_pipeline(model="logreg", *, method=DEFAULT_METHOD, nan_policy="error",
                   random_state=0, callbacks=None, **options):
    """Table encoder followed by the registry's ``method`` (the step named ``"ssl"``).

    ``method`` is a name in :data:`semiloop.registry.METHODS`; ``model`` a
    name in :data:`semiloop.base_models.BASE_MODELS` or an unfitted classifier.

    >>> build_pipeline(method="graph").named_steps["ssl"].__class__.__name__
    'GuardedClassifier'
    """
    if isinstance(model, str) and model not in MULTI_THREADED:
        options.setdefault("n_jobs", -1)   # the guard's folds side by side, one core each
    step = make_method(method, model, random_state=random_state, callbacks=callbacks, **options)
    return Pipeline([("encode", TableEncoder(nan_policy=nan_policy, random_state=random_state)),
                     ("ssl", step)])


def train_table(data, label, *, model="logreg", method=DEFAULT_METHOD, id_column=None,
                unlabeled_marker=None, nan_policy="error", random_state=0, callbacks=None,
                encoding=None, sep=None, na_values=None, method_options=None,
                modality="table", filter_unlabeled=0.0):
    """Fit one of semiloop's methods on a table.

    Parameters
    ----------
    data : str, Path or DataFrame
        The table (CSV, Parquet, JSON Lines or NPZ) with a label column.
    label : str
        The label column; empty, ``-1`` or ``unlabeled_marker`` mean unlabeled.
    model : str, default="logreg"
        Base classifier (see :data:`semiloop.base_models.BASE_MODELS`).
    method : str, default="auto"
        A name in :data:`semiloop.registry.METHODS`.
    callbacks : list of Callback, default=None
        Told of every history record while training (:mod:`semiloop.callbacks`).
    encoding, sep, na_values : default=None
        How to read a CSV or TSV file (see :func:`semiloop.data.read_table`).
    method_options : dict, default=None
        Options of the method's factory (the deep methods' ``steps`` and ``device``).
    modality : {'table', 'signal'}, default='table'
        ``'signal'``: each row is a signal, from an ``.npz`` file (``X`` of
        shape (n, length) or (n, channels, length), labels in ``y``; ``label``
        is then ``"label"``) or from a table whose feature columns, in order,
        are the samples; it needs a deep method, whose network is a 1-D CNN.
    filter_unlabeled : float, default=0.0
        Share of the unlabeled rows left out of training as the least
        trustworthy (far from every labeled row, isolated in the pool; see
        :func:`semiloop.trust.trusted_mask`); they are still predicted.
        Tables only.

    Returns
    -------
    TrainResult
    """
    read = {name: value for name, value in
            {"encoding": encoding, "sep": sep, "na_values": na_values}.items()
            if value is not None}
    if modality == "signal":
        return _train_signals(data, label, model=model, method=method, id_column=id_column,
                              unlabeled_marker=unlabeled_marker, random_state=random_state,
                              callbacks=callbacks, method_options=method_options or {},
                              read=read)
    dataset = load_dataset(data, label, id_column=id_column, unlabeled_marker=unlabeled_marker,
                           **read)
    if dataset.n_unlabeled == 0:
        raise _no_unlabeled_rows(dataset, label)
    pipeline = build_pipeline(model, method=method, nan_policy=nan_policy,
                              random_state=random_state, callbacks=callbacks,
                              **(method_options or {}))
    fitted = dataset
    if filter_unlabeled:
        fitted = _trusted_rows(dataset, filter_unlabeled, nan_policy, random_state)
    y = fitted.labels(fitted.y)
    started = time.perf_counter()
    with _openmp_threads(model, len(y)), warnings.catch_warnings():
        # load_dataset has already warned about thin classes, naming the column
        warnings.filterwarnings("ignore", message=r".* have a single labeled row",
                                category=SemiloopWarning)
        pipeline.fit(fitted.features, y)
    seconds = time.perf_counter() - started
    estimator = pipeline.named_steps["ssl"]
    _detach_callbacks(estimator)
    unlabeled = ~dataset.labeled_mask
    frame = dataset.features[unlabeled]
    predictions = prediction_frame(pipeline, frame, dataset.ids[unlabeled])
    run_options = {**(method_options or {}), **read}
    if filter_unlabeled:
        run_options["filter_unlabeled"] = filter_unlabeled
    metrics = {"run": _run_record(data, label, model=model, method=method,
                                  id_column=id_column, unlabeled_marker=unlabeled_marker,
                                  nan_policy=nan_policy, random_state=random_state,
                                  **run_options),
               **_metrics(estimator, fitted, model, method, seconds)}
    if filter_unlabeled:
        metrics.update({"n_rows": len(dataset), "n_unlabeled": int(dataset.n_unlabeled),
                        "unlabeled_filtered_out": int(dataset.n_unlabeled - fitted.n_unlabeled)})
    return TrainResult(TableModel(pipeline, label, id_column), predictions, metrics)


def _trusted_rows(dataset, share, nan_policy, random_state):
    """``dataset`` without the least trustworthy ``share`` of its unlabeled rows."""
    from semiloop.data import Dataset
    from semiloop.features import TableEncoder
    from semiloop.trust import row_scores, trusted_mask

    if not 0 < share < 1:
        raise DataError(f"filter_unlabeled must be a share in (0, 1), got {share}; for "
                        "example 0.1 leaves out the least trustworthy tenth",
                        options={"filter_unlabeled": 0.1})
    X = TableEncoder(nan_policy=nan_policy, random_state=random_state).fit_transform(
        dataset.features)
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    labeled = dataset.labeled_mask
    keep = np.ones(len(dataset), dtype=bool)
    keep[~labeled] = trusted_mask(row_scores(X[labeled], X[~labeled],
                                             random_state=random_state), drop_share=share)
    return Dataset(dataset.features[keep].reset_index(drop=True), dataset.y[keep],
                   dataset.classes, dataset.ids[keep], dataset.label_column,
                   dataset.id_column)


def _train_signals(data, label, *, model, method, id_column, unlabeled_marker, random_state,
                   callbacks, method_options, read):
    from semiloop.data import Dataset, check_labels, encode_labels
    from semiloop.data.readers import NPZ_LABEL_COLUMN, read_arrays
    from semiloop.registry import DEEP_METHODS

    if method not in DEEP_METHODS:
        raise DataError(f"signals need a deep method, not {method!r}; pass method="
                        f"'freematch' (or one of {', '.join(DEEP_METHODS)})",
                        options={"method": "freematch"})
    source = data
    if isinstance(data, (str, Path)) and str(data).lower().endswith(".npz"):
        if label != NPZ_LABEL_COLUMN:
            raise DataError(f"an .npz file's labels are its array 'y', read as the column "
                            f"{NPZ_LABEL_COLUMN!r}; pass label={NPZ_LABEL_COLUMN!r}",
                            options={"label": NPZ_LABEL_COLUMN})
        arrays = read_arrays(data)
        if "y" not in arrays:
            raise DataError(f"{str(data)!r} holds no array 'y'; save the labels with "
                            "numpy.savez(path, X=..., y=...), -1 for unlabeled rows")
        y = arrays["y"]
    else:
        frame = load_dataset(data, label, id_column=id_column,
                             unlabeled_marker=unlabeled_marker, **read)
        y = frame.labels(frame.y)
        data = pd.concat([frame.features.reset_index(drop=True),
                          pd.Series(frame.ids, name="__ids__")], axis=1)
        id_column, label = "__ids__", None
    X, ids = _signal_rows(data, label, id_column, read)
    codes, classes = encode_labels(y, marker=unlabeled_marker)
    check_labels(codes, classes)
    dataset = Dataset(pd.DataFrame(index=pd.RangeIndex(len(X))), codes, classes, ids,
                      label or NPZ_LABEL_COLUMN)
    if dataset.n_unlabeled == 0:
        raise _no_unlabeled_rows(dataset, label or NPZ_LABEL_COLUMN)
    estimator = make_method(method, model, random_state=random_state, callbacks=callbacks,
                            modality="signal", **method_options)
    started = time.perf_counter()
    estimator.fit(X, dataset.labels(dataset.y))
    seconds = time.perf_counter() - started
    _detach_callbacks(estimator)
    unlabeled = ~dataset.labeled_mask
    predictions = prediction_frame(estimator, X[unlabeled], ids[unlabeled])
    metrics = {"run": _run_record(source, dataset.label_column, model=model, method=method,
                                  modality="signal", unlabeled_marker=unlabeled_marker,
                                  random_state=random_state, **method_options),
               **_metrics(estimator, dataset, model, method, seconds)}
    return TrainResult(SignalModel(estimator, dataset.label_column, X.shape[1:]), predictions,
                       metrics)


#: Below this many rows, OpenMP models (hgb) fit on one thread.
OPENMP_MIN_ROWS = 50_000


def _openmp_threads(model, n_rows):
    """One OpenMP thread for the many small fits of an OpenMP model on a small table.

    The guard and self-training fit the base model dozens of times on a few hundred
    or thousand rows; there OpenMP's threads cost more than they give, and on a busy
    machine (two processes on two cores) their busy-waiting made one
    HistGradientBoostingClassifier fit 20x slower (0.5 s -> 9.8 s, and 9.7 s -> 445 s for a
    5,000-row self-training run). Larger tables keep every thread.
    """
    from contextlib import nullcontext

    if model != "hgb" or n_rows >= OPENMP_MIN_ROWS:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _no_unlabeled_rows(dataset, label):
    """The error for a table without unlabeled rows, naming a label that looks like a marker."""
    counts = np.bincount(dataset.y, minlength=len(dataset.classes))
    message = (f"every row of the label column {label!r} holds a label, so there are no "
               "unlabeled rows to learn from; ")
    index = {name: position for position, name in enumerate(dataset.classes)}
    suspects = [(name, int(counts[index[name]])) for name in placeholder_classes(dataset.classes)]
    if suspects:
        name, count = max(suspects, key=lambda pair: pair[1])
        return DataError(
            message + f"the label {str(name)!r} ({count} rows) looks like a placeholder: if it "
            f"means unlabeled, pass unlabeled_marker={str(name)!r}",
            options={"unlabeled_marker": str(name)})
    return DataError(message + "leave the label cell empty (or -1) in rows without a label, or "
                     "name the value that means unlabeled with unlabeled_marker='?'",
                     options={"unlabeled_marker": "?"})


#: Fitted attributes with one entry per training row that prediction never reads.
TRAINING_ROW_ATTRIBUTES = ("transduction_", "labeled_iter_")


def prediction_only(model):
    """Drop from ``model`` (in place) what only described the training rows; return it.

    A model file holds what prediction needs: the per-row results of training
    (:data:`TRAINING_ROW_ATTRIBUTES`, such as ``transduction_``) are already in
    ``predictions.csv``, and at 200,000 rows they made most of the file. Graph
    models keep ``X_`` and ``label_distributions_``: new rows are predicted from them.
    """
    seen = set()
    pending = [model.pipeline if isinstance(model, TableModel) else model]
    while pending:
        estimator = pending.pop()
        if id(estimator) in seen or not hasattr(estimator, "__dict__"):
            continue
        seen.add(id(estimator))
        for name in TRAINING_ROW_ATTRIBUTES:
            estimator.__dict__.pop(name, None)
        if isinstance(estimator, Pipeline):
            pending.extend(step for _, step in estimator.steps)
        pending.extend(value for name, value in vars(estimator).items()
                       if name.endswith("_") and hasattr(value, "predict"))
    return model


def prediction_frame(pipeline, features, ids):
    """Prediction, its confidence and every class probability, one row per input row."""
    proba = pipeline.predict_proba(features)
    classes = pipeline.classes_
    frame = pd.DataFrame({
        "id": ids,
        "prediction": classes[proba.argmax(axis=1)],
        "confidence": proba.max(axis=1).round(6),
    })
    for index, name in enumerate(classes):
        frame[f"proba_{name}"] = proba[:, index].round(6)
    return frame


def predict_table(model, data, *, encoding=None, sep=None, na_values=None):
    """Score a table (path or DataFrame) with a :class:`TableModel`.

    ``encoding``, ``sep`` and ``na_values`` say how to read a CSV or TSV file
    (see :func:`semiloop.data.read_table`).
    """
    from semiloop.data import read_table

    if isinstance(model, SignalModel):
        read = {name: value for name, value in
                {"encoding": encoding, "sep": sep, "na_values": na_values}.items()
                if value is not None}
        return model.score_file(data, **read)
    frame = data if isinstance(data, pd.DataFrame) else read_table(
        data, encoding=encoding, sep=sep, na_values=na_values)
    return model.score_frame(frame)


def _run_record(data, label, **options):
    """What reproduces this run: the input, its columns, every option and the versions."""
    import platform

    import sklearn

    from semiloop import __version__

    source = ("a DataFrame" if isinstance(data, pd.DataFrame)
              else str(Path(data).resolve()))
    options["model"] = options["model"] if isinstance(options["model"], str) else repr(
        options["model"])
    return {"data": source, "label_column": label, **options,
            "semiloop_version": __version__, "scikit_learn_version": sklearn.__version__,
            "python_version": platform.python_version()}


def _metrics(estimator, dataset, model, method, seconds):
    counts = np.bincount(dataset.y[dataset.labeled_mask], minlength=len(dataset.classes))
    metrics = {
        "model": model if isinstance(model, str) else type(model).__name__,
        "method": method,
        "n_rows": len(dataset.y),
        "n_labeled": int(dataset.n_labeled),
        "n_unlabeled": int(dataset.n_unlabeled),
        "classes": [str(c) for c in dataset.classes],
        "labeled_per_class": {str(c): int(n) for c, n in zip(dataset.classes, counts,
                                                             strict=True)},
        "validation": ("one held-out share of the labeled rows"
                       if getattr(estimator, "split", "folds") == "holdout"
                       else "cross-validation on the labeled rows only"),
        "supervised_validation_accuracy": estimator.supervised_score_.accuracy,
        "semiloop_validation_accuracy": estimator.validation_score_.accuracy,
        "used_unlabeled": bool(estimator.used_unlabeled_),
        "outcome": estimator.outcome_,
        "pseudo_labels_per_class": _pseudo_labels(estimator, dataset),
    }
    candidates, level = _candidates(estimator, method)
    metrics["kept"] = next(c["candidate"] for c in candidates if c["kept"])
    metrics["candidates"] = candidates
    decision = getattr(estimator, "decision_", None)
    if decision is not None:
        reason = decision.reason
        for record in estimator.history_:  # the registry's names, not class names
            reason = reason.replace(record.candidate, _plain_name(record.candidate, method))
        metrics["guard"] = {"level": round(decision.level, 8), "reason": reason}
    elif level is not None:
        metrics["guard"] = {"level": round(level, 8), "reason": metrics["outcome"]}
    self_training = _self_training(estimator)
    if self_training is not None:
        metrics.update({"rounds": self_training.n_iter_,
                        "termination": self_training.termination_condition_,
                        "temperature": self_training.temperature_})
    trained = next((model for model in (estimator, getattr(estimator, "estimator_", None))
                    if hasattr(model, "held_back_")), None)   # self-training or deep, if kept
    if trained is not None:
        metrics.update(_training_trust(trained, dataset))
        metrics.setdefault("temperature", getattr(trained, "temperature_", 1.0))
        if trained is not estimator:   # its rounds or steps, under the candidates compared
            metrics["training_history"] = [record.to_dict() for record in trained.history_]
    metrics.update({"fit_seconds": round(seconds, 3),
                    "history": [record.to_dict() for record in estimator.history_]})
    return metrics


def _training_trust(model, dataset):
    """Collapse alarms of the rounds (or deep steps), and the rows held back for review (by id)."""
    at = "round" if all(hasattr(r, "round") for r in model.history_) else "step"
    alarms = [{at: getattr(record, at), **alarm} for record in model.history_
              for alarm in getattr(record, "alarms", None) or []]
    held = getattr(model, "held_back_", [])
    reasons = getattr(model, "held_back_reasons_", [])
    review = [{"id": _plain_id(dataset.ids[row]), "reason": str(reason)}
              for row, reason in zip(held, reasons, strict=True)]
    return {"training_alarms": alarms, "held_back_for_review": review}


def _plain_id(value):
    return value.item() if isinstance(value, np.generic) else value


def _plain_name(candidate, method):
    """A candidate as the user asked for it: ``graph`` rather than ``SparseLabelSpreading``."""
    return candidate if candidate == "supervised" or method == "auto" else method


def _candidates(estimator, method):
    """Every model compared on the held-out labeled rows, in one shape for every method.

    Returns the list of ``{candidate, accuracy, log_loss, p_value, kept, note}`` and,
    for self-training (whose guard runs per round), the one-sided level its rounds met.
    """
    records = estimator.history_
    if records and hasattr(records[0], "candidate"):
        return [{"candidate": _plain_name(record.candidate, method),
                 "accuracy": record.validation_accuracy,
                 "log_loss": record.validation_log_loss,
                 "p_value": record.p_value, "kept": bool(record.kept),
                 "note": record.note} for record in records], None
    from semiloop.guard import level_of

    rounds = [record for record in records if record.round > 0]
    first = records[0]
    kept = bool(estimator.used_unlabeled_)
    supervised = {"candidate": "supervised", "accuracy": first.validation_accuracy,
                  "log_loss": first.validation_log_loss, "p_value": None,
                  "kept": not kept, "note": ""}
    level = level_of(estimator.guard_margin)
    if not rounds:
        return [supervised], level
    accepted = [record for record in rounds if record.accepted]
    best = accepted[-1] if accepted else rounds[0]
    trained = {"candidate": "self-training", "accuracy": best.validation_accuracy,
               "log_loss": best.validation_log_loss, "p_value": best.p_value, "kept": kept,
               "note": f"round {best.round} of {len(rounds)}: {best.note}".rstrip(": ")}
    return [supervised, trained], level


def _detach_callbacks(estimator):
    """Drop the callbacks from a fitted model: they belong to this run, not to the model file."""
    for model in (estimator, getattr(estimator, "estimator_", None)):
        if model is None:
            continue
        names = [name for name in model.get_params(deep=True)
                 if name == "callbacks" or name.endswith("__callbacks")]
        model.set_params(**dict.fromkeys(names))


def _self_training(estimator):
    """The fitted self-training model that predicts, if that is what was kept."""
    kept = getattr(estimator, "estimator_", None)
    for model in (estimator, kept):
        if model is not None and hasattr(model, "termination_condition_"):
            return model
    return None


def _pseudo_labels(estimator, dataset):
    """Labels the final model took from unlabeled rows, per class."""
    if not estimator.used_unlabeled_:
        return {}
    self_training = _self_training(estimator)
    if self_training is not None:
        taken = self_training.transduction_[self_training.labeled_iter_ > 0]
        if self_training is not estimator:  # fitted inside the guard, on class codes
            taken = estimator.classes_[taken.astype(int)]
        names, counts = np.unique(taken.astype(str), return_counts=True)
    else:
        unlabeled = ~dataset.labeled_mask
        names, counts = np.unique(estimator.transduction_[unlabeled].astype(str),
                                  return_counts=True)
    return {str(name): int(count) for name, count in zip(names, counts, strict=True)}
