"""The deep trainer's trust checks: audit of hidden rows, flips, MC dropout, alarms, hold-back."""

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from semiloop import DeepSSLClassifier  # noqa: E402
from semiloop.errors import SemiloopError  # noqa: E402
from semiloop.methods.deep.algorithms import make_algorithm  # noqa: E402
from semiloop.methods.deep.algorithms.fixmatch import FixMatch  # noqa: E402
from semiloop.methods.deep.trainer import Trainer  # noqa: E402
from semiloop.methods.deep.trust import TrainingMonitor  # noqa: E402
from semiloop.trust.training import pseudo_label_audit  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def blobs(n=200, seed=0):
    """Two blobs in 2-D; 4 labeled rows of each class, the rest unlabeled (with their truth)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, 2, generator=g) * 0.7 + torch.stack([y * 3.0 - 1.5, y * 0.0], dim=1)
    labeled = torch.cat([torch.nonzero(y == c).flatten()[:4] for c in (0, 1)])
    rest = torch.ones(n, dtype=torch.bool)
    rest[labeled] = False
    return x[labeled], y[labeled], x[rest], y[rest]


def net(seed=0, dropout=0.2):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(),
                               torch.nn.Dropout(dropout), torch.nn.Linear(16, 2))


def noise(x, generator=None):
    return x + 0.1 * torch.randn(x.shape, generator=generator, device=x.device)


def trainer(algorithm="fixmatch", *, steps=40, dropout=0.2, monitor=None, seed=0, **options):
    return Trainer(net(seed, dropout), make_algorithm(algorithm, **options), steps=steps,
                   batch_size=8, unlabeled_ratio=2, weak=noise, strong=noise,
                   learning_rate=0.05, eval_every=20, log_every=20, seed=seed, monitor=monitor)


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.state_dict().values()])


class Fixed(torch.nn.Module):
    """Logits ``3 x``, whatever it is trained on (its one parameter gets no gradient)."""

    def __init__(self):
        super().__init__()
        self.offset = torch.nn.Parameter(torch.zeros(2))

    def forward(self, x):
        return 3 * x + 0 * self.offset


def test_the_audit_counts_the_pseudo_labels_a_known_model_gives_hidden_rows():
    xl, yl = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    # logits 3x: softmax(3, 0) = 0.953 passes FixMatch's 0.95, softmax(1.5, 0) = 0.818 does not
    xu = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.0], [1.0, 0.0], [0.0, 0.5], [0.0, 1.0]])
    truth = torch.tensor([0, 1, 0, 1, -1, 0])  # row 4 is a true unlabeled row
    run = Trainer(Fixed(), make_algorithm("fixmatch", threshold=0.95), steps=4, batch_size=2,
                  unlabeled_ratio=1, eval_every=2, log_every=4, seed=0)
    result = run.fit(xl, yl, xu, audit_truth=truth)
    audits = [r.pseudo_label_audit for r in result.history]
    assert [r.step for r in result.history] == [2, 4]
    # pseudo-labels 0, 1, none, 0, -, 1 against the truth 0, 1, 0, 1, -, 0
    expected = pseudo_label_audit([0, 1, 0, 1, 0], [0, 1, -1, 0, 1], 2).to_dict()
    assert audits == [expected, expected]
    assert expected["precision"] == 0.5 and expected["coverage"] == 0.8
    assert expected["per_class"][0] == {"precision": 0.5, "recall": 0.3333, "coverage": 0.6667}
    # an algorithm without a threshold gives every hidden row its argmax
    result = Trainer(Fixed(), make_algorithm("meanteacher"), steps=2, batch_size=2,
                     unlabeled_ratio=1, seed=0).fit(xl, yl, xu, audit_truth=truth)
    assert result.history[-1].pseudo_label_audit == pseudo_label_audit(
        [0, 1, 0, 1, 0], [0, 1, 0, 0, 1], 2).to_dict()


@pytest.mark.parametrize("algorithm", ["fixmatch", "flexmatch", "freematch", "softmatch",
                                       "pseudolabel", "remixmatch"])
def test_preview_asks_the_current_thresholds_and_leaves_the_state(algorithm):
    options = {"n_views": 1} if algorithm == "remixmatch" else {}
    algo = make_algorithm(algorithm, **options)
    algo.setup(n_classes=2, n_unlabeled=6, device="cpu")
    g = torch.Generator().manual_seed(0)
    batch_proba = torch.softmax(torch.randn(6, 2, generator=g) * 3, dim=-1)
    if hasattr(algo, "policy") and algorithm != "pseudolabel":  # move the state once
        from semiloop.methods.deep.parts.context import Batch

        algo.mask(algo.align(batch_proba, None), Batch(None, None,
                  unlabeled_index=torch.arange(6)), None)
    state = copy.deepcopy(algo.state_dict())
    proba = torch.tensor([[0.97, 0.03], [0.3, 0.7], [0.55, 0.45]])
    labels, mask = algo.preview(proba, torch.tensor([0.5, 0.5]))
    assert labels.shape == (3,) and (mask is None or mask.shape == (3,))
    assert repr(algo.state_dict()) == repr(state)  # nothing moved
    if algorithm in ("flexmatch", "freematch"):  # the thresholds the history records
        thresholds = torch.tensor(algo.thresholds())
        passes = proba.amax(-1) >= thresholds[proba.argmax(-1)]
        assert mask.tolist() == passes.float().tolist()
    if algorithm == "fixmatch":
        assert mask.tolist() == [1.0, 0.0, 0.0]


def test_hidden_labels_never_reach_a_loss():
    xl, yl, xu, yu = blobs()
    hidden = torch.full((len(xu),), -1)
    hidden[:40] = yu[:40]
    wrong = hidden.clone()
    wrong[:40] = 1 - yu[:40]
    right = trainer().fit(xl, yl, xu, audit_truth=hidden)
    flipped = trainer().fit(xl, yl, xu, audit_truth=wrong)
    # the labels are read: the audit of the flipped ones is the mirror image
    first, second = right.history[-1].pseudo_label_audit, flipped.history[-1].pseudo_label_audit
    assert first["precision"] > 0.8 and second["precision"] < 0.2
    assert first["precision"] + second["precision"] == pytest.approx(1.0, abs=1e-3)
    # and nothing else: the same weights, the same losses
    assert torch.equal(weights(right.model), weights(flipped.model))
    assert [r.loss for r in right.history] == [r.loss for r in flipped.history]


def test_flips_uncertainty_and_alarms_are_recorded_at_evaluations():
    xl, yl, xu, yu = blobs()
    # every unlabeled row is of class 0 while the labels are balanced: the pseudo-labels'
    # class balance is far from the labeled prior
    run = trainer("pseudolabel", steps=50, threshold=0.0)
    result = run.fit(xl, yl, xu[yu == 0])
    steps = [r.step for r in result.history]
    assert steps == [20, 40, 50]
    first, second, last = result.history
    assert first.flip_rate is None and 0 <= second.flip_rate <= 1 and last.flip_rate is not None
    assert all(r.mc_dropout_std > 0 for r in result.history)
    assert all(r.held_back is None for r in result.history)  # hold-back is off
    names = [[alarm["name"] for alarm in r.alarms] for r in result.history]
    assert all("class_balance" in n for n in names)
    assert result.history[0].alarms[0]["tripped"] is True
    # a network without dropout records no MC-dropout uncertainty
    plain = trainer(steps=20, dropout=0.0).fit(xl, yl, xu)
    assert plain.history[-1].mc_dropout_std is None
    assert plain.history[-1].flip_rate is None and plain.history[-1].pseudo_label_audit is None


def test_rows_that_flip_are_held_back_and_listed_most_unstable_first():
    x = torch.tensor([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])
    first, second = torch.nn.Linear(2, 2, bias=False), torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))    # class 0 where x0 > 0
        second.weight.copy_(torch.tensor([[0.0, -1.0], [0.0, 1.0]]))   # class 0 where x1 < 0
    algorithm = make_algorithm("fixmatch")
    algorithm.setup(n_classes=2, n_unlabeled=4, device="cpu")
    watch = TrainingMonitor(hold_back=True, rows=None).start(
        x, labeled_prior=torch.tensor([0.5, 0.5]))
    assert watch.evaluate(first, algorithm, 1)["held_back"] == 0
    assert watch.keep.tolist() == [1.0] * 4
    checks = watch.evaluate(second, algorithm, 2)
    # rows 1 and 3 changed class; row 3 is the less confident (|x| alike: a tie, then position)
    assert checks["flip_rate"] == 0.5 and checks["held_back"] == 2
    assert sorted(watch.held_back.tolist()) == [1, 3]
    assert watch.held_back_reasons.tolist() == ["prediction flipped"] * 2
    assert watch.keep.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert watch.keep_for(torch.tensor([3, 0])).tolist() == [0.0, 1.0]


class Spy(FixMatch):
    """FixMatch that keeps each step's row indices, keep weights and mask."""

    def __init__(self, threshold=0.0):
        super().__init__(threshold)
        self.steps = []

    def loss(self, batch, context):
        loss = super().loss(batch, context)
        keep = batch.unlabeled_keep
        self.steps.append((context.step, batch.unlabeled_index.tolist(),
                           None if keep is None else keep.tolist(), loss.mask.tolist()))
        return loss


