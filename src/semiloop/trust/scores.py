"""Per-row trust scores for unlabeled rows, classes never labeled, and a filter on both.

Every unlabeled row gets three scores, each where larger means "trust less":

- ``knn_distance``: mean distance to its ``n_neighbors`` nearest labeled rows
  (standardised features), and ``knn_percentile``, the share of labeled rows
  whose own distance to their nearest labeled rows (leave-one-out) is smaller:
  above 0.99 a row lies farther from the labels than almost any label lies
  from the others;
- ``outlier_score``: an isolation forest (Liu, Ting & Zhou, ICDM 2008) fitted
  on all rows, labeled and unlabeled: rows unusual in the whole pool;
- ``entropy``: the predictive entropy of a model's probabilities, in units of
  ``log(n_classes)``, when probabilities are given.

:func:`unseen_class_clusters` clusters the rows with DBSCAN (Ester et al.,
KDD 1996) at the labeled rows' own spacing: a dense cluster that holds no
labeled row and whose rows lie far from every label is likely a class no one
has labeled (open-set unlabeled data); scattered far rows are outliers.
:func:`trusted_mask` drops the least trustworthy share of the unlabeled rows
before semi-supervised learning.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> labeled = rng.normal(0, 1, (40, 2))
>>> unlabeled = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(8, 0.3, (25, 2))])
>>> scores = row_scores(labeled, unlabeled, random_state=0)
>>> bool(scores.knn_percentile[60:].min() > 0.99), bool(scores.knn_percentile[:60].mean() < 0.8)
(True, True)
>>> [(c.size, bool(c.rows.min() >= 60)) for c in unseen_class_clusters(scores, unlabeled)]
[(25, True)]
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from semiloop.errors import DataError

__all__ = ["FAR_PERCENTILE", "RowScores", "UnseenCluster", "row_scores", "trusted_mask",
           "unseen_class_clusters"]

#: ``knn_percentile`` above which a row counts as far from every labeled row.
FAR_PERCENTILE = 0.99


@dataclass(frozen=True)
class RowScores:
    """Scores of the unlabeled rows, one value per row; larger means trust less.

    Attributes
    ----------
    knn_distance : ndarray of shape (n_unlabeled,)
        Mean Euclidean distance to the nearest labeled rows, on features
        standardised with the labeled and unlabeled rows together.
    knn_percentile : ndarray of shape (n_unlabeled,)
        Share of labeled rows whose leave-one-out distance to their nearest
        labeled rows is below ``knn_distance`` (in [0, 1]).
    outlier_score : ndarray of shape (n_unlabeled,)
        Isolation-forest anomaly score (``-score_samples``: about 0.5 for
        ordinary rows, towards 1 for isolated ones).
    entropy : ndarray of shape (n_unlabeled,) or None
        Predictive entropy over ``log(n_classes)``, when probabilities were given.
    features : ndarray of shape (n_unlabeled, n_features)
        The standardised features the distances were measured on.
    labeled_distances : ndarray of shape (n_labeled,)
        Sorted leave-one-out distances of the labeled rows to their nearest
        labeled rows, in the same units.
    labeled_features : ndarray of shape (n_labeled, n_features)
        The labeled rows, standardised like ``features``.
    """

    knn_distance: np.ndarray
    knn_percentile: np.ndarray
    outlier_score: np.ndarray
    entropy: np.ndarray | None
    features: np.ndarray
    labeled_distances: np.ndarray
    labeled_features: np.ndarray

    @property
    def labeled_spacing(self):
        """Median of ``labeled_distances``: how far apart labeled rows typically lie."""
        return float(np.median(self.labeled_distances))


@dataclass(frozen=True)
class UnseenCluster:
    """A dense group of unlabeled rows far from every labeled row.

    Attributes
    ----------
    rows : ndarray of int
        Positions among the unlabeled rows.
    size : int
    centre : ndarray of shape (n_features,)
        Mean of the group in the caller's feature space.
    median_percentile : float
        Median ``knn_percentile`` of its rows.
    """

    rows: np.ndarray
    size: int
    centre: np.ndarray
    median_percentile: float


def row_scores(X_labeled, X_unlabeled, *, proba=None, n_neighbors=5, random_state=0):
    """Distance to the labels, isolation and entropy of every unlabeled row.

    Parameters
    ----------
    X_labeled : array-like of shape (n_labeled, n_features)
    X_unlabeled : array-like of shape (n_unlabeled, n_features)
        Numeric features (encode tables first, e.g. with
        :class:`semiloop.features.TableEncoder`).
    proba : array-like of shape (n_unlabeled, n_classes), default=None
        A model's probabilities for the unlabeled rows.
    n_neighbors : int, default=5
        Labeled neighbours averaged (fewer when there are fewer labeled rows).
    random_state : int, default=0
        Seed of the isolation forest.

    Returns
    -------
    RowScores

    Raises
    ------
    DataError
        With fewer than two labeled rows, no unlabeled row, or feature
        counts that differ.
    """
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import NearestNeighbors
    from sklearn.preprocessing import StandardScaler

    labeled = np.asarray(X_labeled, dtype=float)
    unlabeled = np.asarray(X_unlabeled, dtype=float)
    if labeled.ndim != 2 or unlabeled.ndim != 2 or labeled.shape[1] != unlabeled.shape[1]:
        raise DataError(f"X_labeled {labeled.shape} and X_unlabeled {unlabeled.shape} must be "
                        "2-D with the same number of features; encode both the same way")
    if len(labeled) < 2 or len(unlabeled) == 0:
        raise DataError(f"trust scores need at least 2 labeled rows and 1 unlabeled row, got "
                        f"{len(labeled)} and {len(unlabeled)}; label more rows")
    scaler = StandardScaler().fit(np.vstack([labeled, unlabeled]))
    labeled, unlabeled = scaler.transform(labeled), scaler.transform(unlabeled)
    k = min(n_neighbors, len(labeled) - 1)
    index = NearestNeighbors(n_neighbors=k + 1).fit(labeled)
    own = index.kneighbors(labeled, n_neighbors=k + 1)[0][:, 1:].mean(axis=1)  # leave one out
    distance = index.kneighbors(unlabeled, n_neighbors=k)[0].mean(axis=1)
    percentile = np.searchsorted(np.sort(own), distance, side="left") / len(own)
    forest = IsolationForest(random_state=random_state).fit(np.vstack([labeled, unlabeled]))
    outlier = -forest.score_samples(unlabeled)
    entropy = None
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        if proba.shape[0] != len(unlabeled):
            raise DataError(f"proba has {proba.shape[0]} rows for {len(unlabeled)} unlabeled "
                            "rows; pass the model's probabilities of the unlabeled rows")
        entropy = (stats.entropy(proba, axis=1) / np.log(proba.shape[1])
                   if proba.shape[1] > 1 else np.zeros(len(proba)))
    return RowScores(distance, percentile, outlier, entropy, unlabeled, np.sort(own), labeled)


def unseen_class_clusters(scores, X_unlabeled=None, *, far=0.9, min_size=None,
                          far_share=0.75, max_rows=20000, random_state=0):
    """Dense groups of unlabeled rows, apart from every labeled row: classes no one labeled.

    The labeled and unlabeled rows are clustered together with DBSCAN, with
    ``eps`` the labeled rows' median spacing (``labeled_spacing``) and 10
    neighbours for a core row. A cluster is reported when it holds no labeled
    row, at least ``min_size`` rows, and at least ``far_share`` of its rows
    are far from the labels (``knn_percentile > far``). The fringe of a
    labeled class, where the farthest ordinary rows gather, stays connected to
    its class and is not reported; scattered far rows are outliers, not a class.

    Parameters
    ----------
    scores : RowScores
    X_unlabeled : array-like of shape (n_unlabeled, n_features), default=None
        Where cluster centres are reported; None reports them in the
        standardised space of ``scores``.
    far : float, default=0.9
        ``knn_percentile`` above which a row counts as far from the labels here
        (the cluster must hold no label as well, so this can be lower than
        :data:`FAR_PERCENTILE`: on three Gaussian classes with 10 labels each and a
        fourth held only by 40 of 640 unlabeled rows, 58 of 60 seeds find it and
        none of 60 clean pools raises a cluster, at 0.9 and at 0.99).
    min_size : int, default=None
        The smallest group reported; None: 2% of the unlabeled rows, at least 10.
    far_share : float, default=0.75
    max_rows : int, default=20000
        Above this many unlabeled rows, a seeded random sample of this size is
        clustered, and ``rows`` and ``size`` count the sample.
    random_state : int, default=0

    Returns
    -------
    clusters : list of UnseenCluster
        Largest first; empty when no such group exists.
    """
    from sklearn.cluster import DBSCAN

    n = len(scores.knn_percentile)
    min_size = max(10, int(np.ceil(0.02 * n))) if min_size is None else min_size
    sample = np.arange(n)
    if n > max_rows:
        sample = np.sort(np.random.default_rng(random_state).choice(n, max_rows, replace=False))
        min_size = max(2, int(np.ceil(min_size * max_rows / n)))
    n_labeled = len(scores.labeled_features)
    points = np.vstack([scores.labeled_features, scores.features[sample]])
    eps = scores.labeled_spacing if scores.labeled_spacing > 0 else 1.0
    groups = DBSCAN(eps=eps, min_samples=10).fit_predict(points)
    labeled_groups = set(groups[:n_labeled].tolist())
    space = scores.features if X_unlabeled is None else np.asarray(X_unlabeled, dtype=float)
    clusters = []
    for group in np.unique(groups[n_labeled:]):
        if group < 0 or group in labeled_groups:
            continue
        rows = sample[np.flatnonzero(groups[n_labeled:] == group)]
        if len(rows) < min_size or np.mean(scores.knn_percentile[rows] > far) < far_share:
            continue
        clusters.append(UnseenCluster(rows, len(rows), space[rows].mean(axis=0),
                                      float(np.median(scores.knn_percentile[rows]))))
    return sorted(clusters, key=lambda c: c.size, reverse=True)


def trusted_mask(scores, *, drop_share=0.1):
    """Which unlabeled rows to keep, dropping the least trustworthy ``drop_share``.

    Each score (distance to the labels, isolation, entropy when present) is
    turned into its rank among the unlabeled rows; the rows with the largest
    mean rank are dropped.

    Parameters
    ----------
    scores : RowScores
    drop_share : float, default=0.1
        In [0, 1).

    Returns
    -------
    keep : ndarray of bool, shape (n_unlabeled,)

    Examples
    --------
    >>> scores = RowScores(np.array([0.1, 5.0, 0.2, 0.3]), np.zeros(4),
    ...                    np.array([0.4, 0.9, 0.5, 0.45]), None, np.zeros((4, 1)), np.ones(2),
    ...                    np.zeros((2, 1)))
    >>> trusted_mask(scores, drop_share=0.25).tolist()
    [True, False, True, True]
    """
    if not 0 <= drop_share < 1:
        raise DataError(f"drop_share must be in [0, 1), got {drop_share}")
    parts = [scores.knn_distance, scores.outlier_score]
    if scores.entropy is not None:
        parts.append(scores.entropy)
    rank = np.mean([stats.rankdata(part) for part in parts], axis=0)
    n_drop = int(np.floor(drop_share * len(rank)))
    keep = np.ones(len(rank), dtype=bool)
    if n_drop:
        keep[np.argsort(-rank, kind="stable")[:n_drop]] = False
    return keep
