"""TableEncoder: pass-through, one-hot, missing values, column checks (roles: see _roles)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from semiloop.data import load_dataset
from semiloop.errors import DataError, FeatureMismatchError, SemiloopWarning
from semiloop.features import TableEncoder


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "size": [1, 2, 3, 4],
            "weight": [0.5, 1.5, 2.5, 3.5],
            "color": ["red", "blue", "red", "green"],
            "fresh": [True, False, True, True],
        }
    )


def test_numeric_pass_through_and_categoricals_one_hot(frame):
    encoder = TableEncoder().fit(frame)
    encoded = encoder.transform(frame)
    assert encoded.dtype == np.float64
    assert encoder.get_feature_names_out().tolist() == [
        "size", "weight", "color_blue", "color_green", "color_red", "fresh_False", "fresh_True",
    ]
    np.testing.assert_array_equal(encoded[:, 0], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(encoded[:, 1], [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_array_equal(encoded[:, 2:5], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(encoded[:, 5:], [[0, 1], [1, 0], [0, 1], [0, 1]])
    assert encoder.numeric_columns_ == ["size", "weight"]
    assert encoder.categorical_columns_ == ["color", "fresh"]


def test_category_dtype_is_one_hot_encoded(frame):
    frame = frame.assign(color=frame["color"].astype("category"))
    encoded = TableEncoder().fit_transform(frame)
    assert encoded.shape == (4, 7)


def test_column_order_may_differ_at_prediction(frame):
    encoder = TableEncoder().fit(frame)
    reordered = frame[["fresh", "color", "weight", "size"]]
    np.testing.assert_array_equal(encoder.transform(reordered), encoder.transform(frame))


def test_unseen_category_encodes_as_zeros_with_a_warning(frame):
    encoder = TableEncoder().fit(frame)
    row = frame.iloc[[0]].assign(color="purple")
    with pytest.warns(SemiloopWarning, match="column 'color': 1 of 1 row.*'purple'"):
        encoded = encoder.transform(row)
    np.testing.assert_array_equal(encoded[0, 2:5], [0.0, 0.0, 0.0])


def test_columns_differ_between_training_and_prediction(frame):
    encoder = TableEncoder().fit(frame)
    changed = frame.drop(columns=["weight"]).assign(shape="round")
    with pytest.raises(FeatureMismatchError, match="missing \\['weight'\\]") as error:
        encoder.transform(changed)
    message = str(error.value)
    assert "unexpected ['shape']" in message
    assert "must have the training columns" in message
    assert isinstance(error.value, DataError)


def test_numeric_column_turned_text_is_a_mismatch(frame):
    encoder = TableEncoder().fit(frame)
    with pytest.raises(FeatureMismatchError, match="'size' was numeric in training"):
        encoder.transform(frame.assign(size=["small", "big", "big", "small"]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_features_is_an_error(frame, bad):
    frame = frame.assign(weight=[0.5, bad, 2.5, 3.5], size=[1.0, 2.0, bad, 4.0])
    with pytest.raises(DataError, match=r"2 row\(s\) have missing values") as error:
        TableEncoder().fit(frame)
    message = str(error.value)
    assert "['size', 'weight']" in message
    assert "nan_policy='impute'" in message
    assert error.value.options == {"nan_policy": "impute"}


def test_nan_at_prediction_is_an_error_too(frame):
    encoder = TableEncoder().fit(frame)
    with pytest.raises(DataError, match=r"1 row\(s\).*\['weight'\]"):
        encoder.transform(frame.assign(weight=[0.5, np.nan, 2.5, 3.5]))


def test_impute_fills_median_and_most_frequent(frame):
    frame = frame.assign(
        weight=[1.0, np.inf, 3.0, 10.0],
        color=["red", None, "red", "blue"],
    )
    encoder = TableEncoder(nan_policy="impute").fit(frame)
    encoded = encoder.transform(frame)
    assert np.isfinite(encoded).all()
    assert encoded[1, 1] == 3.0
    names = encoder.get_feature_names_out().tolist()
    assert names[2:4] == ["color_blue", "color_red"]
    np.testing.assert_array_equal(encoded[1, 2:4], [0.0, 1.0])
    fresh = pd.DataFrame({"size": [np.nan], "weight": [np.nan], "color": [None], "fresh": [True]})
    assert encoder.transform(fresh)[0, :4].tolist() == [2.5, 3.0, 0.0, 1.0]


def test_unknown_nan_policy_lists_valid_ones(frame):
    with pytest.raises(DataError, match=r"nan_policy='drop'.*'error', 'impute'"):
        TableEncoder(nan_policy="drop").fit(frame)


def test_unsupported_dtype_is_an_error(frame):
    frame = frame.assign(when=pd.to_datetime(["2024-01-01"] * 4))
    with pytest.raises(DataError, match="'when' has dtype datetime64"):
        TableEncoder().fit(frame)


def test_arrays_get_x_column_names():
    encoder = TableEncoder().fit(np.arange(6.0).reshape(3, 2))
    assert encoder.get_feature_names_out().tolist() == ["x0", "x1"]
    with pytest.raises(FeatureMismatchError, match="missing \\['x1'\\]"):
        encoder.transform(np.zeros((2, 1)))


def test_is_a_scikit_learn_transformer(frame):
    encoder = TableEncoder(nan_policy="impute")
    assert clone(encoder).get_params() == {"nan_policy": "impute", "roles": None,
                                           "max_categories": 100, "random_state": 0,
                                           "text": "tfidf", "text_components": 100}
    model = make_pipeline(TableEncoder(), LogisticRegression()).fit(frame, [0, 1, 0, 1])
    assert model.predict(frame).shape == (4,)


def test_set_output_pandas_uses_feature_names(frame):
    encoded = TableEncoder().set_output(transform="pandas").fit_transform(frame)
    assert list(encoded.columns)[:3] == ["size", "weight", "color_blue"]


def test_encodes_the_features_of_a_loaded_dataset(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text("x,kind,label\n1.0,a,yes\n2.0,b,?\n3.0,a,no\n4.0,c,yes\n5.0,b,no\n")
    dataset = load_dataset(path, "label", unlabeled_marker="?")
    encoded = TableEncoder().fit_transform(dataset.features)
    assert encoded.shape == (5, 4)
    assert dataset.classes.tolist() == ["no", "yes"]
