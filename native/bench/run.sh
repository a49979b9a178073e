#!/usr/bin/env bash
# run.sh [--quick] — bench:native. Every benchmark is run, in one go, on glibc,
# mimalloc, jemalloc, tcmalloc and the Slabscope builds, interleaved (A B C A B C …)
# so machine noise falls on all alike; the median of BENCH_RUNS runs is shown, and its
# ratio to glibc and to mimalloc and the check build's cost against release, each the
# median of the ratios within a round.
# The single-threaded rows also run the floor (floor_alloc.c: a free list per size
# class and nothing else), which says how much of a run is the benchmark's own loop
# and how far above glibc a size-class allocator can get on it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# runs of 10 M cycles (about 0.1 s): a run of 2 M (20 ms) was as long as one of the
# machine's hiccups; 7 rounds, so a median is not two rounds of one mode against two of another
default_runs=7; default_cycles=10000000; default_larson_seconds=1
source "$here/common.sh"
lib=/usr/lib/x86_64-linux-gnu

names=(glibc mimalloc jemalloc tcmalloc slabscope-hakmem-release slabscope-aligned-release slabscope-hakmem-check slabscope-aligned-check)
preload_of() {
  case "$1" in
    glibc) echo "" ;;
    mimalloc) echo "$lib/libmimalloc.so.2" ;;
    jemalloc) echo "$lib/libjemalloc.so.2" ;;
    tcmalloc) echo "$lib/libtcmalloc.so.4" ;;
    slabscope-*) IFS=- read -r _ layout mode <<<"$1"; echo "$native/build/$layout/$mode/libslabscope.so" ;;
    floor) echo "$bin/libfloor.so" ;;
  esac
}
available=()
for name in "${names[@]}"; do
  preload="$(preload_of "$name")"
  if [[ -n "$preload" && ! -e "$preload" ]]; then echo "(skipping $name: $preload is not installed)"; continue; fi
  available+=("$name")
done

json="$bin/results.json"; echo "{" >"$json"; first_row=1

bench() { # bench TITLE COMMAND...  (on every allocator in row_names)
  local title="$1"; shift
  declare -A samples=()
  for ((r = 0; r < runs; r++)); do
    for name in "${row_names[@]}"; do
      local preload; preload="$(preload_of "$name")"
      local out; out=$(LD_PRELOAD="$preload" "$@" 2>/dev/null | awk '/Throughput/ {print $3}') || true
      samples[$name]+="${out:-0} "
    done
  done
  declare -A med=()
  for name in "${row_names[@]}"; do med[$name]=$(tr ' ' '\n' <<<"${samples[$name]}" | grep -v '^$' | median); done
  ratio() { per_round_ratio "${samples[$1]:-}" "${samples[$2]:-}"; } # ratio A B: A over B, round by round
  printf '\n== %s (median of %d; ratios: median of the per-round ratios)\n' "$title" "$runs"
  printf '%-28s %12s %10s %12s %14s\n' allocator "M ops/s" "x glibc" "x mimalloc" "check cost"
  [[ $first_row == 1 ]] || echo "," >>"$json"; first_row=0
  printf '  "%s": {' "$title" >>"$json"; local sep=""
  for name in "${row_names[@]}"; do
    local v=${med[$name]} g m cost="" key="${title//[^a-zA-Z0-9]/_}_${name//-/_}"
    g=$(ratio "$name" glibc); m=$([[ -n "${samples[mimalloc]:-}" ]] && ratio "$name" mimalloc || echo -)
    if [[ $name == *-check ]]; then
      local slower; slower=$(ratio "${name%-check}-release" "$name")
      cost=$(awk -v x="$slower" 'BEGIN { if (x > 0) printf "%.2fx slower", x }')
      eval "cost_$key=$slower"
    fi
    awk -v n="$name" -v v="$v" -v g="$g" -v m="$m" -v c="$cost" 'BEGIN {
      printf "%-28s %12.2f %10.2f %12s %14s\n", n, v / 1e6, g, (m == "-" ? m : sprintf("%.2f", m)), c }'
    printf '%s"%s": %s' "$sep" "$name" "$v" >>"$json"; sep=", "
    eval "glibc_ratio_$key=$g; mimalloc_ratio_$key=$m"
  done
  echo "}" >>"$json"
}

row_names=("${available[@]}" floor) # single-threaded: the floor too
for size in 128 256 512 1024; do bench "random_mixed_$size" "$bin/bench_random_mixed" "$cycles" "$size" 42; done
for size in 64 256; do bench "fixed_$size" "$bin/bench_fixed_size" "$cycles" "$size" 256 42; done
row_names=("${available[@]}")
bench "larson" "$bin/bench_larson" "$larson_seconds" 8 1000 1024 10000 12345 4
echo "}" >>"$json"

echo
echo "== Targets (issue: native allocator)"
verdict() { awk -v r="$1" -v want="$2" 'BEGIN { printf "%.2fx (want >= %.2fx) %s", r, want, (r >= want ? "met" : "NOT met") }'; }
for size in 128 256 512 1024; do
  key="random_mixed_${size}_slabscope_hakmem_release"
  g="glibc_ratio_$key"; m="mimalloc_ratio_$key"; f="glibc_ratio_random_mixed_${size}_floor"
  echo "random_mixed $size, hakmem release vs glibc:    $(verdict "${!g}" 1.3)"
  [[ "${!m}" != - ]] && echo "random_mixed $size, hakmem release vs mimalloc: $(verdict "${!m}" 1.0)"
  awk -v f="${!f}" -v v="${!g}" -v s="$size" 'BEGIN {
    printf "random_mixed %s, floor (size classes, nothing else) vs glibc: %.2fx; hakmem release runs at %.0f%% of the floor\n", s, f, 100 * v / f }'
done
for layout in aligned hakmem; do
  g="glibc_ratio_larson_slabscope_${layout}_release"
  printf 'larson, %-7s release vs glibc:              %s\n' "$layout" "$(verdict "${!g}" 1.0)"
done
# check_cost TITLE BENCH LAYOUT: how much slower the check build ran than the release build
check_cost() {
  local c="cost_${2}_slabscope_${3}_check"
  awk -v x="${!c}" -v t="$1" 'BEGIN { printf "%s, check build cost: %.2fx slower than release (want <= 1.50x) %s\n", t, x, (x <= 1.5 ? "met" : "NOT met") }'
}
for size in 128 256 512 1024; do check_cost "random_mixed $size" "random_mixed_$size" hakmem; done
for layout in hakmem aligned; do check_cost "larson $layout" larson "$layout"; done
echo "(results also in native/build/bench/results.json)"
