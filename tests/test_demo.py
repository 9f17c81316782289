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


@pytest.mark.parametrize(("accuracy", "used", "closed"), [
    ("semiloop_accuracy", "used_unlabeled", "gap_closed"),
    ("graph_accuracy", "graph_used_unlabeled", "graph_gap_closed"),
])
def test_demo_methods_sit_between_supervised_and_full(result, accuracy, used, closed):
    # self-training beat supervised-only on seeds 0-8 at commit ae6c0f5 (by 1.3 to 4.8 points)
    # and tied on seed 9; a stricter guard later tied on seed 2 as well. So only "no
    # worse" is asserted: a tie means the guard kept the supervised model.
    assert result["supervised_accuracy"] < result["fully_supervised_accuracy"]
    assert result["supervised_accuracy"] <= result[accuracy] < result["fully_supervised_accuracy"]
    if not result[used]:
        assert result[accuracy] == result["supervised_accuracy"]
    gap = result["fully_supervised_accuracy"] - result["supervised_accuracy"]
    assert result[closed] == pytest.approx((result[accuracy] - result["supervised_accuracy"]) / gap)
    assert 0 <= result[closed] < 1


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
