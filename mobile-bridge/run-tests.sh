#!/usr/bin/env bash
# The mobile bridge, end to end: builds the native library, generates the Kotlin, Swift and
# Python bindings from it (library mode) into <target>/bindings/, and runs the Python tests
# against the library through the generated Python module. Exits non-zero if any step fails,
# if a generation produced nothing, or if no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."

# The target directory as cargo sees it (CARGO_TARGET_DIR or ./target).
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# One build: the library (lib, cdylib, staticlib) and the uniffi-bindgen binary beside it.
cargo build -p mobile-bridge --features bindgen

case "$(uname -s)" in
    Darwin) lib="$target_dir/debug/liblivret_mobile.dylib" ;;
    *) lib="$target_dir/debug/liblivret_mobile.so" ;;
esac
out="$target_dir/bindings"
rm -rf "$out"
for lang in kotlin swift python; do
    "$target_dir/debug/uniffi-bindgen" generate "$lib" --language "$lang" \
        --out-dir "$out/$lang" --no-format --metadata-no-deps
done

# Generation must have produced each language's files, with the device object in them.
expect() {
    if [ ! -s "$1" ] || ! grep -q "$2" "$1"; then
        echo "run-tests.sh: binding generation failed: $1 is missing or lacks $2" >&2
        exit 1
    fi
}
expect "$out/kotlin/uniffi/livret_mobile/livret_mobile.kt" "class LivretDevice"
expect "$out/swift/livret_mobile.swift" "class LivretDevice"
expect "$out/swift/livret_mobileFFI.h" "uniffi_livret_mobile"
expect "$out/swift/livret_mobileFFI.modulemap" "livret_mobileFFI"
expect "$out/python/livret_mobile.py" "class LivretDevice"
echo "bindings generated in $out (kotlin, swift, python)"

# The Python module loads the library from its own folder.
cp "$lib" "$out/python/"

python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install --quiet pytest
status=0
PYTHONPATH="$out/python" python3 -m pytest -p no:cacheprovider -q mobile-bridge/tests || status=$?
if [ "$status" -eq 5 ]; then
    echo "run-tests.sh: no test ran" >&2
    exit 1
fi
exit "$status"
