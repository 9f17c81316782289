"""TableEncoder says what it inferred, caps one-hot columns, and checks values unseen in training.

Issue 10: ids, free text and many-valued columns were one-hot encoded silently
(298 GiB at 200,000 rows), and unknown values at prediction time were encoded
as zeros without a word.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from semiloop import cli
from semiloop.errors import DataError, FeatureMismatchError, SemiloopWarning
from semiloop.features import TableEncoder
from semiloop.features.roles import looks_like_row_number
from semiloop.persistence import load_model, save_model


def fit_recording(encoder, frame):
    """Fit ``encoder`` and return it with the semiloop warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoder.fit(frame)
    return encoder, [w.message for w in caught if issubclass(w.category, SemiloopWarning)]


def transform_recording(encoder, frame):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoded = encoder.transform(frame)
    return encoded, [w.message for w in caught if issubclass(w.category, SemiloopWarning)]


def fit_quietly(encoder, frame):
    return fit_recording(encoder, frame)[0]


def base_table(n_rows, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n_rows),
                         "plan": rng.choice(["basic", "pro", "team"], n_rows)})


# Fit: every inferred id or text role is announced, with options the CLI can spell.

def test_a_string_id_is_set_aside_with_a_warning_that_names_id_column_and_roles():
    frame = base_table(200).assign(customer=[f"c{i:05d}" for i in range(1, 201)])
    encoder, notices = fit_recording(TableEncoder(), frame)
    assert encoder.roles_["customer"] == "id"
    assert not any(name.startswith("customer") for name in encoder.get_feature_names_out())
    [notice] = notices
    assert str(notice) == (
        "column 'customer' looks like a row id (200 distinct values in 200 rows) and is set "
        "aside, not used as a feature; if it is the row id, name it as the id column "
        "(id_column) or pass roles={'customer': 'id'} to say so; to use it as a feature, pass "
        "roles={'customer': 'text'} for its words or {'customer': 'categorical'}")
    assert notice.options == {"id_column": None, "roles": {"customer": "id"}}


def test_the_id_warning_names_the_command_line_id_option():
    frame = base_table(200).assign(customer=[f"c{i:05d}" for i in range(200)])
    [notice] = fit_recording(TableEncoder(), frame)[1]
    text = cli._cli_message(str(notice), notice.options, "train")
    assert "--id" in text
    assert "roles=" not in text and "id_column" not in text


