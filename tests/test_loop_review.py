"""Review export and import: the files people label, and their answers back into the store."""

import csv
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from semiloop.cli import app
from semiloop.errors import DataError, SemiloopError
from semiloop.loop.answers import read_answers
from semiloop.loop.labelstudio import annotator_name, cell_choices
from semiloop.loop.project import init_project
from semiloop.loop.review import export_review, import_review

N = 30
BATCH = ["20", "21", "22", "23", "24", "25"]


def _project(tmp_path, *, text=False):
    """30 rows, 16 labeled (ham/spam), and review batch 1 asking about rows 20-25."""
    frame = pd.DataFrame({"x": np.arange(N) * 0.5, "colour": ["red", "blue", "green"] * 10,
                          "y": ["ham", "spam"] * 8 + [""] * (N - 16)})
    frame.loc[21, "x"] = np.nan
    if text:
        frame.insert(0, "key", [f"k{i}" for i in range(N)])
        frame.insert(1, "body", [f"message {i}" for i in range(N)])
    frame.to_csv(tmp_path / "data.csv", index=False)
    project = init_project(tmp_path / "project", data=tmp_path / "data.csv", label="y",
                           id_column="key" if text else None,
                           text_column="body" if text else None)
    ids = [f"k{i}" for i in range(N)] if text else [str(i) for i in range(N)]
    batch = [ids[int(i)] for i in BATCH]
    with project.store() as store:
        run = store.start_round(["self-training"], {})
        predictions = pd.DataFrame({"sample_id": ids, "value": "ham", "confidence": 0.6})
        items = pd.DataFrame({
            "sample_id": batch, "score": [0.1, 0.2, 0.3, 0.4, 0.5, np.nan],
            "reason": ["uncertain"] * 6,
            "suggestion": pd.Series(["spam", "ham", "spam", "ham", "spam", None], dtype=object)})
        store.finish_round(run, metrics={}, model_file="m", predictions=predictions,
                           n_human=16, n_rule=0, review={"strategy": "margin", "items": items})
    return project


def _human(project):
    with project.store() as store:
        return store.labels("human")


def _write_json(path, value):
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# -- export ------------------------------------------------------------------------------


def test_export_writes_the_csv_and_label_studio_tasks_of_the_newest_batch(tmp_path):
    project = _project(tmp_path)
    written = export_review(project)
    assert written.csv_path == project.folder / "review" / "batch-1.csv"
    assert written.tasks_path == project.folder / "review" / "batch-1.labelstudio.json"
    sheet = pd.read_csv(written.csv_path, dtype=str, keep_default_na=False)
    assert sheet.columns.tolist() == ["sample_id", "label", "suggested", "score", "reason",
                                      "x", "colour"]  # the label column y is left out
    assert sheet["sample_id"].tolist() == BATCH and set(sheet["label"]) == {""}
    assert sheet["suggested"].tolist() == ["spam", "ham", "spam", "ham", "spam", ""]
    tasks = json.loads(written.tasks_path.read_text())
    assert tasks[0] == {
        "data": {"item": {"x": 10.0, "colour": "green"}, "sample_id": "20"},
        "predictions": [{"model_version": "round-1", "score": 0.1, "result": [
            {"from_name": "label", "to_name": "item", "type": "choices",
             "value": {"choices": ["spam"]}}]}]}
    assert tasks[1]["data"]["item"] == {"x": None, "colour": "red"}  # NaN -> null
    assert "predictions" not in tasks[5]  # no suggestion, no prediction


