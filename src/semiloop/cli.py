"""The ``semiloop`` command line: parses, calls the library, prints.

Every :class:`~semiloop.errors.SemiloopError`, and every operating-system error
from reading or writing files, is printed as ``semiloop: error: <message>`` on
stderr with exit status 2 and no traceback; usage errors also exit with 2.
scikit-learn and pandas are imported inside the commands, so ``--help`` is quick.
"""

import json
import os
import shlex
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
from semiloop.registry import DEEP_METHODS, METHODS

__all__ = ["app", "main"]

OUTPUT_FILES = ("model.skops", "predictions.csv", "metrics.json")
DEFAULT_METHOD = "auto"

ModelName = Enum("ModelName", {name: name for name in BASE_MODELS}, type=str)
MethodName = Enum("MethodName", {name: name for name in METHODS}, type=str)

app = typer.Typer(
    name="semiloop",
    help="Semi-supervised learning that does not make a model worse.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Command(typer.core.TyperCommand):
    """Typer's command with the usage line written as ``DATA``, not ``{DATA}``."""

    def collect_usage_pieces(self, ctx):
        return [piece.replace("{", "").replace("}", "")
                for piece in super().collect_usage_pieces(ctx)]


def main(argv=None):
    """Entry point of the ``semiloop`` script and of ``python -m semiloop``."""
    app(args=argv, prog_name="semiloop")


def _print_version(value):
    if value:
        from semiloop import __version__

        typer.echo(f"semiloop {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print semiloop's version and exit.")] = False,
):
    """Semi-supervised learning that does not make a model worse.

    Example: semiloop train churn.csv --label churned --id customer_id
    """


_ENCODING_HELP = "Text encoding of a CSV or TSV file, for example latin-1 (default: UTF-8)."
_SEP_HELP = ("Column separator of a CSV file (default: a comma, or ';', tab or '|' when the "
             "header is split by one of them).")
_NA_HELP = ("Text that means a missing value in a CSV or TSV file, besides an empty cell "
            "(repeat for several, e.g. --na-values NA).")


_Label = Annotated[str, typer.Option("--label", "-l", metavar="COL", help="The label column.")]
_IdColumn = Annotated[str | None, typer.Option(
    "--id", metavar="COL",
    help="Column of distinct row ids, set aside from the features (default: row numbers).")]
_UnlabeledMarker = Annotated[str | None, typer.Option(
    metavar="VALUE", help="One more label value that means unlabeled, for example '?' or 0.")]
_Seed = Annotated[int, typer.Option(metavar="N", help="Random seed.")]
_Encoding = Annotated[str | None, typer.Option(metavar="NAME", help=_ENCODING_HELP)]
_Sep = Annotated[str | None, typer.Option(metavar="CHAR", help=_SEP_HELP)]
_NaValues = Annotated[list[str] | None, typer.Option(
    "--na-values", metavar="TEXT", help=_NA_HELP)]
_Report = Annotated[Path | None, typer.Option(
    "--report", metavar="FILE.html",
    help="Also write a self-contained HTML report with plots, which opens from disk "
         "(replaced if it exists; needs pip install 'semiloop[report]').")]


