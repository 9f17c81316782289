"""Rules from a project's config: each ``[[rules]]`` table becomes a labeling function.

A project's TOML config lists its rules as an array of tables; each table
becomes one rule of :mod:`semiloop.heuristics.rules`, a labeling function
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

from dataclasses import MISSING, fields

from semiloop.errors import DataError
from semiloop.heuristics.rules import KeywordRule, RegexRule, ThresholdRule

__all__ = ["KINDS", "rules_from_config"]

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