def test_held_back_rows_get_a_zero_mask_until_the_next_evaluation():
    xl, yl, xu, _ = blobs()
    spy = Spy()
    monitor = TrainingMonitor(rows=None, hold_back=True, uncertainty_limit=0.02)
    run = Trainer(net(0, dropout=0.5), spy, steps=40, batch_size=8, unlabeled_ratio=2,
                  weak=noise, strong=noise, learning_rate=0.05, eval_every=20, log_every=20,
                  monitor=monitor)
    result = run.fit(xl, yl, xu)
    held_at_20 = result.history[0].held_back
    assert held_at_20 > 0 and result.history[-1].held_back == len(result.held_back)
    before = [s for s in spy.steps if s[0] < 20]
    after = [s for s in spy.steps if s[0] >= 20]
    assert all(keep == [1.0] * len(keep) for _, _, keep, _ in before)
    zero = {}
    for _, rows, keep, mask in after:
        for row, k, m in zip(rows, keep, mask, strict=True):
            assert m == k  # threshold 0: every row passes, only the held-back ones count 0
            assert zero.setdefault(row, k) == k  # held until the next evaluation
    held = {row for row, k in zero.items() if k == 0.0}
    assert held and len(held) <= held_at_20
    assert len(result.held_back) == len(result.held_back_reasons)


