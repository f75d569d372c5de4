#include "ui/shell/console_settings.h"

#include <QSettings>

namespace meshx::ui {

namespace {

const QString kAgent = QStringLiteral("agent/address");
const QString kToken = QStringLiteral("agent/token");
const QString kStoreToken = QStringLiteral("agent/storeToken");
const QString kCaCert = QStringLiteral("tls/caCert");
const QString kClientCert = QStringLiteral("tls/clientCert");
const QString kClientKey = QStringLiteral("tls/clientKey");
const QString kPortMin = QStringLiteral("ports/min");
const QString kPortMax = QStringLiteral("ports/max");
const QString kRestarts = QStringLiteral("proxy/maxRestarts");
const QString kProxyTemplate = QStringLiteral("proxy/template");
const QString kOtlpReceive = QStringLiteral("otlp/receive");
const QString kOtlpListen = QStringLiteral("otlp/listen");
const QString kTemplates = QStringLiteral("templates");

}  // namespace

ConsoleSettings ConsoleSettings::load(QSettings& settings) {
    ConsoleSettings s;
    s.agentAddress = settings.value(kAgent).toString();
    s.storeToken = settings.value(kStoreToken, false).toBool();
    if (s.storeToken) {
        s.token = settings.value(kToken).toString();
    }
    s.caCert = settings.value(kCaCert).toString();
    s.clientCert = settings.value(kClientCert).toString();
    s.clientKey = settings.value(kClientKey).toString();
    s.portMin = settings.value(kPortMin, 0).toInt();
    s.portMax = settings.value(kPortMax, 0).toInt();
    s.maxProxyRestarts = settings.value(kRestarts, -1).toInt();
    s.proxyTemplate = settings.value(kProxyTemplate).toString();
    s.otlpReceive = settings.value(kOtlpReceive, false).toBool();
    s.otlpListen = settings.value(kOtlpListen).toString();
    settings.beginGroup(kTemplates);
    for (const QString& name : settings.childKeys()) {
        s.templates.insert(name, settings.value(name).toString());
    }
    settings.endGroup();
    return s;
}

void ConsoleSettings::save(QSettings& settings) const {
    settings.setValue(kAgent, agentAddress);
    settings.setValue(kStoreToken, storeToken);
    if (storeToken) {
        settings.setValue(kToken, token);
    } else {
        settings.remove(kToken);
    }
    settings.setValue(kCaCert, caCert);
    settings.setValue(kClientCert, clientCert);
    settings.setValue(kClientKey, clientKey);
    settings.setValue(kPortMin, portMin);
    settings.setValue(kPortMax, portMax);
    settings.setValue(kRestarts, maxProxyRestarts);
    settings.setValue(kProxyTemplate, proxyTemplate);
    settings.setValue(kOtlpReceive, otlpReceive);
    settings.setValue(kOtlpListen, otlpListen);
    settings.remove(kTemplates);
    settings.beginGroup(kTemplates);
    for (auto it = templates.cbegin(); it != templates.cend(); ++it) {
        settings.setValue(it.key(), it.value());
    }
    settings.endGroup();
}

nlohmann::json ConsoleSettings::toConfigJson() const {
    nlohmann::json j = nlohmann::json::object();
    auto setString = [&j](const char* key, const QString& value) {
        if (!value.trimmed().isEmpty()) {
            j[key] = value.trimmed().toStdString();
        }
    };
    setString("agent_address", agentAddress);
    setString("token", token);
    setString("ca_cert", caCert);
    setString("client_cert", clientCert);
    setString("client_key", clientKey);
    setString("proxy_template", proxyTemplate);
    if (portMin > 0 || portMax > 0) {
        nlohmann::json range = nlohmann::json::object();
        if (portMin > 0) {
            range["min"] = portMin;
        }
        if (portMax > 0) {
            range["max"] = portMax;
        }
        j["port_range"] = range;
    }
    if (maxProxyRestarts >= 0) {
        j["max_proxy_restarts"] = maxProxyRestarts;
    }
    if (!templates.isEmpty()) {
        nlohmann::json t = nlohmann::json::object();
        for (auto it = templates.cbegin(); it != templates.cend(); ++it) {
            t[it.key().toStdString()] = it.value().toStdString();
        }
        j["templates"] = t;
    }
    return j;
}

Status ConsoleSettings::applyTo(MeshConfig& config) const {
    if (auto st = config.applyJson(toConfigJson()); !st) {
        return makeError(st.error().code, "settings: " + st.error().message);
    }
    return config.applyEnvironment();
}

}  // namespace meshx::ui
