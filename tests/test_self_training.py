import numpy as np
import pytest
from sample_tables import chosen_labels
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_digits, load_iris, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.semi_supervised import SelfTrainingClassifier as SklearnSelfTraining
from sklearn.tree import DecisionTreeClassifier

from semiloop import SafeSelfTrainingClassifier, SelfTrainingClassifier
from semiloop.errors import DataError
from semiloop.guard import GuardScore


def _partial(y, share_unlabeled, seed=0):
    return np.where(np.random.default_rng(seed).random(len(y)) < share_unlabeled, -1, y)


def _digits_sample():
    X, y = load_digits(return_X_y=True)
    return X[:500], y[:500]


@pytest.mark.parametrize(
    "params",
    [{}, {"criterion": "k_best", "k_best": 25}, {"threshold": 0.5, "max_iter": None},
     {"max_iter": 2}],
)
@pytest.mark.parametrize("loader", [lambda: load_iris(return_X_y=True), _digits_sample])
def test_same_result_as_scikit_learn(loader, params):
    X, y = loader()
    y = _partial(y, 0.7)
    ours = SelfTrainingClassifier(LogisticRegression(max_iter=500), **params).fit(X, y)
    theirs = SklearnSelfTraining(LogisticRegression(max_iter=500), **params).fit(X, y)
    assert ours.termination_condition_ == theirs.termination_condition_
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_array_equal(ours.transduction_, theirs.transduction_)
    np.testing.assert_array_equal(ours.labeled_iter_, theirs.labeled_iter_)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))


def test_string_labels_with_none_and_empty_as_unlabeled():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    names[_partial(y, 0.6) == -1] = None
    names[::17] = ""
    model = SafeSelfTrainingClassifier(DecisionTreeClassifier(random_state=0), random_state=0)
    model.fit(X, names)
    assert model.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert set(model.predict(X)) <= set(model.classes_)
    human = np.array([name not in (None, "") for name in names])
    assert model.transduction_[human].tolist() == names[human].tolist()
    assert (model.labeled_iter_[human] == 0).all() and (model.labeled_iter_[~human] != 0).all()


def test_errors_for_unusable_labels():
    X = np.zeros((4, 2))
    with pytest.raises(DataError, match="no labeled rows"):
        SelfTrainingClassifier(LogisticRegression()).fit(X, [-1, -1, -1, -1])
    with pytest.raises(DataError, match="only one class"):
        SafeSelfTrainingClassifier(LogisticRegression()).fit(X, [1, 1, -1, -1])


def test_single_labeled_class_proceeds_with_scikit_learn_parameters():
    # scikit-learn's class leaves this to the wrapped classifier, and so does the drop-in
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([1, 1, -1, -1, -1, -1])
    ours = SelfTrainingClassifier(DecisionTreeClassifier(), criterion="k_best", k_best=2)
    theirs = SklearnSelfTraining(DecisionTreeClassifier(), criterion="k_best", k_best=2)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.classes_.tolist() == theirs.classes_.tolist() == [1]
    np.testing.assert_array_equal(ours.transduction_, theirs.transduction_)
    assert ours.n_iter_ == theirs.n_iter_ and ours.predict(X).tolist() == [1] * 6


class _HurtByMoreRows(ClassifierMixin, BaseEstimator):
    """A logistic regression that turns useless when trained on more than n_rows rows."""

    def __init__(self, n_rows=40):
        self.n_rows = n_rows

    def fit(self, X, y):
        self.inner_ = LogisticRegression().fit(X, y)
        self.classes_ = self.inner_.classes_
        self.useless_ = len(y) > self.n_rows
        return self

    def predict_proba(self, X):
        proba = self.inner_.predict_proba(X)
        return proba[:, ::-1] if self.useless_ else proba

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_guard_rolls_back_a_harmful_round_and_keeps_the_supervised_model():
    X, y = make_blobs(n_samples=400, centers=[[-2, 0], [2, 0]], random_state=0)
    y_partial = np.full_like(y, -1)
    y_partial[:40] = y[:40]
    model = SafeSelfTrainingClassifier(_HurtByMoreRows(40), random_state=0).fit(X, y_partial)
    assert model.used_unlabeled_ is False
    assert model.outcome_.startswith("unlabeled data did not help")
    assert model.termination_condition_ == "rolled_back"
    assert [entry.accepted for entry in model.history_] == [True, False]
    assert model.history_[1].validation_accuracy < model.history_[0].validation_accuracy
    assert (model.transduction_[40:] == -1).all() and (model.labeled_iter_[40:] == -1).all()
    assert (model.predict(X) == y).mean() > 0.95
    # the same options without the guard accept the harmful round
    unguarded = clone(model).set_params(guard=False, max_iter=1).fit(X, y_partial)
    assert unguarded.used_unlabeled_ and (unguarded.predict(X) == y).mean() < 0.1


