"""`semiloop check` (before training) and `semiloop monitor` (after deployment): trust the rows?

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
    _Encoding,
    _IdColumn,
    _Label,
    _meta,
    _NaValues,
    _quiet_deprecations,
    _Report,
    _Seed,
    _Sep,
    _spinner,
    _table,
    _text,
    _UnlabeledMarker,
    _user_errors,
    _write_file,
    app,
)

__all__ = ["check", "monitor"]

@app.command(cls=_Command, short_help="Should the unlabeled rows be trusted? (before training)")
def check(
    data: Annotated[Path, typer.Argument(
        metavar="DATA",
        help="Table with features and a label column: .csv, .tsv, .parquet or .jsonl.")],
    label: _Label,
    id_column: _IdColumn = None,
    unlabeled_marker: _UnlabeledMarker = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", metavar="FILE",
        help="Also write the full result as JSON (replaced if it exists).")] = None,
    report_out: _Report = None,
    seed: _Seed = 0,
    encoding: _Encoding = None,
    sep: _Sep = None,
    na_values: _NaValues = None,
):
    """Compare the labeled rows of a table with its unlabeled rows, before training.

    Prints a verdict (trust, caution or do not trust), what drives it (the features
    whose distribution differs, how well a classifier tells the two groups apart,
    groups of unlabeled rows apart from every labeled class) and what to do.

    \b
    Example:
      semiloop check tickets.csv --label category --json check.json --report check.html
    """
    with _user_errors("check") as stage:
        from semiloop.data import load_dataset
        from semiloop.trust.check import check_to_dict, check_unlabeled

        if json_out is not None:
            _check_writable_file(json_out, "--json")
        if report_out is not None:
            _check_report_file(report_out, json_out)
        stage.doing = f"reading {str(data)!r}"
        dataset = load_dataset(data, label, id_column=id_column,
                               unlabeled_marker=unlabeled_marker, encoding=encoding, sep=sep,
                               na_values=na_values or None)
        labeled = dataset.labeled_mask
        stage.doing = "comparing the labeled and unlabeled rows"
        with _quiet_deprecations(), _spinner(_console(stderr=True),
                                             "comparing labeled and unlabeled rows"):
            result = check_unlabeled(dataset.features[labeled].reset_index(drop=True),
                                     dataset.features[~labeled].reset_index(drop=True),
                                     dataset.y[labeled], random_state=seed)
        summary = check_to_dict(result, classes=dataset.classes, ids=dataset.ids[~labeled],
                                labeled_ids=dataset.ids[labeled])
        if json_out is not None:
            stage.doing = f"writing {str(json_out)!r}"
            _write_file(json_out, json.dumps(summary, indent=2) + "\n")
        if report_out is not None:
            from semiloop.report import check_report

            stage.doing = f"drawing the report {str(report_out)!r}"
            page = check_report(result, classes=dataset.classes, ids=dataset.ids[~labeled],
                                y_labeled=dataset.y[labeled], random_state=seed,
                                meta=_meta(f"data {data}", f"label column {label!r}",
                                           f"seed {seed}"))
            _write_file(report_out, page.to_html())
        _print_check(_console(), summary, json_out)
        if report_out is not None:
            _console().print(_text(f"wrote {report_out}"), soft_wrap=True)


def _print_check(console, summary, json_out):
    console.print(_text(f"verdict: {summary['verdict']} ({summary['n_labeled']} labeled, "
                        f"{summary['n_unlabeled']} unlabeled rows)"), soft_wrap=True)
    for reason in summary["reasons"]:
        console.print(_text(f"- {reason}"), soft_wrap=True)
    for advice in summary["advice"]:
        console.print(_text(f"what to do: {advice}"), soft_wrap=True)
    test = summary["classifier_test"]
    console.print(_text(f"classifier test: AUC {test['auc']:.3f} (0.5: the groups look "
                        f"alike), p = {test['p_value']:.3g}"), soft_wrap=True)
    table = _table("features, most shifted first",
                   ["feature", "test", "effect", "p-value", "PSI", "shifted"])
    for row in summary["features"][:10]:
        table.add_row(_text(row["feature"]), row["test"], f"{row['effect']:.3f}",
                      "" if row["p_value"] is None else f"{row['p_value']:.3g}",
                      f"{row['psi']:.3f} ({row['psi_band']})",
                      "yes" if row["feature"] in summary["drifted_features"] else "")
    console.print(table)
    if summary["n_labeled"] < 500:
        console.print(_text("(PSI is noisy with fewer than 500 labeled rows: the tests decide "
                            "what counts as shifted)"), soft_wrap=True)
    for group in summary["unseen_groups"]:
        shown = ", ".join(str(i) for i in group["ids"][:10])
        more = f" and {group['size'] - 10} more" if group["size"] > 10 else ""
        console.print(_text(f"group apart from every labeled class: {group['size']} rows "
                            f"(ids {shown}{more})"), soft_wrap=True)
    _print_label_noise(console, summary["label_noise"], json_out)
    if json_out is not None:
        console.print(_text(f"wrote {json_out}"), soft_wrap=True)


def _print_label_noise(console, noise, json_out, shown=10):
    if noise is None or not noise["noisy"] or not noise["issues"]:
        return
    where = f", all in {json_out}" if json_out is not None else ""
    table = _table(f"label noise: {noise['n_issues']} labels to review{where}",
                   ["id", "given", "suggested", "p(given)"])
    for row in noise["issues"][:shown]:
        table.add_row(_text(str(row["id"])), _text(row["given"]), _text(row["suggested"]),
                      f"{row['self_confidence']:.3f}")
    console.print(table)
    console.print(_text("(most likely wrong first; p(given): the out-of-fold probability of "
                        "the given label)"), soft_wrap=True)


@app.command(cls=_Command, short_help="Compare newly scored rows with the training data.")
def monitor(
    reference: Annotated[Path, typer.Argument(
        metavar="REFERENCE", help="The training table (its label column gives the prior).")],
    current: Annotated[Path, typer.Argument(
        metavar="CURRENT",
        help="New rows: a table, or a folder of tables (one per batch, oldest name first).")],
    model_file: Annotated[Path | None, typer.Option(
        "--model", metavar="MODEL",
        help="A model.skops from `semiloop train` (or its --out folder): adds the "
             "prediction alarms and, where CURRENT holds labels, their accuracy.")] = None,
    label: Annotated[str | None, typer.Option(
        "--label", "-l", metavar="COL",
        help="The label column (default: the model's), set aside from the features.")] = None,
    id_column: _IdColumn = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", metavar="FILE",
        help="Also write the full report as JSON (replaced if it exists); '-' prints it "
             "on standard output instead of the summary.")] = None,
    threshold: Annotated[list[str] | None, typer.Option(
        "--threshold", metavar="NAME=VALUE",
        help="Change an alarm's threshold: confidence_drop (0.10), entropy_drop (0.5), "
             "one_class (0.9), class_balance (0.20), prediction_drift (0.10) "
             "(repeat for several).")] = None,
    report_out: _Report = None,
):
    """Compare newly scored rows with the training data, and raise alarms.

    For each table of CURRENT: which features shifted, and with --model, the
    predictions' confidence, entropy and class balance against the training data.

    Exit status: 0 when no alarm trips, 3 when one does (so that cron or an
    orchestrator can act on it), 2 on an error.

    \b
    Example:
      semiloop monitor train.csv scored/ --model churn-model --json drift.json \\
          --report drift.html
    """
    from semiloop.monitor import ALARM_EXIT_STATUS

    with _user_errors("monitor") as stage:
        from semiloop.data import read_table
        from semiloop.monitor import monitor_windows, read_windows
        from semiloop.trust import ALARM_DEFAULTS

        overrides = _thresholds(threshold or [], ALARM_DEFAULTS)
        if json_out is not None and str(json_out) != "-":
            _check_writable_file(json_out, "--json")
        if report_out is not None:
            _check_report_file(report_out, json_out)
        model, classifier = None, None
        if model_file is not None:
            model = _load_table_model(model_file, stage)
            classifier = model.pipeline
            label = label or model.label_column
            id_column = id_column or model.id_column
        stage.doing = f"reading {str(reference)!r}"
        reference_frame = read_table(reference)
        stage.doing = f"reading {str(current)!r}"
        windows = read_windows(current, {})
        stage.doing = "comparing the current rows with the reference"
        with _quiet_deprecations():
            report = monitor_windows(reference_frame, windows, model=classifier,
                                     label_column=label, id_column=id_column,
                                     thresholds=overrides)
        text = json.dumps(report, indent=2) + "\n"
        if report_out is not None:
            from semiloop.report import monitor_report

            stage.doing = f"drawing the report {str(report_out)!r}"
            page = monitor_report(report, meta=_meta(
                f"reference {reference}", f"current {current}",
                f"model {model_file}" if model_file is not None else "no model"))
            _write_file(report_out, page.to_html())
        if json_out is not None and str(json_out) == "-":
            typer.echo(text, nl=False)
        else:
            if json_out is not None:
                _write_file(json_out, text)
            _print_monitor(_console(), report, json_out)
            if report_out is not None:
                _console().print(_text(f"wrote {report_out}"), soft_wrap=True)
    if report["tripped"]:
        raise typer.Exit(ALARM_EXIT_STATUS)


def _thresholds(items, defaults):
    from semiloop.errors import SemiloopError

    overrides = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in defaults:
            raise SemiloopError(f"--threshold {item!r}: no alarm is called {name!r}; the "
                                f"alarms are {', '.join(defaults)}")
        try:
            overrides[name] = float(value)
        except ValueError:
            raise SemiloopError(f"--threshold {item!r}: {value!r} is not a number; write "
                                f"NAME=VALUE, for example {name}={defaults[name]}") from None
    return overrides


def _load_table_model(model_file, stage):
    from semiloop.errors import ModelFileError
    from semiloop.persistence import load_model
    from semiloop.workflow import TableModel

    path = Path(model_file)
    if path.is_dir() and (path / "model.skops").is_file():
        path = path / "model.skops"
    stage.doing = f"loading the model {str(path)!r}"
    model = load_model(path)
    if not isinstance(model, TableModel):
        raise ModelFileError(f"{str(path)!r} holds a {type(model).__name__}, not a table "
                             "model; use the model.skops that `semiloop train` wrote for a table")
    return model


def _print_monitor(console, report, json_out):
    table = _table("current rows against the reference", ["window", "rows", "alarms"])
    for window in report["windows"]:
        table.add_row(_text(window["name"]), str(window["n_rows"]),
                      _text(", ".join(window["tripped"]) or "none"))
    console.print(table)
    for window in report["windows"]:
        for alarm in window["alarms"]:
            if alarm["tripped"]:
                console.print(_text(f"{window['name']}: {alarm['name']}: {alarm['message']}"),
                              soft_wrap=True)
        feedback = window.get("feedback")
        if feedback and feedback["n_labels"]:
            console.print(_text(f"{window['name']}: accuracy on {feedback['n_labels']} "
                                f"labeled rows {feedback['accuracy']:.3f}"), soft_wrap=True)
    if json_out is not None:
        console.print(_text(f"wrote {json_out}"), soft_wrap=True)
