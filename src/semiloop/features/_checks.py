"""What :class:`~semiloop.features.TableEncoder` says and refuses about the values it encodes.

When fitting, a :class:`~semiloop.errors.SemiloopWarning` announces each
inferred role that changes what a column becomes (an id set aside, free text
featurised, an integer column that counts rows kept as a number) and each
categorical column with more categories than it may have columns. When
predicting, values that training never saw are counted column by column: a
few are encoded as no known category (or as the infrequent one) with one
warning per column; a column none of whose values is known is refused with
:class:`~semiloop.errors.FeatureMismatchError`, since its features would carry
nothing in any row; text where numbers belong is refused unless it parses.

Each warning names the column, what was done and how to change it, and
carries the Python options it names (``id_column``, ``roles``, ``text``) so
that the command line can spell its own.
"""

import numpy as np
import pandas as pd

from semiloop.errors import DataError, FeatureMismatchError, SemiloopWarning
from semiloop.features.roles import looks_like_row_number, median_words

__all__ = [
    "MIN_VALUES_TO_REFUSE",
    "capped_notice",
    "check_known",
    "check_words",
    "role_notice",
    "to_numbers",
]

#: A prediction column none of whose values is known is refused from this many
#: values on; fewer only warn, since a handful of rows may all bring a new category.
MIN_VALUES_TO_REFUSE = 20
_EXAMPLES = 3
_EXAMPLE_CHARS = 30
_SAME_KIND = "check that this table is the same kind as the training table"


def role_notice(column, role, *, text, text_components):
    """The warning that announces the inferred ``role`` of ``column``, or None.

    Ids, text, and integer columns that look like row numbers are announced;
    other numeric and categorical columns are not.
    """
    name = column.name
    values = column[column.notna()]
    counts = f"{values.nunique()} distinct values in {len(values)} rows"
    if role == "id":
        return SemiloopWarning(
            f"column {name!r} looks like a row id ({counts}) and is set aside, not used as "
            f"a feature; if it is the row id, name it as the id column (id_column) or pass "
            f"roles={{{name!r}: 'id'}} to say so; to use it as a feature, pass "
            f"roles={{{name!r}: 'text'}} for its words or {{{name!r}: 'categorical'}}",
            options={"id_column": None, "roles": {name: "id"}},
        )
    if role == "text":
        words = median_words(values.astype(str))
        if text == "tfidf":
            how = (f"TF-IDF of its words and word pairs reduced to at most "
                   f"{text_components} columns")
            other, other_name = "sentence embeddings", "embeddings"
        else:
            how, other, other_name = "sentence embeddings", "TF-IDF", "tfidf"
        return SemiloopWarning(
            f"column {name!r} looks like free text ({counts}, {words:g} words in the median "
            f"value) and is encoded as {how}; pass roles={{{name!r}: 'text'}} to say so, "
            f"text={other_name!r} for {other}, or roles={{{name!r}: 'id'}} to set it aside",
            options={"roles": {name: "text"}, "text": other_name},
        )
    if role == "numeric" and looks_like_row_number(column):
        return SemiloopWarning(
            f"column {name!r} holds each whole number from {values.min()} to {values.max()} "
            f"once, like a row number, and is kept as a numeric feature, so predictions depend "
            f"on where a row sits in the table; if it is the row id, name it as the id column "
            f"(id_column) or pass roles={{{name!r}: 'id'}} to set it aside; to keep it "
            f"without this warning, pass roles={{{name!r}: 'numeric'}}",
            options={"id_column": None, "roles": {name: "id"}},
        )
    return None


def capped_notice(name, values, categories, infrequent):
    """The warning for a categorical column whose rarer ``infrequent`` categories share a column.

    Parameters
    ----------
    name : str
    values : ndarray of object, shape (n_samples,)
        The training values, as the one-hot encoder saw them.
    categories, infrequent : ndarray of str
        All training categories, and those grouped as infrequent.
    """
    n_infrequent_rows = int(pd.Series(values, dtype=object).isin(infrequent).sum())
    n_kept = len(categories) - len(infrequent)
    return SemiloopWarning(
        f"column {name!r} has {len(categories)} distinct values in {len(values)} rows, more "
        f"than the {n_kept + 1} one-hot columns a categorical column may have: the {n_kept} "
        f"most frequent get a column each and the other {len(infrequent)}, in "
        f"{n_infrequent_rows} rows, share the column '{name}_infrequent_sklearn'; if it holds "
        f"row ids, name it as the id column (id_column) or pass roles={{{name!r}: 'id'}}; "
        f"for free text, pass roles={{{name!r}: 'text'}}; to keep more categories, raise "
        "max_categories (None keeps them all)",
        options={"id_column": None, "roles": {name: "id"}},
    )


