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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from semiloop.base_models import make_base_model
from semiloop.data import load_dataset
from semiloop.errors import SemiloopError
from semiloop.features import TableEncoder
from semiloop.methods.guarded import GuardedClassifier
from semiloop.methods.self_training import SafeSelfTrainingClassifier

__all__ = ["METHODS", "TableModel", "TrainResult", "build_pipeline", "make_method", "predict_table",
           "train_table"]


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


@dataclass
class TrainResult:
    """What :func:`train_table` made: the model, unlabeled-row predictions, metrics."""

    model: TableModel
    predictions: pd.DataFrame
    metrics: dict


METHODS = ("self-training", "graph", "s3vm")


def build_pipeline(model="logreg", *, method="self-training", nan_policy="error",
                   random_state=0, **options):
    """Table encoder followed by :func:`make_method` (the step named ``"ssl"``)."""
    step = make_method(method, model, random_state=random_state, **options)
    return Pipeline([("encode", TableEncoder(nan_policy=nan_policy, random_state=random_state)),
                     ("ssl", step)])


def make_method(method="self-training", model="logreg", *, random_state=0, **options):
    """One of semiloop's recommended methods around the base classifier ``model``.

    ``"self-training"`` wraps ``model`` in :class:`SafeSelfTrainingClassifier`;
    ``"graph"`` (label spreading on a kNN graph) and ``"s3vm"`` (a
    semi-supervised SVM with an rbf kernel approximation) run on standardised
    features inside a :class:`GuardedClassifier`, which falls back to ``model``
    trained on the labeled rows when the method does not beat it on held-out
    labeled rows. ``model`` is a name from :data:`semiloop.base_models.BASE_MODELS`
    or an unfitted classifier.

    >>> make_method("graph").supervised[-1].__class__.__name__
    'LogisticRegression'
    """
    if method not in METHODS:
        raise SemiloopError(f"method {method!r} is not known; use one of {', '.join(METHODS)}")
    base = make_base_model(model, random_state=random_state) if isinstance(model, str) else model
    if method == "self-training":
        return SafeSelfTrainingClassifier(base, random_state=random_state, **options)
    return GuardedClassifier(_method_model(method, random_state), supervised=base,
                             random_state=random_state, **options)


def _method_model(method, random_state):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if method == "graph":
        from semiloop.methods.graph_sparse import SparseLabelSpreading

        model = SparseLabelSpreading(n_neighbors=10, random_state=random_state)
    else:
        from semiloop.methods.s3vm import S3VM

        model = S3VM(kernel="rbf", random_state=random_state)
    return make_pipeline(StandardScaler(), model)


def train_table(data, label, *, model="logreg", method="self-training", id_column=None,
                unlabeled_marker=None, nan_policy="error", random_state=0, progress=None):
    """Fit one of semiloop's recommended methods on a table.

    Parameters
    ----------
    data : str, Path or DataFrame
        The table (CSV, Parquet, JSON Lines or NPZ) with a label column.
    label : str
        The label column; empty, ``-1`` or ``unlabeled_marker`` mean unlabeled.
    model : str, default="logreg"
        Base classifier (see :data:`semiloop.base_models.BASE_MODELS`).
    method : {"self-training", "graph", "s3vm"}, default="self-training"
        The semi-supervised method (see :func:`build_pipeline`).
    progress : callable, default=None
        Called as ``progress(history)`` while training, with the list of
        round records so far (see ``SelfTrainingClassifier.history_``).

    Returns
    -------
    TrainResult
    """
    dataset = load_dataset(data, label, id_column=id_column, unlabeled_marker=unlabeled_marker)
    pipeline = build_pipeline(model, method=method, nan_policy=nan_policy,
                              random_state=random_state)
    y = dataset.labels(dataset.y)
    started = time.perf_counter()
    if progress is None:
        pipeline.fit(dataset.features, y)
    else:
        _fit_watching(pipeline, dataset.features, y, progress)
    seconds = time.perf_counter() - started
    estimator = pipeline.named_steps["ssl"]
    unlabeled = ~dataset.labeled_mask
    frame = dataset.features[unlabeled]
    predictions = prediction_frame(pipeline, frame, dataset.ids[unlabeled])
    metrics = _metrics(estimator, dataset, model, method, seconds)
    return TrainResult(TableModel(pipeline, label, id_column), predictions, metrics)


def _fit_watching(pipeline, X, y, progress):
    """Fit in a worker thread and report the growing history to ``progress``."""
    import threading

    failure = []
    estimator = pipeline.named_steps["ssl"]

    def work():
        try:
            pipeline.fit(X, y)
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        progress(list(getattr(estimator, "history_", [])))
    if failure:
        raise failure[0]
    progress(list(estimator.history_))


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


def predict_table(model, data):
    """Score a table (path or DataFrame) with a :class:`TableModel`."""
    from semiloop.data import read_table

    frame = data if isinstance(data, pd.DataFrame) else read_table(data)
    return model.score_frame(frame)


def _metrics(estimator, dataset, model, method, seconds):
    counts = np.bincount(dataset.y[dataset.labeled_mask], minlength=len(dataset.classes))
    metrics = {
        "model": model,
        "method": method,
        "n_rows": len(dataset.y),
        "n_labeled": int(dataset.n_labeled),
        "n_unlabeled": int(dataset.n_unlabeled),
        "classes": [str(c) for c in dataset.classes],
        "labeled_per_class": {str(c): int(n) for c, n in zip(dataset.classes, counts,
                                                             strict=True)},
        "validation": "cross-validation on the labeled rows only",
        "supervised_validation_accuracy": estimator.supervised_score_.accuracy,
        "semiloop_validation_accuracy": estimator.validation_score_.accuracy,
        "used_unlabeled": bool(estimator.used_unlabeled_),
        "outcome": estimator.outcome_,
        "pseudo_labels_per_class": _pseudo_labels(estimator, dataset, method),
    }
    if method == "self-training":
        metrics.update({"rounds": estimator.n_iter_,
                        "termination": estimator.termination_condition_,
                        "temperature": estimator.temperature_})
    metrics.update({"fit_seconds": round(seconds, 3), "history": estimator.history_})
    return metrics


def _pseudo_labels(estimator, dataset, method):
    """Labels the final model took from unlabeled rows, per class."""
    pseudo = {}
    if not estimator.used_unlabeled_:
        return pseudo
    if method != "self-training":
        unlabeled = ~dataset.labeled_mask
        names, counts = np.unique(estimator.transduction_[unlabeled], return_counts=True)
        return {str(name): int(count) for name, count in zip(names, counts, strict=True)}
    for entry in estimator.history_[1:]:
        if entry["accepted"]:
            for name, added in entry["added"].items():
                pseudo[str(name)] = pseudo.get(str(name), 0) + added - entry["dropped"][name]
    return pseudo
