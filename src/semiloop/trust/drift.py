"""Per-feature drift between two samples: PSI, a test or a distance, an effect size.

Each feature of a *reference* sample (the labeled rows, or the training data)
is compared with the same feature of a *current* sample (the unlabeled rows,
or newly scored rows):

- the population stability index (:func:`population_stability_index`) with
  the usual bands: below 0.1 stable, 0.1 to 0.25 moderate, above 0.25
  significant shift;
- a statistic chosen by the sample size, as Evidently's defaults do: when
  either sample has at most :data:`LARGE_SAMPLE` rows, the two-sample
  Kolmogorov-Smirnov test for numeric features and the chi-square test of
  homogeneity for categorical ones (drift where ``p < alpha``); when both are
  larger, where every test rejects for negligible differences, the Wasserstein
  distance in units of the reference's standard deviation (numeric) and the
  Jensen-Shannon distance (categorical), with drift at or above
  ``distance_threshold`` (0.1). Evidently switches on the reference's size
  alone; here the smaller sample decides, because a distance's sampling noise
  is set by it: a window of 100 rows drawn from the reference itself lies
  about 0.1 standard deviations away in Wasserstein distance, past the
  threshold;
- an effect size in [0, 1] for numeric tests (KS's D), categorical tests
  (Cramér's V) and the Jensen-Shannon distance, the normed Wasserstein
  distance itself for large numeric samples.

Numeric columns with at most :data:`FEW_VALUES` distinct values are compared
as categories, as Evidently does. Missing values count as a category of their
own in the PSI and the categorical statistics; numeric tests use the values
that are present.

References: Evidently's data drift presets (the tests and the 1,000-row
switch); Siddiqi, *Credit Risk Scorecards* (2006), ch. 8, for the PSI bands.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> reference = pd.DataFrame({"age": rng.normal(40, 10, 500), "plan": ["a", "b"] * 250})
>>> current = pd.DataFrame({"age": rng.normal(50, 10, 500), "plan": ["a", "b"] * 250})
>>> [(d.feature, d.test, d.drifted, d.psi_band) for d in feature_drift(reference, current)]
[('age', 'ks', True, 'significant'), ('plan', 'chi2', False, 'stable')]
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from semiloop.errors import DataError
from semiloop.features.roles import infer_role

__all__ = [
    "FEW_VALUES",
    "LARGE_SAMPLE",
    "PSI_BANDS",
    "FeatureDrift",
    "feature_drift",
    "holm_rejections",
    "population_stability_index",
    "psi_band",
    "shifted_features",
]

#: Reference rows above which distances replace tests (Evidently's switch).
LARGE_SAMPLE = 1000
#: Numeric columns with at most this many distinct values are compared as categories.
FEW_VALUES = 5
#: ``(upper bound, band)``: PSI below 0.1 is stable, below 0.25 moderate, else significant.
PSI_BANDS = ((0.1, "stable"), (0.25, "moderate"), (np.inf, "significant"))
#: Share given to an empty bin in the PSI, so that its logarithm stays finite (Evidently's).
EMPTY_BIN_SHARE = 1e-4

_MISSING = "<missing>"


@dataclass(frozen=True)
class FeatureDrift:
    """How one feature differs between the reference and the current sample.

    Attributes
    ----------
    feature : str
    kind : {"numeric", "categorical"}
        How the feature was compared.
    test : {"ks", "chi2", "wasserstein", "jensen_shannon"}
    statistic : float
        KS's D, the chi-square statistic, the Wasserstein distance in units of
        the reference's standard deviation, or the Jensen-Shannon distance.
    p_value : float or None
        For the tests; None for the distances.
    effect : float
        KS's D, Cramér's V, the normed Wasserstein distance or the
        Jensen-Shannon distance: the size of the shift, whatever the sample size.
    psi : float
        Population stability index (:func:`population_stability_index`).
    psi_band : {"stable", "moderate", "significant"}
    drifted : bool
        ``p_value < alpha`` for the tests, ``statistic >= distance_threshold``
        for the distances.
    n_reference, n_current : int
        Rows in each sample (missing values included).
    """

    feature: str
    kind: str
    test: str
    statistic: float
    p_value: float | None
    effect: float
    psi: float
    psi_band: str
    drifted: bool
    n_reference: int
    n_current: int


def psi_band(psi):
    """The PSI band: ``"stable"`` (< 0.1), ``"moderate"`` (< 0.25) or ``"significant"``.

    >>> psi_band(0.05), psi_band(0.1), psi_band(0.3)
    ('stable', 'moderate', 'significant')
    """
    return next(band for upper, band in PSI_BANDS if psi < upper)


def population_stability_index(reference, current, *, kind="numeric", bins=10):
    """``sum_b (c_b - r_b) * ln(c_b / r_b)`` over bins of the reference.

    Parameters
    ----------
    reference, current : array-like of shape (n,)
        One feature's values; NaN or None is a bin of its own.
    kind : {"numeric", "categorical"}, default="numeric"
        Numeric values are binned at the reference's deciles (``bins``
        quantiles; tied quantiles merge); categorical values are their own bins.
    bins : int, default=10

    Returns
    -------
    psi : float
        0 for identical distributions; an empty bin counts as a share of
        :data:`EMPTY_BIN_SHARE`.

    Examples
    --------
    >>> population_stability_index([1, 2, 3, 4] * 25, [1, 2, 3, 4] * 25)
    0.0
    >>> round(population_stability_index(["a"] * 50 + ["b"] * 50, ["a"] * 80 + ["b"] * 20,
    ...                                  kind="categorical"), 4)
    0.4159
    """
    reference_shares, current_shares = _bin_shares(reference, current, kind, bins)
    reference_shares = np.where(reference_shares > 0, reference_shares, EMPTY_BIN_SHARE)
    current_shares = np.where(current_shares > 0, current_shares, EMPTY_BIN_SHARE)
    return float(np.sum((current_shares - reference_shares)
                        * np.log(current_shares / reference_shares)))


def feature_drift(reference, current, *, roles=None, alpha=0.05, distance_threshold=0.1,
                  large_sample=LARGE_SAMPLE, psi_bins=10):
    """Compare every shared feature of two tables; the most shifted first.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        The samples to compare; columns are matched by name, and columns only
        one side has are left out.
    roles : dict, default=None
        ``{column: "numeric" | "categorical" | "id" | "text"}``, overriding
        the inferred roles (:func:`semiloop.features.roles.infer_role`); id
        and text columns are left out.
    alpha : float, default=0.05
        Level of the KS and chi-square tests.
    distance_threshold : float, default=0.1
        Drift threshold of the Wasserstein and Jensen-Shannon distances.
    large_sample : int, default=LARGE_SAMPLE
        Rows both samples must exceed for the distances to replace the tests.
    psi_bins : int, default=10

    Returns
    -------
    drifts : list of FeatureDrift
        Sorted by ``effect``, largest first (ties by PSI).

    Raises
    ------
    DataError
        When the tables share no comparable column or one of them is empty.
    """
    if len(reference) == 0 or len(current) == 0:
        raise DataError(f"cannot compare an empty sample ({len(reference)} reference rows, "
                        f"{len(current)} current rows); give both samples at least one row")
    roles = dict(roles or {})
    drifts = []
    for column in (c for c in reference.columns if c in current.columns):
        role = roles.get(str(column)) or infer_role(reference[column])
        if role not in ("numeric", "categorical"):
            continue
        drifts.append(_one_feature(str(column), reference[column], current[column], role,
                                   alpha, distance_threshold, large_sample, psi_bins))
    if not drifts:
        raise DataError("the two tables share no numeric or categorical column; compare "
                        "tables with the same feature columns")
    return sorted(drifts, key=lambda d: (d.effect, d.psi), reverse=True)


def _one_feature(name, reference, current, role, alpha, distance_threshold, large_sample,
                 psi_bins):
    kind = role
    if kind == "numeric" and pd.concat([reference, current]).nunique() <= FEW_VALUES:
        kind = "categorical"
    psi = population_stability_index(reference, current, kind=kind, bins=psi_bins)
    large = min(len(reference), len(current)) > large_sample
    if kind == "numeric":
        present_reference = _numeric(reference)
        present_current = _numeric(current)
        if large:
            test, statistic, p_value = "wasserstein", _normed_wasserstein(
                present_reference, present_current), None
            effect = statistic
        else:
            test = "ks"
            if len(present_reference) and len(present_current):
                result = stats.ks_2samp(present_reference, present_current)
                statistic, p_value = float(result.statistic), float(result.pvalue)
            else:
                statistic, p_value = 0.0, 1.0
            effect = statistic
    else:
        table = _counts(reference, current)
        if large:
            test, p_value = "jensen_shannon", None
            shares = table / table.sum(axis=1, keepdims=True)
            statistic = effect = float(distance.jensenshannon(shares[0], shares[1], base=2))
        else:
            test = "chi2"
            if table.shape[1] < 2:
                statistic, p_value, effect = 0.0, 1.0, 0.0
            else:
                result = stats.chi2_contingency(table, correction=False)
                statistic, p_value = float(result.statistic), float(result.pvalue)
                effect = float(stats.contingency.association(table, method="cramer"))
    drifted = p_value < alpha if p_value is not None else statistic >= distance_threshold
    return FeatureDrift(name, kind, test, float(statistic), p_value, float(effect), psi,
                        psi_band(psi), bool(drifted), len(reference), len(current))


def _numeric(values):
    values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return values[~np.isnan(values)]


def _normed_wasserstein(reference, current):
    """Wasserstein distance over the reference's standard deviation (the pooled one if 0)."""
    if not len(reference) or not len(current):
        return 0.0
    scale = np.std(reference)
    if scale == 0:
        scale = np.std(np.concatenate([reference, current]))
    if scale == 0:
        return 0.0
    return float(stats.wasserstein_distance(reference, current) / scale)


