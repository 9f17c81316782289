"""The ``semiloop`` command line: parses, calls the library, prints.

Every :class:`~semiloop.errors.SemiloopError`, and every operating-system error
from reading or writing files, is printed as ``semiloop: error: <message>`` on
stderr with exit status 2 and no traceback; usage errors also exit with 2.
scikit-learn and pandas are imported inside the commands, so ``--help`` is quick.
"""

import json
import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from semiloop.base_models import BASE_MODELS
from semiloop.callbacks import ProgressLine
from semiloop.errors import ModelFileError, SemiloopError, SemiloopWarning
from semiloop.registry import METHODS

__all__ = ["app", "main"]

OUTPUT_FILES = ("model.skops", "predictions.csv", "metrics.json")
NO_GAIN_SENTENCE = (
    "Unlabeled data did not help on the validation signal: the model is the supervised one."
)
DEFAULT_METHOD = "auto"

ModelName = Enum("ModelName", {name: name for name in BASE_MODELS}, type=str)
MethodName = Enum("MethodName", {name: name for name in METHODS}, type=str)

app = typer.Typer(
    name="semiloop",
    help="Semi-supervised learning that does not make a model worse.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main(argv=None):
    """Entry point of the ``semiloop`` script and of ``python -m semiloop``."""
    app(args=argv, prog_name="semiloop")


@app.command()
def train(
    data: Annotated[Path, typer.Argument(
        metavar="DATA",
        help="Table with features and a label column (CSV, TSV, Parquet, JSON Lines, NPZ).")],
    label: Annotated[str, typer.Option(
        "--label", "-l", help="Label column; empty, -1 or --unlabeled-marker mean unlabeled.")],
    model: Annotated[ModelName, typer.Option(
        help="Base classifier: the supervised reference and fallback, and the classifier "
             "self-training wraps.")] = "logreg",
    method: Annotated[MethodName, typer.Option(
        help="; ".join(f"{name}: {info.summary}" for name, info in METHODS.items())
        + ". Every method is kept only where it beats the base classifier on held-out "
          "labeled rows.")] = DEFAULT_METHOD,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder for model.skops, predictions.csv and metrics.json.")
    ] = Path("semiloop-out"),
    id_column: Annotated[str | None, typer.Option(
        "--id", help="Column of distinct row ids (default: row numbers).")] = None,
    unlabeled_marker: Annotated[str | None, typer.Option(
        help="Extra label value that means unlabeled, for example '?'.")] = None,
    impute: Annotated[bool, typer.Option(
        "--impute", help="Fill missing values (median / most frequent) instead of failing.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
):
    """Train one of semiloop's recommended methods on a table and write its outputs."""
    with _user_errors("train"):
        from semiloop.workflow import train_table

        _check_writable(out)
        console = _console(stderr=True)
        with _quiet_deprecations(), _training_progress(console) as progress:
            result = train_table(
                data, label, model=ModelName(model).value, method=MethodName(method).value,
                id_column=id_column,
                unlabeled_marker=unlabeled_marker,
                nan_policy="impute" if impute else "error", random_state=seed,
                callbacks=[progress],
            )
        _write_outputs(out, result)
        _print_train_summary(_console(), result.metrics, out, len(result.predictions))


@app.command()
def predict(
    model_file: Annotated[Path, typer.Argument(
        metavar="MODEL", help="model.skops written by `semiloop train`.")],
    data: Annotated[Path, typer.Argument(
        metavar="DATA", help="Table to score; a label or id column in it is set aside.")],
    out: Annotated[str, typer.Option(
        "--out", "-o", help="CSV file to write, or '-' for standard output.")
    ] = "predictions.csv",
):
    """Score a table with a trained model: prediction, confidence, class probabilities."""
    with _user_errors("predict"):
        from semiloop._files import write_text_atomic
        from semiloop.persistence import load_model
        from semiloop.workflow import TableModel, predict_table

        model = load_model(model_file)
        if not isinstance(model, TableModel):
            raise ModelFileError(
                f"{str(model_file)!r} holds a {type(model).__name__}, not a table model; "
                "use the model.skops that `semiloop train` wrote"
            )
        frame = predict_table(model, data)
        text = frame.to_csv(index=False)
        if out == "-":
            typer.echo(text, nl=False)
        else:
            write_text_atomic(out, text)
        console = _console(stderr=out == "-")
        counts = frame["prediction"].value_counts().sort_index()
        table = _table(f"{len(frame)} rows scored", ["predicted class", "rows"])
        for name, count in counts.items():
            table.add_row(_text(name), str(count))
        console.print(table)
        if out != "-":
            console.print(_text(f"wrote {out}"), soft_wrap=True)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seeds the split, the kept labels and the models.")
    ] = 0,
):
    """Digits with 5% of the labels: supervised only vs semiloop vs fully supervised."""
    with _user_errors("demo"):
        from semiloop.demo import run_demo

        console = _console(stderr=True)
        with _quiet_deprecations(), _step_progress(console) as progress:
            result = run_demo(seed=seed, progress=progress)
        _print_demo_summary(_console(), result)


