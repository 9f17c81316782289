import numpy as np
import pytest

from semiloop.trust.training import (
    MIN_PSEUDO_LABELS,
    collapse_alarms,
    ensemble_disagreement,
    flip_rate,
    pseudo_label_audit,
)


def test_audit_counts_each_class_by_hand():
    truth = [0, 0, 0, 1, 1, 2, 2, 2]
    pseudo = [0, 0, 1, 1, -1, 0, -1, -1]
    audit = pseudo_label_audit(truth, pseudo, n_classes=3)
    # right: rows 0, 1 (class 0) and 3 (class 1) -> 3 of 5 pseudo-labeled
    assert audit.precision == 0.6
    assert audit.coverage == round(5 / 8, 4)
    np.testing.assert_allclose(audit.class_precision, [2 / 3, 1 / 2, np.nan])
    np.testing.assert_allclose(audit.class_recall, [2 / 3, 1 / 2, 0.0])
    np.testing.assert_allclose(audit.class_coverage, [1.0, 1 / 2, 1 / 3])
    plain = audit.to_dict(np.array(["a", "b", "c"]))
    assert plain["per_class"]["c"] == {"precision": None, "recall": 0.0, "coverage": 0.3333}


def test_audit_without_any_pseudo_label_has_no_precision():
    audit = pseudo_label_audit([0, 1], [-1, -1], n_classes=2)
    assert audit.precision is None and audit.coverage == 0.0


@pytest.mark.parametrize("truth, pseudo", [([0, 1], [0]), ([-1, 0], [0, 0])])
def test_audit_refuses_bad_input(truth, pseudo):
    with pytest.raises(ValueError):
        pseudo_label_audit(truth, pseudo, n_classes=2)


def test_flip_rate_skips_rows_without_a_class():
    assert flip_rate([0, 1, 1, -1], [1, 1, 0, 0]) == round(2 / 3, 4)
    assert flip_rate([-1, -1], [0, 1]) is None


def test_ensemble_disagreement_by_hand():
    proba = np.array([
        [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]],
        [[0.9, 0.1], [0.1, 0.9], [0.2, 0.8]],
    ])
    result = ensemble_disagreement(proba)
    np.testing.assert_array_equal(result.consensus, [0, 1, 1])
    np.testing.assert_allclose(result.vote_disagreement, [0.0, 0.5, 0.0])
    np.testing.assert_allclose(result.std, [0.0, 0.2, 0.0])
    # identical models carry no information about the model: BALD is 0
    np.testing.assert_allclose(result.mutual_information[[0, 2]], 0.0, atol=1e-12)
    mean = np.array([0.3, 0.7])
    expected = (-(mean * np.log(mean)).sum()
                - 0.5 * (np.log(2) - (0.1 * np.log(0.1) + 0.9 * np.log(0.9))))
    assert result.mutual_information[1] == pytest.approx(expected)


def test_ensemble_disagreement_needs_two_models():
    with pytest.raises(ValueError, match="n_models >= 2"):
        ensemble_disagreement(np.ones((1, 3, 2)) / 2)


def _tile(rows, n):
    return np.tile(np.asarray(rows, dtype=float), (n, 1))


def test_collapse_alarms_quiet_when_predictions_only_sharpen():
    reference = _tile([[0.7, 0.3], [0.3, 0.7]], 50)
    current = _tile([[0.95, 0.05], [0.05, 0.95]], 50)
    pseudo = np.tile([0, 1], 50)
    alarms = collapse_alarms(reference, current, [0.5, 0.5], pseudo_codes=pseudo)
    assert [a.tripped for a in alarms] == [False, False, False]


def test_confidence_drop_trips_at_its_threshold():
    reference = _tile([[0.9, 0.1], [0.1, 0.9]], 50)
    current = _tile([[0.75, 0.25], [0.25, 0.75]], 50)
    alarms = {a.name: a for a in collapse_alarms(reference, current, [0.5, 0.5])}
    assert alarms["confidence_drop"].tripped
    assert alarms["confidence_drop"].value == pytest.approx(0.15)
    relaxed = collapse_alarms(reference, current, [0.5, 0.5], confidence_drop=0.2)
    assert not relaxed[0].tripped


def test_entropy_collapse_needs_one_class_as_well():
    reference = _tile([[0.7, 0.3], [0.3, 0.7]], 50)
    sharper_both = _tile([[0.99, 0.01], [0.01, 0.99]], 50)
    one_class = _tile([[0.99, 0.01]], 100)

    def names(current):
        return [a.name for a in collapse_alarms(reference, current, [0.5, 0.5]) if a.tripped]

    assert "entropy_collapse" not in names(sharper_both)
    assert "entropy_collapse" in names(one_class)


def test_class_balance_waits_for_enough_pseudo_labels():
    reference = _tile([[0.8, 0.2], [0.2, 0.8]], 50)
    few = np.full(100, -1)
    few[: MIN_PSEUDO_LABELS - 1] = 0
    enough = np.full(100, -1)
    enough[: MIN_PSEUDO_LABELS] = 0

    def balance(codes):
        return collapse_alarms(reference, reference, [0.5, 0.5], pseudo_codes=codes)[2]

    assert not balance(few).tripped
    assert balance(enough).tripped and balance(enough).value == 0.5


def test_collapse_alarms_refuse_unknown_threshold():
    with pytest.raises(ValueError, match="unknown alarm"):
        collapse_alarms(np.eye(2), np.eye(2), [0.5, 0.5], entropy_drop=0.3)


def test_alarm_summary_says_which_alarms_the_final_model_carries():
    from types import SimpleNamespace

    from semiloop.trust.training import alarm_summary

    alarm = {"name": "class_balance", "message": "moved by 0.3"}
    records = [SimpleNamespace(round=0, alarms=[]), SimpleNamespace(round=1, alarms=[alarm]),
               SimpleNamespace(round=2, alarms=[alarm])]
    assert alarm_summary(records, kept=1) == (
        "collapse alarms: round 1 (in the final model): class_balance: moved by 0.3; "
        "round 2 (rolled back): class_balance: moved by 0.3")
    assert alarm_summary(records[:1]) is None


def test_class_balance_ignores_what_sampling_alone_explains():
    prior = np.full(10, 0.1)
    reference = np.full((100, 10), 0.1)
    honest = np.repeat(np.arange(10), [5, 4, 4, 3, 3, 2, 1, 1, 1, 1])   # 25 rows, TV 0.26
    skewed = np.repeat(np.arange(10), [16, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    balance = [collapse_alarms(reference, reference, prior, pseudo_codes=codes)[2]
               for codes in (honest, skewed)]
    assert balance[0].value >= 0.2 and not balance[0].tripped
    assert balance[1].tripped
