#!/usr/bin/env bash
# trace.sh [--quick] — bench:trace. The trace build streaming over a Unix socket to
# a reader that discards, beside the release build, glibc and heaptrack, in one run:
# slowdowns, the ratio of heaptrack's slowdown to ours, and events/s delivered.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_runs=3
source "$here/common.sh"
work="$(mktemp -d)"; chmod 700 "$work"; trap 'rm -rf "$work"' EXIT
throughput() { awk '/Throughput/ {print $3}'; }

# one traced run: the reader listens, the program streams; prints "ops events_per_second"
traced() {
  local layout="$1"; shift
  local socket="$work/viewer.sock" log="$work/reader.log"
  "$bin/discard_reader" "$socket" >"$log" &
  local reader=$!
  for _ in $(seq 100); do grep -q listening "$log" 2>/dev/null && break; sleep 0.02; done
  local ops; ops=$(SLABSCOPE_SOCKET="$socket" LD_PRELOAD="$native/build/$layout/trace/libslabscope.so" "$@" | throughput)
  wait "$reader"
  local events seconds; events=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' "$log"); seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$log")
  echo "$ops $(awk -v e="$events" -v s="$seconds" 'BEGIN { print (s > 0 ? e / s : 0) }') $events"
}

row() { # row TITLE LAYOUT COMMAND...
  local title="$1" layout="$2"; shift 2
  local g=() rel=() tr=() ev=() hp=() delivered=()
  for ((r = 0; r < runs; r++)); do
    g+=("$("$@" | throughput)")
    rel+=("$(LD_PRELOAD="$native/build/$layout/release/libslabscope.so" "$@" | throughput)")
    read -r ops eps events < <(traced "$layout" "$@")
    tr+=("$ops"); ev+=("$eps"); delivered+=("$events")
    if command -v heaptrack >/dev/null; then
      hp+=("$(heaptrack -o "$work/heaptrack.$r" "$@" 2>/dev/null | throughput)")
    fi
  done
  local G R T E H
  G=$(printf '%s\n' "${g[@]}" | median); R=$(printf '%s\n' "${rel[@]}" | median)
  T=$(printf '%s\n' "${tr[@]}" | median); E=$(printf '%s\n' "${ev[@]}" | median)
  H=$( ((${#hp[@]})) && printf '%s\n' "${hp[@]}" | median || echo 0)
  printf '\n== %s (%s layout, median of %d)\n' "$title" "$layout" "$runs"
  awk -v g="$G" -v r="$R" -v t="$T" -v e="$E" -v h="$H" 'BEGIN {
    printf "%-34s %10.2f M ops/s\n", "glibc", g / 1e6
    printf "%-34s %10.2f M ops/s\n", "slabscope release", r / 1e6
    printf "%-34s %10.2f M ops/s   slowdown vs release %.2fx (want <= 2x) %s\n", "slabscope trace -> socket reader", t / 1e6, r / t, (r / t <= 2 ? "met" : "NOT met")
    if (h > 0) {
      printf "%-34s %10.2f M ops/s   slowdown vs glibc %.2fx\n", "heaptrack (on glibc)", h / 1e6, g / h
      printf "%-34s %10.2fx (want >= 8x) %s\n", "heaptrack slowdown / ours", (g / h) / (r / t), ((g / h) / (r / t) >= 8 ? "met" : "NOT met")
    }
    printf "%-34s %10.2f M events/s (want >= 20M) %s\n", "events delivered over the socket", e / 1e6, (e >= 20e6 ? "met" : "NOT met")
  }'
}

row "bench_random_mixed $cycles 256 42" hakmem "$bin/bench_random_mixed" "$cycles" 256 42
row "bench_random_mixed $cycles 1024 42" aligned "$bin/bench_random_mixed" "$cycles" 1024 42
row "bench_larson $larson_seconds 8 1000 1024 10000 12345 4" aligned "$bin/bench_larson" "$larson_seconds" 8 1000 1024 10000 12345 4
