"""Declarative labeling functions: keywords, a regular expression, or a threshold on one column.

Each rule votes its ``label`` on the rows where its test on ``column``
holds and abstains elsewhere, reading the whole column at once; a missing
value (NaN, None) abstains. They are built from a project's config by
:func:`semiloop.heuristics.config.rules_from_config`, or directly.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"text": ["I want my MONEY  back", "refunded?"], "amount": [1500, 20]})
>>> KeywordRule("refund_words", "text", ["refund", "money back"], "billing").votes(frame).tolist()
['billing', None]
>>> ThresholdRule("big_amount", "amount", ">", 1000, "fraud").votes(frame).tolist()
['fraud', None]
"""

import operator
import re
from collections.abc import Hashable
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from semiloop.errors import DataError
from semiloop.heuristics.functions import LabelingFunction

__all__ = ["OPERATORS", "KeywordRule", "RegexRule", "ThresholdRule"]

#: Comparison of a threshold rule, by its config spelling.
OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
             "==": operator.eq, "!=": operator.ne}


class _ColumnRule(LabelingFunction):
    """A rule that votes ``label`` where its test on one column holds."""

    @property
    def columns(self):
        return (self.column,)

    @property
    def labels(self):
        return (self.label,)

    def votes(self, frame):
        """The vote of each row: ``label`` where it matches, None elsewhere."""
        matches = np.asarray(self._matches(frame[self.column]), dtype=bool)
        votes = np.full(len(frame), None, dtype=object)
        votes[matches] = self.label
        return votes

    def _check_common(self):
        if not isinstance(self.name, str) or not self.name:
            raise DataError(f"a rule's name must be a non-empty string, not {self.name!r}")
        if not isinstance(self.column, str) or not self.column:
            raise DataError(f"rule {self.name!r}: column must be a column name, not "
                            f"{self.column!r}")
        if not isinstance(self.label, Hashable) or self.label is None or self.label == -1:
            raise DataError(f"rule {self.name!r}: label {self.label!r} is not a class name; "
                            "give the class the rule votes")

    def _text(self, values):
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            raise DataError(f"rule {self.name!r} reads text but column {self.column!r} holds "
                            f"{values.dtype} values; use a threshold rule, or a text column")
        return values


def _search(values, pattern):
    return [isinstance(text, str) and pattern.search(text) is not None for text in values]


@dataclass(frozen=True)
class KeywordRule(_ColumnRule):
    """Votes ``label`` where the text holds any of the keywords as whole words, in any case.

    A keyword of several words (``"money back"``) matches them separated by
    any whitespace. Whole words: a keyword does not match inside a longer
    word (``"refund"`` does not match ``"refunded"``).

    Parameters
    ----------
    name : str
    column : str
        A text column.
    keywords : sequence of str
    label : hashable
        The class name it votes.

    Raises
    ------
    DataError
        When ``keywords`` is empty, a string rather than a list, or holds a non-string.

    Examples
    --------
    >>> rule = KeywordRule("refund_words", "text", ["refund", "money back"], "billing")
    >>> rule.votes(pd.DataFrame({"text": ["Money back!", "refunded", None]})).tolist()
    ['billing', None, None]
    """

    name: str
    column: str
    keywords: tuple
    label: Hashable

    def __post_init__(self):
        self._check_common()
        keywords = self.keywords
        if isinstance(keywords, str) or not keywords or not all(
                isinstance(keyword, str) and keyword.strip() for keyword in keywords):
            raise DataError(f"rule {self.name!r}: keywords must be a list of non-empty strings, "
                            f"not {keywords!r}; write keywords = [\"refund\", \"money back\"]")
        object.__setattr__(self, "keywords", tuple(keywords))

    @property
    def pattern(self):
        """The compiled regular expression of the keywords."""
        words = "|".join(r"\s+".join(map(re.escape, keyword.split())) for keyword in self.keywords)
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)

    def _matches(self, values):
        return _search(self._text(values), self.pattern)

    @classmethod
    def _unit_test_params(cls):
        return {"name": "greeting", "column": "text", "keywords": ["hello", "good day"],
                "label": "a"}