def test_export_uses_the_names_and_text_field_of_labelstudio_xml(tmp_path):
    project = _project(tmp_path, text=True)
    (project.folder / "labelstudio.xml").write_text(
        '<View><Text name="doc" value="$body"/><Choices name="verdict" toName="doc">'
        '<Choice value="ham"/><Choice value="spam"/></Choices></View>')
    written = export_review(project, batch_id=1, out=tmp_path / "out")
    assert written.tasks_path.parent == tmp_path / "out"
    task = json.loads(written.tasks_path.read_text())[0]
    assert task["data"] == {"body": "message 20", "sample_id": "k20"}
    result = task["predictions"][0]["result"][0]
    assert (result["from_name"], result["to_name"]) == ("verdict", "doc")
    # the answers come back under the same names
    answers = [{"id": 1, "data": task["data"], "annotations": [
        {"id": 5, "completed_by": 3, "was_cancelled": False, "result": [
            {"from_name": "verdict", "to_name": "doc", "type": "choices",
             "value": {"choices": ["ham"]}}]}]}]
    imported = import_review(project, _write_json(tmp_path / "ls.json", answers))
    assert (imported.n_labels, imported.file_format) == (1, "label-studio-json")
    assert _human(project).iloc[-1][["sample_id", "value", "annotator"]].tolist() == [
        "k20", "ham", "label-studio user 3"]


def test_export_of_a_missing_batch_or_a_project_without_one_says_what_to_do(tmp_path):
    project = _project(tmp_path)
    with pytest.raises(SemiloopError, match=r"no review batch 7; the project has \[1\]"):
        export_review(project, batch_id=7)
    fresh = init_project(tmp_path / "fresh", data=tmp_path / "data.csv", label="y")
    with pytest.raises(SemiloopError, match="no review batch yet; run `semiloop round`"):
        export_review(fresh)


# -- import ------------------------------------------------------------------------------


def test_a_filled_csv_imports_once_and_is_linked_to_its_batch(tmp_path):
    project = _project(tmp_path)
    sheet = pd.read_csv(export_review(project).csv_path, dtype=str, keep_default_na=False)
    sheet.loc[:2, "label"] = ["spam", "ham", "ham"]
    sheet.to_csv(tmp_path / "filled.csv", index=False)
    before = len(_human(project))
    result = import_review(project, tmp_path / "filled.csv", annotator="ann")
    assert (result.file_format, result.n_labels, result.n_unanswered, result.batch_id) == (
        "csv", 3, 3, 1)
    added = _human(project).iloc[before:]
    assert added[["sample_id", "value", "annotator"]].values.tolist() == [
        ["20", "spam", "ann"], ["21", "ham", "ann"], ["22", "ham", "ann"]]
    with project.store() as store:
        assert store.imports().iloc[-1][["format", "batch_id", "n_ignored"]].tolist() == [
            "csv", 1, 3]
    again = import_review(project, tmp_path / "filled.csv", annotator="ann")
    assert again.already_imported and len(_human(project)) == before + 3


def _task(index, sample_id, annotations):
    return {"id": 100 + index, "data": {"item": {"x": 1.0}, "sample_id": sample_id},
            "annotations": annotations,
            "predictions": [{"model_version": "round-1", "result": [
                {"from_name": "label", "to_name": "item", "type": "choices",
                 "value": {"choices": ["ham"]}}]}]}


def _annotation(number, who, choice, cancelled=False):
    return {"id": number, "completed_by": who, "was_cancelled": cancelled,
            "result": [] if cancelled else [
                {"id": "r1", "from_name": "label", "to_name": "item", "type": "choices",
                 "value": {"choices": [choice]}}]}


def test_label_studio_json_disagreeing_annotators_make_a_conflict_and_skips_are_ignored(
        tmp_path):
    project = _project(tmp_path)
    tasks = [
        _task(0, "20", [_annotation(1, 1, "spam"), _annotation(2, {"id": 2, "email": "b@x.org"},
                                                               "ham")]),
        _task(1, "21", [_annotation(3, 1, "ham"), _annotation(4, 2, "spam", cancelled=True)]),
        _task(2, "22", [_annotation(5, 1, "spam", cancelled=True)]),  # skipped task
        _task(3, "23", []),  # not labeled yet; its prediction is not an answer
    ]
    result = import_review(project, _write_json(tmp_path / "export.json", tasks))
    assert (result.n_labels, result.conflicts, result.n_cancelled, result.n_unanswered) == (
        3, ["20"], 2, 1)
    assert result.batch_id == 1
    with project.store() as store:
        conflict = store.conflicts().iloc[0]
        assert (conflict["values"], conflict["annotators"]) == (
            ["ham", "spam"], ["label-studio user 1", "b@x.org"])
        assert store.imports().iloc[-1]["n_conflicts"] == 1
    assert "22" not in set(_human(project)["sample_id"])


