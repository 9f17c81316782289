"""One call for every query strategy: ``query(strategy, model, X_pool, n)``.

=============================  ======================================  ==========================
strategy                       score of a pool row (higher = ask       model
                               first)
=============================  ======================================  ==========================
``'least_confidence'``         ``1 - max p``                           any with ``predict_proba``
``'margin'``                   ``-(p1 - p2)``                          any with ``predict_proba``
``'entropy'``                  ``-sum p log p``                        any with ``predict_proba``
``'expected_gradient_length'`` expected log-loss gradient length       logistic regression, net
``'bald'``                     mutual information over MC dropout      net with dropout
``'k_center_greedy'``          distance to the nearest chosen or       any (or None): features;
                               labeled row (a batch choice)            nets: penultimate layer
``'badge'``                    gradient-embedding length; the batch    logistic regression, net
                               is drawn by k-means++ seeding
=============================  ======================================  ==========================

The first five rank rows one by one and ask the top ``n``; the last two
choose a batch that covers the pool (:mod:`semiloop.active.diversity`).
"Net" is a :class:`torch.nn.Module` whose logits come out of a
:class:`torch.nn.Linear` layer or a fitted ``DeepSSLClassifier``; a logistic
regression may be alone, last in a Pipeline, or inside a fitted semiloop
wrapper (:func:`semiloop.active.models.last_layer`). Ties go to the first
pool position; the same ``random_state`` gives the same rows.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> X = np.array([[-3.0], [-2.0], [2.0], [3.0]])
>>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
>>> pool = np.array([[-2.5], [0.1], [2.5], [-0.3]])
>>> chosen = query("margin", model, pool, 2, ids=np.array([10, 11, 12, 13]))
>>> chosen.ids.tolist()  # nearest the boundary first
[11, 13]
"""

import inspect
import sys
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from semiloop.active import bald, diversity, gradient, uncertainty
from semiloop.active.models import pool_proba
from semiloop.active.networks import network, penultimate_embedding
from semiloop.errors import SemiloopError, SemiloopWarning

__all__ = ["STRATEGIES", "Query", "query"]


@dataclass(frozen=True, eq=False)
class Query:
    """The rows a strategy chose, and the score it gave every pool row.

    Attributes
    ----------
    ids : ndarray of shape (n,)
        The chosen rows' ids, in the order to ask.
    scores : ndarray of shape (n_pool,)
        The score of every pool row, in pool order: **higher = ask first**.
        For ``'badge'`` the batch is a draw that weighs these scores against
        diversity, so ``ids`` need not follow them.
    pool_ids : ndarray of shape (n_pool,)
        The id of every pool row (positions ``0 .. n_pool - 1`` by default).
    strategy : str
        The strategy's name.
    """

    ids: np.ndarray
    scores: np.ndarray
    pool_ids: np.ndarray
    strategy: str


