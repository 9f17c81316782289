"""Labeling functions: the decorator, the declarative rules, the config and the label matrix."""

import dataclasses
import tomllib

import numpy as np
import pandas as pd
import pytest

from semiloop.errors import DataError
from semiloop.heuristics import (
    KeywordRule,
    LabelingFunction,
    RegexRule,
    ThresholdRule,
    apply_labeling_functions,
    labeling_function,
    rules_from_config,
)

CONFIG = """
[[rules]]
name = "refund_words"
kind = "keywords"
column = "text"
keywords = ["refund", "money back"]
label = "billing"

[[rules]]
name = "card_number"
kind = "regex"
column = "text"
pattern = '\\b\\d{4}( ?\\d{4}){3}\\b'
label = "fraud"

[[rules]]
name = "big_amount"
kind = "threshold"
column = "amount"
op = ">"
value = 1000
label = "fraud"
"""

FRAME = pd.DataFrame({
    "text": ["Please REFUND me", "card 1234 5678 9012 3456 stolen", "I want my money\nback",
             "refunded already", None, "hello"],
    "amount": [10.0, 2000.0, np.nan, 1000.0, 5000.0, 3.0],
})


def test_toml_config_gives_the_label_matrix_with_explicit_classes():
    rules = rules_from_config(tomllib.loads(CONFIG))
    assert [rule.name for rule in rules] == ["refund_words", "card_number", "big_amount"]
    L = apply_labeling_functions(FRAME, rules, classes=["billing", "fraud"])
    assert L.dtype == np.int64 and L.shape == (6, 3)
    assert L.tolist() == [[0, -1, -1], [-1, 1, 1], [0, -1, -1],
                          [-1, -1, -1], [-1, -1, 1], [-1, -1, -1]]
    reordered = apply_labeling_functions(FRAME, rules, classes=["fraud", "other", "billing"])
    assert reordered[:, 0].tolist() == [2, -1, 2, -1, -1, -1]


def test_keywords_are_whole_words_in_any_case():
    rule = KeywordRule("kw", "text", ["C++", "money back", "refund"], "a")
    texts = ["I love c++!", "moneyback", "MONEY \t BACK", "refunds", "(refund)", "", np.nan]
    frame = pd.DataFrame({"text": texts})
    assert rule.votes(frame).tolist() == ["a", None, "a", None, "a", None, None]


def test_regex_searches_and_may_ignore_case():
    frame = pd.DataFrame({"text": ["Order #12345", "order #1"]})
    assert RegexRule("r", "text", r"(order) #\d{5}", "a").votes(frame).tolist() == [None, None]
    assert RegexRule("r", "text", r"(order) #\d{5}", "a", ignore_case=True).votes(
        frame).tolist() == ["a", None]


@pytest.mark.parametrize("op, expected", [
    (">", [None, None, "a", None]), (">=", [None, "a", "a", None]),
    ("<", ["a", None, None, None]), ("<=", ["a", "a", None, None]),
    ("==", [None, "a", None, None]), ("!=", ["a", None, "a", None]),
])
def test_threshold_operators_and_missing_values_abstain(op, expected):
    frame = pd.DataFrame({"amount": [999, 1000, 1001, None]})
    assert ThresholdRule("t", "amount", op, 1000, "a").votes(frame).tolist() == expected


def test_decorated_function_votes_names_and_abstains_with_none_nan_or_minus_one():
    @labeling_function
    def by_amount(row):
        if row.amount > 1500:
            return "fraud"
        return None if row.amount > 100 else (-1 if row.amount > 5 else float("nan"))

    @labeling_function(name="one")
    def integer_class(row):
        return 1 if row["amount"] == 10 else None

    assert by_amount.name == "by_amount" and integer_class.name == "one"
    assert by_amount(FRAME.iloc[1]) == "fraud"
    L = apply_labeling_functions(FRAME, [by_amount, integer_class], classes=["fraud", 1])
    assert L.tolist() == [[-1, 1], [0, -1], [-1, -1], [-1, -1], [0, -1], [-1, -1]]
    assert apply_labeling_functions(FRAME.iloc[:0], [by_amount], classes=["fraud"]).shape == (0, 1)


def rule_table(**changes):
    table = {"name": "r", "kind": "regex", "column": "text", "pattern": "x", "label": "a"}
    table.update(changes)
    return {key: value for key, value in table.items() if value is not None}


