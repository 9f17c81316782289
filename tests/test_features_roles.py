"""TableEncoder roles: inference, explicit roles, ids set aside, free text to TF-IDF."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from semiloop.errors import DataError, FeatureMismatchError, SemiloopError, SemiloopWarning
from semiloop.features import TableEncoder, TfidfText, infer_roles
from semiloop.persistence import load_model, save_model

TOPICS = [[f"topic{label}word{index}" for index in range(15)] for label in range(3)]
COMMON = [f"common{index}" for index in range(300)]


def mixed_table(n_rows=600, seed=0):
    """Numeric, categorical, id and free-text columns; the class shows only in the text."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n_rows)
    notes = []
    for label in y:
        words = [rng.choice(TOPICS[label]) if rng.random() < 0.25 else rng.choice(COMMON)
                 for _ in range(rng.integers(6, 14))]
        notes.append(" ".join(words))
    frame = pd.DataFrame({
        "amount": rng.normal(size=n_rows),
        "plan": rng.choice(["basic", "pro", "team"], n_rows),
        "customer": [f"C{index:05d}" for index in rng.permutation(n_rows)],
        "note": notes,
    })
    return frame, y


def fit_quietly(encoder, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemiloopWarning)
        return encoder.fit(frame)


def test_roles_are_inferred_and_an_id_is_set_aside_with_a_warning():
    frame, _ = mixed_table()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoder = TableEncoder().fit(frame)
    assert [str(w.message)[:40] for w in caught] == ["column 'customer' looks like a row id (6",
                                                     "column 'note' looks like free text (600 "]
    assert encoder.roles_ == {"amount": "numeric", "plan": "categorical", "customer": "id",
                              "note": "text"}
    assert infer_roles(frame) == encoder.roles_
    assert (encoder.numeric_columns_, encoder.categorical_columns_, encoder.id_columns_,
            encoder.text_columns_) == (["amount"], ["plan"], ["customer"], ["note"])
    names = encoder.get_feature_names_out().tolist()
    assert not any(name.startswith("customer") for name in names)
    assert names[:4] == ["amount", "plan_basic", "plan_pro", "plan_team"]
    assert names[4:6] == ["note_svd0", "note_svd1"]
    encoded = encoder.transform(frame)
    assert encoded.shape == (600, len(names)) and encoded.dtype == np.float64


def test_an_id_column_changes_nothing_and_need_not_be_present_at_prediction():
    frame, _ = mixed_table(n_rows=200)
    encoder = fit_quietly(TableEncoder(), frame)
    expected = encoder.transform(frame)
    shuffled = frame.assign(customer=frame["customer"].iloc[::-1].to_numpy())
    np.testing.assert_array_equal(encoder.transform(shuffled), expected)
    np.testing.assert_array_equal(encoder.transform(frame.drop(columns=["customer"])), expected)


