"""A project folder: its config file, its database, its models and review batches.

::

    PROJECT/
      semiloop.toml        the config: data, columns, validation, the round's pipeline and query
      project.db           the store (see semiloop.loop.store); -wal and -shm files beside it
      labelstudio.xml      a Label Studio labeling config for the project's classes
      models/round-N.skops one model per round
      review/              exported review batches

:func:`init_project` builds the folder in a staging folder beside it and
renames it into place, so bad input never leaves half a project.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> frame = pd.DataFrame({"x": range(40), "y": ["a", "b"] * 10 + [""] * 20})
>>> frame.to_csv(root / "data.csv", index=False)
>>> project = init_project(root / "demo", data=root / "data.csv", label="y")
>>> project.config["validation"]["size"], len(project.store().validation())
(4, 4)
"""

import fcntl
import json
import os
import shutil
import tempfile
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from semiloop.errors import DataError, SemiloopError
from semiloop.loop.labelstudio import labeling_config
from semiloop.loop.store import ProjectStore

__all__ = ["CONFIG_FILE", "DATABASE_FILE", "Project", "init_project", "open_project",
           "stratified_validation"]

CONFIG_FILE = "semiloop.toml"
DATABASE_FILE = "project.db"
LABELING_CONFIG_FILE = "labelstudio.xml"

#: the share of the first human labels set aside as the validation set, and its floor per class
VALIDATION_SHARE = 0.2
VALIDATION_MIN_PER_CLASS = 2


@dataclass(frozen=True)
class Project:
    """An open project folder.

    Attributes
    ----------
    folder : Path
    config : dict
        The parsed ``semiloop.toml``.
    """

    folder: Path
    config: dict

    def store(self):
        """Open the project's :class:`~semiloop.loop.store.ProjectStore`."""
        return ProjectStore.open(self.folder / DATABASE_FILE)

    @property
    def data_path(self):
        """Path: the data file (a relative path in the config is relative to the folder)."""
        path = Path(self.config["data"]["path"])
        return path if path.is_absolute() else self.folder / path

    @contextmanager
    def lock(self):
        """Hold the project's lock: one round or import at a time.

        Raises
        ------
        SemiloopError
            When another semiloop process holds it.
        """
        with open(self.folder / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SemiloopError(f"another semiloop command is working on "
                                    f"{str(self.folder)!r}; wait for it to finish") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def open_project(folder):
    """Open the project in ``folder``.

    Raises
    ------
    SemiloopError
        When ``folder`` holds no project or its config cannot be read.
    """
    folder = Path(folder)
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        raise SemiloopError(f"{str(folder)!r} is not a semiloop project (no {CONFIG_FILE}); "
                            "create one with `semiloop init PROJECT --data DATA --label COL`")
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SemiloopError(f"{str(config_path)!r} is not valid TOML ({error}); fix the "
                            "line it names") from None
    return Project(folder, _with_defaults(config, config_path))


def init_project(folder, *, data, label, id_column=None, text_column=None,
                 validation_share=VALIDATION_SHARE, seed=0, unlabeled_marker=None):
    """Create a project in ``folder`` from a table with a label column.

    The labels in the table become human labels (annotator ``"data file"``);
    a stratified ``validation_share`` of them (at least
    :data:`VALIDATION_MIN_PER_CLASS` per class where a class has that many and
    one more for training) is set aside as the clean validation set.

    Parameters
    ----------
    folder : str or Path
        The project folder; it must not exist, or be empty.
    data : str or Path
        A table :func:`semiloop.data.load_dataset` reads.
    label : str
        The label column (empty cells: unlabeled).
    id_column : str, default=None
        A column of stable, distinct sample ids; default: row numbers.
    text_column : str, default=None
        A column of free text, featurised as text (TF-IDF) by the rounds.
    validation_share : float, default=0.2
        Share of the human labels set aside, in (0, 0.5].
    seed : int, default=0
        Seeds the validation draw and the rounds.

    Returns
    -------
    Project

    Raises
    ------
    SemiloopError
        When the folder holds anything, the share is out of range, or a
        column is missing.
    """
    from semiloop.data import load_dataset

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SemiloopError(f"{str(folder)!r} exists and is not an empty folder; choose a "
                            "new folder for the project")
    if not 0 < validation_share <= 0.5:
        raise SemiloopError(f"validation share must lie in (0, 0.5]; got {validation_share}")
    data = Path(data)
    dataset = load_dataset(data, label, id_column=id_column, unlabeled_marker=unlabeled_marker)
    if text_column is not None and text_column not in dataset.features.columns:
        raise DataError(f"no column {text_column!r} in {str(data)!r} for --text; the "
                        f"feature columns are {list(dataset.features.columns)!r}")
    ids = np.array([str(i) for i in dataset.ids])
    labeled = dataset.labeled_mask
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".semiloop-part",
                                    dir=folder.parent))
    try:
        store = ProjectStore.create(staging / DATABASE_FILE,
                                    classes=[str(c) for c in dataset.classes],
                                    items=ids, source_file=str(data))
        with store:
            store.add_labels(pd.DataFrame({"sample_id": ids[labeled],
                                           "value": dataset.classes[dataset.y[labeled]]}),
                             source="human", annotator="data file", origin=data.name,
                             file_format="data")
            chosen = stratified_validation(ids[labeled], dataset.y[labeled],
                                           validation_share, seed)
            store.set_validation(chosen)
        config = _initial_config(data, folder, label, id_column, text_column,
                                 validation_share, len(chosen), seed, unlabeled_marker)
        (staging / CONFIG_FILE).write_text(config, encoding="utf-8")
        (staging / LABELING_CONFIG_FILE).write_text(
            labeling_config([str(c) for c in dataset.classes], text_column=text_column),
            encoding="utf-8")
        (staging / "models").mkdir()
        (staging / "review").mkdir()
        staging.chmod(0o777 & ~_umask())
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return open_project(folder)


