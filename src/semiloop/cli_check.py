"""``semiloop check``: should the unlabeled rows of a table be trusted? (before training)

Registered on :data:`semiloop.cli.app` when :mod:`semiloop.cli` is imported.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from semiloop.cli import (
    _ENCODING_HELP,
    _NA_HELP,
    _SEP_HELP,
    _check_writable_file,
    _Command,
    _console,
    _quiet_deprecations,
    _spinner,
    _table,
    _text,
    _user_errors,
    _write_file,
    app,
)

__all__ = ["check"]


@app.command(cls=_Command, short_help="Should the unlabeled rows be trusted? (before training)")
def check(
    data: Annotated[Path, typer.Argument(
        metavar="DATA",
        help="Table with features and a label column: .csv, .tsv, .parquet or .jsonl.")],
    label: Annotated[str, typer.Option(
        "--label", "-l", metavar="COL", help="The label column.")],
    id_column: Annotated[str | None, typer.Option(
        "--id", metavar="COL",
        help="Column of distinct row ids, set aside from the features (default: row "
             "numbers).")] = None,
    unlabeled_marker: Annotated[str | None, typer.Option(
        metavar="VALUE",
        help="One more label value that means unlabeled, for example '?' or 0.")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", metavar="FILE",
        help="Also write the full result as JSON (replaced if it exists).")] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed.")] = 0,
    encoding: Annotated[str | None, typer.Option(
        metavar="NAME", help=_ENCODING_HELP)] = None,
    sep: Annotated[str | None, typer.Option(metavar="CHAR", help=_SEP_HELP)] = None,
    na_values: Annotated[list[str] | None, typer.Option(
        "--na-values", metavar="TEXT", help=_NA_HELP)] = None,
):
    """Compare the labeled rows of a table with its unlabeled rows, before training.

    Prints a verdict (trust, caution or do not trust), what drives it (the features
    whose distribution differs, how well a classifier tells the two groups apart,
    groups of unlabeled rows apart from every labeled class) and what to do.

    \b
    Example:
      semiloop check tickets.csv --label category --json check.json
    """
    with _user_errors("check") as stage:
        from semiloop.data import load_dataset
        from semiloop.trust.check import check_to_dict, check_unlabeled

        if json_out is not None:
            _check_writable_file(json_out)
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
        summary = check_to_dict(result, classes=dataset.classes, ids=dataset.ids[~labeled])
        if json_out is not None:
            stage.doing = f"writing {str(json_out)!r}"
            _write_file(json_out, json.dumps(summary, indent=2) + "\n")
        _print_check(_console(), summary, json_out)


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
    if json_out is not None:
        console.print(_text(f"wrote {json_out}"), soft_wrap=True)
