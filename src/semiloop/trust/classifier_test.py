"""Classifier two-sample test: can a model tell the current rows from the reference rows?

Per-feature statistics miss shifts that live in combinations of features. The
classifier two-sample test (Friedman 2003; Lopez-Paz & Oquab, "Revisiting
Classifier Two-Sample Tests", ICLR 2017) trains a classifier to tell the two
samples apart: if it can do better than chance on rows it did not train on,
the samples differ, and the features it relies on are where they differ.

Here the classifier is gradient-boosted trees on the encoded table, its
out-of-fold scores give a cross-validated AUC (0.5: indistinguishable, 1:
fully separable), and the p-value is a permutation test of that AUC: the
sample labels are permuted within each fold with the out-of-fold scores held
fixed, which is exact under the null hypothesis (within a fold, which rows
are "current" is exchangeable when the samples come from one distribution)
and costs one cross-validation. The features that drive the separation are
ranked by permutation importance (the drop in held-out AUC when a feature's
values are shuffled), averaged over the folds.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
>>> current = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(2.0, 1, 300)})
>>> test = classifier_two_sample_test(reference, current, random_state=0)
>>> test.auc > 0.8, test.p_value < 0.01, test.drivers[0][0]
(True, True, 'b')
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from semiloop.errors import DataError

__all__ = ["ClassifierTest", "classifier_two_sample_test"]


@dataclass(frozen=True)
class ClassifierTest:
    """The result of :func:`classifier_two_sample_test`.

    Attributes
    ----------
    auc : float
        Cross-validated AUC of scoring current rows above reference rows.
    p_value : float
        Permutation p-value of ``auc`` (one-sided: AUC above chance), at least
        ``1 / (n_permutations + 1)``.
    n_permutations : int
    drivers : list of (str, float)
        Features and their mean drop in held-out AUC when shuffled, largest first.
    n_reference, n_current : int
        Rows used from each sample (after subsampling to ``max_rows``).
    """

    auc: float
    p_value: float
    n_permutations: int
    drivers: list
    n_reference: int
    n_current: int


def classifier_two_sample_test(reference, current, *, cv=5, n_permutations=999,
                               max_rows=2000, roles=None, estimator=None, random_state=0):
    """Cross-validated AUC of a classifier telling ``current`` from ``reference``.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        The two samples, with the same feature columns (others are left out).
    cv : int, default=5
        Stratified folds.
    n_permutations : int, default=999
    max_rows : int, default=2000
        The most rows taken from each sample (a seeded random subsample).
    roles : dict, default=None
        Column roles for the encoder (:class:`semiloop.features.TableEncoder`);
        id columns are left out, as they tell any two samples apart.
    estimator : classifier, default=None
        The model on the encoded features; None means
        ``HistGradientBoostingClassifier(max_iter=50)``.
    random_state : int, default=0

    Returns
    -------
    ClassifierTest

    Raises
    ------
    DataError
        When a sample has fewer than ``cv`` rows or the tables share no column.
    """
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    from semiloop.features import TableEncoder
    from semiloop.features.roles import infer_roles

    shared = [c for c in reference.columns if c in current.columns]
    if not shared:
        raise DataError("the two tables share no column; compare tables with the same "
                        "feature columns")
    rng = np.random.default_rng(random_state)
    reference = _subsample(reference[shared], max_rows, rng)
    current = _subsample(current[shared], max_rows, rng)
    if min(len(reference), len(current)) < cv:
        raise DataError(f"the classifier test needs at least cv={cv} rows in each sample, got "
                        f"{len(reference)} reference and {len(current)} current rows; pass a "
                        "smaller cv or compare larger samples")
    X = pd.concat([reference, current], ignore_index=True)
    roles = {**infer_roles(X), **(roles or {})}      # once, not once per fold
    is_current = np.r_[np.zeros(len(reference), int), np.ones(len(current), int)]
    model = make_pipeline(
        TableEncoder(nan_policy="impute", roles=roles),
        estimator if estimator is not None else HistGradientBoostingClassifier(
            max_iter=50, early_stopping=False, random_state=random_state))
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=random_state)
                 .split(X, is_current))
    scores = np.empty(len(X))
    importances = np.zeros(len(shared))
    # many small fits: OpenMP's busy-waiting threads cost more than they give (workflow.py)
    with threadpool_limits(limits=1, user_api="openmp"):
        for train, held_out in folds:
            fitted = clone(model).fit(X.iloc[train], is_current[train])
            scores[held_out] = fitted.predict_proba(X.iloc[held_out])[:, 1]
            importances += permutation_importance(
                fitted, X.iloc[held_out], is_current[held_out], scoring="roc_auc",
                n_repeats=3, random_state=random_state).importances_mean / len(folds)
    auc, p_value = _permutation_auc(scores, is_current, [h for _, h in folds],
                                    n_permutations, rng)
    order = np.argsort(-importances, kind="stable")
    drivers = [(str(shared[i]), float(importances[i])) for i in order]
    return ClassifierTest(auc, p_value, n_permutations, drivers, len(reference), len(current))


def _subsample(frame, max_rows, rng):
    if len(frame) <= max_rows:
        return frame.reset_index(drop=True)
    rows = np.sort(rng.choice(len(frame), max_rows, replace=False))
    return frame.iloc[rows].reset_index(drop=True)


def _permutation_auc(scores, is_current, folds, n_permutations, rng):
    """AUC from rank sums, and its p-value with labels permuted within each fold."""
    ranks = stats.rankdata(scores)
    n_current = int(is_current.sum())
    n_reference = len(is_current) - n_current

    def auc_of(rank_sum):
        return (rank_sum - n_current * (n_current + 1) / 2) / (n_current * n_reference)

    observed = auc_of(ranks[is_current == 1].sum())
    permuted = np.zeros(n_permutations)
    for held_out in folds:
        labels = np.tile(is_current[held_out], (n_permutations, 1))
        permuted += rng.permuted(labels, axis=1) @ ranks[held_out]
    exceed = np.count_nonzero(auc_of(permuted) >= observed - 1e-12)
    return float(observed), float((1 + exceed) / (1 + n_permutations))
