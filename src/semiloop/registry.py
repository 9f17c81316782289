"""The one list of semiloop's method names: the command line, ``auto``, the demo and the
benchmarks read it, and nothing builds a method by hand.

Each entry names a factory by import path, so this module imports no method
(``import semiloop.registry`` stays light); the factories live in
:mod:`semiloop.methods.recommended`.

Examples
--------
>>> list(METHODS)[:4]
['auto', 'self-training', 'graph', 's3vm']
>>> [name for name, info in METHODS.items() if info.family == "deep"][:3]
['fixmatch', 'flexmatch', 'freematch']
>>> METHODS["graph"].candidate
True
>>> make_method("graph", "logreg").__class__.__name__
'GuardedClassifier'
"""

from dataclasses import dataclass
from importlib import import_module

from semiloop.errors import SemiloopError

__all__ = ["CANDIDATES", "DEEP_METHODS", "METHODS", "MethodInfo", "make_candidate",
           "make_method"]


@dataclass(frozen=True)
class MethodInfo:
    """One method: its name, a sentence on it, and where its factories live.

    Attributes
    ----------
    name : str
    summary : str
        One line for ``--help`` and reports.
    factory : str
        ``"module:function"`` building the guarded method around a supervised
        base: ``function(base, *, random_state, **options)``.
    candidate_factory : str or None
        ``"module:function"`` building the bare method that ``auto`` scores
        beside the others (``function(base, *, random_state)``), or None when
        the method is not one of ``auto``'s candidates.
    max_classes : int or None
        ``auto`` leaves the method out above this many classes (None: no limit).
    family : {'classic', 'deep'}
        ``'deep'`` methods train a neural network (PyTorch, the ``deep`` extra).
    factory_options : tuple of (name, value) pairs
        Passed to the factory (the deep methods share one factory and name
        their algorithm here).
    """

    name: str
    summary: str
    factory: str
    candidate_factory: str | None = None
    max_classes: int | None = None
    family: str = "classic"
    factory_options: tuple = ()

    @property
    def candidate(self):
        return self.candidate_factory is not None


_RECOMMENDED = "semiloop.methods.recommended"

METHODS = {
    **{info.name: info for info in (
        MethodInfo("auto", "scores self-training, the graph method and the S3VM beside the "
                   "supervised model on the same held-out labeled rows and keeps the best "
                   "one that clearly wins", f"{_RECOMMENDED}:auto"),
        MethodInfo("self-training", "calibrated, class-balanced self-training around the base "
                   "classifier, each round kept only where it helps",
                   f"{_RECOMMENDED}:self_training", f"{_RECOMMENDED}:self_training"),
        MethodInfo("graph", "label spreading on a kNN graph of the standardised features, "
                   "kept only where it beats the base classifier", f"{_RECOMMENDED}:graph",
                   f"{_RECOMMENDED}:graph_model"),
        # One binary problem per class: on letter (26 classes) the S3VM took 295 s of auto's
        # 318 s and lost 9 points to its supervised part; see benchmarks/README.md.
        MethodInfo("s3vm", "semi-supervised SVM (QN-S3VM, rbf kernel approximation), kept "
                   "only where it beats the base classifier", f"{_RECOMMENDED}:s3vm",
                   f"{_RECOMMENDED}:s3vm_model", max_classes=10),
    )},
    **{name: MethodInfo(name, summary + "; a deep network, kept only where it beats the base "
                        "classifier on held-out labeled rows", f"{_RECOMMENDED}:deep",
                        family="deep", factory_options=(("algorithm", name),))
       for name, summary in (
           ("fixmatch", "FixMatch (Sohn et al. 2020): confident weak-view pseudo-labels train "
                        "the strong view"),
           ("flexmatch", "FlexMatch (Zhang et al. 2021): FixMatch with class-wise curriculum "
                         "thresholds"),
           ("freematch", "FreeMatch (Wang et al. 2023): self-adaptive thresholds and a "
                         "fairness term"),
           ("softmatch", "SoftMatch (Chen et al. 2023): uniform alignment and Gaussian "
                         "weights"),
           ("mixmatch", "MixMatch (Berthelot et al. 2019): sharpened guesses and MixUp"),
           ("remixmatch", "ReMixMatch (Berthelot et al. 2020): distribution alignment and "
                          "augmentation anchoring"),
           ("meanteacher", "Mean Teacher (Tarvainen & Valpola 2017): an EMA teacher's "
                           "consistency"),
           ("pimodel", "Pi-model (Laine & Aila 2017): two noisy views must agree"),
           ("pseudolabel", "Pseudo-Label (Lee 2013): the network's own hard predictions"),
       )},
}

#: The deep methods' names, in the order of :data:`METHODS`.
DEEP_METHODS = tuple(name for name, info in METHODS.items() if info.family == "deep")

CANDIDATES = tuple(name for name, info in METHODS.items() if info.candidate)


def _info(name):
    try:
        return METHODS[name]
    except KeyError:
        raise SemiloopError(
            f"method {name!r} is not known; use one of {', '.join(METHODS)}") from None


def _load(path):
    module, function = path.split(":")
    return getattr(import_module(module), function)


def _base(model, random_state):
    if isinstance(model, str):
        from semiloop.base_models import make_base_model

        return make_base_model(model, random_state=random_state)
    return model


def make_method(name, model="logreg", *, random_state=0, **options):
    """Build method ``name`` around the base classifier ``model``.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.
    model : str or estimator, default="logreg"
        A name from :data:`semiloop.base_models.BASE_MODELS` or an unfitted
        classifier: the supervised fallback, and self-training's base.
    random_state : int, default=0
    **options
        Parameters of the estimator the factory builds.

    Raises
    ------
    SemiloopError
        For an unknown name or model name.
    """
    info = _info(name)
    return _load(info.factory)(_base(model, random_state), random_state=random_state,
                               **dict(info.factory_options), **options)


def make_candidate(name, model="logreg", *, random_state=0):
    """Build the bare method ``name`` as ``auto`` scores it (no guard of its own)."""
    info = _info(name)
    if not info.candidate:
        raise SemiloopError(f"method {name!r} is not a candidate of auto; use one of "
                            f"{', '.join(CANDIDATES)}")
    return _load(info.candidate_factory)(_base(model, random_state), random_state=random_state)
