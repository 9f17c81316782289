import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from semiloop.errors import ModelFileError
from semiloop.persistence import load_model, save_model
from semiloop.workflow import predict_table, train_table


class Gadget:
    """A type that no allow-list knows: defined here, in the test module."""

    def __init__(self, value=1):
        self.value = value


def _small_model():
    return LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])


def test_table_model_with_text_columns_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "x": np.r_[rng.normal(-2, 1, 40), rng.normal(2, 1, 40)],
        "colour": rng.choice(["red", "blue"], 80),
        "label": ["a"] * 40 + ["b"] * 40,
    })
    frame.loc[rng.random(80) < 0.7, "label"] = None
    model = train_table(frame, "label").model
    path = tmp_path / "model.skops"
    save_model(model, path)
    loaded = load_model(path)
    pd.testing.assert_frame_equal(predict_table(loaded, frame), predict_table(model, frame))


def test_untrusted_type_is_refused_and_named(tmp_path):
    path = tmp_path / "gadget.skops"
    skops.io.dump({"model": _small_model(), "extra": Gadget()}, path)
    name = f"{__name__}.Gadget"
    with pytest.raises(ModelFileError, match=r"does not trust.*Gadget"):
        load_model(path)
    loaded = load_model(path, trusted=[name])
    assert loaded["extra"].value == 1


def test_builtin_functions_are_not_trusted(tmp_path):
    # A trusted scikit-learn transformer that would call eval() on its input.
    path = tmp_path / "eval.skops"
    skops.io.dump(FunctionTransformer(func=eval), path)
    with pytest.raises(ModelFileError, match=r"builtins\.eval"):
        load_model(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04broken"])
def test_corrupt_file_gives_model_file_error(tmp_path, content):
    path = tmp_path / "model.skops"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not a semiloop model file"):
        load_model(path)


def test_truncated_model_file_gives_model_file_error(tmp_path):
    path = tmp_path / "model.skops"
    save_model(_small_model(), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError):
        load_model(path)


def test_missing_file_says_where_models_come_from(tmp_path):
    with pytest.raises(ModelFileError, match="semiloop train"):
        load_model(tmp_path / "absent.skops")


def test_failed_save_leaves_nothing_behind(tmp_path):
    class Unsaveable:
        def __reduce__(self):
            raise TypeError("cannot be saved")

    path = tmp_path / "model.skops"
    with pytest.raises(TypeError):
        save_model({"bad": Unsaveable()}, path)
    assert list(tmp_path.iterdir()) == []


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "model.skops"
    path.write_text("old")
    save_model(_small_model(), path)
    assert load_model(path).predict([[3.0]]).tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["model.skops"]
