"""Review batches out and answers in: the files people label, and their labels into the store.

:func:`export_review` writes a review batch as a CSV to fill in and as Label
Studio tasks (with the model's suggestion as a prediction);
:func:`import_review` reads the answers back (our CSV, or Label Studio's JSON,
JSON-MIN or CSV export; see :mod:`semiloop.loop.answers`) and adds them to the
store as human labels, in one transaction, under the project's lock.

::

    PROJECT/review/batch-N.csv                sample_id, label (empty), suggested, score,
                                              reason, then the item's columns
    PROJECT/review/batch-N.labelstudio.json   [{"data": {..., "sample_id"}, "predictions": [...]}]

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from semiloop.loop.project import init_project
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"x": range(12), "y": ["a", "b"] * 4 + [""] * 4}).to_csv(
...     root / "data.csv", index=False)
>>> project = init_project(root / "demo", data=root / "data.csv", label="y")
>>> with project.store() as store:
...     run = store.start_round(["self-training"], {})
...     items = pd.DataFrame({"sample_id": ["8", "9"], "score": [0.1, 0.2],
...                           "reason": ["uncertain"] * 2, "suggestion": ["a", "b"]})
...     batch = store.finish_round(run, metrics={}, model_file="m", n_human=8, n_rule=0,
...         predictions=pd.DataFrame({"sample_id": [str(i) for i in range(12)],
...                                   "value": "a", "confidence": 0.5}),
...         review={"strategy": "margin", "items": items})
>>> exported = export_review(project)
>>> exported.csv_path.name, exported.tasks_path.name, exported.n_items
('batch-1.csv', 'batch-1.labelstudio.json', 2)
>>> filled = pd.read_csv(exported.csv_path).assign(label=["b", "b"])
>>> filled.to_csv(root / "answers.csv", index=False)
>>> result = import_review(project, root / "answers.csv", annotator="ann")
>>> result.n_labels, result.batch_id, import_review(project, root / "answers.csv").n_labels
(2, 1, 0)
"""

import getpass
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from semiloop import _files
from semiloop.errors import DataError, SemiloopError
from semiloop.loop.answers import read_answers
from semiloop.loop.labelstudio import (
    TABLE_FIELD,
    control_names,
    data_field,
    labeling_config,
    review_task,
)

__all__ = ["ReviewExport", "ReviewImport", "export_review", "import_review"]

#: the CSV's own columns, before the item's data columns
CSV_COLUMNS = ("sample_id", "label", "suggested", "score", "reason")


@dataclass(frozen=True)
class ReviewExport:
    """What :func:`export_review` wrote.

    Attributes
    ----------
    batch_id : int
    round : int or None
        The round that chose the batch.
    n_items : int
    csv_path, tasks_path : Path
        The CSV to fill in, and the Label Studio tasks (JSON).
    """

    batch_id: int
    round: int | None
    n_items: int
    csv_path: Path
    tasks_path: Path


@dataclass(frozen=True)
class ReviewImport:
    """What :func:`import_review` read and changed.

    Attributes
    ----------
    file_format : str
        See :data:`semiloop.loop.answers.FORMATS`.
    n_answers : int
        Answers read from the file.
    n_labels : int
        Human labels added.
    n_duplicates : int
        Answers the same person gave before (not added again).
    conflicts : list of str
        Items that hold two different human labels since this import.
    n_unanswered, n_cancelled : int
        Rows or tasks without an answer; cancelled Label Studio annotations.
    batch_id : int or None
        The review batch every answered item belongs to, if one does.
    already_imported : bool
        The same file was imported before; nothing changed.
    """

    file_format: str
    n_answers: int
    n_labels: int
    n_duplicates: int
    conflicts: list
    n_unanswered: int
    n_cancelled: int
    batch_id: int | None
    already_imported: bool


