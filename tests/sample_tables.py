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
