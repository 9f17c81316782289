"""Label spreading and propagation: scikit-learn parity, the graph, the solver, the math."""

import numpy as np
import pytest
from scipy import sparse
from sklearn import semi_supervised
from sklearn.datasets import load_iris, make_blobs
from sklearn.utils.estimator_checks import parametrize_with_checks

from semiloop import (
    LabelPropagation,
    LabelSpreading,
    SparseLabelPropagation,
    SparseLabelSpreading,
)
from semiloop.errors import DataError, SemiloopError, SemiloopWarning
from semiloop.methods._alpha_selection import held_out_folds
from semiloop.methods.graph_base import _class_mass_normalize
from semiloop.methods.knn_graph import knn_affinity, normalize_symmetric
from semiloop.methods.neighbors import NeighborIndex, faiss_available
from semiloop.methods.sparse_solve import conjugate_gradient


def _partial(y, share, seed=0):
    rng = np.random.default_rng(seed)
    hidden = rng.random(len(y)) >= share
    for label in np.unique(y):  # at least one label per class
        hidden[np.flatnonzero(y == label)[0]] = False
    return np.where(hidden, -1, y)


IRIS_X, IRIS_Y = load_iris(return_X_y=True)
IRIS_PARTIAL = _partial(IRIS_Y, 0.3)


@pytest.mark.parametrize("ours, theirs, params", [
    (LabelSpreading, semi_supervised.LabelSpreading, {}),
    (LabelSpreading, semi_supervised.LabelSpreading, {"kernel": "knn", "n_neighbors": 5}),
    (LabelSpreading, semi_supervised.LabelSpreading, {"alpha": 0.5, "gamma": 5, "max_iter": 60}),
    (LabelPropagation, semi_supervised.LabelPropagation, {}),
    (LabelPropagation, semi_supervised.LabelPropagation, {"kernel": "knn", "n_neighbors": 9}),
])
def test_scikit_learn_parameters_give_scikit_learn_results(ours, theirs, params):
    with np.errstate(all="ignore"):
        mine = ours(**params).fit(IRIS_X, IRIS_PARTIAL)
        reference = theirs(**params).fit(IRIS_X, IRIS_PARTIAL)
    np.testing.assert_array_equal(mine.transduction_, reference.transduction_)
    np.testing.assert_allclose(mine.label_distributions_, reference.label_distributions_)
    assert mine.n_iter_ == reference.n_iter_
    rows = IRIS_X[::7]
    np.testing.assert_allclose(mine.predict_proba(rows), reference.predict_proba(rows))


def test_sparse_graph_is_symmetric_weighted_and_has_no_self_loops():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    distances, indices = NeighborIndex("exact").fit(X).self_neighbors(1)
    assert indices.ravel().tolist() == [1, 0, 1, 2]      # 3 chooses 2; 2 does not choose 3
    W = knn_affinity(distances, indices, weights="rbf", bandwidth=4.0).toarray()
    assert np.allclose(W, W.T) and np.all(np.diag(W) == 0)
    assert W[2, 3] == pytest.approx(np.exp(-16 / 4))       # kept because 3 chose 2
    assert W[0, 1] == pytest.approx(np.exp(-1 / 4))
    assert W[0, 2] == 0
    S = normalize_symmetric(sparse.csr_array(W)).toarray()
    degree = W.sum(axis=1)
    assert S[1, 2] == pytest.approx(W[1, 2] / np.sqrt(degree[1] * degree[2]), rel=1e-6)


def test_duplicate_points_do_not_keep_themselves_as_neighbours():
    X = np.array([[0.0], [0.0], [0.0], [5.0]])
    _, indices = NeighborIndex("exact").fit(X).self_neighbors(2)
    assert all(i not in row for i, row in enumerate(indices.tolist()))


def test_block_conjugate_gradient_matches_a_direct_solve_per_column():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(30, 30))
    A = M @ M.T + 30 * np.eye(30)
    B = rng.normal(size=(30, 4))
    B[:, 2] = 0.0                                          # a class no label reaches
    X, n_iter, residual = conjugate_gradient(lambda V: A @ V, B, tol=1e-10)
    np.testing.assert_allclose(X, np.linalg.solve(A, B), atol=1e-8)
    assert n_iter <= 30 and residual.max() <= 1e-10


