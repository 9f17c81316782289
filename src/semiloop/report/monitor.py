"""The HTML report of ``semiloop monitor``: new rows against the training data, over time.

:func:`monitor_report` turns the dict of
:func:`semiloop.monitor.monitor_windows` into a
:class:`~semiloop.report.html.Report`: which alarms tripped and what to do,
the alarms of every window, the model's confidence and entropy over the
windows, the predicted class balance over the windows, the feature drift
over time and in the latest window, and the accuracy on feedback labels.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from semiloop.monitor import monitor_windows
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"x": rng.normal(size=300)})
>>> windows = [("monday", pd.DataFrame({"x": rng.normal(size=200)})),
...            ("tuesday", pd.DataFrame({"x": rng.normal(1.0, 1, 200)}))]
>>> report = monitor_report(monitor_windows(reference, windows))
>>> report.sections[0].title
'1 alarm tripped'
"""

import numpy as np

from semiloop.report import plots
from semiloop.report.html import Report

__all__ = ["monitor_report"]

_ADVICE = {
    "feature_drift": "features are distributed differently from the training data: check "
                     "the pipeline that produces them (units, defaults, a new source); if "
                     "the change is real, label a sample of recent rows and retrain",
    "confidence_drop": "the model is less sure than on the training data, so rows unlike "
                       "those it learned from arrive: label a sample of recent rows",
    "entropy_drop": "predictions grew much more certain than on the training data: look for "
                    "a feature stuck at one value or a broken input",
    "one_class": "almost every row goes to one class: check the inputs before trusting the "
                 "predictions",
    "class_balance": "the predicted class shares moved away from the labeled ones: the mix "
                     "of classes changed, or the model is wrong on new rows; compare with "
                     "labels of recent rows",
    "prediction_drift": "the predicted class shares differ from those on the training data",
}


def monitor_report(report, *, meta=None, top=15):
    """The HTML report of a monitoring run.

    Parameters
    ----------
    report : dict
        From :func:`semiloop.monitor.monitor_windows` (or its JSON, read back).
    meta : list of str, default=None
        Lines under the title (input files, options).
    top : int, default=15
        Features drawn for the latest window.

    Returns
    -------
    Report
    """
    windows = report.get("windows", [])
    page = Report("semiloop monitor: do the new rows still look like the training data?",
                  meta=list(meta or []))
    _summary(page, report, windows)
    if not windows:
        return page
    _alarms(page, windows)
    names = [str(w.get("name", i + 1)) for i, w in enumerate(windows)]
    predicted = [w.get("predictions") for w in windows]
    if any(predicted):
        _confidence(page, windows, names)
        _balance(page, windows, names)
    _drift(page, windows, names, top)
    if any((w.get("feedback") or {}).get("accuracy") is not None for w in windows):
        _feedback(page, windows, names)
    return page


def _summary(page, report, windows):
    tripped = report.get("tripped", [])
    n = len(tripped)
    section = page.add_section(
        f"{n} alarm{'s' if n != 1 else ''} tripped" if n else "No alarm tripped",
        f"semiloop compared {len(windows)} window(s) of new rows (one per table, oldest "
        "first) with the reference rows the model was trained on: the features, and where a "
        "model was given, its predictions and their accuracy on rows that carry labels.",
        tone="bad" if n else "good")
    by_alarm = {}
    for window in windows:
        for name in window.get("tripped", []):
            by_alarm.setdefault(name, []).append(str(window.get("name")))
    section.add_list([f"{name} in {len(where)} of {len(windows)} window(s): {_few(where)}"
                      for name, where in by_alarm.items()], heading="Alarms")
    section.add_list([f"{name}: {_ADVICE.get(name, 'see the alarm message')}"
                      for name in by_alarm], heading="What to do")
    rows = []
    for window in windows:
        predictions = window.get("predictions") or {}
        feedback = window.get("feedback") or {}
        rows.append([window.get("name"), window.get("n_rows"),
                     len(window.get("shifted_features", [])),
                     predictions.get("mean_confidence"), predictions.get("mean_entropy"),
                     feedback.get("accuracy"), ", ".join(window.get("tripped", [])) or "none"])
    section.add_table(["window", "rows", "shifted features", "mean confidence",
                       "mean entropy", "accuracy on labels", "alarms"], rows)


def _few(names, limit=6):
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more"
                                       if len(names) > limit else "")


def _alarms(page, windows):
    names = list(dict.fromkeys(a["name"] for w in windows for a in w.get("alarms", [])))
    section = page.add_section(
        "Alarms, window by window",
        "Each alarm compares a window with the reference and trips past its threshold "
        "(change thresholds with --threshold NAME=VALUE). 'ALARM' marks a tripped one.")
    grid = []
    for window in windows:
        state = {a["name"]: a for a in window.get("alarms", [])}
        grid.append([window.get("name")] + [
            "" if name not in state else ("ALARM" if state[name]["tripped"] else "ok")
            for name in names])
    section.add_table(["window", *names], grid)
    details = [[w.get("name"), a["name"], a.get("value"), a.get("threshold"), a.get("message")]
               for w in windows for a in w.get("alarms", []) if a.get("tripped")]
    if details:
        section.add_table(["window", "alarm", "value", "threshold", "what was seen"], details,
                          caption="The tripped alarms")


