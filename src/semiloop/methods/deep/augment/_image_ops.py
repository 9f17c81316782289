"""The 14 image operations of FixMatch's RandAugment, batched with one value per image.

Every operation takes ``x`` of shape ``(k, C, H, W)`` with values in [0, 1] and
``value`` of shape ``(k,)``, and returns a new tensor of the same shape. They
follow the PIL operations that FixMatch (Sohn et al. 2020, Table 12) and its
PyTorch ports use: enhance factors blend with a degenerate image (black for
brightness, grey for colour, the mean grey for contrast, a 3x3 smoothed image
for sharpness); geometric operations sample the nearest pixel and fill with 0;
shears and rotations turn about the image centre.
"""

from typing import NamedTuple

import torch
import torch.nn.functional as F

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment._base import _check_batch, _randint


def check_images(x, name, *, check_range=False):
    """Return ``x`` if it is a float image batch (in [0, 1] when ``check_range``)."""
    x = _check_batch(x, name, (4,), "(n, channels, height, width)")
    if check_range and x.numel() and bool((x.amin() < -1e-4) | (x.amax() > 1 + 1e-4)):
        raise SemiloopError(
            f"{name} takes images with values in [0, 1], got values in "
            f"[{float(x.amin()):.3g}, {float(x.amax()):.3g}]; divide 8-bit images by 255 and "
            "normalise (mean/std) after augmenting")
    return x


def _per_image(value, x):
    return value.to(x.dtype).view(-1, 1, 1, 1)


def _blend(degenerate, x, factor):
    """PIL's ``ImageEnhance``: ``degenerate + factor · (x - degenerate)``, clipped to [0, 1]."""
    return (degenerate + _per_image(factor, x) * (x - degenerate)).clamp(0.0, 1.0)


def _gray(x):
    """ITU-R 601-2 luma for RGB images (PIL's ``convert('L')``), the channel mean otherwise."""
    if x.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)
        return (x * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)
    return x.mean(1, keepdim=True)


def identity(x, value):
    return x


def auto_contrast(x, value):
    """Stretch each channel of each image so that its minimum is 0 and its maximum 1."""
    low = x.amin(dim=(2, 3), keepdim=True)
    span = x.amax(dim=(2, 3), keepdim=True) - low
    stretched = (x - low) / span.clamp_min(torch.finfo(x.dtype).tiny)
    return torch.where(span > 0, stretched, x)


def brightness(x, value):
    return _blend(torch.zeros_like(x), x, value)


def color(x, value):
    return _blend(_gray(x).expand_as(x), x, value)


def contrast(x, value):
    return _blend(_gray(x).mean(dim=(1, 2, 3), keepdim=True).expand_as(x), x, value)


def sharpness(x, value):
    """Blend with PIL's SMOOTH filter (kernel 1 1 1 / 1 5 1 / 1 1 1, over 13); borders kept."""
    k, c, h, w = x.shape
    if h < 3 or w < 3:
        return x.clone()
    kernel = torch.ones(1, 1, 3, 3, dtype=x.dtype, device=x.device)
    kernel[0, 0, 1, 1] = 5.0
    smooth = F.conv2d(x.reshape(k * c, 1, h, w), kernel / 13.0).reshape(k, c, h - 2, w - 2)
    degenerate = x.clone()
    degenerate[:, :, 1:-1, 1:-1] = smooth
    return _blend(degenerate, x, value)


def _levels(x):
    return (x * 255.0).round().clamp(0, 255)