@contextmanager
def _user_errors(command=None):
    """Turn semiloop and file-system errors into ``semiloop: error: ...`` and exit 2.

    The message names ``command``'s options, not the Python ones (see :func:`_cli_message`);
    so do the semiloop warnings raised inside, printed as ``semiloop: warning: ...``.
    """
    try:
        with warnings.catch_warnings():
            warnings.showwarning = partial(_show_warning, command, warnings.showwarning)
            yield
    except SemiloopError as error:
        _fail(_cli_message(str(error), getattr(error, "options", {}), command))
    except OSError as error:
        _fail(_describe_os_error(error))


def _show_warning(command, show_other, message, category, *args, **kwargs):
    if not isinstance(message, SemiloopWarning):
        show_other(message, category, *args, **kwargs)
        return
    text = _cli_message(str(message), getattr(message, "options", {}), command)
    typer.echo(f"semiloop: warning: {text}", err=True)


# How each command spells the Python options that errors and warnings name
# (``SemiloopError.options``); ``{value!r}`` is the option's value.
_CLI_SPELLINGS = {
    ("nan_policy", "train"): "--impute",
    ("id_column", "train"): "--id",
    ("unlabeled_marker", "train"): "--unlabeled-marker {value!r}",
}
# What to do instead where a command has no such option: replaces the message's fix.
_CLI_FIXES = {
    ("nan_policy", "predict"): (
        "fill the missing values in this table, or train the model again with "
        "`semiloop train --impute` so that it fills them itself (with the training "
        "median or most frequent value)"
    ),
    ("roles", "train"): (
        "from the command line, name the column of row ids with --id, and leave out of "
        "the table a column that should not be a feature (or convert it to numbers or text)"
    ),
}
_NO_CLI_FIX = "this cannot be changed from the command line; use semiloop from Python"


def _cli_message(message, options, command):
    """``message`` with each Python option it names spelled as ``command`` spells it.

    ``options`` maps option names to values; the message spells each as
    ``name=value`` (``nan_policy='impute'``), or as the bare name when the
    value is None. Where ``command`` has that option, its spelling replaces
    the Python one; where it has none, the clause of the message that names
    it (from the ``"; "`` before it) is replaced by what to do instead.
    """
    for name, value in options.items():
        python = name if value is None else f"{name}={value!r}"
        if python not in message:
            continue
        spelling = _CLI_SPELLINGS.get((name, command))
        if spelling is not None:
            message = message.replace(python, spelling.format(value=value))
            continue
        start = message.rfind("; ", 0, message.index(python))
        kept = message[:start] if start >= 0 else message
        message = f"{kept}; {_CLI_FIXES.get((name, command), _NO_CLI_FIX)}"
    return message


def _fail(message):
    typer.echo(f"semiloop: error: {message}", err=True)
    raise typer.Exit(2)


def _describe_os_error(error):
    where = f" {str(error.filename)!r}" if error.filename else ""
    reason = error.strerror or str(error)
    return f"cannot use{where}: {reason}; check the path and its permissions"


def _check_writable(out):
    """Fail before training, not after, when ``out`` cannot become a writable folder."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SemiloopError(f"--out {str(out)!r} is a file; give a folder to write into")
    existing = out.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise SemiloopError(
            f"cannot write into {str(existing)!r} for --out {str(out)!r}; "
            "choose a folder you can write to"
        )


def _write_outputs(out, result):
    """Write the three outputs into a staging folder beside ``out``, then move them in.

    Each file appears in ``out`` by a rename, so ``out`` never holds half a file.
    """
    from semiloop.persistence import save_model

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        save_model(result.model, staging / "model.skops")
        result.predictions.to_csv(staging / "predictions.csv", index=False)
        (staging / "metrics.json").write_text(
            json.dumps(result.metrics, indent=2, default=_json_value) + "\n", encoding="utf-8")
        if not out.exists():
            os.replace(staging, out)
        else:
            for name in OUTPUT_FILES:
                os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _json_value(value):
    """JSON form of the numpy values a metrics dict may hold."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


