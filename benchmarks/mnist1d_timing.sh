#!/usr/bin/env bash
# Seconds per step of semiloop beside USB (the Suite 2 peer) in the same run, on a quiet machine:
# each of fixmatch, flexmatch, freematch, softmatch for 300 steps, seed 0, the protocol's views,
# 2 threads, one process at a time.
#   bash ../shared/peers/usb_venv.sh DIR        # builds the USB peer (once)
#   PEERS_VENV=DIR bash benchmarks/mnist1d_timing.sh
# Writes $OUT_DIR/timing.jsonl (default /tmp/mnist1d-timing): one line per run, USB's wrapped
# as {"peer": "usb", "line": ...}.
set -u
cd "$(dirname "$0")/.."
OUT_DIR=${OUT_DIR:-/tmp/mnist1d-timing}
mkdir -p "$OUT_DIR/timing"
OUT=$OUT_DIR/timing.jsonl
: > "$OUT"
for alg in fixmatch flexmatch freematch softmatch; do
  OMP_NUM_THREADS=2 .venv/bin/python benchmarks/mnist1d.py --algorithms "$alg" --seeds 0 \
    --steps 300 --threads 2 --views protocol --tag "timing-$alg" --out "$OUT_DIR/timing" \
    > "$OUT_DIR/timing-$alg.log" 2>&1
  tail -n +2 "$OUT_DIR/timing/mnist1d-timing-$alg.jsonl" >> "$OUT"
  OMP_NUM_THREADS=2 "${PEERS_VENV:?set PEERS_VENV to the USB venv}/bin/python" \
    ../shared/peers/usb_mnist1d.py "$alg" --seed 0 --steps 300 2> "$OUT_DIR/usb-$alg.err" \
    | sed 's/^/{"peer": "usb", "line": /; s/$/}/' >> "$OUT"
done
