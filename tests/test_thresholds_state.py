"""The stateful mask and weight policies of semiloop.thresholds on numpy arrays, by hand."""

import subprocess
import sys

import numpy as np
import pytest

from semiloop.errors import SemiloopError
from semiloop.thresholds import (
    FlexMatchState,
    FreeMatchState,
    SoftMatchState,
    fixed_mask,
    flexmatch_mask,
    flexmatch_step,
    flexmatch_thresholds,
    freematch_step,
    freematch_thresholds,
    init_flexmatch_state,
    init_freematch_state,
    init_softmatch_state,
    reduce_states,
    softmatch_step,
    softmatch_weights,
    update_flexmatch_state,
    update_freematch_state,
    update_softmatch_state,
)

# 12 rows: 4 last confidently predicted as class 0, 2 as class 1, 6 never.
FLEX = FlexMatchState([0, 0, 0, 0, 1, 1] + [-1] * 6, [1] * 6 + [-1] * 6, 1)


def test_fixed_mask_accepts_the_threshold_itself():
    proba = np.array([[0.95, 0.05], [0.94, 0.06], [0.02, 0.98]], dtype=np.float32)
    mask = fixed_mask(proba, threshold=0.95)
    assert mask.tolist() == [1.0, 0.0, 1.0] and mask.dtype == np.float32


def test_flexmatch_thresholds_by_hand():
    # sigma = [4, 2, 0]; without warm-up beta = sigma / 4 = [1, 1/2, 0]; M(b) = b / (2 - b)
    assert np.allclose(flexmatch_thresholds(FLEX, 3, threshold=0.9, warmup=False), [0.9, 0.3, 0])
    # warm-up: normaliser = max(4, 12 - 6) = 6, beta = [2/3, 1/3, 0], M(beta) = [1/2, 1/5, 0]
    assert np.allclose(flexmatch_thresholds(FLEX, 3, threshold=0.9), [0.45, 0.18, 0])
    linear = flexmatch_thresholds(FLEX, 3, threshold=0.9, mapping="linear")
    assert np.allclose(linear, [0.6, 0.3, 0])
    with pytest.raises(SemiloopError, match="unknown mapping 'cubic'"):
        flexmatch_thresholds(FLEX, 3, mapping="cubic")


def test_flexmatch_starts_at_zero_thresholds_with_or_without_warmup():
    state = init_flexmatch_state(5)
    assert state.selected_label.tolist() == [-1] * 5 and int(state.step) == 0
    for warmup in (True, False):
        assert flexmatch_thresholds(state, 2, warmup=warmup).tolist() == [0.0, 0.0]


def test_flexmatch_updates_only_the_given_confident_rows():
    state = init_flexmatch_state(6)
    proba = np.array([[0.97, 0.03], [0.2, 0.8], [0.01, 0.99]])
    state = update_flexmatch_state(proba, state, [4, 0, 2], threshold=0.95)
    # row 4: class 0 (0.97 > 0.95); row 0 not confident; row 2: class 1
    assert state.selected_label.tolist() == [-1, -1, 1, -1, 0, -1]
    assert state.selected_step.tolist() == [-1, -1, 1, -1, 1, -1]
    # a later unconfident prediction keeps the row's label; a confident one replaces it
    state = update_flexmatch_state(np.array([[0.6, 0.4], [0.99, 0.01]]), state, [4, 2])
    assert state.selected_label.tolist() == [-1, -1, 0, -1, 0, -1]
    assert state.selected_step.tolist() == [-1, -1, 2, -1, 1, -1]
    assert int(state.step) == 2
    with pytest.raises(SemiloopError, match=r"indices has shape \(1,\) but proba has 2 rows"):
        update_flexmatch_state(np.array([[0.6, 0.4], [0.99, 0.01]]), state, [4])


def test_flexmatch_step_masks_with_the_state_before_the_batch():
    proba = np.array([[0.5, 0.3, 0.2], [0.1, 0.25, 0.65], [0.1, 0.05, 0.85]])
    expected = flexmatch_mask(proba, FLEX, threshold=0.9)
    # thresholds [0.45, 0.18, 0]: every row passes
    assert expected.tolist() == [1.0, 1.0, 1.0]
    state, mask = flexmatch_step(proba, FLEX, [6, 7, 8], threshold=0.8)
    assert mask.tolist() == flexmatch_mask(proba, FLEX, threshold=0.8).tolist()
    assert state.selected_label[6:9].tolist() == [-1, -1, 2]
    assert FLEX.selected_label[8] == -1  # the input state is never changed


def test_freematch_two_steps_by_hand():
    state = init_freematch_state(2)
    assert float(state.global_threshold) == 0.5 and state.class_means.tolist() == [0.5, 0.5]
    state, _ = freematch_step(np.array([[0.9, 0.1], [0.6, 0.4]]), state, momentum=0.5)
    # tau_1 = 0.5 * 0.5 + 0.5 * 0.75; p_1 = 0.5 * [0.5, 0.5] + 0.5 * [0.75, 0.25]
    assert float(state.global_threshold) == pytest.approx(0.625)
    assert np.allclose(state.class_means, [0.625, 0.375])
    state, mask = freematch_step(np.array([[0.2, 0.8], [0.4, 0.6]]), state, momentum=0.5)
    # tau_2 = 0.5 * 0.625 + 0.5 * 0.7; p_2 = 0.5 * [0.625, 0.375] + 0.5 * [0.3, 0.7]
    assert float(state.global_threshold) == pytest.approx(0.6625)
    assert np.allclose(state.class_means, [0.4625, 0.5375])
    assert np.allclose(freematch_thresholds(state), [0.4625 / 0.5375 * 0.6625, 0.6625])
    assert mask.tolist() == [1.0, 0.0]  # 0.8 >= 0.6625; 0.6 < 0.6625


