#!/usr/bin/env bash
# MixMatch and ReMixMatch on Suite 2 (3000 steps, seed 0, the CPU table's recipe) on a GPU:
# as published (ramp-up over 1/64 of training), with the ramp-up over 0.4 of training, and
# with Adam (lr 0.002, the papers' optimiser).  Results go to ${OUT:-benchmarks/results}.
set -u
OUT=${OUT:-benchmarks/results}
export PYTHONPATH=src PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
common=(--algorithms mixmatch,remixmatch --seeds 0 --steps 3000 --views invariances --ema 0.99
        --device cuda --threads 4 --out "$OUT")
$PY benchmarks/mnist1d.py "${common[@]}" --tag gpu-mix-published
$PY benchmarks/mnist1d.py "${common[@]}" --tag gpu-mix-ramp04 \
    --options '{"mixmatch": {"rampup_fraction": 0.4}, "remixmatch": {"rampup_fraction": 0.4}}'
$PY benchmarks/mnist1d.py "${common[@]}" --tag gpu-mix-adam --optimizer adamw --lr 0.002
$PY benchmarks/mnist1d.py "${common[@]}" --tag gpu-mix-t1 \
    --options '{"mixmatch": {"temperature": 1.0}, "remixmatch": {"temperature": 1.0}}'
