"""The guard around any semi-supervised method: kept where it helps, supervised otherwise."""

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from semiloop import SparseLabelSpreading
from semiloop.methods.auto import AutoClassifier
from semiloop.methods.guarded import GuardedClassifier


def _spreading():
    return SparseLabelSpreading(n_neighbors=10)


def test_method_is_kept_where_it_beats_the_supervised_model():
    # Two moons with 16 labels: a linear model cannot follow the moons, the graph can.
    X, y = make_moons(400, noise=0.06, random_state=0)
    y_partial = np.where(np.random.default_rng(1).random(400) < 0.04, y, -1)
    model = GuardedClassifier(_spreading(), LogisticRegression(), random_state=0)
    model.fit(X, y_partial)
    assert model.used_unlabeled_
    assert model.validation_score_.accuracy > model.supervised_score_.accuracy
    assert isinstance(model.estimator_, SparseLabelSpreading)
    unlabeled = y_partial < 0
    assert (model.transduction_[unlabeled] == y[unlabeled]).mean() > 0.97
    assert [entry.kept for entry in model.history_] == [False, True]
    assert model.kept_ == "SparseLabelSpreading" and "kept" in model.outcome_
    assert model.history_[1].p_value <= model.decision_.level


def test_a_held_out_share_is_scored_on_its_own_rows_only():
    # A single held-out share (the deep methods' split) judges the rows it holds out;
    # the labeled rows it trained on have no held-out prediction and count for nothing.
    X, y = make_moons(400, noise=0.06, random_state=0)
    y_partial = np.where(np.random.default_rng(1).random(400) < 0.2, y, -1)
    n_labeled = int((y_partial >= 0).sum())
    model = GuardedClassifier(_spreading(), LogisticRegression(), split="holdout",
                              holdout_share=0.25, random_state=0).fit(X, y_partial)
    n_held_out = int(np.ceil(0.25 * n_labeled))
    assert len(model.supervised_score_.correct) == n_held_out < n_labeled
    assert model.supervised_score_.accuracy > 0.8          # a linear model on two moons
    assert model.supervised_score_.log_loss < 0.5
    assert model.used_unlabeled_ and model.validation_score_.accuracy > 0.97


def test_supervised_model_is_returned_where_the_method_does_worse():
    # No cluster structure: the class is the sign of one of ten uniform features,
    # which a linear model learns from 60 labels and a kNN graph does not.
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1500, 10))
    y = (X[:, 0] > 0).astype(int)
    y_partial = np.where(rng.random(1500) < 0.04, y, -1)
    model = GuardedClassifier(_spreading(), LogisticRegression(), random_state=0)
    model.fit(X, y_partial)
    assert not model.used_unlabeled_ and model.kept_ == "supervised"
    assert model.supervised_score_.accuracy > model.history_[1].validation_accuracy
    assert model.validation_score_ is model.supervised_score_
    supervised = LogisticRegression().fit(X[y_partial >= 0], y_partial[y_partial >= 0])
    np.testing.assert_allclose(model.predict_proba(X[:20]), supervised.predict_proba(X[:20]))
    assert model.outcome_.startswith("unlabeled data did not help")


def test_held_out_labels_are_hidden_from_the_method():
    seen = []

    class Recorder(SparseLabelSpreading):
        def fit(self, X, y):
            seen.append(np.asarray(y).copy())
            return super().fit(X, y)

    X, y = make_moons(120, noise=0.05, random_state=0)
    y_partial = np.where(np.arange(120) % 4 == 0, y, -1)
    GuardedClassifier(Recorder(), cv=3, validation_size=1,
                      random_state=0).fit(X, y_partial)
    folds = seen[:3]
    hidden_per_fold = [np.flatnonzero((y_partial >= 0) & (labels < 0)) for labels in folds]
    assert sorted(np.concatenate(hidden_per_fold)) == list(np.flatnonzero(y_partial >= 0))
    assert all(len(hidden) in (10, 10, 10) for hidden in hidden_per_fold)


