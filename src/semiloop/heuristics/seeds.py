"""Seed labels from combined rule votes: label, confidence and source ``"rule"``, for the store.

The combiners give a class index per row (-1 where they give none) and a
confidence: :func:`~semiloop.heuristics.majority.majority_vote` its share of
the votes, :class:`~semiloop.heuristics.label_model.DawidSkene` the
posterior probability of the predicted class. :func:`seed_labels` keeps the
rows that got a label and tags them, so that a store can record them as
seed labels of source ``"rule"`` with their confidence; it is the store's
job never to let them replace a label a person gave.

Examples
--------
>>> import numpy as np
>>> from semiloop.heuristics.label_model import DawidSkene
>>> L = np.array([[0, 0, -1], [1, 1, 1], [-1, -1, -1], [0, 1, 1]] * 5)
>>> model = DawidSkene().fit(L)
>>> seeds = seed_labels(model.predict(L), model.predict_proba(L).max(axis=1),
...                     combiner="dawid_skene", classes=["billing", "fraud"])
>>> seeds.head(3).round(2).reset_index()
   row  label class_name  confidence source     combiner
0    0      0    billing        0.96   rule  dawid_skene
1    1      1      fraud        1.00   rule  dawid_skene
2    3      1      fraud        1.00   rule  dawid_skene
"""

import numpy as np
import pandas as pd

from semiloop.errors import DataError
from semiloop.heuristics._checks import ABSTAIN, check_human_labels

__all__ = ["SOURCE", "seed_labels"]

#: The source under which seed labels from rules are stored.
SOURCE = "rule"


def seed_labels(labels, confidence, *, combiner, classes=None, ids=None, min_confidence=0.0):
    """The rows that got a label from the rules, with their confidence and source ``"rule"``.

    Parameters
    ----------
    labels : array-like of int, shape (n_rows,)
        Class indices from a combiner, -1 where it gave none.
    confidence : array-like of float, shape (n_rows,)
        In [0, 1].
    combiner : str
        What combined the votes (``"majority_vote"``, ``"dawid_skene"``), recorded with each label.
    classes : sequence, default=None
        The class names; adds the column ``class_name``.
    ids : array-like of shape (n_rows,), default=None
        The rows' ids in the table (unique); None: their positions.
    min_confidence : float, default=0.0
        Rows with a lower confidence are left out.

    Returns
    -------
    seeds : pandas.DataFrame of shape (n_seeds, 4 or 5)
        One row per seed label, indexed by id (index name ``"id"``) or
        position (``"row"``), with the columns ``label`` (int), ``class_name``
        (when ``classes`` is given), ``confidence`` (float), ``source``
        (:data:`SOURCE`) and ``combiner``.

    Raises
    ------
    DataError
        When the lengths differ, ``labels`` are not class indices of
        ``classes``, a confidence lies outside [0, 1], ``ids`` repeat, or
        ``combiner`` is empty.

    Examples
    --------
    >>> seed_labels([1, -1, 0], [0.9, 0.0, 0.5], combiner="majority_vote",
    ...             ids=["a", "b", "c"], min_confidence=0.6).reset_index()
      id  label  confidence source       combiner
    0  a      1         0.9   rule  majority_vote
    """
    labels = check_human_labels(labels, len(np.asarray(labels)),
                                n_classes=None if classes is None else len(classes), name="labels")
    confidence = np.asarray(confidence, dtype=float)
    if confidence.shape != labels.shape:
        raise DataError(f"confidence has shape {confidence.shape} and labels {labels.shape}; "
                        "pass one confidence per row")
    if len(confidence) and not (np.all(confidence >= 0) and np.all(confidence <= 1)):
        raise DataError("confidence holds values outside [0, 1] (or NaN); pass a probability "
                        "or a share of votes")
    if not isinstance(combiner, str) or not combiner:
        raise DataError(f"combiner must name what combined the votes, not {combiner!r}; "
                        "pass combiner='majority_vote' or 'dawid_skene'")
    if ids is None:
        index = pd.RangeIndex(len(labels), name="row")
    else:
        index = pd.Index(np.asarray(ids), name="id")
        if len(index) != len(labels):
            raise DataError(f"{len(index)} ids for {len(labels)} labels; pass one id per row")
        if not index.is_unique:
            raise DataError(f"ids repeat {index[index.duplicated()][0]!r}; pass unique row ids")
    kept = (labels != ABSTAIN) & (confidence >= min_confidence)
    seeds = pd.DataFrame({"label": labels[kept]}, index=index[kept])
    if classes is not None:
        seeds["class_name"] = np.asarray(list(classes), dtype=object)[labels[kept]]
    seeds["confidence"] = confidence[kept]
    seeds["source"] = SOURCE
    seeds["combiner"] = combiner
    return seeds
