#pragma once

#include <QObject>

#include <map>
#include <memory>
#include <string>

#include "agent/agent_state.h"

class QNetworkAccessManager;

namespace meshx::agent {

// Runs the probes of TCP and HTTP checks like Consul does: the first probe after a random
// delay within the interval, then one per interval; a TCP check passes when the connection is
// accepted (`TCP connect <addr>: Success`), an HTTP check on 2xx (429 is a warning). Results go
// to AgentState::applyProbeResult. Follows checks through AgentState's check listener.
// Agent thread only.
class CheckRunner : public QObject {
    Q_OBJECT

  public:
    explicit CheckRunner(AgentState& state, QObject* parent = nullptr);
    ~CheckRunner() override;

    // A check was added, replaced or removed.
    void onCheckChanged(const std::string& checkId, bool removed);
    size_t probeCount() const { return probes_.size(); }

  private:
    struct Probe;
    void schedule(Probe& probe, std::chrono::milliseconds delay);
    void runTcp(const std::string& checkId);
    void runHttp(const std::string& checkId);

    AgentState& state_;
    std::map<std::string, std::unique_ptr<Probe>> probes_;
    QNetworkAccessManager* http_ = nullptr;
};

}  // namespace meshx::agent