def test_guarded_self_training_helps_on_digits_and_records_history():
    X, y = load_digits(return_X_y=True)
    y_partial = _partial(y, 0.95)
    hidden = y_partial == -1
    model = SafeSelfTrainingClassifier(random_state=0).fit(X, y_partial)
    supervised = clone(model.estimator_).fit(X[~hidden], y[~hidden])
    assert model.used_unlabeled_
    assert (model.predict(X[hidden]) == y[hidden]).mean() > (
        supervised.predict(X[hidden]) == y[hidden]).mean() + 0.01
    accepted = [e for e in model.history_[1:] if e.accepted]
    assert accepted and sum(sum(e.added.values()) for e in accepted) > 100
    first = model.history_[1]
    assert first.p_value < 0.067 and first.validation_accuracy > first.temperature * 0
    assert all(0 <= t <= 0.95 for t in first.thresholds.values())
    assert (model.labeled_iter_[~hidden] == 0).all()
    assert model.history_[0].validation_accuracy == model.supervised_score_.accuracy


def test_same_seed_same_result():
    X, y = load_digits(return_X_y=True)
    y_partial = _partial(y, 0.9)
    first = SafeSelfTrainingClassifier(DecisionTreeClassifier(random_state=0),
                                       random_state=3).fit(X, y_partial)
    second = SafeSelfTrainingClassifier(DecisionTreeClassifier(random_state=0),
                                        random_state=3).fit(X, y_partial)
    np.testing.assert_array_equal(first.transduction_, second.transduction_)
    assert first.history_ == second.history_


def test_balanced_selection_caps_a_dominant_class():
    X, y = make_blobs(n_samples=[50, 50, 900], centers=[[-4, 0], [4, 0], [0, 6]],
                      random_state=1)
    y_partial = np.full_like(y, -1)
    for label in range(3):
        y_partial[np.flatnonzero(y == label)[:10]] = label
    model = SelfTrainingClassifier(LogisticRegression(), balanced=True, max_iter=1).fit(
        X, y_partial)
    added = np.array(list(model.history_[1].added.values()))
    assert added.max() - added.min() <= 1 and added.sum() > 0


@pytest.mark.filterwarnings("error::semiloop.errors.SemiloopWarning")  # no balance alarm
def test_balanced_selection_follows_the_class_prior():
    X, _, y_partial = chosen_labels()
    unlabeled = y_partial == -1

    def added(class_prior, **fit):
        model = SelfTrainingClassifier(LogisticRegression(), balanced=True, criterion="k_best",
                                       k_best=100, max_iter=2, class_prior=class_prior)
        model.fit(X, y_partial, **fit)
        return [list(record.added.values()) for record in model.history_[1:]]

    assert added("labeled") == [[50, 50]] * 2
    assert added([0.8, 0.2]) == [[80, 20]] * 2
    first = LogisticRegression().fit(X[~unlabeled], y_partial[~unlabeled])
    share = first.predict_proba(X[unlabeled]).mean(axis=0)[1]  # 0.29: the pool's is 0.2
    expected = [100 - round(100 * share), round(100 * share)]
    assert added("predicted") == [expected] * 2
    # validation rows that leave the chosen labels out: their shares are not trusted
    some = np.zeros(len(X), dtype=bool)
    some[np.flatnonzero(~unlabeled)[::2]] = True
    assert added("labeled", validation_rows=some) == [expected] * 2
    assert added("labeled", validation_rows=~unlabeled) == [[50, 50]] * 2


def _scripted_guard(monkeypatch, accuracies, n_rows=50):
    """Make the guard see the given validation accuracies, round 0 first."""
    scores = iter(accuracies)

    def validate(self, fold_chains, folds, labeled, codes):
        accuracy = next(scores)
        correct = (np.arange(n_rows) < round(accuracy * n_rows)).astype(float)
        return GuardScore(correct, 1.0 - correct, np.full(n_rows, 0.5)), 1.0, None, {}

    monkeypatch.setattr(SelfTrainingClassifier, "_validate_round", validate)


