"""Rules in the loop: their votes become rule labels that never replace a human label."""

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from semiloop.cli import app
from semiloop.loop.project import init_project, open_project
from semiloop.loop.round import run_round

runner = CliRunner()

_WORDS = {"billing": ["refund", "invoice", "charge", "payment"],
          "bug": ["crash", "error", "broken", "freeze"],
          "account": ["password", "login", "email", "username"]}

_RULES = """
[[pipeline]]
method = "rules"

[[pipeline]]
method = "graph"

[[rules]]
name = "money_words"
kind = "keywords"
column = "body"
keywords = ["refund", "invoice"]
label = "billing"

[[rules]]
name = "crash_words"
kind = "regex"
column = "body"
pattern = "crash|freez"
label = "bug"
"""


def _project(tmp_path, n=240, n_labeled=30):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        topic = list(_WORDS)[i % 3]
        words = [*rng.choice(_WORDS[topic], 2), *rng.choice(["the", "my", "help", "now"], 3)]
        rows.append((f"t{i}", " ".join(rng.permutation(words)), topic))
    frame = pd.DataFrame(rows, columns=["tid", "body", "topic"])
    frame.loc[n_labeled:, "topic"] = ""
    frame.to_csv(tmp_path / "tickets.csv", index=False)
    project = init_project(tmp_path / "p", data=tmp_path / "tickets.csv", label="topic",
                           id_column="tid", text_column="body")
    config = project.folder / "semiloop.toml"
    text = config.read_text()
    start = text.index("[[pipeline]]")
    config.write_text(text[:start] + _RULES)
    return open_project(project.folder)


def test_rule_votes_seed_the_unlabeled_items_and_leave_human_labels_alone(tmp_path):
    project = _project(tmp_path)
    result = run_round(project)
    with project.store() as store:
        rule = store.labels("rule")
        current = store.current_labels()
        human = set(store.labels("human")["sample_id"])
        n_rule_imports = (store.imports()["format"] == "rules").sum()
    # every item a rule matched got a rule label; one rule per class it names
    body = pd.read_csv(tmp_path / "tickets.csv").set_index("tid")["body"]
    matched = body.str.contains(r"\brefund\b|\binvoice\b|crash|freez")
    assert set(rule["sample_id"]) == set(body.index[matched])
    assert set(rule["value"]) == {"billing", "bug"}
    assert rule["annotator"].unique().tolist() == ["rules (majority_vote)"]
    # a human label wins where a rule voted on a human-labeled item
    both = current[current["sample_id"].isin(human)]
    assert (both["source"] == "human").all()
    assert result.metrics["n_rule"] == len(set(rule["sample_id"]) - human)
    # the same rules on the same labels are the same import: nothing new the next round
    run_round(project)
    with project.store() as store:
        assert (store.imports()["format"] == "rules").sum() == n_rule_imports == 1
        assert len(store.labels("rule")) == len(rule)


def test_status_reports_each_rule_on_the_human_labels(tmp_path):
    project = _project(tmp_path)
    result = runner.invoke(app, ["status", str(project.folder)], terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "money_words" in result.output and "crash_words" in result.output
    bad = project.folder / "semiloop.toml"
    bad.write_text(bad.read_text().replace('kind = "regex"', 'kind = "regexp"'))
    failed = runner.invoke(app, ["round", str(project.folder)])
    assert failed.exit_code == 2 and "kind 'regexp' is not known" in failed.output


def test_text_features_are_chosen_in_the_config(tmp_path):
    project = _project(tmp_path)
    assert project.config["data"]["text_features"] == "tfidf"
    config = project.folder / "semiloop.toml"
    config.write_text(config.read_text().replace('text_features = "tfidf"',
                                                 'text_features = "bert"'))
    failed = runner.invoke(app, ["round", str(project.folder)])
    assert failed.exit_code == 2 and "text_features 'bert' is not known" in failed.output


def test_dawid_skene_labels_that_collapse_or_lose_to_majority_vote_are_not_used():
    from semiloop.loop.rules import _collapsed

    majority = np.array([0, 1, 2, 0, 1, 2, -1, -1])
    voted = np.array([True] * 7 + [False])             # item 6: a tie in majority vote
    assert _collapsed(majority.copy(), majority, np.full(8, -1), 3, voted) is None
    onto_one = np.where(majority >= 0, 0, -1)
    assert "collapse onto a few classes (class shares 0.67" in _collapsed(
        onto_one, majority, np.full(8, -1), 3, voted)
    human = np.tile([0, 1, 2, 0, 1, 2, -1, -1], 2)
    worse = np.tile([0, 1, 2, 0, 2, 1, -1, -1], 2)   # 4 misses where majority vote is right
    assert "less accurate than majority vote's on 12 human labels (67% against 100%)" in (
        _collapsed(worse, np.tile(majority, 2), human, 3, np.tile(voted, 2)))
    # one miss more is no evidence (McNemar: p = 0.5); a tie majority vote cannot settle and
    # the label model gets right counts for it
    human = np.tile([0, 1, 2, 0, 1, 2, 1, -1], 2)
    one_worse = np.tile([0, 1, 2, 0, 1, 2, 1, -1], 2)
    one_worse[4] = 2
    assert _collapsed(one_worse, np.tile(majority, 2), human, 3, np.tile(voted, 2)) is None
    settles_ties = np.tile([0, 1, 2, 0, 2, 1, 1, -1], 2)   # 4 misses, 2 ties settled
    assert _collapsed(settles_ties, np.tile(majority, 2), human, 3, np.tile(voted, 2)) is None


def test_a_dawid_skene_round_warns_and_falls_back_when_its_labels_collapse(tmp_path):
    import warnings

    from semiloop.loop.rules import apply_project_rules

    project = _project(tmp_path)
    frame = pd.read_csv(tmp_path / "tickets.csv")
    config = {**project.config, "rules_model": {"combiner": "dawid_skene"}}
    human = np.full(len(frame), -1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        votes = apply_project_rules(config, frame[["body"]], ["account", "billing", "bug"],
                                    human)
    fell_back = any("uses majority vote instead" in str(w.message) for w in caught)
    assert (votes.combiner == "majority_vote") == fell_back
    assert set(np.unique(votes.labels)) <= {-1, 1, 2}
