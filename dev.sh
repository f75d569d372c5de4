#!/usr/bin/env bash
# The two set-up commands of the README:
#   ./dev.sh run        install dependencies, build, and launch the console (embedded dev agent)
#   ./dev.sh test       install dependencies, build, and run the whole test suite
# and more that CI runs after `test`:
#   ./dev.sh test-asan  the engine, CLI, agent, proxy and their tests under AddressSanitizer+UBSan
#   ./dev.sh lint       clang-format check of every C++ file, clang-tidy (.clang-tidy's checks)
#                       over the engine floor and the mesh (needs build/dev's compile commands)
set -euo pipefail
cd "$(dirname "$0")"

# ccache (installed by install-deps) makes rebuilds cheap; a first build is no slower without it.
if command -v ccache >/dev/null 2>&1; then
    export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
    export CMAKE_C_COMPILER_LAUNCHER=${CMAKE_C_COMPILER_LAUNCHER:-ccache}
fi

command=${1:-}
case "$command" in
    run)
        packaging/install-deps.sh
        cmake --preset release
        cmake --build --preset release
        shift
        exec build/release/bin/meshx-console "$@"
        ;;
    test)
        packaging/install-deps.sh
        cmake --preset dev
        cmake --build --preset dev
        ctest --preset dev
        ;;
    test-asan)
        packaging/install-deps.sh
        cmake --preset asan
        cmake --build --preset asan
        ctest --preset asan
        ;;
    lint)
        # One brace style: the committed .clang-format, checked (not applied) on every file.
        git ls-files '*.h' '*.cpp' | xargs clang-format --dry-run --Werror
        # A small set of clang-tidy checks (.clang-tidy) over the floors every front end
        # stands on; widen the folders as they come clean.
        if [ ! -f build/dev/compile_commands.json ]; then
            cmake --preset dev >/dev/null
        fi
        git ls-files 'core/engine/*.cpp' 'core/mesh/*.cpp' |
            xargs -P "$(nproc)" -n 4 clang-tidy -p build/dev --quiet
        echo "lint: clean"
        ;;
    *)
        echo "usage: ./dev.sh run|test|test-asan|lint" >&2
        exit 2
        ;;
esac
