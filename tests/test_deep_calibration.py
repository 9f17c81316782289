"""Deep training's calibration: ECE before and after a temperature at each evaluation."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from semiloop import DeepSSLClassifier  # noqa: E402
from semiloop.methods.calibration import (  # noqa: E402
    apply_temperature,
    expected_calibration_error,
    fit_temperature,
)
from semiloop.methods.deep.algorithms import make_algorithm  # noqa: E402
from semiloop.methods.deep.trainer import Trainer  # noqa: E402

FAST = {"steps": 40, "batch_size": 4, "unlabeled_ratio": 2, "eval_every": 10}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Scaled(torch.nn.Module):
    """Logits ``scale * x`` whatever it is trained on: its one parameter gets no gradient."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale
        self.offset = torch.nn.Parameter(torch.zeros(2))

    def forward(self, x):
        return self.scale * x + 0 * self.offset


def overconfident_rows(n=200, seed=0):
    """Rows near one of two corners, their logits ``10 x`` sure; one label in five is the other."""
    g = torch.Generator().manual_seed(seed)
    corner = torch.arange(n) % 2
    x = torch.nn.functional.one_hot(corner, 2).float() * (0.5 + torch.rand(n, 1, generator=g))
    flipped = torch.rand(n, generator=g) < 0.2
    return x, torch.where(flipped, 1 - corner, corner)


def scaled_run(scale=10.0, *, calibrate=True, truthful=False):
    x, y = overconfident_rows()
    if truthful:
        y = x.argmax(dim=1)
    trainer = Trainer(Scaled(scale), make_algorithm("supervised"), steps=6, batch_size=4,
                      eval_every=2, log_every=6, seed=0, device="cpu", calibrate=calibrate)
    return trainer.fit(x[:20], y[:20], x[:0], x_validation=x[20:], y_validation=y[20:]), x, y


def test_each_evaluation_records_what_the_calibration_functions_give():
    result, x, y = scaled_run()
    # the network never changes: at every evaluation its probabilities are softmax(10 x)
    proba = (10.0 * x[20:]).double().softmax(dim=-1).numpy()
    truth = y[20:].numpy()
    temperature = fit_temperature(proba, truth)
    expected = {"validation_accuracy": float((proba.argmax(1) == truth).mean()),
                "calibration_error_raw": round(expected_calibration_error(truth, proba), 6),
                "calibration_error": round(expected_calibration_error(
                    truth, apply_temperature(proba, temperature)), 6),
                "temperature": round(temperature, 4)}
    assert [r.step for r in result.history] == [2, 4, 6]
    for record in result.history:
        assert {key: getattr(record, key) for key in expected} == expected
    # over-confident (sure of every row, right on 4 in 5): softened, and better calibrated
    assert expected["temperature"] > 1
    assert expected["calibration_error"] < expected["calibration_error_raw"] / 3
    assert result.temperature == temperature   # the kept checkpoint's, unrounded

    uncalibrated, _, _ = scaled_run(calibrate=False)
    record = uncalibrated.history[-1]
    assert record.calibration_error_raw == expected["calibration_error_raw"]
    assert (record.calibration_error, record.temperature, uncalibrated.temperature) == (
        None, None, 1.0)

    # no mistake to learn from: no temperature (the likelihood would push it to 0.05)
    perfect, _, _ = scaled_run(truthful=True)
    record = perfect.history[-1]
    assert record.validation_accuracy == 1.0 and record.calibration_error_raw is not None
    assert (record.calibration_error, record.temperature, perfect.temperature) == (
        None, None, 1.0)


def test_a_trained_network_s_kept_checkpoint_and_its_temperature():
    x, y = overconfident_rows(seed=1)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    trainer = Trainer(net, make_algorithm("supervised"), steps=20, batch_size=8,
                      learning_rate=0.1, eval_every=20, log_every=20, seed=0, device="cpu")
    result = trainer.fit(x[:60], y[:60], x[:0], x_validation=x[60:], y_validation=y[60:])
    with torch.no_grad():   # the one evaluation's EMA weights are the ones returned
        proba = result.ema_model(x[60:]).double().softmax(dim=-1).numpy()
    record = result.history[-1]
    assert result.best_step == record.step == 20
    assert result.temperature == fit_temperature(proba, y[60:].numpy())
    assert record.temperature == round(result.temperature, 4)
    assert record.calibration_error_raw == round(
        expected_calibration_error(y[60:].numpy(), proba), 6)


