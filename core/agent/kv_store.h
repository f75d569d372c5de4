#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/index_table.h"

namespace meshx::agent {

struct KvEntry {
    std::string key;
    std::string value;  // bytes
    uint64_t flags = 0;
    uint64_t lockIndex = 0;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
};

// The KV store (optional part of the dev agent; the console shows it). Writes stamp the "kv"
// index. Agent thread only.
class KvStore {
  public:
    explicit KvStore(IndexTable& indexes) : indexes_(indexes) {}

    const KvEntry* get(const std::string& key) const;
    std::vector<const KvEntry*> withPrefix(const std::string& prefix) const;
    // Check-and-set: cas 0 writes only a new key, N only if the key's ModifyIndex is N.
    bool put(const std::string& key, std::string value, uint64_t flags,
             std::optional<uint64_t> cas);
    // Deletes the key (or with `recurse` every key under the prefix). A CAS applies to one key
    // only: recurse together with a CAS deletes nothing and returns false.
    bool remove(const std::string& key, bool recurse, std::optional<uint64_t> cas);

    uint64_t tableIndex() const;

  private:
    IndexTable& indexes_;
    std::map<std::string, KvEntry> entries_;
};

}  // namespace meshx::agent
