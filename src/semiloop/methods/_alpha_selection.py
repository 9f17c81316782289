"""Choose label spreading's α from the labeled rows alone.

How far labels should spread depends on the graph: on clean clusters α near 1
(Zhou et al.'s 0.99) reaches every point, on noisy graphs it carries labels
across class borders. Each candidate α is scored by hiding some labels and
predicting them from the rest; the folds' seed matrices are stacked side by
side so that one conjugate-gradient solve per α scores every fold.

>>> import numpy as np
>>> held_out_folds(np.array([0, 0, 0, 1, 1, 1]), random_state=0)[0].size
2
"""

import numpy as np
from sklearn.model_selection import StratifiedKFold

__all__ = ["ALPHA_CANDIDATES", "held_out_folds", "score_alphas"]

ALPHA_CANDIDATES = (0.5, 0.9, 0.99)

# With this many labels one held-out third is precise enough, and costs a
# third of three stacked folds on a large graph.
SINGLE_SPLIT_FROM = 1000


def held_out_folds(label_codes, *, random_state=0):
    """Positions (into the labeled rows) of the labels hidden in each fold."""
    counts = np.bincount(label_codes)
    n_splits = 3 if counts[counts > 0].min() >= 3 else 2
    if counts[counts > 0].min() < 2:
        order = np.random.default_rng(random_state).permutation(len(label_codes))
        return [order[i::n_splits] for i in range(n_splits)]
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    folds = [held for _, held in splitter.split(np.zeros(len(label_codes)), label_codes)]
    return folds[:1] if len(label_codes) >= SINGLE_SPLIT_FROM else folds


def score_alphas(spread, seeds_for, codes, labeled_rows, candidates=ALPHA_CANDIDATES, *,
                 random_state=0):
    """Held-out accuracy of each α.

    Parameters
    ----------
    spread : callable
        ``(alpha, seeds) -> scores`` for an (n, m) seed block.
    seeds_for : callable
        ``hidden_rows -> seeds`` with those rows' labels removed, shape (n, c).
    codes : ndarray
        Class codes of every row (-1 for unlabeled).
    labeled_rows : ndarray
        Indices of the labeled rows.

    Returns
    -------
    dict mapping each α to its held-out accuracy.
    """
    folds = held_out_folds(codes[labeled_rows], random_state=random_state)
    hidden = [labeled_rows[fold] for fold in folds]
    block = np.hstack([seeds_for(rows) for rows in hidden])
    n_classes = block.shape[1] // len(hidden)
    scores = {}
    for alpha in candidates:
        spread_block = spread(alpha, block)
        hits = []
        for index, rows in enumerate(hidden):
            part = spread_block[rows, index * n_classes:(index + 1) * n_classes]
            hits.append(part.argmax(axis=1) == codes[rows])
        scores[alpha] = float(np.concatenate(hits).mean())
    return scores
