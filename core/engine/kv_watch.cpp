#include "engine/kv_watch.h"

#include "consul/blocking_watcher.h"
#include "consul/kv_endpoints.h"

namespace meshx::engine {

namespace ep = consul::endpoints;

KvWatch::KvWatch(consul::ConsulApi& api, QObject* parent) : QObject(parent), api_(api) {}

KvWatch::~KvWatch() {
    stop();
}

void KvWatch::watch(const std::string& prefix, const std::string& dc) {
    stop();
    prefix_ = prefix;
    dc_ = dc;
    entries_.clear();
    index_ = 0;
    loaded_ = false;
    const uint64_t generation = ++generation_;
    consul::BlockingWatcher::Options options;
    options.wait = std::chrono::seconds(60);
    // An operator waiting for the agent to come back should not wait long once it has.
    options.backoff.initial = std::chrono::milliseconds(200);
    options.backoff.max = std::chrono::seconds(2);
    // A write of the same bytes still moves ModifyIndex, which a later check-and-set needs.
    options.skipUnchangedBody = false;
    using Value = consul::Indexed<std::vector<consul::KvEntry>>;
    watcher_ = consul::BlockingWatcher::typed<Value>(
        api_, ep::kvList(prefix, dc), options, this,
        [this, generation](const Value& value, uint64_t) {
            if (generation != generation_) {
                return;
            }
            entries_ = value.value;
            index_ = value.index;
            loaded_ = true;
            emit changed();
        },
        [this, generation](const Error& error, std::chrono::milliseconds retryIn) {
            if (generation != generation_) {
                return;
            }
            emit failed(QString::fromStdString(error.message) +
                        QStringLiteral(" (retrying in %1 ms)").arg(retryIn.count()));
        });
    watcher_->start();
}

void KvWatch::stop() {
    if (watcher_) {
        watcher_->stop();
        watcher_.reset();
    }
}

const consul::KvEntry* KvWatch::find(const std::string& key) const {
    for (const auto& entry : entries_) {
        if (entry.key == key) {
            return &entry;
        }
    }
    return nullptr;
}

uint64_t KvWatch::requests() const {
    return watcher_ ? watcher_->requests() : 0;
}

}  // namespace meshx::engine