@dataclass(frozen=True)
class RegexRule(_ColumnRule):
    """Votes ``label`` where the regular expression matches somewhere in the text.

    Matching is :func:`re.search` (use ``^`` and ``$`` to match the whole value).

    Parameters
    ----------
    name : str
    column : str
        A text column.
    pattern : str
        A Python regular expression.
    label : hashable
    ignore_case : bool, default=False

    Raises
    ------
    DataError
        When ``pattern`` is not a string or does not compile.

    Examples
    --------
    >>> rule = RegexRule("order_id", "text", r"#\\d{5}", "billing")
    >>> rule.votes(pd.DataFrame({"text": ["order #12345", "order 12"]})).tolist()
    ['billing', None]
    """

    name: str
    column: str
    pattern: str
    label: Hashable
    ignore_case: bool = False

    def __post_init__(self):
        self._check_common()
        if not isinstance(self.pattern, str):
            raise DataError(f"rule {self.name!r}: pattern must be a string, not {self.pattern!r}")
        if not isinstance(self.ignore_case, bool):
            raise DataError(f"rule {self.name!r}: ignore_case must be true or false, not "
                            f"{self.ignore_case!r}")
        try:
            re.compile(self.pattern)
        except re.error as error:
            raise DataError(f"rule {self.name!r}: pattern {self.pattern!r} is not a valid "
                            f"regular expression ({error}); fix the pattern (in TOML, write it "
                            "in single quotes so that backslashes stay)") from None

    def _matches(self, values):
        flags = re.IGNORECASE if self.ignore_case else 0
        return _search(self._text(values), re.compile(self.pattern, flags))

    @classmethod
    def _unit_test_params(cls):
        return {"name": "digits", "column": "text", "pattern": r"\d+", "label": "a"}


@dataclass(frozen=True)
class ThresholdRule(_ColumnRule):
    """Votes ``label`` where ``column op value`` holds on a numeric column.

    Parameters
    ----------
    name : str
    column : str
        A numeric column; missing values abstain.
    op : {">", ">=", "<", "<=", "==", "!="}
    value : float
    label : hashable

    Raises
    ------
    DataError
        When ``op`` is not one of :data:`OPERATORS` or ``value`` is not a number;
        when applied, when the column is not numeric.

    Examples
    --------
    >>> rule = ThresholdRule("big_amount", "amount", ">", 1000, "fraud")
    >>> rule.votes(pd.DataFrame({"amount": [1000, 1000.5, None]})).tolist()
    [None, 'fraud', None]
    """

    name: str
    column: str
    op: str
    value: float
    label: Hashable

    def __post_init__(self):
        self._check_common()
        if not isinstance(self.op, str) or self.op not in OPERATORS:
            raise DataError(f"rule {self.name!r}: op {self.op!r} is not known; use one of "
                            f"{list(OPERATORS)}")
        if isinstance(self.value, bool) or not isinstance(self.value, Real) or np.isnan(
                self.value):
            raise DataError(f"rule {self.name!r}: value must be a number, not {self.value!r}; "
                            "write value = 1000 (no quotes)")

    def _matches(self, values):
        if not pd.api.types.is_numeric_dtype(values):
            raise DataError(f"rule {self.name!r} compares numbers but column {self.column!r} "
                            f"holds {values.dtype} values; convert it with pandas.to_numeric, "
                            "or use a keyword or regex rule")
        values = values.to_numpy(dtype=float, na_value=np.nan)
        return ~np.isnan(values) & OPERATORS[self.op](values, self.value)

    @classmethod
    def _unit_test_params(cls):
        return {"name": "big", "column": "amount", "op": ">=", "value": 10, "label": "a"}
