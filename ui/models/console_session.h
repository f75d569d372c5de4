#pragma once

#include <QString>

#include <memory>

#include "common/mesh_config.h"
#include "common/result.h"

namespace meshx::agent {
class DevAgent;
}
namespace meshx::consul {
class ConsulApi;
class ConsulClient;
}  // namespace meshx::consul
namespace meshx::mesh {
class ConsulMesh;
}

namespace meshx::ui {

struct ConsoleSettings;
class MeshRunner;

// Everything one console run talks to: the agent (an embedded dev agent when no address was
// given), a ConsulClient on it, the mesh engine, and the runner that keeps the engine's blocking
// calls off the GUI thread. Views get the parts through core interfaces only.
//
// Thread: create, use and destroy on the GUI thread. Destruction waits for calls in flight, stops
// every service this console started (ConsulMesh's own shutdown), then stops the embedded agent.
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

    consul::ConsulApi& api();
    mesh::ConsulMesh& mesh();
    MeshRunner& runner();
    const MeshConfig& config() const { return config_; }

    bool embedded() const { return devAgent_ != nullptr; }
    // `http://127.0.0.1:8500`, `unix:///path`: never the token.
    QString agentAddress() const;
    // The embedded agent (tests stop and restart it to see the console recover); null otherwise.
    agent::DevAgent* devAgent() { return devAgent_.get(); }
    // Something the user should know about the start-up (unreadable config file), or empty.
    const QString& startupNote() const { return startupNote_; }

  private:
    ConsoleSession() = default;

    MeshConfig config_;
    QString startupNote_;
    // Destroyed in reverse: runner (waits), mesh (stops services), client, agent.
    std::unique_ptr<agent::DevAgent> devAgent_;
    std::unique_ptr<consul::ConsulClient> client_;
    std::unique_ptr<mesh::ConsulMesh> mesh_;
    std::unique_ptr<MeshRunner> runner_;
};

}  // namespace meshx::ui