def stratified_validation(ids, y, share, seed):
    """Choose the validation items: a stratified ``share`` of the labeled ``ids``.

    Each class gives ``round(share * n_c)`` rows, at least
    :data:`VALIDATION_MIN_PER_CLASS`, and always leaves one row for training
    (a class with one label gives none).

    Parameters
    ----------
    ids : ndarray of str, shape (n_labeled,)
    y : ndarray of int, shape (n_labeled,)
    share : float
    seed : int

    Returns
    -------
    list of str, sorted

    >>> stratified_validation(np.array(list("abcdefgh")), np.array([0, 0, 0, 0, 0, 1, 1, 2]),
    ...                       0.2, seed=0)
    ['d', 'e', 'f']
    """
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(y):
        members = ids[y == label]
        size = min(max(VALIDATION_MIN_PER_CLASS, round(share * len(members))),
                   len(members) - 1)
        if size > 0:
            chosen.extend(rng.choice(members, size, replace=False).tolist())
    return sorted(chosen)


def _initial_config(data, folder, label, id_column, text_column, share, size, seed, marker):
    try:
        relative = os.path.relpath(data.resolve(), folder.resolve())
    except ValueError:  # another drive
        relative = str(data.resolve())

    def value(v):
        return json.dumps(v)

    optional = "".join(f"{key} = {value(v)}\n" for key, v in
                       (("id", id_column), ("text", text_column), ("unlabeled_marker", marker))
                       if v is not None)
    if text_column is not None:
        optional += ('# "tfidf", or "embeddings" (sentence embeddings, offline; '
                     "pip install 'semiloop[text]')\ntext_features = \"tfidf\"\n")
    return f"""# semiloop project: edit between rounds; `semiloop round` reads it each time.

[data]
# the table; a relative path is read from this folder
path = {value(relative)}
label = {value(label)}
{optional}
[validation]
# set aside once by `semiloop init` ({size} human labels); never trained on
share = {share}
size = {size}
seed = {seed}

[round]
# labels asked per round, and how the batch is chosen
batch_size = 20
query = "margin"
# the share of each batch drawn at random: the safety guard judges the pipeline on
# these (and the labels you started with), never on the rows the query chose
random_share = 0.25
seed = {seed}

# the pipeline: one or more stages, each stage's labels feeding the next;
# the safety guard keeps the supervised model when the pipeline does not beat it
[[pipeline]]
method = "self-training"
model = "logreg"
"""


_DEFAULTS = {"round": {"batch_size": 20, "query": "margin", "random_share": 0.25, "seed": 0},
             "pipeline": [{"method": "self-training", "model": "logreg"}],
             "validation": {}, "rules": []}


def _with_defaults(config, path):
    if "data" not in config or not {"path", "label"} <= set(config["data"]):
        raise SemiloopError(f"{str(path)!r} needs a [data] table with 'path' and 'label'")
    merged = {**_DEFAULTS, **config}
    merged["round"] = {**_DEFAULTS["round"], **config.get("round", {})}
    return merged


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
