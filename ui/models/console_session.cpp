#include "models/console_session.h"

#include <cstdlib>

#include "agent/dev_agent.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "models/console_settings.h"
#include "models/mesh_runner.h"

namespace meshx::ui {

Result<std::unique_ptr<ConsoleSession>> ConsoleSession::open(const ConsoleSettings& settings) {
    QString note;
    auto loaded = MeshConfig::load();
    MeshConfig config;
    if (loaded) {
        config = std::move(*loaded);
    } else {
        note = QString::fromStdString(loaded.error().toString()) +
               QStringLiteral(" (using defaults and the environment)");
        (void)config.applyEnvironment();
    }
    if (auto st = settings.applyTo(config); !st) {
        return st.error();
    }
    const char* envAddress = std::getenv("CONSUL_HTTP_ADDR");
    const bool external = (envAddress && *envAddress) || !settings.agentAddress.trimmed().isEmpty();
    auto session = create(std::move(config), !external);
    if (session) {
        (*session)->startupNote_ = note;
    }
    return session;
}

Result<std::unique_ptr<ConsoleSession>> ConsoleSession::create(MeshConfig config, bool embedded) {
    std::unique_ptr<ConsoleSession> s(new ConsoleSession());
    if (embedded) {
        agent::AgentConfig agentConfig;
        agentConfig.logLevel = agent::LogLevel::Warn;
        s->devAgent_ = std::make_unique<agent::DevAgent>(agentConfig);
        auto bound = s->devAgent_->start(net::Address::tcp("127.0.0.1", 0));
        if (!bound) {
            return makeError(bound.error().code,
                             "cannot start the embedded dev agent: " + bound.error().message);
        }
        auto endpoint = AgentEndpoint::parse(s->devAgent_->httpAddress());
        if (!endpoint) {
            return endpoint.error();
        }
        config.agent = *endpoint;
    }
    auto client = consul::ConsulClient::create(config);
    if (!client) {
        return client.error();
    }
    s->client_ = std::move(*client);
    auto mesh = mesh::ConsulMesh::create(*s->client_, config);
    if (!mesh) {
        return mesh.error();
    }
    s->mesh_ = std::move(*mesh);
    s->runner_ = std::make_unique<MeshRunner>();
    s->config_ = std::move(config);
    return s;
}

ConsoleSession::~ConsoleSession() {
    runner_.reset();
    mesh_.reset();
    client_.reset();
    if (devAgent_) {
        devAgent_->stop();
    }
}

consul::ConsulApi& ConsoleSession::api() {
    return *client_;
}

mesh::ConsulMesh& ConsoleSession::mesh() {
    return *mesh_;
}

MeshRunner& ConsoleSession::runner() {
    return *runner_;
}

QString ConsoleSession::agentAddress() const {
    return QString::fromStdString(config_.agent.toString());
}

}  // namespace meshx::ui
