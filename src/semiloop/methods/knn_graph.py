"""Sparse kNN affinity graphs: symmetric, weighted, without self-loops.

The graph of Zhou et al. (2004) and Iscen et al. (2019): each point is joined
to its k nearest other points, the edge weight decays with distance
(``exp(-d² / σ²)``), an edge exists when either end chose the other, and the
matrix is normalised as ``S = D^-1/2 W D^-1/2``. Memory grows as ``n·k``.

Examples
--------
>>> import numpy as np
>>> distances = np.array([[1.0], [1.0], [2.0]])
>>> indices = np.array([[1], [0], [1]])
>>> W = knn_affinity(distances, indices, weights="connectivity")
>>> W.toarray()
array([[0., 1., 0.],
       [1., 0., 1.],
       [0., 1., 0.]], dtype=float32)
>>> S = normalize_symmetric(W)
>>> round(float(S[0, 1]), 4)        # 1 / sqrt(deg 1 * deg 2)
0.7071
"""

import numpy as np
from scipy import sparse

__all__ = ["EDGE_WEIGHTS", "default_bandwidth", "knn_affinity", "normalize_symmetric"]

EDGE_WEIGHTS = ("rbf", "connectivity")


def default_bandwidth(distances):
    """σ² from the data: the median squared distance to the k-th neighbour.

    With this scale the farthest kept neighbour of a typical point gets weight
    ``e^-1`` and the nearest ones weight near 1.

    >>> default_bandwidth(np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 3.0], [1.0, np.inf]]))
    9.0
    """
    kth = distances[:, -1]
    kth = kth[np.isfinite(kth)]
    squared = float(np.median(kth.astype(np.float64) ** 2)) if len(kth) else 0.0
    return squared if squared > 0 else 1.0


def knn_affinity(distances, indices, *, weights="rbf", bandwidth=None):
    """Symmetric sparse affinity ``W`` from each point's neighbour lists.

    Parameters
    ----------
    distances, indices : ndarray of shape (n_points, k)
        Neighbour lists without the point itself; index -1 marks a missing one.
    weights : {"rbf", "connectivity"}
        ``exp(-d² / bandwidth)`` on the edges, or 1 for every edge.
    bandwidth : float or None
        σ² of the rbf weights; None means :func:`default_bandwidth`.

    Returns
    -------
    W : scipy.sparse.csr_array of float32, ``W[i, j] = max(w_ij, w_ji)``.
    """
    n_points, n_neighbors = indices.shape
    rows = np.repeat(np.arange(n_points), n_neighbors)
    cols = indices.ravel()
    if weights == "rbf":
        scale = default_bandwidth(distances) if bandwidth is None else float(bandwidth)
        with np.errstate(under="ignore"):
            values = np.exp(-(distances.astype(np.float64).ravel() ** 2) / scale)
    elif weights == "connectivity":
        values = np.ones(len(cols))
    else:
        raise ValueError(f"weights={weights!r}; use one of {EDGE_WEIGHTS}")
    # Weights that would be subnormal in float32 are dropped: they carry no
    # precision, and degrees made of them break the normalised graph.
    keep = (cols >= 0) & (cols != rows) & (values >= np.finfo(np.float32).tiny)
    directed = sparse.csr_array(
        (values[keep].astype(np.float32), (rows[keep], cols[keep])),
        shape=(n_points, n_points))
    directed.sum_duplicates()
    return directed.maximum(directed.T).tocsr()


def normalize_symmetric(W):
    """``D^-1/2 W D^-1/2`` with ``D`` the row sums; isolated points stay zero rows."""
    degree = np.asarray(W.sum(axis=1)).ravel()
    inverse_root = np.zeros_like(degree)
    connected = degree > 0
    inverse_root[connected] = 1.0 / np.sqrt(degree[connected])
    scale = sparse.diags_array(inverse_root.astype(W.dtype))
    return (scale @ W @ scale).tocsr()
