#!/bin/sh
# CTest fixture set-up for the OpenTelemetry SDK round trip (test_otlp_sdk): installs the pinned
# OpenTelemetry JavaScript SDK (package.json + package-lock.json next to this script) from the npm
# registry into the build tree with `npm ci`. Nothing is committed: node_modules lives in $2.
#
#   npm_install.sh <source dir with package.json> <install dir>
#
# When npm or the registry cannot be reached, it writes <install dir>/UNREACHABLE with the reason
# and exits 0: test_otlp_sdk then skips with that reason. Any other failure fails this test.
set -u
src="$1"
dst="$2"
mkdir -p "$dst"
rm -f "$dst/UNREACHABLE"
cp "$src/package.json" "$src/package-lock.json" "$dst/"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "node or npm is not installed (packaging/install-deps.sh installs nodejs and npm)" >"$dst/UNREACHABLE"
    echo "SKIP: $(cat "$dst/UNREACHABLE")"
    exit 0
fi
if [ -f "$dst/node_modules/.package-lock.json" ] &&
    cmp -s "$dst/package-lock.json" "$dst/installed-lock.json" 2>/dev/null; then
    echo "the OpenTelemetry SDK is already installed in $dst"
    exit 0
fi
if ! timeout 60 npm ping >"$dst/npm-ping.log" 2>&1; then
    why=$(grep -i "err" "$dst/npm-ping.log" | tail -n 1)
    echo "the npm registry is unreachable (${why:-npm ping failed})" >"$dst/UNREACHABLE"
    echo "SKIP: $(cat "$dst/UNREACHABLE")"
    exit 0
fi
cd "$dst" || exit 1
if ! timeout 600 npm ci --no-audit --no-fund --ignore-scripts; then
    echo "npm ci failed although the registry answered" >&2
    exit 1
fi
cp package-lock.json installed-lock.json
echo "installed the OpenTelemetry SDK into $dst"
