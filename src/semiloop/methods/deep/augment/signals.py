"""Batched augmentations of 1-D signals, and the weak and strong views of Suite 2.

A batch has shape ``(n, length)`` or ``(n, channels, length)``. Every draw is
per sample and shared by the channels of that sample (a shift moves all
channels of a row together). Lengths may be given in samples (an int) or as a
fraction of the signal's length (a float in (0, 1)), resolved at call time.

Examples
--------
>>> import torch
>>> weak, strong = signal_views()
>>> x = torch.randn(8, 40, generator=torch.Generator().manual_seed(0))
>>> strong(x, torch.Generator().manual_seed(1)).shape
torch.Size([8, 40])
"""

from dataclasses import KW_ONLY, dataclass

import torch
import torch.nn.functional as F

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment._base import (
    Compose,
    _check_batch,
    _check_range,
    _length,
    _normal,
    _randint,
    _uniform,
)

__all__ = ["GaussianNoise", "RandomScaling", "RandomShift", "RandomTrend", "SmoothNoise",
           "TimeMask", "TimeStretch", "TimeWarp", "signal_views"]

_SHAPES = "(n, length) or (n, channels, length)"


def _signal(x, name):
    return _check_batch(x, name, (2, 3), _SHAPES)


def _per_sample(values, x):
    """Reshape ``(n,)`` values to broadcast over the other axes of ``x``."""
    return values.view(-1, *([1] * (x.ndim - 1))).to(x.dtype)


@dataclass
class RandomShift:
    """Shift each signal in time by its own integer in ``[-max_shift, max_shift]``.

    Sample ``i`` of the output is sample ``i - shift`` of the input (the
    direction of ``torch.roll``), so a spike at ``p`` moves to ``p + shift``.

    Parameters
    ----------
    max_shift : int or float
        Largest shift, in samples, or as a fraction of the length if a float in (0, 1).
    mode : {'circular', 'zeros'}, default='circular'
        ``'circular'`` wraps samples around the end; ``'zeros'`` fills the vacated ones with 0.

    Examples
    --------
    >>> x = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0]])
    >>> y = RandomShift(2)(x, torch.Generator().manual_seed(0))
    >>> int(y.sum()), y.shape
    (1, torch.Size([1, 5]))
    """

    max_shift: int
    _: KW_ONLY
    mode: str = "circular"

    def __call__(self, x, generator=None):
        x = _signal(x, "RandomShift")
        if self.mode not in ("circular", "zeros"):
            raise SemiloopError(f"mode={self.mode!r} is not known; pass 'circular' or 'zeros'")
        length = x.shape[-1]
        max_shift = _length(self.max_shift, length, "max_shift")
        shift = _randint(-max_shift, max_shift + 1, (x.shape[0], 1), generator, x.device)
        source = torch.arange(length, device=x.device) - shift  # (n, length)
        index = source.remainder(length)
        view = index.view(x.shape[0], *([1] * (x.ndim - 2)), length).expand_as(x)
        out = torch.gather(x, -1, view)
        if self.mode == "zeros":
            outside = (source < 0) | (source >= length)
            out = out.masked_fill(outside if x.ndim == 2 else outside[:, None, :], 0.0)
        return out


@dataclass
class RandomScaling:
    """Multiply each signal by its own amplitude factor drawn from U(low, high).

    Parameters
    ----------
    low, high : float
        Bounds of the factor, ``low <= high``.

    Examples
    --------
    >>> y = RandomScaling(0.8, 1.2)(torch.ones(3, 4), torch.Generator().manual_seed(0))
    >>> bool(((y >= 0.8) & (y <= 1.2)).all())
    True
    """

    low: float
    high: float

    def __call__(self, x, generator=None):
        x = _signal(x, "RandomScaling")
        _check_range("low", self.low, None, self.high)
        factor = self.low + (self.high - self.low) * _uniform(x.shape[0], generator, x.device)
        return x * _per_sample(factor, x)