def test_spreading_solves_the_closed_form_of_zhou_et_al():
    X, y = make_blobs(60, centers=3, cluster_std=1.5, random_state=1)
    y_partial = _partial(y, 0.2)
    model = SparseLabelSpreading(n_neighbors=6, alpha=0.9, tol=1e-10,
                           class_balance=None).fit(X, y_partial)
    distances, indices = NeighborIndex("exact").fit(X).self_neighbors(6)
    S = normalize_symmetric(knn_affinity(distances, indices)).toarray().astype(float)
    Y = np.zeros((60, 3))
    Y[y_partial >= 0, y_partial[y_partial >= 0]] = 1
    F = np.linalg.solve(np.eye(60) - 0.9 * S, 0.1 * Y)
    np.testing.assert_allclose(model.label_distributions_, F / F.sum(1, keepdims=True),
                               atol=1e-5)


def test_propagation_solves_the_harmonic_system_of_zhu_et_al():
    X, y = make_blobs(50, centers=2, cluster_std=2.0, random_state=3)
    y_partial = _partial(y, 0.2)
    model = SparseLabelPropagation(n_neighbors=5, tol=1e-10,
                             class_balance=None).fit(X, y_partial)
    distances, indices = NeighborIndex("exact").fit(X).self_neighbors(5)
    W = knn_affinity(distances, indices).toarray().astype(float)
    L = np.diag(W.sum(1)) - W
    u, known = y_partial < 0, y_partial >= 0
    Y_l = np.eye(2)[y_partial[known]]
    F_u = np.linalg.solve(L[np.ix_(u, u)], W[np.ix_(u, known)] @ Y_l)
    np.testing.assert_allclose(model.label_distributions_[u],
                               F_u / F_u.sum(1, keepdims=True), atol=1e-5)
    np.testing.assert_array_equal(model.label_distributions_[known], Y_l)


def test_class_mass_normalisation_gives_each_class_its_labeled_share():
    scores = np.array([[0.2, 0.1], [0.2, 0.3], [1.0, 0.0]])
    unlabeled = np.array([True, True, False])
    scaled = _class_mass_normalize(scores, unlabeled, np.array([0.75, 0.25]))
    # unlabeled mass (0.4, 0.4) is scaled by (0.75 / 0.4, 0.25 / 0.4)
    np.testing.assert_allclose(scaled[:2], [[0.375, 0.0625], [0.375, 0.1875]])
    assert scaled[1].argmax() == 0                          # the second row changes class
    mass = scaled[unlabeled].sum(axis=0)
    np.testing.assert_allclose(mass / mass.sum(), [0.75, 0.25])


def test_sparse_spreading_beats_scikit_learn_on_clustered_data():
    # Suite 3's data at a small size: 50 Gaussian sub-clusters, 10 classes.
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 1, (50, 64))
    component = rng.integers(0, 50, 6000)
    y = component % 10
    X = centers[component] + rng.normal(0, 1.5, (6000, 64))
    y_partial = np.where(rng.random(6000) < 0.03, y, -1)
    unlabeled = y_partial < 0
    ours = SparseLabelSpreading(n_neighbors=10).fit(X, y_partial)
    theirs = semi_supervised.LabelSpreading(kernel="knn", n_neighbors=10).fit(X, y_partial)
    accuracy = lambda model: (model.transduction_[unlabeled] == y[unlabeled]).mean()  # noqa: E731
    assert accuracy(ours) > accuracy(theirs) + 0.05, (accuracy(ours), accuracy(theirs))


def _suite_like(n, share, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 1, (50, 64))
    component = rng.integers(0, 50, n)
    y = component % 10
    X = centers[component] + rng.normal(0, 1.5, (n, 64))
    return X, y, np.where(rng.random(n) < share, y, -1)


def test_alpha_is_chosen_on_held_out_labels_where_0_99_bleeds_across_classes():
    X, y, y_partial = _suite_like(6000, 0.03)
    unlabeled = y_partial < 0
    # One unit of seed mass per labeled row, where α = 0.99 bleeds the most.
    auto = SparseLabelSpreading(n_neighbors=10, class_balance=None).fit(X, y_partial)
    fixed = SparseLabelSpreading(n_neighbors=10, alpha=0.99, class_balance=None).fit(X, y_partial)
    assert set(auto.alpha_scores_) == {0.5, 0.9, 0.99}
    assert auto.alpha_ == max(auto.alpha_scores_, key=auto.alpha_scores_.get) != 0.99
    accuracy = lambda model: (model.transduction_[unlabeled] == y[unlabeled]).mean()  # noqa: E731
    assert accuracy(auto) > accuracy(fixed) + 0.1
    assert fixed.alpha_ == 0.99 and not hasattr(fixed, "alpha_scores_")


