"""Graph methods on what users meet: their labels, unreached rows, far mass, floods, kernels."""

import inspect
import re
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn import semi_supervised
from sklearn.datasets import make_blobs

from semiloop import (
    LabelPropagation,
    LabelSpreading,
    SparseLabelPropagation,
    SparseLabelSpreading,
)
from semiloop.errors import SemiloopWarning
from semiloop.methods.graph_reach import labeled_components

ALL = [LabelSpreading, LabelPropagation, SparseLabelSpreading, SparseLabelPropagation]
DROP_INS = [(LabelSpreading, semi_supervised.LabelSpreading),
            (LabelPropagation, semi_supervised.LabelPropagation)]


def _make(cls, **params):
    if cls in (LabelSpreading, LabelPropagation):
        params.setdefault("kernel", "knn")
        params.setdefault("n_neighbors", 3)
    else:
        params.setdefault("n_neighbors", 2)
    return cls(**params)


# 1. Every unlabeled marker --------------------------------------------------------------

X_SIX = np.array([[0.0], [0.1], [0.2], [3.0], [3.1], [3.2]])
STRING_CLASSES = ["cat", "cat", "cat", "dog", "dog", "dog"]
MARKERS = {
    "-1": np.array([0, -1, -1, -1, -1, 1]),
    "NaN in floats": np.array([0.0, np.nan, np.nan, np.nan, np.nan, 1.0]),
    "None": np.array(["cat", None, None, None, None, "dog"], dtype=object),
    "empty string": np.array(["cat", "", "", "", "", "dog"], dtype=object),
    "'-1' among strings": np.array(["cat", "-1", "-1", "-1", "-1", "dog"], dtype=object),
    "-1 among strings": np.array(["cat", -1, -1, -1, -1, "dog"], dtype=object),
    "all of them": np.array(["cat", "-1", None, "", np.nan, "dog"], dtype=object),
}


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("marker", MARKERS)
def test_every_unlabeled_marker(cls, marker):
    y = MARKERS[marker]
    model = _make(cls).fit(X_SIX, y)
    strings = y.dtype == object
    expected = STRING_CLASSES if strings else [0, 0, 0, 1, 1, 1]
    assert model.classes_.tolist() == (["cat", "dog"] if strings else [0, 1])
    assert model.transduction_.tolist() == expected
    assert model.predict(X_SIX).tolist() == expected
    assert "-1" not in model.classes_.tolist()


@pytest.mark.parametrize("ours, theirs", DROP_INS, ids=lambda cls: cls.__name__)
def test_drop_ins_give_scikit_learns_result_on_the_encoded_labels(ours, theirs):
    y = MARKERS["all of them"]
    mine = ours(kernel="knn", n_neighbors=3).fit(X_SIX, y)
    codes = np.array([0, -1, -1, -1, -1, 1])
    reference = theirs(kernel="knn", n_neighbors=3).fit(X_SIX, codes)
    np.testing.assert_allclose(mine.label_distributions_, reference.label_distributions_)
    np.testing.assert_allclose(mine.predict_proba(X_SIX), reference.predict_proba(X_SIX))


# 2. A part of the kNN graph without a label ---------------------------------------------

def _two_far_clusters():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (30, 2)), rng.normal(50, 1, (30, 2))]
    y = np.full(60, -1)
    y[[0, 1, 2]] = [0, 1, 0]                              # every label in the first cluster
    return X, y


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_rows_no_label_reaches_get_the_prior_and_a_warning(cls):
    X, y = _two_far_clusters()
    with pytest.warns(SemiloopWarning, match=r"\d+ of 60 rows are reached by no label.*"
                                             r"n_neighbors.*label a row"):
        model = _make(cls, n_neighbors=3).fit(X, y)
    # scikit-learn's one-directional kNN graph also splits the labeled cluster (33 rows).
    assert model.n_unreached_ == (30 if cls.__name__.startswith("Sparse") else 33)
    np.testing.assert_allclose(model.class_prior_, [2 / 3, 1 / 3])
    np.testing.assert_allclose(model.label_distributions_.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.label_distributions_[30:], [[2 / 3, 1 / 3]] * 30)
    new_rows = np.r_[X[::5], [[50.0, 50.0], [1e3, -1e3]]]
    proba = model.predict_proba(new_rows)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[-2], [2 / 3, 1 / 3])


def test_scikit_learn_itself_gives_nan_rows_there():
    X, y = _two_far_clusters()
    with np.errstate(all="ignore"):
        model = semi_supervised.LabelSpreading(kernel="knn", n_neighbors=3).fit(X, y)
        assert np.isnan(model.predict_proba(X)).any()


def test_rbf_rows_far_from_every_training_row_get_the_prior():
    X, y = X_SIX, MARKERS["-1"]
    for cls in (LabelSpreading, LabelPropagation):
        model = cls().fit(X, y)
        np.testing.assert_allclose(model.predict_proba([[100.0]]), [[0.5, 0.5]])


# 3. Rows connected to a label but left without mass by the solver ------------------------

@pytest.mark.parametrize("cls, seed", [(SparseLabelSpreading, 3), (SparseLabelPropagation, 2)],
                         ids=["spreading", "propagation"])
