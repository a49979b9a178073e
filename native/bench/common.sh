# common.sh — sourced by run.sh and trace.sh: options, the builds, a median and a per-round ratio.
# Expects `here` (this directory) and `default_runs` (and may set `default_cycles`,
# `default_larson_seconds`); sets native, runs, cycles, larson_seconds and bin.
native="$(cd "$here/.." && pwd)"
runs="${BENCH_RUNS:-$default_runs}"; cycles="${BENCH_CYCLES:-${default_cycles:-2000000}}"
larson_seconds="${BENCH_LARSON_SECONDS:-${default_larson_seconds:-2}}"
if [[ "${1:-}" == "--quick" ]]; then runs=1; cycles=300000; larson_seconds=0.5; fi
make -s -C "$native" -j2 all >/dev/null
make -s -C "$here" >/dev/null
bin="$native/build/bench"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# per_round_ratio "A1 A2 …" "B1 B2 …": the median of Ai / Bi, each pair measured in one round
# (one round runs every allocator back to back, so a swing in the machine's speed between
# rounds falls on both sides of a ratio)
per_round_ratio() {
  paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') | awk '$2 > 0 { print $1 / $2 }' | median
}
