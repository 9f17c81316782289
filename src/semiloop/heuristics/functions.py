"""Labeling functions: rules that vote a class for a row or abstain, and the label matrix.

A labeling function (Ratner et al., "Snorkel: Rapid Training Data Creation
with Weak Supervision", VLDB 2017) looks at one row of a table and votes a
class, or abstains. Here a vote is a class *name* (``"billing"``), and
``None`` (or NaN, or :data:`ABSTAIN`, -1) abstains. :func:`apply_labeling_functions`
runs a list of them over a :class:`pandas.DataFrame` and turns the names into
class indices through the explicit list ``classes``, giving the label matrix
``L`` of shape (n_rows, n_functions) with -1 where a function abstained, as
in Snorkel.

A Python function becomes a labeling function with the decorator
:func:`labeling_function`; the declarative rules (keywords, regular
expressions, thresholds) are in :mod:`semiloop.heuristics.rules`, and
:mod:`semiloop.heuristics.config` builds them from a project's config.

Examples
--------
>>> import pandas as pd
>>> @labeling_function
... def big_amount(row):
...     return "fraud" if row["amount"] > 1000 else None
>>> frame = pd.DataFrame({"amount": [20.0, 5000.0]})
>>> big_amount(frame.iloc[1])
'fraud'
>>> apply_labeling_functions(frame, [big_amount], classes=["billing", "fraud"]).tolist()
[[-1], [1]]
"""

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from semiloop.errors import DataError
from semiloop.heuristics._checks import ABSTAIN

__all__ = ["ABSTAIN", "LabelingFunction", "PythonLabelingFunction", "apply_labeling_functions",
           "labeling_function"]


class LabelingFunction(ABC):
    """A rule that votes a class name for each row of a table, or abstains.

    Subclasses are frozen dataclasses with a ``name`` and implement
    :meth:`votes`; they may name the ``columns`` they read and the one
    ``label`` they vote, so that a missing column or a class outside
    ``classes`` is reported before any row is read.

    Attributes
    ----------
    name : str
        Unique among the functions applied together; names the column of ``L``.
    columns : tuple of str
        Columns the function reads (empty when unknown).
    labels : tuple
        Class names the function can vote (empty when unknown).
    """

    name: str
    columns: tuple = ()
    labels: tuple = ()

    @abstractmethod
    def votes(self, frame):
        """The vote of each row.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (n_rows, n_columns)

        Returns
        -------
        votes : ndarray of object, shape (n_rows,)
            A class name, or None to abstain (NaN and -1 abstain too).
        """

    @classmethod
    def _unit_test_params(cls):
        """Arguments of an instance that the contract test builds (River's convention)."""
        raise NotImplementedError


@dataclass(frozen=True)
class PythonLabelingFunction(LabelingFunction):
    """A Python function of one row that returns a class name, or None to abstain.

    Made by the decorator :func:`labeling_function`. Calling it on a row
    calls the function, as a Snorkel labeling function does.

    Parameters
    ----------
    name : str
    function : callable
        ``function(row)`` with ``row`` a :class:`pandas.Series` (one row of
        the table: ``row["text"]`` or ``row.text``); returns a class name,
        or None or -1 to abstain.

    Notes
    -----
    Cost: one Python call per row through :meth:`pandas.DataFrame.apply`
    (about 0.3 s for 50,000 rows); a declarative rule
    (:mod:`semiloop.heuristics.rules`) reads the whole column at once.
    """

    name: str
    function: Callable

    def __call__(self, row):
        return self.function(row)

    def votes(self, frame):
        """The vote of each row (see :meth:`LabelingFunction.votes`)."""
        if len(frame) == 0:
            return np.empty(0, dtype=object)
        votes = frame.apply(self.function, axis=1, result_type="reduce")
        votes = votes.to_numpy(dtype=object, copy=True)
        votes[_abstains(votes)] = None  # pandas turns None into NaN
        return votes

    @classmethod
    def _unit_test_params(cls):
        return {"name": "long_text", "function": lambda row: "a" if len(row["text"]) > 5 else None}


