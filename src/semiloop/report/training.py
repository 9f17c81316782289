"""The HTML report of a training run, drawn from its history records.

:func:`training_report` takes the records of a fitted method as plain dicts
(``record.to_dict()``, as written to ``metrics.json``) and draws what they
hold, round by round (self-training) or step by step (deep SSL): held-out
accuracy, pseudo-labels, calibration, losses, mask and flip rates, the
pseudo-label audit, and the alarms that tripped. Keys that are absent or None
are skipped, so older and newer records, and records of other methods, draw
what they have.

Examples
--------
>>> history = [{"round": 0, "n_pseudo_labels": 0, "validation_accuracy": 0.80},
...            {"round": 1, "n_pseudo_labels": 40, "validation_accuracy": 0.84}]
>>> [s.title for s in training_report(history).sections]
['Summary', 'Held-out accuracy', 'Pseudo-labels']
"""

import numbers

import numpy as np

from semiloop.report import plots
from semiloop.report.html import Report

__all__ = ["training_report"]

#: ``(title, explanation, {series name: key}, scale)``; a key is a record field, or
#: ``"field.sub"`` for a number inside a dict field, or ``"field+"`` for the sum of a dict
#: (or the number itself);
#: the scale is a panel option of :func:`semiloop.report.plots.lines`.
_TOPICS = (
    ("Held-out accuracy",
     "Accuracy on labeled rows that training did not use. It should rise or stay level; "
     "a fall means the unlabeled rows are leading the model astray. The pseudo-label "
     "precision is the share of pseudo-labels that were right, on labeled rows hidden as "
     "if unlabeled.",
     {"held-out accuracy": "validation_accuracy",
      "pseudo-label accuracy": "pseudo_label_accuracy",
      "pseudo-label precision (audit)": "pseudo_label_audit.precision"}, "proportion"),
    ("Pseudo-labels",
     "How many unlabeled rows carry a pseudo-label (a label the model gave itself), how many "
     "were added and dropped in each round, and how many confident ones were held back "
     "because their prediction flipped or the models disagreed on them.",
     {"pseudo-labels held": "n_pseudo_labels", "added this round": "added+",
      "dropped this round": "dropped+", "held back for review": "held_back+"}, "integer"),
    ("Calibration",
     "Expected calibration error of the held-out probabilities (0: a confidence of 80% is "
     "right 80% of the time), before and after temperature scaling.",
     {"before the temperature": "calibration_error_raw",
      "after the temperature": "calibration_error"}, "proportion"),
    ("Loss",
     "The training losses (lower is better). The unlabeled loss is what the unlabeled rows "
     "add; a loss that stops falling, or rises, is worth a look.",
     {"total": "loss", "labeled rows": "supervised_loss", "unlabeled rows": "unlabeled_loss",
      "held-out log-loss": "validation_log_loss"}, None),
    ("Stability of the pseudo-labels",
     "Mask rate: the share of unlabeled rows confident enough to be used. Flip rate: the "
     "share of rows whose predicted class changed since the previous round; it should "
     "settle near 0. Disagreement: how often models trained on other folds predict another "
     "class; MC-dropout spread: how much the predicted probability moves under dropout. "
     "Coverage: the share of hidden labeled rows that got a pseudo-label.",
     {"mask rate": "mask_rate", "flip rate": "flip_rate", "disagreement": "disagreement",
      "MC-dropout spread": "mc_dropout_std", "audit coverage": "pseudo_label_audit.coverage"},
     "proportion"),
)


