"""Per-feature drift: PSI values, the test chosen by sample size, effect sizes, ranking."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from semiloop.errors import DataError
from semiloop.trust.drift import (
    EMPTY_BIN_SHARE,
    feature_drift,
    population_stability_index,
    psi_band,
    shifted_features,
)


def test_psi_of_known_shares_with_a_missing_value_and_an_empty_bin():
    reference = ["a"] * 5 + ["b"] * 4 + [None]          # a .5, b .4, missing .1, c 0
    current = ["a"] * 2 + ["b"] * 4 + ["c"] * 4         # a .2, b .4, missing 0, c .4
    r = np.array([0.5, 0.4, 0.1, EMPTY_BIN_SHARE])
    c = np.array([0.2, 0.4, EMPTY_BIN_SHARE, 0.4])
    expected = np.sum((c - r) * np.log(c / r))
    assert population_stability_index(reference, current, kind="categorical") == \
        pytest.approx(expected)


def test_numeric_psi_bins_at_the_reference_deciles():
    reference = np.arange(100.0)            # ten bins of ten values
    current = np.arange(10.0)               # every value in the first bin
    expected = (1 - 0.1) * np.log(1 / 0.1) + 9 * (EMPTY_BIN_SHARE - 0.1) * np.log(
        EMPTY_BIN_SHARE / 0.1)
    assert population_stability_index(reference, current) == pytest.approx(expected)
    assert population_stability_index(reference, reference[::-1]) == 0.0
    assert [psi_band(v) for v in (0.0, 0.0999, 0.1, 0.2499, 0.25)] == [
        "stable", "stable", "moderate", "moderate", "significant"]


@pytest.mark.parametrize("n_reference, n_current, numeric_test, categorical_test", [
    (1000, 5000, "ks", "chi2"), (5000, 1000, "ks", "chi2"),
    (1001, 1001, "wasserstein", "jensen_shannon")])
def test_tests_unless_both_samples_are_large(n_reference, n_current, numeric_test,
                                             categorical_test):
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(size=n_reference),
                              "c": rng.choice(list("abc"), n_reference)})
    current = pd.DataFrame({"x": rng.normal(size=n_current),
                            "c": rng.choice(list("abc"), n_current)})
    tests = {d.feature: d.test for d in feature_drift(reference, current)}
    assert tests == {"x": numeric_test, "c": categorical_test}


def test_a_small_window_of_the_reference_itself_is_rarely_called_shifted():
    rng = np.random.default_rng(0)
    columns = list("abcdefgh")
    reference = pd.DataFrame(rng.normal(size=(3000, 8)), columns=columns)
    windows = [pd.DataFrame(rng.normal(size=(100, 8)), columns=columns) for _ in range(40)]
    alarms = [bool(shifted_features(feature_drift(reference, w), 0.01)) for w in windows]
    assert np.mean(alarms) <= 0.05   # a distance threshold of 0.1 std tripped on most


def test_statistics_and_effect_sizes_match_their_definitions():
    rng = np.random.default_rng(1)
    x_ref, x_cur = rng.normal(0, 2, 400), rng.normal(0.5, 2, 300)
    c_ref, c_cur = rng.choice(list("ab"), 400, p=[0.5, 0.5]), rng.choice(list("ab"), 300,
                                                                        p=[0.7, 0.3])
    drifts = {d.feature: d for d in feature_drift(pd.DataFrame({"x": x_ref, "c": c_ref}),
                                                  pd.DataFrame({"x": x_cur, "c": c_cur}))}
    ks = stats.ks_2samp(x_ref, x_cur)
    assert drifts["x"].statistic == pytest.approx(ks.statistic)
    assert drifts["x"].p_value == pytest.approx(ks.pvalue) and drifts["x"].effect == \
        drifts["x"].statistic
    table = np.array([[np.sum(c_ref == "a"), np.sum(c_ref == "b")],
                      [np.sum(c_cur == "a"), np.sum(c_cur == "b")]])
    chi2 = stats.chi2_contingency(table, correction=False)
    assert drifts["c"].statistic == pytest.approx(chi2.statistic)
    assert drifts["c"].effect == pytest.approx(np.sqrt(chi2.statistic / table.sum()))  # V, 2x2
    assert drifts["c"].drifted and drifts["c"].p_value < 0.05


def test_large_sample_distances_in_their_units():
    rng = np.random.default_rng(2)
    reference = rng.normal(0, 3, 2000)
    current = reference + 0.5 * reference.std()            # shifted by half a std, exactly
    (drift,) = feature_drift(pd.DataFrame({"x": reference}), pd.DataFrame({"x": current}))
    assert drift.test == "wasserstein" and drift.p_value is None
    assert drift.statistic == pytest.approx(0.5) and drift.drifted
    disjoint = feature_drift(pd.DataFrame({"c": ["a", "b"] * 600}),
                             pd.DataFrame({"c": ["x", "y"] * 600}))[0]
    assert disjoint.test == "jensen_shannon" and disjoint.statistic == pytest.approx(1.0)
    same = feature_drift(pd.DataFrame({"c": ["a", "b"] * 600}),
                         pd.DataFrame({"c": ["b", "a"] * 600}))[0]
    assert same.statistic == pytest.approx(0.0) and not same.drifted


def test_few_distinct_numbers_are_categories_and_features_are_ranked_by_effect():
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"stars": rng.integers(1, 6, 300), "noise": rng.normal(size=300),
                              "moved": rng.normal(size=300), "id": [f"r{i}" for i in range(300)]})
    current = pd.DataFrame({"stars": rng.integers(1, 6, 300), "noise": rng.normal(size=300),
                            "moved": rng.normal(1.0, 1, 300), "id": [f"c{i}" for i in range(300)]})
    drifts = feature_drift(reference, current)
    assert drifts[0].feature == "moved"                # the id column is left out
    assert {d.feature for d in drifts} == {"stars", "noise", "moved"}
    assert {d.feature: d.kind for d in drifts}["stars"] == "categorical"
    assert [d.effect for d in drifts] == sorted((d.effect for d in drifts), reverse=True)


def test_the_tests_reject_clean_data_at_about_their_level():
    rng = np.random.default_rng(4)
    rejected = [feature_drift(pd.DataFrame({"x": rng.normal(size=200)}),
                              pd.DataFrame({"x": rng.normal(size=200)}))[0].drifted
                for _ in range(300)]
    assert np.mean(rejected) <= 0.08                           # alpha = 0.05


def test_errors_say_what_to_compare():
    with pytest.raises(DataError, match="empty sample"):
        feature_drift(pd.DataFrame({"x": []}), pd.DataFrame({"x": [1.0]}))
    with pytest.raises(DataError, match="share no numeric or categorical column"):
        feature_drift(pd.DataFrame({"x": [1.0]}), pd.DataFrame({"y": [1.0]}))