@dataclass
class GaussianNoise:
    """Add independent N(0, std²) noise to every sample of every signal.

    Parameters
    ----------
    std : float
        Standard deviation, in the units of the data.

    Examples
    --------
    >>> y = GaussianNoise(0.05)(torch.zeros(1000, 40), torch.Generator().manual_seed(0))
    >>> round(float(y.std()), 2)
    0.05
    """

    std: float

    def __call__(self, x, generator=None):
        x = _signal(x, "GaussianNoise")
        _check_range("std", self.std, 0.0, None)
        return x + self.std * _normal(x.shape, generator, x.device).to(x.dtype)


@dataclass
class TimeMask:
    """Set one contiguous window of ``width`` samples to zero in each signal.

    The window's start is uniform over the ``length - width + 1`` positions that
    keep it inside the signal; all channels of a row share the window.

    Parameters
    ----------
    width : int or float
        Window length in samples, or a fraction of the length if a float in (0, 1):
        ``0.2`` gives ``round(0.2 * length)`` (8 for length 40).

    Examples
    --------
    >>> y = TimeMask(3)(torch.ones(2, 10), torch.Generator().manual_seed(0))
    >>> (y == 0).sum(dim=1).tolist()
    [3, 3]
    """

    width: int

    def __call__(self, x, generator=None):
        x = _signal(x, "TimeMask")
        length = x.shape[-1]
        width = _length(self.width, length, "width")
        if width > length:
            raise SemiloopError(f"width={self.width!r} is longer than the signals ({length} "
                                "samples); pass a smaller width or a fraction such as 0.2")
        start = _randint(0, length - width + 1, (x.shape[0], 1), generator, x.device)
        position = torch.arange(length, device=x.device)
        inside = (position >= start) & (position < start + width)  # (n, length)
        return x.masked_fill(inside if x.ndim == 2 else inside[:, None, :], 0.0)


@dataclass
class TimeWarp:
    """Resample each signal along a smooth random monotone time axis.

    The local speed of time is ``exp(strength * z)`` with ``z ~ N(0, 1)`` drawn at
    ``n_knots`` evenly spaced knots and interpolated linearly between them; its
    running integral, scaled to end at ``length - 1``, gives the positions at
    which the signal is read (linear interpolation). The first and last samples
    stay in place, and ``strength=0`` returns the input (up to rounding).

    Parameters
    ----------
    strength : float
        Standard deviation of the log speed; 0.2 stretches or squeezes stretches
        of the signal by about ±20%.
    n_knots : int, default=4
        Number of knots (at least 2); more knots give a wigglier warp.

    Examples
    --------
    >>> ramp = torch.arange(10.0).repeat(2, 1)
    >>> y = TimeWarp(0.3)(ramp, torch.Generator().manual_seed(0))
    >>> bool((y.diff(dim=1) > 0).all()), y[:, 0].tolist(), y[:, -1].tolist()
    (True, [0.0, 0.0], [9.0, 9.0])
    """

    strength: float
    _: KW_ONLY
    n_knots: int = 4

    def __call__(self, x, generator=None):
        x = _signal(x, "TimeWarp")
        _check_range("strength", self.strength, 0.0, None)
        _check_range("n_knots", self.n_knots, 2, None)
        n, length = x.shape[0], x.shape[-1]
        log_speed = self.strength * _normal((n, 1, int(self.n_knots)), generator, x.device)
        if length < 2:
            return x.clone()
        speed = F.interpolate(log_speed.exp(), size=length, mode="linear",
                              align_corners=True)[:, 0]  # (n, length)
        steps = 0.5 * (speed[:, 1:] + speed[:, :-1])
        position = torch.cat([torch.zeros(n, 1, device=x.device), steps.cumsum(1)], dim=1)
        position = position * ((length - 1) / position[:, -1:])
        left = position.floor().long().clamp(0, length - 2)
        weight = (position - left).clamp(0.0, 1.0).to(x.dtype)
        if x.ndim == 3:
            left, weight = left[:, None, :].expand_as(x), weight[:, None, :]
        return (torch.gather(x, -1, left) * (1 - weight)
                + torch.gather(x, -1, left + 1) * weight)


