"""Docstring defaults must match the signature: a hyperparameter is declared once."""

import ast
import inspect
import re
from importlib import import_module
from importlib.util import find_spec

import pytest

from semiloop.methods.graph import LabelSpreading
from semiloop.methods.guarded import GuardedClassifier
from semiloop.methods.s3vm import S3VM
from semiloop.methods.self_training import SelfTrainingClassifier
from semiloop.thresholds import AdaptiveThreshold, ClassConditionalThreshold

DOCUMENTED = [SelfTrainingClassifier, ClassConditionalThreshold, AdaptiveThreshold,
              LabelSpreading, GuardedClassifier, S3VM]
# The deep methods import torch; they are checked where it is installed.
DEEP = ["estimator:DeepSSLClassifier", "trainer:Trainer", "algorithms.base:Algorithm",
        "algorithms.pseudolabel:PseudoLabel", "algorithms.pimodel:PiModel",
        "algorithms.meanteacher:MeanTeacher", "algorithms.mixmatch:MixMatch",
        "algorithms.remixmatch:ReMixMatch", "algorithms.fixmatch:FixMatch",
        "algorithms.flexmatch:FlexMatch", "algorithms.freematch:FreeMatch",
        "algorithms.softmatch:SoftMatch", "trust:TrainingMonitor"]
if find_spec("torch") is not None:
    for _name in DEEP:
        _module, _class = _name.split(":")
        DOCUMENTED.append(getattr(import_module(f"semiloop.methods.deep.{_module}"), _class))
# "name : type, default=value", or "a, b : type, default=value" (both) or "default=1, 2" (each)
PATTERN = re.compile(r"^    (\w+(?:, \w+)*) : .*?default=(.+?)\s*$", re.MULTILINE)


def documented_defaults(docstring):
    documented = {}
    for names, default in PATTERN.findall(docstring.replace("\\\n", "")):
        names = names.split(", ")
        defaults = default.split(", ") if len(names) > 1 else [default]
        if len(defaults) != len(names):
            defaults = [default] * len(names)
        documented.update(zip(names, defaults, strict=True))
    return documented


def same_default(written, default):
    """The default as written (``0.0005``, or a literal of the same type and value: ``5e-4``)."""
    if written in (repr(default), str(default)):
        return True
    try:
        value = ast.literal_eval(written)
    except (ValueError, SyntaxError):
        return False
    return type(value) is type(default) and value == default


@pytest.mark.parametrize("cls", DOCUMENTED, ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_signature(cls):
    documented = documented_defaults(cls.__doc__)
    signature = inspect.signature(cls.__init__).parameters
    assert documented, f"{cls.__name__} documents no defaults"
    for name, parameter in signature.items():
        if name == "self" or parameter.default is inspect.Parameter.empty:
            continue
        assert name in documented, f"{cls.__name__}.{name} is not documented with its default"
        written = documented[name].replace('"', "'")
        assert same_default(written, parameter.default), (
            f"{cls.__name__}.{name}: docstring says {written}, signature {parameter.default!r}")


def test_grouped_names_share_or_split_their_defaults():
    docstring = """
    weak, strong : callable, default=None
    start, end : float, default=0.1, 0.6
    size : tuple, default=(1, 2)
    """
    assert documented_defaults(docstring) == {
        "weak": "None", "strong": "None", "start": "0.1", "end": "0.6", "size": "(1, 2)"}


def test_defaults_compare_as_literals_of_one_type():
    assert same_default("5e-4", 0.0005) and same_default("'sgd'", "sgd")
    assert not same_default("1", True) and not same_default("0", 0.0)
    assert not same_default("1/64", 1 / 64)
