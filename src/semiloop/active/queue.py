"""One review batch from a query strategy and the rows the trust checks flagged.

The trust checks list rows whose pseudo-labels should not be trusted
without a person: predictions that flipped between rounds, MC-dropout or
fold models that disagree, low confidence, rows out of distribution
(``held_back_`` and ``held_back_reasons_`` of self-training and
``DeepSSLClassifier``, the per-row scores of :mod:`semiloop.trust`). A
query strategy ranks the pool by how much a label would teach the model.
:func:`review_batch` merges the two into one batch of ``n`` distinct ids,
saying for each why it is there.

Order: a share of the batch (``flagged_share``) is reserved for flagged
rows, spread evenly through it and starting with one: with a share of 0.5
the batch alternates flagged, strategy, flagged, strategy, ... Flagged
rows keep the order they were given in (most urgent first); strategy rows
follow the query's ``ids``, then the rest of the pool by descending score.
A side that runs out gives its slots to the other. An id that is both
flagged and chosen by the strategy is asked once, in the first slot it
reaches, with both reasons.

Examples
--------
>>> import numpy as np
>>> from semiloop.active.query import Query
>>> chosen = Query(ids=np.array([7, 3, 5]), scores=np.array([0.1, 0.9, 0.8, 0.5]),
...                pool_ids=np.array([1, 3, 5, 7]), strategy="margin")
>>> batch = review_batch(chosen, [3, 9], ["prediction flipped", "out of distribution"], 4)
>>> batch.ids.tolist()
[3, 7, 9, 5]
>>> batch.reasons
['flagged: prediction flipped; margin', 'margin', 'flagged: out of distribution', 'margin']
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from semiloop.errors import SemiloopError

__all__ = ["FLAGGED", "ReviewBatch", "review_batch"]

#: What a flagged row's reason starts with.
FLAGGED = "flagged: "


@dataclass(frozen=True, eq=False)
class ReviewBatch:
    """Rows to ask people about, in order, and why each.

    Attributes
    ----------
    ids : ndarray of shape (n,)
        The rows, in the order to ask; distinct.
    reasons : list of str
        Per id: the strategy's name (``'margin'``), ``'flagged: '`` and the
        check's reason (``'flagged: prediction flipped'``), or both joined
        by ``'; '``, the reason of the slot it took first.
    """

    ids: np.ndarray
    reasons: list


def review_batch(query, flagged_ids, flagged_reasons, n, *, flagged_share=0.5):
    """Merge a query with flagged rows into one ordered batch of ``n`` distinct ids.

    Parameters
    ----------
    query : Query
        What a strategy chose (:func:`semiloop.active.query`); its ``ids``
        come first among the strategy's rows, then the pool by descending
        ``scores`` (higher = ask first).
    flagged_ids : array-like of shape (n_flagged,)
        Rows the trust checks flagged, most urgent first, in the id space of
        the query (positions in the same pool, or the same ``ids``). An id
        flagged more than once is asked once, with every reason.
    flagged_reasons : array-like of str, shape (n_flagged,)
        Why each was flagged (``'prediction flipped'``, ``'low confidence'``).
    n : int
        Size of the batch (smaller where the pool and the flagged rows
        together hold fewer distinct ids).
    flagged_share : float, default=0.5
        Share of the ``n`` slots reserved for flagged rows, in ``[0, 1]``;
        ``round(flagged_share * n)`` slots, spread evenly, the first slot
        among them.

    Returns
    -------
    ReviewBatch

    Raises
    ------
    SemiloopError
        When ``flagged_ids`` and ``flagged_reasons`` differ in length, ``n``
        is not a positive integer or ``flagged_share`` is not in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from semiloop.active.query import Query
    >>> chosen = Query(ids=np.array([0, 1]), scores=np.array([0.9, 0.8, 0.1]),
    ...                pool_ids=np.arange(3), strategy="entropy")
    >>> review_batch(chosen, [], [], 3).reasons  # nothing flagged: the strategy fills it
    ['entropy', 'entropy', 'entropy']
    """
    flagged_ids = np.asarray(flagged_ids).ravel().tolist() if len(flagged_ids) else []
    flagged_reasons = [str(reason) for reason in np.asarray(flagged_reasons).ravel()]
    if len(flagged_ids) != len(flagged_reasons):
        raise SemiloopError(f"{len(flagged_ids)} flagged ids but {len(flagged_reasons)} "
                            "reasons; pass one reason per flagged id")
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise SemiloopError(f"n={n!r}; pass the batch size as an integer >= 1")
    if isinstance(flagged_share, bool) or not isinstance(flagged_share, Real) or not (
            0 <= flagged_share <= 1):
        raise SemiloopError(f"flagged_share={flagged_share!r}; pass a share in [0, 1]")

    flags = {}  # id -> its flagged reasons, in the order given
    for row, reason in zip(flagged_ids, flagged_reasons, strict=True):
        flags.setdefault(row, []).append(FLAGGED + reason)
    chosen = np.asarray(query.ids).tolist()
    by_score = np.asarray(query.pool_ids)[np.argsort(-np.asarray(query.scores), kind="stable")]
    sources = {True: iter(flags), False: iter(dict.fromkeys([*chosen, *by_score.tolist()]))}
    asked = set(chosen)

    reserved = round(flagged_share * n)
    ids, reasons, taken = [], [], set()
    for slot in range(n):
        # ceil((slot + 1) r / n) > ceil(slot r / n): r slots spread evenly, slot 0 among them
        as_flagged = -(-(slot + 1) * reserved // n) > -(-slot * reserved // n)
        row = _next_new(sources[as_flagged], taken)
        if row is None:
            as_flagged = not as_flagged
            row = _next_new(sources[as_flagged], taken)
        if row is None:
            break
        taken.add(row)
        ids.append(row)
        flagged_reason = flags.get(row, [])
        strategy_reason = [query.strategy] if (row in asked or not as_flagged) else []
        parts = (flagged_reason + strategy_reason if as_flagged
                 else strategy_reason + flagged_reason)
        reasons.append("; ".join(parts))
    return ReviewBatch(ids=np.array(ids), reasons=reasons)


def _next_new(rows, taken):
    """The next row of the iterator ``rows`` not yet taken, or None."""
    return next((row for row in rows if row not in taken), None)
