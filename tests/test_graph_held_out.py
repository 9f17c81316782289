"""The graph methods score themselves on the guard's folds: one graph, a fresh solve per fold."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.naive_bayes import GaussianNB

from semiloop import SparseLabelPropagation, SparseLabelSpreading
from semiloop.errors import SemiloopWarning
from semiloop.guard import label_folds, stack_held_out
from semiloop.methods.guarded import GuardedClassifier

X_BLOBS, Y_BLOBS = make_blobs(360, centers=4, cluster_std=2.5, random_state=0)
RNG = np.random.default_rng(0)
PARTIAL = np.where(RNG.random(360) < 0.15, Y_BLOBS, -1)

MODELS = {
    "spreading, alpha auto": lambda: SparseLabelSpreading(n_neighbors=8),
    "spreading, alpha 0.9, mass": lambda: SparseLabelSpreading(n_neighbors=8, alpha=0.9,
                                                               class_balance="mass"),
    "spreading, rbf kernel": lambda: SparseLabelSpreading(kernel="rbf", gamma=0.5),
    "propagation": lambda: SparseLabelPropagation(n_neighbors=8),
    "propagation, connectivity": lambda: SparseLabelPropagation(n_neighbors=8,
                                                                 edge_weights="connectivity",
                                                                 class_balance=None),
}
FITTED = ["classes_", "class_prior_", "label_distributions_", "transduction_", "n_iter_",
          "relative_residual_", "n_unreached_", "n_extended_", "n_features_in_",
          "used_unlabeled_"]


def _folds(codes):
    return label_folds(codes[codes >= 0], cv=5, validation_size=100, random_state=0)


def _refitted(make, X, codes, folds):
    """What the guard does without ``fit_held_out``: one fit per fold, labels hidden."""
    labeled = np.flatnonzero(codes >= 0)
    n_classes = len(np.unique(codes[labeled]))
    parts = []
    for _, _, held_out in folds:
        partial = codes.copy()
        partial[labeled[held_out]] = -1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make().fit(X, partial)
        part = np.zeros((len(held_out), n_classes))
        part[:, model.classes_] = model.predict_proba(X[labeled[held_out]])
        parts.append(part)
    return stack_held_out(parts, folds, len(labeled))


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_fit_held_out_ends_fitted_as_fit_and_predicts_as_fit(make):
    folds = _folds(PARTIAL)
    scored, fitted = make(), make()
    scored.fit_held_out(X_BLOBS, PARTIAL, folds)
    fitted.fit(X_BLOBS, PARTIAL)
    for name in FITTED + (["alpha_"] if hasattr(fitted, "alpha_") else []):
        np.testing.assert_allclose(getattr(scored, name), getattr(fitted, name), err_msg=name)
    assert getattr(scored, "alpha_scores_", None) == getattr(fitted, "alpha_scores_", None)
    new_rows = np.random.default_rng(1).normal(scale=8.0, size=(40, 2))
    np.testing.assert_allclose(scored.predict_proba(new_rows), fitted.predict_proba(new_rows))
    np.testing.assert_array_equal(scored.predict(new_rows), fitted.predict(new_rows))


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_each_fold_predicts_as_a_separate_fit_with_its_labels_hidden(make):
    folds = _folds(PARTIAL)
    assert folds[-1][0] == 1                            # two repeats of five folds
    proba = make().fit_held_out(X_BLOBS, PARTIAL, folds)
    expected = _refitted(make, X_BLOBS, PARTIAL, folds)
    assert proba.shape == expected.shape == (2 * (PARTIAL >= 0).sum(), 4)
    np.testing.assert_allclose(proba, expected, atol=1e-12)


def test_alpha_is_chosen_again_for_each_fold():
    chosen = []

    class Recorder(SparseLabelSpreading):
        def _solve(self, W, S, seeds_for, codes):
            result = super()._solve(W, S, seeds_for, codes)
            chosen.append((int((codes >= 0).sum()), self.alpha_scores_))
            return result

    folds = _folds(PARTIAL)
    Recorder(n_neighbors=8).fit_held_out(X_BLOBS, PARTIAL, folds)
    n_labeled = int((PARTIAL >= 0).sum())
    assert [n for n, _ in chosen] == [n_labeled - len(h) for _, _, h in folds] + [n_labeled]
    for (_, _, held_out), (_, scores) in zip(folds, chosen, strict=False):
        partial = PARTIAL.copy()
        partial[np.flatnonzero(PARTIAL >= 0)[held_out]] = -1
        assert scores == SparseLabelSpreading(n_neighbors=8).fit(X_BLOBS, partial).alpha_scores_


def test_the_graph_is_built_once_for_all_folds():
    built = []

    class Counted(SparseLabelSpreading):
        def _build_graph(self):
            built.append(len(self.X_))
            return super()._build_graph()

    folds = _folds(PARTIAL)
    assert len(folds) == 10
    Counted(n_neighbors=8).fit_held_out(X_BLOBS, PARTIAL, folds)
    assert built == [len(X_BLOBS)]


def test_a_class_whose_only_label_is_held_out_gets_zero_probability_in_that_fold():
    # String labels: the columns are classes_, the given values sorted; the fold that
    # hides the single "d" label is fitted on three classes, as a separate fit would be.
    names = np.array(["a", "b", "c", "d"], dtype=object)
    y = np.where(PARTIAL >= 0, names[np.maximum(PARTIAL, 0)], None)
    d_rows = np.flatnonzero(y == "d")
    y[d_rows[1:]] = None
    codes = np.where(PARTIAL >= 0, PARTIAL, -1)
    codes[d_rows[1:]] = -1
    folds = _folds(codes)
    model = SparseLabelSpreading(n_neighbors=8)
    proba = model.fit_held_out(X_BLOBS, y, folds)
    assert model.classes_.tolist() == ["a", "b", "c", "d"]
    np.testing.assert_allclose(proba, _refitted(lambda: SparseLabelSpreading(n_neighbors=8),
                                                X_BLOBS, codes, folds), atol=1e-12)
    n_repeats = folds[-1][0] + 1                  # each repeat: every labeled row, in order
    stacked = np.concatenate([np.flatnonzero(codes >= 0)] * n_repeats)
    assert np.all(proba[stacked == d_rows[0], 3] == 0.0)


def test_only_the_fit_on_all_labels_warns():
    # Two far clusters, labels in the first only: the second is reached by no label.
    X = np.r_[X_BLOBS[:60], X_BLOBS[:60] + 1000.0]
    y = np.full(120, -1)
    y[:60:3] = Y_BLOBS[:60:3]
    with pytest.warns(SemiloopWarning, match="reached by no label") as caught:
        SparseLabelSpreading(n_neighbors=5).fit_held_out(X, y, _folds(y))
    assert len([w for w in caught if issubclass(w.category, SemiloopWarning)]) == 1


def test_a_subclass_with_its_own_fit_is_refitted_per_fold():
    seen = []

    class Recorder(SparseLabelSpreading):
        def fit(self, X, y):
            seen.append(np.asarray(y).copy())
            return super().fit(X, y)

    folds = _folds(PARTIAL)
    proba = Recorder(n_neighbors=8).fit_held_out(X_BLOBS, PARTIAL, folds)
    assert len(seen) == len(folds) + 1
    np.testing.assert_array_equal(seen[-1], PARTIAL)
    np.testing.assert_allclose(proba, SparseLabelSpreading(n_neighbors=8).fit_held_out(
        X_BLOBS, PARTIAL, folds), atol=1e-12)


@pytest.mark.parametrize("cls", [SparseLabelSpreading, SparseLabelPropagation])
def test_the_guard_decides_as_it_did_by_refitting(cls):
    # A subclass with its own fit is refitted per fold: the guard's result before fit_held_out.
    class Refitted(cls):
        def fit(self, X, y):
            return super().fit(X, y)

    y = np.where(np.random.default_rng(2).random(360) < 0.08, Y_BLOBS, -1)
    shared = GuardedClassifier(cls(n_neighbors=8), GaussianNB(), cv=3, validation_size=60,
                               random_state=0).fit(X_BLOBS, y)
    refitted = GuardedClassifier(Refitted(n_neighbors=8), GaussianNB(), cv=3,
                                 validation_size=60, random_state=0).fit(X_BLOBS, y)
    assert len(shared.history_) == 2 and shared.history_[1].validation_accuracy is not None
    assert shared.kept_ == refitted.kept_.replace("Refitted", cls.__name__)
    for ours, theirs in zip(shared.history_, refitted.history_, strict=True):
        assert ours.validation_accuracy == theirs.validation_accuracy
        assert ours.validation_log_loss == pytest.approx(theirs.validation_log_loss, abs=1e-6)
    np.testing.assert_allclose(shared.predict_proba(X_BLOBS), refitted.predict_proba(X_BLOBS))