def export_review(project, *, batch_id=None, out=None, asked_of=None):
    """Write a review batch as a CSV to fill in and as Label Studio tasks.

    Parameters
    ----------
    project : Project
    batch_id : int, default=None
        The batch; default: the newest.
    out : str or Path, default=None
        The folder to write to; default: the project's ``review`` folder.
    asked_of : str, default=None
        Whom the batch goes to, recorded with the batch.

    Returns
    -------
    ReviewExport
        The CSV (``batch-N.csv``) has :data:`CSV_COLUMNS`, then the item's
        columns (its label column left out; one named like ours gets
        ``" (data)"`` appended). The tasks (``batch-N.labelstudio.json``)
        hold the data field that ``labelstudio.xml`` shows (the text column,
        or ``item``: a dict of the row's columns) and ``sample_id``, and the
        suggestion as a prediction under the config's ``from_name`` /
        ``to_name``, ``model_version`` ``"round-R"``.

    Raises
    ------
    SemiloopError
        When the project has no review batch, or not ``batch_id``.
    DataError
        When the data file no longer holds the project's items, or the
        labeling config shows a column the data lacks.
    """
    with project.store() as store:
        batches = store.review_batches()
        if not len(batches):
            raise SemiloopError(f"the project {str(project.folder)!r} has no review batch yet; "
                                "run `semiloop round` first")
        batch_id = int(batches["batch_id"].iloc[-1] if batch_id is None else batch_id)
        items = store.review_items(batch_id)
        row = batches.set_index("batch_id").loc[batch_id]
        round_number = None if pd.isna(row["round"]) else int(row["round"])
        rows = store.items().set_index("sample_id")["row_number"]
        config = _labeling_config(project, store.classes)
    data = _item_data(project, rows.loc[items["sample_id"]].to_numpy(), items["sample_id"])
    from_name, to_name = control_names(config)
    tag, field = data_field(config)
    if tag != "Table" and field not in data.columns:
        raise DataError(f"the project's labelstudio.xml shows ${field}, which is not a column "
                        f"of {str(project.data_path)!r} (columns: {list(data.columns)[:20]!r}); "
                        f"show one of them, or every column with <Table name={to_name!r} "
                        f"value='${TABLE_FIELD}'/>")
    suggestions = [None if s is None or pd.isna(s) else str(s) for s in items["suggestion"]]
    scores = [_plain(s) for s in items["score"]]
    version = "semiloop" if round_number is None else f"round-{round_number}"
    tasks = []
    for position, sample_id in enumerate(items["sample_id"]):
        values = {name: _plain(v) for name, v in data.iloc[position].items()}
        shown = {field: values[field]} if tag != "Table" else {field: values}
        tasks.append(review_task({**shown, "sample_id": sample_id}, from_name=from_name,
                                 to_name=to_name, suggestion=suggestions[position],
                                 score=scores[position], model_version=version))
    taken = set(CSV_COLUMNS)
    sheet = pd.DataFrame({"sample_id": items["sample_id"].to_numpy(), "label": "",
                          "suggested": [s or "" for s in suggestions],
                          "score": items["score"].to_numpy(),
                          "reason": items["reason"].to_numpy()})
    sheet = pd.concat([sheet, data.rename(columns=lambda c: f"{c} (data)" if c in taken else c)
                       .reset_index(drop=True)], axis=1)
    folder = Path(out) if out is not None else project.folder / "review"
    csv_path = folder / f"batch-{batch_id}.csv"
    tasks_path = folder / f"batch-{batch_id}.labelstudio.json"
    with _files.atomic_path(csv_path) as temporary:
        sheet.to_csv(temporary, index=False)
    _files.write_text_atomic(tasks_path, json.dumps(tasks, indent=2, ensure_ascii=False,
                                                    allow_nan=False) + "\n")
    if asked_of is not None:
        with project.store() as store:
            store.assign_batch(batch_id, asked_of)
    return ReviewExport(batch_id, round_number, len(items), csv_path, tasks_path)


