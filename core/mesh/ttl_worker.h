#pragma once

#include <QObject>
#include <QTimer>

#include <chrono>
#include <string>

#include "common/result.h"

namespace meshx::consul {
class ConsulApi;
}

namespace meshx::mesh {

// Keeps one TTL check alive, as MeshxConsul's TTL worker does: a first update, then one every
// `interval`, each a PUT /agent/check/update with the current status. The first update goes out
// from start() itself by default (`firstDelay` 0): a start waits for its service to pass, and
// MeshxConsul's fixed ~100 ms first delay was most of that wait (issue 20).
// setStatus() pushes at once. When the agent answers 404 the check is gone (agent restarted or
// someone deregistered it): checkLost() lets the engine re-register.
//
// Thread: lives on the mesh runtime thread; every method is for that thread.
class TtlWorker : public QObject {
    Q_OBJECT

  public:
    TtlWorker(consul::ConsulApi& api, std::string serviceId, std::string checkId,
              std::string status, std::chrono::milliseconds interval,
              std::chrono::milliseconds firstDelay = std::chrono::milliseconds(0),
              QObject* parent = nullptr);

    // Sends the first update now (firstDelay 0) or arms it.
    void start();
    // Stops the timer and deregisters the check (blocking, bounded by the client's timeout).
    void stop();
    // Stops the timer and drops late answers, leaving the check to the caller: for a caller
    // that deregisters the whole service next (the agent removes its checks with it).
    void halt();

    // "passing", "warning" or "critical"; anything else is InvalidArgument.
    Status setStatus(const std::string& status);
    const std::string& status() const { return status_; }
    const std::string& checkId() const { return checkId_; }
    const std::string& serviceId() const { return serviceId_; }
    // Updates the agent accepted so far.
    uint64_t updates() const { return updates_; }
    // Whether the next periodic update is scheduled: from start() until stop(), except while an
    // update is in flight (its answer schedules the next one).
    bool updateScheduled() const { return timer_.isActive(); }

    static bool isValidStatus(const std::string& status);

  signals:
    void checkLost(const QString& serviceId);
    void statusPushed(const QString& status);
    void updateFailed(const QString& error);

  private:
    void push();

    consul::ConsulApi& api_;
    const std::string serviceId_;
    const std::string checkId_;
    std::string status_;
    const std::chrono::milliseconds interval_;
    const std::chrono::milliseconds firstDelay_;
    QTimer timer_;
    bool inFlight_ = false;  // one update at a time: a slow agent must not pile them up
    bool repush_ = false;    // status changed while an update was in flight
    bool stopped_ = true;    // until start(), and after stop(): late answers are dropped
    uint64_t updates_ = 0;
};

}  // namespace meshx::mesh