def test_a_checkpoint_keeps_the_best_temperature_and_resuming_gives_the_same(tmp_path):
    x, y = overconfident_rows(seed=3)
    path = tmp_path / "run.ckpt"

    def fit(resume):
        torch.manual_seed(resume)   # another initialisation, which the checkpoint replaces
        net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(),
                                  torch.nn.Linear(16, 2))
        trainer = Trainer(net, make_algorithm("supervised"), steps=40, batch_size=8,
                          learning_rate=0.1, eval_every=10, log_every=10, seed=0,
                          device="cpu", checkpoint_path=path, checkpoint_every=20)
        return trainer.fit(x[:30], y[:30], x[:0], x_validation=x[120:],
                           y_validation=y[120:], resume=resume)

    straight = fit(resume=False)   # its checkpoint of step 20 stays (none at the last step)
    best = torch.load(path, weights_only=True)["best"]
    kept = next(r for r in straight.history if r.step == best["step"])
    assert kept.temperature == round(best["temperature"], 4) and best["temperature"] != 1.0
    resumed = fit(resume=True)
    assert resumed.temperature == straight.temperature != 1.0
    assert [r.to_dict() | {"seconds_per_step": 0} for r in resumed.history] == [
        r.to_dict() | {"seconds_per_step": 0} for r in straight.history]


def blobs(n=240, seed=0):
    """Two overlapping blobs; 60 labeled rows (15 of them held out for validation)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(0, 1, (n, 2)) + np.c_[y * 2.0 - 1, np.zeros(n)]
    partial = np.full(n, -1)
    partial[:60] = y[:60]
    return X, partial


@pytest.fixture(scope="module")
def fitted():
    X, partial = blobs()
    calibrated = DeepSSLClassifier("fixmatch", validation_fraction=0.25, **FAST)
    plain = DeepSSLClassifier("fixmatch", validation_fraction=0.25, calibrate=False, **FAST)
    return X, partial, calibrated.fit(X, partial), plain.fit(X, partial)


def test_the_kept_checkpoint_s_temperature_scales_predict_proba_only(fitted):
    X, partial, calibrated, plain = fitted
    assert calibrated.get_params()["calibrate"] is True
    kept = next(r for r in calibrated.history_ if r.step == calibrated.best_step_)
    assert kept.temperature == round(calibrated.temperature_, 4)
    assert calibrated.temperature_ != 1.0 and plain.temperature_ == 1.0
    # the temperature is measured, never trained on: the same weights, checkpoint and losses
    assert [r.loss for r in calibrated.history_] == [r.loss for r in plain.history_]
    assert calibrated.best_step_ == plain.best_step_
    assert np.array_equal(calibrated.predict(X), plain.predict(X))
    assert np.array_equal(calibrated.transduction_, plain.transduction_)
    raw = plain.predict_proba(X)
    assert np.allclose(calibrated.predict_proba(X),
                       apply_temperature(raw, calibrated.temperature_))
    assert not np.allclose(calibrated.predict_proba(X), raw)
    evaluations = [r for r in plain.history_ if r.validation_accuracy is not None]
    assert all(r.calibration_error_raw is not None and r.temperature is None
               for r in evaluations)

    without = DeepSSLClassifier("fixmatch", **{**FAST, "steps": 10}).fit(X, partial)
    assert without.temperature_ == 1.0
    assert all(r.calibration_error_raw is None for r in without.history_)


def test_temperature_survives_save_load_and_pickle(fitted, tmp_path):
    X, _, calibrated, _ = fitted
    calibrated.save(tmp_path / "model.pt")
    for again in (DeepSSLClassifier.load(tmp_path / "model.pt"),
                  pickle.loads(pickle.dumps(calibrated))):
        assert again.temperature_ == calibrated.temperature_
        assert again.calibrate is True
        assert np.array_equal(again.predict_proba(X), calibrated.predict_proba(X))
        assert [r.temperature for r in again.history_] == [
            r.temperature for r in calibrated.history_]


def test_same_seed_same_calibration(fitted):
    X, partial, calibrated, _ = fitted
    twin = DeepSSLClassifier("fixmatch", validation_fraction=0.25, **FAST).fit(X, partial)
    assert twin.temperature_ == calibrated.temperature_
    assert [r.to_dict() | {"seconds_per_step": 0} for r in twin.history_] == [
        r.to_dict() | {"seconds_per_step": 0} for r in calibrated.history_]


def test_the_training_report_draws_the_calibration_of_a_deep_history(fitted):
    pytest.importorskip("matplotlib")
    from semiloop.report.training import training_report

    report = training_report([r.to_dict() for r in fitted[2].history_])
    assert "Calibration" in [section.title for section in report.sections]
