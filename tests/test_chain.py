import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from semiloop.methods._chain import SelfTrainingChain


class _Fixed(ClassifierMixin, BaseEstimator):
    """Predicts the given probability rows, whatever it was trained on."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.array([0, 1])
        self.sample_weight_ = sample_weight
        return self

    def predict_proba(self, X):
        return np.asarray(self.proba)[np.asarray(X)[:, 0].astype(int)]


OPTIONS = {"threshold": 0.8, "threshold_policy": "fixed", "balanced": False,
           "revisit": True, "weight_by_confidence": True, "k_best": None}


def _chain(proba):
    X = np.arange(6).reshape(-1, 1)
    codes = np.array([0, 1, -1, -1, -1, -1])
    return SelfTrainingChain(_Fixed(proba), X, codes, np.array([0, 1]), np.arange(2, 6),
                             np.array([0, 1]), OPTIONS)


def test_revisit_drops_pseudo_labels_that_lose_confidence_or_flip():
    confident = [[1, 0], [0, 1], [0.9, 0.1], [0.85, 0.15], [0.1, 0.9], [0.5, 0.5]]
    chain = _chain(confident)
    chain.fit()
    record = chain.step(1)
    assert chain.pseudo_labels.tolist() == [0, 0, 1, -1]
    assert record["added"].tolist() == [2, 1]
    chain.fit()
    assert np.allclose(chain.model.sample_weight_, [1, 1, 0.9, 0.85, 0.9])
    # next round: row 3 falls below the threshold, row 4 flips to class 0
    chain.model.proba = [[1, 0], [0, 1], [0.95, 0.05], [0.7, 0.3], [0.9, 0.1], [0.5, 0.5]]
    record = chain.step(2)
    assert record["dropped"].tolist() == [1, 1]
    # row 4 was dropped as class 1 and selected again as a confident class 0
    assert chain.pseudo_labels.tolist() == [0, -1, 0, -1]
    assert chain.pseudo_round.tolist() == [1, -1, 2, -1]
    assert record["added"].tolist() == [1, 0]


def test_snapshot_and_restore_undo_a_round():
    X = np.r_[np.linspace(-3, -1, 10), np.linspace(1, 3, 10)].reshape(-1, 1)
    codes = np.full(20, -1)
    codes[[0, 19]] = [0, 1]
    chain = SelfTrainingChain(LogisticRegression(), X, codes, np.array([0, 19]),
                              np.arange(1, 19), np.array([0, 1]), {**OPTIONS, "threshold": 0.6})
    chain.fit()
    saved = chain.snapshot()
    chain.step(1)
    assert (chain.pseudo_labels >= 0).any()
    chain.restore(saved)
    assert (chain.pseudo_labels < 0).all() and chain.model is saved[3]