@app.command(cls=_Command, short_help="Train a model on a table with some labels.")
def train(
    data: Annotated[Path, typer.Argument(
        metavar="DATA",
        help="Table with features and a label column: .csv, .tsv, .parquet, .jsonl or .npz.")],
    label: _Label,
    model: Annotated[ModelName, typer.Option(
        metavar="NAME",
        help=f"Base classifier: {', '.join(BASE_MODELS)}. It is the supervised reference, "
             "the fallback, and what self-training wraps.")] = "logreg",
    method: Annotated[MethodName, typer.Option(
        metavar="NAME",
        help=f"{', '.join(METHODS)}. auto scores every method beside the supervised model "
             "on held-out labeled rows and keeps the one that clearly wins; a named method "
             "is still kept only where it beats the supervised model.")] = DEFAULT_METHOD,
    out: Annotated[Path, typer.Option(
        "--out", "-o", metavar="FOLDER",
        help="Folder for model.skops, predictions.csv and metrics.json; those three files "
             "are replaced if they exist.")] = Path("semiloop-out"),
    id_column: _IdColumn = None,
    unlabeled_marker: _UnlabeledMarker = None,
    impute: Annotated[bool, typer.Option(
        "--impute", help="Fill missing feature values (training median or most frequent "
                         "value) instead of failing.")] = False,
    seed: _Seed = 0,
    encoding: _Encoding = None,
    sep: _Sep = None,
    na_values: _NaValues = None,
    steps: Annotated[int | None, typer.Option(
        metavar="N", min=1,
        help=f"Deep methods ({', '.join(DEEP_METHODS)}): training steps (default: "
             "3000).")] = None,
    device: Annotated[str | None, typer.Option(
        metavar="NAME",
        help="Deep methods: where the network trains: auto (a GPU when there is one), cpu, "
             "cuda or cuda:N (default: auto).")] = None,
    modality: Annotated[str, typer.Option(
        metavar="KIND",
        help="What a row is: table, or signal (an .npz with X of shape (n, length) or "
             "(n, channels, length) and y, or a table whose columns are the samples; needs "
             "a deep method). auto: signal for an .npz whose X has 3 dimensions, else "
             "table.")] = "auto",
    filter_unlabeled: Annotated[float, typer.Option(
        metavar="SHARE", min=0.0, max=0.9,
        help="Leave this share of the unlabeled rows out of training: those farthest from "
             "every labeled row and most isolated in the table (see `semiloop check`); they "
             "are still predicted. Tables only. Default: 0 (none).")] = 0.0,
    report_out: _Report = None,
):
    """Train a model on a table with some labels, and predict its unlabeled rows.

    A row is unlabeled when its label cell is empty, -1, or the --unlabeled-marker
    value; every other value is a class (the text "None" or "NA" too).

    Writes into --out: model.skops (for `semiloop predict`), predictions.csv (one row
    per unlabeled row: its id, the predicted class, the confidence and one probability
    column per class) and metrics.json (what was compared and kept, and how the run
    was made).

    \b
    Example:
      semiloop train churn.csv --label churned --id customer_id --out churn-model
    """
    with _user_errors("train") as stage:
        from semiloop.workflow import train_table

        _check_writable(out)
        if report_out is not None:
            if Path(report_out).absolute().parent == Path(out).absolute() and \
                    Path(report_out).name in OUTPUT_FILES:
                raise SemiloopError(f"--report {str(report_out)!r} would replace one of the "
                                    "outputs; name it report.html")
            _check_report_file(report_out)
        console = _console(stderr=True)
        options = {"model": ModelName(model).value, "method": MethodName(method).value,
                   "id_column": id_column, "unlabeled_marker": unlabeled_marker,
                   "nan_policy": "impute" if impute else "error", "random_state": seed,
                   "encoding": encoding, "sep": sep, "na_values": na_values or None,
                   "method_options": _method_options(MethodName(method).value, steps, device),
                   "modality": _modality(modality, data)}
        if filter_unlabeled:
            if options["modality"] != "table":
                raise SemiloopError("--filter-unlabeled works on tables, not signals; "
                                    "leave it out")
            options["filter_unlabeled"] = filter_unlabeled
        stage.doing = (f"training --method {options['method']} --model {options['model']} "
                       f"on {str(data)!r}")
        with _quiet_deprecations(), _training_progress(console) as progress:
            result = train_table(data, label, callbacks=[progress], **options)
        stage.doing = f"writing the outputs into {str(out)!r}"
        result.metrics["run"]["command"] = _command_line(data, label, out, options)
        _write_outputs(out, result)
        if report_out is not None:
            from semiloop.report import training_report

            stage.doing = f"drawing the report {str(report_out)!r}"
            metrics = result.metrics
            page = training_report(
                [*metrics["history"], *metrics.get("training_history", [])],
                meta=_meta(f"data {data}", f"label column {label!r}",
                           f"method {metrics['method']}, kept {metrics['kept']}",
                           f"outcome: {metrics['outcome']}"))
            _write_file(report_out, page.to_html())
        _print_train_summary(_console(), result.metrics, out, len(result.predictions))
        if report_out is not None:
            _console().print(_text(f"wrote {report_out}"), soft_wrap=True)