@dataclass
class TimeStretch:
    """Stretch or squeeze each signal in time about its centre by its own factor.

    Output sample ``i`` reads the input at ``c + (i - c) / s`` (linear
    interpolation), with ``c`` the centre and ``s ~ U(low, high)``: ``s > 1``
    stretches (the middle fills more of the window), ``s < 1`` squeezes; reads
    outside the signal give ``fill``. MNIST-1D's generator scales its digits
    in time the same way (Greydanus 2020, "scale_coeff").

    Parameters
    ----------
    low, high : float
        Range of the factor, ``0 < low <= high``.
    fill : float, default=0.0

    Examples
    --------
    >>> ramp = torch.arange(5.0)[None]
    >>> TimeStretch(2.0, 2.0)(ramp).tolist()  # read at 2 + (i - 2) / 2
    [[1.0, 1.5, 2.0, 2.5, 3.0]]
    """

    low: float
    high: float
    _: KW_ONLY
    fill: float = 0.0

    def __call__(self, x, generator=None):
        x = _signal(x, "TimeStretch")
        _check_range("low", self.low, 0.0, None, low_open=True)
        _check_range("high", self.high, self.low, None)
        n, length = x.shape[0], x.shape[-1]
        factor = self.low + (self.high - self.low) * _uniform((n, 1), generator, x.device)
        centre = (length - 1) / 2
        position = centre + (torch.arange(length, device=x.device) - centre) / factor
        inside = (position >= 0) & (position <= length - 1)
        left = position.floor().long().clamp(0, max(length - 2, 0))
        weight = (position - left).clamp(0.0, 1.0).to(x.dtype)
        right = (left + 1).clamp(max=length - 1)
        if x.ndim == 3:
            left, right = left[:, None, :].expand_as(x), right[:, None, :].expand_as(x)
            weight, inside = weight[:, None, :], inside[:, None, :]
        out = torch.gather(x, -1, left) * (1 - weight) + torch.gather(x, -1, right) * weight
        return out.masked_fill(~inside, self.fill)


@dataclass
class RandomTrend:
    """Add a straight line ``slope * u`` to each signal, ``u`` from -1 to 1 along the length.

    ``slope ~ U(-max_slope, max_slope)`` per signal: baseline drift, or the
    shear of MNIST-1D's generator (Greydanus 2020, "shear_scale").

    Examples
    --------
    >>> y = RandomTrend(0.5)(torch.zeros(3, 5), torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(y.diff(dim=1).std(dim=1), torch.zeros(3), atol=1e-6))
    True
    """

    max_slope: float

    def __call__(self, x, generator=None):
        x = _signal(x, "RandomTrend")
        _check_range("max_slope", self.max_slope, 0.0, None)
        slope = self.max_slope * (2 * _uniform((x.shape[0], 1), generator, x.device) - 1)
        line = slope * torch.linspace(-1.0, 1.0, x.shape[-1], device=x.device)
        return x + (line if x.ndim == 2 else line[:, None, :]).to(x.dtype)


@dataclass
class SmoothNoise:
    """Add correlated noise: white noise smoothed by a Gaussian kernel, with std ``std``.

    The kernel's standard deviation is ``width`` samples; the smoothed noise
    is rescaled so that each sample's standard deviation is ``std``
    (MNIST-1D's generator adds such noise, "corr_noise_scale").

    Examples
    --------
    >>> y = SmoothNoise(0.1, 2.0)(torch.zeros(2000, 40), torch.Generator().manual_seed(0))
    >>> round(float(y.std()), 2), float(y.diff(dim=1).std()) < 0.1
    (0.1, True)
    """

    std: float
    width: float = 2.0

    def __call__(self, x, generator=None):
        x = _signal(x, "SmoothNoise")
        _check_range("std", self.std, 0.0, None)
        _check_range("width", self.width, 0.0, None, low_open=True)
        radius = max(int(3 * self.width), 1)
        offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=torch.float32)
        kernel = torch.exp(-0.5 * (offsets / self.width) ** 2)
        kernel = kernel / kernel.norm()  # unit norm: white noise keeps unit variance
        flat = x.reshape(-1, 1, x.shape[-1])
        noise = _normal((flat.shape[0], 1, x.shape[-1] + 2 * radius), generator, x.device)
        smooth = F.conv1d(noise, kernel.view(1, 1, -1)).reshape(x.shape)
        return x + self.std * smooth.to(x.dtype)


