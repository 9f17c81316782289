"""The project store: one SQLite database that is the only writer of a project's labels.

It keeps the items (a stable ``sample_id`` and where the row lives), every
label ever given (human, rule or pseudo, who, when, in which round, from which
import), the rounds (pipeline, parameters, validation metrics, model file),
each round's predictions, the review batches, and the clean validation set.

Guarantees:

- A human label is never overwritten: labels are append-only (the schema's
  triggers refuse UPDATE, and DELETE of a human label), rules and
  pseudo-labels never replace a human label when the store reads the current
  labels, and a second, *different* human label for an item is kept beside the
  first and reported as a conflict until a label marked ``resolves`` settles it.
- Every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), in
  WAL mode with ``synchronous=FULL``: a process killed in the middle of an
  import or a round leaves the database as it was before that write.
- Writing the same import twice changes nothing: an import is known by the
  SHA-256 of its content, and a human label equal to one already given by the
  same annotator is a duplicate.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "project.db"
>>> store = ProjectStore.create(path, classes=["ham", "spam"],
...                             items=["a", "b", "c"], source_file="mail.csv")
>>> import pandas as pd
>>> labels = pd.DataFrame({"sample_id": ["a", "b"], "value": ["ham", "spam"]})
>>> store.add_labels(labels, source="human", annotator="ann", origin="mail.csv").n_labels
2
>>> store.add_labels(labels.assign(value=["spam", "spam"]), source="human",
...                  annotator="bob", origin="second look").n_conflicts
1
>>> store.current_labels()[["sample_id", "value", "source"]].values.tolist()
[['b', 'spam', 'human']]
>>> store.conflicts()["values"].tolist()
[['ham', 'spam']]
>>> store.close()
"""

import contextlib
import datetime
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from semiloop.errors import DataError, SemiloopError
from semiloop.loop.schema import MIGRATIONS, RANDOM_REASON, SCHEMA, SCHEMA_VERSION, SOURCES

__all__ = ["ImportResult", "ProjectStore", "content_hash"]


@dataclass(frozen=True)
class ImportResult:
    """What one write of labels changed.

    Attributes
    ----------
    import_id : int or None
        The import's id; None when nothing was written.
    n_labels : int
        Labels added.
    n_duplicates : int
        Human labels skipped because the same annotator gave the same value
        before.
    n_conflicts : int
        Items that hold two different human labels after this write (and did
        not before).
    already_imported : bool
        True when the same content was imported before; nothing was written.
    """

    import_id: int | None
    n_labels: int
    n_duplicates: int
    n_conflicts: int
    already_imported: bool = False


