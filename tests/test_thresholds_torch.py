"""The policies of semiloop.thresholds give the same values on torch tensors as on numpy arrays."""

import numpy as np
import pytest

from semiloop import thresholds as th

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
PROBA = RNG.dirichlet(np.full(4, 0.4), size=(5, 16))  # 5 batches of 16 rows, 4 classes
ROWS = [RNG.permutation(40)[:16] for _ in range(5)]


def _run(kind, proba, rows):
    """Five steps of every policy; the per-row outputs and the final states."""
    like = proba[0]
    flex = th.init_flexmatch_state(40, like=like)
    free = th.init_freematch_state(4, like=like)
    soft = th.init_softmatch_state(4, like=like)
    outputs = []
    for batch, index in zip(proba, rows, strict=True):
        flex, flex_mask = th.flexmatch_step(batch, flex, index, threshold=0.7, warmup=False)
        free, free_mask = th.freematch_step(batch, free, momentum=0.9)
        soft, soft_weights = th.softmatch_step(batch, soft, momentum=0.9, n_sigma=2)
        outputs += [th.fixed_mask(batch, threshold=0.7), flex_mask, free_mask, soft_weights,
                    th.flexmatch_thresholds(flex, 4, threshold=0.7, like=like)]
    for output in outputs:
        assert isinstance(output, kind)
    return outputs, [flex, free, soft]


def _numpy(value):
    return value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def test_numpy_and_torch_agree_on_random_batches():
    tensors = [torch.from_numpy(batch) for batch in PROBA]
    indices = [torch.from_numpy(index) for index in ROWS]
    np_out, np_states = _run(np.ndarray, list(PROBA), ROWS)
    torch_out, torch_states = _run(torch.Tensor, tensors, indices)
    for first in range(3):  # the fixed, FlexMatch and FreeMatch masks do select
        assert any(0 < mask.sum() < len(mask) for mask in np_out[first::5])
    for a, b in zip(np_out, torch_out, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12)
    for a, b in zip(np_states, torch_states, strict=True):
        for name, value in a.to_dict().items():
            np.testing.assert_allclose(value, _numpy(getattr(b, name)), rtol=1e-12)


def test_float32_tensors_keep_their_dtype_and_states_follow_them():
    batch = torch.from_numpy(PROBA[0]).float()
    free = th.init_freematch_state(4, like=batch)
    assert free.class_means.dtype == torch.float32
    free, mask = th.freematch_step(batch, free)
    _, weights = th.softmatch_step(batch, th.init_softmatch_state(4, like=batch))
    flex = th.init_flexmatch_state(40, like=batch)
    assert flex.selected_label.dtype == torch.int64
    _, flex_mask = th.flexmatch_step(batch, flex, torch.arange(16))
    for output in (mask, weights, flex_mask, th.fixed_mask(batch)):
        assert output.dtype == torch.float32


def test_state_moves_between_numpy_and_torch():
    state = th.init_freematch_state(3).to("cpu")
    assert isinstance(state.class_means, torch.Tensor)
    back = state.numpy()
    assert isinstance(back.class_means, np.ndarray) and back.class_means.tolist() == [1 / 3] * 3
    restored = th.FreeMatchState.from_dict(state.to_dict())
    assert isinstance(restored.global_threshold, torch.Tensor)


def test_mixing_numpy_state_and_torch_batch_says_how_to_fix_it():
    with pytest.raises(TypeError, match=r"convert the state first with state.to\(proba.device\)"):
        th.freematch_step(torch.from_numpy(PROBA[0]), th.init_freematch_state(4))


def test_reduce_works_on_tensors():
    a = th.FlexMatchState([0, -1, 1], [1, -1, 2], 2).to("cpu")
    b = th.FlexMatchState([-1, 2, 0], [-1, 3, 1], 3).to("cpu")
    reduced = th.reduce_states([a, b])
    assert reduced.selected_label.tolist() == [0, 2, 1] and int(reduced.step) == 3
    mean = th.reduce_states([th.SoftMatchState(0.6, 0.02).to("cpu"),
                             th.SoftMatchState(0.8, 0.04).to("cpu")])
    assert float(mean.mean) == pytest.approx(0.7)


def test_wrapper_helpers_accept_tensors():
    batch = torch.from_numpy(PROBA[0])
    np.testing.assert_allclose(
        th.class_conditional_thresholds(batch, 0.7).numpy(),
        th.class_conditional_thresholds(PROBA[0], 0.7))
    np.testing.assert_allclose(
        th.adaptive_thresholds(th.update_adaptive_state(None, batch, 0.5)).numpy(),
        th.adaptive_thresholds(th.update_adaptive_state(None, PROBA[0], 0.5)))
