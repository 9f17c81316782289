"""Built-in backbones for deep semi-supervised learning.

Every backbone is a :class:`torch.nn.Module` that maps a batch to logits of
shape ``(n, n_classes)``. Each one also has

- ``forward_features(x)``, the representation of shape ``(n, feature_dim)``;
- ``feature_dim``, an int;
- ``head``, the final :class:`torch.nn.Linear`, so that
  ``forward(x) == head(forward_features(x))``. Algorithms that need a second
  head on the same features (ReMixMatch's rotation loss, for example) attach
  it to ``forward_features``.

Constructor arguments are plain values (ints, floats, bools, tuples of ints).
The estimator saves ``{"name": ..., "kwargs": ...}`` as JSON, rebuilds the
same architecture with :func:`backbone_from_config`, and loads the saved
``state_dict``; no object is pickled.

=================  ========================  ==================================
name               sample shape              net
=================  ========================  ==================================
``mlp``            ``(n_features,)``         :class:`MLP`
``cnn1d``          ``(length,)`` or          :class:`CNN1d` (Suite 2 backbone)
                   ``(channels, length)``
``small_cnn``      ``(channels, h, w)``      :class:`SmallCNN`
``wrn28_2``        ``(channels, h, w)``      :class:`WideResNet`, depth 28, width 2
``wide_resnet``    ``(channels, h, w)``      :class:`WideResNet`, any depth and width
``embedding_head`` ``(n_features,)``         :class:`EmbeddingHead`
=================  ========================  ==================================

Notes
-----
Batch normalisation in semi-supervised training: the trainer forwards the
labeled batch and the unlabeled views concatenated, in one pass, so that every
batch-norm layer computes one statistic over all of them, as the FixMatch
authors' code does (Sohn et al. 2020). Forwarding the small labeled batch on
its own would normalise it, and update the running statistics, with a mean and
variance that differ from the unlabeled batches'. Evaluation (``eval()``) uses
the running statistics. In training mode a batch-norm layer needs more than
one sample per batch.

Examples
--------
>>> import torch
>>> from semiloop.methods.deep.nets import backbone_from_config, build_backbone
>>> _ = torch.manual_seed(0)
>>> net, config = build_backbone("auto", (40,), 10, modality="signal")
>>> config["name"], config["kwargs"]
('cnn1d', {'n_classes': 10, 'in_channels': 1, 'width': 64})
>>> x = torch.randn(4, 40)
>>> net(x).shape, net.forward_features(x).shape
(torch.Size([4, 10]), torch.Size([4, 64]))
>>> copy = backbone_from_config(config)
>>> _ = copy.load_state_dict(net.state_dict())
>>> bool(torch.equal(copy(x), net(x)))
True
"""

import inspect
import numbers

from torch import nn

from semiloop.errors import SemiloopError

__all__ = [
    "BACKBONES",
    "MLP",
    "CNN1d",
    "EmbeddingHead",
    "SmallCNN",
    "WideResNet",
    "backbone_from_config",
    "build_backbone",
]


def _check_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise SemiloopError(f"{name}={value!r} is not an integer >= {minimum}; "
                            f"pass an integer >= {minimum}")
    return int(value)


def _check_fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise SemiloopError(f"{name}={value!r} is not in [0, 1); pass a float in [0, 1), "
                            f"such as {name}=0.0")
    return float(value)


class _Backbone(nn.Module):
    """Shared ``forward``: logits are ``head(forward_features(x))``."""

    def forward(self, x):
        return self.head(self.forward_features(x))


