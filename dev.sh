#!/usr/bin/env bash
# The two set-up commands of the README:
#   ./dev.sh run    install dependencies, build, and launch the console (embedded dev agent)
#   ./dev.sh test   install dependencies, build, and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

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
    *)
        echo "usage: ./dev.sh run|test" >&2
        exit 2
        ;;
esac
