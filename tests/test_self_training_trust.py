"""Self-training's trust measures: the pseudo-label audit, held-back rows, collapse alarms."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

from semiloop import SafeSelfTrainingClassifier, SelfTrainingClassifier
from semiloop.errors import SemiloopWarning
from semiloop.methods._chain import SelfTrainingChain
from semiloop.methods._chain_trust import hidden_rows


class SignOfFirstFeature(ClassifierMixin, BaseEstimator):
    """Ignores its labels: class 1 when the first feature is positive, with 0.95."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        positive = np.asarray(X)[:, 0] > 0
        return np.where(positive[:, None], [0.05, 0.95], [0.95, 0.05])


class CollapsesOnPseudoLabels(ClassifierMixin, BaseEstimator):
    """Honest on the labels alone; once trained on more rows, everything is class 0."""

    def __init__(self, n_labeled=0):
        self.n_labeled = n_labeled

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.collapsed_ = len(y) > self.n_labeled
        return self

    def predict_proba(self, X):
        X = np.asarray(X)
        if self.collapsed_:
            return np.tile([0.995, 0.005], (len(X), 1))
        positive = X[:, 0] > 0
        return np.where(positive[:, None], [0.1, 0.9], [0.9, 0.1])


def _two_features(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 1] > 0).astype(int)   # the truth is the second feature's sign
    return X, y


def test_hidden_rows_are_stratified_and_leave_two_per_class():
    codes = np.array([0] * 20 + [1] * 5 + [2] * 2)
    hidden = hidden_rows(codes, 0.2, random_state=0)
    assert np.bincount(codes[hidden], minlength=3).tolist() == [4, 1, 0]
    assert hidden_rows(codes, 0.2, random_state=0).tolist() == hidden.tolist()
    assert hidden_rows(np.array([0, 0, 1, 1]), 0.4).size == 0


def test_audit_measures_pseudo_labels_of_the_hidden_rows():
    X, y = _two_features()
    labeled = np.zeros(len(y), bool)
    labeled[:100] = True
    y_partial = np.where(labeled, y, -1)
    model = SelfTrainingClassifier(SignOfFirstFeature(), audit_size=0.3, max_iter=1,
                                   random_state=0).fit(X, y_partial)
    audit = model.history_[1].pseudo_label_audit
    hidden = hidden_rows(y[:100], 0.3, random_state=0)
    # the classifier labels every hidden row by the first feature's sign, at 0.95
    expected = np.mean((X[hidden, 0] > 0).astype(int) == y[hidden])
    assert audit["n_hidden"] == len(hidden) == 30
    assert audit["coverage"] == 1.0
    assert audit["precision"] == pytest.approx(expected, abs=1e-4)
    assert 0.2 < audit["precision"] < 0.8   # a wrong rule shows as such
    # the final model trained on every label: no human label was taken from it
    assert (model.labeled_iter_[:100] == 0).all()
    assert model.history_[0].pseudo_label_audit is None


def test_audit_is_off_by_default_and_leaves_scikit_learn_behaviour():
    X, y = _two_features()
    y_partial = np.where(np.arange(len(y)) < 50, y, -1)
    model = SelfTrainingClassifier(LogisticRegression()).fit(X, y_partial)
    assert all(r.pseudo_label_audit is None for r in model.history_)
    assert model.held_back_.size == 0


def _chain(proba_by_step, hold_back=True):
    codes = np.array([0, 1, -1, -1, -1, -1])
    options = {"threshold": 0.8, "threshold_policy": "fixed", "balanced": False,
               "revisit": False, "weight_by_confidence": False, "k_best": None,
               "hold_back": hold_back}
    chain = SelfTrainingChain(LogisticRegression(), np.zeros((6, 1)), codes, np.array([0, 1]),
                              np.arange(2, 6), np.array([0, 1]), options)
    steps = iter(proba_by_step)
    chain.pool_proba = lambda temperature=1.0: np.asarray(next(steps), dtype=float)
    return chain


