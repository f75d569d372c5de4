#pragma once

#include <QObject>
#include <QTimer>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "agent/ca/connect_ca.h"
#include "agent/clock.h"
#include "agent/index_table.h"

namespace meshx::agent {

// The agent's leaf-certificate cache: one current leaf per service name, issued on first
// request, re-issued at a random moment between 60% and 90% of its lifetime (at once past
// 90%), when it expired, or when the root changed. A renewal stamps "leaf:<service>" so blocking
// leaf watchers wake. Agent thread only.
class LeafCertificates : public QObject {
    Q_OBJECT

  public:
    struct Cached {
        ConnectCaLeaf cert;
        uint64_t createIndex = 0;
        uint64_t modifyIndex = 0;
        std::chrono::system_clock::time_point renewAt;
    };

    // `ca` may be null (no Connect): every call then fails.
    LeafCertificates(ConnectCa* ca, std::string datacenter, std::chrono::seconds ttl,
                     IndexTable& indexes, const Clock& clock, QObject* parent = nullptr);

    ConnectCa* authority() const { return ca_; }
    // The valid current leaf (issuing or renewing first when needed).
    Result<const Cached*> current(const std::string& service);
    // ModifyIndex of the cached leaf (0 when none yet).
    uint64_t index(const std::string& service) const;
    // Renews every leaf whose renewal moment has passed. Called by the timer.
    void renewDue();

  private:
    Result<const Cached*> issue(const std::string& service, Cached* previous);
    void rearm();

    ConnectCa* ca_;
    std::string datacenter_;
    std::chrono::seconds ttl_;
    IndexTable& indexes_;
    const Clock& clock_;
    std::map<std::string, Cached> leaves_;
    QTimer timer_;
};

}  // namespace meshx::agent
