"""HTML reports: what each holds, that it needs nothing from the network, how it is written."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from semiloop.cli import app
from semiloop.monitor import monitor_windows
from semiloop.records import RoundRecord, TrainingRecord
from semiloop.report import Report, monitor_report, training_report, write_report

pytest.importorskip("matplotlib")
runner = CliRunner()
# any attribute or CSS url() that points outside the page (data: URIs and #anchors stay inside)
EXTERNAL = re.compile(r"""(?:\b(?:src|href|xlink:href|action|poster)\s*=\s*["']?\s*"""
                      r"""(?:https?:|ftp:|file:|//))|url\(\s*["']?\s*(?:https?:|//)""",
                      re.IGNORECASE)


def _table(tmp_path):
    """A table whose unlabeled rows hold a shifted feature and a group no one labeled."""
    rng = np.random.default_rng(3)
    n = 360
    frame = pd.DataFrame({"income": rng.normal(size=n), "age": rng.normal(size=n),
                          "plan": rng.choice(["basic", "pro"], n),
                          "key": [f"row{i}" for i in range(n)]})
    frame["label"] = np.where(frame["income"] + frame["age"] > 0, "churn", "stay")
    unlabeled = np.arange(n) >= 80
    frame.loc[unlabeled, "label"] = ""
    frame.loc[unlabeled, "age"] += 1.0
    frame.loc[n - 40:, ["income", "age"]] = rng.normal(7, 0.2, (40, 2))
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def check_run(tmp_path_factory):
    """`semiloop check --json --report` run once; its outputs are read by several tests."""
    folder = tmp_path_factory.mktemp("check")
    path = _table(folder)
    result = runner.invoke(app, ["check", str(path), "--label", "label", "--id", "key",
                                 "--json", str(folder / "check.json"),
                                 "--report", str(folder / "check.html")])
    assert result.exit_code == 0, result.output
    return result, folder


def _monitor_report():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    reference["label"] = (reference["a"] + reference["b"] > 0).astype(int)
    model = LogisticRegression().fit(reference[["a", "b"]], reference["label"])
    windows = []
    for day in range(4):
        window = pd.DataFrame({"a": rng.normal(0.4 * day, 1, 250), "b": rng.normal(size=250)})
        window["label"] = (window["a"] + window["b"] > 0).astype(int)
        if day == 2:
            window["label"] = np.nan                            # a window without feedback
        windows.append((f"2026-12-0{day + 1}.csv", window))
    return monitor_windows(reference, windows, model=model, label_column="label")


def _plots(page):
    return page.count('<figure class="plot">')


def _assert_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert not EXTERNAL.search(page), EXTERNAL.search(page).group(0)
    assert "<script" not in page.lower() and "@import" not in page
    assert "default-src 'none'" in page                   # the browser may fetch nothing
    assert '<?xml' not in page and "<!DOCTYPE svg" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "every id on the page is unique across the plots"


def test_check_report_from_the_command_line_holds_every_section(check_run):
    result, folder = check_run
    assert f"wrote {folder / 'check.html'}" in result.output
    page = (folder / "check.html").read_text(encoding="utf-8")
    _assert_self_contained(page)
    summary = json.loads((folder / "check.json").read_text())
    assert f"Verdict: {summary['verdict']}" in page
    for title in ("The most shifted features", "Labeled and unlabeled rows on one map",
                  "How unusual each unlabeled row is",
                  "Groups of unlabeled rows apart from every labeled class", "Class shares",
                  "Can the model&#x27;s confidence be taken at face value?"):
        assert f"<h2>{title}</h2>" in page
    assert _plots(page) == page.count("<svg") == 5
    assert "data.csv" in page and "label column &#x27;label&#x27;" in page
    for reason in summary["reasons"]:
        assert reason.replace("'", "&#x27;") in page
    assert "age" in page and "significant" in page      # the shifted feature and its PSI band
    if summary["unseen_groups"]:
        assert summary["unseen_groups"][0]["ids"][0] in page


def test_monitor_report_draws_time_class_balance_drift_and_feedback():
    report = _monitor_report()
    page = monitor_report(report, meta=["reference train.csv"]).to_html()
    _assert_self_contained(page)
    for title in ("Alarms, window by window", "Confidence and uncertainty over time",
                  "Class balance over time", "Feature drift",
                  "Accuracy on rows that came back with labels"):
        assert f"<h2>{title}</h2>" in page
    assert _plots(page) == 5
    assert "2026-12-04.csv" in page and "feature_drift" in page
    assert report["tripped"] and "alarm" in page.split("</h2>")[0].split("<h2>")[-1]


def test_monitor_report_without_a_model_draws_the_feature_drift_only():
    rng = np.random.default_rng(0)
    report = monitor_windows(pd.DataFrame({"x": rng.normal(size=200)}),
                             [("only", pd.DataFrame({"x": rng.normal(size=200)}))])
    page = monitor_report(report).to_html()
    assert "<h2>No alarm tripped</h2>" in page and "Class balance" not in page
    assert _plots(page) == 2


def test_training_report_draws_what_the_records_hold_and_skips_the_rest():
    rounds = [RoundRecord(i, added={"cat": 5 * i, "dog": 3}, n_pseudo_labels=8 * i,
                          validation_accuracy=0.8 + 0.02 * i,
                          calibration_error_raw=0.12, calibration_error=0.05).to_dict()
              for i in range(4)]
    rounds[2]["flip_rate"] = 0.1                                  # newer fields, where present
    rounds[3]["pseudo_label_audit"] = {"n_hidden": 20, "precision": 0.9, "coverage": 0.5}
    rounds[3]["alarms"] = [{"name": "class_balance", "tripped": True, "value": 0.3,
                            "threshold": 0.2, "message": "shares moved by 0.300"}]
    page = training_report(rounds).to_html()
    _assert_self_contained(page)
    for title in ("Held-out accuracy", "Pseudo-labels", "Calibration",
                  "Stability of the pseudo-labels", "Alarms during training"):
        assert f"<h2>{title}</h2>" in page
    assert "<h2>Loss</h2>" not in page and "shares moved by 0.300" in page
    assert _plots(page) == 4

    steps = [TrainingRecord(step, 0.1, 1.0 / step, 0.5, 0.5, 1.0).to_dict()
             for step in (10, 20, 30)]
    steps[1]["mask_rate"] = None
    steps[2]["held_back"] = 4                                   # a count here, a dict per class
    steps[2]["alarms"] = [{"name": "entropy_collapse", "value": 0.6, "threshold": 0.5,
                           "message": "everything one class"}]  # listed: it tripped
    deep = training_report(steps).to_html()
    assert "<h2>Loss</h2>" in deep and "<h2>Calibration</h2>" not in deep
    assert "step 30" in deep and "held back for review" in deep
    assert "everything one class" in deep

    for history in ([], [{}], [{"round": 0}], [{"note": "no numbers"}, None]):
        page = training_report(history).to_html()
        assert "The records hold no curve to draw." in page and _plots(page) == 0


def test_text_and_tables_are_escaped():
    report = Report('<img src="https://example.com/x.png">')
    section = report.add_section("<b>features</b>", "a <script>alert(1)</script> paragraph")
    section.add_table(pd.DataFrame({"name": ['<a href="http://x">x</a>'], "value": [0.5]}), [])
    section.add_list(["<i>one</i>"])
    page = report.to_html()
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert not EXTERNAL.search(page)
    assert "&lt;a href=&quot;http://x&quot;&gt;x&lt;/a&gt;" in page
    assert '<td class="num">0.500</td>' in page
    with pytest.raises(ValueError, match="tone"):
        report.add_section("x", tone="purple")


class _Broken:
    def __str__(self):
        raise RuntimeError("cannot show this cell")


def test_a_failed_render_or_write_leaves_the_old_report_whole(tmp_path, monkeypatch):
    path = tmp_path / "report.html"
    path.write_text("the old report")
    broken = Report("broken")
    broken.add_section("s").add_table(["cell"], [[_Broken()]])
    with pytest.raises(RuntimeError, match="cannot show"):
        write_report(broken, path)
    assert path.read_text() == "the old report"

    import semiloop._files

    def no_rename(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(semiloop._files.os, "replace", no_rename)
    with pytest.raises(OSError, match="No space"):
        Report("fine").write(path)
    assert path.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]   # no temporary left
    monkeypatch.undo()
    assert Report("fine").write(path) == path and "<h1>fine</h1>" in path.read_text()


def test_matplotlib_is_imported_only_when_a_figure_is_drawn():
    import ast
    from pathlib import Path

    import semiloop.report

    for module in sorted(Path(semiloop.report.__file__).parent.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:                       # module level only: functions may import
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "matplotlib" for n in names), module.name
    code = ("import sys, semiloop, semiloop.report.html, semiloop.report.plots; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_report_errors_come_before_the_work_and_name_the_fix(tmp_path, monkeypatch):
    missing = tmp_path / "no-such-table.csv"          # never read: --report is checked first
    folder = runner.invoke(app, ["check", str(missing), "--label", "y",
                                 "--report", str(tmp_path)])
    assert folder.exit_code == 2 and "--report" in folder.output
    assert "report.html" in folder.output and "Traceback" not in folder.output
    same = runner.invoke(app, ["check", str(missing), "--label", "y", "--json",
                               str(tmp_path / "x"), "--report", str(tmp_path / "x")])
    assert same.exit_code == 2 and "same file" in same.output

    monkeypatch.setitem(sys.modules, "matplotlib", None)        # as if it were not installed
    for command in (["check", str(missing), "--label", "y"],
                    ["monitor", str(missing), str(missing)]):
        result = runner.invoke(app, [*command, "--report", str(tmp_path / "r.html")])
        assert result.exit_code == 2, result.output
        assert "pip install 'semiloop[report]'" in result.output
        assert "semiloop: error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


def test_monitor_writes_its_report_and_keeps_exit_status_3(tmp_path):
    rng = np.random.default_rng(2)
    pd.DataFrame({"x": rng.normal(size=300)}).to_csv(tmp_path / "train.csv", index=False)
    batches = tmp_path / "batches"
    batches.mkdir()
    for day, shift in ((1, 0.0), (2, 1.5)):
        pd.DataFrame({"x": rng.normal(shift, 1, 200)}).to_csv(batches / f"day{day}.csv",
                                                              index=False)
    report = tmp_path / "drift.html"
    result = runner.invoke(app, ["monitor", str(tmp_path / "train.csv"), str(batches),
                                 "--json", "-", "--report", str(report)])
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["tripped"] == ["day2.csv: feature_drift"]
    page = report.read_text(encoding="utf-8")
    assert "<h2>1 alarm tripped</h2>" in page and "day2.csv" in page and _plots(page) == 2


def test_every_name_in_all_imports():
    import semiloop.report

    assert semiloop.report.__doc__
    for name in semiloop.report.__all__:
        assert getattr(semiloop.report, name).__doc__, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        semiloop.report.nope  # noqa: B018
