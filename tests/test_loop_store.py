"""The project store: human labels are never overwritten or lost, every write is whole."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from semiloop.errors import DataError, SemiloopError
from semiloop.loop import schema
from semiloop.loop.store import ProjectStore


def _store(tmp_path, n=10):
    return ProjectStore.create(tmp_path / "project.db", classes=["no", "yes"],
                               items=[f"i{k}" for k in range(n)], source_file="data.csv")


def _labels(ids, values, **extra):
    return pd.DataFrame({"sample_id": ids, "value": values, **extra})


def test_a_human_label_cannot_be_changed_or_deleted_even_in_sql(tmp_path):
    store = _store(tmp_path)
    store.add_labels(_labels(["i0"], ["yes"]), source="human", annotator="ann", origin="f")
    store.add_labels(_labels(["i1"], ["no"]), source="rule", annotator="rules", origin="r")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._db.execute("UPDATE labels SET value = 'no' WHERE sample_id = 'i0'")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        store._db.execute("DELETE FROM labels WHERE source = 'human'")
    store._db.execute("DELETE FROM labels WHERE source = 'rule'")  # rules may be dropped
    assert store.labels()["value"].tolist() == ["yes"]


def test_rules_and_pseudo_labels_never_replace_a_human_label(tmp_path):
    store = _store(tmp_path)
    store.add_labels(_labels(["i0", "i1"], ["yes", "no"]), source="human", annotator="ann",
                     origin="f")
    store.add_labels(_labels(["i0", "i2", "i3"], ["no", "no", "yes"], confidence=[.9, .8, .7]),
                     source="rule", annotator="rules", origin="run 1")
    store.add_labels(_labels(["i0", "i2"], ["no", "yes"]), source="pseudo", annotator="r1",
                     origin="round 1")
    current = store.current_labels().set_index("sample_id")
    assert current.loc["i0", ["value", "source"]].tolist() == ["yes", "human"]
    assert current.loc["i2", ["value", "source", "confidence"]].tolist() == ["no", "rule", 0.8]
    # a later rule run replaces the earlier one, and its abstentions drop old votes
    store.add_labels(_labels(["i2"], ["yes"], confidence=[0.6]), source="rule",
                     annotator="rules", origin="run 2")
    current = store.current_labels().set_index("sample_id")
    assert current.loc["i2", "value"] == "yes" and "i3" not in current.index
    assert store.counts().loc["human"].tolist() == [1, 1]


def test_a_second_different_human_label_is_a_conflict_until_resolved(tmp_path):
    store = _store(tmp_path)
    store.add_labels(_labels(["i0", "i1"], ["yes", "no"]), source="human", annotator="ann",
                     origin="f")
    result = store.add_labels(_labels(["i0", "i1"], ["no", "no"]), source="human",
                              annotator="bob", origin="g")
    assert (result.n_labels, result.n_duplicates, result.n_conflicts) == (2, 0, 1)
    assert store.conflicts().values.tolist() == [["i0", ["no", "yes"], ["ann", "bob"]]]
    assert set(store.current_labels()["sample_id"]) == {"i1"}
    assert len(store.labels("human")) == 4  # both kept
    store.add_labels(_labels(["i0"], ["yes"], resolves=[True]), source="human",
                     annotator="lead", origin="resolution")
    assert store.conflicts().empty
    assert store.current_labels().set_index("sample_id").loc["i0", "value"] == "yes"
    assert len(store.labels("human")) == 5


def test_the_same_import_twice_changes_nothing(tmp_path):
    store = _store(tmp_path)
    labels = _labels(["i0", "i1"], ["yes", "no"])
    first = store.add_labels(labels, source="human", annotator="ann", origin="a.csv",
                             content=b"file bytes")
    again = store.add_labels(labels, source="human", annotator="ann", origin="a.csv",
                             content=b"file bytes")
    assert first.n_labels == 2 and again.already_imported and again.n_labels == 0
    # the same labels in another file: duplicates, not new labels
    other = store.add_labels(labels, source="human", annotator="ann", origin="b.csv",
                             content=b"other bytes")
    assert (other.n_labels, other.n_duplicates) == (0, 2)
    assert len(store.labels()) == 2 and len(store.imports()) == 2


def test_bad_labels_write_nothing(tmp_path):
    store = _store(tmp_path)
    with pytest.raises(DataError, match=r"not items of the project.*'zz'"):
        store.add_labels(_labels(["i0", "zz"], ["yes", "no"]), source="human",
                         annotator="a", origin="f")
    with pytest.raises(DataError, match=r"\['maybe'\] are not classes"):
        store.add_labels(_labels(["i0", "i1"], ["yes", "maybe"]), source="human",
                         annotator="a", origin="f")
    assert store.labels().empty and store.imports().empty


def test_the_validation_set_is_set_aside_once_from_human_labels(tmp_path):
    store = _store(tmp_path)
    store.add_labels(_labels(["i0", "i1", "i2"], ["yes", "no", "no"]), source="human",
                     annotator="a", origin="f")
    store.add_labels(_labels(["i3"], ["yes"]), source="rule", annotator="r", origin="r")
    with pytest.raises(SemiloopError, match=r"no settled human label.*'i3'"):
        store.set_validation(["i0", "i3"])
    store.set_validation(["i0", "i1"])
    with pytest.raises(SemiloopError, match="set aside already"):
        store.set_validation(["i2"])
    assert store.validation().values.tolist() == [["i0", "yes"], ["i1", "no"]]
    store.add_labels(_labels(["i0"], ["no"]), source="human", annotator="b", origin="g")
    assert store.validation()["sample_id"].tolist() == ["i1"]  # in conflict: left out


def test_rounds_record_predictions_review_batches_and_interruptions(tmp_path):
    store = _store(tmp_path, n=4)
    first = store.start_round(["self-training"], {"seed": 0})
    second = store.start_round(["self-training"], {"seed": 0})  # the first died
    assert store.rounds().set_index("round").loc[first, "message"] == "interrupted"
    predictions = pd.DataFrame({"sample_id": ["i0", "i1", "i2", "i3"],
                                "value": ["no", "yes", "yes", "no"],
                                "confidence": [0.9, 0.6, 0.55, 0.99]})
    review = pd.DataFrame({"sample_id": ["i2", "i1"], "score": [-0.1, -0.2],
                           "reason": ["margin", "margin"], "suggestion": ["yes", "yes"]})
    batch = store.finish_round(second, metrics={"accuracy": 0.75}, model_file="m.skops",
                               predictions=predictions, n_human=2, n_rule=0,
                               review={"strategy": "margin", "items": review},
                               pseudo_labels=predictions.iloc[[3]])
    rounds = store.rounds().set_index("round")
    assert rounds.loc[second, "status"] == "done"
    assert rounds.loc[second, "metrics"] == {"accuracy": 0.75}
    assert store.review_items(batch)["sample_id"].tolist() == ["i2", "i1"]
    assert store.labels("pseudo")[["sample_id", "round"]].values.tolist() == [["i3", second]]
    assert len(store.predictions(second)) == 4
    with pytest.raises(SemiloopError, match="no review batch 9"):
        store.review_items(9)


def test_a_newer_schema_is_refused_and_an_older_one_migrated(tmp_path, monkeypatch):
    _store(tmp_path).close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    monkeypatch.setattr("semiloop.loop.store.SCHEMA_VERSION", 2)
    monkeypatch.setitem(schema.MIGRATIONS, 1, lambda db: db.execute(
        "ALTER TABLE items ADD COLUMN note TEXT"))
    with ProjectStore.open(tmp_path / "project.db") as store:
        assert store.schema_version == 2
        assert "note" in store.items().columns or "note" in store._frame(
            "SELECT * FROM items").columns
    monkeypatch.setattr("semiloop.loop.store.SCHEMA_VERSION", 1)
    with pytest.raises(SemiloopError, match="newer than this semiloop's 1; upgrade"):
        ProjectStore.open(tmp_path / "project.db")


_IMPORTER = textwrap.dedent("""
    import sys
    import pandas as pd
    from semiloop.loop.store import ProjectStore
    store = ProjectStore.open(sys.argv[1])
    ids = [f"i{k}" for k in range(int(sys.argv[2]))]
    for run in range(1000):
        labels = pd.DataFrame({"sample_id": ids, "value": ["yes"] * len(ids)})
        store.add_labels(labels, source="rule", annotator=f"run {run}", origin=f"run {run}")
        print(run, flush=True)
""")


def test_a_process_killed_in_the_middle_of_imports_leaves_whole_imports(tmp_path):
    n = 20_000
    store = _store(tmp_path, n=n)
    store.add_labels(_labels(["i0", "i1"], ["yes", "no"]), source="human", annotator="ann",
                     origin="first")
    store.close()
    process = subprocess.Popen([sys.executable, "-c", _IMPORTER, str(tmp_path / "project.db"),
                                str(n)], stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # one import is done; the next is under way
    time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with ProjectStore.open(tmp_path / "project.db") as store:
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        imports = store.imports()
        per_import = store.labels("rule").groupby("import_id").size()
        assert len(imports) >= 2 and (per_import == n).all()
        assert per_import.index.tolist() == imports["import_id"].iloc[1:].tolist()
        assert store.labels("human")[["sample_id", "value"]].values.tolist() == [
            ["i0", "yes"], ["i1", "no"]]
