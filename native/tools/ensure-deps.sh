#!/usr/bin/env bash
# Installs, once, the Debian packages a task needs: build (compiler, make),
# test (the real programs the tests run under the allocator, the browser for the views), bench (peer allocators),
# sparse (the checker bench:sparse measures).
# Idempotent: a package already present is not touched; nothing runs when all are there.
# Under CI (CI set, and not 0 or false) it trusts nothing it finds: each package must be
# installed by dpkg's account and its command must run, and apt must still be able to
# install it on a fresh machine (the CI section at the end; about 10 s and 120 MB of .debs for test).
set -euo pipefail
task="${1:-build}"

ci=false
case "${CI:-}" in "" | 0 | [Ff][Aa][Ll][Ss][Ee]) ;; *) ci=true ;; esac

installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }

need=()
relied=() # "COMMAND-OR-FILE PACKAGE", checked under CI
want() { # want COMMAND-OR-FILE PACKAGE
  relied+=("$1 $2")
  if [[ "$1" == /* ]]; then [[ -e "$1" ]] || need+=("$2")
  else command -v "$1" >/dev/null 2>&1 || need+=("$2"); fi
  # a command that exists says nothing about the package (a half-configured one, a copy elsewhere on PATH)
  if $ci && ! installed "$2" && [[ " ${need[*]} " != *" $2 "* ]]; then need+=("$2"); fi
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
  sparse) want sparse sparse ;;   # the typed-address-space checker bench:sparse measures beside check-source
  *) echo "ensure-deps: unknown task '$task' (build, test, bench or sparse)" >&2; exit 2 ;;
esac

sudo=""
if ((${#need[@]})) || $ci; then
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "ensure-deps: need root to install or check ${need[*]:-packages}, and there is no sudo" >&2; exit 1
    fi
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Stale or absent package lists fail an install; under CI they are refreshed so the checks below ask today's mirror.
  $sudo apt-get update -qq >/dev/null || $sudo apt-get update -qq
fi
if ((${#need[@]})); then
  echo "ensure-deps: installing ${need[*]}" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
$ci || exit 0

# --- CI: prove each package, not its leftovers -------------------------------

started=$SECONDS
export LC_ALL=C # apt's messages are matched below
fail() { echo "ensure-deps: CI check failed: $*" >&2; exit 1; }
packages=()
for pair in "${relied[@]}"; do
  read -r thing pkg <<<"$pair"
  installed "$pkg" || fail "$pkg is not installed (dpkg: $(dpkg-query -W -f='${Status}' "$pkg" 2>&1))"
  packages+=("$pkg")
  case "$thing" in
    *.so | *.so.*) [[ -e "$thing" ]] || fail "$thing (from $pkg) is missing"; path="$thing" ;;
    *)
      path="$(command -v "$thing")" || fail "$thing (from $pkg) is not on PATH"
      out="$(timeout 60 "$path" --version 2>&1)" || fail "'$thing --version' (from $pkg) failed: $(tail -n 3 <<<"$out")"
      ;;
  esac
  # the .deb that really holds the file is the one a fresh machine must be able to fetch (cc is gcc-12's, not gcc's)
  owner="$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)" || true
  if [[ -n "$owner" ]]; then
    [[ " ${packages[*]} " == *" $owner "* ]] || packages+=("$owner")
  else
    echo "ensure-deps: note: $thing is $path, which no Debian package owns; the tests run that one, not $pkg's" >&2
  fi
done

# Installed versions still served: apt only notes, and exits 0, when one cannot be downloaded.
out="$(apt-get install -s --reinstall "${packages[@]}" 2>&1)" || fail "apt-get install -s --reinstall ${packages[*]}: $(tail -n 5 <<<"$out")"
if grep -q 'is not possible' <<<"$out"; then fail "$(grep 'is not possible' <<<"$out")"; fi
# A fresh machine: the whole dependency closure resolved against an empty dpkg status.
out="$(apt-get install -s --no-install-recommends -o Dir::State::status=/dev/null "${packages[@]}" 2>&1)" \
  || fail "apt cannot install ${packages[*]} on a fresh machine: $(tail -n 5 <<<"$out")"
closure="$(grep -c '^Inst ' <<<"$out" || true)"
# The .debs themselves, fetched into an empty directory so nothing cached stands in for the mirror.
debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
mkdir -p "$debs/partial"
chmod 0755 "$debs"
chown _apt "$debs/partial" 2>/dev/null || true
out="$($sudo apt-get install -qq --reinstall --download-only -o Dir::Cache::archives="$debs" "${packages[@]}" 2>&1)" \
  || fail "downloading ${packages[*]}: $(tail -n 5 <<<"$out")"
fetched=$(find "$debs" -maxdepth 1 -name '*.deb' | wc -l)
((fetched >= ${#packages[@]})) || fail "fetched $fetched .debs for ${#packages[@]} packages: $out"
echo "ensure-deps: CI: ${#packages[@]} packages installed and run; fresh install resolves ($closure packages); $fetched .debs ($(du -sh "$debs" | cut -f1)) fetched; $((SECONDS - started))s" >&2
