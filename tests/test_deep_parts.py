"""The math of the deep SSL parts on tiny tensors: masks, alignment, sharpening, EMA, ramps."""

import math

import pytest

torch = pytest.importorskip("torch")

from semiloop.methods.deep.algorithms.freematch import FreeMatch, fairness_loss  # noqa: E402
from semiloop.methods.deep.parts.masks import (  # noqa: E402
    CurriculumMask,
    FixedMask,
    SelfAdaptiveMask,
    TruncatedGaussianWeight,
)
from semiloop.methods.deep.parts.targets import DistributionAlignment, sharpen  # noqa: E402
from semiloop.methods.deep.parts.teachers import ExponentialMovingAverage  # noqa: E402
from semiloop.methods.deep.schedules import (  # noqa: E402
    cosine_decay,
    linear_rampup,
    sigmoid_rampup,
)


def test_fixed_mask_is_at_least_the_threshold():
    proba = torch.tensor([[0.95, 0.05], [0.94, 0.06], [0.01, 0.99]])
    assert FixedMask(0.95)(proba).tolist() == [1.0, 0.0, 1.0]


def test_flexmatch_thresholds_after_a_known_history():
    # 6 unlabeled rows, 3 classes, tau = 0.9
    policy = CurriculumMask(6, 3, threshold=0.9)
    # the first batch: nothing selected yet, so every threshold is 0 and all rows pass
    first = torch.tensor([[0.95, 0.03, 0.02], [0.92, 0.04, 0.04], [0.1, 0.85, 0.05]])
    mask = policy(first, torch.tensor([0, 1, 2]))
    assert mask.tolist() == [1.0, 1.0, 1.0]
    # rows 0 and 1 were confident (class 0); row 2 was not (0.85 < 0.9)
    assert policy.state.selected_label.tolist() == [0, 0, -1, -1, -1, -1]
    # sigma = (2, 0, 0); with warm-up the normaliser is max(2, 6 - 2) = 4
    beta = torch.tensor([2 / 4, 0.0, 0.0])
    expected = beta / (2 - beta) * 0.9
    assert policy.thresholds() == pytest.approx(expected.tolist())
    # without warm-up the normaliser is max sigma = 2: class 0 gets tau itself
    plain = CurriculumMask(6, 3, threshold=0.9, warmup=False)
    plain(first, torch.tensor([0, 1, 2]))
    assert plain.thresholds() == pytest.approx([0.9, 0.0, 0.0])
    # the second batch is masked with the thresholds after the first: class 0 needs 0.3
    second = torch.tensor([[0.29, 0.7, 0.01], [0.31, 0.3, 0.39]])
    # row a predicts class 1 (threshold 0) -> in; row b predicts class 2 at 0.39 >= 0 -> in
    assert policy(second, torch.tensor([3, 4])).tolist() == [1.0, 1.0]
    third = torch.tensor([[0.35, 0.33, 0.32], [0.29, 0.21, 0.5]])
    # class 0 needs 0.3: 0.35 passes; class 2 needs 0: 0.5 passes
    assert policy(third, torch.tensor([5, 5])).tolist() == [1.0, 1.0]
    # without warm-up class 0 needs tau = 0.9: 0.85 is out, 0.9 is in
    assert plain(torch.tensor([[0.85, 0.1, 0.05], [0.9, 0.05, 0.05]]),
                 torch.tensor([3, 4])).tolist() == [0.0, 1.0]


def test_freematch_thresholds_after_known_emas():
    policy = SelfAdaptiveMask(2, momentum=0.5)
    proba = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    mask = policy(proba)
    # tau = 0.5 * 1/2 + 0.5 * mean(0.9, 0.6, 0.8); p~ = 0.5 * 1/2 + 0.5 * column means
    tau = 0.5 * 0.5 + 0.5 * (0.9 + 0.6 + 0.8) / 3
    means = torch.tensor([0.5 * 0.5 + 0.5 * 1.7 / 3, 0.5 * 0.5 + 0.5 * 1.3 / 3])
    expected = (means / means.max() * tau).tolist()
    assert policy.thresholds() == pytest.approx(expected)
    confidence = [0.9, 0.6, 0.8]
    predicted = [0, 0, 1]
    assert mask.tolist() == [float(c >= expected[k]) for c, k in zip(confidence, predicted,
                                                                          strict=True)]


