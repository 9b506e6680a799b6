# Shared by scripts/run and scripts/test: install what a fresh machine lacks, build the site.
# Sourced, not run. Every step checks first, so a second run installs nothing.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

WASM_BINDGEN_VERSION="0.2.130" # must equal the wasm-bindgen pin in Cargo.toml

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
is_root() { [ "$(id -u)" = "0" ]; }

apt_updated=0
apt_install() {
  if ! is_root; then
    echo "error: '$*' is missing and only root can install it here (apt-get install $*)." >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
    # No --locked: the CLI's own lockfile names a yanked crate.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

pg_bin_dir() {
  if [ -n "${PG_BIN_DIR:-}" ]; then echo "$PG_BIN_DIR"; return; fi
  local d
  d="$(pg_config --bindir 2>/dev/null || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_postgres_binaries() {
  local d
  d="$(pg_bin_dir)"
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    if is_root; then
      apt_install postgresql
    else
      echo "error: no PostgreSQL server binaries (initdb, pg_ctl) found. Install Debian's 'postgresql' package, set PG_BIN_DIR, or set DATABASE_URL." >&2
      exit 1
    fi
  fi
}

ensure_browser_tools() {
  if ! command -v chromium >/dev/null 2>&1; then
    apt_install chromium
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "installing the end-to-end test packages"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# brotli for precompressing the bundle (gzip is part of every Debian system).
ensure_compress_tools() {
  if ! command -v brotli >/dev/null 2>&1; then
    apt_install brotli
  fi
}

# Builds the browser bundle into target/site and the server binary (`build_site release` builds
# the optimised server, as production runs it; without an argument the debug one the tests use).
#
# The bundle is named after a hash of its contents (target/site/bundle.txt holds the name, e.g.
# app-3f9c…): the server serves /pkg as immutable for a year, and a new build is a new name.
# No wasm-opt on purpose: binaryen 132's -Oz shrinks the file on disk but the download grows
# (BENCHMARKS.md, "First load"); what the wire carries is what a phone waits for.
build_site() {
  local profile="${1:-debug}"
  ensure_compress_tools
  say "building the browser bundle (wasm)"
  cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  rm -rf target/site
  mkdir -p target/site/pkg target/site-stage
  local wasm=target/wasm32-unknown-unknown/wasm-release/frontend.wasm
  # The name section (function names, 7 MB of 11.7) only serves debuggers.
  local bindgen=(wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section)
  rm -rf target/site-stage/*
  "${bindgen[@]}" --out-dir target/site-stage --out-name app "$wasm"
  local id
  id="$(cat target/site-stage/app_bg.wasm target/site-stage/app.js style/main.css | sha256sum | cut -c1-16)"
  local name="app-$id"
  "${bindgen[@]}" --out-dir target/site/pkg --out-name "$name" "$wasm"
  rm -rf target/site-stage
  cp style/main.css "target/site/pkg/$name.css"
  cp -R public/. target/site/
  # The service worker precaches exactly this bundle, and its bytes change with it, so browsers
  # install the new worker (and drop the old cache) after a deploy.
  sed -i "s/__BUNDLE__/$name/g" target/site/sw.js
  echo "$name" >target/site/bundle.txt
  say "precompressing the bundle (brotli, gzip)"
  local f
  for f in target/site/pkg/*; do
    brotli -q 11 -k -f "$f"
    gzip -9 -k -n -f "$f"
  done
  say "building the server ($profile)"
  if [ "$profile" = release ]; then cargo build -p server --release; else cargo build -p server; fi
}
