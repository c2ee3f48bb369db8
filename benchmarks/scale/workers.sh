#!/usr/bin/env bash
# Scale-out figures for docs/scale.md: the same dashboards job run by one process (`atlas dashboards build`) and by
# one, two and three `atlas worker` processes (`--enqueue --shards 6`), all on a private PostgreSQL cluster.
# Reports wall time, throughput (tokens/s) and total CPU seconds (user + system of every atlas process of the run,
# idle polling included) as ratios to the single process: sharding overhead = CPU(sharded) / CPU(single).
#
#   dotnet build FeatureAtlas.slnx -c Release        # first, outside the lock
#   /work/tools/bench benchmarks/scale/workers.sh [TOKENS] [D_SAE] [PORT]
#
# Defaults: 8,192 tokens (64 windows of 128), a GPT-2-small-shaped model (12 layers, d_model 768, random weights:
# the arithmetic is that of GPT-2 small), a top-k SAE (k 64, d_sae 24,576 like gpt2-small-res-jb) on
# blocks.6.hook_resid_pre, PostgreSQL on port 55441. Everything lives under a temporary folder removed at the end.
# ATLAS_BIN runs another build's atlas (to compare two builds); WORKER_COUNTS picks the worker runs (default "1 2 3").
# PIN_CORES=1 stands in for one-core machines: the single build and each worker run on a core of their own (taskset,
# worker i on core i-1, so at most as many workers as cores) with DOTNET_PROCESSOR_COUNT=1; PostgreSQL and the short
# enqueue and wait commands are not pinned.
set -euo pipefail
tokens=${1:-8192}
dsae=${2:-24576}
port=${3:-55441}
root=$(cd "$(dirname "$0")/../.." && pwd)
atlas="${ATLAS_BIN:-$root/src/FeatureAtlas.Cli/bin/Release/net10.0/atlas}"
[ -x "$atlas" ] || atlas="dotnet $root/src/FeatureAtlas.Cli/bin/Release/net10.0/atlas.dll"
work=$(mktemp -d /tmp/atlas-scale-XXXXXX)
chmod 755 "$work"   # the PostgreSQL cluster under it runs as user postgres when this runs as root
export ATLAS_PG_DIR="$work/pg" ATLAS_PG_PORT=$port
cleanup() { bash "$root/.ci/start-postgres.sh" stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

base=$(bash "$root/.ci/start-postgres.sh")
db() { echo "${base/Database=postgres/Database=$1}"; }
psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql

echo "[scale] model and SAE" >&2
$atlas init-model --out "$work/gpt2s" --seed 1 >/dev/null
$atlas init-sae --model "$work/gpt2s" --hook blocks.6.hook_resid_pre --d-sae "$dsae" --architecture topk --k 64 --out "$work/sae" --seed 2 >/dev/null
/usr/bin/python3 - "$work/corpus.jsonl" "$tokens" <<'PY'
import json, random, sys
random.seed(0)
with open(sys.argv[1], "w") as f:
    for _ in range((int(sys.argv[2]) + 127) // 128):
        f.write(json.dumps({"token_ids": [50256] + [random.randrange(50257) for _ in range(127)]}) + "\n")
PY

build=(--model "$work/gpt2s" --sae "$work/sae" --corpus windows --tokens "$tokens" --batch 8 --name gpt2s)
pin=()
pin_to() {   # sets pin to the command prefix that runs a process on core $1 alone, or to nothing without PIN_CORES
  pin=()
  if [ "${PIN_CORES:-0}" = 1 ]; then pin=(env DOTNET_PROCESSOR_COUNT=1 taskset -c "$1"); fi
}
cpu_of() { awk '{ s += $2 + $3 } END { printf "%.2f", s }' "$1"; }   # "wall user sys" lines
results=()
stages=()

run_single() {
  local d; d=$(db single)
  PGPASSWORD=atlas "$psql_bin" -h 127.0.0.1 -p "$port" -U atlas -d postgres -qc "CREATE DATABASE single" >/dev/null
  $atlas corpus add --name windows --jsonl "$work/corpus.jsonl" --db "$d" >/dev/null
  : > "$work/single.time"
  local start=$(date +%s.%N)
  pin_to 0
  "${pin[@]}" /usr/bin/time -a -o "$work/single.time" -f "%e %U %S" $atlas dashboards build "${build[@]}" --db "$d" --checkpoint-dir "$work/ck" >/dev/null
  local wall; wall=$(echo "$(date +%s.%N) - $start" | bc)
  results+=("single 1 $wall $(cpu_of "$work/single.time")")
}

run_workers() {
  local n=$1 name="w$1" d; d=$(db "w$1")
  if [ "${PIN_CORES:-0}" = 1 ] && [ "$n" -gt "$(nproc)" ]; then echo "PIN_CORES: $n workers need $n cores, this machine has $(nproc)" >&2; return 1; fi
  PGPASSWORD=atlas "$psql_bin" -h 127.0.0.1 -p "$port" -U atlas -d postgres -qc "CREATE DATABASE $name" >/dev/null
  $atlas corpus add --name windows --jsonl "$work/corpus.jsonl" --db "$d" >/dev/null
  : > "$work/$name.time"
  local pids=()
  for i in $(seq 1 "$n"); do
    pin_to $((i - 1))
    "${pin[@]}" /usr/bin/time -a -o "$work/$name.time" -f "%e %U %S" $atlas worker --db "$d" --name "$name-$i" >"$work/$name-$i.log" 2>&1 &
    pids+=($!)
  done
  local start=$(date +%s.%N)
  timeline "$name" "$start" > "$work/$name.stages" &
  local watcher=$!
  local id; id=$(/usr/bin/time -a -o "$work/$name.time" -f "%e %U %S" $atlas dashboards build "${build[@]}" --db "$d" --enqueue --shards 6)
  /usr/bin/time -a -o "$work/$name.time" -f "%e %U %S" $atlas jobs wait "$id" --db "$d" --timeout 3000 >/dev/null
  local wall; wall=$(echo "$(date +%s.%N) - $start" | bc)
  # $! is each worker's time wrapper: SIGTERM the worker itself (its child), so the wrapper records its CPU time.
  for p in "${pids[@]}"; do kill -TERM $(ps --ppid "$p" -o pid=) 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" || true; done
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  results+=("workers $n $wall $(cpu_of "$work/$name.time")")
  # The time file's lines in the order the processes ended: the enqueue, the wait, then the workers.
  stages+=("workers $n: $(tr '\n' ' ' < "$work/$name.stages")| CPU s by process (enqueue, wait, workers): $(awk '{ printf "%.1f ", $2 + $3 }' "$work/$name.time")")
}

# Seconds from the enqueue at which the job's final step enters each stage (merging, building, saving) and the job
# ends: what follows the last shard is the serial tail. Polls the jobs row twice a second with psql, not atlas, so
# that the CPU totals stay those of the atlas processes.
timeline() {
  local database=$1 start=$2 last="" stage
  while :; do
    stage=$(PGPASSWORD=atlas "$psql_bin" -h 127.0.0.1 -p "$port" -U atlas -d "$database" -tAc \
      "SELECT CASE WHEN finished_at IS NULL THEN coalesce(stage, '') ELSE 'done' END FROM jobs ORDER BY id DESC LIMIT 1" 2>/dev/null || true)
    if [ -n "$stage" ] && [ "$stage" != "$last" ] && [ "$stage" != windows ]; then
      printf '%s %.1f s\n' "$stage" "$(echo "$(date +%s.%N) - $start" | bc)"
      last=$stage
    fi
    [ "$stage" = done ] && return
    sleep 0.5
  done
}

run_single
for n in ${WORKER_COUNTS:-1 2 3}; do run_workers "$n"; done

echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %3s %9s %9s %10s %9s %9s\n' run procs wall_s cpu_s tokens/s speedup cpu_ratio
read -r _ _ wall1 cpu1 <<<"${results[0]}"
for r in "${results[@]}"; do
  read -r kind n wall cpu <<<"$r"
  printf '%-8s %3s %9.1f %9.1f %10.0f %9.2f %9.3f\n' "$kind" "$n" "$wall" "$cpu" "$(echo "$tokens / $wall" | bc -l)" "$(echo "$wall1 / $wall" | bc -l)" "$(echo "$cpu / $cpu1" | bc -l)"
done
for s in "${stages[@]}"; do echo "stages, $s"; done
