#!/usr/bin/env bash
# vs-redis-alternated.sh — issue 6's benchmark on several trees (commits checked out
# as worktrees), alternated run by run so that the machine's drift hits every tree alike.
#
# usage: bench/lsm-engine/vs-redis-alternated.sh OUTDIR RUNS TREE... [-- bench-vs-redis options]
#   a TREE may be NAME=VALUE[,NAME=VALUE...]@TREE: its server runs with those variables set.
#   Trees should be worktrees at commits: a checkout others edit can be mid-change when a run starts.
#   e.g. git worktree add /tmp/wt-base HEAD~3 && ln -s $PWD/node_modules /tmp/wt-base/
#        bench/lsm-engine/vs-redis-alternated.sh /tmp/ab 6 /tmp/wt-base .
#
# Each run, for each tree (the order reversed every other run): a fresh
# `bun TREE/src/main.ts --engine lsm --dir <empty> --appendfsync everysec`, then
# `bench-vs-redis.sh PORT --aof -n 200000` (the issue's command; options after -- are
# added), then the server's main-thread CPU (clock ticks, /proc) and INFO's write
# stall. Output: OUTDIR/run-<i>-<tree index>.txt; at the end the median of each test's
# ratio per tree (bench/lsm-engine/vs-redis-summary.py OUTDIR prints it again).
# Runs take ~40 s each per tree on a quiet machine. Not a test.
set -euo pipefail
OUT=${1:?usage: vs-redis-alternated.sh OUTDIR RUNS TREE... [-- options]}; RUNS=${2:?}; shift 2
# A tree may carry environment variables for its server: NAME=VALUE[,NAME=VALUE...]@TREE.
TREES=(); ENVS=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in *@*) ENVS+=("${1%%@*}"); TREES+=("$(cd "${1#*@}" && pwd)");; *) ENVS+=(""); TREES+=("$(cd "$1" && pwd)");; esac
  shift
done
[ "${1:-}" = -- ] && shift
EXTRA=("$@")
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH_VS_REDIS:-$HERE/../../../shared/tools/bench-vs-redis.sh}
BUN=$HERE/../../node_modules/.bin/bun
mkdir -p "$OUT"
for i in "${!TREES[@]}"; do echo "tree ${ENVS[$i]:+${ENVS[$i]}@}${TREES[$i]}: $(git -C "${TREES[$i]}" log --oneline -1)"; done | tee "$OUT/trees.txt"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
one_run() { # tree index, run -> OUT/run-<run>-<index>.txt
  local tree=${TREES[$1]} file=$OUT/run-$2-$1.txt port data pid ticks
  port=$(free_port); data=$(mktemp -d /tmp/aikv-alt-XXXXXX)
  (cd "$tree" && exec env ${ENVS[$1]//,/ } "$BUN" src/main.ts --engine lsm --dir "$data" --port "$port" --appendfsync everysec \
    --save '' --loglevel warning) > "$data.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
  if ! redis-cli -p "$port" ping > /dev/null 2>&1; then
    { echo "tree $tree: the server did not start"; tail -20 "$data.log"; } | tee "$file" >&2
    kill "$pid" 2> /dev/null; rm -rf "$data" "$data.log"; return
  fi
  { echo "tree ${ENVS[$1]:+${ENVS[$1]}@}$tree"; date -u +"start %H:%M:%S load $(cut -d' ' -f1 /proc/loadavg)"
    "$BENCH" "$port" --aof -n 200000 "${EXTRA[@]}"
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/task/$pid/stat")
    echo "main-thread ticks $ticks"
    redis-cli -p "$port" info persistence | grep -E '^lsm_(write_stall|flushes|compactions)' || true
    date -u +"end %H:%M:%S load $(cut -d' ' -f1 /proc/loadavg)"; } > "$file"
  kill "$pid"; wait "$pid" 2> /dev/null || true
  rm -rf "$data" "$data.log"
}
for run in $(seq "$RUNS"); do
  order=$(seq 0 $((${#TREES[@]} - 1))); [ $((run % 2)) = 0 ] && order=$(echo "$order" | tac)
  for i in $order; do one_run "$i" "$run"; done
done
python3 "$HERE/vs-redis-summary.py" "$OUT"