def _labels(values):
    series = pd.Series(values, dtype=object)
    return series.where(series.notna(), _MISSING).astype(str)


def _counts(reference, current):
    """A 2 x k table of category counts (missing values are a category)."""
    reference, current = _labels(reference), _labels(current)
    categories = sorted(set(reference) | set(current))
    return np.array([reference.value_counts().reindex(categories, fill_value=0).to_numpy(),
                     current.value_counts().reindex(categories, fill_value=0).to_numpy()],
                    dtype=np.int64)


def _bin_shares(reference, current, kind, bins):
    if kind == "categorical":
        table = _counts(reference, current)
        return table[0] / table[0].sum(), table[1] / table[1].sum()
    reference = pd.to_numeric(pd.Series(reference), errors="coerce").to_numpy(dtype=float)
    current = pd.to_numeric(pd.Series(current), errors="coerce").to_numpy(dtype=float)
    present = reference[~np.isnan(reference)]
    edges = (np.unique(np.quantile(present, np.linspace(0, 1, bins + 1))[1:-1])
             if len(present) else np.empty(0))

    def shares(values):
        missing = np.isnan(values)
        counts = np.bincount(np.searchsorted(edges, values[~missing], side="right"),
                             minlength=len(edges) + 1)
        return np.append(counts, missing.sum()) / max(len(values), 1)

    return shares(reference), shares(current)


