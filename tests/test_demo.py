import pytest

from semiloop.demo import run_demo


@pytest.fixture(scope="module")
def result():
    return run_demo(seed=0)


def test_demo_keeps_about_five_percent_of_the_labels(result):
    assert result["n_classes"] == 10
    assert result["n_train"] + result["n_test"] == 1797
    assert result["n_labeled"] + result["n_unlabeled"] == result["n_train"]
    assert 2 * result["n_classes"] <= result["n_labeled"] <= 0.06 * result["n_train"]


def test_demo_orders_the_three_models(result):
    # semiloop beat supervised-only on seeds 0-8 at commit ae6c0f5 (by 1.3 to 4.8 points)
    # and tied on seed 9; a stricter guard later tied on seed 2 as well. So only "no
    # worse" is asserted: a tie means the guard kept the supervised model.
    assert result["supervised_accuracy"] < result["fully_supervised_accuracy"]
    assert result["supervised_accuracy"] <= result["semiloop_accuracy"]
    assert result["semiloop_accuracy"] < result["fully_supervised_accuracy"]
    if not result["used_unlabeled"]:
        assert result["semiloop_accuracy"] == result["supervised_accuracy"]
    gap = result["fully_supervised_accuracy"] - result["supervised_accuracy"]
    closed = (result["semiloop_accuracy"] - result["supervised_accuracy"]) / gap
    assert result["gap_closed"] == pytest.approx(closed)
    assert 0 <= result["gap_closed"] < 1


def test_demo_graph_method_is_no_worse_than_supervised_and_reports_its_gap(result):
    assert result["supervised_accuracy"] <= result["graph_accuracy"]
    assert result["graph_accuracy"] < result["fully_supervised_accuracy"]
    if not result["graph_used_unlabeled"]:
        assert result["graph_accuracy"] == result["supervised_accuracy"]
    gap = result["fully_supervised_accuracy"] - result["supervised_accuracy"]
    closed = (result["graph_accuracy"] - result["supervised_accuracy"]) / gap
    assert result["graph_gap_closed"] == pytest.approx(closed)


def test_demo_is_quick_and_repeatable(result):
    assert result["total_seconds"] < 60
    assert set(result["seconds"]) == {"supervised", "semiloop", "graph", "fully_supervised"}
    again = run_demo(seed=0)
    for key in ("supervised_accuracy", "semiloop_accuracy", "graph_accuracy",
                "fully_supervised_accuracy", "n_labeled", "rounds"):
        assert again[key] == result[key]


def test_demo_reports_each_step():
    steps = []
    run_demo(seed=1, progress=steps.append)
    assert [step.split(":")[0] for step in steps] == [
        "supervised only", "semiloop", "semiloop, graph method", "fully supervised"]