def test_freematch_fairness_term_and_its_gradient():
    from semiloop.methods.deep.algorithms.freematch import _strong_statistics

    uniform = torch.tensor([0.5, 0.5])
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]], requires_grad=True)
    mean, histogram = _strong_statistics(logits.softmax(-1), torch.tensor([1.0, 1.0, 0.0]))
    # the third row is masked out: p_bar is the mean of the first two, h_bar = (1/2, 1/2)
    assert torch.allclose(mean, logits.softmax(-1)[:2].mean(0))
    assert histogram.tolist() == [0.5, 0.5]
    loss = fairness_loss(mean, histogram, uniform, uniform)
    assert loss.item() == pytest.approx(float(0.5 * mean.detach().log().sum()))
    loss.backward()
    assert logits.grad[:2].abs().sum() > 0 and logits.grad[2].abs().sum() == 0
    # a class absent from h_bar gets no share: p_bar / h_bar is 0 there
    lopsided = fairness_loss(torch.tensor([0.7, 0.3]), torch.tensor([1.0, 0.0]),
                             uniform, uniform)
    assert lopsided.item() == pytest.approx(0.5 * math.log(1e-12), rel=1e-3)
    assert _strong_statistics(logits.softmax(-1), torch.zeros(3)) == (None, None)


def test_freematch_label_histogram_is_an_ema_of_hard_labels():
    algorithm = FreeMatch(momentum=0.5)
    algorithm.setup(n_classes=2, n_unlabeled=3, device="cpu")
    algorithm.mask(torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]), None, None)
    assert algorithm.histogram.value.tolist() == pytest.approx([0.5 * 0.5 + 0.5 * 2 / 3,
                                                                0.5 * 0.5 + 0.5 * 1 / 3])


def test_softmatch_weights_for_known_confidences():
    policy = TruncatedGaussianWeight(2, momentum=0.0)
    proba = torch.tensor([[0.9, 0.1], [0.7, 0.3], [0.5, 0.5]])
    weights = policy(proba)
    # momentum 0: mu = mean(0.9, 0.7, 0.5) = 0.7, sigma^2 = unbiased variance = 0.04
    assert float(policy.state.mean) == pytest.approx(0.7)
    assert float(policy.state.variance) == pytest.approx(0.04)
    expected = [1.0, 1.0, math.exp(-(0.2**2) / (2 * 0.04))]
    assert weights.tolist() == pytest.approx(expected, rel=1e-5)
    narrow = TruncatedGaussianWeight(2, momentum=0.0, n_sigma=2.0)(proba)
    assert narrow[2].item() == pytest.approx(math.exp(-(0.2**2) / (2 * 0.04 / 4)), rel=1e-5)


def test_uniform_alignment_output():
    align = DistributionAlignment(2, momentum=0.5)
    proba = torch.tensor([[0.9, 0.1], [0.5, 0.5]])
    out = align(proba)
    running = 0.5 * torch.tensor([0.5, 0.5]) + 0.5 * torch.tensor([0.7, 0.3])
    expected = proba * (0.5 / running)
    expected = expected / expected.sum(-1, keepdim=True)
    assert torch.allclose(out, expected)
    assert torch.allclose(out.sum(-1), torch.ones(2))


def test_labeled_alignment_over_a_window_of_batches():
    align = DistributionAlignment(2, target="labeled", window=2)
    prior = torch.tensor([0.25, 0.75])
    # the first batch is aligned with the uniform window, then enters it
    first = align(torch.tensor([[1.0, 0.0], [0.5, 0.5]]), prior)
    assert torch.allclose(first[1], prior)  # (0.5, 0.5) * prior / (0.5, 0.5)
    align(torch.tensor([[0.0, 1.0]]), prior)
    out = align(torch.tensor([[0.6, 0.4]]), prior)
    # the window holds the last two batch means before this one: (0.75, 0.25) and (0, 1)
    mean = torch.tensor([0.375, 0.625])
    expected = torch.tensor([0.6, 0.4]) * prior / mean
    assert torch.allclose(out[0], expected / expected.sum())


