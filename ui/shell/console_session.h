#pragma once

#include <QString>

#include <memory>

#include "common/mesh_config.h"
#include "common/result.h"
#include "engine/session.h"

namespace meshx::ui {

struct ConsoleSettings;
class MeshRunner;

// One console run: the engine session (agent, mesh engine, watches, RPC, telemetry; an embedded
// dev agent when no address was given) and the runner that keeps the engine's blocking calls off
// the GUI thread. Views get the parts through core interfaces only (ServiceMesh, ConsulApi).
//
// Thread: create, use and destroy on the GUI thread. Destruction waits for calls in flight, then
// closes the engine session (which stops every service this console started, then the agent).
class ConsoleSession {
  public:
    // The agent is chosen as: CONSUL_HTTP_ADDR when set, else the settings' address, else an
    // embedded dev agent on 127.0.0.1 (a free port). A config file that cannot be read is not
    // fatal: its error is kept in startupNote() and the defaults are used.
    static Result<std::unique_ptr<ConsoleSession>> open(const ConsoleSettings& settings);
    // With a ready config; `embedded` starts a dev agent and points the config at it.
    static Result<std::unique_ptr<ConsoleSession>> create(MeshConfig config, bool embedded);
    ~ConsoleSession();
    ConsoleSession(const ConsoleSession&) = delete;
    ConsoleSession& operator=(const ConsoleSession&) = delete;

    engine::Session& engine() { return *engine_; }
    consul::ConsulApi& api() { return engine_->api(); }
    mesh::ServiceMesh& mesh() { return engine_->mesh(); }
    MeshRunner& runner() { return *runner_; }
    const MeshConfig& config() const { return engine_->config(); }

    bool embedded() const { return engine_->embedded(); }
    // `http://127.0.0.1:8500`, `unix:///path`: never the token.
    QString agentAddress() const;
    // Something the user should know about the start-up (unreadable config file), or empty.
    const QString& startupNote() const { return startupNote_; }

  private:
    ConsoleSession() = default;

    QString startupNote_;
    // Destroyed in reverse: runner (waits for calls in flight), then the engine session.
    std::unique_ptr<engine::Session> engine_;
    std::unique_ptr<MeshRunner> runner_;
};

}  // namespace meshx::ui
