#pragma once

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "consul/kv_types.h"

namespace meshx::consul {
class BlockingWatcher;
class ConsulApi;
}  // namespace meshx::consul

namespace meshx::engine {

// Watches every KV entry under one prefix of one datacenter with a blocking query
// (GET /kv/:prefix?recurse&index=N), so a write by anyone shows at once. Each change replaces
// the whole list (entries sorted by key, as the agent sends them) and emits changed(); an error
// (agent down, a datacenter that went away) emits failed() and the watch retries with back-off
// until it succeeds or is stopped.
//
// Standalone: it needs only a ConsulApi, so the engine's Session can own one per view later.
// Thread: the owner's thread (create, call, destroy; signals are emitted on it). `api` must
// outlive the watch.
class KvWatch : public QObject {
    Q_OBJECT

  public:
    explicit KvWatch(consul::ConsulApi& api, QObject* parent = nullptr);
    ~KvWatch() override;

    // Starts watching `prefix` ("" is the whole store) in `dc` ("" is the agent's own),
    // replacing any earlier watch; entries() is cleared until the first answer.
    void watch(const std::string& prefix, const std::string& dc = {});
    // Stops the blocking query (returns once its thread has ended).
    void stop();
    bool watching() const { return watcher_ != nullptr; }

    const std::string& prefix() const { return prefix_; }
    const std::string& datacenter() const { return dc_; }
    const std::vector<consul::KvEntry>& entries() const { return entries_; }
    // The entry with exactly this key, or null.
    const consul::KvEntry* find(const std::string& key) const;
    // X-Consul-Index of the last answer (0 before the first).
    uint64_t index() const { return index_; }
    // True once the first answer of the current watch arrived.
    bool loaded() const { return loaded_; }
    // Blocking queries sent so far by the current watch (tests: proves it blocks, not polls).
    uint64_t requests() const;

  signals:
    void changed();
    void failed(const QString& error);

  private:
    consul::ConsulApi& api_;
    std::unique_ptr<consul::BlockingWatcher> watcher_;
    std::string prefix_;
    std::string dc_;
    std::vector<consul::KvEntry> entries_;
    uint64_t index_ = 0;
    bool loaded_ = false;
    // Bumped by each watch(): answers of an earlier watch still queued are dropped.
    uint64_t generation_ = 0;
};

}  // namespace meshx::engine
