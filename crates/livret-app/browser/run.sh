#!/usr/bin/env bash
# The browser tests of the livret app: builds the `livret` binary, makes sure axe-core is in
# .browser-deps/ (npm, used by the tests only), runs the scenarios in a real Chromium.
# Under CI=true a missing chromium or chromedriver fails the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
# The same build as `cargo test --workspace` (same features, so nothing is compiled again after
# it); it leaves the `livret` binary in the target directory.
cargo test --workspace --no-run
if [ ! -f .browser-deps/node_modules/axe-core/axe.min.js ]; then
    mkdir -p .browser-deps
    (cd .browser-deps && npm install --silent --no-audit --no-fund axe-core@4)
fi
export LIVRET_BIN="$target/debug/livret"
export AXE_JS="$root/.browser-deps/node_modules/axe-core/axe.min.js"
exec python3 -m pytest -q "$root/crates/livret-app/browser/test_browser.py" "$@"