def signal_views(X=None, *, scale=None, strength="basic"):
    """The weak and strong views of signals used by Suite 2 (MNIST-1D).

    weak
        circular shift by an integer in [-3, 3] samples, then N(0, (0.05 s)²) noise.
    strong
        weak, then amplitude × U(0.8, 1.2), then one window of ``round(0.2 ·
        length)`` samples set to zero (8 of 40), then N(0, (0.15 s)²) noise.

    ``s`` is the noise scale in the data's units. The recipe of Suite 2
    (BENCHMARK.md, and its USB peer) adds absolute noise 0.05 and 0.15 to
    raw MNIST-1D, whose training signals have standard deviation 1.0016; so
    ``s = 1`` *is* that recipe, and for other data ``s`` is the data's standard
    deviation, which keeps the same signal-to-noise ratio.

    Parameters
    ----------
    X : array-like or Tensor of shape (n, length) or (n, channels, length), default=None
        Training signals; used only for their standard deviation when ``scale`` is None.
    scale : float, default=None
        ``s`` itself. If None: ``X.std()`` over all entries when ``X`` is given,
        else 1.0. ``signal_views(scale=1.0)`` reproduces the Suite 2 protocol
        exactly; ``signal_views(X_mnist1d)`` gives s ≈ 1.0016.

    strength : {'basic', 'rich'}, default='basic'
        ``'rich'`` keeps the weak view and makes the strong view from the
        nuisances of many sensor signals (and of MNIST-1D's generator,
        Greydanus 2020): a circular shift of up to a quarter of the length, a
        time stretch of 0.85-1.2, amplitude 0.8-1.2, a linear trend of up to
        0.19 s at the ends, correlated noise of 0.1 s, an 8-in-40 mask and
        N(0, (0.05 s)²) noise. On Suite 2 it adds about 3.5 points over
        ``'basic'`` (``benchmarks/results/mnist1d-*.md``); use it where a
        shift or a stretch does not change a signal's class.

    Returns
    -------
    weak, strong : Compose
        Pipelines to call as ``view(x, generator)`` on batches.

    Raises
    ------
    SemiloopError
        If ``scale`` is not positive, or ``X`` is constant or not finite.

    Examples
    --------
    >>> weak, strong = signal_views(scale=1.0)
    >>> weak.transforms
    [RandomShift(max_shift=3, mode='circular'), GaussianNoise(std=0.05)]
    >>> [type(t).__name__ for t in strong.transforms]
    ['RandomShift', 'GaussianNoise', 'RandomScaling', 'TimeMask', 'GaussianNoise']
    """
    if scale is None:
        scale = 1.0 if X is None else _data_scale(X)
    _check_range("scale", scale, 0.0, None, low_open=True)
    if strength not in ("basic", "rich"):
        raise SemiloopError(f"strength={strength!r} is unknown; pass 'basic' or 'rich'")
    weak = [RandomShift(3, mode="circular"), GaussianNoise(0.05 * scale)]
    if strength == "rich":
        strong = [RandomShift(0.25, mode="circular"), TimeStretch(0.85, 1.2),
                  RandomScaling(0.8, 1.2), RandomTrend(0.19 * scale),
                  SmoothNoise(0.1 * scale, 1.1), TimeMask(0.2), GaussianNoise(0.05 * scale)]
        return Compose(weak), Compose(strong)
    strong = [*weak, RandomScaling(0.8, 1.2), TimeMask(0.2), GaussianNoise(0.15 * scale)]
    return Compose(weak), Compose(strong)


def _data_scale(X):
    values = torch.as_tensor(X, dtype=torch.float64)
    std = float(values.std(correction=0)) if values.numel() else float("nan")
    if not std > 0 or std == float("inf"):
        raise SemiloopError(f"the signals' standard deviation is {std}; pass scale= (the noise "
                            "scale in the data's units) or signals that vary and are finite",
                            options={"scale": 1.0})
    return std
