"""The command line as a new user meets it: bad input, odd files, honest outputs (issue 10)."""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sample_tables import two_class_table
from typer.testing import CliRunner

from semiloop import __version__, cli
from semiloop.cli import app

runner = CliRunner()


def _semiloop(*args, cwd=None, env=None):
    """Run the real command line in a fresh process."""
    return subprocess.run([sys.executable, "-m", "semiloop", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "COLUMNS": "80", **(env or {})})


def _one_error_line(stderr):
    assert stderr.startswith("semiloop: error: "), stderr
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    return stderr


def _table(tmp_path, name="data.csv", **kwargs):
    frame = two_class_table(**kwargs)
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path, frame


class _Run:
    """A finished command in the shape of CliRunner's result."""

    def __init__(self, completed):
        self.exit_code = completed.returncode
        self.stdout, self.stderr = completed.stdout, completed.stderr
        self.output = completed.stdout + completed.stderr


def _train(tmp_path, path, *options):
    """``semiloop train`` in a fresh process, as a user runs it (self-training: the quickest)."""
    method = () if "--method" in options else ("--method", "self-training")
    return _Run(_semiloop("train", path, "--label", "label", "--id", "row",
                          "--out", tmp_path / "out", *method, *options, cwd=tmp_path))


def _predict(*args):
    return _Run(_semiloop("predict", *args))