def holm_rejections(p_values, level):
    """Which hypotheses Holm's step-down procedure rejects at family-wise ``level``.

    >>> holm_rejections([0.01, 0.04, 0.03], 0.05).tolist()
    [True, False, False]
    """
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    thresholds = level / (len(p_values) - np.arange(len(p_values)))
    passed = p_values[order] <= thresholds
    n_rejected = len(passed) if passed.all() else int(np.argmin(passed))
    rejected = np.zeros(len(p_values), dtype=bool)
    rejected[order[:n_rejected]] = True
    return rejected


def shifted_features(drifts, level):
    """The drifts that count as shifted: tests rejected by Holm's procedure at ``level``
    across the features, and distances at or past their threshold (large samples).

    >>> a = FeatureDrift("a", "numeric", "ks", 0.3, 0.001, 0.3, 0.2, "moderate", True, 50, 50)
    >>> b = FeatureDrift("b", "numeric", "ks", 0.1, 0.04, 0.1, 0.0, "stable", True, 50, 50)
    >>> c = FeatureDrift("c", "numeric", "ks", 0.1, 0.03, 0.1, 0.0, "stable", True, 50, 50)
    >>> [d.feature for d in shifted_features([a, b, c], 0.05)]  # 0.03 > 0.05 / 2
    ['a']
    """
    tested = [d for d in drifts if d.p_value is not None]
    rejected = holm_rejections([d.p_value for d in tested], level) if tested else []
    return ([d for d, r in zip(tested, rejected, strict=True) if r]
            + [d for d in drifts if d.p_value is None and d.drifted])
