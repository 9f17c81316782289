"""The heuristics package: every exported name imports, it stays out of `import semiloop`."""

import ast
import importlib
import inspect
import re
import subprocess
import sys

import pytest

from semiloop.heuristics import DawidSkene, RegexRule

MODULES = ["semiloop.heuristics", "semiloop.heuristics.functions", "semiloop.heuristics.rules",
           "semiloop.heuristics.config", "semiloop.heuristics.analysis",
           "semiloop.heuristics.majority", "semiloop.heuristics.label_model",
           "semiloop.heuristics.seeds"]


@pytest.mark.parametrize("name", MODULES)
def test_every_name_in_all_imports(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} needs a purpose docstring"
    for exported in module.__all__:
        assert getattr(module, exported) is not None


def test_import_semiloop_does_not_import_heuristics():
    code = "import sys, semiloop; print('semiloop.heuristics' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("cls", [DawidSkene, RegexRule], ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_the_signature(cls):
    documented = dict(re.findall(r"^    (\w+) : .*?default=(.+?)\s*$", cls.__doc__, re.MULTILINE))
    for name, parameter in inspect.signature(cls).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            written = ast.literal_eval(documented[name])
            assert type(written) is type(parameter.default), name
            assert written == parameter.default, name
