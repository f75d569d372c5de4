#!/usr/bin/env bash
# Installs every Debian package Meshx needs to build, test and run its demos.
# Idempotent and non-interactive; runs as root, or through sudo otherwise.
set -euo pipefail

PACKAGES=(
    # toolchain
    build-essential cmake ninja-build pkg-config clang-format clang-tidy ccache
    # libraries (build)
    qt6-base-dev qt6-base-dev-tools libqcustomplot-dev libmstch-dev
    nlohmann-json3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev erlang-dev
    libisal-dev   # ISA-L: hardware CRC-32 for MeshxRpc block checksums
    libre2-dev    # RE2: linear-time regexes in the telemetry filter
    libboost-dev  # Boost.Beast (header-only): the dev agent's HTTP/1.1 request parser
    liburing-dev  # io_uring: meshx-proxy's relay loop (falls back to epoll where refused)
    # tests and demos: real X server for screenshots, real Erlang peers, third-party Consul
    # client, reference proxies for benchmarks, packaging checks
    xvfb xauth erlang-base python3 python3-consul2 haproxy socat curl openssl
    dpkg-dev file lintian desktop-file-utils appstream
    # the gRPC column of tests/bench/rpc (configuring warns when any is missing)
    libgrpc++-dev libprotobuf-dev protobuf-compiler-grpc
    clang-14 libclang-rt-14-dev  # the `fuzz` preset (libFuzzer, ASan, UBSan; docs/fuzzing.md)
    # the OpenTelemetry round trip (tests/integration/otlp): Node.js runs the OpenTelemetry
    # JavaScript SDK, which npm installs from the registry at test set-up time
    nodejs npm
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

missing=()
for p in "${PACKAGES[@]}"; do
    # A Node.js build that bundles its own npm (e.g. NodeSource's) conflicts with Debian's npm.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