@app.command(cls=_Command, short_help="Score a table with a trained model.")
def predict(
    model_file: Annotated[Path, typer.Argument(
        metavar="MODEL",
        help="The model.skops that `semiloop train` wrote (or its --out folder).")],
    data: Annotated[Path, typer.Argument(
        metavar="DATA", help="Table to score; a label or id column in it is set aside.")],
    out: Annotated[str, typer.Option(
        "--out", "-o", metavar="FILE",
        help="CSV file to write (replaced if it exists), or '-' for standard output.")
    ] = "predictions.csv",
    encoding: _Encoding = None,
    sep: _Sep = None,
    na_values: _NaValues = None,
):
    """Score a table with a trained model.

    Writes one row per input row: its id (the training --id column, else the row
    number), the predicted class, the confidence and one probability column per class.

    \b
    Example:
      semiloop predict churn-model/model.skops new-customers.csv --out scores.csv
    """
    with _user_errors("predict") as stage:
        from semiloop.persistence import load_model
        from semiloop.workflow import SignalModel, TableModel, predict_table

        if out != "-":
            _check_writable_file(out)
        model_path = Path(model_file)
        if model_path.is_dir() and (model_path / "model.skops").is_file():
            model_path = model_path / "model.skops"
        stage.doing = f"loading the model {str(model_path)!r}"
        model = load_model(model_path)
        if not isinstance(model, TableModel | SignalModel):
            raise ModelFileError(
                f"{str(model_path)!r} holds a {type(model).__name__}, not a table model; "
                "use the model.skops that `semiloop train` wrote"
            )
        stage.doing = f"scoring {str(data)!r}"
        frame = predict_table(model, data, encoding=encoding, sep=sep,
                              na_values=na_values or None)
        stage.doing = f"writing {out}"
        text = frame.to_csv(index=False)
        if out == "-":
            typer.echo(text, nl=False)
        else:
            _write_file(out, text)
        console = _console(stderr=out == "-")
        counts = frame["prediction"].value_counts().sort_index()
        table = _table(f"{len(frame)} rows scored", ["predicted class", "rows"])
        for name, count in counts.items():
            table.add_row(_text(name), str(count))
        console.print(table)
        if out != "-":
            console.print(_text(f"wrote {out}"), soft_wrap=True)


@app.command(cls=_Command, short_help="Supervised vs semiloop vs fully supervised on digits.")
def demo(
    seed: Annotated[int, typer.Option(help="Seeds the split, the kept labels and the models.")
    ] = 0,
):
    """Digits with 5% of the labels: supervised only vs semiloop vs fully supervised."""
    with _user_errors("demo") as stage:
        from semiloop.demo import run_demo

        stage.doing = "running the demo"

        console = _console(stderr=True)
        with _quiet_deprecations(), _step_progress(console) as progress:
            result = run_demo(seed=seed, progress=progress)
        _print_demo_summary(_console(), result)


class _Stage:
    """What a command is doing, named by the one line that an unexpected error prints."""

    def __init__(self, command):
        self.doing = f"running `semiloop {command}`"


@contextmanager
def _user_errors(command=None):
    """Turn semiloop and file-system errors into ``semiloop: error: ...`` and exit 2.

    The message names ``command``'s options, not the Python ones (see :func:`_cli_message`);
    so do the semiloop warnings raised inside, printed once each as
    ``semiloop: warning: ...``. Any other exception is a bug: it too ends in one
    line, which says what the command was doing and how to report it
    (``SEMILOOP_DEBUG=1`` shows the traceback). Yields a :class:`_Stage`.
    """
    stage = _Stage(command)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = partial(_show_warning, command, set())
            yield stage
    except SemiloopError as error:
        _fail(_cli_message(str(error), getattr(error, "options", {}), command))
    except OSError as error:
        _fail(_describe_os_error(error))
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        if os.environ.get("SEMILOOP_DEBUG"):
            raise
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        _fail(f"unexpected {type(error).__name__} while {stage.doing}"
              + (f": {reason}" if reason else "")
              + "; this is a bug in semiloop: please report it with the command you ran "
                "and the output of the same command run with SEMILOOP_DEBUG=1")


