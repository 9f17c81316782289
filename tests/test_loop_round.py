"""The loop's commands: init, round and status, and a round killed half-way."""

import functools
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from semiloop.cli import app
from semiloop.errors import DataError, SemiloopError
from semiloop.loop.project import open_project
from semiloop.loop.round import run_round

runner = CliRunner()


def _data(tmp_path, n=160, n_labeled=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    truth = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    given = truth.astype(object)
    given[n_labeled:] = ""
    frame = pd.DataFrame({"key": [f"k{i}" for i in range(n)], "a": X[:, 0], "b": X[:, 1],
                          "y": given})
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path, dict(zip(frame["key"], truth, strict=True))


def _init(tmp_path, method="graph", **options):
    path, truth = _data(tmp_path, **options)
    result = runner.invoke(app, ["init", str(tmp_path / "p"), "--data", str(path), "--label",
                                 "y", "--id", "key"])
    assert result.exit_code == 0, result.output
    config = tmp_path / "p" / "semiloop.toml"
    config.write_text(config.read_text().replace('method = "self-training"',
                                                 f'method = "{method}"'))
    return tmp_path / "p", truth


def _answer(project, truth, batch_id):
    """A simulated annotator: the true label of every item in the batch."""
    with open_project(project).store() as store:
        items = store.review_items(batch_id)
        store.add_labels(pd.DataFrame({"sample_id": items["sample_id"],
                                       "value": [truth[i] for i in items["sample_id"]]}),
                         source="human", annotator="oracle", origin=f"batch {batch_id}")


def test_init_round_and_status_from_the_command_line(tmp_path):
    project, _ = _init(tmp_path, method="self-training")
    assert json.loads(json.dumps(open_project(project).config))["validation"]["size"] == 8
    result = runner.invoke(app, ["round", str(project)])
    assert result.exit_code == 0, result.output
    assert "round 1: trained on 32 human and 0 rule labels" in result.output
    assert "review batch 1: 20 items" in result.output
    status = runner.invoke(app, ["status", str(project), "--json", str(tmp_path / "s.json")])
    assert status.exit_code == 0, status.output
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["labels"]["human"] == {"down": 18, "up": 22}
    assert summary["rounds"][0]["status"] == "done" and summary["n_validation"] == 8
    assert (project / "models" / "round-1.skops").is_file()
    again = runner.invoke(app, ["init", str(project), "--data", "x.csv", "--label", "y"])
    assert again.exit_code == 2 and "semiloop: error:" in again.output
    assert "not an empty folder" in again.output


def test_rounds_ask_new_items_only_and_build_a_learning_curve(tmp_path):
    project, truth = _init(tmp_path, n=400, n_labeled=12)
    asked = set()
    for expected in (1, 2, 3, 4):
        result = run_round(open_project(project), batch_size=15)
        assert result.round == expected
        batch = result.review["sample_id"].tolist()
        assert len(batch) == len(set(batch)) == 15 and not asked & set(batch)
        with open_project(project).store() as store:
            labeled = set(store.current_labels()["sample_id"])
            validation = set(store.validation()["sample_id"])
        assert not (labeled | validation) & set(batch)
        asked |= set(batch)
        _answer(project, truth, result.batch_id)
    with open_project(project).store() as store:
        rounds = store.rounds()
    # the validation items (4) are never trained on
    assert rounds["n_human"].tolist() == [8, 23, 38, 53]
    result = runner.invoke(app, ["status", str(project), "--report", str(tmp_path / "s.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "s.html").read_text()
    assert "Learning curve" in page and "<svg" in page
    assert "note: the validation set holds 4 labels" in result.output


def test_a_round_refuses_a_changed_data_file_and_labels_of_one_class(tmp_path):
    project, _ = _init(tmp_path)
    frame = pd.read_csv(tmp_path / "data.csv")
    frame.iloc[:-1].to_csv(tmp_path / "data.csv", index=False)
    with pytest.raises(DataError, match=r"no longer holds the project's items \(missing "
                                        r"\['k159'\]"):
        run_round(open_project(project))
    frame.to_csv(tmp_path / "data.csv", index=False)
    opened = open_project(project)
    with opened.lock(), pytest.raises(SemiloopError, match="another semiloop command"):
        run_round(opened)
    bad = runner.invoke(app, ["round", str(tmp_path / "nowhere")])
    assert bad.exit_code == 2 and "is not a semiloop project" in bad.output


_KILLED_ROUND = textwrap.dedent("""
    import sys, time
    from sklearn.pipeline import Pipeline
    from semiloop.loop.project import open_project
    from semiloop.loop.round import run_round
    fit = Pipeline.fit
    def slow_fit(self, *args, **kwargs):
        fitted = fit(self, *args, **kwargs)
        print("fitted", flush=True)
        time.sleep(60)
        return fitted
    Pipeline.fit = slow_fit
    run_round(open_project(sys.argv[1]))
""")


def test_a_round_killed_half_way_leaves_nothing_half_written(tmp_path):
    project, _ = _init(tmp_path)
    with open_project(project).store() as store:
        human_before = store.labels("human")
    process = subprocess.Popen([sys.executable, "-c", _KILLED_ROUND, str(project)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "fitted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with open_project(project).store() as store:
        assert store.rounds()["status"].tolist() == ["running"]
        assert store.predictions(1).empty and store.review_batches().empty
        pd.testing.assert_frame_equal(store.labels("human"), human_before)
    assert not list((project / "models").iterdir())
    run_round(open_project(project))
    with open_project(project).store() as store:
        rounds = store.rounds()
    assert rounds["status"].tolist() == ["failed", "done"]
    assert rounds["message"].iloc[0] == "interrupted"


def test_the_whole_loop_from_the_command_line_with_a_filled_csv(tmp_path):
    project, truth = _init(tmp_path, n=300, n_labeled=20)
    frame = pd.read_csv(tmp_path / "data.csv")
    frame.loc[len(frame) - 5:, ["a", "b"]] = [[30.0, -30.0]] * 5  # a far group, never labeled
    frame.to_csv(tmp_path / "data.csv", index=False)
    assert runner.invoke(app, ["round", str(project)]).exit_code == 0
    exported = runner.invoke(app, ["review", "export", str(project)])
    assert exported.exit_code == 0, exported.output
    batch = pd.read_csv(project / "review" / "batch-1.csv")
    assert len(batch) == 20 and batch["label"].isna().all()
    far = {f"k{i}" for i in range(295, 300)}
    flagged = batch[batch["reason"].str.contains("out of distribution")]
    assert len(set(flagged["sample_id"]) & far) >= 3
    batch["label"] = [truth[i] for i in batch["sample_id"]]
    batch.to_csv(tmp_path / "answers.csv", index=False)
    imported = runner.invoke(app, ["review", "import", str(project), str(tmp_path / "answers.csv"),
                                   "--annotator", "ann"])
    assert imported.exit_code == 0, imported.output
    second = runner.invoke(app, ["round", str(project)])
    assert "trained on 36 human" in second.output, second.output
    config = project / "semiloop.toml"
    config.write_text(config.read_text().replace('query = "margin"', 'query = "confusion"'))
    bad = runner.invoke(app, ["round", str(project)])
    assert bad.exit_code == 2 and "query 'confusion' is not a query strategy" in bad.output
    with open_project(project).store() as store:
        assert store.rounds()["status"].tolist() == ["done", "done"]


def test_the_guard_judges_on_the_labels_the_query_did_not_choose(tmp_path, monkeypatch):
    from semiloop.loop.schema import RANDOM_REASON
    from semiloop.methods.guarded import _GuardedSelection

    seen = []
    fit = _GuardedSelection.fit

    @functools.wraps(fit)
    def spy(self, X, y, **kwargs):
        seen.append(kwargs.get("validation_rows"))
        return fit(self, X, y, **kwargs)

    monkeypatch.setattr(_GuardedSelection, "fit", spy)
    project, truth = _init(tmp_path, n=400, n_labeled=12)
    first = run_round(open_project(project), batch_size=16)
    reasons = first.review["reason"].tolist()
    assert reasons.count(RANDOM_REASON) == 4 and reasons[-4:] == [RANDOM_REASON] * 4
    assert seen == [None]                      # every label so far came with the data
    _answer(project, truth, first.batch_id)
    second = run_round(open_project(project), batch_size=16)
    with open_project(project).store() as store:
        chosen = store.chosen_items()
    asked = set(first.review["sample_id"])
    randomly = set(first.review["sample_id"][first.review["reason"] == RANDOM_REASON])
    assert chosen == (asked - randomly) | set(second.review["sample_id"][
        second.review["reason"] != RANDOM_REASON])
    # 8 labels from the data outside the validation set, and the 4 random draws
    assert second.metrics["n_human"] == 24 and second.metrics["n_judged"] == 12
    assert seen[1] is not None and int(seen[1].sum()) == 12
    config = project / "semiloop.toml"
    config.write_text(config.read_text().replace("random_share = 0.25", "random_share = 2"))
    with pytest.raises(SemiloopError, match="random_share must be a number from 0 to 1"):
        run_round(open_project(project))
