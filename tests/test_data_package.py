"""semiloop.data exports what its __all__ lists, and stays light to import."""

import subprocess
import sys

import semiloop.data


def test_every_listed_name_is_importable():
    for name in semiloop.data.__all__:
        assert getattr(semiloop.data, name) is not None
    assert {"Dataset", "load_dataset", "read_table", "encode_labels",
            "unlabeled_mask", "check_labels", "placeholder_classes"} == set(semiloop.data.__all__)


def test_import_does_not_load_torch():
    code = "import sys, semiloop.data; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