def test_json_min_and_label_studio_csv_import_and_name_annotators_as_json_does(tmp_path):
    project = _project(tmp_path)
    common = {"created_at": "2025-01-07T10:00:00Z", "updated_at": "2025-01-07T10:00:00Z",
              "lead_time": 3.5}
    records = [
        {"item": {"x": 10.0}, "sample_id": "20", "id": 100, "label": "spam", "annotator": 1,
         "annotation_id": 1, **common},
        {"item": {"x": 11.0}, "sample_id": "21", "id": 101, "label": "ham",
         "annotator": "b@x.org", "annotation_id": 2, **common},
        {"item": {"x": 12.0}, "sample_id": "22", "id": 102, "annotator": None,
         "annotation_id": None, "created_at": None, "updated_at": None, "lead_time": None},
    ]
    result = import_review(project, _write_json(tmp_path / "min.json", records))
    assert (result.file_format, result.n_labels, result.n_unanswered) == (
        "label-studio-json-min", 2, 1)
    # Label Studio's CSV: sorted columns, strings quoted, task data dicts as JSON
    rows = [{**{k: v for k, v in r.items() if k != "item"}, "item": json.dumps(r["item"]),
             "was_cancelled": False} for r in records]
    rows[0]["annotator"], rows[2]["annotator"] = "1", ""
    rows.append({**rows[1], "sample_id": "23", "label": "spam", "was_cancelled": True})
    rows.append({**rows[1], "sample_id": "24", "label": "spam", "annotator": "3"})
    keys = sorted({k for r in rows for k in r})
    with open(tmp_path / "studio.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(rows)
    result = import_review(project, tmp_path / "studio.csv")
    # the answers of the JSON-MIN file come back as duplicates: the same people, same labels
    assert (result.file_format, result.n_labels, result.n_duplicates, result.n_cancelled) == (
        "label-studio-csv", 1, 2, 1)
    assert _human(project).iloc[-1][["sample_id", "annotator"]].tolist() == [
        "24", "label-studio user 3"]


def test_a_bad_file_names_every_problem_with_its_line_and_imports_nothing(tmp_path):
    project = _project(tmp_path)
    (tmp_path / "bad.csv").write_text(
        "sample_id,label,reason\n"
        "20,spam,ok\n"           # line 2: fine
        "nope,ham,ok\n"          # line 3: unknown id
        "21,maybe,ok\n"          # line 4: unknown class
        "22,ham,ok,extra\n"      # line 5: malformed
        "\"23\",,\"a reason\n"   # lines 6-7: one row over two lines, no answer
        "on two lines\"\n"
        "24,eggs,ok\n")          # line 8: unknown class
    before = len(_human(project))
    with pytest.raises(DataError) as error:
        import_review(project, tmp_path / "bad.csv", annotator="ann")
    message = str(error.value)
    assert "4 problem(s), so none of its answers was imported" in message
    assert "line 3: sample_id 'nope' is not an item of the project" in message
    assert "line 4: label 'maybe' is not a class of the project ['ham', 'spam']" in message
    assert "line 5: has 4 cells, the header 3" in message and "line 8: label 'eggs'" in message
    assert len(_human(project)) == before
    tasks = [_task(0, "20", [_annotation(1, 1, "spam")]), _task(1, "zz", [_annotation(2, 1,
                                                                                         "ham")]),
             {"id": 7, "data": {"sample_id": "21"}, "annotations": [
                 {"id": 9, "result": [{"from_name": "label", "value": {"choices": "ham"}}]}]}]
    with pytest.raises(DataError) as error:
        import_review(project, _write_json(tmp_path / "bad.json", tasks))
    message = str(error.value)
    assert "task [1] (id 101), annotation 2: sample_id 'zz' is not an item" in message
    assert "task [2] (id 7), annotation 9: its 'label' region has no value.choices" in message
    assert len(_human(project)) == before


def test_import_needs_the_project_lock_and_answers(tmp_path):
    project = _project(tmp_path)
    (tmp_path / "empty.csv").write_text("sample_id,label\n20,\n21,\n")
    with pytest.raises(DataError, match=r"holds no answers \(2 without an answer"):
        import_review(project, tmp_path / "empty.csv")
    (tmp_path / "one.csv").write_text("sample_id,label\n20,ham\n")
    with project.lock(), pytest.raises(SemiloopError, match="another semiloop command"):
        import_review(project, tmp_path / "one.csv")


# -- reading answers ---------------------------------------------------------------------


def test_answer_files_from_excel_and_many_problems_are_read_as_people_write_them(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffsample_id;label;annotator\na;spam;\nb; ham ;bo\n".encode())
    answers = read_answers(path, classes=["ham", "spam"], sample_ids={"a", "b"},
                           annotator="me")
    assert answers.labels.values.tolist() == [["a", "spam", "me"], ["b", "ham", "bo"]]
    path.write_text("sample_id,label\n" + "".join(f"x{i},ham\n" for i in range(14)))
    with pytest.raises(DataError, match=r"14 problem\(s\)(.|\n)*line 11:(.|\n)* and 4 more"):
        read_answers(path, classes=["ham", "spam"], sample_ids=set(), annotator="me")


def test_label_studio_values_and_annotators():
    assert cell_choices('{"choices": ["ham", "spam"]}') == ["ham", "spam"]
    assert cell_choices(["ham", {"choices": ["ham"]}]) == ["ham"]
    assert cell_choices("[odd]", classes=["[odd]"]) == ["[odd]"]
    assert annotator_name({}) is None and annotator_name("") is None
    assert annotator_name("{'id': 4}") == "label-studio user 4"


# -- the command line --------------------------------------------------------------------


def test_cli_exports_imports_and_refuses_a_bad_file_with_exit_2(tmp_path):
    project = _project(tmp_path)
    runner = CliRunner()
    exported = runner.invoke(app, ["review", "export", str(project.folder)])
    assert exported.exit_code == 0, exported.output
    assert "review batch 1 (round 1): 6 items" in exported.output
    (tmp_path / "filled.csv").write_text("sample_id,label\n20,spam\n21,\n")
    imported = runner.invoke(app, ["review", "import", str(project.folder),
                                   str(tmp_path / "filled.csv"), "--annotator", "ann"])
    assert imported.exit_code == 0, imported.output
    assert "1 labels added, 0 duplicates, 0 conflicts" in imported.output
    assert "ignored: 1 without an answer" in imported.output
    (tmp_path / "bad.csv").write_text("sample_id,label\n20,maybe\n")
    bad = runner.invoke(app, ["review", "import", str(project.folder),
                              str(tmp_path / "bad.csv")])
    assert bad.exit_code == 2 and "semiloop: error:" in bad.output
    assert "line 2: label 'maybe'" in bad.output and "Traceback" not in bad.output


def test_a_resolving_import_settles_a_conflict_and_keeps_both_earlier_labels(tmp_path):
    project = _project(tmp_path)
    tasks = [_task(0, "20", [_annotation(1, 1, "spam"), _annotation(2, 2, "ham")])]
    import_review(project, _write_json(tmp_path / "export.json", tasks))
    with project.store() as store:
        assert store.conflicts()["sample_id"].tolist() == ["20"]
    sheet = pd.DataFrame({"sample_id": ["20"], "label": ["ham"]})
    sheet.to_csv(tmp_path / "decision.csv", index=False)
    result = CliRunner().invoke(app, ["review", "import", str(project.folder),
                                 str(tmp_path / "decision.csv"), "--annotator", "lead",
                                 "--resolve"])
    assert result.exit_code == 0, result.output
    with project.store() as store:
        assert store.conflicts().empty
        current = store.current_labels().set_index("sample_id")
        assert current.loc["20", "value"] == "ham"
        assert store.labels("human").query("sample_id == '20'")["annotator"].tolist() == [
            "label-studio user 1", "label-studio user 2", "lead"]


def test_export_records_whom_the_batch_is_asked_of(tmp_path):
    project = _project(tmp_path)
    export_review(project, asked_of="ann@clinic.org")
    with project.store() as store:
        assert store.review_batches()["asked_of"].tolist() == ["ann@clinic.org"]
