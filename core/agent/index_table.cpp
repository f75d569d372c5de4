#include "agent/index_table.h"

namespace meshx::agent {

uint64_t IndexTable::Change::index() {
    if (index_ == 0) {
        index_ = table_.allocate();
    }
    return index_;
}

void IndexTable::Change::commit() {
    if (committed_ || keys_.empty()) {
        return;
    }
    committed_ = true;
    const uint64_t idx = index();
    std::vector<std::string> keys(keys_.begin(), keys_.end());
    for (const auto& k : keys) {
        table_.indexes_[k] = idx;
    }
    if (table_.listener_) {
        table_.listener_(keys);
    }
}

uint64_t IndexTable::get(const std::string& key, uint64_t fallback) const {
    auto it = indexes_.find(key);
    return it == indexes_.end() ? fallback : it->second;
}

}  // namespace meshx::agent
