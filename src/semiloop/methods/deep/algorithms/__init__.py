"""The published deep SSL algorithms, one short file each, and the one table of their names.

=============  =====================================  ==========================
name           paper                                  made of
=============  =====================================  ==========================
supervised     (baseline: the labeled rows only)      cross-entropy
pseudolabel    Lee 2013                               own hard label, ramped weight
pimodel        Laine & Aila 2017                      two noisy views, MSE
meanteacher    Tarvainen & Valpola 2017               EMA teacher, MSE
mixmatch       Berthelot et al. 2019                  K-view guess, sharpen, MixUp
remixmatch     Berthelot et al. 2020                  alignment, anchoring, MixUp
fixmatch       Sohn et al. 2020                       weak → strong, fixed threshold
flexmatch      Zhang et al. 2021                      + class-wise curriculum thresholds
freematch      Wang et al. 2023                       + self-adaptive thresholds, fairness
softmatch      Chen et al. 2023                       + uniform alignment, Gaussian weight
=============  =====================================  ==========================

Examples
--------
>>> make_algorithm("flexmatch", threshold=0.9).get_config()
{'threshold': 0.9, 'warmup': True, 'mapping': 'convex', 'unlabeled_weight': 1.0}
"""

from importlib import import_module

from semiloop.errors import SemiloopError

__all__ = ["ALGORITHMS", "make_algorithm"]

_MODULE = "semiloop.methods.deep.algorithms"

#: name -> "module:class", in the order of the table above.
ALGORITHMS = {
    "supervised": f"{_MODULE}.supervised:Supervised",
    "pseudolabel": f"{_MODULE}.pseudolabel:PseudoLabel",
    "pimodel": f"{_MODULE}.pimodel:PiModel",
    "meanteacher": f"{_MODULE}.meanteacher:MeanTeacher",
    "mixmatch": f"{_MODULE}.mixmatch:MixMatch",
    "remixmatch": f"{_MODULE}.remixmatch:ReMixMatch",
    "fixmatch": f"{_MODULE}.fixmatch:FixMatch",
    "flexmatch": f"{_MODULE}.flexmatch:FlexMatch",
    "freematch": f"{_MODULE}.freematch:FreeMatch",
    "softmatch": f"{_MODULE}.softmatch:SoftMatch",
}


def make_algorithm(name, **options):
    """Build the algorithm ``name`` (a key of :data:`ALGORITHMS`) with ``options``.

    Raises
    ------
    SemiloopError
        For an unknown name, or an option the algorithm does not take (the
        message lists the names, or the algorithm's options).

    Examples
    --------
    >>> algorithm = make_algorithm("flexmatch", threshold=0.9)
    >>> algorithm.name, algorithm.threshold, algorithm.views, algorithm.unlabeled_ratio
    ('flexmatch', 0.9, ('weak', 'strong'), 7)
    >>> make_algorithm("fixmatsh")
    Traceback (most recent call last):
    ...
    semiloop.errors.SemiloopError: deep algorithm 'fixmatsh' is not known; use one of ...
    >>> try:
    ...     make_algorithm("fixmatch", temperature=0.5)
    ... except SemiloopError as error:
    ...     print(error)
    fixmatch does not take 'temperature'; its options are threshold, unlabeled_weight
    """
    if name not in ALGORITHMS:
        raise SemiloopError(f"deep algorithm {name!r} is not known; use one of "
                            f"{', '.join(ALGORITHMS)}")
    module, klass = ALGORITHMS[name].split(":")
    cls = getattr(import_module(module), klass)
    import inspect

    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise SemiloopError(f"{name} does not take {', '.join(map(repr, unknown))}; its options "
                            f"are {', '.join(accepted) or 'none'}")
    return cls(**options)
