"""`semiloop train/predict` on signals: an .npz of (n, channels, length), or a table of samples."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from semiloop.cli import app

runner = CliRunner()


def signals(n=120, length=32, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.linspace(0, 1, length)
    X = np.sin(2 * np.pi * (2 + 4 * y)[:, None] * t) + 0.1 * rng.normal(size=(n, length))
    partial = np.where(np.arange(n) < 20, y, -1)
    return X.astype("float32"), partial


def train(*args):
    result = runner.invoke(app, ["train", *map(str, args)])
    return result


def test_npz_of_three_dimensions_trains_a_signal_model_and_predicts(tmp_path):
    X, y = signals()
    np.savez(tmp_path / "pool.npz", X=X[:, None, :], y=y, ids=np.arange(100, 220))
    result = train(tmp_path / "pool.npz", "--label", "label", "--method", "fixmatch",
                   "--steps", "20", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["run"]["modality"] == "signal"
    assert "--modality signal" in metrics["run"]["command"]
    assert [c["candidate"] for c in metrics["candidates"]] == ["supervised", "fixmatch"]
    predictions = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert predictions["id"].tolist() == list(range(120, 220))
    np.savez(tmp_path / "new.npz", X=X[:5, None, :])
    scored = runner.invoke(app, ["predict", str(tmp_path / "out"), str(tmp_path / "new.npz"),
                                 "--out", str(tmp_path / "scores.csv")])
    assert scored.exit_code == 0, scored.output
    assert len(pd.read_csv(tmp_path / "scores.csv")) == 5
    np.savez(tmp_path / "short.npz", X=X[:5, None, :20])
    refused = runner.invoke(app, ["predict", str(tmp_path / "out"), str(tmp_path / "short.npz"),
                                  "--out", str(tmp_path / "s.csv")])
    assert refused.exit_code == 2
    assert "rows of shape (1, 20)" in refused.output


def test_a_table_of_samples_with_modality_signal(tmp_path):
    X, y = signals()
    frame = pd.DataFrame(X, columns=[f"t{i}" for i in range(X.shape[1])])
    frame["label"] = np.where(y < 0, "", np.array(["low", "high"])[np.maximum(y, 0)])
    frame.to_csv(tmp_path / "pool.csv", index=False)
    result = train(tmp_path / "pool.csv", "--label", "label", "--method", "softmatch",
                   "--modality", "signal", "--steps", "20", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["classes"] == ["high", "low"]
    assert metrics["n_labeled"] == 20


def test_signals_need_a_deep_method_and_the_npz_label(tmp_path):
    X, y = signals()
    np.savez(tmp_path / "pool.npz", X=X[:, None, :], y=y)
    graph = train(tmp_path / "pool.npz", "--label", "label", "--method", "graph",
                  "--out", tmp_path / "out")
    assert graph.exit_code == 2
    assert "signals need a deep method" in graph.output and "--method freematch" in graph.output
    label = train(tmp_path / "pool.npz", "--label", "y", "--method", "fixmatch",
                  "--out", tmp_path / "out")
    assert label.exit_code == 2 and "--label label" in label.output