def content_hash(*parts):
    """SHA-256 (hex) of ``parts``, each bytes or JSON-serialisable."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes)
                      else json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def _now():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


class ProjectStore:
    """A project's SQLite database (see the module docstring for what it keeps).

    Use :meth:`create` for a new project and :meth:`open` for an existing one;
    both return a store that can be used as a context manager.

    Parameters
    ----------
    connection : sqlite3.Connection
        An open connection, in autocommit mode, to a database at
        :data:`~semiloop.loop.schema.SCHEMA_VERSION`.
    path : Path
        The database file.
    """

    def __init__(self, connection, path):
        self._db = connection
        self.path = Path(path)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path, *, classes, items, source_file, row_numbers=None):
        """Create the database at ``path`` with its classes and items.

        Parameters
        ----------
        path : str or Path
            The database file; it must not exist.
        classes : list of str
            The class names, in the order models number them.
        items : array-like of str, shape (n_items,)
            Distinct sample ids.
        source_file : str
            Where the rows live (the data file, as the project config names it).
        row_numbers : array-like of int, default=None
            Each item's row in ``source_file`` (default: 0 .. n_items - 1).

        Raises
        ------
        SemiloopError
            When ``path`` exists.
        DataError
            When ids repeat or fewer than two classes are given.
        """
        path = Path(path)
        if path.exists():
            raise SemiloopError(f"a project database already exists at {str(path)!r}; "
                                "open it instead, or choose another folder")
        items = [str(i) for i in items]
        if len(set(items)) != len(items):
            raise DataError("sample ids repeat; give every row a distinct id")
        classes = [str(c) for c in classes]
        if len(set(classes)) < 2:
            raise DataError(f"a project needs at least two classes; got {classes!r}")
        rows = range(len(items)) if row_numbers is None else [int(r) for r in row_numbers]
        connection = _connect(path)
        store = cls(connection, path)
        with store.transaction() as db:
            for statement in _statements(SCHEMA):
                db.execute(statement)
            created = _now()
            db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema_version", str(SCHEMA_VERSION)), ("created_at", created)])
            db.executemany("INSERT INTO classes VALUES (?, ?)",
                           [(name, i) for i, name in enumerate(classes)])
            db.executemany("INSERT INTO items VALUES (?, ?, ?, ?)",
                           [(i, str(source_file), r, created)
                            for i, r in zip(items, rows, strict=True)])
        return store

    @classmethod
    def open(cls, path):
        """Open the database at ``path``, bringing an older schema up to date.

        Raises
        ------
        SemiloopError
            When there is no database at ``path``, or a newer semiloop made it.
        """
        path = Path(path)
        if not path.is_file():
            raise SemiloopError(f"no project database at {str(path)!r}; create the project "
                                "with `semiloop init PROJECT --data DATA --label COL`")
        store = cls(_connect(path), path)
        version = store.schema_version
        if version > SCHEMA_VERSION:
            store.close()
            raise SemiloopError(
                f"the project at {str(path.parent)!r} has schema version {version}, newer "
                f"than this semiloop's {SCHEMA_VERSION}; upgrade semiloop to open it")
        if version < SCHEMA_VERSION:
            store._migrate(version)
        return store

    def _migrate(self, version):
        with self.transaction() as db:
            while version < SCHEMA_VERSION:
                if version not in MIGRATIONS:
                    raise SemiloopError(f"no migration from schema version {version}; "
                                        "this project cannot be opened by this semiloop")
                MIGRATIONS[version](db)
                version += 1
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))

    @property
    def schema_version(self):
        """int: the schema version recorded in the database."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    def close(self):
        """Close the connection."""
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction: everything in the block is committed, or nothing is."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------

    @property
    def classes(self):
        """list of str: the class names, in model order."""
        return [name for (name,) in
                self._db.execute("SELECT name FROM classes ORDER BY position")]

    def items(self):
        """DataFrame with ``sample_id``, ``source_file`` and ``row_number``, in row order."""
        return self._frame("SELECT sample_id, source_file, row_number FROM items "
                           "ORDER BY source_file, row_number")

    def labels(self, source=None):
        """Every label ever written (DataFrame, oldest first), of one ``source`` or all."""
        query = "SELECT * FROM labels"
        if source is not None:
            return self._frame(query + " WHERE source = ? ORDER BY label_id", (source,))
        return self._frame(query + " ORDER BY label_id")

    def current_labels(self, *, sources=("human", "rule")):
        """The label each item has now, one row per labeled item.

        A human label wins over a rule label. Items whose human labels disagree
        (a conflict no label ``resolves``) have no current label. Rule labels
        come from the latest rule import only (an older run's votes on items
        the latest run abstains on are dropped). Pseudo-labels are never
        current labels.

        Returns
        -------
        DataFrame
            ``sample_id``, ``value``, ``source``, ``confidence`` (1.0 for
            human labels), ``label_id`` (the label that decided), sorted by
            ``sample_id``.
        """
        human = self._human_labels()
        frames = []
        if "human" in sources and len(human):
            decided = human[~human["conflict"]]
            frames.append(decided.assign(source="human", confidence=1.0))
        if "rule" in sources:
            rule = self._frame(
                "SELECT sample_id, value, confidence, label_id FROM labels "
                "WHERE source = 'rule' AND import_id = (SELECT MAX(import_id) FROM labels "
                "WHERE source = 'rule')")
            rule = rule[~rule["sample_id"].isin(human["sample_id"])] if len(human) else rule
            frames.append(rule.assign(source="rule"))
        columns = ["sample_id", "value", "source", "confidence", "label_id"]
        frames = [f[columns] for f in frames if len(f)]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return (pd.concat(frames, ignore_index=True).sort_values("sample_id")
                .reset_index(drop=True))

    def conflicts(self):
        """Items with two different human labels and none marked ``resolves``.

        Returns
        -------
        DataFrame
            ``sample_id``, ``values`` (sorted list), ``annotators`` (list, in
            the order the labels came), one row per item.
        """
        labels = self._frame("SELECT sample_id, value, annotator, resolves FROM labels "
                             "WHERE source = 'human' ORDER BY label_id")
        settled = set(labels.loc[labels["resolves"] == 1, "sample_id"])
        labels = labels[~labels["sample_id"].isin(settled)]
        grouped = labels.groupby("sample_id", sort=True)
        rows = [(sample_id, sorted(set(group["value"])), group["annotator"].tolist())
                for sample_id, group in grouped if group["value"].nunique() > 1]
        return pd.DataFrame(rows, columns=["sample_id", "values", "annotators"])

    def _human_labels(self):
        """The deciding human label per item, with a ``conflict`` flag."""
        labels = self._frame("SELECT label_id, sample_id, value, resolves FROM labels "
                             "WHERE source = 'human' ORDER BY label_id")
        if not len(labels):
            return labels.assign(conflict=pd.Series(dtype=bool))
        resolving = labels[labels["resolves"] == 1].groupby("sample_id").tail(1)
        rest = labels[~labels["sample_id"].isin(resolving["sample_id"])]
        distinct = rest.groupby("sample_id")["value"].transform("nunique")
        rest = rest.assign(conflict=distinct > 1).groupby("sample_id").tail(1)
        decided = pd.concat([resolving.assign(conflict=False), rest], ignore_index=True)
        return decided[["sample_id", "value", "label_id", "conflict"]]

    def counts(self):
        """Current labels by source and class (DataFrame: rows sources, columns classes)."""
        current = self.current_labels()
        table = pd.crosstab(current["source"], current["value"]) if len(current) else (
            pd.DataFrame())
        return table.reindex(index=["human", "rule"], columns=self.classes, fill_value=0)

    def validation(self):
        """The clean validation set: ``sample_id`` and its current human ``value``.

        Items whose human labels came into conflict after they were set aside
        are left out until the conflict is resolved.
        """
        chosen = self._frame("SELECT sample_id FROM validation ORDER BY sample_id")
        human = self._human_labels()
        if not len(human):
            return chosen.assign(value=pd.Series(dtype=object))
        human = human[~human["conflict"]]
        return chosen.merge(human[["sample_id", "value"]], on="sample_id", how="inner")

    def rounds(self):
        """Every round (DataFrame), with ``metrics`` and ``parameters`` parsed from JSON."""
        frame = self._frame("SELECT * FROM rounds ORDER BY round")
        for column in ("metrics", "parameters", "pipeline"):
            frame[column] = [json.loads(v) if isinstance(v, str) else None for v in frame[column]]
        return frame

    def predictions(self, round_number):
        """One round's predictions: ``sample_id``, ``value``, ``confidence``."""
        return self._frame("SELECT sample_id, value, confidence FROM predictions "
                           "WHERE round = ? ORDER BY sample_id", (round_number,))

    def review_batches(self):
        """Every review batch (DataFrame), newest last."""
        return self._frame("SELECT * FROM review_batches ORDER BY batch_id")

    def review_items(self, batch_id):
        """The items of one review batch, in the order they are asked."""
        if self._db.execute("SELECT 1 FROM review_batches WHERE batch_id = ?",
                            (batch_id,)).fetchone() is None:
            known = self.review_batches()["batch_id"].tolist()
            raise SemiloopError(f"no review batch {batch_id}; the project has "
                                f"{known or 'none yet (run `semiloop round` first)'}")
        return self._frame("SELECT sample_id, position, score, reason, suggestion "
                           "FROM review_items WHERE batch_id = ? ORDER BY position", (batch_id,))

    def chosen_items(self):
        """Sample ids that a review batch asked about for a reason other than a random draw.

        Their labels were chosen near a model's boundary or flagged by the trust
        checks, so the guard does not judge on them (:func:`semiloop.loop.round.run_round`).
        """
        rows = self._db.execute("SELECT DISTINCT sample_id FROM review_items WHERE reason != ?",
                                (RANDOM_REASON,)).fetchall()
        return {row[0] for row in rows}

    def imports(self):
        """Every import of labels (DataFrame), oldest first."""
        return self._frame("SELECT * FROM imports ORDER BY import_id")

    def _frame(self, query, parameters=()):
        cursor = self._db.execute(query, parameters)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    # -- writing -------------------------------------------------------------------------

    def add_labels(self, labels, *, source, annotator, origin, file_format="table",
                   content=None, batch_id=None, round_number=None, n_ignored=0):
        """Add labels in one transaction, as one import.

        Parameters
        ----------
        labels : DataFrame
            ``sample_id`` and ``value`` (a class name); optional ``annotator``
            (overrides the argument per row), ``confidence`` in [0, 1] and
            ``resolves`` (bool: this human label settles a conflict).
        source : {"human", "rule", "pseudo"}
        annotator : str
            Who gave the labels (a person, a rule set, a round).
        origin : str
            Where they came from (a file name, ``"data file"``, ``"rules"``).
        file_format : str, default="table"
            Recorded with the import ("csv", "label-studio-json", ...).
        content : bytes or object, default=None
            What identifies the import (a file's bytes); by default the labels.
            The same content imported twice changes nothing the second time.
        batch_id, round_number : int, default=None
            The review batch answered, the round that produced the labels.
        n_ignored : int, default=0
            Rows of the file skipped on purpose (cancelled tasks), recorded.

        Returns
        -------
        ImportResult

        Raises
        ------
        DataError
            When an id is not an item of the project or a value is not one of
            its classes (nothing is written).
        """
        if source not in SOURCES:
            raise DataError(f"source must be one of {SOURCES}; got {source!r}")
        frame = _label_frame(labels, annotator)
        self._check_labels(frame)
        key = content_hash(content if content is not None else
                           [source, frame.to_dict(orient="list")])
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM imports WHERE sha256 = ?", (key,)).fetchone():
                return ImportResult(None, 0, 0, 0, already_imported=True)
            duplicates = np.zeros(len(frame), dtype=bool)
            before = set()
            if source == "human":
                given = self._frame("SELECT sample_id, value, annotator FROM labels "
                                    "WHERE source = 'human'")
                seen = set(map(tuple, given.values.tolist()))
                keys = list(zip(frame["sample_id"], frame["value"], frame["annotator"],
                                strict=True))
                duplicates = np.array([(k in seen) and not r for k, r in
                                       zip(keys, frame["resolves"], strict=True)], dtype=bool)
                duplicates |= pd.Series(keys).duplicated().to_numpy()
                before = set(self.conflicts()["sample_id"])
            fresh = frame[~duplicates]
            cursor = db.execute(
                "INSERT INTO imports (file_name, sha256, format, batch_id, imported_at, "
                "n_labels, n_duplicates, n_conflicts, n_ignored) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "0, ?)", (origin, key, file_format, batch_id, _now(), len(fresh),
                          int(duplicates.sum()), int(n_ignored)))
            import_id = cursor.lastrowid
            created = _now()
            db.executemany(
                "INSERT INTO labels (sample_id, value, source, annotator, created_at, round, "
                "confidence, origin, import_id, resolves) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.sample_id, r.value, source, r.annotator, created, round_number,
                  None if pd.isna(r.confidence) else float(r.confidence), origin, import_id,
                  int(r.resolves)) for r in fresh.itertuples(index=False)])
            n_conflicts = 0
            if source == "human":
                n_conflicts = len(set(self.conflicts()["sample_id"]) - before)
                db.execute("UPDATE imports SET n_conflicts = ? WHERE import_id = ?",
                           (n_conflicts, import_id))
        return ImportResult(import_id, len(fresh), int(duplicates.sum()), n_conflicts)

    def _check_labels(self, frame):
        known_ids = set(self._frame("SELECT sample_id FROM items")["sample_id"])
        unknown = [i for i in frame["sample_id"] if i not in known_ids]
        if unknown:
            raise DataError(f"{len(unknown)} label(s) name ids that are not items of the "
                            f"project: {unknown[:5]!r}; check the id column")
        classes = set(self.classes)
        bad = sorted(set(frame["value"]) - classes)
        if bad:
            raise DataError(f"labels {bad[:5]!r} are not classes of the project "
                            f"({sorted(classes)!r}); fix the labels, or add the class to "
                            "the project's classes")

    def set_validation(self, sample_ids):
        """Set the clean validation set aside, once per project.

        Parameters
        ----------
        sample_ids : array-like of str
            Items whose current label is human (and not in conflict).

        Raises
        ------
        SemiloopError
            When a validation set exists already, or an item has no human label.
        """
        sample_ids = [str(i) for i in sample_ids]
        human = self._human_labels()
        decided = dict(zip(human["sample_id"], human["label_id"], strict=True)) if len(
            human) else {}
        conflicted = set(human.loc[human["conflict"], "sample_id"]) if len(human) else set()
        missing = [i for i in sample_ids if i not in decided or i in conflicted]
        if missing:
            raise SemiloopError(f"{len(missing)} validation item(s) have no settled human "
                                f"label: {missing[:5]!r}; only human labels can validate")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM validation").fetchone():
                raise SemiloopError("the project's validation set is set aside already; it "
                                    "is chosen once so that every round is scored alike")
            db.executemany("INSERT INTO validation VALUES (?, ?)",
                           [(i, int(decided[i])) for i in sample_ids])

    def start_round(self, pipeline, parameters):
        """Record a round as running and return its number.

        A round still marked running from a process that died is marked
        failed first (the caller holds the project's lock, so no other round
        can be running).
        """
        with self.transaction() as db:
            db.execute("UPDATE rounds SET status = 'failed', finished_at = ?, message = "
                       "'interrupted' WHERE status = 'running'", (_now(),))
            cursor = db.execute(
                "INSERT INTO rounds (status, started_at, pipeline, parameters) "
                "VALUES ('running', ?, ?, ?)",
                (_now(), json.dumps(pipeline), json.dumps(parameters, sort_keys=True)))
            return cursor.lastrowid

    def finish_round(self, round_number, *, metrics, model_file, predictions, n_human, n_rule,
                     review=None, pseudo_labels=None):
        """Record a round's results in one transaction.

        Parameters
        ----------
        round_number : int
        metrics : dict
            JSON-ready validation metrics.
        model_file : str
            The model file, relative to the project folder.
        predictions : DataFrame
            ``sample_id``, ``value``, ``confidence`` for every item.
        n_human, n_rule : int
            Labels trained on, by source.
        review : dict, default=None
            ``strategy`` and ``items``, a DataFrame with ``sample_id``,
            ``score``, ``reason`` and optional ``suggestion``, in the order to
            ask; becomes the round's review batch.
        pseudo_labels : DataFrame, default=None
            ``sample_id``, ``value``, ``confidence`` of the pseudo-labels the
            round trained on, kept as source ``pseudo``.

        Returns
        -------
        int or None
            The review batch's id.
        """
        with self.transaction() as db:
            db.executemany("INSERT INTO predictions VALUES (?, ?, ?, ?)",
                           [(round_number, str(s), str(v), float(c)) for s, v, c in
                            predictions[["sample_id", "value", "confidence"]].itertuples(
                                index=False)])
            if pseudo_labels is not None and len(pseudo_labels):
                cursor = db.execute(
                    "INSERT INTO imports (file_name, sha256, format, imported_at, n_labels, "
                    "n_duplicates, n_conflicts, n_ignored) VALUES (?, ?, 'round', ?, ?, 0, 0, 0)",
                    (f"round {round_number}", content_hash("pseudo", round_number, _now()),
                     _now(), len(pseudo_labels)))
                db.executemany(
                    "INSERT INTO labels (sample_id, value, source, annotator, created_at, round, "
                    "confidence, origin, import_id) VALUES (?, ?, 'pseudo', ?, ?, ?, ?, ?, ?)",
                    [(str(s), str(v), f"round {round_number}", _now(), round_number, float(c),
                      f"round {round_number}", cursor.lastrowid) for s, v, c in
                     pseudo_labels[["sample_id", "value", "confidence"]].itertuples(
                         index=False)])
            batch_id = None
            if review is not None and len(review["items"]):
                items = review["items"]
                cursor = db.execute(
                    "INSERT INTO review_batches (round, created_at, strategy, size) "
                    "VALUES (?, ?, ?, ?)",
                    (round_number, _now(), review["strategy"], len(items)))
                batch_id = cursor.lastrowid
                suggestions = (items["suggestion"] if "suggestion" in items
                               else [None] * len(items))
                db.executemany("INSERT INTO review_items VALUES (?, ?, ?, ?, ?, ?)", [
                    (batch_id, str(s), position, None if pd.isna(score) else float(score),
                     str(reason), None if pd.isna(suggestion) else str(suggestion))
                    for position, (s, score, reason, suggestion) in enumerate(zip(
                        items["sample_id"], items["score"], items["reason"], suggestions,
                        strict=True))])
            db.execute(
                "UPDATE rounds SET status = 'done', finished_at = ?, metrics = ?, "
                "model_file = ?, n_human = ?, n_rule = ? WHERE round = ?",
                (_now(), json.dumps(metrics, sort_keys=True), model_file, int(n_human),
                 int(n_rule), round_number))
        return batch_id

    def assign_batch(self, batch_id, asked_of):
        """Record whom a review batch was asked of (the latest export's answer)."""
        self.review_items(batch_id)  # raises for an unknown batch
        with self.transaction() as db:
            db.execute("UPDATE review_batches SET asked_of = ? WHERE batch_id = ?",
                       (str(asked_of), batch_id))

    def fail_round(self, round_number, message):
        """Mark a round failed, with the reason."""
        with self.transaction() as db:
            db.execute("UPDATE rounds SET status = 'failed', finished_at = ?, message = ? "
                       "WHERE round = ?", (_now(), str(message), round_number))


def _label_frame(labels, annotator):
    if not {"sample_id", "value"} <= set(labels.columns):
        raise DataError(f"labels need the columns 'sample_id' and 'value'; got "
                        f"{list(labels.columns)!r}")
    frame = pd.DataFrame({"sample_id": labels["sample_id"].astype(str).to_numpy(),
                          "value": labels["value"].astype(str).to_numpy()})
    frame["annotator"] = (labels["annotator"].astype(str).to_numpy()
                          if "annotator" in labels else str(annotator))
    frame["confidence"] = (labels["confidence"].astype(float).to_numpy()
                           if "confidence" in labels else np.nan)
    if ((frame["confidence"] < 0) | (frame["confidence"] > 1)).any():
        raise DataError("label confidences must lie in [0, 1]")
    frame["resolves"] = (labels["resolves"].astype(bool).to_numpy()
                         if "resolves" in labels else False)
    return frame


def _connect(path):
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    return connection


def _statements(script):
    """Split a schema script into statements (triggers hold inner semicolons)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements
