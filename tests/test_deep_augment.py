"""Batched augmentations: the contract every augmentation keeps, and the math of each."""

import inspect
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import semiloop.methods.deep.augment as augment  # noqa: E402
from semiloop.errors import FeatureMismatchError, SemiloopError  # noqa: E402
from semiloop.methods.deep.augment import (  # noqa: E402
    Compose,
    CTAugment,
    Cutout,
    EmbeddingDropout,
    EmbeddingNoise,
    FeatureNoise,
    GaussianNoise,
    Identity,
    MarginalCorruption,
    RandAugment,
    RandomCropWithPadding,
    RandomHorizontalFlip,
    RandomScaling,
    RandomShift,
    TimeMask,
    TimeWarp,
    cutmix,
    default_views,
    infer_modality,
    mixmatch_mixup,
    mixup,
    signal_views,
    table_views,
    text_views,
)
from semiloop.methods.deep.augment import _image_ops as ops  # noqa: E402


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def signals(n=16, length=40, channels=None, seed=0):
    shape = (n, length) if channels is None else (n, channels, length)
    return torch.randn(shape, generator=seeded(seed))


def images(n=8, channels=3, size=12, seed=0):
    return torch.rand(n, channels, size, size, generator=seeded(seed))


REFERENCE = torch.randn(50, 5, generator=seeded(3))
CASES = [
    (RandomShift(3), signals(channels=2)),
    (RandomShift(0.1, mode="zeros"), signals()),
    (RandomScaling(0.8, 1.2), signals()),
    (GaussianNoise(0.1), signals(channels=2)),
    (TimeMask(0.2), signals(channels=2)),
    (TimeWarp(0.3), signals(channels=2)),
    (FeatureNoise(0.1), REFERENCE[:10]),
    (MarginalCorruption(REFERENCE, 0.3), REFERENCE[:10]),
    (EmbeddingNoise(0.1), REFERENCE[:10]),
    (EmbeddingDropout(0.2), REFERENCE[:10]),
    (RandomHorizontalFlip(), images()),
    (RandomCropWithPadding(2), images()),
    (Cutout(4), images()),
    (RandAugment(), images()),
    (CTAugment(), images()),
    (Compose([RandomShift(2), GaussianNoise(0.1)]), signals()),
]
IDS = [type(case[0]).__name__ for case in CASES]


def test_every_name_in_all_imports():
    assert augment.__doc__
    for name in augment.__all__:
        assert getattr(augment, name) is not None


@pytest.mark.parametrize("transform, x", CASES, ids=IDS)
def test_contract_shape_dtype_copy_and_seed(transform, x):
    before = x.clone()
    a = transform(x, seeded(1))
    b = transform(x, seeded(1))
    c = transform(x, seeded(2))
    assert torch.equal(x, before), "the input was modified in place"
    assert a.shape == x.shape and a.dtype == x.dtype and a.device == x.device
    assert a is not x
    assert torch.equal(a, b), "the same seed must give the same output"
    assert not torch.equal(a, c), "another seed should give another output"


@pytest.mark.parametrize("transform, x", CASES[:6], ids=IDS[:6])
def test_float64_batches_stay_float64(transform, x):
    assert transform(x.double(), seeded(0)).dtype == torch.float64


def test_global_rng_when_no_generator():
    torch.manual_seed(5)
    a = RandAugment()(images())
    torch.manual_seed(5)
    assert torch.equal(a, RandAugment()(images()))


def test_repr_shows_parameters():
    assert repr(RandomShift(3, mode="zeros")) == "RandomShift(max_shift=3, mode='zeros')"
    assert "rate=0.3" in repr(MarginalCorruption(REFERENCE, 0.3))
    assert "shape (50, 5)" in repr(MarginalCorruption(REFERENCE, 0.3))
    assert repr(CTAugment(1)) == "CTAugment(depth=1, threshold=0.85, decay=0.99, n_bins=17)"
    assert "RandAugment(n_ops=2, magnitude=None, cutout=0.5)" in repr(default_views("image")[1])


DOCUMENTED = [RandomShift, TimeWarp, EmbeddingDropout, RandomHorizontalFlip,
              RandomCropWithPadding, Cutout, RandAugment, CTAugment]
PATTERN = re.compile(r"^    (\w+) : .*?default=(.+?)\s*$", re.MULTILINE)


