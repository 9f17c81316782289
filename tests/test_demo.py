import pytest

from semiloop.demo import run_demo
from semiloop.registry import CANDIDATES

STEPS = []


@pytest.fixture(scope="module")
def result():
    return run_demo(seed=0, progress=STEPS.append)


def test_demo_keeps_about_five_percent_of_the_labels(result):
    assert result["n_classes"] == 10
    assert result["n_train"] + result["n_test"] == 1797
    assert result["n_labeled"] + result["n_unlabeled"] == result["n_train"]
    assert 2 * result["n_classes"] <= result["n_labeled"] <= 0.06 * result["n_train"]


def test_semiloop_sits_between_supervised_and_full(result):
    assert result["supervised_accuracy"] < result["fully_supervised_accuracy"]
    assert (result["supervised_accuracy"] <= result["semiloop_accuracy"]
            < result["fully_supervised_accuracy"])
    if not result["used_unlabeled"]:
        assert result["semiloop_accuracy"] == result["supervised_accuracy"]
    gap = result["fully_supervised_accuracy"] - result["supervised_accuracy"]
    assert result["gap_closed"] == pytest.approx(
        (result["semiloop_accuracy"] - result["supervised_accuracy"]) / gap)


def test_every_candidate_is_scored_and_one_is_kept(result):
    names = [record["candidate"] for record in result["candidates"]]
    assert names == ["supervised", *CANDIDATES]
    kept = [record["candidate"] for record in result["candidates"] if record["kept"]]
    assert kept == [result["kept"]]
    # on the digits with 60 labels the graph is far ahead on held-out labels (0.95 vs 0.83)
    assert result["kept"] == "graph" and result["gap_closed"] > 0.3


def test_demo_is_repeatable(result):
    assert set(result["seconds"]) == {"supervised", "semiloop", "fully_supervised"}
    again = run_demo(seed=0)
    for key in ("supervised_accuracy", "semiloop_accuracy", "fully_supervised_accuracy",
                "n_labeled", "kept"):
        assert again[key] == result[key]

    def scores(run):
        return [{k: v for k, v in record.items() if k != "seconds"}
                for record in run["candidates"]]

    assert scores(again) == scores(result)


def test_demo_reports_each_step(result):
    steps = STEPS
    assert steps[0].startswith("supervised only: ") and steps[1].startswith("semiloop: ")
    assert steps[-1].startswith("fully supervised: ")
    for name in CANDIDATES:
        assert f"scoring {name} on held-out labeled rows" in steps
        assert any(step.startswith(f"{name}: held-out accuracy") for step in steps)
