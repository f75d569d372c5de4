#include "agent/kv_store.h"

#include "agent/index_keys.h"

namespace meshx::agent {

const KvEntry* KvStore::get(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const KvEntry*> KvStore::withPrefix(const std::string& prefix) const {
    std::vector<const KvEntry*> out;
    for (auto it = entries_.lower_bound(prefix);
         it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        out.push_back(&it->second);
    }
    return out;
}

bool KvStore::put(const std::string& key, std::string value, uint64_t flags,
                  std::optional<uint64_t> cas) {
    auto it = entries_.find(key);
    if (cas) {
        if (*cas == 0 && it != entries_.end()) {
            return false;
        }
        if (*cas != 0 && (it == entries_.end() || it->second.modifyIndex != *cas)) {
            return false;
        }
    }
    IndexTable::Change change(indexes_);
    KvEntry& e = entries_[key];
    if (it == entries_.end()) {
        e.key = key;
        e.createIndex = change.index();
    }
    e.value = std::move(value);
    e.flags = flags;
    e.modifyIndex = change.index();
    change.touch(index_keys::kKv);
    return true;
}

bool KvStore::remove(const std::string& key, bool recurse, std::optional<uint64_t> cas) {
    if (recurse && cas) {
        return false;  // a subtree has no single ModifyIndex: never delete it under a CAS
    }
    IndexTable::Change change(indexes_);
    if (recurse) {
        auto it = entries_.lower_bound(key);
        while (it != entries_.end() && it->first.compare(0, key.size(), key) == 0) {
            it = entries_.erase(it);
        }
        change.touch(index_keys::kKv);
        return true;
    }
    auto it = entries_.find(key);
    if (cas && (it == entries_.end() || it->second.modifyIndex != *cas)) {
        return false;
    }
    if (it != entries_.end()) {
        entries_.erase(it);
    }
    change.touch(index_keys::kKv);
    return true;
}

uint64_t KvStore::tableIndex() const {
    return indexes_.get(index_keys::kKv);
}

}  // namespace meshx::agent
