"""Self-training as users meet it: fit parameters, any input, classifiers without
probabilities, sparse input, and one loop whose options mean one thing."""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_blobs
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier as SklearnSelfTraining
from sklearn.svm import SVC, LinearSVC

from semiloop import SafeSelfTrainingClassifier, SelfTrainingClassifier
from semiloop.errors import SemiloopError, SemiloopWarning


def _blobs(n=300, n_labeled=30, seed=0):
    X, y = make_blobs(n_samples=n, centers=[[-2, 0], [2, 0]], random_state=seed)
    partial = np.full_like(y, -1)
    partial[:n_labeled] = y[:n_labeled]
    return X, y, partial


@pytest.mark.parametrize("estimator, named", [
    (SVC(), "SVC"),
    (make_pipeline(StandardScaler(), LinearSVC()), "LinearSVC"),
])
def test_a_classifier_without_probabilities_is_refused_before_any_work(estimator, named):
    X, _, partial = _blobs()
    with pytest.raises(SemiloopError, match=f"{named}.*calibrate=True"):
        SelfTrainingClassifier(estimator).fit(X, partial)


def test_calibrate_turns_a_decision_function_into_probabilities():
    X, y, partial = _blobs()
    model = SafeSelfTrainingClassifier(make_pipeline(StandardScaler(), LinearSVC()),
                                       random_state=0).fit(X, partial)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X) == y).mean() > 0.95
    assert model.temperature_ != 1.0   # fitted on the held-out decision values


def test_default_classifier_takes_sparse_input():
    rng = np.random.default_rng(0)
    words = np.array(["ball", "goal", "team", "vote", "law", "party"])
    y = rng.integers(0, 2, 200)
    texts = [" ".join(rng.choice(words[3 * label:3 * label + 3], 5)) for label in y]
    partial = np.where(np.arange(200) < 20, y, -1)
    model = make_pipeline(CountVectorizer(), SelfTrainingClassifier()).fit(texts, partial)
    assert (model.predict(texts) == y).mean() > 0.95


def test_any_input_the_classifier_takes_a_list_of_texts_or_a_3d_array():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 120)
    texts = [("good fine great " if label else "bad poor awful ") + str(i) for i, label in
             enumerate(y)]
    partial = np.where(np.arange(120) < 12, y, -1)
    model = SafeSelfTrainingClassifier(make_pipeline(TfidfVectorizer(), LogisticRegression()),
                                       cv=3, random_state=0).fit(texts, partial)
    assert (model.predict(texts) == y).mean() == 1.0
    signals = rng.normal(0, 1, (120, 4, 5)) + y[:, None, None]
    flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    model = SelfTrainingClassifier(make_pipeline(flatten, LogisticRegression())).fit(
        signals, partial)
    assert model.predict_proba(signals).shape == (120, 2)


def test_sample_weight_reaches_the_classifier_on_the_rows_it_fits():
    X, _, partial = _blobs()
    weight = np.random.default_rng(0).uniform(0.1, 2.0, len(X))
    labeled = partial >= 0
    model = SelfTrainingClassifier(LogisticRegression(), max_iter=0).fit(
        X, partial, sample_weight=weight)
    alone = LogisticRegression().fit(X[labeled], partial[labeled], sample_weight=weight[labeled])
    np.testing.assert_allclose(model.estimator_.coef_, alone.coef_)
    # scikit-learn passes the full-length weights to a fit on fewer rows, and fails
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError):
            SklearnSelfTraining(LogisticRegression().set_fit_request(sample_weight=True),
                                max_iter=0).fit(X, partial, sample_weight=weight)
        routed = SelfTrainingClassifier(
            LogisticRegression().set_fit_request(sample_weight=True), max_iter=0).fit(
            X, partial, sample_weight=weight)
    np.testing.assert_allclose(routed.estimator_.coef_, alone.coef_)


def test_pseudo_labels_weigh_their_confidence_times_the_sample_weight():
    X, _, partial = _blobs()
    weight = np.full(len(X), 2.0)
    seen = {}

    class Recorder(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen["weights"] = sample_weight
            return super().fit(X, y, sample_weight=sample_weight)

    SelfTrainingClassifier(Recorder(), weight_by_confidence=True, max_iter=1).fit(
        X, partial, sample_weight=weight)
    weights = seen["weights"]
    assert len(weights) > 30 and np.all(weights[weights != 2.0] > 2.0 * 0.75)
    assert np.all(weights <= 2.0)


def test_a_missing_method_of_the_classifier_chains_its_own_error():
    X, _, partial = _blobs()
    model = SelfTrainingClassifier(KNeighborsClassifier()).fit(X, partial)
    with pytest.raises(AttributeError) as raised:
        model.decision_function(X)
    assert isinstance(raised.value.__cause__, AttributeError)
    assert "KNeighborsClassifier" in str(raised.value.__cause__)


def test_k_best_with_balanced_classes_adds_k_rows_a_round():
    X, _, partial = _blobs(n=400, n_labeled=20)
    model = SelfTrainingClassifier(LogisticRegression(), criterion="k_best", k_best=6,
                                   balanced=True, max_iter=3).fit(X, partial)
    added = [sum(record.added.values()) for record in model.history_[1:]]
    assert added == [6, 6, 6]
    for record in model.history_[1:]:
        assert record.added == {0: 3, 1: 3}


def test_a_row_at_the_threshold_is_not_taken_in_any_configuration():
    class Constant(LogisticRegression):
        def predict_proba(self, X):
            return np.tile([0.75, 0.25], (len(X), 1))

    X, _, partial = _blobs()
    for options in ({}, {"balanced": True}, {"revisit": True}):
        model = SelfTrainingClassifier(Constant(), threshold=0.75, **options).fit(X, partial)
        assert model.termination_condition_ == "no_change" and not model.used_unlabeled_


def test_the_adaptive_policy_says_it_does_not_use_threshold():
    X, _, partial = _blobs()
    with pytest.warns(SemiloopWarning, match="threshold=0.9 is not used"):
        SelfTrainingClassifier(LogisticRegression(), threshold=0.9,
                               threshold_policy="adaptive", max_iter=1).fit(X, partial)