@pytest.mark.parametrize("cls", DOCUMENTED, ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_signature(cls):
    documented = dict(PATTERN.findall(cls.__doc__))
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.default is inspect.Parameter.empty:
            continue
        assert documented.get(name) in (repr(parameter.default), str(parameter.default)), name


def test_bad_inputs_say_how_to_fix():
    with pytest.raises(SemiloopError, match=r"torch\.as_tensor"):
        GaussianNoise(0.1)(np.zeros((2, 3)))
    with pytest.raises(SemiloopError, match="floating-point"):
        GaussianNoise(0.1)(torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(SemiloopError, match=r"shape \(n, length\)"):
        TimeMask(2)(torch.zeros(2, 3, 4, 5))
    with pytest.raises(SemiloopError, match=r"low=1\.5"):
        RandomScaling(1.5, 1.0)(torch.zeros(2, 3))
    with pytest.raises(SemiloopError, match=r"in \[0, 1\]"):
        RandAugment()(images() * 255)
    with pytest.raises(SemiloopError, match="not callable"):
        Compose([3])(torch.zeros(2, 3))


# ---------------------------------------------------------------- signals


@pytest.mark.parametrize("channels", [None, 3])
def test_shift_rolls_each_row_by_its_own_amount(channels):
    n, length = 200, 20
    x = signals(n, length, channels)
    spike = torch.zeros(n, length)
    spike[:, 5] = 1.0
    if channels:
        x[:, 0] = spike
    else:
        x = spike + 0.0 * x
        x[:, 10] += 2.0  # a second, distinguishable spike: the whole row must roll
    out = RandomShift(3)(x, seeded(0))
    first = out[:, 0] if channels else out
    shifts = (first == 1.0).float().argmax(dim=1) - 5
    for row, shift in enumerate(shifts.tolist()):
        assert torch.equal(out[row], torch.roll(x[row], shift, dims=-1))
    assert set(shifts.tolist()) == set(range(-3, 4))


def test_shift_zeros_mode_fills_vacated_samples():
    x = torch.ones(100, 10)
    out = RandomShift(2, mode="zeros")(x, seeded(0))
    zeros = (out == 0).sum(dim=1)
    starts_zero, ends_zero = out[:, 0] == 0, out[:, -1] == 0
    assert set(zeros.tolist()) == {0, 1, 2}
    assert not (starts_zero & ends_zero).any()


def test_scaling_is_one_factor_per_row_within_bounds():
    out = RandomScaling(0.8, 1.2)(torch.ones(500, 2, 7), seeded(0))
    factor = out[:, 0, 0]
    assert torch.equal(out, factor[:, None, None].expand_as(out))
    assert factor.min() >= 0.8 and factor.max() <= 1.2
    assert factor.min() < 0.82 and factor.max() > 1.18


def test_noise_has_the_given_std():
    out = GaussianNoise(0.15)(torch.zeros(400, 50), seeded(0))
    assert abs(float(out.std()) - 0.15) < 0.005 and abs(float(out.mean())) < 0.005


@pytest.mark.parametrize("width, expected", [(3, 3), (0.2, 8)])
def test_time_mask_zeroes_exactly_width_consecutive_samples(width, expected):
    x = torch.ones(300, 2, 40)
    out = TimeMask(width)(x, seeded(0))
    zero = out[:, 0] == 0
    assert torch.equal(out[:, 0], out[:, 1]), "channels share the window"
    assert (zero.sum(dim=1) == expected).all()
    starts = zero.float().argmax(dim=1)
    window = torch.arange(40) - starts[:, None]
    assert torch.equal(zero, (window >= 0) & (window < expected))
    assert starts.min() == 0 and starts.max() == 40 - expected


def test_time_mask_wider_than_signal_raises():
    with pytest.raises(SemiloopError, match="longer than the signals"):
        TimeMask(50)(torch.ones(2, 40))


def test_time_warp_is_monotone_keeps_ends_and_zero_strength_is_identity():
    ramp = torch.arange(30.0).repeat(50, 2, 1)
    out = TimeWarp(0.4)(ramp, seeded(0))
    assert (out.diff(dim=-1) > 0).all()
    assert torch.allclose(out[..., 0], torch.zeros(50, 2))
    assert torch.allclose(out[..., -1], torch.full((50, 2), 29.0))
    assert torch.equal(out[:, 0], out[:, 1]), "channels share the warp"
    assert (out - ramp).abs().amax(dim=(1, 2)).std() > 0, "each row has its own warp"
    x = signals(channels=2)
    assert torch.allclose(TimeWarp(0.0)(x, seeded(0)), x, atol=1e-5)


def test_signal_views_reproduce_the_suite2_recipe():
    weak, strong = signal_views(scale=1.0)
    assert weak.transforms == [RandomShift(3, mode="circular"), GaussianNoise(0.05)]
    assert strong.transforms == [RandomShift(3, mode="circular"), GaussianNoise(0.05),
                                 RandomScaling(0.8, 1.2), TimeMask(0.2), GaussianNoise(0.15)]
    assert signal_views() == signal_views(scale=1.0)
    X = 3.0 * signals(200, 40)
    scale = float(X.double().std(correction=0))
    assert signal_views(X)[1].transforms[-1].std == pytest.approx(0.15 * scale)
    with pytest.raises(SemiloopError, match="scale="):
        signal_views(torch.zeros(5, 40))


# ---------------------------------------------------------------- tables and text


def test_feature_noise_per_feature():
    out = FeatureNoise([0.0, 0.5, 2.0])(torch.zeros(4000, 3), seeded(0))
    assert torch.allclose(out.std(dim=0), torch.tensor([0.0, 0.5, 2.0]), atol=0.05)
    with pytest.raises(FeatureMismatchError, match="3 stds for 2 features"):
        FeatureNoise([0.0, 0.5, 2.0])(torch.zeros(4, 2))


def test_marginal_corruption_takes_values_from_the_same_column():
    m, n_features = 30, 8
    reference = 1000.0 * torch.arange(n_features) + torch.arange(m)[:, None] + 1.0
    x = -torch.ones(2500, n_features)
    out = MarginalCorruption(reference, 0.3)(x, seeded(0))
    replaced = out != -1
    column = (out // 1000).long()
    assert torch.equal(column[replaced], torch.arange(n_features).expand_as(out)[replaced])
    rows = (out % 1000 - 1)[replaced]
    assert rows.min() >= 0 and rows.max() <= m - 1 and len(rows.unique()) == m
    assert abs(float(replaced.float().mean()) - 0.3) < 0.01
    assert torch.equal(MarginalCorruption(reference, 0.0)(x, seeded(0)), x)
    with pytest.raises(FeatureMismatchError, match="reference has 8 features"):
        MarginalCorruption(reference, 0.3)(torch.zeros(3, 2))


def test_table_views_scale_noise_to_each_feature():
    X = torch.randn(3000, 2, generator=seeded(0)) * torch.tensor([1.0, 10.0])
    weak, strong = table_views(X)
    noise = weak(torch.zeros(3000, 2), seeded(1))
    assert torch.allclose(noise.std(dim=0), torch.tensor([0.05, 0.5]), rtol=0.06)
    assert strong.transforms[0].rate == 0.3
    with pytest.raises(SemiloopError, match="2-D"):
        table_views(torch.zeros(3))


def test_embedding_noise_is_relative_to_each_norm():
    x = torch.randn(1000, 64, generator=seeded(0)) * torch.linspace(0.1, 10, 1000)[:, None]
    out = EmbeddingNoise(0.2)(x, seeded(1))
    ratio = (out - x).norm(dim=1) / x.norm(dim=1)
    assert abs(float(ratio.mean()) - 0.2) < 0.01
    assert float(ratio[:500].mean()) == pytest.approx(float(ratio[500:].mean()), abs=0.01)


@pytest.mark.parametrize("rescale, kept", [(True, 1 / 0.75), (False, 1.0)])
def test_embedding_dropout(rescale, kept):
    out = EmbeddingDropout(0.25, rescale=rescale)(torch.ones(200, 50), seeded(0))
    assert torch.allclose(out.unique(), torch.tensor([0.0, kept]))
    assert abs(float((out == 0).float().mean()) - 0.25) < 0.01


def test_text_views():
    weak, strong = text_views()
    assert weak.transforms == [EmbeddingNoise(0.05)]
    assert strong.transforms == [EmbeddingDropout(0.1), EmbeddingNoise(0.15)]
    with pytest.raises(SemiloopError, match="embed the texts"):
        text_views(np.zeros((2, 3, 4)))


# ---------------------------------------------------------------- images


def test_flip_is_exact_and_per_image():
    x = images(64)
    out = RandomHorizontalFlip(0.5)(x, seeded(0))
    flipped = (out == x.flip(-1)).flatten(1).all(1)
    same = (out == x).flatten(1).all(1)
    assert (flipped ^ same).all() and flipped.any() and same.any()
    assert torch.equal(RandomHorizontalFlip(0.0)(x), x)


def test_crop_with_padding_is_a_translation_within_padding():
    n, size, pad = 60, 6, 2
    x = (torch.arange(size * size, dtype=torch.float32).view(1, 1, size, size) + 1).repeat(n, 1,
                                                                                           1, 1)
    out = RandomCropWithPadding(pad, mode="zeros")(x, seeded(0))
    padded = torch.nn.functional.pad(x[0, 0], (pad,) * 4)
    offsets = set()
    for row in range(n):
        matches = [(dy, dx) for dy in range(2 * pad + 1) for dx in range(2 * pad + 1)
                   if torch.equal(out[row, 0], padded[dy:dy + size, dx:dx + size])]
        assert len(matches) == 1
        offsets.add(matches[0])
    assert len(offsets) > 10
    reflected = RandomCropWithPadding(0.125)(images(4, size=32), seeded(0))
    assert reflected.shape == (4, 3, 32, 32)
    with pytest.raises(SemiloopError, match="too large"):
        RandomCropWithPadding(6)(images(size=6))


def test_cutout_fills_one_clipped_square_per_image():
    out = Cutout(4, fill=-1.0)(torch.zeros(300, 2, 10, 10), seeded(0))
    filled = out[:, 0] == -1.0
    assert torch.equal(out[:, 0], out[:, 1])
    rows, columns = filled.any(2), filled.any(1)
    area = rows.sum(1) * columns.sum(1)
    assert torch.equal(filled.sum((1, 2)), area), "the filled pixels form a rectangle"
    assert rows.sum(1).max() == 4 and (area == 16).any() and (area < 16).any()


def test_randaugment_stays_in_range_and_differs_across_images():
    x = images(40, size=16)
    out = RandAugment()(x, seeded(0))
    assert out.min() >= 0 and out.max() <= 1
    changes = (out - x).abs().flatten(1).mean(1)
    assert len(changes.unique()) > 30
    assert torch.equal(RandAugment(0, cutout=0.0)(x, seeded(0)), x)
    fixed = RandAugment(1, magnitude=1.0, cutout=0.0)(x, seeded(0))
    assert fixed.shape == x.shape and fixed.min() >= 0 and fixed.max() <= 1


def value(v):
    return torch.tensor([v])


def test_image_ops_math():
    x = torch.tensor([[[[0.0, 0.2], [0.6, 0.8]]]])
    assert torch.allclose(ops.solarize(x, value(0.5)), torch.tensor([0.0, 0.2, 0.4, 0.2]).view(
        1, 1, 2, 2))
    assert torch.allclose(ops.auto_contrast(x, value(0)), x / 0.8)
    levels = torch.tensor([0.0, 37, 128, 255]).view(1, 1, 2, 2) / 255
    assert torch.allclose(ops.posterize(levels, value(4)) * 255,
                          torch.tensor([0.0, 32, 128, 240]).view(1, 1, 2, 2))
    assert torch.equal(ops.posterize(levels, value(8)), levels)
    grey = torch.full((1, 3, 4, 4), 0.4)
    assert torch.allclose(ops.brightness(grey, value(0.5)), grey / 2)
    assert torch.allclose(ops.contrast(grey, value(0.1)), grey)
    levels = (torch.arange(64.0) * 4).repeat_interleave(16).view(1, 1, 32, 32) / 255
    step = (1024 - 16) // 255  # PIL: (pixels - count of the last level) // 255
    expected = ((torch.arange(64) * 16 + step // 2) // step).clamp(max=255)
    equalized = ops.equalize(levels, value(0)) * 255
    assert torch.equal(equalized.round().long().flatten(), expected.repeat_interleave(16))
    assert torch.equal(ops.equalize(x, value(0)), x), "four pixels: step 0, unchanged"


def test_image_ops_match_pil():
    image_module = pytest.importorskip("PIL.Image")
    from PIL import ImageEnhance, ImageOps

    pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    pixels[:4] //= 3
    image = image_module.fromarray(pixels)
    x = torch.tensor(pixels).permute(2, 0, 1)[None].float() / 255
    cases = [
        (ops.auto_contrast, 0, ImageOps.autocontrast(image)),
        (ops.equalize, 0, ImageOps.equalize(image)),
        (ops.posterize, 5, ImageOps.posterize(image, 5)),
        (ops.solarize, 100 / 255, ImageOps.solarize(image, 100)),
        (ops.brightness, 0.3, ImageEnhance.Brightness(image).enhance(0.3)),
        (ops.color, 0.3, ImageEnhance.Color(image).enhance(0.3)),
        (ops.contrast, 0.6, ImageEnhance.Contrast(image).enhance(0.6)),
        (ops.sharpness, 0.3, ImageEnhance.Sharpness(image).enhance(0.3)),
        (ops.translate_y, -0.25, image.transform(image.size, image_module.AFFINE,
                                                 (1, 0, 0, 0, 1, -4))),
    ]
    for op, v, expected in cases:
        ours = (op(x, value(v))[0].permute(1, 2, 0) * 255).round().numpy()
        # PIL truncates where we round: at most one level apart
        assert np.abs(ours - np.asarray(expected, dtype=float)).max() <= 1, op.__name__


def test_geometric_ops_are_exact_for_whole_pixels():
    x = images(2, size=8)
    assert torch.equal(ops.rotate(x, torch.tensor([90.0, 90.0])), torch.rot90(x, 1, (2, 3)))
    moved = ops.translate_x(x, torch.tensor([0.25, -0.25]))
    assert torch.equal(moved[0, ..., :6], x[0, ..., 2:]) and (moved[0, ..., 6:] == 0).all()
    assert torch.equal(moved[1, ..., 2:], x[1, ..., :6])
    assert torch.equal(ops.shear_x(x, torch.zeros(2)), x)


# ---------------------------------------------------------------- CTAugment


def test_ctaugment_records_draws_and_learns_which_bins_keep_accuracy():
    cta = CTAugment(depth=1)
    x = images(256, size=4)
    for seed in range(60):
        cta(x, seeded(seed), probe=True)
        ops_used, bins = cta.last_draw_
        assert ops_used.shape == bins.shape == (256, 1)
        cta.update(cta.last_draw_, (bins[:, 0] < 8).double())
    weights = cta.weights_
    assert (weights[:, :8] > 0.99).all() and (weights[:, 10:] < 0.85).all()
    cta(images(500, size=4), seeded(99))
    _, bins = cta.last_draw_
    assert bins.max() < 10, "bins below the threshold are never drawn"


def test_ctaugment_update_is_the_decayed_mean():
    cta = CTAugment(depth=1, n_bins=4)
    draw = (torch.tensor([[2], [2], [5]]), torch.tensor([[1], [1], [3]]))
    cta.update(draw, torch.tensor([0.0, 0.5, 1.0]))
    assert cta.weights_[2, 1] == pytest.approx(0.99**2 + (1 - 0.99**2) * 0.25)
    assert cta.weights_[5, 3] == 1.0
    assert (cta.weights_.sum() - cta.weights_[2, 1]) == 14 * 4 - 1
    proximity = CTAugment.proximity(torch.tensor([[0.7, 0.2, 0.1]]), torch.tensor([1]))
    assert proximity.item() == pytest.approx(0.2)
    with pytest.raises(SemiloopError, match="proximity"):
        cta.update(draw, 2.0)


# ---------------------------------------------------------------- mixing


def test_beta_draws_have_the_right_moments():
    from semiloop.methods.deep.augment._base import _beta

    for alpha in (0.2, 0.75, 2.0):
        lam = _beta(alpha, 40000, seeded(0), torch.device("cpu"))
        assert abs(float(lam.mean()) - 0.5) < 0.01
        assert float(lam.var()) == pytest.approx(1 / (4 * (2 * alpha + 1)), rel=0.05)
    assert torch.isfinite(_beta(0.01, 1000, seeded(0), torch.device("cpu"))).all()


def test_mixup_mixes_samples_and_targets_with_the_same_lambda():
    n = 64
    x, targets = torch.eye(n), torch.eye(n)
    mixed, mixed_targets, lam = mixup(x, targets, 0.75, seeded(0))
    assert torch.allclose(mixed, mixed_targets)
    own = mixed_targets.diagonal()
    assert torch.allclose(own[own < 1], lam[own < 1])
    assert lam.std() > 0.1 and lam.min() >= 0 and lam.max() <= 1


def test_mixmatch_mixup_keeps_each_row_closest_to_itself():
    n = 64
    x = torch.randn(n, 3, 5, generator=seeded(0))
    targets = torch.eye(n)
    mixed, mixed_targets, lam = mixmatch_mixup(x, targets, 0.75, seeded(1))
    assert (lam >= 0.5).all() and (lam <= 1).all() and lam.min() < 0.6
    partner = mixed_targets.clone()
    partner[torch.arange(n), torch.arange(n)] = 0
    perm = torch.where(partner.sum(1) > 0, partner.argmax(1), torch.arange(n))
    weight = lam.view(-1, 1, 1)
    assert torch.allclose(mixed, weight * x + (1 - weight) * x[perm], atol=1e-6)
    assert torch.allclose(mixed_targets, lam[:, None] * targets + (1 - lam[:, None]) *
                          targets[perm], atol=1e-6)
    assert torch.allclose(mixed_targets.sum(1), torch.ones(n))


def test_cutmix_lambda_is_the_kept_area():
    n = 50
    x = (torch.arange(n, dtype=torch.float32) + 1).view(n, 1, 1, 1).expand(n, 2, 8, 8)
    targets = torch.eye(n)
    mixed, mixed_targets, lam = cutmix(x, targets, 1.0, seeded(0))
    kept = (mixed == x).float().mean((1, 2, 3))
    assert torch.allclose(kept, mixed_targets.diagonal())
    moved = kept < 1
    assert torch.allclose(kept[moved], lam[moved])
    assert moved.sum() > n // 2 and torch.allclose(mixed_targets.sum(1), torch.ones(n))


def test_mixing_checks_shapes():
    with pytest.raises(SemiloopError, match="one target row per sample"):
        mixup(torch.zeros(3, 2), torch.zeros(4, 2), 0.5)
    with pytest.raises(SemiloopError, match="alpha=0"):
        mixup(torch.zeros(3, 2), torch.zeros(3, 2), 0)


# ---------------------------------------------------------------- views


def test_infer_modality():
    assert infer_modality(np.zeros((3, 4))) == "table"
    assert infer_modality(torch.zeros(3, 1, 40)) == "signal"
    assert infer_modality(torch.zeros(3, 3, 8, 8)) == "image"
    with pytest.raises(SemiloopError, match="name the modality"):
        infer_modality(np.zeros(3))
    with pytest.raises(SemiloopError, match="not floating point"):
        infer_modality(np.zeros((3, 4), dtype=int))


@pytest.mark.parametrize("modality, X", [
    ("signal", signals(channels=1)), ("table", REFERENCE), ("text", REFERENCE),
    ("image", images()), (None, images()), (None, signals(channels=2)),
])
def test_default_views_run_on_their_modality(modality, X):
    weak, strong = default_views(modality, X)
    for view in (weak, strong):
        out = view(X[:4], seeded(0))
        assert out.shape == X[:4].shape and not torch.equal(out, X[:4])


def test_default_views_errors():
    with pytest.raises(SemiloopError, match="pass X"):
        default_views("table")
    with pytest.raises(SemiloopError, match="'image', 'signal', 'table', 'text'"):
        default_views("audio")
    with pytest.raises(SemiloopError, match=r"in \[0, 1\]"):
        default_views("image", images() * 255)
    identity = Identity()(images())
    assert torch.equal(identity, images())


def test_time_stretch_trend_and_smooth_noise_math():
    from semiloop.methods.deep.augment import RandomTrend, SmoothNoise, TimeStretch

    ramp = torch.arange(9.0).repeat(3, 1)
    # factor 1 leaves the signal as it is; factor 0.5 reads twice as far from the centre
    assert torch.allclose(TimeStretch(1.0, 1.0)(ramp), ramp)
    squeezed = TimeStretch(0.5, 0.5)(ramp)
    assert squeezed[0].tolist() == [0.0, 0.0, 0.0, 2.0, 4.0, 6.0, 8.0, 0.0, 0.0]
    g = torch.Generator().manual_seed(0)
    stretched = TimeStretch(0.8, 1.25)(ramp[:, None, :].repeat(1, 2, 1), g)
    assert torch.equal(stretched[:, 0], stretched[:, 1])  # channels share the draw
    trend = RandomTrend(0.3)(torch.zeros(500, 11), g)
    slopes = (trend[:, -1] - trend[:, 0]) / 2
    assert slopes.abs().max() <= 0.3 + 1e-6 and slopes.std() > 0.1
    assert torch.allclose(trend.diff(dim=1), trend.diff(dim=1)[:, :1].expand(-1, 10), atol=1e-6)
    noise = SmoothNoise(0.2, 2.0)(torch.zeros(4000, 30), g)
    assert abs(float(noise.std()) - 0.2) < 0.01
    lag1 = float((noise[:, 1:] * noise[:, :-1]).mean() / noise.var())
    assert lag1 == pytest.approx(float(torch.exp(torch.tensor(-1 / 16))), abs=0.03)
