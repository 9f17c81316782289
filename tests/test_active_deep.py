"""Query strategies on torch networks: closed forms against autograd, MC dropout, embeddings."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from semiloop.active import (  # noqa: E402
    expected_gradient_length,
    gradient_embedding,
    k_center_greedy,
    penultimate_embedding,
    query,
)
from semiloop.errors import SemiloopError, SemiloopWarning  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def mlp(dropout=0.3):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(dropout),
                               torch.nn.Linear(16, 3))


def pool():
    return torch.randn(30, 4, generator=torch.Generator().manual_seed(1))


def last_layer_gradients(net, x, label):
    """Autograd gradient of the cross-entropy at ``label`` w.r.t. the last layer, flattened."""
    net.zero_grad()
    torch.nn.functional.cross_entropy(net(x[None]).double(), torch.tensor([label])).backward()
    head = net[-1]
    return torch.cat([head.weight.grad, head.bias.grad[:, None]], dim=1).flatten().double()


def test_closed_forms_match_autograd_on_the_last_layer():
    net, x = mlp().eval(), pool()[:4]
    egl = expected_gradient_length(net, x)
    embedding = gradient_embedding(net, x)
    for row in range(4):
        p = torch.softmax(net(x[row:row + 1]).double(), dim=1)[0].detach()
        expected = sum(float(p[k]) * float(last_layer_gradients(net, x[row], k).norm())
                       for k in range(3))
        assert egl[row] == pytest.approx(expected, rel=1e-5)
        predicted = int(p.argmax())
        assert embedding[row] == pytest.approx(
            last_layer_gradients(net, x[row], predicted).numpy(), rel=1e-5, abs=1e-7)


def test_penultimate_embedding_is_the_input_of_the_last_linear_layer():
    net, x = mlp().train(), pool()
    embedding = penultimate_embedding(net, x)
    assert net.training and net[2].training  # modes put back
    with torch.no_grad():
        expected = net[:-1].eval()(x).double().numpy()
    assert embedding == pytest.approx(expected)
    chosen = query("k_center_greedy", net, x, 4, X_labeled=x[:3])
    assert chosen.ids.tolist() == k_center_greedy(
        expected, 4, labeled=expected[:3])[0].tolist()


def test_bald_uses_mc_dropout_and_repeats_with_a_seed():
    net, x = mlp(), pool()
    state = torch.random.get_rng_state()
    first = query("bald", net, x, 5, random_state=0, passes=8)
    assert torch.equal(state, torch.random.get_rng_state())  # torch's random state left alone
    assert first.ids.tolist() == query("bald", net, x, 5, random_state=0, passes=8).ids.tolist()
    assert (first.scores >= 0).all() and first.scores.max() > 0
    assert first.scores[first.ids].tolist() == sorted(first.scores, reverse=True)[:5]
    with pytest.raises(SemiloopError, match="no dropout layer"):
        query("bald", mlp(dropout=0.0), x, 5)


def test_badge_on_a_network_takes_distinct_rows():
    net, x = mlp().eval(), pool()
    x = torch.cat([x[:1].repeat(20, 1), x])  # 20 copies of one row
    chosen = query("badge", net, x, 6, random_state=0)
    asked = set(chosen.ids.tolist())
    assert len(asked) == 6 and len(asked & set(range(20))) <= 1


def test_a_network_without_logits_from_a_linear_layer_is_refused():
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1))
    with pytest.raises(SemiloopError, match="not the output of its last Linear layer"):
        expected_gradient_length(net, pool())


def test_deep_ssl_classifier_is_read_through_its_network():
    from semiloop.methods.deep.estimator import DeepSSLClassifier

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-1, 1, (30, 3)), rng.normal(1, 1, (30, 3))].astype(np.float32)
    y = np.full(60, -1)
    y[[0, 1, 30, 31]] = [0, 0, 1, 1]
    model = DeepSSLClassifier("supervised", steps=3, batch_size=4, eval_every=3,
                              backbone_options={"hidden": (8,), "dropout": 0.3},
                              device="cpu")
    with warnings.catch_warnings():  # 3 steps: collapse alarms may trip; not what is tested
        warnings.simplefilter("ignore", SemiloopWarning)
        model.fit(X, y)
    scaled = torch.from_numpy((X - model.feature_mean_) / model.feature_scale_)
    with torch.no_grad():
        features = model.model_.forward_features(scaled).double().numpy()
    assert penultimate_embedding(model, X) == pytest.approx(features)
    for strategy in ("margin", "expected_gradient_length", "bald", "badge", "k_center_greedy"):
        chosen = query(strategy, model, X, 4, X_labeled=X[[0, 30]], random_state=0)
        assert len(set(chosen.ids.tolist())) == 4