def _show_warning(command, shown, message, category, *args, **kwargs):
    text = _cli_message(str(message), getattr(message, "options", {}), command)
    if not issubclass(category, SemiloopWarning):
        text = f"{category.__name__} from {_origin(args)}: {text.strip().splitlines()[0]}"
    if text in shown:
        return
    shown.add(text)
    typer.echo(f"semiloop: warning: {text}", err=True)


def _origin(args):
    """The top-level package of the file that raised a warning (``sklearn``, ``numpy``)."""
    filename = str(args[0]) if args else ""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return Path(filename).stem or "python"


# How each command spells the Python options that errors and warnings name
# (``SemiloopError.options``); ``{value!r}`` is the option's value.
_CLI_SPELLINGS = {
    ("nan_policy", "train"): "--impute",
    ("id_column", "train"): "--id",
    ("unlabeled_marker", "train"): "--unlabeled-marker {value!r}",
    ("method", "train"): "--method {value}",
    ("label", "train"): "--label {value}",
    ("filter_unlabeled", "train"): "--filter-unlabeled {value}",
    **{(name, command): spelling for command in ("train", "predict") for name, spelling in {
        "encoding": "--encoding {value}",
        "sep": "--sep {value!r}",
        "na_values": lambda value: " ".join(f"--na-values {v!r}" for v in value),
    }.items()},
}
# What to do instead where a command has no such option: replaces the message's fix.
_CLI_FIXES = {
    ("nan_policy", "predict"): (
        "fill the missing values in this table, or train the model again with "
        "`semiloop train --impute` so that it fills them itself (with the training "
        "median or most frequent value)"
    ),
    ("trusted", "predict"): (
        "`semiloop predict` reads only models that `semiloop train` wrote; train the model "
        "again with `semiloop train`"
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
            spelled = spelling(value) if callable(spelling) else spelling.format(value=value)
            message = message.replace(python, spelled)
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


def _modality(modality, data):
    """``table`` or ``signal``: as given, or for ``auto`` from the shape of an .npz's X."""
    if modality not in ("auto", "table", "signal"):
        raise SemiloopError(f"--modality {modality} is not known; pass table, signal or auto")
    if modality != "auto":
        return modality
    if str(data).lower().endswith(".npz") and Path(data).is_file():
        import numpy as np

        try:
            with np.load(data, allow_pickle=False) as archive:
                if "X" in archive.files and archive["X"].ndim >= 3:
                    return "signal"
        except (ValueError, OSError):
            pass  # the reader names what is wrong with the file
    return "table"


def _method_options(method, steps, device):
    """The deep methods' training options; refused for the other methods."""
    given = {name: value for name, value in (("steps", steps), ("device", device))
             if value is not None}
    if given and method not in DEEP_METHODS:
        flags = " and ".join(f"--{name}" for name in given)
        raise SemiloopError(f"{flags} only apply to the deep methods ({', '.join(DEEP_METHODS)})"
                            f"; drop {flags}, or pass --method fixmatch (or another of them)")
    return given or None


def _command_line(data, label, out, options):
    """The ``semiloop train`` command that repeats a run, every option spelled out."""
    words = ["semiloop", "train", str(data), "--label", label, "--out", str(out),
             "--model", options["model"], "--method", options["method"],
             "--seed", str(options["random_state"])]
    for name, flag in (("id_column", "--id"), ("unlabeled_marker", "--unlabeled-marker"),
                       ("encoding", "--encoding"), ("sep", "--sep")):
        if options[name] is not None:
            words += [flag, str(options[name])]
    for value in options["na_values"] or ():
        words += ["--na-values", value]
    if options["nan_policy"] == "impute":
        words.append("--impute")
    for name, value in (options.get("method_options") or {}).items():
        words += [f"--{name}", str(value)]
    if options.get("modality", "table") != "table":
        words += ["--modality", options["modality"]]
    if options.get("filter_unlabeled"):
        words += ["--filter-unlabeled", str(options["filter_unlabeled"])]
    return shlex.join(words)


def _check_report_file(report_out, json_out=None):
    """Fail before the work when ``--report`` cannot be written or matplotlib is missing."""
    from semiloop.report import require_matplotlib

    path = Path(report_out)
    if json_out is not None and str(json_out) != "-" and \
            path.absolute() == Path(json_out).absolute():
        raise SemiloopError(f"--json and --report name the same file {str(path)!r}; give "
                            "each its own, for example report.json and report.html")
    _check_writable_file(path, "--report")
    require_matplotlib()


def _meta(*lines):
    """Lines under a report's title, ending with when it was made."""
    from datetime import datetime

    return [*lines, f"made {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"]


#: The file name each option's error suggests when it is given a folder.
_EXAMPLE_FILE = {"--out": "predictions.csv", "--json": "report.json", "--report": "report.html"}


def _check_writable_file(path, option="--out"):
    """Fail before scoring, not after, when ``path`` cannot become a file."""
    path = Path(path)
    if path.is_dir():
        raise SemiloopError(
            f"{option} {str(path)!r} is a folder; give a file name, for example "
            f"{str(path / _EXAMPLE_FILE.get(option, 'report.json'))!r}"
        )
    folder = path.absolute().parent
    if not folder.is_dir():
        raise SemiloopError(
            f"the folder of {option} {str(path)!r} does not exist; create it or choose another path"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (
            path.exists() and not os.access(path, os.W_OK)):
        raise SemiloopError(
            f"cannot write {str(path)!r} for {option}; choose a file you can write to"
        )


def _write_file(path, text):
    """Write ``text`` to ``path`` atomically; an error names ``path``, not a temporary file."""
    from semiloop import _files

    try:
        _files.write_text_atomic(path, text)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from None
    _apply_umask(Path(path))


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _apply_umask(path):
    """Give ``path`` the permissions a new file or folder gets from the user's umask.

    Temporary files and folders are created private (0600 / 0700); once renamed into
    place they get the usual ones.
    """
    base = 0o777 if path.is_dir() else 0o666
    path.chmod(base & ~_umask())


_STAGING_SUFFIX = ".semiloop-part"


def _staging_folders(out):
    """Staging folders beside ``out`` left by runs that are no longer alive (kill -9)."""
    for folder in Path(out).parent.glob(f".{Path(out).name}.*{_STAGING_SUFFIX}"):
        pid = folder.name[len(Path(out).name) + 2:-len(_STAGING_SUFFIX)].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            yield folder


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_outputs(out, result):
    """Write the three outputs into a staging folder beside ``out``, then move them in.

    Each file appears in ``out`` by a rename, so ``out`` never holds half a file. The
    staging folder's name carries this process's id, so that the next run can remove
    one that a killed run left behind.
    """
    from semiloop.persistence import save_model
    from semiloop.workflow import prediction_only

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in _staging_folders(out):
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.",
                                    suffix=_STAGING_SUFFIX, dir=out.parent))
    try:
        save_model(prediction_only(result.model), staging / "model.skops")
        result.predictions.to_csv(staging / "predictions.csv", index=False)
        (staging / "metrics.json").write_text(
            json.dumps(result.metrics, indent=2, default=_json_value) + "\n", encoding="utf-8")
        for name in OUTPUT_FILES:
            _apply_umask(staging / name)
        if not out.exists():
            _apply_umask(staging)
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
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
        yield


@contextmanager
def _training_progress(console):
    """A callback that shows the training stages."""
    with _spinner(console, "fitting the supervised model on held-out folds") as show:
        yield ProgressLine(show)


@contextmanager
def _step_progress(console):
    with _spinner(console, "loading the digits") as show:
        yield show


#: Seconds between two progress lines when the output is not a terminal.
PLAIN_PROGRESS_SECONDS = 10.0


@contextmanager
def _spinner(console, description):
    """Yield ``show(text)``: a live status line on a terminal, plain lines elsewhere.

    Off a terminal (cron, CI, a pipe), every :data:`PLAIN_PROGRESS_SECONDS` the
    current stage is printed as one line ``semiloop: <elapsed> <text>``; a command
    that ends sooner prints none.
    """
    if not console.is_terminal:
        with _plain_progress(console, description) as show:
            yield show
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=console, transient=True)
    task = progress.add_task(description, total=None)
    with progress:
        yield lambda text: progress.update(task, description=text)


