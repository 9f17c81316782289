"""Which rows a label reaches through the graph, and what the others get.

Label spreading and propagation give a row a label only through a path of
edges from a labeled row. Three things can leave a row without label mass:

- its connected component holds no label (no path exists): nothing can label
  it; it gets the labeled class shares (the *prior*) and is reported;
- the solver stopped before the mass arrived (conjugate gradients reach one
  more hop per step, and stop at a relative residual that far rows barely
  change) or the mass underflowed on very small edge weights: a path exists,
  so :func:`extend_breadth_first` carries the label distributions of the
  reached rows outward, one layer of neighbours at a time;
- scikit-learn's own code leaves such rows at zero and turns them into NaN in
  ``predict_proba``; the drop-ins give them the prior instead.

Examples
--------
>>> import numpy as np
>>> from scipy import sparse
>>> W = sparse.csr_array(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0.]]))
>>> labeled_components(W, np.array([True, False, False, False])).tolist()
[True, True, True, False]
>>> scores = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
>>> extended, n_extended = extend_breadth_first(W, scores, np.array([True, True, True, False]))
>>> extended[:3].tolist(), n_extended
([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], 2)
"""

import warnings

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from semiloop.errors import SemiloopWarning

__all__ = ["component_labels", "extend_breadth_first", "fill_unreached", "labeled_components",
           "row_normalize", "warn_unreached"]


def row_normalize(scores, prior):
    """Rows scaled to sum to one; rows with no finite positive mass get ``prior``.

    Parameters
    ----------
    scores : ndarray of shape (n_rows, n_classes)
        Non-negative class scores.
    prior : ndarray of shape (n_classes,)

    Returns
    -------
    distributions : ndarray of shape (n_rows, n_classes)
    empty : ndarray of bool, shape (n_rows,)
        The rows that got ``prior``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        totals = scores.sum(axis=1)
    empty = ~(np.isfinite(totals) & (totals > 0))
    distributions = np.empty_like(scores)
    with np.errstate(under="ignore"):
        distributions[~empty] = scores[~empty] / totals[~empty, None]
    distributions[empty] = prior
    return distributions, empty


def fill_unreached(distributions, prior):
    """Give rows without a distribution (zero or NaN, as scikit-learn leaves them) ``prior``.

    Returns the repaired copy and the mask of repaired rows.
    """
    return row_normalize(np.nan_to_num(distributions, nan=0.0, posinf=0.0), prior)


def component_labels(W):
    """The connected component of each row of the graph ``W`` (edges in either direction)."""
    return connected_components(sparse.csr_array(W), directed=False)[1]


def labeled_components(W, labeled, *, component=None):
    """Mask of the rows whose connected component of the graph holds a labeled row.

    Parameters
    ----------
    W : sparse matrix of shape (n_rows, n_rows)
        The affinity graph; an edge is a nonzero entry, in either direction.
    labeled : ndarray of bool, shape (n_rows,)
    component : ndarray of int, shape (n_rows,), default=None
        :func:`component_labels` of ``W``, where already known (they depend
        on the graph alone, not on the labels).
    """
    if component is None:
        component = component_labels(W)
    has_label = np.zeros(component.max() + 1, dtype=bool)
    has_label[component[labeled]] = True
    return has_label[component]


def extend_breadth_first(W, scores, reachable):
    """Carry label distributions to reachable rows the solver left without mass.

    Each round, the rows that are reachable, still have no mass and have an
    edge to a row that has one take the edge-weighted mean of those rows'
    label distributions (or their plain mean where the weighted one
    underflows), until no such row is left. Cost: one pass over the edges per
    layer of rows added.

    Parameters
    ----------
    W : sparse matrix of shape (n_rows, n_rows)
        The affinity graph.
    scores : ndarray of shape (n_rows, n_classes)
        Non-negative class scores from the solver.
    reachable : ndarray of bool, shape (n_rows,)
        Rows connected to a labeled row (:func:`labeled_components`).

    Returns
    -------
    scores : ndarray of shape (n_rows, n_classes)
        Rows with mass scaled to sum to one, extended rows filled, the others zero.
    n_extended : int
        How many rows were filled here rather than by the solver.
    """
    W = sparse.csr_array(W)
    distributions, empty = row_normalize(scores, np.zeros(scores.shape[1]))
    resolved = ~empty
    pending = reachable & empty
    n_extended = 0
    while pending.any():
        rows = np.flatnonzero(pending)
        block = W[rows][:, resolved]
        with np.errstate(under="ignore"):
            mass = np.asarray(block @ distributions[resolved])
            plain = np.asarray((block != 0).astype(np.float64) @ distributions[resolved])
        mass, weighted_empty = row_normalize(mass, np.zeros(scores.shape[1]))
        mass[weighted_empty] = row_normalize(plain[weighted_empty],
                                             np.zeros(scores.shape[1]))[0]
        got = plain.sum(axis=1) > 0
        if not got.any():
            break
        distributions[rows[got]] = mass[got]
        resolved[rows[got]] = True
        pending[rows[got]] = False
        n_extended += int(got.sum())
    return distributions, n_extended


def warn_unreached(n_unreached, n_rows, fix, *, reason="", stacklevel=3):
    """Warn that ``n_unreached`` rows were reached by no label, and say what to change."""
    if n_unreached:
        warnings.warn(
            f"{n_unreached} of {n_rows} rows are reached by no label through the graph"
            f"{reason}; they get the class prior (class_prior_). {fix}, or label "
            f"a row in each part of the graph that has none", SemiloopWarning,
            stacklevel=stacklevel)
