#!/usr/bin/env bash
# Suite 2 on a GPU: seconds per step of the *Match family (300 steps, the protocol's views)
# and one full FlexMatch run (the recipe of the CPU table), plus a DeepSSLClassifier fitted
# with device="auto", saved, and loaded back on the CPU.  Needs torch with CUDA and the
# cached data (benchmarks/.cache/mnist1d-12000.npz).  Results go to ${OUT:-benchmarks/results}.
#   OUT=benchmarks/results bash benchmarks/gpu_check.sh
set -u
OUT=${OUT:-benchmarks/results}
export PYTHONPATH=src PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
nvidia-smi -L
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
$PY benchmarks/mnist1d.py --algorithms supervised,fixmatch,flexmatch,freematch,softmatch \
    --seeds 0 --steps 300 --views protocol --device cuda --threads 4 --tag gpu-timing --out "$OUT"
$PY benchmarks/mnist1d.py --algorithms flexmatch --seeds 0 --steps 6000 --views invariances \
    --ema 0.99 --device cuda --threads 4 --tag gpu-flexmatch --out "$OUT"
$PY - <<'PY'
import numpy as np
from semiloop import DeepSSLClassifier
X = np.random.default_rng(0).normal(size=(400, 8)).astype("float32")
y = (X[:, 0] > 0).astype(int)
y[40:] = -1
model = DeepSSLClassifier("freematch", steps=100, device="auto").fit(X, y)
print("trained on", model.device_ if hasattr(model, "device_") else "auto",
      "; first parameter now on", next(model.model_.parameters()).device)
model.save("/tmp/gpu-model.pt")
loaded = DeepSSLClassifier.load("/tmp/gpu-model.pt")
print("loaded model predicts as trained:", float((loaded.predict(X) == model.predict(X)).mean()))
PY
