#pragma once

#include <QMap>
#include <QString>

#include <nlohmann/json.hpp>

#include "common/mesh_config.h"
#include "common/result.h"

class QSettings;

namespace meshx::ui {

// What the settings page edits, kept with QSettings. An empty (or negative) field keeps what the
// config file and the environment say; the environment still wins over everything, as it does
// for Consul's own CLI. The token reaches the disk only when `storeToken` is set; otherwise it
// lives for this run only. Plain data, GUI thread (QSettings).
struct ConsoleSettings {
    QString agentAddress;  // empty: CONSUL_HTTP_ADDR, else the embedded dev agent
    QString token;
    bool storeToken = false;
    QString caCert;
    QString clientCert;
    QString clientKey;
    int portMin = 0;  // 0: keep
    int portMax = 0;
    int maxProxyRestarts = -1;         // -1: keep
    QString proxyTemplate;             // default proxy command or template name; empty: keep
    QMap<QString, QString> templates;  // name -> JSON template text
    bool otlpReceive = false;          // accept OTLP/HTTP spans (docs/opentelemetry.md)
    QString otlpListen;                // empty: 127.0.0.1:4318

    static ConsoleSettings load(QSettings& settings);
    // Writes every field; the token only with storeToken (and removes a stored one otherwise).
    void save(QSettings& settings) const;

    // The MeshConfig::applyJson keys these settings set.
    nlohmann::json toConfigJson() const;
    // Applies toConfigJson() over `config`, then the process environment again.
    Status applyTo(MeshConfig& config) const;
};

}  // namespace meshx::ui
