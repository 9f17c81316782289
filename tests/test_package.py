import importlib
import subprocess
import sys

import pytest

import semiloop

PACKAGES = ["semiloop", "semiloop.active", "semiloop.data", "semiloop.features",
            "semiloop.heuristics", "semiloop.loop", "semiloop.methods", "semiloop.monitor",
            "semiloop.report", "semiloop.trust"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_in_all_imports(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} needs a purpose docstring"
    for exported in module.__all__:
        assert getattr(module, exported) is not None


def test_import_semiloop_stays_light():
    code = ("import sys, semiloop; heavy = [m for m in ('torch', 'sklearn', 'pandas', 'fastapi', "
            "'matplotlib') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("module, not_loaded", [
    ("semiloop.thresholds", ("graph", "graph_sparse", "s3vm", "self_training", "auto")),
    ("semiloop.methods.graph", ("s3vm", "self_training", "auto", "guarded")),
    ("semiloop.guard", ("graph", "s3vm", "self_training", "guarded")),
    ("semiloop.registry", ("graph", "s3vm", "self_training", "auto", "recommended")),
])
def test_one_module_does_not_import_every_method(module, not_loaded):
    code = (f"import sys, {module}; "
            "print(','.join(m for m in sys.modules if m.startswith('semiloop.methods.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.rsplit(".", 1)[1] for name in out.stdout.strip().split(",") if name}
    assert not loaded & set(not_loaded), loaded


def test_unknown_attribute_says_so():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        semiloop.Nope  # noqa: B018
