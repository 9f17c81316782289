"""Declarative labeling functions: keywords, regular expressions and thresholds, from a config.

A project's TOML config lists its rules as an array of tables; each table
becomes one labeling function (:class:`~semiloop.heuristics.functions.LabelingFunction`)
that votes its ``label`` on the rows it matches and abstains elsewhere::

    [[rules]]
    name = "refund_words"          # unique; names the column of the label matrix
    kind = "keywords"              # any of the words or phrases, case-insensitive, whole words
    column = "text"
    keywords = ["refund", "money back"]
    label = "billing"

    [[rules]]
    name = "card_number"
    kind = "regex"                 # re.search anywhere in the text
    column = "text"
    pattern = '\\b\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{4}\\b'
    ignore_case = false            # optional, default false
    label = "fraud"

    [[rules]]
    name = "big_amount"
    kind = "threshold"             # column op value, on a numeric column
    column = "amount"
    op = ">"                       # one of > >= < <= == !=
    value = 1000
    label = "fraud"

:func:`rules_from_config` reads the parsed config (``tomllib.load``) and
checks each table; a missing value (NaN, None) in the column abstains. Which
class index a label gets is decided by the ``classes`` given to
:func:`~semiloop.heuristics.functions.apply_labeling_functions`.

Examples
--------
>>> import pandas as pd
>>> from semiloop.heuristics.functions import apply_labeling_functions
>>> config = {"rules": [
...     {"name": "refund_words", "kind": "keywords", "column": "text",
...      "keywords": ["refund", "money back"], "label": "billing"},
...     {"name": "big_amount", "kind": "threshold", "column": "amount", "op": ">",
...      "value": 1000, "label": "fraud"}]}
>>> rules = rules_from_config(config)
>>> frame = pd.DataFrame({"text": ["I want my MONEY  back", "refunded?", "hi"],
...                       "amount": [1500.0, 20.0, None]})
>>> apply_labeling_functions(frame, rules, classes=["billing", "fraud"]).tolist()
[[0, 1], [-1, -1], [-1, -1]]
"""

import operator
import re
from collections.abc import Hashable
from dataclasses import MISSING, dataclass, fields
from numbers import Real

import numpy as np
import pandas as pd

from semiloop.errors import DataError
from semiloop.heuristics.functions import LabelingFunction

__all__ = ["KINDS", "OPERATORS", "KeywordRule", "RegexRule", "ThresholdRule", "rules_from_config"]

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


#: The rule classes by the ``kind`` that names them in a config.
KINDS = {"keywords": KeywordRule, "regex": RegexRule, "threshold": ThresholdRule}


def rules_from_config(config):
    """Labeling functions from a config's rule tables (see the module's docstring).

    Parameters
    ----------
    config : dict or list of dict
        A parsed config with a ``"rules"`` list (``tomllib.load`` of a file
        with ``[[rules]]`` tables), or the list itself. Each rule has
        ``name``, ``kind`` and the keys of its kind; nothing else.

    Returns
    -------
    rules : list of LabelingFunction
        In the order of the config.

    Raises
    ------
    DataError
        When there is no rule list, a rule is not a table, has no name or a
        repeated one, an unknown ``kind``, misses a key of its kind or has an
        unknown key, or a value is wrong (an invalid pattern, an unknown op).

    Examples
    --------
    >>> rules_from_config([{"name": "r", "kind": "regexp", "column": "text",
    ...                     "pattern": "x", "label": "a"}])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semiloop.errors.DataError: rule 'r': kind 'regexp' is not known; use one of ['keywords', ...]
    """
    entries = config.get("rules") if isinstance(config, dict) else config
    if not isinstance(entries, list | tuple):
        raise DataError("the config has no list of rules; write each rule as a [[rules]] "
                        "table, or pass the list of rule dicts")
    rules = []
    for position, entry in enumerate(entries):
        rules.append(_rule_from_dict(entry, position))
    names = [rule.name for rule in rules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(f"more than one rule is named {repeated[0]!r}; give each rule a "
                        "unique name")
    return rules


def _rule_from_dict(entry, position):
    if not isinstance(entry, dict):
        raise DataError(f"rule {position + 1} is {type(entry).__name__}, not a table; write it "
                        "as [[rules]] with name, kind, column and label")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise DataError(f"rule {position + 1} has no name; add name = \"...\" (unique)")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise DataError(f"rule {name!r}: kind {kind!r} is not known; use one of {list(KINDS)}")
    rule_class = KINDS[kind]
    known = [field.name for field in fields(rule_class)]
    required = [field.name for field in fields(rule_class)
                if field.default is MISSING and field.default_factory is MISSING]
    unknown = sorted(set(entry) - set(known) - {"kind"})
    if unknown:
        raise DataError(f"rule {name!r}: unknown key {unknown[0]!r}; a {kind} rule has the "
                        f"keys {['kind', *known]}")
    missing = [key for key in required if key not in entry]
    if missing:
        raise DataError(f"rule {name!r}: missing {missing[0]!r}; a {kind} rule needs "
                        f"{['kind', *required]}")
    return rule_class(**{key: value for key, value in entry.items() if key != "kind"})
