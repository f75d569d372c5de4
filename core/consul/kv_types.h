#pragma once

#include <cstdint>
#include <string>

namespace meshx::consul {

// One element of GET /kv/:prefix?recurse (and of GET /kv/:key without ?raw): the value already
// decoded from its base64 form. ModifyIndex is what a check-and-set write sends as ?cas=.
struct KvEntry {
    std::string key;
    std::string value;  // raw bytes (may be binary)
    uint64_t flags = 0;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
    uint64_t lockIndex = 0;
};

}  // namespace meshx::consul
