import io
import json
import shutil
import subprocess
import sys
from importlib.util import find_spec

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sample_tables import two_class_table
from typer.testing import CliRunner

from semiloop import cli
from semiloop.cli import OUTPUT_FILES, app

runner = CliRunner()


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data.csv"
    two_class_table().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained_once(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    two_class_table().to_csv(folder / "data.csv", index=False)
    report = ["--report", str(folder / "report.html")] if find_spec("matplotlib") else []
    result = runner.invoke(app, ["train", str(folder / "data.csv"), "--label", "label", "--id",
                                 "row", "--unlabeled-marker", "?", "--out", str(folder / "out"),
                                 *report])
    assert result.exit_code == 0, result.output
    return folder / "out", result


@pytest.fixture
def trained(tmp_path, data, trained_once):
    """A copy of the trained outputs in ``tmp_path / "out"``, and the training run."""
    out, result = trained_once
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "out", result


def _semiloop(*args, cwd=None):
    """Run the real command line in a fresh process."""
    return subprocess.run([sys.executable, "-m", "semiloop", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_train_writes_model_predictions_and_metrics(tmp_path, trained):
    out, result = trained
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "out"]
    frame = two_class_table()
    unlabeled = frame.loc[frame["label"] == "?", "row"].tolist()
    predictions = pd.read_csv(out / "predictions.csv")
    assert predictions["id"].tolist() == unlabeled
    assert list(predictions.columns[:3]) == ["id", "prediction", "confidence"]
    assert set(predictions["prediction"]) <= {"cat", "dog"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_labeled"] == len(frame) - len(unlabeled)
    assert metrics["n_unlabeled"] == len(unlabeled)
    for value in (metrics["supervised_validation_accuracy"],
                  metrics["semiloop_validation_accuracy"]):
        assert f"{value:.3f}" in result.stdout
    for record in metrics["history"]:  # every candidate of the default method, auto
        assert record["candidate"] in result.stdout
    assert f"method: auto; kept: {metrics['kept']}" in result.stdout


def test_train_again_replaces_the_outputs(tmp_path, data, trained):
    out, _ = trained
    (out / "notes.txt").write_text("mine")
    (out / "metrics.json").write_text("stale")
    result = runner.invoke(app, ["train", str(data), "--label", "label", "--unlabeled-marker",
                                 "?", "--out", str(out), "--model", "knn"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["model"] == "knn"
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "out"]


def test_predict_scores_new_rows_and_ignores_their_labels(tmp_path, trained):
    out, _ = trained
    new = two_class_table(n_rows=10, seed=5)
    new.to_csv(tmp_path / "new.csv", index=False)
    new.assign(label="nonsense").to_csv(tmp_path / "new_labelled.csv", index=False)
    new.drop(columns=["label"]).to_csv(tmp_path / "new_bare.csv", index=False)
    outputs = []
    for name in ("new_labelled.csv", "new_bare.csv"):
        target = tmp_path / f"scored_{name}"
        result = runner.invoke(app, ["predict", str(out / "model.skops"), str(tmp_path / name),
                                     "--out", str(target)])
        assert result.exit_code == 0, result.output
        assert "10 rows scored" in result.stdout
        outputs.append(pd.read_csv(target))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])
    assert outputs[0]["id"].tolist() == new["row"].tolist()
    assert outputs[0]["prediction"].tolist() == np.where(new["x"] < 0, "cat", "dog").tolist()


def test_predict_to_standard_output_keeps_it_pure_csv(tmp_path, trained):
    out, _ = trained
    two_class_table(n_rows=6, seed=2).to_csv(tmp_path / "new.csv", index=False)
    result = runner.invoke(app, ["predict", str(out / "model.skops"), str(tmp_path / "new.csv"),
                                 "--out", "-"])
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(io.StringIO(result.stdout))
    assert len(scored) == 6
    assert "6 rows scored" in result.stderr


def test_failed_training_writes_nothing(tmp_path):
    frame = two_class_table()
    frame.loc[4, "x"] = np.nan
    frame.to_csv(tmp_path / "holes.csv", index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["train", str(tmp_path / "holes.csv"), "--label", "label",
                                 "--unlabeled-marker", "?", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("semiloop: error: ")  # after the id warning
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holes.csv"]
    result = runner.invoke(app, ["train", str(tmp_path / "holes.csv"), "--label", "label",
                                 "--unlabeled-marker", "?", "--out", str(out), "--impute"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


def test_failed_training_leaves_an_existing_out_folder_alone(tmp_path, trained):
    out, _ = trained
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = runner.invoke(app, ["train", str(tmp_path / "data.csv"), "--label", "missing",
                                 "--out", str(out)])
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize("args, message", [
    (["train", "{data}", "--label", "nope"], "label column 'nope'"),
    (["train", "{tmp}/absent.csv", "--label", "label"], "file not found"),
    (["train", "{data}", "--label", "label", "--out", "{data}"], "is a file"),
    (["predict", "{tmp}/absent.skops", "{data}"], "does not exist"),
    (["predict", "{data}", "{data}"], "not a semiloop model file"),
])
def test_errors_exit_2_with_one_line_and_no_traceback(tmp_path, data, args, message):
    args = [arg.format(data=data, tmp=tmp_path) for arg in args]
    result = _semiloop(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("semiloop: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_unwritable_out_is_reported_before_training(tmp_path, data):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should go")
    result = runner.invoke(app, ["train", str(data), "--label", "label",
                                 "--out", str(blocker / "out")])
    assert result.exit_code == 2
    assert result.stderr.startswith("semiloop: error: ")
    assert "blocker" in result.stderr


def test_operating_system_errors_are_reported_like_the_others(tmp_path, trained, monkeypatch):
    out, _ = trained

    def refuse(path, text):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("semiloop._files.write_text_atomic", refuse)
    result = runner.invoke(app, ["predict", str(out / "model.skops"), str(tmp_path / "data.csv"),
                                 "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 2
    assert result.stderr == (f"semiloop: error: cannot use {str(tmp_path / 'p.csv')!r}: "
                             "Permission denied; check the path and its permissions\n")


def test_model_file_of_another_kind_is_refused(tmp_path):
    from sklearn.linear_model import LogisticRegression

    from semiloop.persistence import save_model

    save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), tmp_path / "plain.skops")
    pd.DataFrame({"x": [0.5]}).to_csv(tmp_path / "new.csv", index=False)
    result = runner.invoke(app, ["predict", str(tmp_path / "plain.skops"),
                                 str(tmp_path / "new.csv")])
    assert result.exit_code == 2
    assert "not a table model" in result.stderr


@pytest.mark.parametrize("args", [
    ["train", "data.csv"],
    ["train", "data.csv", "--label", "y", "--model", "xgboost"],
    ["train", "data.csv", "--label", "y", "--method", "tsvm"],
    ["predict", "model.skops"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(args):
    assert runner.invoke(app, args).exit_code == 2


def test_summary_says_what_was_compared_the_margin_and_what_to_do():
    metrics = {
        "n_labeled": 10, "n_unlabeled": 90, "classes": ["a", "[b]"],
        "labeled_per_class": {"a": 5, "[b]": 5}, "pseudo_labels_per_class": {},
        "rounds": 1, "termination": "rolled_back", "used_unlabeled": False,
        "method": "auto", "kept": "supervised",
        "candidates": [
            {"candidate": "supervised", "accuracy": 0.631, "log_loss": 0.7, "p_value": None,
             "kept": True, "note": ""},
            {"candidate": "graph", "accuracy": 0.661, "log_loss": 0.69, "p_value": 0.2,
             "kept": False, "note": ""},
            {"candidate": "s3vm", "accuracy": 0.6, "log_loss": 0.8, "p_value": 0.9,
             "kept": False, "note": ""}],
        "guard": {"level": 0.02275013, "reason": "no candidate clearly beats the reference"},
    }
    printed = io.StringIO()
    cli._print_train_summary(Console(file=printed, width=200), metrics, "out", 90)
    text = printed.getvalue()
    assert "kept the supervised model" in text
    assert "graph, s3vm against the supervised model" in text
    assert "p <= 0.0228, adjusted for choosing among 2 candidates" in text
    assert "label more rows" in text and "--method" in text
    assert "[b]" in text and "0.661" in text and "0.631" in text
    printed = io.StringIO()
    cli._print_train_summary(Console(file=printed, width=200),
                             {**metrics, "used_unlabeled": True}, "out", 90)
    assert "kept the supervised model" not in printed.getvalue()


@pytest.mark.parametrize("method, names", [
    ("self-training", ["supervised", "self-training"]),
    ("graph", ["supervised", "graph"]),
])
def test_summary_names_every_candidate_and_the_kept_one_plainly(tmp_path, method, names):
    frame = two_class_table(n_rows=200, share_unlabeled=0.85)
    frame.to_csv(tmp_path / "data.csv", index=False)
    result = runner.invoke(app, ["train", str(tmp_path / "data.csv"), "--label", "label",
                                 "--id", "row", "--unlabeled-marker", "?", "--method", method,
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert [c["candidate"] for c in metrics["candidates"]] == names
    kept = [c["candidate"] for c in metrics["candidates"] if c["kept"]]
    assert kept == [metrics["kept"]]
    assert metrics["kept"] == (names[1] if metrics["used_unlabeled"] else "supervised")
    assert f"kept: {metrics['kept']}" in result.stdout
    assert "SparseLabelSpreading" not in result.stdout


def test_train_with_the_graph_method_and_its_guard(tmp_path):
    frame = two_class_table(n_rows=200, share_unlabeled=0.85)
    frame.to_csv(tmp_path / "data.csv", index=False)
    result = runner.invoke(app, ["train", str(tmp_path / "data.csv"), "--label", "label",
                                 "--id", "row", "--unlabeled-marker", "?", "--method", "graph",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["method"] == "graph"
    assert [entry["candidate"] for entry in metrics["history"]] == [
        "supervised", "SparseLabelSpreading"]
    assert metrics["used_unlabeled"] == metrics["history"][1]["kept"]
    assert f"method: graph; kept: {metrics['kept']}" in result.output
    assert "guard: " in result.output and "p = " in result.output
    predictions = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert len(predictions) == (frame["label"] == "?").sum()


def test_demo_prints_every_model_and_each_candidate(monkeypatch):
    seen = {}

    def fake_run_demo(seed=0, progress=None):
        seen["seed"] = seed
        candidates = [
            {"candidate": "supervised", "validation_accuracy": 0.81, "p_value": None,
             "kept": False},
            {"candidate": "self-training", "validation_accuracy": 0.83, "p_value": 0.2,
             "kept": False},
            {"candidate": "graph", "validation_accuracy": 0.93, "p_value": 0.001, "kept": True},
        ]
        return {"seed": seed, "n_test": 540, "n_train": 1257, "n_labeled": 60,
                "n_unlabeled": 1197, "supervised_accuracy": 0.8, "semiloop_accuracy": 0.85,
                "fully_supervised_accuracy": 0.9, "gap_closed": 0.5, "used_unlabeled": True,
                "kept": "graph", "candidates": candidates, "total_seconds": 1.5}

    monkeypatch.setattr("semiloop.demo.run_demo", fake_run_demo)
    result = runner.invoke(app, ["demo", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert seen["seed"] == 4
    for text in ("supervised only", "0.800", "semiloop (kept: graph)", "0.850",
                 "fully supervised", "0.900", "self-training", "0.830", "0.2", "0.001",
                 "semiloop (graph) closed 50% of the gap"):
        assert text in result.stdout


def test_python_m_semiloop_and_a_light_import():
    result = _semiloop("--help")
    assert result.returncode == 0
    for command in ("train", "predict", "demo"):
        assert command in result.stdout
    code = ("import sys, semiloop.cli; "
            "print(sorted(m for m in ('sklearn', 'pandas', 'scipy', 'skops') if m in sys.modules))")
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
    assert imported.stdout.strip() == "[]"


def _holes_table(tmp_path):
    frame = two_class_table()
    frame.loc[[4, 9], "x"] = np.nan
    frame.to_csv(tmp_path / "holes.csv", index=False)
    return tmp_path / "holes.csv"


def _assert_one_error_line(result):
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("semiloop: error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_values_on_train_name_the_impute_option(tmp_path):
    result = _semiloop("train", _holes_table(tmp_path), "--label", "label", "--id", "row",
                       "--unlabeled-marker", "?", "--out", tmp_path / "out", cwd=tmp_path)
    _assert_one_error_line(result)
    assert "2 row(s) have missing values" in result.stderr
    assert "--impute" in result.stderr
    assert "nan_policy" not in result.stderr


def test_missing_values_on_predict_say_what_to_do(tmp_path, trained):
    out, _ = trained
    result = _semiloop("predict", out / "model.skops", _holes_table(tmp_path),
                       "--out", tmp_path / "p.csv", cwd=tmp_path)
    _assert_one_error_line(result)
    assert "2 row(s) have missing values" in result.stderr
    assert "fill the missing values" in result.stderr
    assert "semiloop train --impute" in result.stderr
    assert "nan_policy" not in result.stderr
    assert not (tmp_path / "p.csv").exists()


def test_id_errors_name_the_id_option(tmp_path):
    frame = two_class_table()
    frame.loc[3, "row"] = None
    frame.to_csv(tmp_path / "ids.csv", index=False)
    result = _semiloop("train", tmp_path / "ids.csv", "--label", "label", "--id", "row",
                       "--unlabeled-marker", "?", cwd=tmp_path)
    _assert_one_error_line(result)
    assert "leave out --id" in result.stderr
    assert "id_column" not in result.stderr


@pytest.mark.parametrize("command, options, expected", [
    ("train", {"nan_policy": "impute"}, "bad; clean, or pass --impute"),
    ("predict", {"nan_policy": "impute"}, "bad; fill the missing values"),
    ("train", {"unlabeled_marker": "?"}, "bad; clean, or pass --unlabeled-marker '?'"),
    ("demo", {"nan_policy": "impute"}, "bad; this cannot be changed from the command line"),
    ("train", {}, "bad; clean, or pass nan_policy='impute'"),
])
def test_python_options_become_command_line_options(command, options, expected):
    name, value = next(iter(options.items()), ("nan_policy", "impute"))
    message = f"bad; clean, or pass {name}={value!r}"
    assert cli._cli_message(message, options, command).startswith(expected)


def test_semiloop_warnings_name_command_line_options(capsys):
    import warnings

    from semiloop.errors import SemiloopWarning

    with cli._user_errors("train"):
        warnings.warn(SemiloopWarning(
            "column 'row' looks like a row id and is set aside; to use it as a feature, "
            "pass roles={'row': 'categorical'}", options={"roles": {"row": "categorical"}}),
            stacklevel=1)
    stderr = capsys.readouterr().err
    assert stderr.startswith("semiloop: warning: column 'row' looks like a row id")
    assert "--id" in stderr
    assert "roles=" not in stderr


def test_train_report_draws_the_run(trained_once):
    pytest.importorskip("matplotlib")
    out, result = trained_once
    page = (out.parent / "report.html").read_text()
    metrics = json.loads((out / "metrics.json").read_text())
    assert ">Summary</h2>" in page and ">Candidates compared</h2>" in page
    for record in metrics["history"]:
        assert record["candidate"] in page
    if metrics.get("training_history"):   # the kept model's rounds, drawn
        assert ">Held-out accuracy</h2>" in page and "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "wrote " + str(out.parent / "report.html") in result.stdout


def test_train_report_refuses_to_replace_an_output_before_training(tmp_path, data):
    out = tmp_path / "out"
    result = runner.invoke(app, ["train", str(data), "--label", "label", "--unlabeled-marker",
                                 "?", "--out", str(out), "--report", str(out / "metrics.json")])
    assert result.exit_code == 2
    assert "semiloop: error: --report" in result.output and "report.html" in result.output
    assert not out.exists()