def test_alpha_ties_go_to_the_larger_alpha():
    X, y = make_blobs(300, centers=[[-10, 0], [10, 0]], cluster_std=0.5, random_state=0)
    model = SparseLabelSpreading().fit(X, _partial(y, 0.1))
    assert set(model.alpha_scores_.values()) == {1.0}
    assert model.alpha_ == 0.99


def test_held_out_folds_cover_the_labels_or_hold_out_a_third():
    small = np.repeat([0, 1, 2], 10)
    folds = held_out_folds(small, random_state=0)
    assert len(folds) == 3
    assert sorted(np.concatenate(folds)) == list(range(30))
    assert all(np.bincount(small[fold]).tolist() == [3, 3, 3] or len(fold) == 10
               for fold in folds)
    large = np.repeat([0, 1], 600)
    (fold,) = held_out_folds(large, random_state=0)
    assert len(fold) == 400 and np.bincount(large[fold]).tolist() == [200, 200]
    singles = np.array([0, 1, 1, 1])                        # class 0 has one label
    assert sorted(np.concatenate(held_out_folds(singles))) == [0, 1, 2, 3]


def test_the_drop_in_takes_only_scikit_learns_parameters():
    with pytest.raises(ValueError, match="'alpha' parameter"):
        LabelSpreading(alpha="auto").fit(IRIS_X, IRIS_PARTIAL)
    with pytest.raises(TypeError, match="recommended"):
        LabelSpreading(recommended=True)


def test_human_labels_survive_in_transduction():
    X = np.r_[np.zeros((5, 1)), np.ones((5, 1))]
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, -1])          # row 4 disagrees with its cluster
    model = SparseLabelSpreading(n_neighbors=3).fit(X, y)
    assert model.transduction_[4] == 1
    assert model.label_distributions_[4].argmax() == 0    # the graph itself disagrees


def test_out_of_sample_prediction_follows_training_neighbours():
    X = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)][:, None]
    y = np.full(40, -1)
    y[[0, 39]] = [1, 2]
    model = SparseLabelSpreading(n_neighbors=4).fit(X, y)
    assert model.predict(np.array([[0.5], [5.5], [-3.0], [9.0]])).tolist() == [1, 2, 1, 2]
    proba = model.predict_proba(np.array([[0.5], [3.0]]))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_string_labels_with_none_as_unlabeled():
    X = np.r_[np.zeros((4, 1)), np.full((4, 1), 3.0)]
    y = np.array(["cat", None, None, None, None, "", None, "dog"], dtype=object)
    model = SparseLabelSpreading(n_neighbors=2).fit(X, y)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert model.transduction_.tolist() == ["cat"] * 4 + ["dog"] * 4


def test_unreached_points_get_the_labeled_class_shares():
    X = np.array([[0.0], [0.1], [0.2], [0.3], [100.0], [100.1]])
    y = np.array([0, 1, 1, -1, -1, -1])
    with pytest.warns(SemiloopWarning, match="2 of 6 rows are reached by no label"):
        model = SparseLabelPropagation(n_neighbors=1, edge_weights="connectivity").fit(X, y)
    assert model.n_unreached_ == 2
    np.testing.assert_allclose(model.label_distributions_[4], [1 / 3, 2 / 3])


