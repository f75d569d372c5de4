#!/usr/bin/env bash
# Plants a test that reads the reference folder beside the clone in a scratch tree and expects check_hermetic.sh to fail on it,
# and a clean tree to pass.
set -euo pipefail
check=${1:?usage: check_hermetic_selftest.sh CHECK_SCRIPT}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

mkdir -p "$scratch/tests/unit"
echo 'const char* kData = MESHX_TEST_DATA_DIR "/consul/x.json";' > "$scratch/tests/unit/clean.cpp"
"$check" "$scratch" >/dev/null || { echo "selftest: a clean tree was refused"; exit 1; }

# The planted path is built from parts so this script itself names no folder outside the tree.
outside="..""/shared""/reference/x.json"
echo "const char* kData = \"$outside\";" > "$scratch/tests/unit/bad.cpp"
if "$check" "$scratch" >/dev/null; then
    echo "selftest: a test reading the outside folder passed the check"
    exit 1
fi
echo "selftest: check_hermetic refuses the outside folder and accepts a clean tree"