@contextmanager
def _quiet_deprecations():
    """Hide scikit-learn's deprecation notices about semiloop's own choice of base models."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
        yield


@contextmanager
def _training_progress(console):
    """A callback that keeps a live status line of the training stages."""
    with _spinner(console, "fitting the supervised model on held-out folds") as show:
        yield ProgressLine(show)


@contextmanager
def _step_progress(console):
    with _spinner(console, "loading the digits") as show:
        yield show


@contextmanager
def _spinner(console, description):
    """Yield ``show(text)``, which updates a live status line on a terminal (else nothing)."""
    if not console.is_terminal:
        yield lambda text: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=console, transient=True)
    task = progress.add_task(description, total=None)
    with progress:
        yield lambda text: progress.update(task, description=text)


def _print_train_summary(console, metrics, out, n_predictions):
    table = _table("held-out accuracy on the labeled rows (cross-validated)",
                   ["candidate", "accuracy", "log-loss", "p-value", ""])
    for record in metrics["history"]:
        if "candidate" not in record:
            continue
        table.add_row(_text(record["candidate"]), _number(record["validation_accuracy"]),
                      _number(record["validation_log_loss"]),
                      "" if record["p_value"] is None else f"{record['p_value']:.3g}",
                      "kept" if record["kept"] else record["note"])
    if table.row_count:
        console.print(table)
    else:
        table = _table("validation signal", ["", "supervised only", "semiloop"])
        table.add_row("cross-validated accuracy\non the labeled rows",
                      _number(metrics["supervised_validation_accuracy"]),
                      _number(metrics["semiloop_validation_accuracy"]))
        console.print(table)
    classes = _table(f"{metrics['n_labeled']} labeled, {metrics['n_unlabeled']} unlabeled rows",
                     ["class", "labels", "pseudo-labels"])
    for name in metrics["classes"]:
        classes.add_row(_text(name), str(metrics["labeled_per_class"].get(name, 0)),
                        str(metrics["pseudo_labels_per_class"].get(name, 0)))
    console.print(classes)
    console.print(_text(f"method: {metrics['method']}; kept: {metrics['kept']}"))
    if "rounds" in metrics:
        console.print(f"self-training rounds: {metrics['rounds']} "
                      f"(stopped: {metrics['termination']})")
    if "guard" in metrics:
        console.print(_text(f"guard: {metrics['guard']['reason']}"), soft_wrap=True)
    if not metrics["used_unlabeled"]:
        console.print(NO_GAIN_SENTENCE, soft_wrap=True)
    console.print(_text(f"wrote {', '.join(OUTPUT_FILES)} ({n_predictions} unlabeled rows "
                        f"predicted) to {out}"), soft_wrap=True)


def _print_demo_summary(console, result):
    table = _table(f"digits, test accuracy ({result['n_test']} test images, seed {result['seed']})",
                   ["model", "labels", "test accuracy"])
    both = f"{result['n_labeled']} + {result['n_unlabeled']} unlabeled"
    table.add_row("supervised only", str(result["n_labeled"]),
                  _number(result["supervised_accuracy"]))
    table.add_row(f"semiloop (kept: {result['kept']})", both,
                  _number(result["semiloop_accuracy"]))
    table.add_row("fully supervised", str(result["n_train"]),
                  _number(result["fully_supervised_accuracy"]))
    console.print(table)
    candidates = _table("semiloop's candidates, held-out accuracy on the labeled rows",
                        ["candidate", "accuracy", "p-value", ""])
    for record in result["candidates"]:
        candidates.add_row(record["candidate"], _number(record["validation_accuracy"]),
                           "" if record["p_value"] is None else f"{record['p_value']:.3g}",
                           "kept" if record["kept"] else "")
    console.print(candidates)
    if not result["used_unlabeled"]:
        console.print("unlabeled data did not help on the validation signal, so the model is "
                      "the supervised one.", soft_wrap=True)
    elif result["gap_closed"] is not None:
        console.print(f"semiloop ({result['kept']}) closed {result['gap_closed']:.0%} of the gap "
                      "between supervised only and fully supervised.", soft_wrap=True)
    console.print(f"took {result['total_seconds']:.1f} s", soft_wrap=True)


def _console(stderr=False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _table(title, columns):
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table


def _text(value):
    """User data as plain text, never read as rich markup."""
    from rich.text import Text

    return Text(str(value))


def _number(value):
    return "n/a" if value is None else f"{value:.3f}"
