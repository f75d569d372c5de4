#include "ui/shell/console_session.h"

#include <cstdlib>

#include "ui/shell/console_settings.h"
#include "ui/shell/mesh_runner.h"

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
    auto engine = engine::Session::open({std::move(config), embedded});
    if (!engine) {
        return engine.error();
    }
    std::unique_ptr<ConsoleSession> s(new ConsoleSession());
    s->engine_ = std::move(*engine);
    s->runner_ = std::make_unique<MeshRunner>();
    return s;
}

ConsoleSession::~ConsoleSession() {
    runner_.reset();
    engine_.reset();
}

QString ConsoleSession::agentAddress() const {
    return QString::fromStdString(engine_->agentAddress());
}

}  // namespace meshx::ui
