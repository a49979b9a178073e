#!/usr/bin/env bash
# run.sh [--quick] — bench:native. Every benchmark is run, in one go, on glibc,
# mimalloc, jemalloc, tcmalloc and the Slabscope builds, interleaved (A B C A B C …)
# so machine noise falls on all alike; the median of BENCH_RUNS runs is shown with
# its ratio to glibc and to mimalloc, and the check build's cost against release.
# The single-threaded rows also run the floor (floor_alloc.c: a free list per size
# class and nothing else), which says how much of a run is the benchmark's own loop
# and how far above glibc a size-class allocator can get on it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_runs=5
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
  printf '\n== %s (median of %d)\n' "$title" "$runs"
  printf '%-28s %12s %10s %12s %14s\n' allocator "M ops/s" "x glibc" "x mimalloc" "check cost"
  [[ $first_row == 1 ]] || echo "," >>"$json"; first_row=0
  printf '  "%s": {' "$title" >>"$json"; local sep=""
  for name in "${row_names[@]}"; do
    local v=${med[$name]} g=${med[glibc]} m=${med[mimalloc]:-0} cost=""
    if [[ $name == *-check ]]; then
      local rel=${med[${name%-check}-release]:-0}
      cost=$(awk -v r="$rel" -v c="$v" 'BEGIN { if (c > 0) printf "%.2fx slower", r / c }')
    fi
    awk -v n="$name" -v v="$v" -v g="$g" -v m="$m" -v c="$cost" 'BEGIN {
      printf "%-28s %12.2f %10.2f %12s %14s\n", n, v / 1e6, (g > 0 ? v / g : 0), (m > 0 ? sprintf("%.2f", v / m) : "-"), c }'
    printf '%s"%s": %s' "$sep" "$name" "$v" >>"$json"; sep=", "
  done
  echo "}" >>"$json"
  for name in "${row_names[@]}"; do eval "result_${title//[^a-zA-Z0-9]/_}_${name//-/_}=${med[$name]}"; done
}

row_names=("${available[@]}" floor) # single-threaded: the floor too
for size in 128 256 512 1024; do bench "random_mixed_$size" "$bin/bench_random_mixed" "$cycles" "$size" 42; done
for size in 64 256; do bench "fixed_$size" "$bin/bench_fixed_size" "$cycles" "$size" 256 42; done
row_names=("${available[@]}")
bench "larson" "$bin/bench_larson" "$larson_seconds" 8 1000 1024 10000 12345 4
echo "}" >>"$json"

echo
echo "== Targets (issue: native allocator)"
verdict() { awk -v a="$1" -v b="$2" -v want="$3" 'BEGIN { r = (b > 0 ? a / b : 0); printf "%.2fx (want >= %.2fx) %s", r, want, (r >= want ? "met" : "NOT met") }'; }
for size in 128 256 512 1024; do
  v="result_random_mixed_${size}_slabscope_hakmem_release"; g="result_random_mixed_${size}_glibc"; m="result_random_mixed_${size}_mimalloc"
  echo "random_mixed $size, hakmem release vs glibc:    $(verdict "${!v}" "${!g}" 1.3)"
  [[ -n "${!m:-}" ]] && echo "random_mixed $size, hakmem release vs mimalloc: $(verdict "${!v}" "${!m}" 1.0)"
  f="result_random_mixed_${size}_floor"
  awk -v f="${!f}" -v g="${!g}" -v v="${!v}" -v s="$size" 'BEGIN {
    printf "random_mixed %s, floor (size classes, nothing else) vs glibc: %.2fx; hakmem release runs at %.0f%% of the floor\n", s, f / g, 100 * v / f }'
done
echo "larson, aligned release vs glibc:              $(verdict "$result_larson_slabscope_aligned_release" "$result_larson_glibc" 1.0)"
echo "larson, hakmem release vs glibc:               $(verdict "$result_larson_slabscope_hakmem_release" "$result_larson_glibc" 1.0)"
# check_cost TITLE BENCH LAYOUT: how much slower the check build ran than the release build
check_cost() {
  local r="result_${2}_slabscope_${3}_release" c="result_${2}_slabscope_${3}_check"
  awk -v r="${!r}" -v c="${!c}" -v t="$1" 'BEGIN { x = r / c; printf "%s, check build cost: %.2fx slower than release (want <= 1.50x) %s\n", t, x, (x <= 1.5 ? "met" : "NOT met") }'
}
for size in 128 256 512 1024; do check_cost "random_mixed $size" "random_mixed_$size" hakmem; done
for layout in hakmem aligned; do check_cost "larson $layout" larson "$layout"; done
echo "(results also in native/build/bench/results.json)"
