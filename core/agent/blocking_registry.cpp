#include "agent/blocking_registry.h"

namespace meshx::agent {

BlockingRegistry::BlockingRegistry(QObject* parent) : QObject(parent) {
    timer_.setSingleShot(true);
    timer_.setTimerType(Qt::PreciseTimer);
    connect(&timer_, &QTimer::timeout, this, &BlockingRegistry::onTimer);
}

uint64_t BlockingRegistry::park(Waiter waiter) {
    const uint64_t id = nextId_++;
    for (const auto& k : waiter.keys) {
        byKey_[k].insert(id);
    }
    deadlines_.emplace(waiter.deadline, id);
    waiters_.emplace(id, std::move(waiter));
    rearm();
    return id;
}

void BlockingRegistry::cancel(uint64_t id) {
    remove(id);
    rearm();
}

void BlockingRegistry::remove(uint64_t id) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) {
        return;
    }
    for (const auto& k : it->second.keys) {
        auto set = byKey_.find(k);
        if (set != byKey_.end()) {
            set->second.erase(id);
            if (set->second.empty()) {
                byKey_.erase(set);
            }
        }
    }
    auto range = deadlines_.equal_range(it->second.deadline);
    for (auto d = range.first; d != range.second; ++d) {
        if (d->second == id) {
            deadlines_.erase(d);
            break;
        }
    }
    waiters_.erase(it);
}

void BlockingRegistry::notify(const std::vector<std::string>& keys) {
    std::unordered_set<uint64_t> candidates;
    for (const auto& k : keys) {
        auto set = byKey_.find(k);
        if (set != byKey_.end()) {
            candidates.insert(set->second.begin(), set->second.end());
        }
    }
    // Ascending IDs: the oldest waiter answers first.
    std::vector<uint64_t> ordered(candidates.begin(), candidates.end());
    std::sort(ordered.begin(), ordered.end());
    for (uint64_t id : ordered) {
        auto it = waiters_.find(id);
        if (it == waiters_.end() || !it->second.ready()) {
            continue;  // answered meanwhile, or nothing visible changed
        }
        auto answer = std::move(it->second.answer);
        remove(id);
        answer();
    }
    rearm();
}

void BlockingRegistry::onTimer() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<uint64_t> due;
    for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
        due.push_back(it->second);
    }
    for (uint64_t id : due) {
        auto it = waiters_.find(id);
        if (it == waiters_.end()) {
            continue;
        }
        auto answer = std::move(it->second.answer);
        remove(id);
        answer();
    }
    rearm();
}

void BlockingRegistry::rearm() {
    if (deadlines_.empty()) {
        timer_.stop();
        return;
    }
    const auto wait = deadlines_.begin()->first - std::chrono::steady_clock::now();
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    timer_.start(static_cast<int>(std::max<long long>(0, std::min<long long>(ms, 1 << 30))));
}

}  // namespace meshx::agent