def check_known(name, values, categories, *, as_infrequent):
    """Count the values of one categorical column that training never saw.

    Parameters
    ----------
    name : str
    values : ndarray of object, shape (n_samples,)
        The column as text, NaN where missing.
    categories : ndarray of str
        The training categories.
    as_infrequent : bool
        Whether unseen values are encoded as the infrequent category (else
        as no category: all the column's one-hot columns 0).

    Returns
    -------
    warning : SemiloopWarning or None
        None when every value is known (or missing).

    Raises
    ------
    FeatureMismatchError
        When none of at least :data:`MIN_VALUES_TO_REFUSE` values is known.
    """
    series = pd.Series(values, dtype=object)
    present = series.notna()
    unseen = present & ~series.isin(categories)
    n_unseen, n_present = int(unseen.sum()), int(present.sum())
    if n_unseen == 0:
        return None
    if as_infrequent:
        what = f"the infrequent category (column '{name}_infrequent_sklearn')"
    else:
        what = "no known category (all of its one-hot columns 0)"
    if n_unseen == n_present >= MIN_VALUES_TO_REFUSE:
        raise FeatureMismatchError(
            f"none of the {n_present} values in column {name!r} was seen in training (for "
            f"example {_examples(series[unseen])}; training had {_examples(categories)}), so "
            f"every row would be encoded as {what}; {_SAME_KIND}, with this column coded "
            "the same way"
        )
    return SemiloopWarning(
        f"column {name!r}: {n_unseen} of {len(series)} row(s) ({_share(n_unseen, len(series))}) "
        f"hold values not seen in training, for example {_examples(series[unseen])}; they are "
        f"encoded as {what}; {_SAME_KIND}, or train again on data with these values"
    )


def check_words(name, texts, encoded):
    """Refuse a text column none of whose texts holds a word known in training.

    ``texts`` is the column (NaN where missing) and ``encoded`` its text
    features, shape (n_samples, n_text_features); a text without a known word
    encodes as a row of zeros. Fewer than :data:`MIN_VALUES_TO_REFUSE`
    non-empty texts are never refused.

    Raises
    ------
    FeatureMismatchError
    """
    series = pd.Series(texts, dtype=object)
    written = (series.fillna("").astype(str).str.strip() != "").to_numpy()
    n_written = int(written.sum())
    if n_written < MIN_VALUES_TO_REFUSE or encoded[written].any():
        return
    raise FeatureMismatchError(
        f"none of the {n_written} texts in column {name!r} holds a word seen in training "
        f"(for example {_examples(series[written])}), so its text features would be 0 in "
        f"every row; {_SAME_KIND}, with this column holding the same kind of text"
    )


def to_numbers(column, *, fitting):
    """A numeric column as float64, inf as NaN; text that parses as numbers is accepted.

    Empty text counts as missing.

    Raises
    ------
    DataError
        When fitting and a value is not a number.
    FeatureMismatchError
        When predicting and a value is not a number.
    """
    try:
        values = column.to_numpy(dtype=np.float64, na_value=np.nan).copy()
    except (TypeError, ValueError):
        parsed = [_number(value) for value in column.to_numpy(dtype=object)]
        bad = pd.Series([number is None for number in parsed], index=column.index)
        if bad.any():
            _refuse_non_numbers(column, bad, fitting=fitting)
        values = np.asarray(parsed, dtype=np.float64)
    values[np.isinf(values)] = np.nan
    return values


def _refuse_non_numbers(column, bad, *, fitting):
    name = column.name
    found = f"{int(bad.sum())} of {len(column)} values, for example {_examples(column[bad])}"
    if fitting:
        raise DataError(
            f"column {name!r} has the role 'numeric' but holds non-numbers ({found}); give "
            f"it numbers, or another role, for example roles={{{name!r}: 'categorical'}}",
            options={"roles": {name: "categorical"}},
        )
    raise FeatureMismatchError(
        f"column {name!r} was numeric in training but now holds non-numbers ({found}), "
        f"which cannot be converted; give it numbers as in training, and {_SAME_KIND}"
    )


def _number(value):
    """``value`` as a float (NaN when missing or empty text), or None when it is not a number."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan if value is None or value is pd.NA else None


def _examples(values):
    """Up to three distinct values, in order of appearance, as short reprs."""
    shown = []
    for value in pd.unique(pd.Series(values, dtype=object))[:_EXAMPLES]:
        text = repr(value)
        shown.append(text if len(text) <= _EXAMPLE_CHARS else text[:_EXAMPLE_CHARS - 4] + "...'")
    return ", ".join(shown)


def _share(count, total):
    share = count / total
    return "<0.1%" if 0 < share < 0.001 else f"{share:.1%}"
