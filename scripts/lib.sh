# Shared by scripts/run and scripts/test: install what a fresh machine lacks, build the site.
# Sourced, not run. Every step checks first, so a second run installs nothing.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

WASM_BINDGEN_VERSION="0.2.130" # must equal the wasm-bindgen pin in Cargo.toml
# What `p2p-wasm-split --version` prints (tools/wasm-split); a new line there means reinstall.
WASM_SPLIT_VERSION="p2p-wasm-split 0.1.1 (wasm_split_cli_support 0.2.4)"

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
  if [ "$(p2p-wasm-split --version 2>/dev/null)" != "$WASM_SPLIT_VERSION" ]; then
    say "installing the wasm splitter (tools/wasm-split, a few minutes, once)"
    # Our own small wrapper around the library cargo-leptos `--split` uses, locked to its
    # Cargo.lock (cargo-leptos itself takes 20-30 minutes to install here).
    cargo install --path tools/wasm-split --locked --force --target-dir target/tools
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
# The bundle lives in a folder named after a hash of its contents, target/site/pkg/app-<hash>/
# (target/site/bundle.txt holds the name): app.js, app_bg.wasm, app.css, and the lazily loaded
# chunks of the admin area with their loader and manifest. The server serves /pkg as immutable
# for a year, and a new build is a new folder.
# No wasm-opt on purpose: binaryen 132's -Oz shrinks the file on disk but the download grows
# (BENCHMARKS.md, "First load"); what the wire carries is what a phone waits for.
build_site() {
  local profile="${1:-debug}"
  ensure_compress_tools
  say "building the browser bundle (wasm)"
  # The splitter needs the linker's relocations to move code between modules (what
  # cargo-leptos --split adds, src/config/project.rs there).
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Clink-args=--emit-relocs ${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-}" \
    cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  rm -rf target/site target/site-stage
  mkdir -p target/site/pkg target/site-stage/pkg
  local wasm=target/wasm32-unknown-unknown/wasm-release/frontend.wasm
  local stage=target/site-stage/pkg
  say "splitting the admin area's lazy routes out of the wasm"
  # Writes a .wasm per lazily loaded chunk, the loader `__wasm_split.____.js` and
  # `__wasm_split_manifest.json` into the stage, and the main module for wasm-bindgen.
  p2p-wasm-split "$wasm" "$stage" target/site-stage/main.wasm app.js >/dev/null
  # As cargo-leptos runs it for a split build: the chunks import the main module's own
  # functions by their linker names, so those exports stay. The name section (function names,
  # 7 MB of 11.7) only serves debuggers.
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
    --remove-name-section --remove-producers-section \
    --out-dir "$stage" --out-name app target/site-stage/main.wasm
  cp style/main.css "$stage/app.css"
  local id
  id="$(cd "$stage" && find . -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
  local name="app-$id"
  mv "$stage" "target/site/pkg/$name"
  rm -rf target/site-stage
  cp -R public/. target/site/
  # The service worker precaches exactly this bundle, and its bytes change with it, so browsers
  # install the new worker (and drop the old cache) after a deploy.
  sed -i "s/__BUNDLE__/$name/g" target/site/sw.js
  echo "$name" >target/site/bundle.txt
  say "precompressing the bundle (brotli, gzip)"
  local f
  for f in "target/site/pkg/$name"/*; do
    brotli -q 11 -k -f "$f"
    gzip -9 -k -n -f "$f"
  done
  say "building the server ($profile)"
  if [ "$profile" = release ]; then cargo build -p server --release; else cargo build -p server; fi
}
