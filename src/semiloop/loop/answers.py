"""Reading answer files: the labels people gave to a review batch, checked before any is kept.

Four formats, told apart by the file's extension and content:

``csv``
    The CSV that ``semiloop review export`` writes, filled in: ``sample_id``
    and ``label`` (rows with an empty label are skipped), and optionally
    ``annotator`` per row. Comma, semicolon or tab separated.
``label-studio-json``
    Label Studio's JSON export: a list of tasks, each with ``data`` (holding
    ``sample_id``) and ``annotations``, each annotation's ``result`` holding
    ``choices`` under the project's ``from_name``. Cancelled annotations
    (skipped tasks) and tasks without annotations are skipped; predictions
    are never read as answers.
``label-studio-json-min``
    Label Studio's JSON-MIN export: a list of flat records, the data fields
    (``sample_id``) beside the ``from_name`` key and ``annotator``.
``label-studio-csv``
    Label Studio's CSV or TSV export: the same columns as JSON-MIN, with
    ``annotation_id``.

Every problem (an unknown id, an unknown class, a malformed row) is reported
with its line (CSV) or its task's index and id (JSON), all at once, and the
file is refused whole.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "batch-1.csv"
>>> _ = path.write_text("sample_id,label,suggested\\n3,spam,spam\\n4,,ham\\n")
>>> answers = read_answers(path, classes=["ham", "spam"], sample_ids=["3", "4"],
...                        annotator="ann")
>>> answers.labels.values.tolist(), answers.n_unanswered
([['3', 'spam', 'ann']], 1)
"""

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from semiloop.errors import DataError
from semiloop.loop.labelstudio import annotation_choices, annotator_name, cell_choices

__all__ = ["FORMATS", "Answers", "read_answers"]

#: the formats :func:`read_answers` reads
FORMATS = ("csv", "label-studio-json", "label-studio-json-min", "label-studio-csv")

#: how many problems an error lists (it counts them all)
SHOWN_PROBLEMS = 10

_TRUE = {"true", "1", "yes"}


@dataclass(frozen=True)
class Answers:
    """The answers read from one file.

    Attributes
    ----------
    labels : DataFrame
        ``sample_id``, ``value`` (a class), ``annotator``; one row per answer,
        in file order.
    file_format : str
        One of :data:`FORMATS`.
    n_unanswered : int
        Rows or tasks without an answer (an empty label, no annotation).
    n_cancelled : int
        Label Studio annotations marked cancelled (skipped tasks).
    content : bytes
        The file's bytes, which identify the import.
    """

    labels: pd.DataFrame
    file_format: str
    n_unanswered: int
    n_cancelled: int
    content: bytes = field(repr=False)

    @property
    def n_ignored(self):
        """int: rows, tasks and annotations skipped on purpose."""
        return self.n_unanswered + self.n_cancelled


