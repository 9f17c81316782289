"""Batches that cover the pool: no batch of twenty near-copies of one hard case.

Scoring rows one at a time and taking the top ``n`` asks the same question
again and again where the pool holds near-duplicates. Two choices of a
whole batch avoid that:

- :func:`k_center_greedy` (Sener & Savarese, "Active Learning for
  Convolutional Neural Networks: A Core-Set Approach", ICLR 2018, Alg. 1):
  starting from the labeled rows, add the pool row farthest from every row
  chosen so far, ``n`` times; a 2-approximation of the ``n`` centres that
  minimise the largest distance from any row to its nearest centre. It
  looks at coverage alone.
- :func:`kmeans_plusplus_seeding` on BADGE's gradient embeddings (Ash et
  al., "Deep Batch Active Learning by Diverse, Uncertain Gradient Lower
  Bounds", ICLR 2020, Sec. 3): k-means++ seeding (Arthur & Vassilvitskii
  2007) draws each next row with probability proportional to ``D(x)^2``,
  its squared distance to the nearest row drawn so far; long gradients
  (uncertain rows) far from the chosen ones are likely, and a row equal to
  one already drawn has probability 0.

Examples
--------
>>> import numpy as np
>>> points = np.array([[0.0], [0.1], [5.0], [10.0]])
>>> order, distance = k_center_greedy(points, 2, labeled=np.array([[0.0]]))
>>> order.tolist(), distance.round(2).tolist()
([3, 2], [0.0, 0.1, 5.0, 10.0])
"""

import numpy as np
from scipy import sparse
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.utils import check_array
from sklearn.utils.extmath import row_norms

from semiloop.errors import SemiloopError

__all__ = ["k_center_greedy", "kmeans_plusplus_seeding"]


def k_center_greedy(points, n, *, labeled=None, random_state=None):
    """Choose ``n`` rows, each the farthest from all rows chosen or labeled before it.

    Parameters
    ----------
    points : array-like or sparse matrix of shape (n_rows, n_dims)
        The pool rows in the space that measures their distance (raw
        features, a network's penultimate embedding).
    n : int
        Rows to choose (at most ``n_rows``).
    labeled : array-like or sparse matrix of shape (n_labeled, n_dims), default=None
        The labeled rows, the centres to start from. Without them the first
        row is drawn at random.
    random_state : int, numpy Generator or None, default=None
        Seeds that first draw (used only without labeled rows).

    Returns
    -------
    order : ndarray of int, shape (n,)
        Positions of the chosen rows, in the order chosen.
    distance : ndarray of shape (n_rows,)
        Score of every row, higher = ask first: for a chosen row its
        Euclidean distance to the nearest centre when it was chosen (these
        do not increase along ``order``), for the others their distance to
        the nearest centre at the end, which is no more than the last
        chosen row's. The first row drawn at random scores the distance it
        covers, that of the second.

    Raises
    ------
    SemiloopError
        When ``points`` and ``labeled`` differ in width.

    Notes
    -----
    Ties go to the first position. Cost: ``O(n_rows * (n_labeled + n) *
    n_dims)``.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0], [1.0], [2.0], [9.0], [10.0]])
    >>> k_center_greedy(points, 3, labeled=np.array([[5.0]]))[0].tolist()
    [0, 4, 2]
    """
    points = check_array(points, accept_sparse="csr", dtype=np.float64)
    n_rows = points.shape[0]
    squared_norms = row_norms(points, squared=True)
    if labeled is not None and _rows(labeled):
        labeled = check_array(labeled, accept_sparse="csr", dtype=np.float64)
        if labeled.shape[1] != points.shape[1]:
            raise SemiloopError(f"the labeled rows have {labeled.shape[1]} columns and the pool "
                                f"rows {points.shape[1]}; pass both in the same space")
        nearest = pairwise_distances_argmin_min(points, labeled)[1] ** 2
    else:
        nearest = np.full(n_rows, np.inf)
    chosen = np.zeros(n_rows, dtype=bool)
    order, at_pick = [], []
    for _ in range(min(n, n_rows)):
        if np.isinf(nearest).all():
            pick = int(np.random.default_rng(random_state).integers(n_rows))
        else:
            pick = int(np.argmax(np.where(chosen, -np.inf, nearest)))
        order.append(pick)
        at_pick.append(nearest[pick])
        chosen[pick] = True
        nearest = np.minimum(nearest, _squared_distances(points, pick, squared_norms))
        if np.isinf(at_pick[-1]):  # the random first row: the distance it covers
            at_pick[-1] = nearest[~chosen].max() if (~chosen).any() else 0.0
    distance = nearest.copy()
    distance[order] = at_pick
    return np.array(order, dtype=int), np.sqrt(distance)


