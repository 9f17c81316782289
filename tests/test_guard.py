"""The public guard: exact paired tests, choosing among candidates, chance, ties, state."""

import numpy as np
import pytest
from scipy.stats import norm

from semiloop.guard import (
    NOT_SCORED,
    GuardScore,
    GuardState,
    choose,
    holdout_split,
    label_folds,
    make_splits,
    max_t_p_values,
    no_information_rate,
    not_compared,
    score_out_of_fold,
    sign_flip_p_value,
    too_few_to_hold_out,
)


def _score(correct, brier=None):
    correct = np.asarray(correct, dtype=float)
    brier = 1.0 - correct if brier is None else np.asarray(brier, dtype=float)
    return GuardScore(correct, brier, np.full(len(correct), 0.5))


def test_sign_flip_p_value_is_exact_for_few_rows():
    # 4 rows gained, 1 lost, 5 tied: of the 32 sign patterns of the 5 differing rows, those
    # with sum >= 3 are all gains (1) and one loss among five (5): 6 of 32
    gains = np.array([1, 1, 1, 1, -1, 0, 0, 0, 0, 0], dtype=float)
    assert sign_flip_p_value(gains) == pytest.approx(6 / 32)
    assert sign_flip_p_value(np.zeros(8)) == 1.0
    assert sign_flip_p_value(-np.ones(5)) == 1.0


def test_sign_flip_p_value_matches_the_normal_tail_for_many_rows():
    rng = np.random.default_rng(0)
    gains = rng.choice([-1.0, 0.0, 1.0], size=400, p=[0.2, 0.5, 0.3])
    z = gains.sum() / np.sqrt((gains ** 2).sum())
    assert sign_flip_p_value(gains) == pytest.approx(norm.sf(z), abs=0.01)
    assert sign_flip_p_value(gains) == sign_flip_p_value(gains)   # seeded: same answer


def test_max_t_adjusts_for_choosing_the_best_of_several():
    gains = np.zeros((12, 3))
    gains[:9, 0] = 1.0           # candidate 0 gains 9 rows
    gains[:9, 1] = 1.0           # candidate 1 is the same: perfectly correlated
    gains[[0, 3, 6], 2] = 1.0    # candidate 2 is a different, weaker one
    alone = sign_flip_p_value(gains[:, 0])
    adjusted = max_t_p_values(gains)
    assert alone == pytest.approx(1 / 512)
    # identical candidates cost nothing; an independent third raises the adjusted p a little
    assert alone <= adjusted[0] == adjusted[1] <= 3 * alone
    assert adjusted[2] >= sign_flip_p_value(gains[:, 2])


def test_margin_is_a_one_sided_level():
    reference = _score([0] * 20)
    four = _score([1] * 4 + [0] * 16)               # p = 1/16 = 0.0625
    assert choose(reference, {"m": four}, margin=1.5).kept == "m"   # 0.0625 <= 0.0668
    assert choose(reference, {"m": four}, margin=2.0).kept is None  # 0.0625 > 0.0228
    decision = choose(reference, {"m": four}, margin=2.0)
    assert decision.level == pytest.approx(norm.sf(2.0))
    assert "p = 0.0625" in decision.reason


def test_a_handful_of_lucky_rows_is_not_evidence():
    # 13 held-out labels: 3 rows gained and nothing lost is p = 1/8, whatever the normal
    # approximation (mean 0.23, standard error 0.12: 1.9 standard errors) says
    reference = _score([1] * 5 + [0] * 8)
    candidate = _score([1] * 8 + [0] * 5)
    assert choose(reference, {"m": candidate}, margin=1.5).kept is None
    assert choose(reference, {"m": candidate}, margin=1.5).p_values["m"] == pytest.approx(1 / 8)


def test_below_chance_is_never_kept():
    # the 13-label case of the issue: 3 classes, both models below chance
    y = np.array([0] * 5 + [1] * 4 + [2] * 4)
    chance = no_information_rate(y)
    assert chance == pytest.approx(5 / 13)
    reference = _score([0] * 13)
    candidate = _score([1] * 4 + [0] * 9)                   # 0.31 < 0.38
    decision = choose(reference, {"m": candidate}, margin=0.0, chance=chance)
    assert decision.kept is None and "not above chance" in decision.reason
    better = _score([1] * 6 + [0] * 7)
    assert choose(reference, {"m": better}, margin=0.0, chance=chance).kept == "m"


