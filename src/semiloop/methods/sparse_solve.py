"""Conjugate gradients for several right-hand sides at once.

Label spreading solves ``(I - αS) F = Y`` with one column per class
(Iscen et al. 2019 solve it with conjugate gradients per class). Running the
columns' recurrences side by side turns the k sparse matrix–vector products of
an iteration into one sparse matrix–matrix product, which is several times
faster than calling :func:`scipy.sparse.linalg.cg` once per class. Each column
keeps its own step sizes, so the result is exactly per-column CG.

Examples
--------
>>> import numpy as np
>>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> B = np.array([[1.0, 0.0], [2.0, 1.0]])
>>> X, n_iter, residual = conjugate_gradient(lambda V: A @ V, B, tol=1e-10)
>>> np.allclose(A @ X, B), n_iter
(True, 2)
"""

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["conjugate_gradient", "parallel_matmul"]

# Below this many stored entries one thread is as fast as several.
PARALLEL_FROM_NNZ = 2_000_000


def parallel_matmul(matrix, n_threads, *, min_nnz=PARALLEL_FROM_NNZ):
    """``V -> matrix @ V`` over row blocks in ``n_threads`` threads.

    scipy's sparse products release the GIL but run on one core; splitting the
    rows of a large CSR matrix lets several cores share the product.

    >>> from scipy import sparse
    >>> A = sparse.random_array((50, 50), density=0.2, random_state=0, format="csr")
    >>> V = np.arange(100.0).reshape(50, 2)
    >>> bool(np.allclose(parallel_matmul(A, 3, min_nnz=0)(V), A @ V))
    True
    """
    if n_threads <= 1 or matrix.nnz < min_nnz:
        return lambda block: matrix @ block
    bounds = np.linspace(0, matrix.shape[0], n_threads + 1).astype(int)
    blocks = [(start, matrix[start:stop]) for start, stop in itertools.pairwise(bounds)]

    def matmul(block):
        out = np.empty((matrix.shape[0], block.shape[1]),
                       dtype=np.result_type(matrix.dtype, block.dtype))

        def run(part):
            start, rows = part
            out[start:start + rows.shape[0]] = rows @ block

        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(run, blocks))
        return out

    return matmul


def conjugate_gradient(matmul, B, *, tol=1e-4, max_iter=1000, X0=None):
    """Solve ``A X = B`` column by column for a symmetric positive definite ``A``.

    Parameters
    ----------
    matmul : callable
        ``V -> A @ V`` for an (n, m) block ``V``.
    B : ndarray of shape (n, m)
    tol : float
        Stop when every column's residual norm is at most ``tol`` times its
        right-hand side's norm.
    max_iter : int
    X0 : ndarray of shape (n, m) or None
        Starting point (zeros by default).

    Returns
    -------
    X : ndarray like ``B``
        Each column's iterate with the smallest residual.
    n_iter : int
        Iterations run.
    relative_residual : ndarray of shape (m,)
        ``‖B − A X‖ / ‖B‖`` per column of ``X`` (from the recurrence).
    """
    B = np.asarray(B)
    rhs_norm = np.linalg.norm(B, axis=0).astype(np.float64)
    rhs_norm[rhs_norm == 0] = 1.0
    X, n_iter, rho, best_iter, best_rho = _iterate(matmul, B, tol, rhs_norm, max_iter, X0)
    # In finite precision CG can diverge on a nearly singular system (parts of a
    # graph joined by tiny weights). Rather than copy every iterate, a column
    # whose residual ended above its best is recomputed: the same recurrence,
    # replayed to the iteration where that column was best.
    worse = best_iter < n_iter
    if worse.any():
        replayed = _iterate(matmul, B, tol, rhs_norm, int(best_iter[worse].max()), X0,
                            keep=np.where(worse, best_iter, -1))[0]
        X[:, worse] = replayed[:, worse]
        rho = np.where(worse, best_rho, rho)
    return X, n_iter, np.sqrt(rho) / rhs_norm


def _iterate(matmul, B, tol, rhs_norm, max_iter, X0, keep=None):
    """The CG recurrence; with ``keep``, column j is frozen at iteration ``keep[j]``.

    Returns ``(X, n_iter, rho, best_iter, best_rho)``: the iterate, the
    iterations run, the squared residual norms, and per column the iteration
    with the smallest residual and that residual.
    """
    X = np.zeros_like(B) if X0 is None else np.array(X0, dtype=B.dtype)
    R = B - matmul(X) if X0 is not None else B.copy()
    P = R.copy()
    rho = np.einsum("ij,ij->j", R, R, dtype=np.float64)
    best_iter, best_rho = np.zeros(B.shape[1], dtype=int), rho.copy()
    frozen = None if keep is None else X.copy()
    n_iter = 0
    while n_iter < max_iter:
        if keep is None and np.all(np.sqrt(rho) <= tol * rhs_norm):
            break
        Q = matmul(P)
        curvature = np.einsum("ij,ij->j", P, Q, dtype=np.float64)
        step = np.divide(rho, curvature, out=np.zeros_like(rho), where=curvature > 0)
        X += step.astype(B.dtype) * P
        R -= step.astype(B.dtype) * Q
        rho_next = np.einsum("ij,ij->j", R, R, dtype=np.float64)
        ratio = np.divide(rho_next, rho, out=np.zeros_like(rho), where=rho > 0)
        P *= ratio.astype(B.dtype)
        P += R
        rho = rho_next
        n_iter += 1
        improved = rho <= best_rho
        best_iter[improved], best_rho[improved] = n_iter, rho[improved]
        if keep is not None:
            at = keep == n_iter
            frozen[:, at] = X[:, at]
    return (X if keep is None else frozen), n_iter, rho, best_iter, best_rho
