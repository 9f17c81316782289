"""A one-minute demonstration: a few labels of the digits data, with and without semiloop.

The digits are split into a training and a test part; about 5% of the
training labels are kept (at least two per class) and the rest are hidden.
The same standardised logistic regression is then fitted three ways:

- supervised only, on the kept labels;
- semiloop's default (``semiloop train``, ``--method auto``): self-training, the
  graph method and the S3VM are scored beside the supervised model on held-out
  labeled rows, and the best one is kept only where it clearly wins;
- fully supervised, on every training label (the ceiling).

:func:`run_demo` returns the test accuracies and each candidate's held-out
score; it prints nothing.
"""

import time

import numpy as np

__all__ = ["run_demo"]

LABELED_FRACTION = 0.05
MIN_LABELS_PER_CLASS = 2


def run_demo(seed=0, progress=None):
    """Compare supervised-only, semiloop and fully supervised on the digits.

    Parameters
    ----------
    seed : int, default=0
        Seeds the train/test split, the choice of kept labels and the models.
    progress : callable, default=None
        Called as ``progress(step)`` with a short description of each stage.

    Returns
    -------
    dict
        ``supervised_accuracy``, ``semiloop_accuracy`` and
        ``fully_supervised_accuracy`` (on the test part), ``kept`` (the
        method semiloop kept, or ``"supervised"``), ``candidates`` (each
        candidate's held-out accuracy on the labeled rows, its p-value and
        whether it was kept), ``gap_closed`` (the share of the
        supervised-to-fully-supervised gap semiloop closes, None when there is
        no gap), ``used_unlabeled``, ``n_labeled``, ``n_unlabeled``,
        ``n_train``, ``n_test``, ``n_classes``, ``seconds`` (per model) and
        ``total_seconds``.
    """
    from threadpoolctl import threadpool_limits

    import semiloop.methods.self_training  # noqa: F401  (loads the thread pools to limit)

    # The models are small: one BLAS thread is fastest, and on a busy machine
    # several threads per model slow the demo down many times over. Only pools
    # already loaded are limited, hence the import above.
    with threadpool_limits(limits=1):
        return _run(seed, progress if progress is not None else _ignore)


def _run(seed, report):
    from sklearn.base import clone
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from semiloop.base_models import make_base_model
    from semiloop.callbacks import ProgressLine
    from semiloop.registry import make_method

    started = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    y_partial = _hide_labels(y_train, np.random.default_rng(seed))
    labeled = y_partial != -1
    base = make_base_model("logreg", random_state=seed)
    seconds = {}

    report(f"supervised only: {int(labeled.sum())} labels")
    tick = time.perf_counter()
    supervised = clone(base).fit(X_train[labeled], y_train[labeled])
    seconds["supervised"] = time.perf_counter() - tick

    report(f"semiloop: {int(labeled.sum())} labels + {int((~labeled).sum())} unlabeled rows")
    tick = time.perf_counter()
    semiloop = make_method("auto", clone(base), random_state=seed,
                           callbacks=[ProgressLine(report)]).fit(X_train, y_partial)
    seconds["semiloop"] = time.perf_counter() - tick

    report(f"fully supervised: {len(y_train)} labels")
    tick = time.perf_counter()
    full = clone(base).fit(X_train, y_train)
    seconds["fully_supervised"] = time.perf_counter() - tick

    accuracy = {
        "supervised": float(supervised.score(X_test, y_test)),
        "semiloop": float(semiloop.score(X_test, y_test)),
        "fully_supervised": float(full.score(X_test, y_test)),
    }
    gap = accuracy["fully_supervised"] - accuracy["supervised"]
    return {
        "seed": seed,
        "dataset": "digits",
        "n_train": len(y_train),
        "n_test": len(y_test),
        "n_classes": len(np.unique(y)),
        "n_labeled": int(labeled.sum()),
        "n_unlabeled": int((~labeled).sum()),
        "supervised_accuracy": accuracy["supervised"],
        "semiloop_accuracy": accuracy["semiloop"],
        "fully_supervised_accuracy": accuracy["fully_supervised"],
        "gap_closed": (accuracy["semiloop"] - accuracy["supervised"]) / gap if gap > 0 else None,
        "kept": semiloop.kept_,
        "used_unlabeled": bool(semiloop.used_unlabeled_),
        "candidates": [record.to_dict() for record in semiloop.history_],
        "seconds": {name: round(value, 3) for name, value in seconds.items()},
        "total_seconds": round(time.perf_counter() - started, 3),
    }


def _hide_labels(y, rng):
    """Keep about ``LABELED_FRACTION`` of each class (at least two); set the rest to -1."""
    partial = np.full_like(y, -1)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        keep = max(MIN_LABELS_PER_CLASS, round(LABELED_FRACTION * len(rows)))
        chosen = rng.choice(rows, size=min(keep, len(rows)), replace=False)
        partial[chosen] = y[chosen]
    return partial


def _ignore(step):
    """Default progress callback: does nothing."""
