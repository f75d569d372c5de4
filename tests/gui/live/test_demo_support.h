#pragma once

// Shared by the demo tests: a console window on an embedded dev agent with real meshx-proxy
// sidecars, a demo run unattended to its end, and the checks that it left nothing behind.

#include <QFileInfo>

#include <memory>

#include "../console_fixture.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "process_runner.h"
#include "ui/demo/demo_controller.h"
#include "ui/demo/demo_panel.h"
#include "ui/demo/demo_process.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"

namespace meshx::test {

inline std::unique_ptr<ui::MainWindow> demoWindow() {
    MeshConfig config = consoleTestConfig();
    config.proxyTemplate = "meshx-proxy";
    auto session = ui::ConsoleSession::create(config, true);
    if (!session) {
        qFatal("cannot open a session: %s", session.error().toString().c_str());
    }
    auto window = std::make_unique<ui::MainWindow>();
    window->setSession(std::move(*session));
    window->resize(1600, 950);
    window->show();
    return window;
}

// Service ids registered on the agent whose name or id contains `part`.
inline QStringList registered(ui::MainWindow& window, const std::string& part) {
    auto listed = window.context()->session().api().call(consul::endpoints::agentServices());
    QStringList out;
    if (!listed) {
        out << QStringLiteral("(agent error: %1)")
                   .arg(QString::fromStdString(listed.error().message));
        return out;
    }
    for (const auto& [id, svc] : *listed) {
        if (id.find(part) != std::string::npos) {
            out << QString::fromStdString(id);
        }
    }
    return out;
}

}  // namespace meshx::test