@contextmanager
def _plain_progress(console, description):
    import threading
    import time

    current = [description]
    started = time.monotonic()
    done = threading.Event()

    def tick():
        while not done.wait(PLAIN_PROGRESS_SECONDS):
            elapsed = int(time.monotonic() - started)
            console.print(_text(f"semiloop: {elapsed // 60}:{elapsed % 60:02d} {current[0]}"),
                          soft_wrap=True)

    ticker = threading.Thread(target=tick, name="semiloop-progress", daemon=True)
    ticker.start()
    try:
        yield lambda text: current.__setitem__(0, text)
    finally:
        done.set()
        ticker.join()


def _print_train_summary(console, metrics, out, n_predictions):
    how = ("one held-out share" if metrics.get("validation", "").startswith("one held-out")
           else "cross-validated")
    table = _table(f"held-out labeled rows ({how}): every model compared",
                   ["candidate", "accuracy", "log-loss", "p-value", ""])
    for record in metrics["candidates"]:
        table.add_row(_text(record["candidate"]), _number(record["accuracy"]),
                      _number(record["log_loss"]),
                      "" if record["p_value"] is None else f"{record['p_value']:.3g}",
                      "kept" if record["kept"] else _text(record["note"]))
    console.print(table)
    classes = _table(f"{metrics['n_labeled']} labeled, {metrics['n_unlabeled']} unlabeled rows",
                     ["class", "labels", "pseudo-labels"])
    for name in metrics["classes"]:
        classes.add_row(_text(name), str(metrics["labeled_per_class"].get(name, 0)),
                        str(metrics["pseudo_labels_per_class"].get(name, 0)))
    console.print(classes)
    if metrics.get("unlabeled_filtered_out"):
        console.print(_text(f"left out of training: {metrics['unlabeled_filtered_out']} "
                            "unlabeled rows least like the labeled ones (--filter-unlabeled); "
                            "they are predicted all the same"), soft_wrap=True)
    console.print(_text(f"method: {metrics['method']}; kept: {metrics['kept']}"))
    if "rounds" in metrics:
        console.print(f"self-training rounds: {metrics['rounds']} "
                      f"(stopped: {metrics['termination']})")
    if "guard" in metrics:
        console.print(_text(f"guard: {metrics['guard']['reason']}"), soft_wrap=True)
    if metrics.get("held_back_for_review"):
        console.print(_text(f"{len(metrics['held_back_for_review'])} unlabeled rows held back "
                            "as unstable pseudo-labels, listed for review in metrics.json "
                            "(held_back_for_review)"), soft_wrap=True)
    if not metrics["used_unlabeled"]:
        console.print(_text(no_gain_sentence(metrics)), soft_wrap=True)
    console.print(_text(f"wrote {', '.join(OUTPUT_FILES)} ({n_predictions} unlabeled rows "
                        f"predicted) to {out}"), soft_wrap=True)


def no_gain_sentence(metrics):
    """Why the supervised model was kept, what was required, and what to try next."""
    others = [c["candidate"] for c in metrics["candidates"] if c["candidate"] != "supervised"]
    if all(c["accuracy"] is None for c in metrics["candidates"]):
        return ("kept the supervised model without a comparison: too few rows are labeled to "
                "hold any out (see the guard line above). Label more rows of each class, so "
                "that held-out rows can show whether unlabeled data helps.")
    level = metrics.get("guard", {}).get("level")
    required = ("" if level is None else
                f" by the required margin (one-sided p <= {level:.3g}"
                + (f", adjusted for choosing among {len(others)} candidates" if len(others) > 1
                   else "") + ")")
    compared = f"{', '.join(others)} against the supervised model" if others else (
        "the semi-supervised candidates")
    return (f"kept the supervised model: on the held-out labeled rows, {compared} showed no "
            f"gain{required}. To do better: label more rows (a small held-out set can only "
            "show large gains), try another --model or --method, or check that the "
            "unlabeled rows come from the same population as the labeled ones.")


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


# each module registers its commands on app: check and monitor; init, round and status; review
from semiloop import cli_check, cli_loop, cli_review  # noqa: E402,F401