def test_every_row_connected_to_a_label_gets_one_on_unscaled_features(cls, seed):
    # Two clusters around 100 and 300 (sd 5), the labels at one edge of each: with
    # gamma=20 the rbf weights span hundreds of orders of magnitude, and before the fix
    # the solver stopped with far rows at zero (accuracy 0.63 spreading, 0.85 propagation).
    rng = np.random.default_rng(seed)
    X = np.r_[np.sort(rng.normal(100, 5, 50)), np.sort(rng.normal(300, 5, 50))][:, None]
    truth = np.repeat([0, 1], 50)
    y = np.full(100, -1)
    y[[0, 1, 2, 50, 51, 52]] = truth[[0, 1, 2, 50, 51, 52]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = cls(kernel="rbf").fit(X, y)
    reachable = labeled_components(model._build_graph(), y >= 0)
    assert model.n_extended_ > 0
    assert model.n_unreached_ == (~reachable).sum()
    assert (model.transduction_[reachable] == truth[reachable]).all()
    unreached_warnings = [w for w in caught if issubclass(w.category, SemiloopWarning)]
    assert len(unreached_warnings) == (1 if model.n_unreached_ else 0)
    with np.errstate(all="ignore"):
        reference = semi_supervised.LabelSpreading().fit(X, y)
    assert (model.transduction_ == truth).mean() >= (reference.transduction_ == truth).mean()


# 4. Imbalanced seeds ----------------------------------------------------------------------

def test_the_default_balances_seed_mass_so_no_class_floods():
    X, truth = make_blobs(800, centers=[[0, 0], [10, 0], [0, 10], [10, 10]], cluster_std=2.5,
                          random_state=0)
    y = np.full(800, -1)
    y[np.flatnonzero(truth == 0)[:60]] = 0
    for label in (1, 2, 3):
        y[np.flatnonzero(truth == label)[:3]] = label
    balanced = SparseLabelSpreading().fit(X, y)
    flooded = SparseLabelSpreading(class_balance=None).fit(X, y)
    assert SparseLabelSpreading().class_balance == "seeds"
    accuracy = lambda model: (model.transduction_ == truth).mean()  # noqa: E731
    assert accuracy(balanced) > 0.93 and accuracy(flooded) < 0.82      # 0.954 and 0.796
    assert np.bincount(balanced.transduction_).min() > 180


# 5. Callable kernels, dense or sparse ------------------------------------------------------

def _kernels():
    def dense(A, B):
        return np.exp(-((A[:, None, :] - B[None]) ** 2).sum(-1))
    return {"dense": dense,
            "csr_matrix": lambda A, B: sparse.csr_matrix(dense(A, B)),
            "csr_array": lambda A, B: sparse.csr_array(dense(A, B))}


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("kind", ["dense", "csr_matrix", "csr_array"])
def test_callable_kernels_dense_or_sparse(cls, kind):
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (20, 2)), rng.normal(6, 1, (20, 2))]
    y = np.full(40, -1)
    y[[0, 20]] = [0, 1]
    model = cls(kernel=_kernels()[kind]).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == np.repeat([0, 1], 20)).all()


# 6. The graph is built where scikit-learn builds it ---------------------------------------

@pytest.mark.parametrize("ours, theirs", DROP_INS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("kernel", ["rbf", "knn"])
def test_build_graph_is_scikit_learns(ours, theirs, kernel):
    params = {"kernel": kernel, "gamma": 1, "n_neighbors": 3}
    mine, reference = ours(**params), theirs(**params)
    for model in (mine, reference):
        model.X_ = X_SIX
    a, b = mine._build_graph(), reference._build_graph()
    a, b = (m.toarray() if sparse.issparse(m) else m for m in (a, b))
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("cls", [SparseLabelSpreading, SparseLabelPropagation])
def test_sparse_build_graph_is_the_symmetric_graph_without_self_loops(cls):
    model = cls(n_neighbors=2).fit(X_SIX, MARKERS["-1"])
    W = model._build_graph().toarray()
    assert np.allclose(W, W.T) and np.all(np.diag(W) == 0) and (W > 0).sum(axis=1).min() >= 2


# 8. numpy.seterr(all="raise") in user code -------------------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("kernel", ["rbf", "knn"])
def test_underflow_never_raises(cls, kernel):
    X, y = _two_far_clusters()
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("ignore", SemiloopWarning)
        model = cls(kernel=kernel, n_neighbors=3).fit(X, y)
        proba = model.predict_proba(np.r_[X[:5], [[1e3, 1e3]]])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


# Docstrings --------------------------------------------------------------------------------

PATTERN = re.compile(r"^    (\w+) : .*?default=(.+?)\s*$", re.MULTILINE)


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_signature(cls):
    documented = dict(PATTERN.findall(cls.__doc__.replace("\\\n", "")))
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.default is inspect.Parameter.empty:
            continue
        written = documented[name].replace('"', "'")
        assert written in (repr(parameter.default), str(parameter.default)), name


def test_conjugate_gradient_returns_each_columns_best_iterate_without_copying_every_step():
    from semiloop.methods.sparse_solve import _iterate, conjugate_gradient

    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(40, 40)))
    A = (Q * np.logspace(-7, 0, 40)) @ Q.T          # SPD and badly conditioned
    B = rng.normal(size=(40, 3))
    X, n_iter, residual = conjugate_gradient(lambda V: A @ V, B, tol=1e-12, max_iter=60)
    *_, best_iter, best_rho = _iterate(lambda V: A @ V, B, 1e-12,
                                       np.linalg.norm(B, axis=0), 60, None)
    assert n_iter == 60 and (best_iter < n_iter).any()   # some columns were replayed
    np.testing.assert_allclose(residual, np.sqrt(best_rho) / np.linalg.norm(B, axis=0))
    for column in range(3):
        alone = _iterate(lambda V: A @ V, B, 0.0, np.linalg.norm(B, axis=0),
                         int(best_iter[column]), None)[0]
        np.testing.assert_array_equal(X[:, column], alone[:, column])
