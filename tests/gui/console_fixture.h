#pragma once

// Shared set-up of the console GUI tests: a real engine on an in-process dev agent, with
// stand-in proxies where the real proxy is not the subject.

#include <QSettings>
#include <QSize>
#include <QStandardPaths>
#include <QTest>

#include <memory>

#include "common/mesh_config.h"
#include "engine/agent_monitor.h"
#include "meshx_test.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"

namespace meshx::test {

// Templates the tests start services with (MeshConfig "templates"):
//   sleeper  a proxy that only sleeps (health and history are the subject)
//   echo     prints a line to stdout, an error to stderr, one line of binary garbage with a
//            terminal escape, then sleeps
//   ticker   prints a numbered line every 100 ms
inline MeshConfig consoleTestConfig() {
    MeshConfig config;
    config.templates["sleeper"] = R"({"proxy": ["sleep", "60"]})";
    config.templates["echo"] =
        R"({"proxy": ["/bin/sh", "-c", "echo 'proxy {{id}} up'; echo 'ERROR upstream refused' >&2; printf 'bin\\001\\033[31mary\\377\\n'; exec sleep 60"]})";
    config.templates["ticker"] =
        R"({"proxy": ["/bin/sh", "-c", "i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo tick $i; sleep 0.1; done; exec sleep 60"]})";
    // The default proxy service (connect) runs the sleeper too: no meshx-proxy binary needed.
    config.proxyTemplate = "sleeper";
    config.ttlIntervalMs = 500;
    config.startTimeoutMs = 20000;  // a loaded machine may take a while to pass
    config.portRangeMin = 20000;
    config.portRangeMax = 60000;
    return config;
}

inline std::unique_ptr<ui::ConsoleSession> openTestSession() {
    auto session = ui::ConsoleSession::create(consoleTestConfig(), /*embedded=*/true);
    if (!session) {
        qFatal("cannot open a console session: %s", session.error().toString().c_str());
    }
    return std::move(*session);
}

// QSettings of the test run only (no user settings read or written).
inline void isolateSettings(const char* app) {
    QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
    QCoreApplication::setApplicationName(QString::fromLatin1(app));
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();  // layout choices of an earlier run must not leak into this one
}

constexpr int kWaitMs = 30000;

// The console as an operator opens it on a running agent (not an embedded one): a session on
// `agentAddress` with the test templates, its window of `size` shown and exposed, and the agent
// reachable. Null, with `error` set, when any of it fails.
inline std::unique_ptr<ui::MainWindow> openConsoleOn(const QString& agentAddress, QSize size,
                                                     QString* error) {
    MeshConfig config = consoleTestConfig();
    auto endpoint = AgentEndpoint::parse(agentAddress.toStdString());
    if (!endpoint) {
        *error = QString::fromStdString(endpoint.error().toString());
        return nullptr;
    }
    config.agent = *endpoint;
    auto session = ui::ConsoleSession::create(config, /*embedded=*/false);
    if (!session) {
        *error = QString::fromStdString(session.error().toString());
        return nullptr;
    }
    auto window = std::make_unique<ui::MainWindow>();
    window->setSession(std::move(*session));
    window->resize(size);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) {
        *error = QStringLiteral("the console window was never exposed");
        return nullptr;
    }
    if (!QTest::qWaitFor([&] { return window->context()->monitor().reachable(); }, kWaitMs)) {
        *error = QStringLiteral("the agent at %1 never became reachable").arg(agentAddress);
        return nullptr;
    }
    return window;
}

}  // namespace meshx::test
