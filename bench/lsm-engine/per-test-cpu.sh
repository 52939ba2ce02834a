#!/usr/bin/env bash
# per-test-cpu.sh — CPU of an lsm server per redis-benchmark test of issue 6's sequence,
# split into the main thread's user and system ticks and the other threads' (flush and
# compaction workers, GC helpers, JIT), for trees alternated run by run.
#
# usage: bench/lsm-engine/per-test-cpu.sh RUNS ROUNDS TREE...
#   e.g. bench/lsm-engine/per-test-cpu.sh 4 3 /tmp/wt-base /tmp/wt-new
#
# Each run, per tree (the order reversed every other run): a fresh
# `bun TREE/src/main.ts --engine lsm --appendfsync everysec` on an empty dir, then ROUNDS
# times the tests set get incr lpush rpop sadd hset zadd, each one
# `redis-benchmark -t TEST -P 16 -c 50 -n 200000 -r 100000` (the issue's command without the
# reference redis-server between them), reading /proc/PID/task/PID/stat and /proc/PID/stat
# around each. Prints a line per test run, then per tree and test the medians of: ops/s,
# main-thread ticks (user + system; 10 ms each) and other threads' ticks. Ticks are coarse
# (a test lasts 20-60 of them): compare medians of many runs. Not a test.
set -euo pipefail
RUNS=${1:?usage: per-test-cpu.sh RUNS ROUNDS TREE...}; ROUNDS=${2:?}; shift 2
TREES=(); for t in "$@"; do TREES+=("$(cd "$t" && pwd)"); done
BUN=$(cd "$(dirname "$0")/../.." && pwd)/node_modules/.bin/bun
TESTS=(set get incr lpush rpop sadd hset zadd)
OUT=$(mktemp /tmp/aikv-per-test-cpu-XXXXXX)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
one_run() { # tree
  local tree=$1 port data pid
  port=$(free_port); data=$(mktemp -d /tmp/aikv-cpu-XXXXXX)
  (cd "$tree" && exec "$BUN" src/main.ts --engine lsm --dir "$data" --port "$port" --appendfsync everysec \
    --save '' --loglevel warning) > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
  # main-thread user, system; whole process user + system
  ticks() { echo "$(awk '{print $14, $15}' "/proc/$pid/task/$pid/stat") $(awk '{print $14 + $15}' "/proc/$pid/stat")"; }
  for round in $(seq "$ROUNDS"); do
    for t in "${TESTS[@]}"; do
      read -r u0 s0 p0 <<< "$(ticks)"
      rps=$(redis-benchmark -p "$port" -t "$t" -P 16 -c 50 -n 200000 -r 100000 -q | tr '\r' '\n' | grep -a 'per second' | awk '{print $2}')
      read -r u1 s1 p1 <<< "$(ticks)"
      echo "$tree $t $round $rps $((u1 - u0)) $((s1 - s0)) $((p1 - p0 - (u1 - u0) - (s1 - s0)))" | tee -a "$OUT"
    done
  done
  kill "$pid"; wait "$pid" 2> /dev/null || true
  rm -rf "$data"
}
for run in $(seq "$RUNS"); do
  order=("${TREES[@]}"); [ $((run % 2)) = 0 ] && order=($(printf '%s\n' "${TREES[@]}" | tac))
  for tree in "${order[@]}"; do one_run "$tree"; done
done
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tree, test, _, rps, u, s, other = line.split()
    rows[(tree, test)].append((float(rps), int(u) + int(s), int(other)))
for tree in dict.fromkeys(t for t, _ in rows):
    print(tree)
    for (t, test), v in rows.items():
        if t != tree: continue
        med = lambda i: statistics.median(x[i] for x in v)
        print(f"  {test:6} {len(v):3} runs  {med(0):10.0f} ops/s  main {med(1):5.1f} ticks  other threads {med(2):5.1f} ticks")
PY
rm -f "$OUT"
