#!/usr/bin/env bash
# Fails when a test, benchmark, fuzz target or CMake file refers to a path outside the repository,
# so a clone of the repository alone runs its own tests. Test data lives in tests/data/.
#   check_hermetic.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: check_hermetic.sh SOURCE_DIR}
cd "$root"

# What reaches outside the tree: the reference folder beside the clone, the old variable that
# pointed at it, a source/binary dir stepped out of with "/..", and absolute paths of workstations.
patterns=(
    '\.\.[/]shared'
    'shared[/]reference'
    'MESHX_SHARED_DIR'
    '(CMAKE|PROJECT)_SOURCE_DIR\}/\.\.(/|")'
    '"/(work|home|root|Users)/'
)

files=$(git ls-files 2>/dev/null || find . -type f | sed "s|^\./||")
files=$(printf '%s\n' "$files" | grep -E '^(tests/|cmake/|core/|ui/|app/|CMakeLists\.txt|CMakePresets\.json|dev\.sh|\.ci/)' |
        grep -vE '^tests/data/|^tests/hermetic/|\.md$|\.png$')

found=0
for p in "${patterns[@]}"; do
    # shellcheck disable=SC2086
    if hits=$(printf '%s\n' "$files" | xargs grep -nE "$p" -- 2>/dev/null); then
        printf '%s\n' "$hits" | sed 's/^/outside the tree: /'
        found=1
    fi
done

if [ "$found" -ne 0 ]; then
    echo "check_hermetic: FAILED (put the data under tests/data/ and read it through MESHX_TEST_DATA_DIR)"
    exit 1
fi
echo "check_hermetic: $(printf '%s\n' "$files" | wc -l) files, no path outside the tree"
