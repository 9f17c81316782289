"""semiloop.features exports what its __all__ lists, and stays light to import."""

import subprocess
import sys

import semiloop
import semiloop.features


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