def import_review(project, path, *, annotator=None, resolve=False):
    """Add the answers in ``path`` to the project as human labels.

    Everything is checked before anything is written; the labels are added
    in one transaction, under the project's lock. Importing the same file
    again changes nothing; an answer the same person gave before is a
    duplicate; a different answer from another person is kept beside the
    first and reported as a conflict.

    Parameters
    ----------
    project : Project
    path : str or Path
        Our filled-in CSV, or a Label Studio export (JSON, JSON-MIN, CSV).
    annotator : str, default=None
        Who answered, where the file does not say (Label Studio's files
        name their annotators); default: the user name of this process.
    resolve : bool, default=False
        The answers settle the conflicts of their items (a lead's decision):
        they are kept as labels that resolve, and earlier human labels stay
        in the store, no longer current.

    Returns
    -------
    ReviewImport

    Raises
    ------
    DataError
        When the file cannot be read, holds no answers, or has problems
        (unknown ids or classes, malformed rows: all listed with their lines;
        nothing is imported).
    SemiloopError
        When another semiloop command holds the project.
    """
    path = Path(path)
    annotator = annotator or _user_name()
    with project.lock(), project.store() as store:
        classes = store.classes
        from_name, _ = control_names(_labeling_config(project, classes))
        answers = read_answers(path, classes=classes, sample_ids=store.items()["sample_id"],
                               annotator=annotator, from_name=from_name)
        batch_id = _answered_batch(store, set(answers.labels["sample_id"]))
        before = set(store.conflicts()["sample_id"])
        labels = answers.labels.assign(resolves=bool(resolve))
        content = answers.content + (b"\x00resolves" if resolve else b"")
        result = store.add_labels(labels, source="human", annotator=annotator,
                                  origin=path.name, file_format=answers.file_format,
                                  content=content, batch_id=batch_id,
                                  n_ignored=answers.n_ignored)
        conflicts = sorted(set(store.conflicts()["sample_id"]) - before)
    return ReviewImport(answers.file_format, len(answers.labels), result.n_labels,
                        result.n_duplicates, conflicts, answers.n_unanswered,
                        answers.n_cancelled, batch_id, result.already_imported)


def _labeling_config(project, classes):
    """The project's labelstudio.xml; the default config when the file is gone."""
    path = project.folder / "labelstudio.xml"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return labeling_config(classes, text_column=project.config["data"].get("text"))


def _item_data(project, row_numbers, sample_ids):
    """The items' rows of the data file (label column left out), checked against their ids."""
    from semiloop.data import read_table

    settings = project.config["data"]
    frame = read_table(project.data_path)
    changed = (f"the data file {str(project.data_path)!r} no longer holds the project's items "
               "in their rows; restore the file the project was made from")
    if len(row_numbers) and int(row_numbers.max()) >= len(frame):
        raise DataError(f"{changed} (it has {len(frame)} rows, the project's items reach row "
                        f"{int(row_numbers.max())})")
    rows = frame.iloc[row_numbers].reset_index(drop=True)
    id_column = settings.get("id")
    if id_column is not None:
        found = [str(_plain(v)) for v in rows.get(id_column, pd.Series(dtype=object))]
        wrong = [(s, f) for s, f in zip(sample_ids, found, strict=False) if s != f]
        if len(found) != len(rows) or wrong:
            raise DataError(f"{changed} (expected id {wrong[0][0]!r}, found {wrong[0][1]!r})"
                            if wrong else f"{changed} (no id column {id_column!r})")
    return rows.drop(columns=[settings["label"]], errors="ignore")


def _answered_batch(store, sample_ids):
    """The newest review batch that holds every answered item; None when none does."""
    batches = store.review_batches()
    for batch_id in reversed(batches["batch_id"].tolist()):
        if sample_ids <= set(store.review_items(batch_id)["sample_id"]):
            return int(batch_id)
    return None


def _plain(value):
    """A JSON-ready value: numpy scalars as Python ones, NaN and infinities as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is pd.NaT or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _user_name():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
