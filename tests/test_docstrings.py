"""Docstring defaults must match the signature: a hyperparameter is declared once."""

import inspect
import re

import pytest

from semiloop.methods.graph import LabelSpreading
from semiloop.methods.guarded import GuardedClassifier
from semiloop.methods.s3vm import S3VM
from semiloop.methods.self_training import SelfTrainingClassifier
from semiloop.thresholds import AdaptiveThreshold, ClassConditionalThreshold

DOCUMENTED = [SelfTrainingClassifier, ClassConditionalThreshold, AdaptiveThreshold,
              LabelSpreading, GuardedClassifier, S3VM]
PATTERN = re.compile(r"^    (\w+) : .*?default=(.+?)\s*$", re.MULTILINE)


@pytest.mark.parametrize("cls", DOCUMENTED, ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_signature(cls):
    documented = dict(PATTERN.findall(cls.__doc__.replace("\\\n", "")))
    signature = inspect.signature(cls.__init__).parameters
    assert documented, f"{cls.__name__} documents no defaults"
    for name, parameter in signature.items():
        if name == "self" or parameter.default is inspect.Parameter.empty:
            continue
        assert name in documented, f"{cls.__name__}.{name} is not documented with its default"
        written = documented[name].replace('"', "'")
        assert written in (repr(parameter.default), str(parameter.default)), (
            f"{cls.__name__}.{name}: docstring says {written}, signature {parameter.default!r}")