def test_softmatch_update_uses_the_unbiased_batch_variance():
    state = init_softmatch_state(2)
    assert float(state.mean) == 0.5 and float(state.variance) == 1.0
    proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.8, 0.2]])
    state = update_softmatch_state(proba, state, momentum=0.5)
    # batch mean 0.8, unbiased variance (0.01 + 0.01 + 0) / 2 = 0.01
    assert float(state.mean) == pytest.approx(0.65)
    assert float(state.variance) == pytest.approx(0.505)
    one_row = update_softmatch_state(proba[:1], state, momentum=0.5)
    assert float(one_row.variance) == float(state.variance)
    assert float(one_row.mean) == pytest.approx(0.5 * 0.65 + 0.5 * 0.9)


def test_softmatch_weights_at_and_below_the_mean():
    state = SoftMatchState(0.7, 0.01)
    proba = np.array([[0.95, 0.05], [0.7, 0.3], [0.6, 0.4]])
    # at or above mu: lambda_max; 0.1 below with sigma^2 = 0.01: exp(-0.01 / 0.02)
    assert np.allclose(softmatch_weights(proba, state), [1.0, 1.0, np.exp(-0.5)])
    halved = softmatch_weights(proba, state, max_weight=0.5)
    assert np.allclose(halved, [0.5, 0.5, 0.5 * np.exp(-0.5)])
    # the authors' code: 2 sigma^2 / n_sigma^2 with n_sigma = 2
    assert np.allclose(softmatch_weights(proba, state, n_sigma=2)[2], np.exp(-2.0))
    state, weights = softmatch_step(proba, init_softmatch_state(2), momentum=0.0)
    assert np.allclose(weights, softmatch_weights(proba, state))


def test_softmatch_weights_underflow_quietly():
    proba = np.array([[0.5, 0.5], [0.99, 0.01]])
    with np.errstate(all="raise"):
        weights = softmatch_weights(proba, SoftMatchState(0.99, 1e-6))
    assert weights.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("state", [
    FLEX, init_freematch_state(3), SoftMatchState(0.6, 0.02)], ids=lambda s: type(s).__name__)
def test_state_round_trips_through_a_dict(state):
    restored = type(state).from_dict(state.to_dict())
    for name, value in state.to_dict().items():
        assert np.array_equal(getattr(restored, name), value)
    # a JSON round trip gives lists and floats back
    plain = {name: np.asarray(value).tolist() for name, value in state.to_dict().items()}
    again = type(state).from_dict(plain)
    assert all(np.array_equal(a, b) for a, b in zip(again, state, strict=True))


def test_from_dict_names_the_keys_it_needs():
    with pytest.raises(SemiloopError, match=r"needs exactly the keys \['class_means', 'global"):
        FreeMatchState.from_dict({"global_threshold": 0.5})


def test_freematch_reduce_is_exact_for_equal_shards():
    rng = np.random.default_rng(0)
    single = init_freematch_state(3)
    shards = [init_freematch_state(3), init_freematch_state(3)]
    for _ in range(5):
        batch = rng.dirichlet(np.ones(3), size=8)
        single = update_freematch_state(batch, single, momentum=0.9)
        shards = [update_freematch_state(part, shard, momentum=0.9)
                  for part, shard in zip(np.split(batch, 2), shards, strict=True)]
    reduced = reduce_states(shards)
    assert np.allclose(reduced.global_threshold, single.global_threshold)
    assert np.allclose(reduced.class_means, single.class_means)


def test_softmatch_reduce_averages_both_statistics():
    reduced = reduce_states([SoftMatchState(0.6, 0.02), SoftMatchState(0.8, 0.04)])
    assert float(reduced.mean) == pytest.approx(0.7)
    assert float(reduced.variance) == pytest.approx(0.03)


def test_flexmatch_reduce_takes_each_rows_newest_label():
    a = FlexMatchState([0, -1, 1, -1], [1, -1, 2, -1], 2)
    b = FlexMatchState([-1, 2, 0, -1], [-1, 3, 2, -1], 3)
    reduced = reduce_states([a, b])
    assert reduced.selected_label.tolist() == [0, 2, 0, -1]  # a tie goes to the later state
    assert reduced.selected_step.tolist() == [1, 3, 2, -1]
    assert int(reduced.step) == 3


def test_flexmatch_reduce_of_disjoint_shards_equals_one_process():
    rng = np.random.default_rng(1)
    single = init_flexmatch_state(20)
    shards = [init_flexmatch_state(20), init_flexmatch_state(20)]
    for _ in range(4):
        rows = rng.permutation(20)[:8]
        batch = rng.dirichlet(np.full(3, 0.3), size=8)
        single = update_flexmatch_state(batch, single, rows, threshold=0.7)
        shards = [update_flexmatch_state(part, shard, index, threshold=0.7)
                  for part, index, shard in zip(
                      np.split(batch, 2), np.split(rows, 2), shards, strict=True)]
    reduced = reduce_states(shards)
    assert (single.selected_label >= 0).sum() > 0
    for name, value in single.to_dict().items():
        assert np.array_equal(getattr(reduced, name), value)


def test_reduce_states_refuses_mixed_or_no_states():
    with pytest.raises(SemiloopError, match="one or more states of one kind"):
        reduce_states([FLEX, init_freematch_state(2)])
    with pytest.raises(SemiloopError, match="one or more states of one kind"):
        reduce_states([])


def test_importing_thresholds_does_not_import_torch():
    code = ("import sys, semiloop.thresholds; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