def equalize(x, value):
    """PIL's ``ImageOps.equalize`` per channel of each image, on 256 grey levels.

    With the channel's histogram ``h``, ``step = (Σh - h[last non-empty level]) // 255``
    and level ``i`` maps to ``(step // 2 + Σ_{j<i} h[j]) // step``; a channel
    with ``step = 0`` (one or two levels) is left unchanged.
    """
    k, c, h, w = x.shape
    levels = _levels(x).long().reshape(k * c, h * w)
    histogram = torch.zeros(k * c, 256, dtype=torch.long, device=x.device)
    histogram.scatter_add_(1, levels, torch.ones_like(levels))
    last = 255 - (histogram > 0).flip(1).long().argmax(1, keepdim=True)
    step = (h * w - histogram.gather(1, last)) // 255
    before = histogram.cumsum(1) - histogram
    table = ((step // 2 + before) // step.clamp_min(1)).clamp(max=255)
    mapped = torch.where(step > 0, table.gather(1, levels), levels)
    return (mapped.to(x.dtype) / 255.0).reshape(x.shape)


def posterize(x, value):
    """Keep the ``round(value)`` most significant bits of each 8-bit level."""
    bits = value.round().clamp(1, 8)
    bucket = _per_image(2.0 ** (8 - bits), x)
    return (_levels(x) / bucket).floor() * bucket / 255.0


def solarize(x, value):
    """Invert (``1 - x``) every pixel at or above the threshold ``value`` in [0, 1]."""
    return torch.where(x < _per_image(value, x), x, 1.0 - x)


def _affine(x, a, b, c, d, shift_x, shift_y):
    """Read output pixel ``p`` at input ``[[a, b], [c, d]] p + shift``, in centred pixels."""
    h, w = x.shape[2:]
    # align_corners=False: normalised = 2 · centred / size, so rescale the matrix.
    theta = torch.stack([torch.stack([a, b * h / w, 2 * shift_x / w], dim=1),
                         torch.stack([c * w / h, d, 2 * shift_y / h], dim=1)], dim=1)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def rotate(x, value):
    """Rotate counter-clockwise by ``value`` degrees about the centre."""
    angle = torch.deg2rad(value.to(x.dtype))
    cos, sin, zero = angle.cos(), angle.sin(), torch.zeros_like(angle)
    return _affine(x, cos, -sin, sin, cos, zero, zero)


def shear_x(x, value):
    one, zero = torch.ones_like(value), torch.zeros_like(value)
    return _affine(x, one, value, zero, one, zero, zero)


def shear_y(x, value):
    one, zero = torch.ones_like(value), torch.zeros_like(value)
    return _affine(x, one, zero, value, one, zero, zero)


def translate_x(x, value):
    """Move the content left by ``value · W`` pixels (right if negative)."""
    one, zero = torch.ones_like(value), torch.zeros_like(value)
    return _affine(x, one, zero, zero, one, value * x.shape[3], zero)


def translate_y(x, value):
    one, zero = torch.ones_like(value), torch.zeros_like(value)
    return _affine(x, one, zero, zero, one, zero, value * x.shape[2])


class Op(NamedTuple):
    """An operation with its FixMatch range, from the ``mild`` end to the ``strong`` end."""

    name: str
    function: object
    mild: float
    strong: float
    signed: bool  # the range is [-strong, strong]


OPS = (
    Op("AutoContrast", auto_contrast, 0.0, 0.0, False),
    Op("Brightness", brightness, 0.95, 0.05, False),
    Op("Color", color, 0.95, 0.05, False),
    Op("Contrast", contrast, 0.95, 0.05, False),
    Op("Equalize", equalize, 0.0, 0.0, False),
    Op("Identity", identity, 0.0, 0.0, False),
    Op("Posterize", posterize, 8.0, 4.0, False),
    Op("Rotate", rotate, 0.0, 30.0, True),
    Op("Sharpness", sharpness, 0.95, 0.05, False),
    Op("ShearX", shear_x, 0.0, 0.3, True),
    Op("ShearY", shear_y, 0.0, 0.3, True),
    Op("Solarize", solarize, 1.0, 0.0, False),
    Op("TranslateX", translate_x, 0.0, 0.3, True),
    Op("TranslateY", translate_y, 0.0, 0.3, True),
)


def op_values(op_index, level, sign=None):
    """Map levels in [0, 1] to each drawn operation's value.

    With ``sign`` (RandAugment), level 0 is the mild end and 1 the strong end,
    and signed operations take ``sign · level · strong``. Without it
    (CTAugment), signed operations run over ``[-strong, strong]`` as the level
    goes from 0 to 1, so that the middle bin is the identity.
    """
    table = torch.tensor([[op.mild, op.strong, op.signed] for op in OPS], device=level.device)
    mild, strong, signed = table[op_index].unbind(-1)
    ranged = mild + level * (strong - mild)
    if sign is None:
        symmetric = (2 * level - 1) * strong
    else:
        symmetric = sign * level * strong
    return torch.where(signed.bool(), symmetric, ranged)


def apply_ops(x, op_index, values):
    """Apply ``OPS[op_index[i, s]]`` with ``values[i, s]`` to image ``i``, for s = 0, 1, ...

    Each slot sorts the batch by operation and runs each operation once on the
    contiguous sub-batch that drew it: one pass over the images per slot, with a
    single host synchronisation (the sub-batch sizes).
    """
    out = x
    for slot in range(op_index.shape[1]):
        choice = op_index[:, slot]
        order = torch.argsort(choice, stable=True)
        counts = torch.bincount(choice, minlength=len(OPS)).tolist()
        parts = zip(OPS, out[order].split(counts), values[order, slot].split(counts), strict=True)
        done = torch.cat([op.function(part, value) if part.shape[0] else part
                          for op, part, value in parts])
        out = torch.empty_like(done).index_copy_(0, order, done)
    return out


def box_mask(heights, widths, size, generator, device):
    """Boolean masks ``(n, H, W)`` of one box per image, centred on a uniform pixel.

    The box spans rows ``cy - heights // 2`` to ``cy - heights // 2 + heights``
    (excluded), clipped to the image, and likewise for columns.
    """
    height, width = size
    n = heights.shape[0]
    centre_y = _randint(0, height, (n,), generator, device)
    centre_x = _randint(0, width, (n,), generator, device)
    top, left = centre_y - heights // 2, centre_x - widths // 2
    rows = torch.arange(height, device=device)
    columns = torch.arange(width, device=device)
    inside_rows = (rows >= top[:, None]) & (rows < (top + heights)[:, None])
    inside_columns = (columns >= left[:, None]) & (columns < (left + widths)[:, None])
    return inside_rows[:, :, None] & inside_columns[:, None, :]


def cutout(x, sides, generator, fill):
    """Fill one square of side ``sides[i]`` pixels (clipped at the border) in image ``i``."""
    mask = box_mask(sides, sides, x.shape[2:], generator, x.device)
    return x.masked_fill(mask[:, None], fill)
