#!/usr/bin/env bash
# Two-task training on this machine, as docs/distributed.md shows it: the MNIST CNN on the committed
# MNIST fixture (2,000 samples), 3 epochs, global batch 64, trained
#   1. in one process,
#   2. by a chief and a worker (two processes, localhost ports) -> weights compared with 1,
#   3. by the same two with checkpoints, the worker killed with SIGKILL in epoch 2 (the chief must
#      stop with an error within --worker-timeout), then both restarted with --resume -> weights
#      compared with 2.
#   scripts/check_distributed.sh [workdir]     (~2 minutes on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
jeras="$root/scripts/jeras"
common=(train --data-dir "$root/testdata/mnist-small" --epochs 3 --batch-size 64 --seed 5
  --kernels fixed)
compare() {
  java -cp "$root/target/jeras.jar:$root/target/jeras-cli.jar:$root/target/lib/*" \
    dev.jeras.bench.CompareWeights "$1" "$2" 2>/dev/null
}
"$jeras" --version >/dev/null
rm -rf "$work/ckpt" "$work/sm" "$work"/*.keras
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("localhost",0)); print(s.getsockname()[1])'; }
p0=$(port); p1=$(port)
cat > "$work/cluster.json" <<EOF
{"cluster": {"chief": ["localhost:$p0"], "worker": ["localhost:$p1"]}}
EOF
echo "cluster: $(cat "$work/cluster.json")"

echo "1. one process"
"$jeras" "${common[@]}" --no-export --save "$work/one.keras" > "$work/one.log" 2>&1
grep -h "Test loss" "$work/one.log"

echo "2. chief and worker"
two=("${common[@]}" --save "$work/two.keras" --export-savedmodel "$work/sm" --cluster "$work/cluster.json")
"$jeras" "${two[@]}" --task chief:0 > "$work/chief.log" 2>&1 &
chief=$!
"$jeras" "${two[@]}" --task worker:0 > "$work/worker.log" 2>&1
wait "$chief"
grep -h "Cluster:\|Test loss\|SavedModel" "$work/chief.log"
cat "$work/worker.log"
echo -n "   two tasks against one process: "
compare "$work/one.keras" "$work/two.keras"

echo "3. chief and worker with checkpoints; the worker killed with SIGKILL in epoch 2"
run=("${common[@]}" --no-export --save "$work/resumed.keras" --checkpoint-dir "$work/ckpt" --worker-timeout 30
  --cluster "$work/cluster.json")
"$jeras" "${run[@]}" --task chief:0 > "$work/chief1.log" 2>&1 &
chief=$!
"$jeras" "${run[@]}" --task worker:0 > "$work/worker1.log" 2>&1 &
worker=$!
while [ ! -e "$work/ckpt/ckpt-000001-000000" ]; do
  kill -0 "$chief" 2>/dev/null || { echo "the chief ended before the first checkpoint"; exit 1; }
  sleep 0.1
done
sleep 1                          # into epoch 2
kill -9 "$worker"; killed=$(date +%s.%N)
rc=0; wait "$chief" || rc=$?
ended=$(date +%s.%N)
wait "$worker" 2>/dev/null || true
echo "   chief exit code $rc, $(echo "$ended - $killed" | bc) s after the kill:"
grep -h "^jeras: error" "$work/chief1.log"
echo "   checkpoints left: $(ls "$work/ckpt" | tr '\n' ' ')"
echo "   restarted with --resume"
"$jeras" "${run[@]}" --resume --task chief:0 > "$work/chief2.log" 2>&1 &
chief=$!
"$jeras" "${run[@]}" --resume --task worker:0 > "$work/worker2.log" 2>&1
wait "$chief"
grep -h "resumed from\|Test loss" "$work/chief2.log"
cat "$work/worker2.log"
echo -n "   resumed against uninterrupted (2.): "
compare "$work/two.keras" "$work/resumed.keras"