def test_the_monitor_leaves_training_alone_and_the_same_seed_repeats():
    xl, yl, xu, _ = blobs()
    watched = trainer().fit(xl, yl, xu)
    unwatched = trainer(monitor=TrainingMonitor(rows=0, mc_dropout_passes=0)).fit(xl, yl, xu)
    assert torch.equal(weights(watched.model), weights(unwatched.model))
    assert unwatched.history[-1].flip_rate is None
    holding = TrainingMonitor(rows=None, hold_back=True)
    once = trainer(monitor=holding).fit(xl, yl, xu)
    again = trainer(monitor=holding).fit(xl, yl, xu)
    assert torch.equal(weights(once.model), weights(again.model))
    assert [r.to_dict() | {"seconds_per_step": 0} for r in once.history] == [
        r.to_dict() | {"seconds_per_step": 0} for r in again.history]
    assert once.held_back.tolist() == again.held_back.tolist()
    with pytest.raises(SemiloopError, match="mixes unlabeled rows"):
        trainer("mixmatch", monitor=holding).fit(xl, yl, xu)


def test_the_estimator_hides_a_share_of_labels_and_lists_held_back_rows():
    rng = np.random.default_rng(0)
    y = np.arange(160) % 2
    X = rng.normal(0, 1, (160, 2)) + np.c_[y * 3.0 - 1.5, np.zeros(160)]
    partial = np.full(160, -1)
    labeled = np.r_[np.flatnonzero(y == 0)[:10], np.flatnonzero(y == 1)[:10]]
    partial[labeled] = y[labeled]
    model = DeepSSLClassifier("fixmatch", steps=40, batch_size=4, unlabeled_ratio=2,
                              eval_every=20, audit_size=0.2, hold_back_unstable=True,
                              backbone_options={"hidden": (16,), "dropout": 0.3})
    model.fit(X, partial)
    audits = [r.pseudo_label_audit for r in model.history_ if r.pseudo_label_audit]
    assert [a["n_hidden"] for a in audits] == [4, 4]  # 2 of each class's 10
    assert set(audits[0]["per_class"]) == {0, 1}  # keyed by the classes
    assert all(partial[model.held_back_] == -1)  # only rows without a label go to review
    assert len(model.held_back_reasons_) == len(model.held_back_)
    assert model.get_params()["audit_size"] == 0.2
    with pytest.warns(UserWarning, match="hides no labeled row"):
        few = np.full(160, -1)
        few[labeled[[0, 1, 10, 11]]] = y[labeled[[0, 1, 10, 11]]]
        DeepSSLClassifier("fixmatch", steps=2, batch_size=2, audit_size=0.2).fit(X, few)


def test_a_resumed_run_holds_back_as_an_uninterrupted_one(tmp_path):
    from semiloop.callbacks import Callback

    class Stop(Exception):
        pass

    class StopAt(Callback):
        def on_progress(self, estimator, *, stage, done, total):
            if done == 25:
                raise Stop

    xl, yl, xu, _ = blobs()
    monitor = TrainingMonitor(rows=None, hold_back=True, uncertainty_limit=0.03)

    def run(seed=0, **options):
        return Trainer(net(seed, 0.3), make_algorithm("flexmatch"), steps=40, batch_size=8,
                       unlabeled_ratio=2, weak=noise, strong=noise, eval_every=10, log_every=10,
                       monitor=monitor, checkpoint_every=20, **options)

    straight = run().fit(xl, yl, xu)
    path = tmp_path / "run.ckpt"
    with pytest.raises(Stop):
        run(checkpoint_path=path, callbacks=[StopAt()]).fit(xl, yl, xu)
    resumed = run(seed=5, checkpoint_path=path).fit(xl, yl, xu, resume=True)
    assert torch.equal(weights(resumed.model), weights(straight.model))
    assert [r.to_dict() | {"seconds_per_step": 0} for r in resumed.history] == [
        r.to_dict() | {"seconds_per_step": 0} for r in straight.history]
    assert all(r.held_back > 0 for r in straight.history)
    assert resumed.held_back.tolist() == straight.held_back.tolist()
