"""Batched image augmentations: FixMatch's weak and strong views.

A batch has shape ``(n, C, H, W)``, floats in [0, 1], *before* any mean/std
normalisation: the colour operations (posterize, solarize, equalize, ...) are
defined on 8-bit intensities, so normalise after augmenting (for example in
the network's first layer). Sizes are pixels (an int) or fractions of the side
(a float in (0, 1)).

Examples
--------
>>> import torch
>>> weak, strong = image_views()
>>> x = torch.rand(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))
>>> y = strong(x, torch.Generator().manual_seed(1))
>>> y.shape, bool(((y >= 0) & (y <= 1)).all())
(torch.Size([4, 3, 8, 8]), True)
"""

from dataclasses import KW_ONLY, dataclass

import torch
import torch.nn.functional as F

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment import _image_ops
from semiloop.methods.deep.augment._base import (
    Compose,
    _check_range,
    _length,
    _randint,
    _uniform,
)
from semiloop.methods.deep.augment._image_ops import check_images as _images

__all__ = ["Cutout", "RandAugment", "RandomCropWithPadding", "RandomHorizontalFlip",
           "image_views"]

_PAD_MODES = {"reflect": "reflect", "zeros": "constant", "replicate": "replicate"}


@dataclass
class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p``.

    Parameters
    ----------
    p : float, default=0.5
        Probability in [0, 1] that an image is flipped.

    Examples
    --------
    >>> x = torch.arange(3.0).view(1, 1, 1, 3)
    >>> RandomHorizontalFlip(1.0)(x).flatten().tolist()
    [2.0, 1.0, 0.0]
    """

    p: float = 0.5

    def __call__(self, x, generator=None):
        x = _images(x, "RandomHorizontalFlip")
        _check_range("p", self.p, 0.0, 1.0)
        flip = _uniform(x.shape[0], generator, x.device) < self.p
        return torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)


@dataclass
class RandomCropWithPadding:
    """Pad each image, then crop it back at a random offset: a per-image translation.

    With FixMatch's weak view (Sohn et al. 2020, Sec. 2.3: flip, then translate
    by up to 12.5% of the side), ``padding=0.125`` pads 4 pixels of a 32×32
    image and each image moves by its own ``(dy, dx)`` in ``[-4, 4]²``.

    Parameters
    ----------
    padding : int or float
        Pixels padded on every side, or a fraction of the height and the width
        if a float in (0, 1).
    mode : {'reflect', 'zeros', 'replicate'}, default='reflect'
        How the padding is filled; ``'reflect'`` needs ``padding < min(H, W)``.

    Examples
    --------
    >>> x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    >>> RandomCropWithPadding(0.125)(x, torch.Generator().manual_seed(0)).shape
    torch.Size([2, 3, 32, 32])
    """

    padding: int
    _: KW_ONLY
    mode: str = "reflect"

    def __call__(self, x, generator=None):
        x = _images(x, "RandomCropWithPadding")
        if self.mode not in _PAD_MODES:
            raise SemiloopError(f"mode={self.mode!r} is not known; pass one of "
                                f"{sorted(_PAD_MODES)}")
        n, c, h, w = x.shape
        pad_h, pad_w = _length(self.padding, h, "padding"), _length(self.padding, w, "padding")
        if self.mode == "reflect" and (pad_h >= h or pad_w >= w):
            raise SemiloopError(f"padding={self.padding!r} is too large for reflecting "
                                f"{h}x{w} images; pass padding < {min(h, w)} or mode='zeros'")
        padded = F.pad(x, (pad_w, pad_w, pad_h, pad_h), mode=_PAD_MODES[self.mode])
        top = _randint(0, 2 * pad_h + 1, (n, 1), generator, x.device)
        left = _randint(0, 2 * pad_w + 1, (n, 1), generator, x.device)
        rows = (top + torch.arange(h, device=x.device))[:, None, :, None]
        columns = (left + torch.arange(w, device=x.device))[:, None, None, :]
        cropped = torch.gather(padded, 2, rows.expand(n, c, h, w + 2 * pad_w))
        return torch.gather(cropped, 3, columns.expand(n, c, h, w))


@dataclass
class Cutout:
    """Fill one square per image with a constant (DeVries and Taylor 2017).

    The square's centre is a uniform pixel; the square is clipped at the border,
    so near an edge less than ``size²`` pixels are filled.

    Parameters
    ----------
    size : int or float
        Side in pixels, or a fraction of ``min(H, W)`` if a float in (0, 1).
    fill : float, default=0.5
        Value written in the square, grey as in FixMatch (127/255 ≈ 0.5).

    Examples
    --------
    >>> y = Cutout(2)(torch.ones(1, 1, 6, 6), torch.Generator().manual_seed(0))
    >>> int((y == 0.5).sum()) <= 4
    True
    """

    size: int
    _: KW_ONLY
    fill: float = 0.5

    def __call__(self, x, generator=None):
        x = _images(x, "Cutout")
        side = _length(self.size, min(x.shape[2:]), "size")
        sides = torch.full((x.shape[0],), side, dtype=torch.long, device=x.device)
        return _image_ops.cutout(x, sides, generator, self.fill)


@dataclass
class RandAugment:
    """FixMatch's RandAugment: ``n_ops`` random operations per image, then Cutout.

    Each image draws ``n_ops`` operations uniformly (with replacement) from the
    14 of Sohn et al. (2020), Appendix, Table 12: AutoContrast, Brightness,
    Color, Contrast, Equalize, Identity, Posterize, Rotate, Sharpness, ShearX,
    ShearY, Solarize, TranslateX, TranslateY. With ``magnitude=None`` each
    operation's value is uniform over its range, per operation and per image:

    ==========================  ====================  =========================
    operation                   range                 meaning
    ==========================  ====================  =========================
    Brightness, Color,          factor in [0.05,      PIL enhance factor
    Contrast, Sharpness         0.95]                 (1 = unchanged)
    Posterize                   bits in [4, 8]        rounded
    Rotate                      [-30, 30] degrees
    ShearX, ShearY              [-0.3, 0.3]
    Solarize                    threshold in [0, 1]   pixels >= it are inverted
    TranslateX, TranslateY      [-0.3, 0.3] of side
    ==========================  ====================  =========================

    Then a grey (0.5) square of side ``U(0, cutout) · min(H, W)`` is cut out.

    Parameters
    ----------
    n_ops : int, default=2
        Operations per image.
    magnitude : float, default=None
        None for FixMatch's random magnitudes. A float in [0, 1] fixes every
        operation's strength as in the original RandAugment (Cubuk et al.
        2020): 0 is the mild end of each range (factor 0.95, 8 bits, threshold
        1, no rotation, shear or translation) and 1 the strong end; signed
        operations take a random sign. ``magnitude=1`` with random signs spans
        the same extremes as FixMatch's ranges.
    cutout : float, default=0.5
        Largest Cutout side as a fraction of ``min(H, W)``; 0 disables it.

    Notes
    -----
    The batch is sorted by the operation each image drew and every operation
    runs once on its sub-batch: this costs one pass over the images per slot,
    where masking would run all 14 operations on the whole batch (14 passes).

    Raises
    ------
    SemiloopError
        If the images are outside [0, 1] or a parameter is out of range.

    Examples
    --------
    >>> x = torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    >>> a = RandAugment()(x, torch.Generator().manual_seed(1))
    >>> b = RandAugment()(x, torch.Generator().manual_seed(1))
    >>> bool(torch.equal(a, b)), bool(((a >= 0) & (a <= 1)).all())
    (True, True)
    """

    n_ops: int = 2
    _: KW_ONLY
    magnitude: float | None = None
    cutout: float = 0.5

    def __call__(self, x, generator=None):
        x = _images(x, "RandAugment", check_range=True)
        _check_range("n_ops", self.n_ops, 0, None)
        _check_range("cutout", self.cutout, 0.0, 1.0)
        n, depth = x.shape[0], int(self.n_ops)
        op_index = _randint(0, len(_image_ops.OPS), (n, depth), generator, x.device)
        level = _uniform((n, depth), generator, x.device)
        if self.magnitude is not None:
            _check_range("magnitude", self.magnitude, 0.0, 1.0)
            level = torch.full_like(level, float(self.magnitude))
        sign = torch.where(_uniform((n, depth), generator, x.device) < 0.5, -1.0, 1.0)
        values = _image_ops.op_values(op_index, level, sign)
        out = _image_ops.apply_ops(x, op_index, values) if depth else x.clone()
        if self.cutout > 0:
            fraction = self.cutout * _uniform(n, generator, x.device)
            sides = (fraction * min(x.shape[2:])).round().long()
            out = _image_ops.cutout(out, sides, generator, 0.5)
        return out


def image_views(X=None):
    """FixMatch's weak and strong views of images (Sohn et al. 2020, Sec. 2.3, 4).

    weak
        ``RandomHorizontalFlip(0.5)``, then ``RandomCropWithPadding(0.125)``
        (reflect padding, translation by up to 12.5% of the side).
    strong
        weak, then ``RandAugment(2)`` with random magnitudes, ending in Cutout.

    Parameters
    ----------
    X : Tensor of shape (n, C, H, W), default=None
        Optional training images, only checked to be 4-D floats in [0, 1].

    Returns
    -------
    weak, strong : Compose

    Raises
    ------
    SemiloopError
        If ``X`` is given and is not a batch of images in [0, 1].

    Examples
    --------
    >>> weak, strong = image_views()
    >>> weak
    Compose(transforms=[RandomHorizontalFlip(p=0.5), RandomCropWithPadding(padding=0.125, \
mode='reflect')])
    """
    if X is not None:
        _images(torch.as_tensor(X), "image_views", check_range=True)
    weak = [RandomHorizontalFlip(0.5), RandomCropWithPadding(0.125, mode="reflect")]
    strong = [*weak, RandAugment(2, magnitude=None, cutout=0.5)]
    return Compose(weak), Compose(strong)