def _confidence(page, windows, names):
    x = np.arange(len(windows))
    confidence = [(w.get("predictions") or {}).get("mean_confidence") for w in windows]
    entropy = [(w.get("predictions") or {}).get("mean_entropy") for w in windows]
    panels = [{"title": "mean confidence (higher: surer)",
               "series": {"new rows": confidence}, "hlines": []},
              {"title": "mean entropy (0: certain, 1: no idea)",
               "series": {"new rows": entropy}, "hlines": []}]
    thresholds = {a["name"]: a["threshold"] for w in windows for a in w.get("alarms", [])}
    first = next((w["predictions"] for w in windows if w.get("predictions")), {})
    reference = first.get("reference_confidence")
    if reference is None:   # a report written before the windows kept their reference
        reference = _reference_from_alarm(windows, "confidence_drop")
    if reference is not None and "confidence_drop" in thresholds:
        panels[0]["hlines"] = [(reference, "training data", "reference"),
                               (reference - thresholds["confidence_drop"], "alarm below",
                                "alarm")]
    reference = first.get("reference_entropy")
    if reference is None:
        reference = _reference_from_alarm(windows, "entropy_drop")
    if reference is not None and "entropy_drop" in thresholds:
        panels[1]["hlines"] = [(reference, "training data", "reference"),
                               (reference * thresholds["entropy_drop"], "alarm below",
                                "alarm")]
    section = page.add_section(
        "Confidence and uncertainty over time",
        "Confidence is the model's probability for the class it predicts, averaged over a "
        "window's rows; entropy measures how spread its probabilities are. A falling "
        "confidence means rows unlike the training data; an entropy falling far below the "
        "training data's means predictions that are too sure (a broken input can do that).")
    section.add_plot(plots.lines(x, panels, x_label="window", x_names=names),
                     "Dashed grey: the same measure on the training data; dashed red: where "
                     "the alarm trips.")


def _reference_from_alarm(windows, name):
    """The training data's mean confidence or entropy, worked back from an alarm's value."""
    for window in windows:
        predictions = window.get("predictions") or {}
        for alarm in window.get("alarms", []):
            if alarm["name"] != name or alarm.get("value") is None:
                continue
            if name == "confidence_drop" and predictions.get("mean_confidence") is not None:
                return predictions["mean_confidence"] + alarm["value"]
            if name == "entropy_drop" and alarm["value"] < 1 and \
                    predictions.get("mean_entropy") is not None:
                return predictions["mean_entropy"] / (1 - alarm["value"])
    return None


def _balance(page, windows, names):
    first = next(w["predictions"] for w in windows if w.get("predictions"))
    classes = first["classes"]
    rows, labels = [first["reference_shares"]], ["training data"]
    for name, window in zip(names, windows, strict=True):
        if window.get("predictions"):
            rows.append(window["predictions"]["shares"])
            labels.append(name)
    section = page.add_section(
        "Class balance over time",
        "The share of rows the model assigns to each class, first on the training data, then "
        "in each window. A class that grows or shrinks suddenly is worth a look: either the "
        "world changed, or the model is wrong about the new rows.")
    section.add_plot(plots.stacked_shares(labels, rows, classes),
                     "Each bar adds up to 1; follow one colour from left to right.")


def _drift(page, windows, names, top):
    latest = windows[-1]
    features = latest.get("features", [])
    shifted = set(latest.get("shifted_features", []))
    section = page.add_section(
        "Feature drift",
        "Each feature of a window is compared with the same feature of the training data. "
        "The effect size says how different the two distributions are (0: the same); the "
        "population stability index (PSI) reads: below 0.1 stable, 0.1 to 0.25 moderate, "
        "above 0.25 significant. A feature counts as shifted when its test rejects after "
        "correcting for the number of features.")
    followed = [f["feature"] for f in features[:5]]
    effect = {name: [next((f["effect"] for f in w.get("features", []) if f["feature"] == name),
                          None) for w in windows] for name in followed}
    panels = [{"title": "shifted features per window", "integer": True,
               "series": {"shifted features": [len(w.get("shifted_features", []))
                                               for w in windows]}}]
    if followed:
        panels.append({"title": "effect size of the latest window's top features",
                       "series": effect})
    section.add_plot(plots.lines(np.arange(len(windows)), panels, x_label="window",
                                 x_names=names),
                     "Left: how many features shifted in each window. Right: how the "
                     "features that shifted most in the latest window moved over time (no point: "
                     "the feature was not among a window's most shifted).")
    if not features:
        return
    section.add_plot(
        plots.feature_bars([f["feature"] for f in features], [f["effect"] for f in features],
                           [f["psi"] for f in features],
                           [f["feature"] in shifted for f in features], top=top),
        f"The latest window, {names[-1]}: most shifted first; red bars are shifted features.")
    section.add_table(
        ["feature", "test", "effect", "p-value", "PSI", "shifted"],
        [[f["feature"], f["test"], f["effect"],
          None if f.get("p_value") is None else f"{f['p_value']:.3g}", f["psi"],
          "yes" if f["feature"] in shifted else ""] for f in features],
        caption=f"The latest window, {names[-1]}")


def _feedback(page, windows, names):
    accuracy = [(w.get("feedback") or {}).get("accuracy") for w in windows]
    counts = [(w.get("feedback") or {}).get("n_labels", 0) for w in windows]
    section = page.add_section(
        "Accuracy on rows that came back with labels",
        "Where a window holds labels (for example, cases people checked), the share of them "
        "the model predicted right. This is the most direct evidence of all: a falling line "
        "means the model got worse.")
    section.add_plot(
        plots.lines(np.arange(len(windows)),
                    [{"title": "accuracy on labeled rows", "series": {"accuracy": accuracy},
                      "proportion": True}],
                    x_label="window", x_names=names),
        "Windows without labels have no point. Few labels make a noisy point; the table "
        "gives the counts.")
    section.add_table(["window", "labeled rows", "accuracy"],
                      [[n, c, a] for n, c, a in zip(names, counts, accuracy, strict=True)])