def read_answers(path, *, classes, sample_ids, annotator, from_name="label"):
    """Read and check an answer file (see the module docstring for the formats).

    Parameters
    ----------
    path : str or Path
    classes : list of str
        The project's classes; every answer must be one.
    sample_ids : collection of str
        The project's items; every answer must name one.
    annotator : str
        Who answered, where the file does not say (our CSV without an
        ``annotator`` column).
    from_name : str, default="label"
        The name of the labeling config's ``Choices`` control.

    Returns
    -------
    Answers

    Raises
    ------
    DataError
        When the file is missing, not UTF-8, not a format above, holds no
        answer, or has problems: unknown ids, unknown classes, malformed rows
        (all listed, up to :data:`SHOWN_PROBLEMS`, with their lines).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no answer file {str(path)!r}; check the path")
    content = path.read_bytes()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{str(path)!r} is not UTF-8 text (byte {error.start}); save it as "
                        "UTF-8 (in Excel: CSV UTF-8)") from None
    reader = _Reader(path, classes, sample_ids, from_name, annotator)
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix not in (".csv", ".tsv") and text.lstrip()[:1] in "[{"):
        reader.read_json(text)
    else:
        reader.read_csv(text)
    return reader.result(content)


class _Reader:
    """Collects the answers and the problems of one file."""

    def __init__(self, path, classes, sample_ids, from_name, annotator):
        self.path, self.from_name, self.annotator = path, from_name, annotator
        self.classes = list(classes)
        self.known = set(sample_ids)
        self.rows, self.problems = [], []
        self.n_unanswered = self.n_cancelled = 0
        self.file_format = None

    # -- the formats ---------------------------------------------------------------------

    def read_json(self, text):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(f"{str(self.path)!r} is not valid JSON (line {error.lineno}: "
                            f"{error.msg}); export it again from Label Studio") from None
        if isinstance(records, dict):
            records = [records]
        if not isinstance(records, list):
            raise DataError(f"{str(self.path)!r} holds a JSON {type(records).__name__}, not a "
                            "list of tasks; export the project from Label Studio as JSON, "
                            "JSON-MIN or CSV")
        full = any(isinstance(r, dict) and ("annotations" in r or "completions" in r or
                                            isinstance(r.get("data"), dict)) for r in records)
        self.file_format = "label-studio-json" if full else "label-studio-json-min"
        for index, record in enumerate(records):
            if full:
                self._task(index, record)
            else:
                self._record(index, record)

    def _task(self, index, task):
        where = f"task [{index}]"
        if not isinstance(task, dict):
            return self.problems.append((where, "is not a task object"))
        if "id" in task:
            where += f" (id {task['id']})"
        annotations = task.get("annotations", task.get("completions")) or []
        if not isinstance(annotations, list):
            return self.problems.append((where, "has annotations that are not a list"))
        data = task.get("data")
        answered = cancelled = False
        for number, annotation in enumerate(annotations):
            place = f"{where}, annotation {number}"
            if not isinstance(annotation, dict):
                self.problems.append((place, "is not an annotation object"))
                continue
            if "id" in annotation:
                place = f"{where}, annotation {annotation['id']}"
            if annotation.get("was_cancelled") or annotation.get("skipped"):
                self.n_cancelled += 1
                cancelled = True
                continue
            try:
                choices = annotation_choices(annotation.get("result"), self.from_name)
            except DataError as error:
                self.problems.append((place, str(error)))
                continue
            if not choices:
                continue
            answered = True
            if not isinstance(data, dict):
                self.problems.append((where, "has no data object to take the sample_id from"))
                break
            self._answer(place, data.get("sample_id"), choices,
                         annotator_name(annotation.get("completed_by")))
        if not answered and not cancelled:
            self.n_unanswered += 1

    def _record(self, index, record):
        where = f"record [{index}]"
        if not isinstance(record, dict):
            return self.problems.append((where, "is not an object"))
        if "id" in record:
            where += f" (task id {record['id']})"
        self._labeled(where, record, record.get(self.from_name))

    def read_csv(self, text):
        lines = io.StringIO(text, newline="")
        header_line = lines.readline()
        header, sep = None, ","
        for sep in (",", ";", "\t"):
            header = [name.strip() for name in next(csv.reader([header_line], delimiter=sep),
                                                    [])]
            if "sample_id" in header:
                break
        else:
            raise DataError(f"{str(self.path)!r} has no sample_id column (its header: "
                            f"{header_line.strip()[:200]!r}); import the CSV that `semiloop "
                            "review export` wrote, filled in, or a Label Studio export")
        studio = {"annotation_id", "annotator"} <= set(header)
        self.file_format = "label-studio-csv" if studio else "csv"
        column = self.from_name if studio else "label"
        if column not in header:
            fix = ("name the Choices control in the project's labelstudio.xml as in the "
                   "Label Studio project" if studio else "add a label column and fill it in")
            raise DataError(f"{str(self.path)!r} has no {column!r} column (columns: "
                            f"{header[:20]!r}); {fix}")
        reader = csv.reader(lines, delimiter=sep)
        end = 1
        for cells in reader:
            line, end = end + 1, reader.line_num + 1
            if not cells or cells == [""]:
                continue
            where = f"line {line}"
            if len(cells) != len(header):
                self.problems.append((where, f"has {len(cells)} cells, the header "
                                             f"{len(header)}; quote cells that hold the "
                                             "separator"))
                continue
            row = dict(zip(header, cells, strict=True))
            if studio and row.get("was_cancelled", "").strip().lower() in _TRUE:
                self.n_cancelled += 1
                continue
            self._labeled(where, row, row[column])

    # -- one answer ----------------------------------------------------------------------

    def _labeled(self, where, row, value):
        """A flat row (our CSV, JSON-MIN, Label Studio CSV): its value, if any, is an answer."""
        try:
            choices = cell_choices(value, self.classes)
        except DataError as error:
            return self.problems.append((where, f"{self.from_name}: {error}"))
        if not choices:
            self.n_unanswered += 1
            return
        name = annotator_name(row.get("annotator")) if "annotation_id" in row else (
            str(row.get("annotator") or "").strip() or None)
        self._answer(where, row.get("sample_id"), choices, name)

    def _answer(self, where, sample_id, choices, annotator):
        if isinstance(sample_id, float) and sample_id.is_integer():
            sample_id = int(sample_id)
        sample_id = "" if sample_id is None else str(sample_id).strip()
        if not sample_id:
            return self.problems.append((where, "has no sample_id; answer the tasks that "
                                                "`semiloop review export` wrote, which carry it"))
        if sample_id not in self.known:
            return self.problems.append((where, f"sample_id {sample_id!r} is not an item of "
                                                "the project"))
        if len(choices) > 1:
            return self.problems.append((where, f"chooses {len(choices)} classes {choices!r} "
                                                f"for {sample_id!r}; an item takes one"))
        if choices[0] not in self.classes:
            return self.problems.append((where, f"label {choices[0]!r} is not a class of the "
                                                f"project {self.classes!r}"))
        self.rows.append((sample_id, choices[0], annotator or self.annotator))

    def result(self, content):
        if self.problems:
            shown = "\n".join(f"  {where}: {message}"
                              for where, message in self.problems[:SHOWN_PROBLEMS])
            more = len(self.problems) - SHOWN_PROBLEMS
            raise DataError(
                f"{str(self.path)!r} has {len(self.problems)} problem(s), so none of its "
                f"answers was imported:\n{shown}"
                + (f"\n  ... and {more} more" if more > 0 else "")
                + "\nfix them (or delete those rows) and import the file again")
        if not self.rows:
            raise DataError(
                f"{str(self.path)!r} holds no answers ({self.n_unanswered} without an answer, "
                f"{self.n_cancelled} cancelled); fill in the label column, or export from "
                "Label Studio after labeling")
        labels = pd.DataFrame(self.rows, columns=["sample_id", "value", "annotator"])
        return Answers(labels, self.file_format, self.n_unanswered, self.n_cancelled, content)
