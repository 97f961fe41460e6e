#!/usr/bin/env bash
# The four model families side by side, against the simulator at realistic speed (loopback only,
# bounded in time), then the seed's knee: highest concurrency with p99 < 800 ms.
# Usage: benchmarks/families.sh [OUT_DIR]   (builds the release binary if needed)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:-benchmarks/results}
mkdir -p "$out"
swift build -c release --product switchyard >/dev/null
bin=.build/release/switchyard
"$bin" sim --port 19090 --seed 42 >"$out/sim.log" 2>&1 & sim=$!
"$bin" sim --port 19091 --profile examples/sim-knee.yaml >"$out/sim-knee.log" 2>&1 & knee=$!
trap 'kill $sim $knee 2>/dev/null || true' EXIT
for port in 19090 19091; do
  for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done
echo "== families side by side (closed loop, 16 in flight, 20 s)"
timeout 120 "$bin" bench --url http://127.0.0.1:19090/v1 \
  --model deepseek-v4-flash --model Qwen/Qwen3-32B --model kimi-k2.5 --model glm-5 \
  --concurrency 16 --duration 20s --max-tokens 64 --slo ttft=1000,p99=3000 \
  --json "$out/families.json" --csv "$out/families.csv" --html "$out/families.html"
echo
echo "== knee: deepseek-v4-flash profile degrading past 40 in flight, SLO p99 <= 800 ms"
timeout 300 "$bin" bench --url http://127.0.0.1:19091/v1 --model deepseek-v4-flash --max-tokens 20 \
  --find-knee --slo p99=800 --max-concurrency 128 --duration 5s --json "$out/knee.json" --html "$out/knee.html"