def test_sharpening_temperature():
    proba = torch.tensor([[0.6, 0.3, 0.1]])
    out = sharpen(proba, 0.5)
    expected = torch.tensor([0.36, 0.09, 0.01]) / 0.46
    assert torch.allclose(out, expected[None])
    assert torch.allclose(sharpen(proba, 1.0), proba)
    assert sharpen(proba, 0.01).argmax().item() == 0 and sharpen(proba, 0.01).max() > 0.999


def test_ema_update_with_and_without_warmup():
    net = torch.nn.Linear(1, 1, bias=False)
    values = [1.0, 3.0, 5.0]
    torch.nn.init.constant_(net.weight, values[0])
    ema = ExponentialMovingAverage(net, decay=0.9, warmup=True)
    ema.update_parameters(net)  # copies: 1.0
    expected = 1.0
    for n_averaged, value in enumerate(values[1:], start=1):
        torch.nn.init.constant_(net.weight, value)
        ema.update_parameters(net)
        decay = min(0.9, 1 - 1 / (n_averaged + 1))
        expected = decay * expected + (1 - decay) * value
    assert ema.module.weight.item() == pytest.approx(expected)
    # by hand: copy 1; decay 1/2 -> 2; decay 2/3 -> 2/3 * 2 + 1/3 * 5 = 3
    assert expected == pytest.approx(3.0)
    plain = ExponentialMovingAverage(net, decay=0.9, warmup=False)
    torch.nn.init.constant_(net.weight, 1.0)
    plain.update_parameters(net)
    torch.nn.init.constant_(net.weight, 3.0)
    plain.update_parameters(net)
    assert plain.module.weight.item() == pytest.approx(0.9 * 1 + 0.1 * 3)


def test_rampups_and_cosine_decay():
    assert [linear_rampup(s, 4) for s in (0, 1, 4, 8)] == [0.0, 0.25, 1.0, 1.0]
    assert sigmoid_rampup(0, 10) == pytest.approx(math.exp(-5))
    assert sigmoid_rampup(5, 10) == pytest.approx(math.exp(-5 * 0.25))
    assert sigmoid_rampup(10, 10) == 1.0
    assert cosine_decay(0, 1000) == 1.0
    assert cosine_decay(500, 1000) == pytest.approx(math.cos(7 * math.pi / 32))
    assert cosine_decay(1000, 1000) == pytest.approx(math.cos(7 * math.pi / 16))


def test_softmatch_weights_use_the_aligned_prediction_and_labels_the_raw_one():
    from types import SimpleNamespace

    from semiloop.methods.deep.algorithms.softmatch import SoftMatch
    from semiloop.methods.deep.parts.context import Batch

    weak = torch.tensor([[0.9, 0.1]] * 3 + [[0.55, 0.45]]).log()
    strong = torch.zeros(4, 2, requires_grad=True)
    labeled = torch.zeros(1, 2, requires_grad=True)
    context = SimpleNamespace(unlabeled_weight=1.0,
                              forward=lambda inputs, grad: [labeled, weak, strong])
    algorithm = SoftMatch(momentum=0.0)
    algorithm.setup(n_classes=2, n_unlabeled=4, device="cpu")
    batch = Batch(torch.zeros(1, 2), torch.zeros(1, dtype=torch.long),
                  [torch.zeros(4, 2), torch.zeros(4, 2)])
    loss = algorithm.loss(batch, context)
    # aligned to uniform, the last row would favour class 1 (0.55/0.8125 < 0.45/0.1875);
    # its pseudo-label stays the raw argmax, class 0
    assert loss.pseudo_labels.tolist() == [0, 0, 0, 0]
    aligned = algorithm.alignment._mean()
    assert torch.allclose(aligned, torch.tensor([0.8125, 0.1875]))
    # aligned confidences: 0.675 for the first three rows, 0.78 for the last; mean 0.70
    assert (loss.mask[:3] < 1.0).all() and loss.mask[3] == 1.0
