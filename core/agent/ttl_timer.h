#pragma once

#include <QObject>
#include <QTimer>

#include "agent/agent_log.h"
#include "agent/agent_state.h"
#include "agent/clock.h"

namespace meshx::agent {

// Wakes the state at its next TTL deadline (one timer for all TTL checks) and logs each
// expiry as Consul does. rearm() after every state change. Agent thread only.
class TtlTimer : public QObject {
    Q_OBJECT

  public:
    TtlTimer(AgentState& state, const Clock& clock, AgentLog& log, QObject* parent = nullptr);

    void rearm();

  private:
    void fire();

    AgentState& state_;
    const Clock& clock_;
    AgentLog& log_;
    QTimer timer_;
};

}  // namespace meshx::agent