@pytest.mark.parametrize("margin, kept", [(0.0, True), (50.0, False)])
def test_margin_decides_how_much_evidence_is_needed(margin, kept):
    X, y = make_moons(300, noise=0.06, random_state=0)
    y_partial = np.where(np.random.default_rng(1).random(300) < 0.06, y, -1)
    model = GuardedClassifier(_spreading(), LogisticRegression(), margin=margin,
                              random_state=0).fit(X, y_partial)
    assert model.used_unlabeled_ is kept


@parametrize_with_checks([GuardedClassifier(SparseLabelSpreading(), cv=2,
                                            validation_size=1, random_state=0)],
                         expected_failed_checks=lambda estimator: {
                             "check_classifiers_classes": (
                                 "the check trains on the classes [-1, 1]; -1 means unlabeled "
                                 "in the semi-supervised contract")})
def test_scikit_learn_contract(estimator, check):
    check(estimator)


def test_a_supervised_model_without_probabilities_is_scored_one_hot():
    from sklearn.svm import SVC

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (600, 10))
    y = (X[:, 0] > 0).astype(int)
    y_partial = np.where(rng.random(600) < 0.08, y, -1)
    model = GuardedClassifier(_spreading(), SVC(kernel="linear"), random_state=0)
    model.fit(X, y_partial)
    assert not model.used_unlabeled_
    proba = model.predict_proba(X[:30])
    assert set(np.unique(proba)) <= {0.0, 1.0}
    np.testing.assert_array_equal(proba.argmax(axis=1), model.estimator_.predict(X[:30]))


@parametrize_with_checks([AutoClassifier(methods=("self-training", "graph"), cv=2,
                                         validation_size=1, random_state=0)],
                         expected_failed_checks=lambda estimator: {
                             "check_classifiers_classes": (
                                 "the check trains on the classes [-1, 1]; -1 means unlabeled "
                                 "in the semi-supervised contract")})
def test_auto_scikit_learn_contract(estimator, check):
    check(estimator)


def test_auto_keeps_the_graph_on_moons_and_the_supervised_model_on_a_linear_rule():
    X, y = make_moons(300, noise=0.08, random_state=0)
    y_partial = np.where(np.random.default_rng(0).random(300) < 0.1, y, -1)
    model = AutoClassifier(LogisticRegression(), random_state=0).fit(X, y_partial)
    assert model.kept_ == "graph"
    assert [record.candidate for record in model.history_] == [
        "supervised", "self-training", "graph", "s3vm"]
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (800, 10))
    y = (X[:, 0] > 0).astype(int)
    y_partial = np.where(rng.random(800) < 0.05, y, -1)
    model = AutoClassifier(LogisticRegression(), methods=("graph",), random_state=0)
    assert model.fit(X, y_partial).kept_ == "supervised"
    assert not model.used_unlabeled_ and model.decision_.kept is None


def test_thirty_labels_on_two_moons_keep_the_graph():
    # 15 labels per moon: the graph is right on all held-out labels, the linear model on 87%;
    # 4 rows of difference are p = 1/16 by correctness alone, the Brier score settles it
    X, y = make_moons(600, noise=0.05, random_state=2)
    rng = np.random.default_rng(2)
    chosen = np.concatenate([rng.choice(np.flatnonzero(y == c), 15, replace=False)
                             for c in (0, 1)])
    y_partial = np.full(600, -1)
    y_partial[chosen] = y[chosen]
    model = GuardedClassifier(_spreading(), LogisticRegression(), random_state=0)
    model.fit(X, y_partial)
    assert model.used_unlabeled_ and model.history_[1].criterion == "Brier score"
    unlabeled = y_partial < 0
    assert (model.predict(X[unlabeled]) == y[unlabeled]).mean() > 0.99


