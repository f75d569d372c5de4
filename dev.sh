#!/usr/bin/env bash
# The two set-up commands of the README:
#   ./dev.sh run        install dependencies, build, and launch the console (embedded dev agent)
#   ./dev.sh test       install dependencies, build, and run the whole test suite
# and one more that CI runs after `test`:
#   ./dev.sh test-asan  the engine, CLI, agent, proxy and their tests under AddressSanitizer+UBSan
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
    *)
        echo "usage: ./dev.sh run|test|test-asan" >&2
        exit 2
        ;;
esac
