"""DeepSSLClassifier: scikit-learn's contract, every label marker, modalities, save and load."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402

from semiloop import DeepSSLClassifier  # noqa: E402
from semiloop.errors import DataError, ModelFileError  # noqa: E402

FAST = {"steps": 40, "batch_size": 4, "unlabeled_ratio": 2}


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0, 1, (n, 2)) + np.c_[y * 6.0 - 3, np.zeros(n)] + 50  # far from 0
    labeled = np.r_[np.flatnonzero(y == 0)[:6], np.flatnonzero(y == 1)[:6]]
    return X, y, labeled


@pytest.mark.parametrize("marker", [-1, np.nan, None, "", "-1"])
def test_every_unlabeled_marker_and_string_classes(marker):
    X, y, labeled = blobs()
    names = np.array(["cat", "dog"], dtype=object)[y]
    partial = np.full(len(y), marker, dtype=object)
    partial[labeled] = names[labeled]
    if marker is np.nan:
        partial = partial.astype(object)
    model = DeepSSLClassifier("fixmatch", **FAST).fit(X, partial)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert (model.predict(X) == names).mean() > 0.9
    assert model.transduction_[labeled].tolist() == names[labeled].tolist()
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(1), 1)


def test_clone_params_and_same_seed_same_predictions():
    X, y, labeled = blobs()
    partial = np.full(len(y), -1)
    partial[labeled] = y[labeled]
    model = DeepSSLClassifier("softmatch", algorithm_options={"n_sigma": 2.0}, **FAST)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    a = model.fit(X, partial).predict_proba(X)
    b = twin.fit(X, partial).predict_proba(X)
    assert np.array_equal(a, b)
    c = clone(model).set_params(random_state=3).fit(X, partial).predict_proba(X)
    assert not np.array_equal(a, c)


def test_class_prior_reaches_the_algorithm_and_the_saved_file(tmp_path, monkeypatch):
    import semiloop.methods.deep.trainer as trainer_module
    from semiloop.methods.class_prior import resolve_class_prior

    seen = []
    original = trainer_module.StepContext

    def spy(*args, **kwargs):
        seen.append(args[6].tolist())  # the prior every step's losses see
        return original(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "StepContext", spy)
    X, y, labeled = blobs()
    partial = np.full(len(y), -1)
    partial[labeled] = y[labeled]
    model = DeepSSLClassifier("remixmatch", class_prior=np.array([0.7, 0.3]), **FAST)
    model.fit(X, partial)
    np.testing.assert_allclose(model.class_prior_, [0.7, 0.3])
    assert all(np.allclose(prior, [0.7, 0.3]) for prior in seen) and len(seen) == FAST["steps"]
    model.save(tmp_path / "model.pt")
    loaded = DeepSSLClassifier.load(tmp_path / "model.pt")
    np.testing.assert_allclose(loaded.class_prior_, [0.7, 0.3])
    assert loaded.get_params()["class_prior"] == [0.7, 0.3]
    seen.clear()
    predicted = DeepSSLClassifier("remixmatch", class_prior="predicted", **FAST).fit(X, partial)
    standardised = (X - predicted.feature_mean_) / predicted.feature_scale_
    expected = resolve_class_prior("predicted", standardised, partial, 2)
    np.testing.assert_allclose(predicted.class_prior_, expected, rtol=1e-5)
    assert np.allclose(seen[0], expected, atol=1e-6)
    labeled_share = DeepSSLClassifier("fixmatch", **FAST).fit(X, partial).class_prior_
    np.testing.assert_allclose(labeled_share, [0.5, 0.5])


def test_save_and_load_without_pickle(tmp_path):
    X, y, labeled = blobs()
    partial = np.full(len(y), -1)
    partial[labeled] = y[labeled] + 10
    model = DeepSSLClassifier("flexmatch", **FAST).fit(X, partial)
    path = tmp_path / "model.pt"
    model.save(path)
    # the file loads with torch's weights-only loader: tensors and JSON, no objects
    content = torch.load(path, weights_only=True)
    assert set(content) == {"config", "state_dict"}
    loaded = DeepSSLClassifier.load(path)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.classes_.tolist() == [10, 11]
    assert [r.step for r in loaded.history_] == [r.step for r in model.history_]
    assert not list(tmp_path.glob("*.part"))
    with pytest.raises(ModelFileError, match="no model file"):
        DeepSSLClassifier.load(tmp_path / "missing.pt")
    (tmp_path / "other.pt").write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="is not a semiloop deep model"):
        DeepSSLClassifier.load(tmp_path / "other.pt")


def test_pickle_and_skops_store_plain_data(tmp_path):
    import pickle

    from semiloop.persistence import load_model, save_model

    X, y, labeled = blobs()
    partial = np.full(len(y), -1)
    partial[labeled] = y[labeled]
    model = DeepSSLClassifier("fixmatch", **FAST).fit(X, partial)
    assert not any("torch" in type(v).__module__ for v in model.__getstate__().values())
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    save_model(model, tmp_path / "model.skops")
    loaded = load_model(tmp_path / "model.skops")
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_signals_in_two_and_three_dimensions():
    rng = np.random.default_rng(0)
    n, length = 80, 24
    y = np.arange(n) % 2
    t = np.linspace(0, 1, length)
    X = np.sin(2 * np.pi * (2 + 4 * y)[:, None] * t) + 0.1 * rng.normal(size=(n, length))
    partial = np.full(n, -1)
    partial[:6] = y[:6]
    flat = DeepSSLClassifier("fixmatch", modality="signal", **FAST).fit(X, partial)
    assert flat.modality_ == "signal" and flat.backbone_config_["name"] == "cnn1d"
    channels = DeepSSLClassifier("fixmatch", **FAST).fit(X[:, None, :], partial)
    assert channels.modality_ == "signal"
    assert channels.predict(X[:, None, :]).shape == (n,)


def test_validation_fraction_keeps_a_checkpoint_and_truth_is_monitored():
    X, y, _ = blobs(200)
    partial = np.full(len(y), -1)
    partial[:40] = y[:40]
    model = DeepSSLClassifier("freematch", validation_fraction=0.25, eval_every=10,
                              **FAST).fit(X, partial, unlabeled_truth=y)
    assert model.best_step_ in {10, 20, 30, 40}
    assert any(r.validation_accuracy is not None for r in model.history_)
    assert any(r.pseudo_label_accuracy is not None for r in model.history_)


def test_errors_name_the_problem_and_the_fix():
    X, y, labeled = blobs()
    partial = np.full(len(y), -1)
    partial[labeled] = y[labeled]
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="NaN or infinite"):
        DeepSSLClassifier(**FAST).fit(bad, partial)
    model = DeepSSLClassifier("fixmatch", **FAST).fit(X, partial)
    with pytest.raises(DataError, match="rows of shape"):
        model.predict(X[:, :1])
    with pytest.raises(ValueError, match="is not known; use one of"):
        DeepSSLClassifier("fixmach", **FAST).fit(X, partial)
    only_one = np.full(len(y), -1)
    only_one[:3] = 0
    with pytest.raises(DataError):
        DeepSSLClassifier(**FAST).fit(X, only_one)


def test_import_semiloop_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, semiloop; semiloop.SelfTrainingClassifier; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_the_guarded_network_reports_its_steps_and_the_model_file_keeps_no_callback():
    import pandas as pd

    from semiloop.callbacks import Callback
    from semiloop.workflow import train_table

    class Steps(Callback):
        def __init__(self):
            self.seen = []

        def on_progress(self, estimator, *, stage, done, total):
            self.seen.append((stage, done, total))

    X, y, labeled = blobs(80)
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["label"] = np.where(np.isin(np.arange(len(y)), labeled), y, -1)
    steps = Steps()
    result = train_table(frame, "label", method="fixmatch", callbacks=[steps],
                         method_options={"steps": 6, "device": "cpu"})
    trained = [s for s in steps.seen if s[0] == "fixmatch training steps"]
    assert trained[-1][1:] == (6, 6)          # the held-out fit told the caller, step by step
    guarded = result.model.pipeline.named_steps["ssl"]
    assert guarded.callbacks is None and guarded.method.callbacks is None
