#pragma once

#include <cstdint>
#include <string>

namespace meshx::node {

// A pid of our own C node, minted per call so that each reply names the call it answers.
// (erl_interface's erlang_pid without the fixed-size buffer, so headers need no ei.h.)
struct LocalPid {
    std::string node;
    uint32_t num = 0;
    uint32_t serial = 0;
    uint32_t creation = 0;

    bool operator==(const LocalPid& other) const = default;
};

}  // namespace meshx::node
