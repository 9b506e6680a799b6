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

# Builds the browser bundle into target/site and the server binary.
build_site() {
  say "building the browser bundle (wasm)"
  cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  rm -rf target/site
  mkdir -p target/site/pkg
  wasm-bindgen --target web --no-typescript --out-dir target/site/pkg --out-name app \
    target/wasm32-unknown-unknown/wasm-release/frontend.wasm
  if command -v wasm-opt >/dev/null 2>&1; then
    # Optional extra shrinking; a binaryen too old for the module's features just skips it.
    wasm-opt -Oz --all-features target/site/pkg/app_bg.wasm -o target/site/pkg/app_bg.opt.wasm 2>/dev/null \
      && mv target/site/pkg/app_bg.opt.wasm target/site/pkg/app_bg.wasm || rm -f target/site/pkg/app_bg.opt.wasm
  fi
  cp -R public/. target/site/
  cp style/main.css target/site/pkg/app.css
  say "building the server"
  cargo build -p server
}