def test_a_saturated_accuracy_does_not_hide_a_clear_win():
    # both right on every held-out row; the candidate is sure, the reference hesitant
    y = np.array([0, 1] * 15)
    hesitant = score_out_of_fold(y, np.where(np.eye(2)[y] == 1, 0.85, 0.15))
    sure = score_out_of_fold(y, np.where(np.eye(2)[y] == 1, 0.999, 0.001))
    assert hesitant.accuracy == sure.accuracy == 1.0
    decision = choose(hesitant, {"graph": sure}, margin=2.0, chance=0.5)
    assert decision.kept == "graph" and decision.criteria["graph"] == "Brier score"
    # ...and the same tie the other way round keeps the reference
    assert choose(sure, {"graph": hesitant}, margin=2.0, chance=0.5).kept is None


def test_the_most_accurate_significant_candidate_is_kept():
    reference = _score([0] * 30)
    good = _score([1] * 12 + [0] * 18)
    better = _score([1] * 20 + [0] * 10)
    decision = choose(reference, {"good": good, "better": better}, margin=2.0)
    assert decision.kept == "better"
    assert set(decision.p_values) == {"good", "better"}


def test_score_out_of_fold_averages_repeats_per_row():
    y = np.array([0, 1, 0, 1])                        # two repeats of two rows
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]])
    score = score_out_of_fold(y, proba, n_repeats=2)
    np.testing.assert_allclose(score.correct, [0.5, 1.0])
    np.testing.assert_allclose(score.brier, [(0.02 + 0.72) / 2, (0.08 + 0.18) / 2])
    assert score.accuracy == 0.75


@pytest.mark.parametrize(("accuracies", "patience", "accepted", "best"), [
    ([0.5, 0.9, 0.9, 0.5], 0, [True, False], 1),
    ([0.5, 0.52, 0.9, 0.95], 1, [False, True, False], 2),
    ([0.5, 0.5, 0.5], 1, [False, False], 0),
])
def test_guard_state_accepts_rolls_on_and_stops(accuracies, patience, accepted, best):
    n = 60
    scores = [_score((np.arange(n) < round(a * n)).astype(float)) for a in accuracies]
    state = GuardState(margin=1.5, patience=patience)
    state.start(scores[0])
    seen = []
    for score in scores[1:]:
        seen.append(state.propose(score).kept is not None)
        if state.stop:
            break
    assert seen == accepted
    assert state.best_step == best and state.best is scores[best]
    assert state.pending == (state.step > best)


def test_splits_folds_or_one_held_out_share():
    codes = np.array([0, 1, 2] * 20)
    folds = make_splits(codes, mode="folds", cv=5, validation_size=120, random_state=0)
    assert len(folds) == 10 and {r for r, _, _ in folds} == {0, 1}
    for repeat in (0, 1):
        held = np.concatenate([h for r, _, h in folds if r == repeat])
        assert sorted(held) == list(range(60))
    (repeat, train, held_out), = make_splits(codes, mode="holdout", share=0.25, random_state=0)
    assert len(held_out) == 15 and np.bincount(codes[held_out]).tolist() == [5, 5, 5]
    assert not set(train) & set(held_out)
    assert holdout_split(codes, share=0.25, random_state=0)[0][2].tolist() == held_out.tolist()
    with pytest.raises(ValueError, match="folds"):
        make_splits(codes, mode="bootstrap")


def test_folds_hold_out_a_class_with_two_rows_at_most_once_per_repeat():
    codes = np.array([0] * 10 + [1] * 2)
    folds = label_folds(codes, cv=5, validation_size=12, random_state=0)
    assert len(folds) == 2          # two folds: the rarest class has two rows


@pytest.mark.parametrize("counts", [(1, 1), (1, 1, 1), (1, 4), (4, 1), (1, 5, 1)])
def test_no_split_where_a_training_part_would_hold_a_single_class(counts):
    codes = np.repeat(np.arange(len(counts)), counts)
    assert label_folds(codes, random_state=0) == []
    assert make_splits(codes, mode="folds", random_state=0) == []