@pytest.mark.parametrize("config, message", [
    ({"rule": []}, "no list of rules"),
    ([["r"]], "rule 1 is list, not a table"),
    ([rule_table(name=None)], "rule 1 has no name"),
    ([rule_table(kind="regexp")], r"kind 'regexp' is not known; use one of \['keywords', "
                                  r"'regex', 'threshold'\]"),
    ([rule_table(patern="x")], "unknown key 'patern'"),
    ([rule_table(pattern=None)], "missing 'pattern'"),
    ([rule_table(pattern="(unclosed")], r"pattern '\(unclosed' is not a valid regular expression"),
    ([rule_table(ignore_case="yes")], "ignore_case must be true or false"),
    ([rule_table(kind="keywords", pattern=None, keywords="refund")], "list of non-empty strings"),
    ([rule_table(kind="keywords", pattern=None, keywords=[])], "list of non-empty strings"),
    ([rule_table(kind="threshold", pattern=None, op="=>", value=1)],
     r"op '=>' is not known; use one of \['>', '>=', '<', '<=', '==', '!='\]"),
    ([rule_table(kind="threshold", pattern=None, op=">", value="1000")], "value must be a number"),
    ([rule_table(kind="threshold", pattern=None, op=">", value=True)], "value must be a number"),
    ([rule_table(label=-1)], "is not a class name"),
    ([rule_table(), rule_table()], "more than one rule is named 'r'"),
])
def test_config_errors_name_the_rule_and_the_fix(config, message):
    with pytest.raises(DataError, match=message):
        rules_from_config(config)


def test_missing_column_names_it_and_the_columns_that_exist():
    rule = ThresholdRule("big", "amout", ">", 1, "a")
    with pytest.raises(DataError, match=r"'big' reads column 'amout'.*\['text', 'amount'\]"):
        apply_labeling_functions(FRAME, [rule], classes=["a"])


@pytest.mark.parametrize("rule, message", [
    (ThresholdRule("t", "text", ">", 1, "a"), "column 'text' holds str values; convert it"),
    (KeywordRule("k", "amount", ["x"], "a"), "column 'amount' holds float64 values"),
])
def test_a_rule_on_the_wrong_kind_of_column_says_so(rule, message):
    with pytest.raises(DataError, match=message):
        apply_labeling_functions(FRAME, [rule], classes=["a"])


def test_votes_outside_classes_and_bad_function_lists_are_refused():
    rule = KeywordRule("k", "text", ["refund"], "billing")

    @labeling_function
    def stray(row):
        return "spam"

    cases = [
        (lambda: apply_labeling_functions(FRAME, [rule], classes=["fraud"]),
         "'k' votes 'billing', which is not in classes"),
        (lambda: apply_labeling_functions(FRAME, [stray], classes=["fraud"]),
         "'stray' voted 'spam', which is not in classes"),
        (lambda: apply_labeling_functions(FRAME, [rule, rule], classes=["billing"]),
         "more than one labeling function is named 'k'"),
        (lambda: apply_labeling_functions(FRAME, [], classes=["billing"]), "no labeling functions"),
        (lambda: apply_labeling_functions(FRAME, [len], classes=["billing"]), "is not a labeling"),
        (lambda: apply_labeling_functions(FRAME.to_numpy(), [rule], classes=["billing"]),
         "not ndarray"),
        (lambda: apply_labeling_functions(FRAME, [rule], classes=["billing", "billing"]),
         "more than once"),
        (lambda: apply_labeling_functions(FRAME, [rule], classes=["billing", None]), "abstain"),
    ]
    for call, message in cases:
        with pytest.raises(DataError, match=message):
            call()


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


LABELING_FUNCTIONS = [cls for cls in _subclasses(LabelingFunction)
                      if not cls.__name__.startswith("_")]


@pytest.mark.parametrize("cls", LABELING_FUNCTIONS, ids=lambda cls: cls.__name__)
def test_labeling_function_contract(cls):
    function = cls(**cls._unit_test_params())
    frame = pd.DataFrame({"text": ["hello there", "x1", "good  day", "a longer text"],
                          "amount": [1, 10, 100, np.nan]})
    votes = function.votes(frame)
    assert isinstance(votes, np.ndarray) and votes.shape == (4,)
    assert {vote for vote in votes if vote is not None} <= {"a"}
    assert any(vote == "a" for vote in votes) and any(vote is None for vote in votes)
    assert apply_labeling_functions(frame, [function], classes=["a"]).shape == (4, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        function.name = "renamed"


def test_every_labeling_function_is_checked():
    assert {cls.__name__ for cls in LABELING_FUNCTIONS} == {
        "PythonLabelingFunction", "KeywordRule", "RegexRule", "ThresholdRule"}