@pytest.mark.parametrize(
    ("patience", "max_iter", "accepted", "termination", "kept_round"),
    [
        (0, 10, [True, False], "rolled_back", 0),
        (1, 10, [True, False, True, False, False], "rolled_back", 2),
        (5, 3, [True, False, True, False], "max_iter", 2),
    ],
)
def test_guard_patience_goes_on_after_a_flat_round_and_keeps_the_best(
        monkeypatch, patience, max_iter, accepted, termination, kept_round):
    # validation accuracy per round: 0.5 (supervised), flat, clear gain, then two worse rounds
    _scripted_guard(monkeypatch, [0.5, 0.5, 0.8, 0.7, 0.75])
    X, y = make_blobs(n_samples=300, centers=[[-3, 0], [3, 0]], random_state=0)
    y_partial = np.full_like(y, -1)
    y_partial[:20] = y[:20]
    model = SafeSelfTrainingClassifier(
        LogisticRegression(), criterion="k_best", k_best=5, max_iter=max_iter,
        guard_patience=patience, random_state=0).fit(X, y_partial)
    assert [entry.accepted for entry in model.history_] == accepted
    assert model.termination_condition_ == termination
    assert model.n_iter_ == len(accepted) - 1
    assert f"rolled back to round {kept_round}" in model.history_[-1].note
    assert model.labeled_iter_.max() == kept_round
    assert model.used_unlabeled_ == (kept_round > 0)
    n_pseudo = int((model.labeled_iter_ > 0).sum())
    assert n_pseudo == model.history_[kept_round].n_pseudo_labels
    assert model.validation_score_.accuracy == [0.5, 0.5, 0.8][kept_round]


def test_callbacks_hear_each_chain_of_a_round_finish():
    from sklearn.datasets import make_moons
    from sklearn.linear_model import LogisticRegression

    from semiloop.callbacks import Callback
    from semiloop.methods.self_training import SafeSelfTrainingClassifier

    class Heard(Callback):
        def __init__(self):
            self.steps = []

        def on_progress(self, estimator, *, stage, done, total):
            self.steps.append((stage, done, total))

    X, y = make_moons(200, noise=0.1, random_state=0)
    y = y.copy()
    y[40:] = -1
    heard = Heard()
    model = SafeSelfTrainingClassifier(LogisticRegression(), cv=3, validation_size=1,
                                       max_iter=2, callbacks=[heard], n_jobs=2).fit(X, y)
    stages = list(dict.fromkeys(stage for stage, _, _ in heard.steps))
    assert stages[0] == "self-training: supervised model on held-out folds and all rows"
    assert stages[1:] == [f"self-training round {r}: fitting" for r in range(1, len(stages))]
    assert len(stages) - 1 == model.n_iter_ >= 1
    for stage in stages:  # 3 fold chains, the chain on every row and the audit's, counted up
        assert [(d, t) for s, d, t in heard.steps if s == stage] == [(k, 5) for k in range(1, 6)]


def test_rounds_record_the_calibration_error_before_and_after_the_temperature():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from semiloop.methods.calibration import expected_calibration_error
    from semiloop.methods.self_training import SelfTrainingClassifier

    X, y = make_classification(300, 6, random_state=0)
    partial = np.where(np.arange(300) < 80, y, -1)
    model = SelfTrainingClassifier(LogisticRegression(C=100.0), calibrate=True,
                                   random_state=0).fit(X, partial)
    first = model.history_[0]
    assert first.calibration_error_raw is not None and first.calibration_error is not None
    assert 0 <= first.calibration_error <= 1 and 0 <= first.calibration_error_raw <= 1
    assert expected_calibration_error(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 1.0]])) == 0
    assert "calibration_error" in first.to_dict()


def test_validation_rows_limit_the_guard_folds_and_the_audit_to_the_marked_rows():
    from sklearn.datasets import make_moons

    X, y = make_moons(300, noise=0.1, random_state=0)
    y_partial = np.where(np.arange(300) < 60, y, -1)

    def fit(rows):
        return SelfTrainingClassifier(
            LogisticRegression(), guard=True, audit_size=0.2, validation_size=60,
            threshold=0.7, random_state=0).fit(X, y_partial, validation_rows=rows)

    marked, plain = fit(np.arange(300) < 30), fit(None)
    assert marked.held_out_proba_.shape[0] == 60    # two repeats of the 30 marked rows
    assert plain.held_out_proba_.shape[0] == 60     # one repeat of all 60 labeled rows
    assert marked.history_[1].pseudo_label_audit["n_hidden"] == 6   # 20% of 30
    assert plain.history_[1].pseudo_label_audit["n_hidden"] == 12   # 20% of 60
