"""Built-in backbones: shapes, the head contract, reference architectures, configs, errors."""

import inspect
import json
import re

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from semiloop.errors import SemiloopError  # noqa: E402
from semiloop.methods.deep.nets import (  # noqa: E402
    BACKBONES,
    MLP,
    CNN1d,
    EmbeddingHead,
    SmallCNN,
    WideResNet,
    backbone_from_config,
    build_backbone,
)

# (name, sample shape, options): small nets, so that the file stays fast.
CASES = [
    ("mlp", (20,), {"hidden": (16, 8)}),
    ("mlp", (5,), {"hidden": ()}),
    ("cnn1d", (40,), {}),
    ("cnn1d", (2, 40), {"width": 8}),
    ("small_cnn", (3, 16, 16), {"width": 4}),
    ("small_cnn", (1, 5, 7), {"width": 4}),
    ("wide_resnet", (3, 8, 8), {"depth": 10, "widen_factor": 1, "dropout": 0.2}),
    ("embedding_head", (12,), {"hidden": 8, "dropout": 0.3}),
    ("embedding_head", (12,), {"hidden": 8, "layer_norm": False}),
]
N_CLASSES = 3


def _count(module):
    return sum(parameter.numel() for parameter in module.parameters())


def _reference_cnn1d(n_classes=10):
    """The Suite 2 backbone, written out as BENCHMARK.md and the USB peer script give it."""
    return nn.Sequential(
        nn.Conv1d(1, 64, 5, padding=2), nn.ReLU(),
        nn.Conv1d(64, 64, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv1d(64, 64, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv1d(64, 64, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        nn.Linear(64, n_classes),
    )


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_shapes_and_head_contract(name, shape, options):
    torch.manual_seed(0)
    net, _ = build_backbone(name, shape, N_CLASSES, **options)
    x = torch.randn(4, *shape)
    net.eval()
    features = net.forward_features(x)
    logits = net(x)
    assert features.shape == (4, net.feature_dim)
    assert logits.shape == (4, N_CLASSES)
    assert isinstance(net.head, nn.Linear)
    assert (net.head.in_features, net.head.out_features) == (net.feature_dim, N_CLASSES)
    assert torch.equal(logits, net.head(features))
    net.train()  # dropout draws the same mask from the same seed
    torch.manual_seed(1)
    logits = net(x)
    torch.manual_seed(1)
    assert torch.equal(logits, net.head(net.forward_features(x)))


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_config_rebuilds_identical_net(name, shape, options):
    net, config = build_backbone(name, shape, N_CLASSES, **options)
    config = json.loads(json.dumps(config))
    copy = backbone_from_config(config)
    assert type(copy) is type(net)
    copy.load_state_dict(net.state_dict())
    net.eval()
    copy.eval()
    x = torch.randn(3, *shape)
    assert torch.equal(copy(x), net(x))
    assert [(key, value.shape) for key, value in copy.state_dict().items()] == [
        (key, value.shape) for key, value in net.state_dict().items()]


@pytest.mark.parametrize(("name", "shape", "options"), CASES)
def test_same_seed_same_init(name, shape, options):
    torch.manual_seed(7)
    first = build_backbone(name, shape, N_CLASSES, **options)[0].state_dict()
    torch.manual_seed(7)
    second = build_backbone(name, shape, N_CLASSES, **options)[0].state_dict()
    assert first.keys() == second.keys()
    assert all(torch.equal(first[key], second[key]) for key in first)


def test_cnn1d_is_the_suite2_backbone():
    torch.manual_seed(3)
    reference = _reference_cnn1d()
    torch.manual_seed(3)
    net = CNN1d(10)
    assert _count(net) == _count(reference) == 38_090
    ours = [*net.features, net.head]
    assert [repr(layer) for layer in ours] == [repr(layer) for layer in reference]
    # same layers created in the same order: same initial weights, same outputs
    for mine, theirs in zip(net.parameters(), reference.parameters(), strict=True):
        assert torch.equal(mine, theirs)
    x = torch.randn(5, 40)
    assert torch.equal(net(x), reference(x.unsqueeze(1)))
    assert torch.equal(net(x), net(x.unsqueeze(1)))


def test_cnn1d_without_channel_axis_needs_one_channel():
    with pytest.raises(SemiloopError, match=r"\(n, 2, length\)"):
        CNN1d(3, in_channels=2)(torch.zeros(2, 40))


def test_wrn28_2_matches_fixmatch():
    torch.manual_seed(0)
    net, config = build_backbone("wrn28_2", (3, 32, 32), 10)
    assert config == {"name": "wrn28_2", "kwargs": {
        "n_classes": 10, "depth": 28, "widen_factor": 2, "in_channels": 3, "dropout": 0.0,
        "bn_momentum": 0.001, "leaky_slope": 0.1}}
    count = _count(net)
    assert count == 1_469_642  # convolutions with biases, as the authors' code and USB
    assert round(count / 1e6, 1) == 1.5  # Sohn et al. (2020), Sec. 4: "1.5M parameters"
    assert net.feature_dim == 128
    assert [len(stage) for stage in net.stages] == [4, 4, 4]
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 + 3 * 4 * 2 + 3  # stem, two per block, three 1x1 shortcuts
    assert all(m.bias.abs().sum() == 0 for m in convs)
    assert net.head.bias.abs().sum() == 0
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert {(m.momentum, m.eps) for m in norms} == {(0.001, 1e-3)}
    slopes = {m.negative_slope for m in net.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.1}
    # kaiming normal, fan_out: std sqrt(2 / (9 * 128)) for the last 3x3 convolution
    assert convs[-1].weight.std().item() == pytest.approx((2 / (9 * 128)) ** 0.5, rel=0.05)
    net.train()
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_small_cnn_layout():
    net = SmallCNN(10)
    assert net.feature_dim == 256
    assert 300_000 < _count(net) < 500_000
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in convs] == [32, 64, 128, 256]
    assert [m.stride for m in convs] == [(1, 1), (2, 2), (2, 2), (2, 2)]


def test_mlp_and_embedding_head_layout():
    mlp = MLP(20, 3)
    assert [type(m).__name__ for m in mlp.features] == [
        "Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU"]
    assert mlp.feature_dim == 256
    plain = MLP(20, 3, hidden=(8,), dropout=0.5, batch_norm=False)
    assert [type(m).__name__ for m in plain.features] == ["Linear", "ReLU", "Dropout"]
    head = EmbeddingHead(384, 4)
    assert [type(m).__name__ for m in head.features] == ["LayerNorm", "Linear", "ReLU", "Dropout"]
    assert head.feature_dim == 256


@pytest.mark.parametrize(("shape", "options", "expected"), [
    ((20,), {}, "mlp"),
    ((20,), {"modality": "table"}, "mlp"),
    ((40,), {"modality": "signal"}, "cnn1d"),
    ((384,), {"modality": "embedding"}, "embedding_head"),
    ((1, 40), {}, "cnn1d"),
    ((3, 32, 32), {}, "small_cnn"),
    ((1, 28, 28), {"modality": "image"}, "small_cnn"),
])
def test_auto_picks_by_shape_and_modality(shape, options, expected):
    _, config = build_backbone("auto", shape, 2, **options)
    assert config["name"] == expected


def test_config_is_plain_json_for_numpy_values():
    np = pytest.importorskip("numpy")
    _, config = build_backbone("mlp", np.zeros((10, 6)).shape[1:], np.int64(3),
                               hidden=np.array([4, 2]), dropout=np.float32(0.25))
    assert json.loads(json.dumps(config)) == config
    assert config["kwargs"] == {"n_features": 6, "n_classes": 3, "hidden": [4, 2],
                                "dropout": 0.25, "batch_norm": True}


def test_shape_gives_inputs():
    assert build_backbone("cnn1d", (3, 40), 2)[1]["kwargs"]["in_channels"] == 3
    assert build_backbone("cnn1d", (40,), 2)[1]["kwargs"]["in_channels"] == 1
    assert build_backbone("mlp", (7,), 2, n_features=7)[1]["kwargs"]["n_features"] == 7
    assert build_backbone("small_cnn", (1, 8, 8), 2)[1]["kwargs"]["in_channels"] == 1


@pytest.mark.parametrize(("call", "message"), [
    (lambda: build_backbone("resnet50", (3, 32, 32), 10), r"'resnet50' is unknown.*'wrn28_2'"),
    (lambda: build_backbone("mlp", (3, 32, 32), 10), r"takes samples of shape \(n_features,\)"),
    (lambda: build_backbone("wrn28_2", (40,), 10), r"\(channels, height, width\)"),
    (lambda: build_backbone("cnn1d", (1, 2, 3), 10), r"\(length,\) or \(channels, length\)"),
    (lambda: build_backbone("auto", (1, 2, 3, 4), 10), r"no backbone for samples of shape"),
    (lambda: build_backbone("auto", (28, 28), 10, modality="image"), r"\(1, height, width\)"),
    (lambda: build_backbone("auto", (20,), 10, modality="audio"), r"modality='audio'"),
    (lambda: build_backbone("mlp", (20,), 10, width=3), r"'width' is not an option.*hidden"),
    (lambda: build_backbone("mlp", (20,), 10, n_features=5), r"contradicts input_shape"),
    (lambda: build_backbone("wrn28_2", (3, 32, 32), 10, depth=16), r"name='wide_resnet'"),
    (lambda: build_backbone("mlp", (0,), 10), r"tuple of positive ints"),
    (lambda: build_backbone("mlp", 20, 10), r"tuple of positive ints"),
    (lambda: build_backbone("mlp", (20,), 0), r"n_classes=0"),
    (lambda: build_backbone("mlp", (20,), 2, dropout=1.5), r"dropout=1.5.*\[0, 1\)"),
    (lambda: build_backbone("mlp", (20,), 2, hidden=256), r"hidden=256.*tuple of ints"),
    (lambda: build_backbone("wide_resnet", (3, 8, 8), 2, depth=27), r"depth=27.*6 b \+ 4"),
    (lambda: backbone_from_config({"name": "auto", "kwargs": {}}), r"'auto' is unknown"),
    (lambda: backbone_from_config({"name": "mlp"}), r"'kwargs' dict"),
    (lambda: backbone_from_config({"name": "mlp", "kwargs": {"n_classes": 2}}), r"do not fit MLP"),
])
def test_errors_say_what_and_how(call, message):
    with pytest.raises(SemiloopError, match=message):
        call()


def test_backbones_lists_every_name():
    assert BACKBONES == ("auto", "mlp", "cnn1d", "small_cnn", "wrn28_2", "wide_resnet",
                         "embedding_head")


PATTERN = re.compile(r"^    (\w+) : .*?default=(.+?)\s*$", re.MULTILINE)


@pytest.mark.parametrize("cls", [MLP, CNN1d, SmallCNN, WideResNet, EmbeddingHead],
                         ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_signature(cls):
    documented = dict(PATTERN.findall(cls.__doc__))
    for name, parameter in inspect.signature(cls).parameters.items():
        if parameter.default is inspect.Parameter.empty:
            continue
        assert name in documented, f"{cls.__name__}.{name} is not documented with its default"
        assert documented[name] in (repr(parameter.default), str(parameter.default))