def labeling_function(function=None, *, name=None):
    """Decorator: a Python function of one row becomes a :class:`PythonLabelingFunction`.

    Usable bare (``@labeling_function``) or with a name
    (``@labeling_function(name="refund")``).

    Parameters
    ----------
    function : callable, default=None
        ``function(row)``, returning a class name, or None or -1 to abstain.
    name : str, default=None
        None: the function's ``__name__``.

    Returns
    -------
    PythonLabelingFunction, or a decorator when ``function`` is None.

    Examples
    --------
    >>> @labeling_function(name="mentions_refund")
    ... def refund(row):
    ...     return "billing" if "refund" in row["text"].lower() else None
    >>> refund.name, refund({"text": "Refund please"})
    ('mentions_refund', 'billing')
    """
    if function is None:
        return lambda function: labeling_function(function, name=name)
    return PythonLabelingFunction(name or function.__name__, function)


def apply_labeling_functions(frame, functions, *, classes):
    """The label matrix: each function's vote on each row, as a class index or -1.

    Parameters
    ----------
    frame : pandas.DataFrame of shape (n_rows, n_columns)
    functions : list of LabelingFunction
        Their names must differ.
    classes : sequence
        The class names, in the order that gives their indices; -1 and None
        cannot be classes.

    Returns
    -------
    L : ndarray of int64, shape (n_rows, n_functions)
        ``L[i, j]``: the index in ``classes`` of function ``j``'s vote on row
        ``i``, -1 where it abstained.

    Raises
    ------
    DataError
        When ``frame`` is not a DataFrame, a name repeats, a function reads a
        column the table lacks, or votes a class not in ``classes``.

    Examples
    --------
    >>> import pandas as pd
    >>> from semiloop.heuristics.rules import KeywordRule
    >>> frame = pd.DataFrame({"text": ["Refund me", "hello"]})
    >>> rule = KeywordRule("refund_words", "text", ["refund"], "billing")
    >>> apply_labeling_functions(frame, [rule], classes=["other", "billing"]).tolist()
    [[1], [-1]]
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"labeling functions read a pandas DataFrame, not "
                        f"{type(frame).__name__}; pass pandas.DataFrame(...)")
    functions = list(functions)
    classes = _check_classes(classes)
    _check_functions(functions, frame, classes)
    index = pd.Index(classes)
    L = np.full((len(frame), len(functions)), ABSTAIN, dtype=np.int64)
    for j, function in enumerate(functions):
        votes = np.asarray(function.votes(frame), dtype=object)
        if votes.shape != (len(frame),):
            raise DataError(f"labeling function {function.name!r} gave {votes.shape} votes for "
                            f"{len(frame)} rows; return one vote per row")
        codes = index.get_indexer(votes)
        unknown = codes < 0
        unknown[unknown] = ~_abstains(votes[unknown])
        if unknown.any():
            raise DataError(f"labeling function {function.name!r} voted {votes[unknown][0]!r}, "
                            f"which is not in classes {classes}; add it to classes, or "
                            "return None to abstain")
        L[:, j] = codes
    return L


def _abstains(votes):
    """None, NaN (what pandas makes of None) and -1 abstain."""
    return np.array([vote is None or vote is pd.NA or (
        isinstance(vote, Real) and not isinstance(vote, bool)
        and (vote == ABSTAIN or np.isnan(vote))) for vote in votes], dtype=bool)


def _check_classes(classes):
    classes = list(classes)
    if not classes:
        raise DataError("classes is empty; pass the class names in the order of their indices")
    repeated = [name for name, count in Counter(classes).items() if count > 1]
    if repeated:
        raise DataError(f"classes names {repeated[0]!r} more than once; list each class once")
    if any(_abstains(np.array(classes, dtype=object))):
        raise DataError("classes holds None, NaN or -1, which mean abstain; remove it")
    return classes


def _check_functions(functions, frame, classes):
    if not functions:
        raise DataError("no labeling functions given; pass a list of them")
    for function in functions:
        if not isinstance(function, LabelingFunction):
            raise DataError(f"{function!r} is not a labeling function; decorate it with "
                            "@labeling_function or build it from a rule config")
    repeated = [name for name, count in Counter(f.name for f in functions).items() if count > 1]
    if repeated:
        raise DataError(f"more than one labeling function is named {repeated[0]!r}; "
                        "give each a unique name")
    for function in functions:
        for column in function.columns:
            if column not in frame.columns:
                raise DataError(f"labeling function {function.name!r} reads column {column!r}, "
                                f"which the table lacks; its columns are "
                                f"{[str(name) for name in frame.columns]}")
        for label in function.labels:
            if label not in classes:
                raise DataError(f"labeling function {function.name!r} votes {label!r}, which is "
                                f"not in classes {classes}; add it to classes or fix the label")