def test_a_given_role_is_not_announced():
    frame = base_table(200).assign(customer=[f"c{i:05d}" for i in range(200)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SemiloopWarning)
        encoder = TableEncoder(roles={"customer": "id"}).fit(frame)
    assert encoder.id_columns_ == ["customer"]


@pytest.mark.parametrize("values", [
    [f"order {i}" for i in range(300)],
    [f"Jane Doe{i}" for i in range(300)],
], ids=["order-number", "names"])
def test_nearly_distinct_short_phrases_are_ids_not_thousands_of_categories(values):
    frame = base_table(300).assign(customer=values)
    encoder, notices = fit_recording(TableEncoder(), frame)
    assert encoder.roles_["customer"] == "id"
    assert "column 'customer' looks like a row id" in str(notices[0])
    as_text = fit_quietly(TableEncoder(roles={"customer": "text"}), frame)
    assert as_text.text_columns_ == ["customer"]


def test_an_integer_row_number_stays_numeric_with_a_warning():
    frame = base_table(200).assign(row=np.random.default_rng(1).permutation(200) + 1)
    encoder, notices = fit_recording(TableEncoder(), frame)
    assert encoder.roles_["row"] == "numeric"
    assert "row" in encoder.get_feature_names_out().tolist()
    [notice] = notices
    assert str(notice) == (
        "column 'row' holds each whole number from 1 to 200 once, like a row number, and is "
        "kept as a numeric feature, so predictions depend on where a row sits in the table; "
        "if it is the row id, name it as the id column (id_column) or pass roles={'row': 'id'} "
        "to set it aside; to keep it without this warning, pass roles={'row': 'numeric'}")
    assert notice.options == {"id_column": None, "roles": {"row": "id"}}
    assert "--id" in cli._cli_message(str(notice), notice.options, "train")
    assert fit_recording(TableEncoder(roles={"row": "numeric"}), frame)[1] == []
    assert fit_quietly(TableEncoder(roles={"row": "id"}), frame).id_columns_ == ["row"]


@pytest.mark.parametrize("values, expected", [
    (np.arange(30), True),
    (np.arange(100, 130)[::-1], True),
    (np.arange(0, 60, 2), False),                 # gaps: a measurement, not a count
    (np.r_[np.arange(29), 5], False),             # a repeat
    (np.arange(19), False),                       # too short to tell
    (np.arange(30.0), False),                     # floats are measurements
    (np.arange(30) % 2 == 0, False),              # bools
], ids=["range", "reversed-offset", "gaps", "repeat", "short", "float", "bool"])
def test_what_looks_like_a_row_number(values, expected):
    assert looks_like_row_number(pd.Series(values)) is expected


def test_free_text_is_announced_with_the_text_option():
    rng = np.random.default_rng(0)
    notes = [" ".join(rng.choice(["late", "invoice", "refund", "call", "plan", "price"], 6))
             + f" ticket{i}" for i in range(200)]
    frame = base_table(200).assign(note=notes)
    encoder, notices = fit_recording(TableEncoder(text_components=5), frame)
    assert encoder.text_columns_ == ["note"]
    [notice] = notices
    assert str(notice) == (
        "column 'note' looks like free text (200 distinct values in 200 rows, 7 words in the "
        "median value) and is encoded as TF-IDF of its words and word pairs reduced to at "
        "most 5 columns; pass roles={'note': 'text'} to say so, text='embeddings' for sentence "
        "embeddings, or roles={'note': 'id'} to set it aside")
    assert notice.options == {"roles": {"note": "text"}, "text": "embeddings"}
    assert "roles=" not in cli._cli_message(str(notice), notice.options, "train")


# Fit: a categorical column never becomes more than max_categories columns.

def many_codes(n_rows=5000, n_codes=3000, seed=0):
    """Short codes, ``n_codes`` distinct in ``n_rows`` (share 0.6): categorical, not an id."""
    rng = np.random.default_rng(seed)
    codes = np.r_[np.arange(n_codes), rng.integers(0, n_codes, n_rows - n_codes)]
    return base_table(n_rows, seed).assign(code=[f"K{code:04d}" for code in rng.permutation(codes)])


def test_a_column_of_many_codes_is_capped_at_max_categories_with_a_warning():
    frame = many_codes()
    encoder, notices = fit_recording(TableEncoder(), frame)
    assert encoder.roles_["code"] == "categorical"
    names = encoder.get_feature_names_out().tolist()
    assert len(names) == 1 + 3 + 100
    assert names[-1] == "code_infrequent_sklearn"
    encoded = encoder.transform(frame)
    assert encoded.shape == (5000, 104)
    np.testing.assert_array_equal(encoded[:, 4:].sum(axis=1), 1.0)
    [notice] = notices
    kept = frame["code"].isin([name[5:] for name in names[4:-1]])
    assert str(notice) == (
        "column 'code' has 3000 distinct values in 5000 rows, more than the 100 one-hot "
        "columns a categorical column may have: the 99 most frequent get a column each and the "
        "other 2901, in "
        f"{int((~kept).sum())} rows, share the column 'code_infrequent_sklearn'; if it holds "
        "row ids, name it as the id column (id_column) or pass roles={'code': 'id'}; for free "
        "text, pass roles={'code': 'text'}; to keep more categories, raise max_categories "
        "(None keeps them all)")
    assert notice.options == {"id_column": None, "roles": {"code": "id"}}
    assert "--id" in cli._cli_message(str(notice), notice.options, "train")


def test_max_categories_none_keeps_every_category_and_small_columns_are_untouched():
    frame = many_codes(n_rows=500, n_codes=300)
    encoder = fit_quietly(TableEncoder(max_categories=None), frame)
    assert len(encoder.get_feature_names_out()) == 1 + 3 + 300
    new = frame.assign(code=["NEW"] * 10 + frame["code"].iloc[10:].tolist())
    encoded, [notice] = transform_recording(encoder, new)
    assert "10 of 500 row(s) (2.0%)" in str(notice)
    assert "encoded as no known category" in str(notice)
    np.testing.assert_array_equal(encoded[:10, 4:], 0.0)
    _, notices = fit_recording(TableEncoder(max_categories=4), frame.drop(columns=["code"]))
    assert notices == []


@pytest.mark.parametrize("value", [1, 0, 2.5, "10", True])
def test_max_categories_must_be_none_or_at_least_two(value):
    with pytest.raises(DataError, match=rf"max_categories={value!r} must be None or a whole"):
        TableEncoder(max_categories=value).fit(base_table(10))


def test_a_200000_row_table_with_an_id_and_many_codes_stays_small():
    rng = np.random.default_rng(0)
    n_rows = 200_000
    frame = base_table(n_rows).assign(
        order=[f"order {i}" for i in rng.permutation(n_rows)],       # was 298 GiB dense
        code=[f"K{code:06d}" for code in rng.integers(0, 150_000, n_rows)],
    )
    encoder, notices = fit_recording(TableEncoder(), frame)
    assert encoder.roles_ == {"x": "numeric", "plan": "categorical", "order": "id",
                              "code": "categorical"}
    assert encoder.transform(frame).shape == (n_rows, 1 + 3 + 100)
    assert [str(notice).split(" ")[1] for notice in notices] == ["'order'", "'code'"]


# Predict: values never seen in training are counted, once per column.

@pytest.fixture
def churn():
    """A table whose 'plan' is text in training, as in the churn example of issue 10."""
    frame = base_table(1000)
    return fit_quietly(TableEncoder(), frame), frame


def test_a_few_unseen_categories_warn_once_with_count_share_and_examples(churn):
    encoder, frame = churn
    new = frame.copy()
    new.loc[:36, "plan"] = ["gold", "vip"] * 18 + ["gold"]
    encoded, notices = transform_recording(encoder, new)
    [notice] = notices
    assert str(notice) == (
        "column 'plan': 37 of 1000 row(s) (3.7%) hold values not seen in training, for "
        "example 'gold', 'vip'; they are encoded as no known category (all of its one-hot "
        "columns 0); check that this table is the same kind as the training table, or train "
        "again on data with these values")
    np.testing.assert_array_equal(encoded[:37, 1:4], 0.0)
    np.testing.assert_array_equal(encoded[37:], encoder.transform(frame)[37:])


def test_numbers_where_training_had_categories_are_refused(churn):
    encoder, frame = churn
    coded = frame.assign(plan=frame["plan"].map({"basic": 1, "pro": 2, "team": 3}))
    with pytest.raises(FeatureMismatchError) as error:
        encoder.transform(coded)
    assert str(error.value) == (
        f"none of the 1000 values in column 'plan' was seen in training (for example "
        f"{', '.join(repr(str(v)) for v in pd.unique(coded['plan'])[:3])}; training had "
        "'basic', 'pro', 'team'), so every row would be encoded as no known category (all "
        "of its one-hot columns 0); check that this table is the same kind as the training "
        "table, with this column coded the same way")


def test_a_handful_of_rows_all_unseen_only_warn(churn):
    encoder, frame = churn
    encoded, notices = transform_recording(encoder, frame.iloc[:19].assign(plan="gold"))
    assert len(notices) == 1 and "19 of 19 row(s) (100.0%)" in str(notices[0])
    np.testing.assert_array_equal(encoded[:, 1:4], 0.0)
    with pytest.raises(FeatureMismatchError, match="none of the 20 values"):
        encoder.transform(frame.iloc[:20].assign(plan="gold"))


def test_missing_values_are_not_counted_as_unseen():
    frame = base_table(100).assign(plan=["basic", None] * 50)
    encoder = fit_quietly(TableEncoder(nan_policy="impute"), frame)
    _, notices = transform_recording(encoder, frame.assign(plan=[None] * 99 + ["pro"]))
    assert len(notices) == 1 and "1 of 100 row(s) (1.0%)" in str(notices[0])
    _, notices = transform_recording(encoder, frame.assign(plan=[None] * 100))
    assert notices == []


def test_unseen_values_of_a_capped_column_go_to_its_infrequent_column():
    frame = many_codes(n_rows=500, n_codes=300)
    encoder = fit_quietly(TableEncoder(), frame)
    new = frame.iloc[:50].assign(code=["NEW1"] * 5 + frame["code"].iloc[5:50].tolist())
    encoded, notices = transform_recording(encoder, new)
    [notice] = notices
    assert "5 of 50 row(s) (10.0%)" in str(notice)
    assert "encoded as the infrequent category (column 'code_infrequent_sklearn')" in str(notice)
    np.testing.assert_array_equal(encoded[:5, -1], 1.0)


def test_one_warning_per_column_not_per_row():
    frame = base_table(1000).assign(size=np.random.default_rng(0).choice(["s", "m", "l"], 1000))
    encoder = fit_quietly(TableEncoder(), frame)
    new = frame.assign(plan=["gold"] * 500 + ["pro"] * 500, size=["xl"] * 999 + ["m"])
    _, notices = transform_recording(encoder, new)
    assert [str(notice).split(":")[0] for notice in notices] == ["column 'plan'", "column 'size'"]


# Predict: text where numbers belong is refused unless it parses.

def test_text_in_a_numeric_column_is_refused_with_count_and_examples(churn):
    encoder, frame = churn
    new = frame.assign(x=frame["x"].astype(object))
    new.loc[[3, 4, 8], "x"] = ["n/a", "?", "n/a"]
    with pytest.raises(FeatureMismatchError) as error:
        encoder.transform(new)
    assert str(error.value) == (
        "column 'x' was numeric in training but now holds non-numbers (3 of 1000 values, for "
        "example 'n/a', '?'), which cannot be converted; give it numbers as in training, and "
        "check that this table is the same kind as the training table")


def test_numbers_written_as_text_are_read_as_numbers(churn):
    encoder, frame = churn
    as_text = frame.assign(x=[f" {value!r} " for value in frame["x"]])
    np.testing.assert_array_equal(encoder.transform(as_text), encoder.transform(frame))


def test_empty_text_in_a_numeric_column_is_a_missing_value():
    frame = base_table(30)
    encoder = fit_quietly(TableEncoder(nan_policy="impute"), frame)
    new = frame.assign(x=frame["x"].astype(object))
    new.loc[0, "x"] = " "
    assert encoder.transform(new)[0, 0] == np.median(frame["x"])
    with pytest.raises(DataError, match=r"1 row\(s\) have missing values"):
        fit_quietly(TableEncoder(), frame).transform(new)


def test_a_numeric_role_on_text_names_the_count_and_another_role():
    frame = base_table(30)
    with pytest.raises(DataError) as error:
        TableEncoder(roles={"plan": "numeric"}).fit(frame)
    assert str(error.value).startswith(
        "column 'plan' has the role 'numeric' but holds non-numbers (30 of 30 values, for "
        f"example {', '.join(repr(v) for v in pd.unique(frame['plan'])[:3])}); give it numbers, "
        "or another role, for example roles={'plan': 'categorical'}")
    assert error.value.options == {"roles": {"plan": "categorical"}}


def test_a_text_column_without_a_known_word_is_refused():
    rng = np.random.default_rng(0)
    words = ["late", "invoice", "refund", "call", "plan", "price", "order", "parcel"]
    frame = base_table(200).assign(note=[" ".join(rng.choice(words, 5)) for _ in range(200)])
    encoder = fit_quietly(TableEncoder(roles={"note": "text"}, text_components=3), frame)
    with pytest.raises(FeatureMismatchError, match="none of the 200 texts in column 'note' "
                                                   "holds a word seen in training"):
        encoder.transform(frame.assign(note=[str(value) for value in range(200)]))
    partly = frame.assign(note=["12345"] * 100 + frame["note"].iloc[100:].tolist())
    assert encoder.transform(partly).shape == (200, 1 + 3 + 3)


# The scikit-learn contract holds with the new option.

def test_clone_keeps_max_categories_and_names_follow_the_cap():
    encoder = clone(TableEncoder(max_categories=3))
    assert encoder.get_params()["max_categories"] == 3
    frame = pd.DataFrame({"x": np.arange(40.0) % 7,
                          "kind": ["a"] * 20 + ["b"] * 10 + ["c"] * 5 + ["d"] * 5})
    fit_quietly(encoder, frame)
    assert encoder.get_feature_names_out().tolist() == ["x", "kind_a", "kind_b",
                                                        "kind_infrequent_sklearn"]
    encoded = encoder.set_output(transform="pandas").transform(frame)
    assert list(encoded.columns)[-1] == "kind_infrequent_sklearn"
    assert encoded["kind_infrequent_sklearn"].sum() == 10


def test_a_capped_encoder_survives_a_model_file(tmp_path):
    frame = many_codes(n_rows=500, n_codes=300)
    encoder = fit_quietly(TableEncoder(), frame)
    save_model(encoder, tmp_path / "encoder.skops")
    loaded = load_model(tmp_path / "encoder.skops")
    new = frame.assign(code=["NEW", *frame["code"].iloc[1:].tolist()])
    encoded, notices = transform_recording(loaded, new)
    np.testing.assert_array_equal(encoded, transform_recording(encoder, new)[0])
    assert "encoded as the infrequent category" in str(notices[0])