def test_labels_too_few_to_hold_out_keep_the_supervised_model_and_tell_the_callbacks():
    from semiloop.callbacks import Callback
    from semiloop.errors import SemiloopWarning

    class Heard(Callback):
        def __init__(self):
            self.hooks = []

        def on_fit_begin(self, estimator, *, stage=""):
            self.hooks.append(("begin", stage))

        def on_record(self, estimator, record):
            self.hooks.append(("record", record.candidate))

        def on_fit_end(self, estimator):
            self.hooks.append(("end", ""))

    X, y = make_moons(60, noise=0.05, random_state=0)
    y_partial = np.full(60, -1)
    y_partial[[np.flatnonzero(y == 0)[0], np.flatnonzero(y == 1)[0]]] = [0, 1]
    heard = Heard()
    model = GuardedClassifier(_spreading(), LogisticRegression(), callbacks=[heard],
                              random_state=0)
    with pytest.warns(SemiloopWarning, match="the guard could not compare") as caught:
        model.fit(X, y_partial)
    assert any(str(w.message) == model.outcome_ for w in caught)
    assert model.kept_ == "supervised" and not model.used_unlabeled_
    assert isinstance(model.estimator_, LogisticRegression)
    assert model.outcome_ == model.decision_.reason
    assert model.outcome_.endswith("label at least 2 rows of classes 0, 1")
    assert [(r.candidate, r.kept, r.note) for r in model.history_] == [
        ("supervised", True, "fitted on all labeled rows"),
        ("SparseLabelSpreading", False, "not compared: too few labeled rows to hold any out")]
    assert heard.hooks == [("begin", ""), ("record", "supervised"),
                           ("record", "SparseLabelSpreading"), ("end", "")]
    assert model.transduction_.shape == (60,) and set(model.transduction_) == {0, 1}


def test_callbacks_hear_each_held_out_fold_finish():
    from sklearn.datasets import make_moons

    from semiloop.callbacks import Callback

    class Heard(Callback):
        def __init__(self):
            self.steps = []

        def on_progress(self, estimator, *, stage, done, total):
            self.steps.append((stage, done, total))

    X, y = make_moons(200, noise=0.1, random_state=0)
    y = y.copy()
    y[30:] = -1
    heard = Heard()
    model = GuardedClassifier(_spreading(), LogisticRegression(), cv=3, validation_size=1,
                              callbacks=[heard], n_jobs=2).fit(X, y)
    n_folds = 3
    steps = [(done, total) for name, done, total in heard.steps
             if name == "supervised model on held-out folds"]
    assert steps == [(done, n_folds) for done in range(1, n_folds + 1)]
    # label spreading scores every fold in one fit (fit_held_out): its start and its end
    steps = [(done, total) for name, done, total in heard.steps
             if name == "SparseLabelSpreading on held-out folds"]
    assert steps == [(0, n_folds), (n_folds, n_folds)]
    assert model.used_unlabeled_            # and fitted on every row by that one fit
    assert not any(name.startswith("fitting") for name, _, _ in heard.steps)
    # a method without fit_held_out (scikit-learn's) is refitted once per fold
    from sklearn.semi_supervised import LabelSpreading

    refitted = GuardedClassifier(LabelSpreading(kernel="knn", n_neighbors=10),
                                 LogisticRegression(), cv=3, validation_size=1,
                                 callbacks=[heard := Heard()]).fit(X, y)
    steps = [(done, total) for name, done, total in heard.steps
             if name == "LabelSpreading on held-out folds"]
    assert steps == [(done, n_folds) for done in range(1, n_folds + 1)]
    assert refitted.used_unlabeled_
    assert heard.steps[-1] == (f"fitting {refitted.kept_} on every row", 0, 1)


