"""Where a project stands: its labels, its rounds, and whether more labels still pay.

:func:`project_status` gathers it as one JSON-ready dict, which the command
line prints and :func:`semiloop.report.loop.status_report` draws.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from semiloop.loop.project import init_project
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> frame = pd.DataFrame({"x": range(40), "y": ["a", "b"] * 10 + [""] * 20})
>>> frame.to_csv(root / "data.csv", index=False)
>>> status = project_status(init_project(root / "p", data=root / "data.csv", label="y"))
>>> status["labels"]["human"], status["n_items"], status["n_validation"]
({'a': 10, 'b': 10}, 40, 4)
>>> status["verdict"]
'no round yet: run `semiloop round PROJECT`'
"""

import math

import numpy as np

from semiloop.errors import SemiloopError
from semiloop.loop.curve import (
    fit_learning_curve,
    labels_for_next_step,
    stopped_paying,
)

__all__ = ["project_status"]

#: validation sets smaller than this make every round's score noisy; status says so
SMALL_VALIDATION = 30
STEP = 0.01


def project_status(project):
    """The state of ``project`` as a JSON-ready dict.

    Keys: ``n_items``, ``labels`` (current labels by source, then class),
    ``n_unlabeled``, ``conflicts`` (ids and values), ``n_validation``,
    ``rounds`` (one dict per round: number, status, labels, scores, outcome),
    ``curve`` (the fitted learning curve and the next step's cost, or None
    and why), ``stopped_paying`` (bool), ``verdict`` (one sentence) and
    ``notes`` (what else to know).
    """
    with project.store() as store:
        counts = store.counts()
        conflicts = store.conflicts()
        n_validation = len(store.validation())
        n_items = len(store.items())
        rounds = store.rounds()
        batches = store.review_batches()
    labelled = {source: {name: int(counts.loc[source, name]) for name in counts.columns}
                for source in counts.index}
    done = rounds[rounds["status"] == "done"]
    points = [(int(r.n_human), r.metrics.get("accuracy"), r.metrics.get("supervised_accuracy"))
              for r in done.itertuples() if r.metrics and r.metrics.get("accuracy") is not None]
    status = {
        "n_items": n_items, "labels": labelled,
        "n_unlabeled": n_items - int(counts.to_numpy().sum()),
        "conflicts": [{"sample_id": r.sample_id, "values": r.values, "annotators": r.annotators}
                      for r in conflicts.itertuples()],
        "n_validation": n_validation,
        "rounds": [_round(r) for r in rounds.itertuples()],
        "n_review_batches": len(batches),
        "curve": None, "curve_note": None, "stopped_paying": False, "notes": [],
    }
    if n_validation < SMALL_VALIDATION:
        status["notes"].append(
            f"the validation set holds {n_validation} labels (fewer than {SMALL_VALIDATION}): "
            "each round's score moves by several points by chance")
    if len(conflicts):
        status["notes"].append(
            f"{len(conflicts)} item(s) have two different human labels and are left out of "
            "training until one label resolves them")
    if points:
        _learning_curve(status, points, max(n_validation, 1))
    if project.config.get("rules"):
        status["rules"] = _rules(project)
    status["verdict"] = _verdict(status, points)
    return status


def _rules(project):
    """Each rule's coverage, overlaps, conflicts and accuracy on the human labels (not the
    validation set's)."""
    from semiloop.loop.round import label_arrays, read_items
    from semiloop.loop.rules import apply_project_rules

    with project.store() as store:
        frame, ids = read_items(project, store)
        classes = store.classes
        human, _, _, validation = label_arrays(store, ids, np.array(classes))
    votes = apply_project_rules(project.config, frame, classes, np.where(validation, -1, human))
    summary = votes.summary.reset_index(names="rule")
    return [{key: _plain(value) for key, value in row.items()}
            for row in summary.to_dict(orient="records")]


def _plain(value):
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def _round(row):
    metrics = row.metrics or {}
    return {"round": int(row.round), "status": row.status, "started_at": row.started_at,
            "n_human": None if _missing(row.n_human) else int(row.n_human),
            "n_rule": None if _missing(row.n_rule) else int(row.n_rule),
            "n_judged": metrics.get("n_judged"),
            "accuracy": metrics.get("accuracy"), "macro_f1": metrics.get("macro_f1"),
            "supervised_accuracy": metrics.get("supervised_accuracy"),
            "outcome": metrics.get("outcome"), "message": row.message,
            "model_file": row.model_file}


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _learning_curve(status, points, n_validation):
    n_labels = np.array([p[0] for p in points], dtype=float)
    scores = np.array([p[1] for p in points], dtype=float)
    status["points"] = [{"n_human": int(n), "accuracy": float(s)}
                        for n, s in zip(n_labels, scores, strict=True)]
    status["stopped_paying"] = stopped_paying(n_labels, scores, n_validation=n_validation)
    try:
        curve = fit_learning_curve(n_labels, scores, n_validation=n_validation)
    except SemiloopError as error:
        status["curve_note"] = str(error)
        return
    step = labels_for_next_step(curve, n_labels.max(), step=STEP)
    status["curve"] = {
        "ceiling": curve.ceiling, "scale": curve.scale, "exponent": curve.exponent,
        "ceiling_std": float(np.sqrt(max(curve.covariance[0, 0], 0.0))),
        "next_step": {"gain": step.step, "labels_median": _finite(step.median),
                      "labels_low": _finite(step.low), "labels_high": _finite(step.high),
                      "reachable": step.reachable},
    }


def _finite(value):
    return None if not np.isfinite(value) else float(value)


def _verdict(status, points):
    if not status["rounds"]:
        return "no round yet: run `semiloop round PROJECT`"
    if not points:
        return "no round has a validation score yet"
    if status["stopped_paying"]:
        return ("the last rounds stopped paying: their validation accuracy rose less than "
                "the validation set's noise")
    curve = status["curve"]
    if curve is None:
        return "labels still pay; after three rounds the curve says how much more they buy"
    step = curve["next_step"]
    if step["labels_median"] is None:
        return (f"the curve flattens at about {curve['ceiling']:.1%}: it does not promise "
                f"one more point of accuracy for any number of labels")
    return (f"labels still pay: about {step['labels_median']:.0f} more human labels "
            f"(80% interval {step['labels_low']:.0f} to "
            + ("unbounded" if step["labels_high"] is None else f"{step['labels_high']:.0f}")
            + ") should buy one more point of accuracy")
