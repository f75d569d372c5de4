#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshx::agent {

// The agent's raft-index stand-in: one global, monotonically increasing modification counter,
// and for each watched key ("services", "svc:web", "checks", "intentions", "ca", "leaf:web",
// "kv", ...) the index of its last change. Blocking queries wait on keys; a write commits a
// Change, which stamps all its keys with one new index and then tells the listener.
// Agent thread only.
class IndexTable {
  public:
    class Change {
      public:
        explicit Change(IndexTable& table) : table_(table) {}
        Change(const Change&) = delete;
        Change& operator=(const Change&) = delete;
        ~Change() { commit(); }

        // The index this change stamps (allocated on first use).
        uint64_t index();
        void touch(std::string key) { keys_.insert(std::move(key)); }
        // Stamps the keys and notifies; idempotent. Without touched keys nothing happens.
        void commit();

      private:
        IndexTable& table_;
        uint64_t index_ = 0;
        std::set<std::string> keys_;
        bool committed_ = false;
    };

    using Listener = std::function<void(const std::vector<std::string>& keys)>;
    void setListener(Listener listener) { listener_ = std::move(listener); }

    // Last index of a key, or `fallback` when the key never changed.
    uint64_t get(const std::string& key, uint64_t fallback = 0) const;
    uint64_t current() const { return counter_; }

  private:
    uint64_t allocate() { return ++counter_; }

    uint64_t counter_ = 0;
    std::unordered_map<std::string, uint64_t> indexes_;
    Listener listener_;
};

}  // namespace meshx::agent
