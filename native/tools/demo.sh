#!/usr/bin/env bash
# The built-in demo (`npm start`): builds the allocator, runs a program on it,
# shows the check build naming a seeds-style bug, and a quick benchmark beside glibc.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
native="$root/native"
make -s -C "$native" -j2 all
make -s -C "$native/bench" >/dev/null 2>&1 || true
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

echo "== Slabscope allocator: $(ls "$native"/build/*/*/libslabscope.so | wc -l) builds (layouts hakmem, aligned; modes release, check)"
echo
echo "== A real program on the allocator (aligned layout, release build)"
LD_PRELOAD="$native/build/aligned/release/libslabscope.so" sort -R /etc/services | head -3

cat >"$work/base_as_user.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    char *user = malloc(100);        /* USER pointer: what the caller owns   */
    char *base = user - 1;           /* BASE pointer: block start (hakmem)   */
    free(base);                      /* the seeds' Phase E1 slip: BASE where USER belongs */
    fputs("program went on after the bad free\n", stderr);
    return 0;
}
C
cc -g -O0 -o "$work/base_as_user" "$work/base_as_user.c"
echo
echo "== The check build names a BASE/USER slip (hakmem layout, SLABSCOPE_ON_ERROR=report)"
SLABSCOPE_ON_ERROR=report LD_PRELOAD="$native/build/hakmem/check/libslabscope.so" "$work/base_as_user" || true

bench="$native/build/bench/bench_random_mixed"
if [[ -x "$bench" ]]; then
  echo
  echo "== bench_random_mixed 1000000 256 42, in one run beside glibc"
  glibc=$("$bench" 1000000 256 42 | awk '{print $3}')
  ours=$(LD_PRELOAD="$native/build/hakmem/release/libslabscope.so" "$bench" 1000000 256 42 | awk '{print $3}')
  awk -v g="$glibc" -v s="$ours" 'BEGIN { printf "glibc      %8.2f M ops/s\nslabscope  %8.2f M ops/s  (%.2fx glibc)\n", g/1e6, s/1e6, s/g }'
  echo "(npm run bench:native measures every benchmark against glibc, mimalloc, jemalloc and tcmalloc)"
fi