def training_report(history, *, title="semiloop: how training went", meta=None):
    """The HTML report of a training history.

    Parameters
    ----------
    history : list of dict
        One record per round or step, as ``record.to_dict()`` gives them
        (:mod:`semiloop.records`); unknown keys are ignored, missing ones skipped.
    title : str, default="semiloop: how training went"
    meta : list of str, default=None
        Lines under the title (data, method, options).

    Returns
    -------
    Report
    """
    every = [r for r in history if isinstance(r, dict)]
    records = [r for r in every if "candidate" not in r]   # candidates are not a time line
    report = Report(title, meta=list(meta or []))
    x_key = next((k for k in ("round", "step") if records and all(
        isinstance(r.get(k), numbers.Number) for r in records)), None)
    x = np.array([r[x_key] for r in records], float) if x_key else np.arange(len(records))
    x_label = x_key or "record"
    summary = report.add_section(
        "Summary",
        f"{len(records)} record(s) of training, one per {x_label}. Each section below "
        "shows one aspect of the run over time; sections without data are left out.")
    drawn, changes = 0, []
    for topic, text, keys, scale in _TOPICS:
        series = {name: [_value(r, key) for r in records] for name, key in keys.items()}
        series = {name: v for name, v in series.items() if any(e is not None for e in v)}
        if not series:
            continue
        drawn += 1
        changes += _changes(topic, series, x, x_label)
        section = report.add_section(topic, text)
        panel = {"title": topic.lower(), "series": series, **({scale: True} if scale else {})}
        section.add_plot(plots.lines(x, [panel], x_label=x_label),
                         f"Over {x_label}s; a line joins the {x_label}s that recorded "
                         "the value.")
    if drawn:
        summary.add_table(["measure", "first", "last"], changes)
    else:
        summary.add_text("The records hold no curve to draw.")
    _alarms(report, records, x_key)
    _candidates(report, every)
    return report


def _changes(topic, series, x, x_label):
    """Table rows ``[topic: name, first value (x), last value (x)]``, one per series."""
    rows = []
    for name, values in series.items():
        known = [(position, v) for position, v in zip(x, values, strict=True) if v is not None]
        (start, first), (end, last) = known[0], known[-1]
        label = name if topic.lower() in name.lower() else f"{topic.lower()}: {name}"
        rows.append([label, f"{_show(first)} ({x_label} {start:g})",
                     f"{_show(last)} ({x_label} {end:g})"])
    return rows


def _show(value):
    return f"{value:g}" if float(value).is_integer() else f"{value:.3f}"


def _value(record, key):
    if key.endswith("+"):
        values = record.get(key[:-1])
        if not isinstance(values, dict):
            return _number(values)
        if not values:
            return None
        numbers_ = [v for v in values.values() if _number(v) is not None]
        return float(sum(numbers_)) if numbers_ else None
    field, _, sub = key.partition(".")
    value = record.get(field)
    if sub:
        value = value.get(sub) if isinstance(value, dict) else None
    return _number(value)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _alarms(report, records, x_key):
    if not any(isinstance(r.get("alarms"), list) for r in records):
        return
    rows = [[r.get(x_key, index) if x_key else index, a.get("name"), a.get("value"),
             a.get("threshold"), a.get("message")]
            for index, r in enumerate(records) for a in (r.get("alarms") or [])
            if isinstance(a, dict) and a.get("tripped", True)]
    section = report.add_section(
        "Alarms during training",
        "Checks that the model is not fooling itself: confidence falling, predictions "
        "collapsing onto one class, pseudo-labels drifting from the labeled class shares.",
        tone="bad" if rows else "good")
    if rows:
        section.add_table([x_key or "record", "alarm", "value", "threshold", "what was seen"],
                          rows)
    else:
        section.add_text("No alarm tripped.")


def _candidates(report, records):
    rows = [[r.get("candidate"), r.get("validation_accuracy"), r.get("validation_log_loss"),
             r.get("p_value"), "yes" if r.get("kept") else "", r.get("note", "")]
            for r in records if "candidate" in r]
    if rows:
        section = report.add_section(
            "Candidates compared",
            "Each method was scored on the same held-out labeled rows; the one kept is marked.")
        section.add_table(["candidate", "held-out accuracy", "held-out log-loss", "p-value",
                           "kept", "note"], rows)