@pytest.mark.parametrize("counts", [(2, 2), (1, 2, 2), (3, 1, 3), (1, 1, 5), (2, 1, 1, 1)])
def test_every_training_part_of_the_splits_holds_two_classes(counts):
    codes = np.repeat(np.arange(len(counts)), counts)
    folds = label_folds(codes, cv=5, validation_size=20, random_state=0)
    assert folds
    assert all(len(np.unique(codes[train])) >= 2 for _, train, _ in folds)
    for repeat in {r for r, _, _ in folds}:      # each row held out once per repeat
        held = np.concatenate([h for r, _, h in folds if r == repeat])
        assert sorted(held) == list(range(len(codes)))


def test_holdout_split_is_empty_where_its_training_part_would_hold_one_class():
    assert holdout_split(np.array([0, 1]), random_state=0) == []
    ((_, train, held_out),) = holdout_split(np.array([0, 0, 1, 1]), share=0.2, random_state=0)
    assert len(held_out) == 1 and len(np.unique(np.array([0, 0, 1, 1])[train])) == 2


def test_not_compared_keeps_the_reference_and_names_the_classes_to_label():
    decision = not_compared(np.array([0, 1, 1, 1]), np.array(["cat", "dog"]), margin=2.0)
    assert decision.kept is None and decision.p_values == {} and decision.criteria == {}
    assert decision.level == pytest.approx(norm.sf(2.0))
    assert decision.reason == (
        "the guard could not compare, so the supervised model is kept: "
        + too_few_to_hold_out(np.array([0, 1, 1, 1]), np.array(["cat", "dog"])))
    assert "({'cat': 1, 'dog': 3} per class)" in decision.reason
    assert decision.reason.endswith("label at least 2 rows of class 'cat'")
    several = too_few_to_hold_out(np.array([0, 2]), np.array([3, 5, 7]))
    assert "({3: 1, 7: 1} per class)" in several
    assert several.endswith("label at least 2 rows of classes 3, 7")


def test_a_score_of_no_rows_has_no_accuracy():
    assert NOT_SCORED.accuracy is None and NOT_SCORED.log_loss is None
    assert str(NOT_SCORED) == "not scored (no held-out rows)"


def test_eligible_rows_alone_are_held_out_and_the_others_always_trained_on():
    codes = np.array([0, 1] * 15)
    eligible = np.zeros(30, dtype=bool)
    eligible[:12] = True
    for mode in ("folds", "holdout"):
        splits = make_splits(codes, mode=mode, cv=3, validation_size=24, eligible=eligible,
                             random_state=0)
        assert splits
        for _, train, held_out in splits:
            assert set(held_out.tolist()) <= set(range(12))
            assert set(range(12, 30)) <= set(train.tolist())
            assert not set(train.tolist()) & set(held_out.tolist())
    folds = make_splits(codes, cv=3, validation_size=24, eligible=eligible, random_state=0)
    assert {r for r, _, _ in folds} == {0, 1}        # 12 rows: two repeats give 24
    for repeat in (0, 1):
        assert sorted(np.concatenate([h for r, _, h in folds if r == repeat])) == list(range(12))
    everyone = make_splits(codes, cv=3, validation_size=24, eligible=np.ones(30, bool),
                           random_state=0)
    plain = make_splits(codes, cv=3, validation_size=24, random_state=0)
    assert [h.tolist() for _, _, h in everyone] == [h.tolist() for _, _, h in plain]


def test_eligible_rows_of_one_class_are_judged_beside_trained_rows_of_the_others():
    # marked rows of a single class still give splits: every training part holds the
    # unmarked rows of the other class
    codes = np.array([0] * 6 + [1] * 6)
    splits = make_splits(codes, cv=3, eligible=codes == 0, random_state=0)
    assert splits and all(set(codes[h]) == {0} for _, _, h in splits)
    assert make_splits(codes, eligible=np.eye(12, dtype=bool)[0], random_state=0) == []
    with pytest.raises(ValueError, match="one per labeled row"):
        make_splits(codes, eligible=np.ones(5, dtype=bool))


def test_too_few_validation_rows_say_which_rows_to_mark():
    reason = not_compared(np.array([1]), np.array(["cat", "dog"]), rows="validation").reason
    assert "({'dog': 1} per class)" in reason and "mark more labeled rows" in reason
