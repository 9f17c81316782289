"""`semiloop init`, `semiloop round` and `semiloop status`: the loop of a labeling project.

Registered on :data:`semiloop.cli.app` when :mod:`semiloop.cli` is imported.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from semiloop.cli import (
    _check_report_file,
    _check_writable_file,
    _Command,
    _console,
    _IdColumn,
    _Label,
    _meta,
    _quiet_deprecations,
    _Report,
    _Seed,
    _spinner,
    _table,
    _text,
    _UnlabeledMarker,
    _user_errors,
    _write_file,
    app,
)

__all__ = ["init", "round_", "status"]

_Project = Annotated[Path, typer.Argument(metavar="PROJECT", help="The project folder.")]


@app.command(cls=_Command, short_help="Create a labeling project from a table.")
def init(
    project: Annotated[Path, typer.Argument(
        metavar="PROJECT", help="A new (or empty) folder for the project.")],
    data: Annotated[Path, typer.Option(
        "--data", metavar="DATA",
        help="Table with features and a label column: .csv, .tsv, .parquet or .jsonl.")],
    label: _Label,
    id_column: _IdColumn = None,
    text: Annotated[str | None, typer.Option(
        "--text", metavar="COL", help="A column of free text (featurised as text).")] = None,
    validation_share: Annotated[float, typer.Option(
        "--validation-share", metavar="SHARE",
        help="Share of the table's human labels set aside once as the clean validation "
             "set (at least 2 per class where a class has 3 or more).")] = 0.2,
    unlabeled_marker: _UnlabeledMarker = None,
    seed: _Seed = 0,
):
    """Create a project: a folder with its config, a database of every label, and a
    validation set of human labels that is never trained on.

    The labels in DATA become human labels. Edit PROJECT/semiloop.toml to change the
    pipeline, the query strategy or the batch size.

    \b
    Example:
      semiloop init tickets-project --data tickets.csv --label category --id ticket_id
    """
    with _user_errors("init") as stage:
        from semiloop.loop.project import init_project

        stage.doing = f"creating the project {str(project)!r}"
        created = init_project(project, data=data, label=label, id_column=id_column,
                               text_column=text, validation_share=validation_share,
                               seed=seed, unlabeled_marker=unlabeled_marker)
        with created.store() as store:
            counts = store.counts()
            n_items = len(store.items())
        n_human = int(counts.loc["human"].sum())
        console = _console()
        console.print(_text(f"created {project}: {n_items} items, {n_human} human labels "
                            f"({created.config['validation']['size']} set aside for "
                            "validation)"), soft_wrap=True)
        console.print(_text(f"next: semiloop round {project}"), soft_wrap=True)


@app.command("round", cls=_Command, short_help="Train on every label and choose what to "
                                               "label next.")
def round_(
    project: _Project,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", metavar="N",
        help="Items to ask about (default: the config's [round] batch_size).")] = None,
):
    """Train the project's pipeline on every current label, score it on the validation
    set, record the round, and write a review batch of the items to label next.

    \b
    Example:
      semiloop round tickets-project && semiloop review export tickets-project
    """
    with _user_errors("round") as stage:
        from semiloop.loop.project import open_project
        from semiloop.loop.round import run_round

        opened = open_project(project)
        stage.doing = f"running a round of {str(project)!r}"
        with _quiet_deprecations(), _spinner(_console(stderr=True), "training"):
            result = run_round(opened, batch_size=batch_size)
        metrics = result.metrics
        console = _console()
        console.print(_text(f"round {result.round}: trained on {metrics['n_human']} human "
                            f"and {metrics['n_rule']} rule labels; the guard judged on "
                            f"{metrics['n_judged']} human labels not chosen by the query"),
                      soft_wrap=True)
        if metrics.get("accuracy") is not None:
            console.print(_text(
                f"validation ({metrics['n_validation']} human labels): accuracy "
                f"{metrics['accuracy']:.1%}, macro-F1 {metrics['macro_f1']:.3f}; supervised "
                f"only {metrics['supervised_accuracy']:.1%}"), soft_wrap=True)
        if metrics.get("outcome"):
            console.print(_text(metrics["outcome"]), soft_wrap=True)
        if result.batch_id is None:
            console.print(_text("nothing left to ask: every item has a label"), soft_wrap=True)
        else:
            flagged = sum(r.startswith("flagged") for r in result.review["reason"])
            console.print(_text(
                f"review batch {result.batch_id}: {len(result.review)} items"
                + (f" ({flagged} flagged by the trust checks)" if flagged else "")
                + f"; next: semiloop review export {project}"), soft_wrap=True)


@app.command(cls=_Command, short_help="Labels, rounds and whether more labels still pay.")
def status(
    project: _Project,
    json_out: Annotated[Path | None, typer.Option(
        "--json", metavar="FILE",
        help="Also write the status as JSON (replaced if it exists).")] = None,
    report_out: _Report = None,
):
    """Show the project's labels by source and class, its rounds with their validation
    scores, the learning curve, and whether the last rounds stopped paying.

    \b
    Example:
      semiloop status tickets-project --report status.html
    """
    with _user_errors("status") as stage:
        from semiloop.loop.project import open_project
        from semiloop.loop.status import project_status

        if json_out is not None:
            _check_writable_file(json_out, "--json")
        if report_out is not None:
            _check_report_file(report_out, json_out)
        opened = open_project(project)
        stage.doing = f"reading {str(project)!r}"
        summary = project_status(opened)
        if json_out is not None:
            _write_file(json_out, json.dumps(summary, indent=2) + "\n")
        if report_out is not None:
            from semiloop.report import status_report

            stage.doing = f"drawing the report {str(report_out)!r}"
            page = status_report(summary, meta=_meta(f"project {project}"))
            _write_file(report_out, page.to_html())
        _print_status(_console(), summary)
        for path in (json_out, report_out):
            if path is not None:
                _console().print(_text(f"wrote {path}"), soft_wrap=True)


def _print_status(console, summary):
    console.print(_text(f"{summary['n_items']} items, {summary['n_unlabeled']} without a "
                        f"label, {summary['n_validation']} set aside for validation"),
                  soft_wrap=True)
    labels = summary["labels"]
    classes = sorted({c for counts in labels.values() for c in counts})
    table = _table("labels by source and class", ["source", *classes, "all"])
    for source, counts in labels.items():
        table.add_row(source, *[str(counts.get(c, 0)) for c in classes],
                      str(sum(counts.values())))
    console.print(table)
    if summary["rounds"]:
        rounds = _table("rounds", ["round", "status", "human labels", "judged on", "accuracy",
                                   "supervised", "macro-F1"])
        for r in summary["rounds"]:
            rounds.add_row(str(r["round"]), r["status"], _count(r["n_human"]),
                           _count(r["n_judged"]),
                           _share(r["accuracy"]), _share(r["supervised_accuracy"]),
                           "" if r["macro_f1"] is None else f"{r['macro_f1']:.3f}")
        console.print(rounds)
    if summary.get("rules"):
        rules = _table("rules (on the human labels outside the validation set)",
                       ["rule", "votes", "coverage", "conflicts", "accuracy", "estimated"])
        for rule in summary["rules"]:
            rules.add_row(_text(rule["rule"]), _text(", ".join(map(str, rule["polarity"]))),
                          _share(rule["coverage"]), _share(rule["conflicts"]),
                          _share(rule.get("empirical_accuracy")),
                          _share(rule.get("estimated_accuracy")))
        console.print(rules)
    for conflict in summary["conflicts"][:10]:
        console.print(_text(f"conflict: {conflict['sample_id']} labeled "
                            f"{' and '.join(conflict['values'])}"), soft_wrap=True)
    for note in summary["notes"]:
        console.print(_text(f"note: {note}"), soft_wrap=True)
    console.print(_text(summary["verdict"]), soft_wrap=True)


def _share(value):
    return "" if value is None else f"{value:.1%}"


def _count(value):
    return "" if value is None else str(value)
