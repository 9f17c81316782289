"""`semiloop review export` and `semiloop review import`: the items people label, and their labels.

Registered on :data:`semiloop.cli.app` as the ``review`` group when
:mod:`semiloop.cli` is imported.
"""

from pathlib import Path
from typing import Annotated

import typer

from semiloop.cli import _Command, _console, _text, _user_errors, app

__all__ = ["export", "import_", "review_app"]

#: the ``semiloop review`` command group
review_app = typer.Typer(
    help="Send a review batch to people, and take their labels back.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(review_app, name="review",
              help="Send a review batch to people (CSV or Label Studio), and take their "
                   "labels back.")

_Project = Annotated[Path, typer.Argument(metavar="PROJECT", help="The project folder.")]
#: how many conflicting items the import names
_SHOWN = 10


@review_app.command(cls=_Command, short_help="Write a review batch as CSV and Label Studio "
                                             "tasks.")
def export(
    project: _Project,
    batch: Annotated[int | None, typer.Option(
        "--batch", metavar="N", help="The review batch (default: the newest).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FOLDER",
        help="Write the files here (default: PROJECT/review).")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", metavar="NAME", help="Whom the batch is asked of (kept with the batch).")] = None,
):
    """Write a review batch twice: batch-N.csv, to fill in its label column, and
    batch-N.labelstudio.json, tasks to import into a Label Studio project set up with
    PROJECT/labelstudio.xml (the model's suggestion shows as a prediction).

    \b
    Example:
      semiloop review export tickets-project
      semiloop review import tickets-project tickets-project/review/batch-1.csv
    """
    with _user_errors("review export") as stage:
        from semiloop.errors import SemiloopError
        from semiloop.loop.project import open_project
        from semiloop.loop.review import export_review

        if out is not None and out.exists() and not out.is_dir():
            raise SemiloopError(f"--out {str(out)!r} is a file; give a folder to write into")
        opened = open_project(project)
        stage.doing = f"exporting a review batch of {str(project)!r}"
        written = export_review(opened, batch_id=batch, out=out, asked_of=to)
        console = _console()
        where = "" if written.round is None else f" (round {written.round})"
        console.print(_text(f"review batch {written.batch_id}{where}: {written.n_items} items"),
                      soft_wrap=True)
        console.print(_text(f"wrote {written.csv_path}: fill in its label column"),
                      soft_wrap=True)
        console.print(_text(f"wrote {written.tasks_path}: Label Studio tasks for a project "
                            f"set up with {opened.folder / 'labelstudio.xml'}"), soft_wrap=True)
        console.print(_text(f"next: semiloop review import {project} FILE (the filled CSV, "
                            "or Label Studio's JSON, JSON-MIN or CSV export)"), soft_wrap=True)


@review_app.command("import", cls=_Command, short_help="Add people's labels from a filled CSV "
                                                       "or a Label Studio export.")
def import_(
    project: _Project,
    file: Annotated[Path, typer.Argument(
        metavar="FILE",
        help="The filled CSV from `semiloop review export`, or Label Studio's JSON, "
             "JSON-MIN or CSV export.")],
    annotator: Annotated[str | None, typer.Option(
        "--annotator", metavar="NAME",
        help="Who labeled, where FILE does not say (Label Studio's files do); default: "
             "your user name.")] = None,
    resolve: Annotated[bool, typer.Option(
        "--resolve",
        help="FILE's labels settle the conflicts of their items (earlier labels are kept, "
             "no longer current).")] = False,
):
    """Add the labels in FILE to the project as human labels.

    The whole file is checked first: an unknown id, an unknown class or a malformed row
    stops the import (each is named with its line) and nothing is added. Rows without a
    label, tasks without annotations and skipped tasks are left out. Importing the same
    file twice adds nothing; a label that differs from another person's is kept beside
    it and reported as a conflict.

    \b
    Example:
      semiloop review import tickets-project project-3-at-2025-01-07.json
    """
    with _user_errors("review import") as stage:
        from semiloop.loop.project import open_project
        from semiloop.loop.review import import_review

        opened = open_project(project)
        stage.doing = f"importing {str(file)!r} into {str(project)!r}"
        result = import_review(opened, file, annotator=annotator, resolve=resolve)
        _print_import(_console(), file, result)


def _print_import(console, file, result):
    if result.already_imported:
        console.print(_text(f"{file} was imported before; nothing changed"), soft_wrap=True)
        return
    batch = "" if result.batch_id is None else f", review batch {result.batch_id}"
    console.print(_text(
        f"imported {file} ({result.file_format}{batch}): {result.n_labels} labels added, "
        f"{result.n_duplicates} duplicates, {len(result.conflicts)} conflicts"), soft_wrap=True)
    if result.conflicts:
        shown = ", ".join(result.conflicts[:_SHOWN])
        more = f" and {len(result.conflicts) - _SHOWN} more" if len(
            result.conflicts) > _SHOWN else ""
        console.print(_text(f"conflicts (two people gave different labels; both are kept and "
                            f"the item is left out of training until a label settles it: "
                            f"semiloop review import --resolve): "
                            f"{shown}{more}"), soft_wrap=True)
    ignored = [f"{n} {what}" for n, what in (
        (result.n_unanswered, "without an answer"),
        (result.n_cancelled, "cancelled (skipped) annotations")) if n]
    if ignored:
        console.print(_text(f"ignored: {', '.join(ignored)}"), soft_wrap=True)