def test_explicit_roles_override_inference_without_a_warning():
    frame, _ = mixed_table(n_rows=200)
    roles = {"customer": "id", "note": "categorical", "amount": "categorical"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", SemiloopWarning)
        encoder = TableEncoder(roles=roles, max_categories=None).fit(frame)
    assert encoder.roles_ == {**roles, "plan": "categorical"}
    assert encoder.transform(frame).shape[1] == 200 + 3 + frame["note"].nunique()
    as_feature = fit_quietly(TableEncoder(roles={"customer": "categorical"},
                                          max_categories=None), frame)
    assert as_feature.roles_["customer"] == "categorical"
    assert "customer_C00000" in as_feature.get_feature_names_out().tolist()


def test_free_text_gives_few_columns_and_one_hot_knows_none_of_the_held_out_rows():
    frame, y = mixed_table(n_rows=600)
    train, test = frame.iloc[:300], frame.iloc[300:]
    encoder = fit_quietly(TableEncoder(), train)
    model = LogisticRegression(max_iter=2000).fit(encoder.transform(train), y[:300])
    assert len(encoder.get_feature_names_out()) <= 1 + 3 + 100
    assert model.score(encoder.transform(test), y[300:]) >= 0.85
    one_hot = fit_quietly(TableEncoder(roles={"note": "categorical"}), train)
    assert len(one_hot.get_feature_names_out()) == 1 + 3 + 100
    with pytest.raises(FeatureMismatchError, match="none of the 300 values in column 'note'"):
        one_hot.transform(test)


def test_encoding_is_deterministic_and_survives_a_model_file(tmp_path):
    frame, _ = mixed_table(n_rows=200)
    first = fit_quietly(TableEncoder(), frame)
    second = fit_quietly(TableEncoder(), frame)
    np.testing.assert_array_equal(first.transform(frame), second.transform(frame))
    save_model(first, tmp_path / "encoder.skops")
    np.testing.assert_array_equal(load_model(tmp_path / "encoder.skops").transform(frame),
                                  first.transform(frame))


def test_missing_text_is_empty_text_not_an_error():
    frame, _ = mixed_table(n_rows=100)
    frame.loc[[3, 7], "note"] = None
    encoder = fit_quietly(TableEncoder(), frame)
    assert np.isfinite(encoder.transform(frame)).all()


def test_small_vocabularies_stay_as_words():
    texts = pd.Series([f"the {color} cat sat" for color in ("red", "blue")] * 15)
    encoder = TableEncoder(roles={"note": "text"}).fit(pd.DataFrame({"note": texts}))
    assert "note_red cat" in encoder.get_feature_names_out().tolist()
    assert len(encoder.get_feature_names_out()) < 100


def test_small_tables_and_short_labels_stay_categorical():
    frame = pd.DataFrame({"city": [f"New York borough {i % 5}" for i in range(40)],
                          "code": [f"k{i}" for i in range(19)] + ["k0"] * 21})
    assert infer_roles(frame) == {"city": "categorical", "code": "categorical"}


@pytest.mark.parametrize("roles, message", [
    ({"note": "free text"}, r"roles \{'note': 'free text'\} are not known; use one of numeric"),
    ({"absent": "id"}, r"roles name column\(s\) \['absent'\]"),
    (["note"], "roles must be a dict"),
])
def test_bad_roles_are_errors(roles, message):
    frame, _ = mixed_table(n_rows=50)
    with pytest.raises(DataError, match=message):
        TableEncoder(roles=roles).fit(frame)


def test_a_table_of_ids_only_is_an_error():
    frame = pd.DataFrame({"customer": [f"C{i}" for i in range(30)]})
    with pytest.raises(DataError, match="every column is an id") as error:
        fit_quietly(TableEncoder(), frame)
    assert error.value.options == {"roles": {"customer": "categorical"}}


def test_text_without_words_names_the_column():
    frame = pd.DataFrame({"x": np.arange(30.0), "marks": ["! ?"] * 30})
    with pytest.raises(DataError, match=r"in text column\(s\) \['marks'\], the text has no words"):
        TableEncoder(roles={"marks": "text"}).fit(frame)


def test_numeric_role_on_text_is_an_error():
    frame, _ = mixed_table(n_rows=50)
    with pytest.raises(DataError, match="'plan' has the role 'numeric' but holds non-numbers"):
        fit_quietly(TableEncoder(roles={"plan": "numeric"}), frame)


@pytest.mark.parametrize("params, message", [
    ({"text": "bag"}, r"text='bag' is not supported; use one of \('tfidf', 'embeddings'\)"),
    ({"text_components": 0}, "text_components=0 must be a positive whole number"),
])
def test_bad_text_options_are_errors(params, message):
    frame, _ = mixed_table(n_rows=50)
    with pytest.raises(DataError, match=message):
        TableEncoder(**params).fit(frame)


def test_tfidf_text_caps_its_columns():
    frame, _ = mixed_table(n_rows=300)
    featurizer = TfidfText(n_components=20).fit(frame["note"])
    assert featurizer.transform(frame["note"]).shape == (300, 20)
    assert featurizer.get_feature_names_out()[-1] == "svd19"


def test_embeddings_without_sentence_transformers_name_the_extra():
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("sentence-transformers is installed")
    frame, _ = mixed_table(n_rows=50)
    with pytest.raises(SemiloopError, match=r"pip install 'semiloop\[text\]'"):
        fit_quietly(TableEncoder(text="embeddings"), frame)


def test_embeddings_give_384_columns_per_text_column():
    pytest.importorskip("sentence_transformers")
    frame, _ = mixed_table(n_rows=50)
    encoder = fit_quietly(TableEncoder(text="embeddings"), frame)
    assert encoder.transform(frame).shape == (50, 1 + 3 + 384)