def kmeans_plusplus_seeding(points, n, *, random_state=None):
    """Choose ``n`` rows by k-means++ seeding (``D^2`` sampling), as BADGE does.

    The first row is the one of largest norm (as in the BADGE authors'
    code; the longest gradient, the most uncertain row); each next one is
    drawn with probability proportional to its squared distance to the
    nearest row chosen so far. Once every row left equals a chosen one
    (all weights 0), the rest are taken by norm, largest first.

    Parameters
    ----------
    points : array-like or sparse matrix of shape (n_rows, n_dims)
        Gradient embeddings (:func:`semiloop.active.gradient.gradient_embedding`)
        or any points.
    n : int
        Rows to choose (at most ``n_rows``).
    random_state : int, numpy Generator or None, default=None
        Seeds the draws; the same seed gives the same rows.

    Returns
    -------
    order : ndarray of int, shape (n,)
        Positions of the chosen rows, in the order drawn: ask in this order.

    Notes
    -----
    Not :func:`sklearn.cluster.kmeans_plusplus`: it draws the first centre
    at random and, by default, keeps the best of ``2 + log k`` draws per
    centre (greedy k-means++), which is not the seeding BADGE uses. Cost:
    ``O(n_rows * n * n_dims)``.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[3.0, 0.0], [3.0, 0.0], [3.0, 0.0], [0.0, 1.0]])
    >>> kmeans_plusplus_seeding(points, 2, random_state=0).tolist()  # never a copy of row 0
    [0, 3]
    """
    points = check_array(points, accept_sparse="csr", dtype=np.float64)
    n_rows = points.shape[0]
    rng = np.random.default_rng(random_state)
    squared_norms = row_norms(points, squared=True)
    by_norm = np.argsort(-squared_norms, kind="stable")
    chosen = np.zeros(n_rows, dtype=bool)
    nearest = np.full(n_rows, np.inf)
    order = []
    while len(order) < min(n, n_rows):
        weight = np.where(chosen, 0.0, nearest)
        if not order:
            pick = int(by_norm[0])
        elif weight.sum() > 0:
            pick = int(rng.choice(n_rows, p=weight / weight.sum()))
        else:  # every row left duplicates a chosen one
            rest = by_norm[~chosen[by_norm]]
            order.extend(int(row) for row in rest[:min(n, n_rows) - len(order)])
            break
        order.append(pick)
        chosen[pick] = True
        nearest = np.minimum(nearest, _squared_distances(points, pick, squared_norms))
    return np.array(order, dtype=int)


def _squared_distances(points, row, squared_norms):
    """Squared Euclidean distance of every row of ``points`` to row ``row`` (0 for copies)."""
    if not sparse.issparse(points):
        difference = points - points[row]
        return np.einsum("ij,ij->i", difference, difference)
    cross = np.asarray((points @ points[row].T).todense()).ravel()
    squared = squared_norms - 2.0 * cross + squared_norms[row]
    tolerance = 1e-12 * (squared_norms + squared_norms[row])
    return np.where(squared > tolerance, squared, 0.0)


def _rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)
