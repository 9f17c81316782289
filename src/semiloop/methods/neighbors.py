"""Nearest neighbours for the kNN graph: exact (scikit-learn) or approximate (faiss).

The approximate backend is faiss's inverted-file index (``IndexIVFFlat``), chosen
by measurement (``benchmarks/ann_choice.py``): on the scale suite it built a
100k-point graph 3× faster than hnswlib and 6.5× faster than exact search at
matched recall, imports in milliseconds and needs only numpy. It is a dependency of semiloop
(``faiss-cpu``), imported only when used.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [3.0], [7.0]])
>>> index = NeighborIndex(backend="exact").fit(X)
>>> distances, indices = index.self_neighbors(2)
>>> indices.tolist()
[[1, 2], [0, 2], [1, 0], [2, 1]]
>>> distances[3].tolist()
[4.0, 6.0]
"""

import importlib.util
import math
import warnings

import numpy as np

from semiloop.errors import SemiloopError, SemiloopWarning

__all__ = ["BACKENDS", "NeighborIndex", "faiss_available"]

BACKENDS = ("auto", "exact", "faiss")

# Below this many points exact search is about as fast as building an index.
EXACT_UP_TO = 20_000


def faiss_available():
    """Whether faiss can be imported (without importing it)."""
    return importlib.util.find_spec("faiss") is not None


def _import_faiss():
    try:
        import faiss
    except ImportError as error:
        raise SemiloopError(
            "neighbors='faiss' needs faiss, which did not import; install it with "
            "pip install faiss-cpu (in the environment semiloop runs in), or use "
            "neighbors='exact'") from error
    return faiss


class NeighborIndex:
    """Search structure over the training points; Euclidean distances.

    Parameters
    ----------
    backend : {"auto", "exact", "faiss"}
        ``"auto"`` uses exact search up to 20,000 points and faiss above that
        when it is installed (exact search otherwise, with a warning).
    n_probe : int
        faiss only: inverted lists visited per query, out of about √n. More
        lists mean higher recall and proportionally more time.
    random_state : int
        Seed of the sample that trains faiss's coarse quantizer.
    n_jobs : int or None
        Threads for the search (None: the library's default).
    """

    def __init__(self, backend="auto", *, n_probe=2, random_state=0, n_jobs=None):
        if backend not in BACKENDS:
            raise SemiloopError(
                f"neighbors={backend!r} is not a neighbour backend; use one of {BACKENDS}")
        self.backend = backend
        self.n_probe = n_probe
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X):
        """Index the rows of ``X`` (a dense float array)."""
        X = np.ascontiguousarray(X)
        self.n_points_ = len(X)
        self.backend_ = self._resolve_backend(len(X))
        if self.backend_ == "faiss":
            self._points = np.ascontiguousarray(X, dtype=np.float32)
            self._index = self._build_faiss(self._points)
        else:
            from sklearn.neighbors import NearestNeighbors

            self._index = NearestNeighbors(n_jobs=self.n_jobs).fit(X)
        return self

    def _resolve_backend(self, n_points):
        if self.backend != "auto":
            return self.backend
        if n_points <= EXACT_UP_TO:
            return "exact"
        if faiss_available():
            return "faiss"
        if n_points > 5 * EXACT_UP_TO:
            warnings.warn(
                f"exact neighbour search over {n_points} points is slow, because faiss "
                "did not import; pip install faiss-cpu to build the graph with faiss",
                SemiloopWarning, stacklevel=3)
        return "exact"

    def _build_faiss(self, points):
        faiss = _import_faiss()
        if self.n_jobs is not None:
            faiss.omp_set_num_threads(self.n_jobs if self.n_jobs > 0 else 0)
        n_points, n_dims = points.shape
        n_lists = max(1, int(math.sqrt(n_points)))
        quantizer = faiss.IndexFlatL2(n_dims)
        index = faiss.IndexIVFFlat(quantizer, n_dims, n_lists)
        # faiss's own rule of thumb: 39 to 256 training points per list.
        n_train = min(n_points, 64 * n_lists)
        rng = np.random.default_rng(self.random_state)
        sample = points[np.sort(rng.choice(n_points, n_train, replace=False))]
        index.cp.seed = int(rng.integers(2**31 - 1))
        index.train(sample)
        index.add(points)
        index.nprobe = min(self.n_probe, n_lists)
        return index

    def query(self, X, n_neighbors):
        """Distances and indices of the ``n_neighbors`` nearest training points.

        Rows with fewer neighbours found (faiss, when the visited lists hold
        too few points) are padded with index -1 and distance ``inf``.
        """
        n_neighbors = min(n_neighbors, self.n_points_)
        if self.backend_ == "faiss":
            squared, indices = self._index.search(
                np.ascontiguousarray(X, dtype=np.float32), n_neighbors)
            missing = indices < 0
            distances = np.sqrt(np.maximum(squared, 0), dtype=np.float32)
            distances[missing] = np.inf
            return distances, indices.astype(np.int64)
        distances, indices = self._index.kneighbors(X, n_neighbors)
        return distances, indices

    def self_neighbors(self, n_neighbors):
        """Each training point's ``n_neighbors`` nearest other training points."""
        points = self._points if self.backend_ == "faiss" else self._index._fit_X
        distances, indices = self.query(points, n_neighbors + 1)
        return _drop_self(distances, indices)

    def __getstate__(self):
        # A faiss index does not pickle; it is rebuilt from the points on load.
        state = self.__dict__.copy()
        if state.get("backend_") == "faiss":
            state.pop("_index", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if state.get("backend_") == "faiss":
            self._index = self._build_faiss(self._points)


def _drop_self(distances, indices):
    """Remove each row's own index (or, when absent, its farthest neighbour)."""
    rows = np.arange(len(indices))[:, None]
    is_self = indices == rows
    # Duplicate points can push a point out of its own first slot; drop the
    # last column for rows where the point itself was not returned.
    is_self[~is_self.any(axis=1), -1] = True
    keep = ~is_self
    width = indices.shape[1] - 1
    return (distances[keep].reshape(-1, width), indices[keep].reshape(-1, width))
