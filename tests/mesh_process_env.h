#pragma once

// The environment of mesh processes a test starts on its own (`meshx rpc-serve`, `meshx
// rpc-call`, ...), each with its own engine: a config file with a port range of the test's own
// (so tests running side by side never hand out the same ports), a private runtime directory for
// the taps' unix sockets, the test agent's address, and none of the caller's token or tap
// settings.
//
//   QString error;
//   const auto env = meshProcessEnvironment(dir, agent.address(), {38100, 38999}, &error);
//   QVERIFY2(env, qPrintable(error));

#include <sys/stat.h>

#include <QDir>
#include <QFile>
#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>

#include <optional>

#include <nlohmann/json.hpp>

struct PortRange {
    int min = 0;
    int max = 0;
};

// Writes DIR/config.json and makes DIR/run (mode 0700); nullopt with `error` set when it cannot.
inline std::optional<QProcessEnvironment> meshProcessEnvironment(const QTemporaryDir& dir,
                                                                 const QString& agentAddress,
                                                                 PortRange ports, QString* error) {
    const QString configPath = dir.filePath(QStringLiteral("config.json"));
    QFile config(configPath);
    const nlohmann::json body{{"port_range", {{"min", ports.min}, {"max", ports.max}}},
                              {"start_timeout_ms", 30000}};
    if (!config.open(QIODevice::WriteOnly) ||
        config.write(QByteArray::fromStdString(body.dump())) < 0) {
        *error = QStringLiteral("cannot write ") + configPath;
        return std::nullopt;
    }
    config.close();
    const QString runtime = dir.filePath(QStringLiteral("run"));
    if (!QDir().mkpath(runtime) || ::chmod(runtime.toLocal8Bit().constData(), 0700) != 0) {
        *error = QStringLiteral("cannot make the runtime directory ") + runtime;
        return std::nullopt;
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MESHX_CONFIG"), configPath);
    env.insert(QStringLiteral("CONSUL_HTTP_ADDR"), agentAddress);
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    env.remove(QStringLiteral("CONSUL_HTTP_TOKEN"));
    env.remove(QStringLiteral("MESHX_TAP_LISTEN"));
    env.remove(QStringLiteral("MESHX_TAP_TOKEN_REQUIRED"));
    return env;
}
