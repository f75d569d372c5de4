#pragma once

#include <QObject>
#include <QTimer>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace meshx::agent {

// Parked blocking queries. A waiter names the index keys it depends on, a deadline, a `ready`
// test and an `answer` action; it costs a map entry, not a thread. notify(keys) (from the
// IndexTable listener) re-tests the waiters of those keys and answers the ready ones; one timer
// answers the waiters whose deadline passed. Agent thread only.
class BlockingRegistry : public QObject {
    Q_OBJECT

  public:
    struct Waiter {
        std::vector<std::string> keys;
        std::chrono::steady_clock::time_point deadline;
        std::function<bool()> ready;   // true: the result changed, answer now
        std::function<void()> answer;  // evaluates and responds (runs once)
    };

    explicit BlockingRegistry(QObject* parent = nullptr);

    uint64_t park(Waiter waiter);
    // Forgets a waiter without answering (its client went away). Unknown IDs are ignored.
    void cancel(uint64_t id);
    void notify(const std::vector<std::string>& keys);
    size_t size() const { return waiters_.size(); }

  private:
    void remove(uint64_t id);
    void onTimer();
    void rearm();

    uint64_t nextId_ = 1;
    std::unordered_map<uint64_t, Waiter> waiters_;
    std::unordered_map<std::string, std::unordered_set<uint64_t>> byKey_;
    std::multimap<std::chrono::steady_clock::time_point, uint64_t> deadlines_;
    QTimer timer_;
};

}  // namespace meshx::agent
