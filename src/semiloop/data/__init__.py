"""Data in: read tables, check labels and ids.

:func:`load_dataset` reads a file (or takes a DataFrame) into a validated
:class:`Dataset` whose labels use ``-1`` for unlabeled rows; its raw feature
columns become numbers in :mod:`semiloop.features` (``TableEncoder``).

Examples
--------
>>> import pandas as pd
>>> from semiloop.data import load_dataset
>>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "label": ["a", "b", "", "a", "b"]})
>>> dataset = load_dataset(frame, "label")
>>> dataset.features.shape, dataset.n_unlabeled
((5, 1), 1)
"""

from semiloop.data.dataset import Dataset, load_dataset
from semiloop.data.labels import (
    check_labels,
    encode_labels,
    placeholder_classes,
    unlabeled_mask,
)
from semiloop.data.readers import read_table

__all__ = [
    "Dataset",
    "check_labels",
    "encode_labels",
    "load_dataset",
    "placeholder_classes",
    "read_table",
    "unlabeled_mask",
]
