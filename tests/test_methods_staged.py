"""StagedClassifier: rules, then methods, each stage's confident labels feeding the next."""

import numpy as np
import pytest
from sklearn.base import clone

from semiloop.errors import SemiloopError
from semiloop.methods._chain import full_proba
from semiloop.methods.guarded import GuardedClassifier
from semiloop.methods.staged import StagedClassifier, check_stages


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(-2, 1, (n, 2)), rng.normal(2, 1, (n, 2))]
    truth = np.repeat([0, 1], n)
    y = np.full(2 * n, -1)
    y[[0, 1, n, n + 1]] = [0, 0, 1, 1]
    return X, y, truth


def test_rule_labels_fill_only_unlabeled_rows_with_their_weight():
    X, y, _ = _blobs()
    votes = np.full(len(y), -1)
    votes[[0, 2, 3, 70]] = [1, 0, 0, 1]          # row 0 has a human label 0: it stays
    confidence = np.full(len(y), 0.8)
    model = StagedClassifier([{"method": "rules"}, {"method": "graph"}], rule_labels=votes,
                             rule_confidence=confidence, rule_weight=0.5).fit(X, y)
    assert model.n_rule_labels_ == 3 and model.n_pseudo_labels_ == 0
    assert model.stage_labels_[[0, 2, 3, 70]].tolist() == [0, 0, 0, 1]
    assert model.stage_sources_[[0, 2, 70, 5]].tolist() == ["given", "rule", "rule", ""]


def test_a_stage_passes_on_exactly_its_predictions_above_accept():
    X, y, truth = _blobs()
    model = StagedClassifier([{"method": "graph"}, {"method": "self-training"}],
                             accept=0.9).fit(X, y)
    first = model.stages_[0]
    unlabeled = np.flatnonzero(y < 0)
    proba = full_proba(first, X[unlabeled], model.classes_)
    sure = unlabeled[proba.max(axis=1) >= 0.9]
    assert model.n_pseudo_labels_ == len(sure) > 0
    assert set(np.flatnonzero(model.stage_sources_ == "pseudo")) == set(sure)
    assert model.stage_labels_[sure].tolist() == proba.argmax(axis=1)[
        proba.max(axis=1) >= 0.9].tolist()
    assert model.score(X, truth) > 0.95
    assert model.final_estimator_ is model.stages_[-1]


def test_the_guard_judges_the_chain_on_given_labels_and_it_clones():
    X, y, truth = _blobs()
    votes = np.where(X[:, 0] < -3, 0, -1)
    staged = StagedClassifier([{"method": "rules"}, {"method": "graph"}], rule_labels=votes)
    guarded = GuardedClassifier(clone(staged), random_state=0).fit(X, y)
    assert guarded.score(X, truth) > 0.9
    assert np.array_equal(clone(staged).get_params()["rule_labels"], votes)


@pytest.mark.parametrize("stages, message", [
    ([], "no stage"),
    ([{"method": "graph"}, {"method": "rules"}], "rules stage must come first"),
    ([{"method": "rules"}], "ends with the rules"),
    ([{"method": "magic"}], "names method 'magic'"),
    ([{"method": "graph", "model": "tree"}], "names model 'tree'"),
])
def test_stage_lists_that_cannot_run_are_refused(stages, message):
    with pytest.raises(SemiloopError, match=message):
        check_stages(stages)


def test_rules_without_votes_or_of_the_wrong_length_are_refused():
    X, y, _ = _blobs()
    with pytest.raises(SemiloopError, match="no rule labels"):
        StagedClassifier([{"method": "rules"}, {"method": "graph"}]).fit(X, y)
    with pytest.raises(SemiloopError, match=r"one vote per row of X \(120\)"):
        StagedClassifier([{"method": "rules"}, {"method": "graph"}],
                         rule_labels=np.zeros(5, int)).fit(X, y)


def test_labels_of_any_kind_and_rule_votes_written_like_them():
    X, y, truth = _blobs()
    names = np.array(["cat", "dog"])
    y_named = np.where(y >= 0, names[np.maximum(y, 0)], "").astype(object)
    votes = np.where(X[:, 0] < -3, "cat", "-1").astype(object)
    model = StagedClassifier([{"method": "rules"}, {"method": "graph"}],
                             rule_labels=votes).fit(X, y_named)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert model.n_rule_labels_ == int((X[2:60, 0] < -3).sum() + (X[62:, 0] < -3).sum())
    assert (model.predict(X) == names[truth]).mean() > 0.9


def test_a_last_supervised_stage_fits_the_base_model_on_the_labels_so_far():
    X, y, truth = _blobs()
    votes = np.where(X[:, 0] < -2.5, 0, np.where(X[:, 0] > 2.5, 1, -1))
    model = StagedClassifier([{"method": "rules"}, {"method": "supervised"}],
                             rule_labels=votes).fit(X, y)
    assert type(model.final_estimator_).__name__ == "Pipeline"  # scaler + logistic regression
    assert model.n_rule_labels_ == int(((votes >= 0) & (y < 0)).sum())
    assert model.score(X, truth) > 0.95
