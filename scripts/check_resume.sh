#!/usr/bin/env bash
# kill -9 and resume: trains the MNIST CNN 3 epochs uninterrupted, then the same run killed with
# SIGKILL in the middle of epoch 2 and resumed with --resume; prints the largest weight difference
# between the two final models.
#   scripts/check_resume.sh [workdir]     (uses the committed MNIST fixture; ~1 minute)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
jeras="$root/scripts/jeras"
common=(train --data-dir "$root/testdata/mnist-small" --epochs 3 --batch-size 64 --seed 5 --no-export)
"$jeras" --version >/dev/null
rm -rf "$work/a" "$work/b"

echo "1. uninterrupted run"
"$jeras" "${common[@]}" --checkpoint-dir "$work/a" --save "$work/a.keras" > "$work/a.log" 2>&1

echo "2. the same run, killed with SIGKILL during epoch 2"
"$jeras" "${common[@]}" --checkpoint-dir "$work/b" --save "$work/b.keras" > "$work/b1.log" 2>&1 &
pid=$!
while [ ! -e "$work/b/ckpt-000001-000000" ]; do
  kill -0 "$pid" 2>/dev/null || { echo "run ended before the first checkpoint"; exit 1; }
  sleep 0.2
done
sleep 1.5                       # well into epoch 2 (32 steps of about 40 ms)
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
echo "   killed; checkpoints left: $(ls "$work/b" | tr '\n' ' ')"

echo "3. resumed with --resume"
"$jeras" "${common[@]}" --checkpoint-dir "$work/b" --resume --save "$work/b.keras" > "$work/b2.log" 2>&1
grep -h "resumed from" "$work/b2.log" || true

echo "4. comparison"
java -cp "$root/target/jeras.jar:$root/target/jeras-cli.jar:$root/target/lib/*" dev.jeras.bench.CompareWeights \
  "$work/a.keras" "$work/b.keras" 2>/dev/null
