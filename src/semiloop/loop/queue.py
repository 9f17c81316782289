"""A round's review batch: the project's query strategy, plus the rows the trust checks flagged.

The strategy (:func:`semiloop.active.query`) ranks the pool, the items that
carry no human label and lie outside the validation set, on the round's
encoded features. The edge cases people should see too are flagged: rows the
kept model held back from pseudo-labeling as unstable (self-training's
``held_back_``: flipped predictions, fold models that disagree), then rows
out of distribution (farther from every labeled row than
:data:`OOD_PERCENTILE` of the labeled rows lie from their own nearest
labeled neighbours; :func:`semiloop.trust.row_scores`), farthest first.
Flagged rows take up to ``flagged_share`` of the batch
(:func:`semiloop.active.review_batch`). A ``random_share`` of the batch is
drawn uniformly from the pool first: labels chosen by a strategy or flagged
sit near a model's boundary or off the data, so the safety guard judges the
pipeline on the labels drawn at random alone (``validation_rows``), and these
keep that judgement honest as the project grows.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["FLAGGED_SHARE", "OOD_PERCENTILE", "ChosenRows", "review_batch"]

#: the most of a batch that trust-flagged rows may take
FLAGGED_SHARE = 0.25
#: a pool row farther from the labeled rows than this share of labeled rows from
#: theirs is out of distribution
OOD_PERCENTILE = 0.99


@dataclass(frozen=True)
class ChosenRows:
    """Rows of the project's table to ask about, in order.

    Attributes
    ----------
    rows : ndarray of int
        Positions in the table.
    scores : ndarray of float
        The strategy's score of each (higher = asked first; NaN for a row
        only the trust checks chose).
    reasons : list of str
        Why each row is asked.
    """

    rows: np.ndarray
    scores: np.ndarray
    reasons: list


def review_batch(pipeline, frame, pool, size, *, strategy, train_rows, labeled_rows, seed,
                 flagged_share=FLAGGED_SHARE, random_share=0.0, round_number=0):
    """Choose ``size`` rows of ``pool`` for people to label.

    Parameters
    ----------
    pipeline : Pipeline
        The round's fitted ``encode`` + ``ssl`` pipeline.
    frame : DataFrame
        The project's whole table (features only).
    pool : ndarray of int
        Positions of the rows that may be asked.
    size : int
    strategy : str
        A name in :data:`semiloop.active.STRATEGIES`.
    train_rows : ndarray of int
        Positions of the rows the model was fitted on, in the order it saw
        them (maps ``held_back_`` back to the table).
    labeled_rows : ndarray of int
        Positions of the labeled rows among them: the diverse strategies'
        cover starts from them, and distances are measured to them.
    seed : int
        Seeds the strategy, and with ``round_number`` the random draw.
    flagged_share : float, default=FLAGGED_SHARE
    random_share : float in [0, 1], default=0.0
        The share of the batch (rounded) drawn uniformly from the pool, with
        the reason :data:`~semiloop.loop.schema.RANDOM_REASON`; they come last.
    round_number : int, default=0

    Returns
    -------
    ChosenRows
    """
    from semiloop.active import query
    from semiloop.active import review_batch as merge
    from semiloop.loop.schema import RANDOM_REASON

    size = min(size, len(pool))
    n_random = round(random_share * size)
    rng = np.random.default_rng([seed, round_number])
    drawn = np.sort(rng.choice(pool, n_random, replace=False))
    pool, size = np.setdiff1d(pool, drawn), size - n_random
    if not size:
        return ChosenRows(drawn, np.full(n_random, np.nan), [RANDOM_REASON] * n_random)

    encoder, model = pipeline.named_steps["encode"], pipeline.named_steps["ssl"]
    encoded = encoder.transform(frame)
    chosen = query(strategy, model, encoded[pool], min(size, len(pool)), ids=pool,
                   X_labeled=encoded[labeled_rows], random_state=seed)
    flagged, reasons = _held_back(model, train_rows, set(pool.tolist()))
    far, far_reasons = _out_of_distribution(encoded, pool, labeled_rows, seed)
    keep = ~np.isin(far, flagged)
    flagged = np.concatenate([flagged, far[keep]]).astype(int)
    reasons = reasons + [r for r, k in zip(far_reasons, keep, strict=True) if k]
    batch = merge(chosen, flagged, reasons, size, flagged_share=flagged_share)
    score_of = dict(zip(chosen.pool_ids.tolist(), chosen.scores.tolist(), strict=True))
    rows = np.asarray(batch.ids, dtype=int)
    return ChosenRows(np.concatenate([rows, drawn]).astype(int),
                      np.array([score_of.get(r, np.nan) for r in rows.tolist()]
                               + [np.nan] * n_random),
                      list(batch.reasons) + [RANDOM_REASON] * n_random)


def _held_back(model, train_rows, pool):
    """Table positions (and reasons) of the rows the kept model held back, most first."""
    for candidate in (model, getattr(model, "estimator_", None)):
        held = getattr(candidate, "held_back_", None)
        if held is not None and len(held):
            rows = train_rows[np.asarray(held, dtype=int)]
            reasons = np.asarray(candidate.held_back_reasons_).astype(str)
            keep = np.array([r in pool for r in rows.tolist()], dtype=bool)
            return rows[keep], reasons[keep].tolist()
    return np.array([], dtype=int), []


def _out_of_distribution(encoded, pool, labeled_rows, seed):
    """Pool rows out of distribution, farthest first, with their reason."""
    from semiloop.trust import row_scores

    if len(labeled_rows) < 2:
        return np.array([], dtype=int), []
    scores = row_scores(encoded[labeled_rows], encoded[pool], random_state=seed)
    far = np.flatnonzero(scores.knn_percentile >= OOD_PERCENTILE)
    far = far[np.argsort(-scores.knn_distance[far], kind="stable")]
    return pool[far], ["out of distribution"] * len(far)
