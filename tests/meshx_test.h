#pragma once

// Pretty-printing of project types in Qt Test failure messages (found by ADL).

#include <QtTest>

#include "common/error.h"

namespace meshx {
inline char* toString(Code code) {
    return qstrdup(std::string(codeName(code)).c_str());
}
}  // namespace meshx