class MLP(_Backbone):
    """Multi-layer perceptron for tables: Linear-BatchNorm-ReLU blocks, then a linear head.

    Parameters
    ----------
    n_features : int
        Number of input columns.
    n_classes : int
        Number of classes (width of the logits).
    hidden : tuple of int, default=(256, 256)
        Width of each hidden block. ``()`` gives logistic regression
        (the features are the input).
    dropout : float, default=0.0
        Dropout probability after each block's ReLU.
    batch_norm : bool, default=True
        Put a BatchNorm1d between each Linear and its ReLU (see the module notes
        on batch norm in semi-supervised training).

    Attributes
    ----------
    feature_dim : int
        ``hidden[-1]``, or ``n_features`` when ``hidden`` is empty.
    head : torch.nn.Linear
        ``Linear(feature_dim, n_classes)``.

    Notes
    -----
    Input ``(n, n_features)``, features ``(n, feature_dim)``, logits
    ``(n, n_classes)``. A block is ``Linear(d_in, d_out)``, ``BatchNorm1d(d_out)``
    (the Linear then has no bias), ``ReLU``, ``Dropout(dropout)``. Layers use
    PyTorch's default initialisation.

    Examples
    --------
    >>> import torch
    >>> net = MLP(20, 3, hidden=(16, 8))
    >>> net(torch.zeros(4, 20)).shape
    torch.Size([4, 3])
    >>> net.feature_dim
    8
    """

    def __init__(self, n_features, n_classes, hidden=(256, 256), dropout=0.0, batch_norm=True):
        super().__init__()
        n_features = _check_int("n_features", n_features)
        n_classes = _check_int("n_classes", n_classes)
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
            raise SemiloopError(f"hidden={hidden!r} is not a sequence of widths; "
                                "pass a tuple of ints, such as hidden=(256, 256)")
        hidden = tuple(_check_int("hidden width", width) for width in hidden)
        dropout = _check_fraction("dropout", dropout)
        layers = []
        width_in = n_features
        for width in hidden:
            layers.append(nn.Linear(width_in, width, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width_in = width
        self.features = nn.Sequential(*layers)
        self.feature_dim = width_in
        self.head = nn.Linear(width_in, n_classes)

    def forward_features(self, x):
        return self.features(x)


class CNN1d(_Backbone):
    """The four-layer 1-D CNN of Suite 2 (MNIST-1D), for signals.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=1
        Channels of the signal.
    width : int, default=64
        Channels of every convolution; 64 is the benchmark's backbone.

    Attributes
    ----------
    feature_dim : int
        ``width``.
    head : torch.nn.Linear
        ``Linear(width, n_classes)``.

    Notes
    -----
    Input ``(n, length)`` (one channel; the channel axis is added) or
    ``(n, in_channels, length)``; any length >= 1. With ``w = width``::

        Conv1d(in_channels, w, 5, padding=2) - ReLU
        Conv1d(w, w, 3, stride=2, padding=1) - ReLU
        Conv1d(w, w, 3, stride=2, padding=1) - ReLU
        Conv1d(w, w, 3, padding=1) - ReLU
        AdaptiveAvgPool1d(1) - Flatten          -> features (n, w)
        Linear(w, n_classes)                     -> logits (n, n_classes)

    With the defaults this is exactly the backbone of BENCHMARK.md Suite 2 and
    of the USB peer script (``shared/peers/usb_mnist1d.py``), 38,090 parameters
    for 10 classes, with the same layer order and PyTorch's default
    initialisation, so the same ``torch.manual_seed`` gives the same weights.

    Examples
    --------
    >>> import torch
    >>> net = CNN1d(10)
    >>> net(torch.zeros(2, 40)).shape
    torch.Size([2, 10])
    >>> sum(p.numel() for p in net.parameters())
    38090
    """

    def __init__(self, n_classes, in_channels=1, width=64):
        super().__init__()
        n_classes = _check_int("n_classes", n_classes)
        self.in_channels = _check_int("in_channels", in_channels)
        width = _check_int("width", width)
        self.features = nn.Sequential(
            nn.Conv1d(self.in_channels, width, 5, padding=2), nn.ReLU(),
            nn.Conv1d(width, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(width, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(width, width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        )
        self.feature_dim = width
        self.head = nn.Linear(width, n_classes)

    def forward_features(self, x):
        if x.dim() == 2:
            if self.in_channels != 1:
                raise SemiloopError(
                    f"CNN1d has in_channels={self.in_channels} but got a batch of shape "
                    f"{tuple(x.shape)} without a channel axis; pass (n, {self.in_channels}, "
                    "length)")
            x = x.unsqueeze(1)
        return self.features(x)


def _conv_bn_act(channels_in, channels_out, stride):
    return [nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(channels_out), nn.LeakyReLU(0.1)]


class SmallCNN(_Backbone):
    """A small image CNN: four Conv-BatchNorm-LeakyReLU blocks and global average pooling.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    in_channels : int, default=3
        Channels of the image.
    width : int, default=32
        Channels of the first block; the blocks have ``width``, ``2 width``,
        ``4 width`` and ``8 width`` channels.

    Attributes
    ----------
    feature_dim : int
        ``8 * width`` (256 with the defaults).
    head : torch.nn.Linear
        ``Linear(feature_dim, n_classes)``.

    Notes
    -----
    Input ``(n, in_channels, h, w)``, any ``h, w >= 1``. With ``c = width``::

        Conv2d(in_channels, c, 3, padding=1) - BN - LeakyReLU(0.1)      h x w
        Conv2d(c, 2c, 3, stride=2, padding=1) - BN - LeakyReLU(0.1)     h/2 x w/2
        Conv2d(2c, 4c, 3, stride=2, padding=1) - BN - LeakyReLU(0.1)    h/4 x w/4
        Conv2d(4c, 8c, 3, stride=2, padding=1) - BN - LeakyReLU(0.1)    h/8 x w/8
        AdaptiveAvgPool2d(1) - Flatten           -> features (n, 8c)
        Linear(8c, n_classes)                    -> logits (n, n_classes)

    Convolutions have no bias (batch norm follows). About 0.39 M parameters
    with the defaults, a quarter of WRN-28-2's, and several times faster:
    a baseline for small images and quick runs, not a published architecture.
    It is a VGG-style net in the spirit of the "ConvLarge" (CNN-13) of
    Laine & Aila (2017), shrunk to four blocks. Layers use PyTorch's default
    initialisation.

    Examples
    --------
    >>> import torch
    >>> net = SmallCNN(10, width=8)
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    >>> net.feature_dim
    64
    """

    def __init__(self, n_classes, in_channels=3, width=32):
        super().__init__()
        n_classes = _check_int("n_classes", n_classes)
        in_channels = _check_int("in_channels", in_channels)
        width = _check_int("width", width)
        self.features = nn.Sequential(
            *_conv_bn_act(in_channels, width, 1),
            *_conv_bn_act(width, 2 * width, 2),
            *_conv_bn_act(2 * width, 4 * width, 2),
            *_conv_bn_act(4 * width, 8 * width, 2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.feature_dim = 8 * width
        self.head = nn.Linear(self.feature_dim, n_classes)

    def forward_features(self, x):
        return self.features(x)


class _PreActBlock(nn.Module):
    """Pre-activation basic block of the FixMatch authors' ``residual`` function.

    ``out = conv2(act(bn2(conv1(act(bn1(x))))))``, plus the shortcut: ``x``, or
    ``act(bn1(x))`` with ``activate_before_residual``, through a 1x1 convolution
    when the channels change.
    """

    def __init__(self, channels_in, channels_out, stride, activate_before_residual,
                 bn_momentum, leaky_slope):
        super().__init__()
        self.activate_before_residual = activate_before_residual
        self.bn1 = nn.BatchNorm2d(channels_in, momentum=bn_momentum, eps=1e-3)
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1)
        self.bn2 = nn.BatchNorm2d(channels_out, momentum=bn_momentum, eps=1e-3)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        self.act = nn.LeakyReLU(leaky_slope)
        self.shortcut = None
        if channels_in != channels_out:
            self.shortcut = nn.Conv2d(channels_in, channels_out, 1, stride=stride)

    def forward(self, x):
        activated = self.act(self.bn1(x))
        residual = activated if self.activate_before_residual else x
        out = self.conv2(self.act(self.bn2(self.conv1(activated))))
        if self.shortcut is not None:
            residual = self.shortcut(residual)
        return residual + out


class WideResNet(_Backbone):
    """Wide ResNet with pre-activation blocks, as in FixMatch (WRN-28-2 by default).

    Parameters
    ----------
    n_classes : int
        Number of classes.
    depth : int, default=28
        ``6 b + 4`` for ``b`` blocks per stage (28 gives 4 blocks).
    widen_factor : int, default=2
        Stages have ``16 k``, ``32 k`` and ``64 k`` channels for ``k = widen_factor``.
    in_channels : int, default=3
        Channels of the image.
    dropout : float, default=0.0
        Dropout on the pooled features, before the head, where the authors'
        code places it (FixMatch uses none). It is the last step of
        ``forward_features`` (the authors' ``embeds`` are taken before it), so
        that ``forward(x) == head(forward_features(x))`` holds.
    bn_momentum : float, default=0.001
        PyTorch batch-norm momentum; 0.001 is the authors' TensorFlow decay of
        0.999 (TensorFlow's ``momentum`` weighs the old running value, PyTorch's
        the new batch).
    leaky_slope : float, default=0.1
        Negative slope of the leaky ReLUs.

    Attributes
    ----------
    feature_dim : int
        ``64 * widen_factor`` (128 for WRN-28-2).
    head : torch.nn.Linear
        ``Linear(feature_dim, n_classes)``.

    Notes
    -----
    Input ``(n, in_channels, h, w)``, any ``h, w >= 1`` (32 x 32 in the paper).
    Layout, following ``ResNet.classifier`` and its ``residual`` function in
    the authors' code (google-research/fixmatch, ``libml/models.py``)::

        Conv2d(in_channels, 16, 3, padding=1)
        stage 1: b blocks, 16k channels, stride 1 (first block activates
                 before the residual)
        stage 2: b blocks, 32k channels, first block stride 2
        stage 3: b blocks, 64k channels, first block stride 2
        BN - LeakyReLU - AdaptiveAvgPool2d(1) - Flatten - Dropout  -> (n, 64k)
        Linear(64k, n_classes)                                     -> (n, n_classes)

    Batch norm has ``eps=1e-3`` (TensorFlow's default). Initialisation:
    convolution weights kaiming-normal (``fan_out``, leaky ReLU gain with
    ``a=0``, that is standard deviation ``sqrt(2 / (k^2 out_channels))``, the
    authors' ``rsqrt(0.5 k^2 f)``), the linear weight xavier-normal (Glorot),
    all biases zero, batch norm weight one and bias zero. PyTorch's symmetric
    padding replaces TensorFlow's ``"same"`` padding in strided convolutions,
    as in the PyTorch ports (USB, kekmodel/FixMatch-pytorch). Convolutions
    have biases, as in the authors' code and USB: WRN-28-2 for 10 classes has
    1,469,642 parameters, the "1.5 M" of Sohn et al. (2020), Sec. 4 (ports
    without convolution biases have 1,467,610).

    References
    ----------
    Zagoruyko & Komodakis (2016), Wide Residual Networks, BMVC.
    Sohn et al. (2020), FixMatch: Simplifying Semi-Supervised Learning with
    Consistency and Confidence, NeurIPS, Sec. 4.

    Examples
    --------
    >>> import torch
    >>> net = WideResNet(10, depth=10, widen_factor=1)
    >>> net(torch.zeros(2, 3, 8, 8)).shape
    torch.Size([2, 10])
    >>> net.feature_dim
    64
    >>> sum(p.numel() for p in WideResNet(10).parameters())
    1469642
    """

    def __init__(self, n_classes, depth=28, widen_factor=2, in_channels=3, dropout=0.0,
                 bn_momentum=0.001, leaky_slope=0.1):
        super().__init__()
        n_classes = _check_int("n_classes", n_classes)
        depth = _check_int("depth", depth, minimum=10)
        if (depth - 4) % 6:
            raise SemiloopError(f"depth={depth} is not 6 b + 4; pass depth=10, 16, 22, 28, ...")
        widen_factor = _check_int("widen_factor", widen_factor)
        in_channels = _check_int("in_channels", in_channels)
        dropout = _check_fraction("dropout", dropout)
        bn_momentum = _check_fraction("bn_momentum", bn_momentum)
        if isinstance(leaky_slope, bool) or not isinstance(leaky_slope, numbers.Real):
            raise SemiloopError(f"leaky_slope={leaky_slope!r} is not a number; "
                                "pass a float, such as leaky_slope=0.1")
        blocks_per_stage = (depth - 4) // 6
        channels = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.stem = nn.Conv2d(in_channels, channels[0], 3, padding=1)
        stages = []
        for stage in range(3):
            blocks = []
            for block in range(blocks_per_stage):
                first = block == 0
                blocks.append(_PreActBlock(
                    channels[stage] if first else channels[stage + 1], channels[stage + 1],
                    stride=2 if first and stage > 0 else 1,
                    activate_before_residual=first and stage == 0,
                    bn_momentum=bn_momentum, leaky_slope=leaky_slope))
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.bn = nn.BatchNorm2d(channels[3], momentum=bn_momentum, eps=1e-3)
        self.act = nn.LeakyReLU(leaky_slope)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.dropout = nn.Dropout(dropout)
        self.feature_dim = channels[3]
        self.head = nn.Linear(channels[3], n_classes)
        self._init_weights()

    def _init_weights(self):
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="leaky_relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
            elif isinstance(module, nn.Linear):
                nn.init.xavier_normal_(module.weight)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)

    def forward_features(self, x):
        out = self.stages(self.stem(x))
        return self.dropout(self.pool(self.act(self.bn(out))))


class EmbeddingHead(_Backbone):
    """A small classifier on frozen embeddings (sentence or image embeddings).

    Parameters
    ----------
    n_features : int
        Dimension of the embeddings.
    n_classes : int
        Number of classes.
    hidden : int, default=256
        Width of the hidden layer.
    dropout : float, default=0.1
        Dropout probability after the hidden layer.
    layer_norm : bool, default=True
        Start with ``LayerNorm(n_features)``, which makes training independent
        of the embedding model's scale (some return unit-norm vectors, others
        coordinates of size 10); pass ``False`` for ``Linear`` first.

    Attributes
    ----------
    feature_dim : int
        ``hidden``.
    head : torch.nn.Linear
        ``Linear(hidden, n_classes)``.

    Notes
    -----
    Input ``(n, n_features)``::

        LayerNorm(n_features) - Linear(n_features, hidden) - ReLU - Dropout  -> (n, hidden)
        Linear(hidden, n_classes)                                             -> (n, n_classes)

    There is no batch norm, so the batch composition does not matter. Layers
    use PyTorch's default initialisation.

    Examples
    --------
    >>> import torch
    >>> net = EmbeddingHead(384, 4, hidden=32)
    >>> net(torch.zeros(2, 384)).shape
    torch.Size([2, 4])
    """

    def __init__(self, n_features, n_classes, hidden=256, dropout=0.1, layer_norm=True):
        super().__init__()
        n_features = _check_int("n_features", n_features)
        n_classes = _check_int("n_classes", n_classes)
        hidden = _check_int("hidden", hidden)
        dropout = _check_fraction("dropout", dropout)
        layers = [nn.LayerNorm(n_features)] if layer_norm else []
        layers += [nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(dropout)]
        self.features = nn.Sequential(*layers)
        self.feature_dim = hidden
        self.head = nn.Linear(hidden, n_classes)

    def forward_features(self, x):
        return self.features(x)


# name -> (class, the constructor arguments that the sample shape gives)
_NETS = {
    "mlp": (MLP, ("n_features",)),
    "cnn1d": (CNN1d, ("in_channels",)),
    "small_cnn": (SmallCNN, ("in_channels",)),
    "wrn28_2": (WideResNet, ("in_channels",)),
    "wide_resnet": (WideResNet, ("in_channels",)),
    "embedding_head": (EmbeddingHead, ("n_features",)),
}
_SHAPES = {
    "mlp": ((1,), "(n_features,)"),
    "cnn1d": ((1, 2), "(length,) or (channels, length)"),
    "small_cnn": ((3,), "(channels, height, width)"),
    "wrn28_2": ((3,), "(channels, height, width)"),
    "wide_resnet": ((3,), "(channels, height, width)"),
    "embedding_head": ((1,), "(n_features,)"),
}
_FIXED = {"wrn28_2": {"depth": 28, "widen_factor": 2}}
_MODALITIES = (None, "table", "signal", "image", "embedding")
BACKBONES = ("auto", *_NETS)
"""The names :func:`build_backbone` accepts."""


def _check_shape(input_shape):
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if not shape or not all(isinstance(size, numbers.Integral) and not isinstance(size, bool)
                            and size >= 1 for size in shape):
        raise SemiloopError(f"input_shape={input_shape!r} is not a tuple of positive ints; "
                            "pass the shape of one sample, such as (20,) or (3, 32, 32)")
    return tuple(int(size) for size in shape)


def _auto_name(shape, modality):
    if modality not in _MODALITIES:
        raise SemiloopError(f"modality={modality!r} is unknown; pass one of "
                            f"{', '.join(repr(m) for m in _MODALITIES)}")
    by_rank = {1: {None: "mlp", "table": "mlp", "signal": "cnn1d", "embedding": "embedding_head"},
               2: {None: "cnn1d", "signal": "cnn1d"},
               3: {None: "small_cnn", "image": "small_cnn"}}
    name = by_rank.get(len(shape), {}).get(modality)
    if name is None:
        raise SemiloopError(
            f"name='auto' has no backbone for samples of shape {shape} with modality="
            f"{modality!r}; pass (n_features,) for a table or embedding, (length,) or "
            "(channels, length) for a signal, (channels, height, width) for an image "
            "(a grayscale image needs its channel axis, (1, height, width))")
    return name


def _shape_kwargs(name, shape):
    if len(shape) == 1 and name in ("mlp", "embedding_head"):
        return {"n_features": shape[0]}
    return {"in_channels": 1 if len(shape) == 1 else shape[0]}


def _jsonable(value):
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, (tuple, list)):
        return [_jsonable(item) for item in value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def build_backbone(name, input_shape, n_classes, **options):
    """Build a backbone by name for samples of a given shape.

    Parameters
    ----------
    name : str
        One of :data:`BACKBONES`: ``"auto"``, ``"mlp"``, ``"cnn1d"``,
        ``"small_cnn"``, ``"wrn28_2"``, ``"wide_resnet"``, ``"embedding_head"``.
        ``"auto"`` picks ``mlp`` for 1-D samples (``cnn1d`` with
        ``modality="signal"``, ``embedding_head`` with ``modality="embedding"``),
        ``cnn1d`` for 2-D samples and ``small_cnn`` for 3-D samples; ask for
        ``"wrn28_2"`` by name.
    input_shape : tuple of int
        Shape of one sample, without the batch axis: ``(20,)`` for 20 table
        columns, ``(40,)`` or ``(1, 40)`` for a signal of length 40,
        ``(3, 32, 32)`` for a colour image.
    n_classes : int
        Number of classes.
    **options
        Constructor arguments of the net (``hidden=(64,)``, ``dropout=0.1``),
        except those the shape gives (``n_features``, ``in_channels``), and
        ``modality``, one of ``"table"``, ``"signal"``, ``"image"``,
        ``"embedding"``, read by ``"auto"`` only.

    Returns
    -------
    module : torch.nn.Module
        The net, freshly initialised from torch's global random state.
    config : dict
        ``{"name": name, "kwargs": {...}}`` with the chosen name (never
        ``"auto"``) and every constructor argument, defaults included, as JSON
        values; :func:`backbone_from_config` rebuilds the same architecture.

    Raises
    ------
    SemiloopError
        For an unknown name or option, or a shape the net cannot take.

    Examples
    --------
    >>> net, config = build_backbone("mlp", (20,), 3, hidden=(16,))
    >>> config
    {'name': 'mlp', 'kwargs': {'n_features': 20, 'n_classes': 3, 'hidden': [16], \
'dropout': 0.0, 'batch_norm': True}}
    >>> build_backbone("auto", (3, 32, 32), 10)[1]["name"]
    'small_cnn'
    """
    if name not in BACKBONES:
        raise SemiloopError(f"backbone name={name!r} is unknown; pass one of "
                            f"{', '.join(repr(known) for known in BACKBONES)}")
    shape = _check_shape(input_shape)
    modality = options.pop("modality", None)
    if name == "auto":
        name = _auto_name(shape, modality)
    ranks, described = _SHAPES[name]
    if len(shape) not in ranks:
        raise SemiloopError(f"backbone {name!r} takes samples of shape {described}, not "
                            f"input_shape={shape}; reshape the data or pick another backbone")
    cls, from_shape = _NETS[name]
    parameters = list(inspect.signature(cls).parameters)
    allowed = [p for p in parameters if p not in from_shape and p != "n_classes"
               and p not in _FIXED.get(name, {})]
    kwargs = _shape_kwargs(name, shape)
    for option, value in options.items():
        if option in kwargs:
            if value != kwargs[option]:
                raise SemiloopError(f"{option}={value!r} contradicts input_shape={shape}, "
                                    f"which gives {option}={kwargs[option]}; leave {option} out")
        elif option in _FIXED.get(name, {}):
            raise SemiloopError(f"backbone 'wrn28_2' fixes {option}; pass name='wide_resnet' "
                                f"to choose {option}")
        elif option not in allowed:
            raise SemiloopError(f"{option!r} is not an option of backbone {name!r}; "
                                f"its options are {', '.join(allowed)}")
    kwargs = {**kwargs, **options, **_FIXED.get(name, {}), "n_classes": n_classes}
    bound = inspect.signature(cls).bind(**kwargs)
    bound.apply_defaults()
    config = {"name": name,
              "kwargs": {key: _jsonable(value) for key, value in bound.arguments.items()}}
    return cls(**bound.arguments), config


def backbone_from_config(config):
    """Rebuild the net that :func:`build_backbone` described in ``config``.

    Parameters
    ----------
    config : dict
        ``{"name": name, "kwargs": {...}}``, as returned by
        :func:`build_backbone` (possibly after a JSON round trip).

    Returns
    -------
    module : torch.nn.Module
        A freshly initialised net of the same architecture; load the saved
        ``state_dict`` into it.

    Examples
    --------
    >>> net = backbone_from_config({"name": "mlp", "kwargs": {"n_features": 4, "n_classes": 2}})
    >>> net.head
    Linear(in_features=256, out_features=2, bias=True)
    """
    if not isinstance(config, dict) or not isinstance(config.get("kwargs"), dict):
        raise SemiloopError(f"backbone config {config!r} is not a dict with 'name' and a "
                            "'kwargs' dict; pass the config that build_backbone returned")
    name = config.get("name")
    if name not in _NETS:
        raise SemiloopError(f"backbone config name={name!r} is unknown; the names are "
                            f"{', '.join(repr(known) for known in _NETS)}")
    cls = _NETS[name][0]
    try:
        inspect.signature(cls).bind(**config["kwargs"])
    except TypeError as error:
        raise SemiloopError(
            f"backbone config kwargs {config['kwargs']!r} do not fit {cls.__name__} ({error}); "
            f"pass the config that build_backbone returned") from None
    kwargs = dict(config["kwargs"])
    if name == "mlp" and isinstance(kwargs.get("hidden"), list):
        kwargs["hidden"] = tuple(kwargs["hidden"])
    return cls(**kwargs)
