#!/usr/bin/env bash
# trace.sh [--quick] — bench:trace. The trace build streaming over a Unix socket to
# a reader that discards, beside the release build, glibc and heaptrack, in one run:
# slowdowns, the ratio of heaptrack's slowdown to ours, and events/s delivered,
# in the default (lossless) mode and beside it the lossy one.
# Beside them, the transport's own peers: the trace build with no viewer (its
# checks, and probes that find tracing off), and the socket's ceiling (a sender
# doing nothing but write frames to the same reader), from which each row says
# how fast any traced run of that benchmark could go through this socket.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_runs=3
source "$here/common.sh"
work="$(mktemp -d)"; chmod 700 "$work"; trap 'rm -rf "$work"' EXIT
throughput() { awk '/Throughput/ {print $3}'; }

reader_count() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; } # reader_count FIELD LOG
# start_reader SOCKET LOG: a discarding reader, listening when this returns; its pid in $reader
start_reader() {
  "$bin/discard_reader" "$1" >"$2" &
  reader=$!
  for _ in $(seq 100); do grep -q listening "$2" 2>/dev/null && break; sleep 0.02; done
}

# one traced run: the reader listens, the program streams; prints "ops/s events/s events produced operations lost"
# (produced: the events delivered and those lost records say were dropped).
# LOSSLESS: 1, the default (a full ring waits for the reader), or 0 (a full ring drops)
traced() {
  local layout="$1" lossless="$2"; shift 2
  local socket="$work/viewer.sock" log="$work/reader.log"
  start_reader "$socket" "$log"
  local out; out=$(SLABSCOPE_LOSSLESS="$lossless" SLABSCOPE_SOCKET="$socket" LD_PRELOAD="$native/build/$layout/trace/libslabscope.so" "$@")
  wait "$reader"
  local events seconds lost; events=$(reader_count events "$log"); seconds=$(reader_count seconds "$log"); lost=$(reader_count lost "$log")
  echo "$(throughput <<<"$out") $(awk -v e="$events" -v s="$seconds" 'BEGIN { print (s > 0 ? e / s : 0) }') $events $((events + lost)) $(awk '/^Operations/ {print $3}' <<<"$out") $lost"
}

# the socket's ceiling: events/s the same reader takes from a sender that only writes frames
ceiling() {
  local socket="$work/ceiling.sock" log="$work/ceiling.log"
  start_reader "$socket" "$log"
  "$bin/socket_ceiling" "$socket" "$ceiling_seconds" || true
  wait "$reader"
  reader_count events "$log" | awk -v s="$(reader_count seconds "$log")" '{ print (s > 0 ? $1 / s : 0) }'
}
ceiling_seconds=$(awk -v c="$cycles" 'BEGIN { print (c < 1000000 ? 0.2 : 1) }')

