#!/usr/bin/env bash
# Installs, once, the Debian packages a task needs: build (compiler, make),
# test (the real programs the tests run under the allocator, the browser for the views), bench (peer allocators).
# Idempotent: a package already present is not touched; nothing runs when all are there.
set -euo pipefail
task="${1:-build}"

need=()
want() { # want COMMAND-OR-FILE PACKAGE
  if [[ "$1" == /* ]]; then [[ -e "$1" ]] || need+=("$2")
  else command -v "$1" >/dev/null 2>&1 || need+=("$2"); fi
}

want cc gcc
want make make
want git git
case "$task" in
  build) want llvm-symbolizer llvm ;;
  test)
    want python3 python3
    want sqlite3 sqlite3
    want gdb gdb
    want addr2line binutils
    want llvm-symbolizer llvm
    want /usr/bin/chromium chromium   # the webview tests run in real headless Chromium
    # sanitizer runtimes ship with gcc; libasan is pulled in by gcc on Debian
    ;;
  bench)
    lib=/usr/lib/x86_64-linux-gnu
    want "$lib/libmimalloc.so.2" libmimalloc2.0
    want "$lib/libjemalloc.so.2" libjemalloc2
    want "$lib/libtcmalloc.so.4" libgoogle-perftools4
    want heaptrack heaptrack
    ;;
  *) echo "ensure-deps: unknown task '$task' (build, test or bench)" >&2; exit 2 ;;
esac

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "ensure-deps: missing packages ${need[*]} and no root to install them" >&2; exit 1
  fi
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  echo "ensure-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null || $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