def test_flipped_rows_are_held_back_with_their_reason():
    first = [[0.7, 0.3], [0.6, 0.4], [0.3, 0.7], [0.7, 0.3]]   # nothing above 0.8
    second = [[0.1, 0.9], [0.9, 0.1], [0.2, 0.8], [0.95, 0.05]]  # rows 0 and 2 flipped?
    chain = _chain([first, second])
    chain.step(1)
    values = chain.step(2)
    # row 0 flipped 0 -> 1 and row 1 stayed 0 (0.9 passes); row 2's 0.8 is not above 0.8
    assert values["flip_rate"] == 0.25
    assert chain.pseudo_labels.tolist() == [-1, 0, -1, 0]
    assert values["held_back"].tolist() == [0, 1]
    assert chain.held_reason.tolist() == ["prediction flipped", "", "", ""]


def test_rows_the_fold_models_dispute_are_held_back():
    proba = [[0.95, 0.05], [0.95, 0.05], [0.05, 0.95], [0.05, 0.95]]
    votes = np.array([[0, 1, 1, -1], [0, 1, 0, -1], [0, 0, 1, -1]])
    chain = _chain([proba])
    values = chain.step(1, ensemble_votes=votes)
    # row 1: 2 of 3 say 1 against 0 -> held back; row 2: 1 of 3 -> kept; row 3: no vote
    assert chain.pseudo_labels.tolist() == [0, -1, 1, 1]
    assert chain.held_reason[1] == "fold models disagree"
    assert values["disagreement"] == pytest.approx(np.mean([0, 2 / 3, 1 / 3, 0]), abs=1e-4)
    without = _chain([proba], hold_back=False)
    without.step(1, ensemble_votes=votes)
    assert without.pseudo_labels.tolist() == [0, 0, 1, 1]


def test_held_back_rows_are_listed_for_review():
    X, y = make_blobs(n_samples=300, centers=[[0, 0], [1.2, 1.2]], cluster_std=0.8,
                      random_state=0)
    y_partial = np.where(np.arange(len(y)) % 10 == 0, y, -1)
    model = SafeSelfTrainingClassifier(hold_back_unstable=True, cv=3, validation_size=30,
                                       random_state=0).fit(X, y_partial)
    held = sum(sum(r.held_back.values()) for r in model.history_)
    assert held > 0
    assert len(model.held_back_) == len(model.held_back_reasons_) > 0
    assert (y_partial[model.held_back_] == -1).all()
    assert (model.labeled_iter_[model.held_back_] == -1).all()
    assert set(model.held_back_reasons_) <= {
        "prediction flipped", "fold models disagree",
        "prediction flipped; fold models disagree"}


def test_collapse_is_flagged_in_history_and_warned_with_semiloop_options():
    import warnings

    X, y = _two_features(seed=1)
    X[:, 0] = X[:, 1]                  # the honest model is right
    y_partial = np.where(np.arange(len(y)) < 40, y, -1)
    base = CollapsesOnPseudoLabels(n_labeled=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # scikit-learn's configuration: flagged, not warned
        plain = SelfTrainingClassifier(base, threshold=0.8, max_iter=1).fit(X, y_partial)
    assert [alarm["name"] for alarm in plain.history_[1].alarms] == ["entropy_collapse"]
    assert plain.history_[0].alarms == []
    with pytest.warns(SemiloopWarning, match=r"round 1 \(in the final model\): entropy_collapse"):
        SelfTrainingClassifier(base, threshold=0.8, max_iter=1, revisit=True).fit(X, y_partial)


def test_same_seed_same_trust_history():
    X, y = make_blobs(n_samples=240, centers=3, cluster_std=2.5, random_state=3)
    y_partial = np.where(np.arange(len(y)) % 8 == 0, y, -1)

    def run():
        model = SafeSelfTrainingClassifier(audit_size=0.25, hold_back_unstable=True, cv=3,
                                           validation_size=30, max_iter=3,
                                           random_state=7).fit(X, y_partial)
        return [r.to_dict() for r in model.history_], model.held_back_.tolist()

    first = run()
    assert any(record["pseudo_label_audit"] for record in first[0])
    assert first == run()