def test_a_table_with_every_row_labeled_is_refused_up_front(tmp_path):
    frame = two_class_table()
    frame["label"] = ["cat"] * 60 + ["dog"] * 60
    frame.to_csv(tmp_path / "all.csv", index=False)
    result = _semiloop("train", tmp_path / "all.csv", "--label", "label", "--id", "row",
                       "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 2
    message = _one_error_line(result.stderr)
    assert "no unlabeled rows" in message and "--unlabeled-marker" in message
    assert not (tmp_path / "out").exists()


def test_a_forgotten_marker_is_named_in_the_error(tmp_path):
    path, _ = _table(tmp_path)  # '?' marks unlabeled rows, but nobody said so
    result = _train(tmp_path, path)
    assert result.exit_code == 2
    assert "the label '?'" in result.stderr
    assert "pass --unlabeled-marker '?'" in result.stderr


def test_a_numeric_marker_matches_numeric_labels(tmp_path):
    frame = two_class_table()
    frame["label"] = np.where(frame["label"] == "?", 0, np.where(frame["label"] == "cat", 1, 2))
    frame.to_csv(tmp_path / "zero.csv", index=False)
    result = _train(tmp_path, tmp_path / "zero.csv", "--unlabeled-marker", "0")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["n_unlabeled"] == int((frame["label"] == 0).sum())
    assert metrics["classes"] == ["1", "2"]


def test_a_class_named_none_is_a_class(tmp_path):
    path, frame = _table(tmp_path)
    frame["label"] = frame["label"].replace({"dog": "None"})
    frame.to_csv(path, index=False)
    result = _train(tmp_path, path, "--unlabeled-marker", "?")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["classes"] == ["None", "cat"]
    assert metrics["n_unlabeled"] == int((frame["label"] == "?").sum())
    predictions = pd.read_csv(tmp_path / "out" / "predictions.csv", keep_default_na=False)
    assert "None" in set(predictions["prediction"])


def test_latin1_file_names_the_encoding_option_and_reads_with_it(tmp_path):
    path, frame = _table(tmp_path)
    frame["colour"] = frame["colour"].replace({"red": "rötlich"})
    frame.to_csv(path, index=False, encoding="latin-1")
    result = _train(tmp_path, path, "--unlabeled-marker", "?")
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr and "--encoding latin-1" in result.stderr
    result = _train(tmp_path, path, "--unlabeled-marker", "?", "--encoding", "latin-1")
    assert result.exit_code == 0, result.output


def test_semicolon_separated_file_is_read(tmp_path):
    path, frame = _table(tmp_path)
    frame.to_csv(path, index=False, sep=";")
    result = _train(tmp_path, path, "--unlabeled-marker", "?")
    assert result.exit_code == 0, result.output
    result = _predict(tmp_path / "out", path, "--sep", ";", "--out", tmp_path / "scores.csv")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "scores.csv")) == len(frame)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    path, _ = _table(folder)
    result = runner.invoke(app, ["train", str(path), "--label", "label", "--id", "row",
                                 "--unlabeled-marker", "?", "--method", "self-training",
                                 "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder, result


def test_predict_takes_the_training_output_folder(trained, tmp_path):
    folder, _ = trained
    result = _predict(folder / "out", folder / "data.csv", "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.csv").exists()


def test_predict_out_problems_are_named_before_scoring(trained, tmp_path):
    folder, _ = trained
    model, data = folder / "out" / "model.skops", folder / "data.csv"
    result = _predict(model, data, "--out", tmp_path)
    assert result.exit_code == 2
    _one_error_line(result.stderr)
    assert "is a folder" in result.stderr and "predictions.csv" in result.stderr
    result = _predict(model, data, "--out", tmp_path / "absent" / "p.csv")
    assert result.exit_code == 2
    _one_error_line(result.stderr)
    assert "does not exist" in result.stderr and ".part" not in result.stderr


def test_metrics_record_how_to_reproduce_the_run(trained):
    folder, _ = trained
    run = json.loads((folder / "out" / "metrics.json").read_text())["run"]
    assert run["data"] == str((folder / "data.csv").resolve())
    assert (run["label_column"], run["id_column"], run["unlabeled_marker"]) == (
        "label", "row", "?")
    assert (run["method"], run["model"], run["random_state"]) == ("self-training", "logreg", 0)
    assert run["semiloop_version"] == __version__
    assert run["command"] == (
        f"semiloop train {folder / 'data.csv'} --label label --out {folder / 'out'} "
        "--model logreg --method self-training --seed 0 --id row --unlabeled-marker '?'")


def test_outputs_get_the_users_umask_permissions(trained):
    folder, _ = trained
    mask = os.umask(0o022)
    os.umask(mask)
    out = folder / "out"
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    for name in cli.OUTPUT_FILES:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o666 & ~mask


def test_a_killed_runs_staging_folder_is_cleaned_by_the_next_run(tmp_path):
    path, _ = _table(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".out.{dead}.abc{cli._STAGING_SUFFIX}"
    stale.mkdir()
    (stale / "model.skops").write_text("half")
    alive = tmp_path / f".out.{os.getpid()}.xyz{cli._STAGING_SUFFIX}"
    alive.mkdir()
    result = _train(tmp_path, path, "--unlabeled-marker", "?")
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert alive.exists()  # a live run's staging folder is left alone


def test_help_wraps_at_80_columns_without_placeholders():
    for args in (["--help"], ["train", "--help"], ["predict", "--help"]):
        result = _semiloop(*args)
        assert result.returncode == 0
        text = result.stdout
        assert max(len(line) for line in text.splitlines()) <= 80
        assert "<bool>" not in text and "{" not in text
    train = _semiloop("train", "--help").stdout
    assert "Example:" in train and "unlabeled" in train and "predictions.csv" in train
    assert "replaced" in train
    assert _semiloop("--version").stdout.strip() == f"semiloop {__version__}"


def test_an_unexpected_error_ends_in_one_line_that_says_what_was_done(tmp_path, monkeypatch):
    path, _ = _table(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("the solver fell over\nsecond line")

    monkeypatch.setattr("semiloop.workflow.train_table", broken)
    result = runner.invoke(app, ["train", str(path), "--label", "label", "--id", "row",
                                 "--unlabeled-marker", "?", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("semiloop: error: unexpected RuntimeError while training "
                                     "--method auto --model logreg on ")
    assert "the solver fell over" in result.stderr and "SEMILOOP_DEBUG=1" in result.stderr


def test_warnings_are_one_line_each_and_printed_once(capsys):
    import warnings

    from semiloop.errors import SemiloopWarning

    with cli._user_errors("train"):
        for _ in range(3):
            warnings.warn("thin class; label more rows", SemiloopWarning, stacklevel=1)
            warnings.warn("lbfgs failed to converge", UserWarning, stacklevel=1)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["semiloop: warning: thin class; label more rows",
                     "semiloop: warning: UserWarning from test_cli_new_user: "
                     "lbfgs failed to converge"]


def test_progress_off_a_terminal_is_plain_periodic_lines(monkeypatch):
    import io
    import time

    from rich.console import Console

    monkeypatch.setattr(cli, "PLAIN_PROGRESS_SECONDS", 0.05)
    printed = io.StringIO()
    with cli._spinner(Console(file=printed, width=80), "first stage") as show:
        time.sleep(0.12)
        show("second stage")
        time.sleep(0.12)
    lines = printed.getvalue().splitlines()
    assert len(lines) >= 2 and all(line.startswith("semiloop: 0:00 ") for line in lines)
    assert lines[0].endswith("first stage") and lines[-1].endswith("second stage")
    printed = io.StringIO()
    with cli._spinner(Console(file=printed, width=80), "quick"):
        pass
    assert printed.getvalue() == ""


@pytest.mark.parametrize("model, method, labels", [
    ("hgb", "graph", ["cat", "dog"]),          # one labeled row per class
    ("svm", "s3vm", ["cat", "dog", "dog"]),    # one class with a single labeled row
    ("logreg", "auto", ["cat", "dog"]),
])
def test_classes_with_a_single_label_train_without_a_traceback(tmp_path, model, method, labels):
    path, frame = _table(tmp_path)
    frame["label"] = "?"
    frame.loc[[frame.index[0], frame.index[-1], frame.index[-2]][:len(labels)], "label"] = [
        labels[0], *labels[1:]]
    frame.to_csv(path, index=False)
    result = _train(tmp_path, path, "--unlabeled-marker", "?", "--model", model,
                    "--method", method)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert all(line.startswith("semiloop: warning: ") for line in result.stderr.splitlines())
    assert "single labeled row" in result.stderr
    assert "kept the supervised model without a comparison" in result.stdout
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["kept"] == "supervised" and not metrics["used_unlabeled"]


def test_deep_method_trains_behind_the_guard_and_steps_only_for_deep(tmp_path):
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    frame["y"] = (frame.a > 0).astype(int)
    frame.loc[16:, "y"] = -1
    data = tmp_path / "small.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "deep"
    result = _semiloop("train", str(data), "--label", "y", "--method", "flexmatch",
                     "--steps", "30", "--device", "cpu", "--out", str(out))
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["validation"] == "one held-out share of the labeled rows"
    assert [c["candidate"] for c in metrics["candidates"]] == ["supervised", "flexmatch"]
    assert "--steps 30 --device cpu" in metrics["run"]["command"]
    assert "one held-out share" in result.stdout
    refused = _semiloop("train", str(data), "--label", "y", "--method", "graph", "--steps", "30",
                      "--out", str(tmp_path / "graph"))
    assert refused.returncode == 2
    assert "--steps only apply to the deep methods" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_deep_method_without_torch_names_the_extra(tmp_path):
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "y": [0, 1, -1, -1]})
    data = tmp_path / "tiny.csv"
    frame.to_csv(data, index=False)
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, _NoTorch())\n")
    result = _semiloop("train", str(data), "--label", "y", "--method", "fixmatch",
                     "--out", str(tmp_path / "o"), env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2
    assert "pip install torch==2.13.0 'semiloop[deep]'" in result.stderr
    assert "Traceback" not in result.stderr
