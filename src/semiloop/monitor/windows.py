"""Drift and prediction alarms of each window of current rows against a reference table.

A *window* is one table of current rows: one file, or each file of a folder
of batches in name order (name them by date, ``2026-11-30.csv``, so that the
order is time). For each window:

- per-feature drift (:func:`semiloop.trust.feature_drift`); the
  ``feature_drift`` alarm trips when a feature's test rejects after Holm's
  correction at ``feature_level`` (0.01), or a distance reaches its
  threshold on large samples;
- with a model, its predictions on the reference and on the window
  (:func:`semiloop.trust.prediction_drift`) and the prediction alarms
  (:func:`semiloop.trust.prediction_alarms`: confidence drop, entropy drop,
  one-class collapse, class-balance shift from the labeled prior, prediction
  drift);
- where the window holds labels in the label column (feedback), the accuracy
  of the model's predictions on those rows, so that a trend shows over windows.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"x": rng.normal(size=400)})
>>> windows = [("monday", pd.DataFrame({"x": rng.normal(size=300)})),
...            ("tuesday", pd.DataFrame({"x": rng.normal(1.0, 1, 300)}))]
>>> report = monitor_windows(reference, windows)
>>> [(w["name"], w["tripped"]) for w in report["windows"]]
[('monday', []), ('tuesday', ['feature_drift'])]
"""

import numpy as np

from semiloop.errors import DataError
from semiloop.trust.alarms import prediction_alarms
from semiloop.trust.drift import feature_drift, shifted_features
from semiloop.trust.predictions import prediction_drift

__all__ = ["ALARM_EXIT_STATUS", "monitor_windows", "read_windows"]

#: Exit status of ``semiloop monitor`` when an alarm trips (2 is kept for errors).
ALARM_EXIT_STATUS = 3


def monitor_windows(reference, windows, *, model=None, label_column=None, id_column=None,
                    feature_level=0.01, thresholds=None, top=10):
    """Compare each window of current rows with the reference rows.

    Parameters
    ----------
    reference : pandas.DataFrame
        The training data (its label column, if any, gives the labeled prior).
    windows : list of (str, pandas.DataFrame)
        Named tables of current rows, oldest first.
    model : fitted classifier with ``predict_proba`` and ``classes_``, default=None
        Scores the feature columns (a pipeline from ``semiloop train`` takes
        the raw columns); without it only the features are compared.
    label_column, id_column : str, default=None
        Columns set aside from the features; labels in a window are feedback.
    feature_level : float, default=0.01
        Family-wise level of the per-feature tests in each window.
    thresholds : dict, default=None
        Overrides of the prediction alarms' thresholds
        (:data:`semiloop.trust.ALARM_DEFAULTS`).
    top : int, default=10
        Features listed per window.

    Returns
    -------
    report : dict
        ``{"windows": [...], "tripped": [...], "alarm_exit_status": 3}``, JSON-ready;
        each window holds its name, rows, tripped alarms, every alarm, the most
        shifted features, the prediction statistics and the feedback accuracy.

    Raises
    ------
    DataError
        When there is no window, or a window lacks a feature column of the reference.
    """
    if not windows:
        raise DataError("no current rows to compare; give a file, or a folder with at least "
                        "one table of scored rows")
    aside = [c for c in (label_column, id_column) if c is not None]
    features = [c for c in reference.columns if c not in aside]
    reference_features = reference[features]
    prior, reference_proba, classes = None, None, None
    if model is not None:
        classes = np.asarray(model.classes_)
        reference_proba = model.predict_proba(reference_features)
        if label_column is not None and label_column in reference.columns:
            prior = _label_shares(reference[label_column], classes)
    report = {"windows": [], "tripped": [], "alarm_exit_status": ALARM_EXIT_STATUS}
    for name, frame in windows:
        missing = [c for c in features if c not in frame.columns]
        if missing:
            raise DataError(f"window {name!r} lacks the reference's feature column(s) "
                            f"{', '.join(map(repr, missing[:5]))}; score rows with the same "
                            "columns as the training data")
        window = _one_window(name, reference_features, frame, features, model, classes,
                             reference_proba, prior, label_column, feature_level,
                             thresholds or {}, top)
        report["windows"].append(window)
        report["tripped"] += [f"{name}: {alarm}" for alarm in window["tripped"]]
    return report