class _RightOnUnmarkedRows(LogisticRegression):
    """A stand-in method: right where column 1 is 0, wrong where it is 1 (x0 > 0 is the class)."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        right = (X[:, 0] > 0).astype(int)
        guess = np.where(X[:, 1] > 0.5, 1 - right, right)
        return np.eye(2)[guess] * 0.9 + 0.05


def test_validation_rows_decide_what_the_guard_judges_on():
    # Half the labels are "chosen" rows (column 1 = 1) where the method is wrong, half
    # random ones where it is right; the prior-only reference is right half the time.
    from sklearn.dummy import DummyClassifier

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=600), np.repeat([0.0, 1.0], 300)])
    y = (X[:, 0] > 0).astype(int)
    labeled = np.r_[0:60, 300:360]
    y_partial = np.full(600, -1)
    y_partial[labeled] = y[labeled]
    reference = DummyClassifier(strategy="prior")
    everywhere = GuardedClassifier(_RightOnUnmarkedRows(), reference, random_state=0)
    assert not everywhere.fit(X, y_partial).used_unlabeled_
    judged = GuardedClassifier(_RightOnUnmarkedRows(), reference, random_state=0)
    judged.fit(X, y_partial, validation_rows=X[:, 1] == 0)
    assert judged.used_unlabeled_ and judged.validation_score_.accuracy == 1.0
    assert len(judged.supervised_score_.correct) == 60      # the marked labeled rows
    few = GuardedClassifier(_RightOnUnmarkedRows(), reference, random_state=0)
    with pytest.warns(UserWarning, match="mark more labeled rows"):
        few.fit(X, y_partial, validation_rows=np.arange(600) == 0)
    assert not few.used_unlabeled_
    auto = AutoClassifier(LogisticRegression(), random_state=0)
    auto.fit(X, y_partial, validation_rows=X[:, 1] == 0)
    assert len(auto.supervised_score_.correct) == 60


class _KnowsTheBoundary(LogisticRegression):
    """A stand-in method that is right everywhere and has a ``class_prior`` parameter."""

    def __init__(self, class_prior="labeled"):
        super().__init__()
        self.class_prior = class_prior

    def fit(self, X, y):
        _PRIORS_SEEN.append(self.class_prior)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.eye(2)[(X[:, 0] > 0).astype(int)] * 0.9 + 0.05


_PRIORS_SEEN = []


def test_chosen_labels_give_the_candidates_a_predicted_class_prior():
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    y_partial = np.full(600, -1)
    y_partial[:100] = (X[:100, 0] > 0).astype(int)
    marked = np.arange(600) < 60  # the other 40 labels were chosen by a query
    method = Pipeline([("scale", StandardScaler()), ("method", _KnowsTheBoundary())])
    reference = DummyClassifier(strategy="prior")
    cases = ((marked, "predicted"), (np.arange(600) < 100, "labeled"), (None, "labeled"))
    for validation_rows, expected in cases:
        _PRIORS_SEEN.clear()
        guard = GuardedClassifier(method, reference, random_state=0)
        guard.fit(X, y_partial, validation_rows=validation_rows)
        assert guard.used_unlabeled_
        assert guard.estimator_.get_params()["method__class_prior"] == expected
        assert set(_PRIORS_SEEN) == {expected}  # the folds' fits too
    assert method.get_params()["method__class_prior"] == "labeled"  # untouched
    given = GuardedClassifier(_KnowsTheBoundary(class_prior=[0.3, 0.7]), reference,
                              random_state=0).fit(X, y_partial, validation_rows=marked)
    assert given.estimator_.class_prior == [0.3, 0.7]


def test_a_scaled_graph_pipeline_scores_its_folds_in_one_fit_as_refits_would():
    from sklearn.feature_selection import SelectKBest
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from semiloop.methods.guarded import _holds_out_itself

    X, y = make_moons(300, noise=0.08, random_state=0)
    y_partial = np.where(np.random.default_rng(0).random(300) < 0.1, y, -1)
    hooked = make_pipeline(StandardScaler(), _spreading())
    refitted = make_pipeline(FunctionTransformer(), StandardScaler(), _spreading())
    assert _holds_out_itself(hooked) and not _holds_out_itself(refitted)
    assert not _holds_out_itself(make_pipeline(SelectKBest(k=1), _spreading()))
    one = GuardedClassifier(hooked, LogisticRegression(), random_state=0).fit(X, y_partial)
    per_fold = GuardedClassifier(refitted, LogisticRegression(),
                                 random_state=0).fit(X, y_partial)
    assert one.kept_ == per_fold.kept_ == "SparseLabelSpreading"
    np.testing.assert_allclose(one.validation_score_.brier, per_fold.validation_score_.brier,
                               atol=1e-10)
    np.testing.assert_allclose(one.predict_proba(X), per_fold.predict_proba(X), atol=1e-10)
    assert not hasattr(hooked[-1], "classes_")     # the caller's pipeline is not fitted
