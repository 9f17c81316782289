"""Run by tests/test_deep_distributed.py: the same training in 1 process or under torchrun.

    python tests/ddp_worker.py OUT ALGORITHM            # one process
    torchrun --nproc_per_node 2 tests/ddp_worker.py OUT ALGORITHM

Writes the trained weights, the algorithm's state and the history to OUT (rank 0).
"""

import sys

import torch
import torch.distributed as dist

from semiloop.methods.deep.algorithms import make_algorithm
from semiloop.methods.deep.trainer import Trainer


def main(out, algorithm):
    distributed = "RANK" in __import__("os").environ
    if distributed:
        dist.init_process_group("gloo")
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    y = torch.arange(400) % 4
    x = torch.randn(400, 6, generator=g) + torch.nn.functional.one_hot(y, 6) * 3.0
    labeled = torch.arange(16)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    algo = make_algorithm(algorithm)
    trainer = Trainer(net, algo, steps=25, batch_size=8, unlabeled_ratio=4,
                      learning_rate=0.05, log_every=5, seed=0)
    result = trainer.fit(x[labeled], y[labeled], x[16:], unlabeled_truth=y[16:])
    if not distributed or dist.get_rank() == 0:
        torch.save({"model": result.model.state_dict(), "ema": result.ema_model.state_dict(),
                    "algorithm": algo.state_dict(),
                    "history": [r.to_dict() for r in result.history]}, out)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
