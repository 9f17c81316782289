"""Two processes (torchrun, gloo) train as one process does at the same global batch.

Each process takes a disjoint share of every global batch; DDP averages the
gradients and the algorithms gather their batch statistics, so without
augmentation noise, dropout or batch norm the two runs differ only by the
order of floating-point sums. Stated tolerance: 1e-4 on every weight after 25
steps, and the algorithms' states (FlexMatch's per-row memory exactly,
FreeMatch's EMAs and fairness term to 1e-5; SoftMatch gathers as FreeMatch does).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

WORKER = Path(__file__).with_name("ddp_worker.py")


def run(out, algorithm, processes):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if processes == 1:
        command = [sys.executable, str(WORKER), str(out), algorithm]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node",
                   str(processes), "--master_port", "0", "--rdzv_backend", "c10d",
                   "--rdzv_endpoint", "localhost:0", str(WORKER), str(out), algorithm]
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=240)
    return torch.load(out, weights_only=True)


@pytest.mark.skipif(shutil.which("true") is None or sys.platform == "win32",
                    reason="needs a POSIX machine for torchrun")
@pytest.mark.parametrize("algorithm", ["flexmatch", "freematch"])
def test_two_processes_match_one_at_the_same_global_batch(tmp_path, algorithm):
    one = run(tmp_path / "one.pt", algorithm, 1)
    two = run(tmp_path / "two.pt", algorithm, 2)
    for key in ("model", "ema"):
        for name, value in one[key].items():
            assert torch.allclose(value, two[key][name], atol=1e-4), (key, name)
    for part, state in one["algorithm"].items():
        for name, value in state.items():
            other = two["algorithm"][part][name]
            if not isinstance(value, torch.Tensor):
                assert value == other, (part, name)
            elif value.dtype.is_floating_point:
                assert torch.allclose(value, other, atol=1e-5), (part, name)
            else:
                assert torch.equal(value, other), (part, name)
    assert [r["step"] for r in one["history"]] == [r["step"] for r in two["history"]]
    assert one["history"][-1]["mask_rate"] == pytest.approx(two["history"][-1]["mask_rate"],
                                                            abs=1e-6)