def _one_window(name, reference_features, frame, features, model, classes, reference_proba,
                prior, label_column, feature_level, thresholds, top):
    drifts = feature_drift(reference_features, frame[features])
    shifted = [d.feature for d in shifted_features(drifts, feature_level)]
    alarms = [{"name": "feature_drift", "tripped": bool(shifted), "value": len(shifted),
               "threshold": feature_level,
               "message": (f"{len(shifted)} feature(s) shifted: {', '.join(shifted[:5])}"
                           if shifted else "no feature shifted")}]
    window = {"name": name, "n_rows": len(frame), "shifted_features": shifted,
              "features": [{"feature": d.feature, "test": d.test, "effect": d.effect,
                            "p_value": d.p_value, "psi": d.psi} for d in drifts[:top]]}
    if model is not None:
        proba = model.predict_proba(frame[features])
        drift = prediction_drift(reference_proba, proba, prior=prior)
        alarms += [a.to_dict() for a in prediction_alarms(drift, **thresholds)]
        window["predictions"] = {
            "classes": [str(c) for c in classes],
            "shares": drift.current_shares.tolist(),
            "reference_shares": drift.reference_shares.tolist(),
            "prior": None if drift.prior is None else drift.prior.tolist(),
            "mean_confidence": drift.current_confidence,
            "reference_confidence": drift.reference_confidence,
            "mean_entropy": drift.current_entropy,
            "reference_entropy": drift.reference_entropy,
            "kl_divergence": drift.kl_divergence, "js_distance": drift.js_distance}
        if label_column is not None and label_column in frame.columns:
            window["feedback"] = _feedback(frame[label_column], classes, proba)
    window["alarms"] = alarms
    window["tripped"] = [a["name"] for a in alarms if a["tripped"]]
    return window


def _label_shares(labels, classes):
    """Share of each class among the labels that name one (matched as :func:`_class_codes`)."""
    codes = _class_codes(labels, classes)
    known = codes[codes >= 0]
    return np.bincount(known, minlength=len(classes)) / len(known) if len(known) else None


def _feedback(labels, classes, proba):
    """Accuracy of the predictions on the window's rows that carry a known class."""
    codes = _class_codes(labels, classes)
    given = codes >= 0
    if not given.any():
        return {"n_labels": 0, "accuracy": None}
    return {"n_labels": int(given.sum()),
            "accuracy": float(np.mean(proba[given].argmax(axis=1) == codes[given]))}


def _class_codes(labels, classes):
    """Index of each label among ``classes`` (as text, or as a number: 1.0 is class 1); -1 else."""
    import pandas as pd

    by_text = {str(c): i for i, c in enumerate(classes)}
    numeric = pd.to_numeric(pd.Series(classes), errors="coerce")
    by_number = {float(v): i for i, v in enumerate(numeric) if pd.notna(v)}
    text = labels.astype(str).str.strip()
    numbers = pd.to_numeric(labels, errors="coerce")
    codes = np.full(len(labels), -1)
    for row, (word, number) in enumerate(zip(text, numbers, strict=True)):
        if word in by_text:
            codes[row] = by_text[word]
        elif pd.notna(number) and float(number) in by_number:
            codes[row] = by_number[float(number)]
    return codes


def read_windows(path, read):
    """``[(name, frame)]``: one table, or each table of a folder in name order."""
    from pathlib import Path

    from semiloop.data import read_table

    path = Path(path)
    if not path.exists():
        raise DataError(f"{str(path)!r} does not exist; give a table of new rows, or a folder "
                        "of such tables")
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in {".csv", ".tsv", ".parquet", ".jsonl"})
        if not files:
            raise DataError(f"the folder {str(path)!r} holds no .csv, .tsv, .parquet or "
                            ".jsonl table; put one table of scored rows per batch in it")
        return [(p.name, read_table(p, **read)) for p in files]
    return [(path.name, read_table(path, **read))]