def test_class_prior_sets_what_unreached_rows_and_the_class_mass_get():
    X = np.array([[0.0], [0.1], [0.2], [0.3], [100.0], [100.1]])
    y = np.array([0, 1, 1, -1, -1, -1])
    with pytest.warns(SemiloopWarning, match="they get the class prior"):
        model = SparseLabelPropagation(n_neighbors=1, edge_weights="connectivity",
                                       class_prior=[0.9, 0.1]).fit(X, y)
    np.testing.assert_allclose(model.label_distributions_[4], [0.9, 0.1])
    # an 80/20 pool labeled 50/50 near the boundary: class mass normalisation to the
    # pool's shares moves rows to the majority class, and the predicted prior is near them
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    X = np.r_[rng.normal(-1.5, 1, (800, 1)), rng.normal(1.5, 1, (200, 1))]
    truth = np.repeat([0, 1], [800, 200])
    band = np.abs(X[:, 0]) < 1.5
    labeled = np.r_[rng.choice(np.flatnonzero(band & (truth == 0)), 10, replace=False),
                    rng.choice(np.flatnonzero(band & (truth == 1)), 10, replace=False)]
    y = np.full(1000, -1)
    y[labeled] = truth[labeled]
    models = {str(prior): SparseLabelSpreading(class_balance="mass", class_prior=prior).fit(X, y)
              for prior in ("labeled", "predicted", [0.8, 0.2])}
    share = {name: np.mean(model.transduction_ == 1) for name, model in models.items()}
    assert share["[0.8, 0.2]"] < share["labeled"] - 0.01, share
    assert np.mean(models["[0.8, 0.2]"].transduction_ == truth) > np.mean(
        models["labeled"].transduction_ == truth)
    unlabeled = y == -1
    expected = LogisticRegression(max_iter=1000).fit(X[~unlabeled], y[~unlabeled]).predict_proba(
        X[unlabeled]).mean(axis=0)
    np.testing.assert_allclose(models["predicted"].class_prior_, expected, rtol=1e-6)
    assert models["predicted"].class_prior_[0] > 0.7


def test_errors_name_the_problem_and_the_fix():
    X = np.zeros((4, 2))
    with pytest.raises(DataError, match="no labeled rows"):
        SparseLabelSpreading().fit(X, [-1, -1, -1, -1])
    with pytest.raises(DataError, match="only one class"):
        SparseLabelSpreading().fit(X, [0, 0, -1, -1])
    with pytest.raises(ValueError, match="'neighbors' parameter"):
        SparseLabelSpreading(neighbors="annoy").fit(X, [0, 1, -1, -1])
    with pytest.raises(SemiloopError, match="use one of"):
        NeighborIndex("annoy")


def test_same_seed_same_result():
    X, y = make_blobs(400, centers=4, random_state=0)
    y_partial = _partial(y, 0.05)
    first = SparseLabelSpreading(random_state=3).fit(X, y_partial)
    second = SparseLabelSpreading(random_state=3).fit(X, y_partial)
    np.testing.assert_array_equal(first.label_distributions_, second.label_distributions_)


@pytest.mark.skipif(not faiss_available(), reason="faiss is not installed")
def test_faiss_graph_agrees_with_exact_search_on_clustered_data():
    rng = np.random.default_rng(1)
    centers = rng.normal(0, 3, (10, 8))
    component = rng.integers(0, 10, 5000)
    X = (centers[component] + rng.normal(0, 1, (5000, 8))).astype("float32")
    y_partial = np.where(rng.random(5000) < 0.02, component, -1)
    exact = SparseLabelSpreading(neighbors="exact", n_neighbors=10).fit(X, y_partial)
    approx = SparseLabelSpreading(neighbors="faiss", n_neighbors=10).fit(X, y_partial)
    assert (exact.transduction_ == approx.transduction_).mean() > 0.98
    restored = __import__("pickle").loads(__import__("pickle").dumps(approx))
    np.testing.assert_array_equal(restored.predict(X[:50]), approx.predict(X[:50]))


SPARSE_FAILURES = {
    "check_classifiers_classes": (
        "the check trains on the classes [-1, 1]; -1 means unlabeled in the semi-supervised "
        "contract (scikit-learn exempts its own LabelSpreading and LabelPropagation by name)"
    ),
}
PROPAGATION_FAILURES = {
    **SPARSE_FAILURES,
    "check_non_transformer_estimators_n_iter": (
        "the check labels every row, so the harmonic system for the unlabeled rows is empty "
        "and no solver iteration runs: n_iter_ is 0"
    ),
}


@parametrize_with_checks(
    [LabelSpreading(), LabelPropagation(), SparseLabelSpreading(), SparseLabelPropagation()],
    expected_failed_checks=lambda estimator: (
        PROPAGATION_FAILURES if isinstance(estimator, SparseLabelPropagation)
        else SPARSE_FAILURES if isinstance(estimator, SparseLabelSpreading) else {}),
)
def test_scikit_learn_contract(estimator, check):
    check(estimator)
