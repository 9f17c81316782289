"""The deep trainer: every algorithm trains, same seed same result, resume equals a straight run."""

import pytest

torch = pytest.importorskip("torch")

from semiloop.methods.deep.algorithms import ALGORITHMS, make_algorithm  # noqa: E402
from semiloop.methods.deep.trainer import Trainer  # noqa: E402
from semiloop.records import TrainingRecord  # noqa: E402


def blobs(n=300, seed=0):
    """Two well separated blobs in 2-D; the first 3 rows of each class are labeled."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, 2, generator=g) * 0.5 + torch.stack([y * 4.0 - 2, y * 0.0], dim=1)
    labeled = torch.cat([torch.nonzero(y == c).flatten()[:3] for c in (0, 1)])
    mask = torch.ones(n, dtype=torch.bool)
    mask[labeled] = False
    return x[labeled], y[labeled], x[mask], y[mask]


def net(seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(),
                               torch.nn.Dropout(dropout), torch.nn.Linear(16, 2))


def noise(x, generator=None):
    return x + 0.1 * torch.randn(x.shape, generator=generator)


def strong_noise(x, generator=None):
    return x + 0.3 * torch.randn(x.shape, generator=generator)


def train(algorithm, steps=60, seed=0, **options):
    xl, yl, xu, yu = blobs()
    trainer = Trainer(net(seed, dropout=0.1), make_algorithm(algorithm, **options.pop(
        "algorithm_options", {})), steps=steps, batch_size=6, unlabeled_ratio=4, weak=noise,
        strong=strong_noise, learning_rate=0.05, log_every=20, seed=seed, **options)
    return trainer, trainer.fit(xl, yl, xu, unlabeled_truth=yu), (xu, yu)


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_every_algorithm_trains_and_records(algorithm):
    options = {"n_views": 2} if algorithm == "remixmatch" else {}
    _, result, (xu, yu) = train(algorithm, algorithm_options=options)
    assert [r.step for r in result.history] == [20, 40, 60]
    assert all(isinstance(r, TrainingRecord) for r in result.history)
    for record in result.history:
        assert torch.isfinite(torch.tensor([record.loss, record.supervised_loss,
                                            record.unlabeled_loss])).all()
    with torch.no_grad():
        accuracy = (result.ema_model(xu).argmax(-1) == yu).float().mean().item()
    assert accuracy > 0.9  # two blobs 4 sd apart: every algorithm must find them
    if algorithm in ("fixmatch", "flexmatch", "freematch", "softmatch", "pseudolabel"):
        assert result.history[-1].mask_rate is not None
    if algorithm in ("flexmatch", "freematch"):
        assert len(result.history[-1].thresholds) == 2
    if algorithm not in ("supervised", "pimodel", "meanteacher"):
        assert result.history[-1].pseudo_label_accuracy is not None


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.state_dict().values()])


def test_same_seed_same_result_and_another_seed_differs():
    _, first, _ = train("freematch", steps=30)
    _, again, _ = train("freematch", steps=30)
    _, other, _ = train("freematch", steps=30, seed=1)
    assert torch.equal(weights(first.model), weights(again.model))
    assert torch.equal(weights(first.ema_model), weights(again.ema_model))
    assert not torch.equal(weights(first.model), weights(other.model))


@pytest.mark.parametrize("algorithm", ["flexmatch", "softmatch", "meanteacher"])
def test_resume_gives_the_result_of_an_uninterrupted_run(tmp_path, algorithm):
    _, straight, _ = train(algorithm, steps=40)
    path = tmp_path / "run.ckpt"
    # the interrupted run: stops after its checkpoint at step 20 (a 20-step trainer would not
    # write one at its last step, so train with steps=40 and stop by raising from a callback)

    class Stop(Exception):
        pass

    from semiloop.callbacks import Callback

    class StopAt(Callback):
        def on_progress(self, estimator, *, stage, done, total):
            if done == 25:
                raise Stop

    with pytest.raises(Stop):
        train(algorithm, steps=40, checkpoint_path=path, checkpoint_every=20,
              callbacks=[StopAt()])
    assert path.exists()
    xl, yl, xu, yu = blobs()
    # a fresh process: another initialisation, which the checkpoint replaces
    trainer = Trainer(net(5, dropout=0.1), make_algorithm(algorithm), steps=40, batch_size=6,
                      unlabeled_ratio=4, weak=noise, strong=strong_noise, learning_rate=0.05,
                      log_every=20, seed=0, checkpoint_path=path, checkpoint_every=20)
    resumed = trainer.fit(xl, yl, xu, unlabeled_truth=yu, resume=True)
    assert torch.equal(weights(resumed.model), weights(straight.model))
    assert torch.equal(weights(resumed.ema_model), weights(straight.ema_model))
    assert [r.to_dict() | {"seconds_per_step": 0} for r in resumed.history] == [
        r.to_dict() | {"seconds_per_step": 0} for r in straight.history]


def test_the_best_validation_checkpoint_is_kept():
    xl, yl, xu, _ = blobs()
    # validation labels that disagree with the data: the earliest checkpoint scores best
    x_val, y_val = xu[:40], 1 - (xu[:40, 0] > 0).long()
    trainer = Trainer(net(), make_algorithm("supervised"), steps=60, batch_size=6,
                      eval_every=20, log_every=20, learning_rate=0.05)
    result = trainer.fit(xl, yl, xu, x_validation=x_val, y_validation=y_val)
    scores = [r.validation_accuracy for r in result.history]
    assert all(s is not None for s in scores)
    assert result.best_validation_accuracy == max(scores)
    assert result.best_step == 20 * (len(scores) - scores[::-1].index(max(scores)))
    with torch.no_grad():
        kept = (result.ema_model(x_val).argmax(-1) == y_val).float().mean().item()
    assert kept == pytest.approx(result.best_validation_accuracy)


def test_errors_say_what_to_do():
    xl, yl, xu, _ = blobs()
    with pytest.raises(ValueError, match="needs unlabeled rows"):
        Trainer(net(), make_algorithm("fixmatch"), steps=2).fit(xl, yl, xu[:0])
    with pytest.raises(ValueError, match="optimizer must be"):
        Trainer(net(), make_algorithm("fixmatch"), optimizer="adam")
    with pytest.raises(ValueError, match="is not known; use one of"):
        make_algorithm("fixmatc")
    with pytest.raises(ValueError, match="its options are threshold"):
        make_algorithm("fixmatch", treshold=0.9)
