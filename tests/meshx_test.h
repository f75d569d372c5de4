#pragma once

// Pretty-printing of project types in Qt Test failure messages (found by ADL), and the small
// helpers every test file would otherwise write again.

#include <QtTest>

#include <chrono>

#include "common/error.h"
#include "common/result.h"

namespace meshx {
inline char* toString(Code code) {
    return qstrdup(std::string(codeName(code)).c_str());
}
}  // namespace meshx

namespace meshx::test {

// Milliseconds since `start` on the steady clock.
inline long long msSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
}

// True when `r` holds a value; otherwise false, with its error in the test log, so that
// QVERIFY(ok(r)) says why it failed.
template <typename T>
bool ok(const Result<T>& r) {
    if (!r) {
        qWarning() << r.error().toString().c_str();
    }
    return r.ok();
}

}  // namespace meshx::test
