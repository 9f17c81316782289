"""Features: turn raw table columns, free text (and later images and signals) into numbers.

:class:`TableEncoder` gives each column of a table a role (numeric,
categorical, id or text, see :mod:`semiloop.features.roles`) and encodes it
accordingly: numbers pass through, categories are one-hot encoded, free text
goes to :class:`TfidfText` (or :class:`SentenceEmbeddings`), ids are set aside.

Examples
--------
>>> import pandas as pd
>>> from semiloop.features import TableEncoder
>>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "kind": ["a", "b", "a"]})
>>> TableEncoder().fit_transform(frame).shape
(3, 3)
"""

from semiloop.features.roles import ROLES, infer_role, infer_roles
from semiloop.features.table import TableEncoder
from semiloop.features.text import SentenceEmbeddings, TfidfText

__all__ = [
    "ROLES",
    "SentenceEmbeddings",
    "TableEncoder",
    "TfidfText",
    "infer_role",
    "infer_roles",
]
