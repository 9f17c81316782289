import numpy as np
import pytest

from semiloop.errors import SemiloopError
from semiloop.thresholds import (
    AdaptiveThreshold,
    ClassConditionalThreshold,
    FixedThreshold,
    adaptive_thresholds,
    class_conditional_thresholds,
    make_threshold_policy,
    update_adaptive_state,
)

# 10 rows, 3 classes: class 0 confident 4 times, class 1 twice, class 2 never;
# two rows below tau = 0.9 are predicted as class 2 and class 0.
PROBA = np.array(
    [[0.95, 0.03, 0.02]] * 4
    + [[0.02, 0.96, 0.02]] * 2
    + [[0.3, 0.3, 0.4]] * 3
    + [[0.5, 0.3, 0.2]]
)


def test_flexmatch_thresholds_without_warmup_by_hand():
    # sigma = [4, 2, 0]; beta = sigma / 4 = [1, 0.5, 0]; M(b) = b / (2 - b)
    expected = np.array([1.0, 0.5 / 1.5, 0.0]) * 0.9
    assert np.allclose(class_conditional_thresholds(PROBA, 0.9, warmup=False), expected)


def test_flexmatch_warmup_counts_unclaimed_rows_in_the_normaliser():
    # 4 rows unclaimed: normaliser = max(4, 10 - 6) = 4, same as above
    assert np.allclose(
        class_conditional_thresholds(PROBA, 0.9, warmup=True),
        class_conditional_thresholds(PROBA, 0.9, warmup=False),
    )
    # add 6 unclaimed rows: normaliser = 10, beta = [0.4, 0.2, 0]
    more = np.vstack([PROBA, np.tile([0.4, 0.3, 0.3], (6, 1))])
    beta = np.array([0.4, 0.2, 0.0])
    assert np.allclose(class_conditional_thresholds(more, 0.9), beta / (2 - beta) * 0.9)


def test_flexmatch_floor_is_applied():
    policy = ClassConditionalThreshold(0.9, warmup=False, min_threshold=0.5)
    assert np.allclose(policy.update(PROBA), [0.9, 0.5, 0.5])


def test_freematch_state_update_by_hand():
    state = update_adaptive_state(None, PROBA, momentum=0.75)
    mean_max = np.mean([0.95] * 4 + [0.96] * 2 + [0.4] * 3 + [0.5])
    assert state.global_threshold == pytest.approx(0.75 / 3 + 0.25 * mean_max)
    assert np.allclose(state.class_means, 0.75 / 3 + 0.25 * PROBA.mean(axis=0))
    thresholds = adaptive_thresholds(state)
    assert thresholds.max() == pytest.approx(state.global_threshold)
    means = state.class_means
    assert np.allclose(thresholds, means / means.max() * state.global_threshold)


def test_adaptive_policy_carries_state_and_resets():
    policy = AdaptiveThreshold(momentum=0.5)
    first = policy.update(PROBA)
    second = policy.update(PROBA)
    assert second.max() > first.max()  # the global threshold climbs toward mean confidence
    policy.reset()
    assert np.allclose(policy.update(PROBA), first)


def test_fixed_and_factory():
    assert FixedThreshold(0.8).update(PROBA).tolist() == [0.8] * 3
    assert isinstance(make_threshold_policy("class_conditional", 0.9), ClassConditionalThreshold)
    mine = AdaptiveThreshold(0.9)
    mine.update(PROBA)
    copy = make_threshold_policy(mine, 0.9)
    assert copy is not mine and copy.state_ is None and mine.state_ is not None
    with pytest.raises(SemiloopError, match="unknown threshold policy 'nope'"):
        make_threshold_policy("nope", 0.9)


def test_factory_accepts_a_user_subclass():
    from semiloop.thresholds import ThresholdPolicy

    class Halved(ThresholdPolicy):
        def update(self, proba):
            return np.full(np.shape(proba)[1], 0.5)

    policy = make_threshold_policy(Halved(), 0.9)
    assert isinstance(policy, Halved) and policy.update(PROBA).tolist() == [0.5] * 3
