"""Small labeled-and-unlabeled tables shared by the tests."""

import numpy as np
import pandas as pd


def two_class_table(n_rows=120, share_unlabeled=0.75, seed=0):
    """Two classes apart on ``x``, a categorical column, ids, and '?' for unlabeled."""
    rng = np.random.default_rng(seed)
    half = n_rows // 2
    frame = pd.DataFrame({
        "row": [f"r{i}" for i in range(n_rows)],
        "x": np.r_[rng.normal(-2, 1, half), rng.normal(2, 1, n_rows - half)],
        "colour": rng.choice(["red", "blue"], n_rows),
        "label": ["cat"] * half + ["dog"] * (n_rows - half),
    })
    frame.loc[rng.random(n_rows) < share_unlabeled, "label"] = "?"
    return frame


def chosen_labels(seed=0, n_per_class=10):
    """An 80/20 pool of two overlapping blobs, labeled as a query would: ``n_per_class`` rows
    of each class from the band ``|x| < 2`` around the boundary (shares 50/50, pool 80/20).

    Returns ``X`` (2000, 2), the true ``y`` and ``y_partial`` (-1 for unlabeled).
    """
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([-1.5, 0], 1, (1600, 2)), rng.normal([1.5, 0], 1, (400, 2))])
    y = np.repeat([0, 1], [1600, 400])
    band = np.abs(X[:, 0]) < 2
    labeled = np.r_[rng.choice(np.flatnonzero(band & (y == 0)), n_per_class, replace=False),
                    rng.choice(np.flatnonzero(band & (y == 1)), n_per_class, replace=False)]
    y_partial = np.full(len(y), -1)
    y_partial[labeled] = y[labeled]
    return X, y, y_partial
