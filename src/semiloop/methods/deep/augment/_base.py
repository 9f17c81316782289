"""What every augmentation shares: composition, input checks and seeded random draws.

Random draws go through a ``torch.Generator`` when one is given. A draw is made
on the batch's device when the generator lives there, otherwise on the
generator's device and then moved, so that the same seed gives the same
augmentation whatever the batch's device.
"""

from dataclasses import dataclass

import torch

from semiloop.errors import SemiloopError

__all__ = ["Compose", "Identity"]


@dataclass
class Compose:
    """Apply augmentations one after another, all with the same generator.

    Parameters
    ----------
    transforms : list of callable
        Each takes ``(x, generator=None)`` and returns a tensor of the shape of ``x``.

    Examples
    --------
    >>> import torch
    >>> from semiloop.methods.deep.augment import Compose, GaussianNoise, RandomScaling
    >>> pipeline = Compose([RandomScaling(0.8, 1.2), GaussianNoise(0.05)])
    >>> x = torch.zeros(4, 40)
    >>> a = pipeline(x, torch.Generator().manual_seed(0))
    >>> b = pipeline(x, torch.Generator().manual_seed(0))
    >>> a.shape, bool(torch.equal(a, b))
    (torch.Size([4, 40]), True)
    """

    transforms: list

    def __call__(self, x, generator=None):
        for transform in self.transforms:
            if not callable(transform):
                raise SemiloopError(
                    f"Compose got {transform!r}, which is not callable; pass augmentations "
                    "such as GaussianNoise(0.05)")
            x = transform(x, generator)
        return x


@dataclass
class Identity:
    """Return a copy of the batch unchanged (the 'no augmentation' view).

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(3.0)
    >>> y = Identity()(x)
    >>> y.tolist(), y is x
    ([0.0, 1.0, 2.0], False)
    """

    def __call__(self, x, generator=None):
        return _check_batch(x, "Identity").clone()


def _check_batch(x, name, ndims=None, shape_text="(n, ...)"):
    """Return ``x`` if it is a floating-point tensor with an allowed number of axes."""
    if not isinstance(x, torch.Tensor):
        raise SemiloopError(
            f"{name} takes a torch tensor, got {type(x).__name__}; "
            "convert the batch with torch.as_tensor(x, dtype=torch.float32)")
    if not x.is_floating_point():
        raise SemiloopError(
            f"{name} takes a floating-point batch, got dtype {x.dtype}; "
            "convert it with x.float() (images scaled to [0, 1])")
    if ndims is not None and x.ndim not in ndims:
        raise SemiloopError(
            f"{name} takes a batch of shape {shape_text}, got shape {tuple(x.shape)}; "
            "reshape the batch or use the augmentation of your data's modality")
    return x


def _check_range(name, value, low, high, *, low_open=False, high_open=False):
    """Raise unless ``low <(=) value <(=) high`` (``None`` bounds are not checked)."""
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise SemiloopError(f"{name}={value!r} is outside {left}{low}, {high}{right}; "
                            f"pass a value in that range")


def _length(value, size, name):
    """An int is a number of samples; a float in (0, 1) a fraction of ``size``, rounded."""
    if isinstance(value, float) and 0.0 < value < 1.0:
        return max(1, round(value * size))
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise SemiloopError(f"{name}={value!r} is not a count of samples or a fraction in (0, 1); "
                            f"pass an int >= 0 (samples) or a float such as 0.2 (of the length)")
    return int(value)


def _describe(value):
    """Short text of a parameter for ``repr``: tensors and arrays by shape only."""
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        return f"<{type(value).__name__} of shape {tuple(value.shape)}>"
    return repr(value)


def _draw_device(generator, device):
    if generator is None or generator.device == device:
        return device
    return generator.device


def _uniform(shape, generator, device):
    """Float32 draws from U(0, 1) of ``shape`` on ``device``."""
    draw = _draw_device(generator, device)
    return torch.rand(shape, generator=generator, device=draw).to(device)


def _normal(shape, generator, device):
    """Float32 draws from N(0, 1) of ``shape`` on ``device``."""
    draw = _draw_device(generator, device)
    return torch.randn(shape, generator=generator, device=draw).to(device)


def _randint(low, high, shape, generator, device):
    """Int64 draws uniform over ``low, ..., high - 1``."""
    draw = _draw_device(generator, device)
    return torch.randint(low, high, shape, generator=generator, device=draw).to(device)


def _randperm(n, generator, device):
    draw = _draw_device(generator, device)
    return torch.randperm(n, generator=generator, device=draw).to(device)


def _beta(alpha, n, generator, device):
    """``n`` float32 draws from Beta(alpha, alpha) through ``generator``.

    Beta(a, a) = G1 / (G1 + G2) with G1, G2 ~ Gamma(a); each gamma draw uses
    Marsaglia and Tsang's (2000) method, batched: every round draws a candidate
    for all entries and keeps the first accepted one, so the result depends on
    the seed only. For ``a < 1``, Gamma(a) = Gamma(a + 1) * U^(1 / a), kept in
    logarithms so that tiny draws do not underflow.
    """
    _check_range("alpha", alpha, 0.0, None, low_open=True)
    shape = alpha + 1.0 if alpha < 1.0 else alpha
    d = shape - 1.0 / 3.0
    c = 1.0 / (9.0 * d) ** 0.5
    gamma = torch.zeros(2, n, device=device)
    accepted = torch.zeros(2, n, dtype=torch.bool, device=device)
    while not bool(accepted.all()):
        z = _normal((2, n), generator, device)
        u = _uniform((2, n), generator, device)
        v = (1.0 + c * z) ** 3
        ok = (v > 0) & (torch.log(u) < 0.5 * z**2 + d - d * v + d * torch.log(v.clamp_min(1e-30)))
        take = ok & ~accepted
        gamma = torch.where(take, d * v, gamma)
        accepted |= ok
    log_gamma = torch.log(gamma)
    if alpha < 1.0:
        u = _uniform((2, n), generator, device).clamp_min(1e-38)
        log_gamma = log_gamma + torch.log(u) / alpha
    return torch.sigmoid(log_gamma[0] - log_gamma[1])
