"""`semiloop check`: the verdict in words, JSON beside it, and errors as the CLI gives them."""

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from semiloop.cli import app

runner = CliRunner()


def _write(tmp_path, shift):
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                          "key": [f"k{i}" for i in range(n)]})
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    unlabeled = np.arange(n) >= 60
    frame.loc[unlabeled, "label"] = ""
    frame.loc[unlabeled, "b"] += shift
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def test_check_prints_a_verdict_and_writes_json(tmp_path):
    path = _write(tmp_path, shift=2.0)
    result = runner.invoke(app, ["check", str(path), "--label", "label", "--id", "key",
                                 "--json", str(tmp_path / "check.json")])
    assert result.exit_code == 0, result.output
    assert "verdict: do not trust (60 labeled, 340 unlabeled rows)" in result.output
    assert "mostly by b" in result.output
    summary = json.loads((tmp_path / "check.json").read_text())
    assert summary["verdict"] == "do not trust" and "b" in summary["drifted_features"]
    assert summary["class_shares"]["labeled"].keys() == {"no", "yes"}


def test_check_on_clean_rows_says_trust_and_errors_exit_2(tmp_path):
    path = _write(tmp_path, shift=0.0)
    result = runner.invoke(app, ["check", str(path), "--label", "label", "--id", "key"])
    assert result.exit_code == 0, result.output
    assert "verdict: trust" in result.output
    bad = runner.invoke(app, ["check", str(path), "--label", "nope"])
    assert bad.exit_code == 2 and "semiloop: error:" in bad.output
    assert "Traceback" not in bad.output


def test_train_leaves_out_the_least_trusted_unlabeled_rows_and_still_predicts_them(tmp_path):
    path = _write(tmp_path, shift=0.0)
    out = tmp_path / "out"
    result = runner.invoke(app, ["train", str(path), "--label", "label", "--id", "key",
                                 "--method", "self-training", "--filter-unlabeled", "0.25",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["unlabeled_filtered_out"] == 85 and metrics["n_unlabeled"] == 340
    assert "--filter-unlabeled 0.25" in metrics["run"]["command"]
    assert len(pd.read_csv(out / "predictions.csv")) == 340
    assert "left out of training: 85 unlabeled rows" in result.output
    bad = runner.invoke(app, ["train", str(path), "--label", "label", "--filter-unlabeled",
                              "0.95", "--out", str(out)])
    assert bad.exit_code == 2


def test_monitor_exits_3_on_an_alarm_and_0_on_clean_batches(tmp_path):
    rng = np.random.default_rng(5)
    n = 300

    def table(shift, labeled):
        frame = pd.DataFrame({"a": rng.normal(size=n) + shift, "b": rng.normal(size=n)})
        frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
        frame.loc[~labeled, "label"] = ""
        return frame

    train = table(0.0, np.arange(n) < 60)
    train.to_csv(tmp_path / "train.csv", index=False)
    out = tmp_path / "model"
    trained = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--label", "label",
                                  "--method", "self-training", "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    batches = tmp_path / "batches"
    batches.mkdir()
    table(0.0, np.arange(n) < 50).to_csv(batches / "2026-11-01.csv", index=False)
    clean = runner.invoke(app, ["monitor", str(tmp_path / "train.csv"), str(batches),
                                "--model", str(out)])
    assert clean.exit_code == 0, clean.output
    table(2.5, np.arange(n) < 50).to_csv(batches / "2026-11-02.csv", index=False)
    shifted = runner.invoke(app, ["monitor", str(tmp_path / "train.csv"), str(batches),
                                  "--model", str(out), "--json", str(tmp_path / "m.json")])
    assert shifted.exit_code == 3, shifted.output
    report = json.loads((tmp_path / "m.json").read_text())
    assert [w["name"] for w in report["windows"]] == ["2026-11-01.csv", "2026-11-02.csv"]
    assert report["windows"][0]["tripped"] == []
    assert "feature_drift" in report["windows"][1]["tripped"]
    assert "a" in report["windows"][1]["shifted_features"]
    assert report["windows"][1]["feedback"]["n_labels"] == 50
    bad = runner.invoke(app, ["monitor", str(tmp_path / "train.csv"), str(batches),
                              "--threshold", "confidence=0.2"])
    assert bad.exit_code == 2 and "no alarm is called 'confidence'" in bad.output


def test_errors_name_the_option_and_the_missing_path(tmp_path):
    path = _write(tmp_path, shift=0.0)
    bad_json = runner.invoke(app, ["check", str(path), "--label", "label", "--json",
                                   str(tmp_path / "no" / "x.json")])
    assert bad_json.exit_code == 2 and "the folder of --json" in bad_json.output
    missing = runner.invoke(app, ["monitor", str(path), str(tmp_path / "batches")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_check_lists_the_seed_labels_to_review_by_their_ids(tmp_path):
    rng = np.random.default_rng(1)
    n_labeled, n = 300, 600
    names = np.array(["red", "green", "blue"])
    y = rng.permutation(np.repeat([0, 1, 2], n // 3))
    X = np.eye(3)[y] * 3.0 + rng.normal(size=(n, 3))
    flipped = rng.choice(n_labeled, 30, replace=False)
    noisy = y.copy()
    noisy[flipped] = (y[flipped] + rng.integers(1, 3, len(flipped))) % 3
    given = names[noisy].astype(object)
    given[n_labeled:] = ""
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame.insert(0, "key", [f"row{i}" for i in range(n)])
    frame["label"] = given
    path = tmp_path / "seeds.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["check", str(path), "--label", "label", "--id", "key",
                                 "--json", str(tmp_path / "check.json")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "labels to review" in result.output
    noise = json.loads((tmp_path / "check.json").read_text())["label_noise"]
    assert noise["noisy"] and noise["n_issues"] >= 20
    flipped_ids = {f"row{i}" for i in flipped}
    top = [row["id"] for row in noise["issues"][:10]]
    assert set(top) <= flipped_ids
    assert top[0] in result.output
