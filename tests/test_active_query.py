"""The one query() call: registry, options, ids, errors, light imports."""

import ast
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import semiloop.active
from semiloop.active import STRATEGIES, query
from semiloop.errors import SemiloopError, SemiloopWarning

X = np.array([[-3.0, 0.0], [-1.0, 1.0], [0.1, 0.0], [1.0, -1.0], [3.0, 0.5], [-0.2, 0.3]])
MODEL = LogisticRegression().fit(X, [0, 0, 1, 1, 1, 0])


def test_every_name_in_all_imports():
    assert semiloop.active.__doc__
    for name in semiloop.active.__all__:
        assert getattr(semiloop.active, name) is not None


@pytest.mark.parametrize("strategy", sorted(set(STRATEGIES) - {"bald"}))
def test_every_strategy_gives_n_distinct_ids_and_a_score_per_row(strategy):
    ids = np.array(["a", "b", "c", "d", "e", "f"])
    chosen = query(strategy, MODEL, X, 3, ids=ids, X_labeled=X[:2], random_state=0)
    assert len(chosen.ids) == 3 and len(set(chosen.ids)) == 3 and set(chosen.ids) <= set(ids)
    assert chosen.scores.shape == (6,) and np.isfinite(chosen.scores).all()
    assert chosen.pool_ids.tolist() == ids.tolist() and chosen.strategy == strategy
    again = query(strategy, MODEL, X, 3, ids=ids, X_labeled=X[:2], random_state=0)
    assert again.ids.tolist() == chosen.ids.tolist()


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(SemiloopError, match=r"unknown query strategy 'uncertainty'.*'margin'"):
        query("uncertainty", MODEL, X, 2)
    with pytest.raises(SemiloopError, match="takes no option passes; its options: embedding"):
        query("k_center_greedy", MODEL, X, 2, passes=3)
    with pytest.raises(SemiloopError, match="options: none"):
        query("margin", MODEL, X, 2, passes=3)


def test_bad_sizes_and_ids_are_refused_and_a_large_n_warns():
    with pytest.raises(SemiloopError, match="n=0"):
        query("margin", MODEL, X, 0)
    with pytest.raises(SemiloopError, match="no rows"):
        query("margin", MODEL, X[:0], 1)
    with pytest.raises(SemiloopError, match="one distinct id per row"):
        query("margin", MODEL, X, 2, ids=[1, 1, 2, 3, 4, 5])
    with pytest.warns(SemiloopWarning, match="larger than the pool"):
        chosen = query("entropy", MODEL, X, 10)
    assert sorted(chosen.ids.tolist()) == list(range(6))


def test_k_center_greedy_takes_an_embedding():
    chosen = query("k_center_greedy", None, X, 2, X_labeled=X[:1],
                   embedding=lambda rows: np.asarray(rows)[:, :1])
    assert chosen.ids.tolist() == [4, 2]  # x = 3.0 is farthest from -3.0, then 0.1


def test_no_module_imports_torch_at_import_time():
    """``import semiloop.active`` stays light: torch only inside the deep code paths."""
    for path in Path(semiloop.active.__file__).parent.glob("*.py"):
        for node in ast.parse(path.read_text()).body:  # module-level statements only
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            heavy = [name for name in names
                     if name.split(".")[0] == "torch" or name.startswith("semiloop.methods")]
            assert not heavy, f"{path.name} imports {heavy} at module level"
