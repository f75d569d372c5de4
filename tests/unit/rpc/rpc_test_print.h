#pragma once

// Readable Qt Test comparisons of rpc error codes. (QCOMPARE on the enum itself would find
// wire::toString() by ADL, which returns a string_view, not the char* Qt Test wants.)

#include "meshx_test.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc::test {
inline QString wireName(meshx::rpc::wire::WireError e) {
    std::string_view s = meshx::rpc::wire::toString(e);
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}
}  // namespace meshx::rpc::test

#define QCOMPARE_WIRE(actual, expected) \
    QCOMPARE(meshx::rpc::test::wireName(actual), meshx::rpc::test::wireName(expected))