row() { # row TITLE LAYOUT BUSY COMMAND...   (BUSY: the program keeps every core busy)
  local title="$1" layout="$2" busy="$3"; shift 3
  local g=() rel=() tr=() ev=() hp=() off=() ceil=() per_op=() ly=() lyev=() lylost=()
  for ((r = 0; r < runs; r++)); do
    g+=("$("$@" | throughput)")
    rel+=("$(LD_PRELOAD="$native/build/$layout/release/libslabscope.so" "$@" | throughput)")
    off+=("$(LD_PRELOAD="$native/build/$layout/trace/libslabscope.so" "$@" | throughput)")
    ceil+=("$(ceiling)")
    read -r ops eps events produced operations lost < <(traced "$layout" 1 "$@")
    tr+=("$ops"); ev+=("$eps")
    ((lost == 0)) || echo "bench:trace: the default (lossless) run lost $lost events" >&2
    read -r ops eps events produced operations lost < <(traced "$layout" 0 "$@")
    ly+=("$ops"); lyev+=("$eps"); lylost+=("$(awk -v l="$lost" -v p="$produced" 'BEGIN { print (p > 0 ? 100 * l / p : 0) }')")
    per_op+=("$(awk -v e="$produced" -v n="$operations" 'BEGIN { print (n > 0 ? e / n : 0) }')")
    if command -v heaptrack >/dev/null; then
      hp+=("$(heaptrack -o "$work/heaptrack.$r" "$@" 2>/dev/null | throughput)")
    fi
  done
  local G R T E H O C P
  G=$(printf '%s\n' "${g[@]}" | median); R=$(printf '%s\n' "${rel[@]}" | median)
  T=$(printf '%s\n' "${tr[@]}" | median); E=$(printf '%s\n' "${ev[@]}" | median)
  O=$(printf '%s\n' "${off[@]}" | median); C=$(printf '%s\n' "${ceil[@]}" | median); P=$(printf '%s\n' "${per_op[@]}" | median)
  H=$( ((${#hp[@]})) && printf '%s\n' "${hp[@]}" | median || echo 0)
  # slowdowns round by round (per_round_ratio), like bench:native's ratios
  local S HS OS LS LE LL
  S=$(per_round_ratio "${rel[*]}" "${tr[*]}"); OS=$(per_round_ratio "${rel[*]}" "${off[*]}")
  LS=$(per_round_ratio "${rel[*]}" "${ly[*]}"); LE=$(printf '%s\n' "${lyev[@]}" | median); LL=$(printf '%s\n' "${lylost[@]}" | median)
  local LT; LT=$(printf '%s\n' "${ly[@]}" | median)
  HS=$( ((${#hp[@]})) && per_round_ratio "${g[*]}" "${hp[*]}" || echo 0)
  printf '\n== %s (%s layout, median of %d; slowdowns: median of the per-round ones)\n' "$title" "$layout" "$runs"
  awk -v g="$G" -v r="$R" -v t="$T" -v e="$E" -v h="$H" -v o="$O" -v c="$C" -v p="$P" -v busy="$busy" \
      -v s="$S" -v hs="$HS" -v os="$OS" -v ls="$LS" -v lt="$LT" -v le="$LE" -v ll="$LL" 'BEGIN {
    printf "%-34s %10.2f M ops/s\n", "glibc", g / 1e6
    printf "%-34s %10.2f M ops/s\n", "slabscope release", r / 1e6
    printf "%-34s %10.2f M ops/s   slowdown vs release %.2fx (want <= 2x) %s, nothing lost\n", "trace -> socket, lossless (default)", t / 1e6, s, (s <= 2 ? "met" : "NOT met")
    printf "%-34s %10.2f M ops/s   slowdown vs release %.2fx, %.1f%% of events lost; the default costs %.2fx of lossy\n", "trace -> socket, lossy", lt / 1e6, ls, ll, (ls > 0 ? s / ls : 0)
    if (h > 0 && hs > 0) {
      printf "%-34s %10.2f M ops/s   slowdown vs glibc %.2fx\n", "heaptrack (on glibc)", h / 1e6, hs
      printf "%-34s %10.2fx (want >= 8x) %s\n", "heaptrack slowdown / ours", hs / s, (hs / s >= 8 ? "met" : "NOT met")
    }
    printf "%-34s %10.2f M events/s (want >= 20M) %s; lossy %.2f M events/s\n", "events delivered over the socket", e / 1e6, (e >= 20e6 ? "met" : "NOT met"), le / 1e6
    printf "%-34s %10.2f M ops/s   slowdown vs release %.2fx\n", "slabscope trace, no viewer", o / 1e6, os
    printf "%-34s %10.2f M events/s (48-byte events)\n", "socket ceiling (bare sender)", c / 1e6
    if (c > 0 && p > 0) {
      printf "%-34s at %.2f events an operation, no traced run can pass %.2f M ops/s: slowdown >= %.2fx\n", "what the socket allows", p, c / p / 1e6, r * p / c
      if (busy == "busy" && o > 0)
        printf "%-34s sharing the cores with the program, about %.2f M ops/s: slowdown about %.2fx\n", "", 1 / (1 / o + p / c) / 1e6, r * (1 / o + p / c)
    }
  }'
}

row "bench_random_mixed $cycles 256 42" hakmem single "$bin/bench_random_mixed" "$cycles" 256 42
row "bench_random_mixed $cycles 1024 42" aligned single "$bin/bench_random_mixed" "$cycles" 1024 42
row "bench_larson $larson_seconds 8 1000 1024 10000 12345 4" aligned busy "$bin/bench_larson" "$larson_seconds" 8 1000 1024 10000 12345 4