def query(strategy, model, X_pool, n, *, ids=None, X_labeled=None, random_state=None,
          **options):
    """The ``n`` pool rows to ask people about next, by ``strategy``.

    Parameters
    ----------
    strategy : str
        A key of :data:`STRATEGIES` (see the module's table).
    model : fitted model, torch.nn.Module or None
        What the strategy reads (None only for ``'k_center_greedy'`` on raw
        features).
    X_pool : array-like, sparse matrix or Tensor of shape (n_pool, ...)
        The unlabeled rows to choose from.
    n : int
        Rows to choose; a larger ``n`` than the pool takes the whole pool,
        with a warning.
    ids : array-like of shape (n_pool,), default=None
        Distinct ids of the pool rows (default: their positions).
    X_labeled : array-like of shape (n_labeled, ...), default=None
        The labeled rows; ``'k_center_greedy'`` starts from them, the other
        strategies do not use them.
    random_state : int, numpy Generator or None, default=None
        Seeds ``'bald'``'s dropout, ``'badge'``'s draws and
        ``'k_center_greedy'``'s first row without labeled rows.
    **options
        The strategy's own: ``passes`` (int, default 20) for ``'bald'``;
        ``embedding`` (callable ``X -> array``, default None: the
        penultimate layer of a network, else the rows as given) for
        ``'k_center_greedy'``.

    Returns
    -------
    Query

    Raises
    ------
    SemiloopError
        For an unknown strategy or option (the message lists the valid
        ones), ``n`` that is not a positive integer, ``ids`` that are not one
        distinct id per row, or a model the strategy cannot read.
    """
    select = STRATEGIES.get(strategy) if isinstance(strategy, str) else None
    if select is None:
        raise SemiloopError(f"unknown query strategy {strategy!r}; pass one of "
                            f"{', '.join(map(repr, STRATEGIES))}")
    accepted = inspect.signature(select).parameters
    unknown = sorted(set(options) - set(accepted) - {"X_labeled", "random_state"})
    if unknown:
        own = [name for name in accepted if name not in ("model", "X_pool", "n", "X_labeled",
                                                         "random_state")]
        raise SemiloopError(f"{strategy!r} takes no option {', '.join(unknown)}; its options: "
                            f"{', '.join(own) or 'none'}")
    n_pool = X_pool.shape[0] if hasattr(X_pool, "shape") else len(X_pool)
    if n_pool == 0:
        raise SemiloopError("X_pool has no rows; pass the unlabeled rows to choose from")
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise SemiloopError(f"n={n!r}; pass the number of rows to ask as an integer >= 1")
    if n > n_pool:
        warnings.warn(f"n={n} is larger than the pool ({n_pool} rows); every row is chosen",
                      SemiloopWarning, stacklevel=2)
        n = n_pool
    pool_ids = np.arange(n_pool) if ids is None else np.asarray(ids)
    if pool_ids.shape != (n_pool,) or len(np.unique(pool_ids)) != n_pool:
        raise SemiloopError(f"ids has shape {pool_ids.shape} for {n_pool} pool rows; pass one "
                            "distinct id per row of X_pool")
    context = {"X_labeled": X_labeled, "random_state": random_state}
    order, scores = select(model, X_pool, int(n), **options,
                           **{name: value for name, value in context.items() if name in accepted})
    return Query(ids=pool_ids[order], scores=np.asarray(scores, dtype=float),
                 pool_ids=pool_ids, strategy=strategy)


def _top(scores, n):
    """Positions of the ``n`` highest scores, highest first, ties by position."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")[:n]


def _ranked_by(score):
    def select(model, X_pool, n):
        scores = score(pool_proba(model, X_pool))
        return _top(scores, n), scores

    select.__name__ = score.__name__
    return select


def _expected_gradient_length(model, X_pool, n):
    scores = gradient.expected_gradient_length(model, X_pool)
    return _top(scores, n), scores


def _bald(model, X_pool, n, *, random_state=None, passes=20):
    samples = bald.mc_dropout_samples(model, X_pool, passes, random_state=random_state)
    scores = bald.mutual_information(samples)
    return _top(scores, n), scores


def _k_center_greedy(model, X_pool, n, *, X_labeled=None, random_state=None, embedding=None):
    if embedding is None:
        embedding = ((lambda X: penultimate_embedding(model, X))
                     if model is not None and network(model) is not None else _features)
    labeled = None if X_labeled is None else embedding(X_labeled)
    return diversity.k_center_greedy(embedding(X_pool), n, labeled=labeled,
                                     random_state=random_state)


def _badge(model, X_pool, n, *, random_state=None):
    from sklearn.utils.extmath import row_norms

    points = gradient.gradient_embedding(model, X_pool)
    order = diversity.kmeans_plusplus_seeding(points, n, random_state=random_state)
    return order, np.sqrt(row_norms(points, squared=True))


def _features(X):
    torch = sys.modules.get("torch")  # a tensor means torch is imported already
    return X.detach().cpu().numpy() if torch is not None and torch.is_tensor(X) else X


#: Strategy name -> ``select(model, X_pool, n, **options) -> (positions, scores)``.
STRATEGIES = {
    "least_confidence": _ranked_by(uncertainty.least_confidence),
    "margin": _ranked_by(uncertainty.margin),
    "entropy": _ranked_by(uncertainty.entropy),
    "expected_gradient_length": _expected_gradient_length,
    "bald": _bald,
    "k_center_greedy": _k_center_greedy,
    "badge": _badge,
}
