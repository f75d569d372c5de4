#!/usr/bin/env bash
# Plants a test that reads ../shared in a scratch tree and expects check_hermetic.sh to fail on it,
# and a clean tree to pass.
set -euo pipefail
check=${1:?usage: check_hermetic_selftest.sh CHECK_SCRIPT}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

mkdir -p "$scratch/tests/unit"
echo 'const char* kData = MESHX_TEST_DATA_DIR "/consul/x.json";' > "$scratch/tests/unit/clean.cpp"
"$check" "$scratch" >/dev/null || { echo "selftest: a clean tree was refused"; exit 1; }

echo 'const char* kData = "../shared/reference/x.json";' > "$scratch/tests/unit/bad.cpp"
if "$check" "$scratch" >/dev/null; then
    echo "selftest: a test reading ../shared passed the check"
    exit 1
fi
echo "selftest: check_hermetic refuses ../shared and accepts a clean tree"
