#include "meshx_test.h"

#include <map>

#include <nlohmann/json.hpp>

#include "common/mesh_config.h"

using meshx::AgentEndpoint;
using meshx::Code;
using meshx::MeshConfig;

namespace {

// The process environment is not touched: lookups come from this table.
std::map<std::string, std::string> gEnv;
std::string fakeEnv(const char* name) {
    auto it = gEnv.find(name);
    return it == gEnv.end() ? std::string() : it->second;
}

}  // namespace

class TestMeshConfig : public QObject {
    Q_OBJECT

  private slots:
    void init() { gEnv.clear(); }

    void agentAddressForms_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("printed");
        QTest::addColumn<int>("scheme");
        QTest::newRow("host:port") << "127.0.0.1:8500"
                                   << "http://127.0.0.1:8500" << int(AgentEndpoint::Scheme::Http);
        QTest::newRow("http") << "http://consul.local:18500"
                              << "http://consul.local:18500" << int(AgentEndpoint::Scheme::Http);
        QTest::newRow("http no port")
            << "http://localhost"
            << "http://localhost:8500" << int(AgentEndpoint::Scheme::Http);
        QTest::newRow("https") << "https://10.0.0.1:8501/"
                               << "https://10.0.0.1:8501" << int(AgentEndpoint::Scheme::Https);
        QTest::newRow("unix") << "unix:///run/consul/http.sock"
                              << "unix:///run/consul/http.sock" << int(AgentEndpoint::Scheme::Unix);
    }
    void agentAddressForms() {
        QFETCH(QString, text);
        QFETCH(QString, printed);
        QFETCH(int, scheme);
        auto ep = AgentEndpoint::parse(text.toStdString());
        QVERIFY2(ep.ok(), ep.ok() ? "" : ep.error().message.c_str());
        QCOMPARE(QString::fromStdString(ep->toString()), printed);
        QCOMPARE(int(ep->scheme), scheme);
    }

    void environmentOverridesDefaults() {
        gEnv = {{"CONSUL_HTTP_ADDR", "unix:///run/consul/http.sock"},
                {"CONSUL_HTTP_TOKEN", "s3cr3t-token"},
                {"CONSUL_CACERT", "/etc/consul/ca.pem"},
                {"CONSUL_CLIENT_CERT", "/etc/consul/c.pem"},
                {"CONSUL_CLIENT_KEY", "/etc/consul/c.key"}};
        MeshConfig config;
        QVERIFY(config.applyEnvironment(&fakeEnv).ok());
        QCOMPARE(config.agent.scheme, AgentEndpoint::Scheme::Unix);
        QCOMPARE(config.agent.socketPath, std::string("/run/consul/http.sock"));
        QCOMPARE(config.token, std::string("s3cr3t-token"));
        QCOMPARE(config.caCert, std::string("/etc/consul/ca.pem"));
        QCOMPARE(config.clientCert, std::string("/etc/consul/c.pem"));
        QCOMPARE(config.clientKey, std::string("/etc/consul/c.key"));
    }

    void sslFlagUpgradesHostPortToHttps() {
        gEnv = {{"CONSUL_HTTP_ADDR", "127.0.0.1:8501"}, {"CONSUL_HTTP_SSL", "true"}};
        MeshConfig config;
        QVERIFY(config.applyEnvironment(&fakeEnv).ok());
        QCOMPARE(config.agent.toString(), std::string("https://127.0.0.1:8501"));
    }

    void badEnvironmentNamesTheVariable() {
        gEnv = {{"CONSUL_HTTP_ADDR", "ftp://x:1"}};
        MeshConfig config;
        auto st = config.applyEnvironment(&fakeEnv);
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, Code::InvalidArgument);
        QVERIFY(QString::fromStdString(st.error().message).contains("CONSUL_HTTP_ADDR"));
        QVERIFY(QString::fromStdString(st.error().message).contains("unknown scheme 'ftp'"));
        QCOMPARE(config.agent.toString(), std::string("http://127.0.0.1:8500"));  // unchanged
    }

    void describeNeverShowsTheToken() {
        MeshConfig config;
        config.token = "s3cr3t-token";
        const auto line = QString::fromStdString(config.describe());
        QVERIFY(!line.contains("s3cr3t"));
        QVERIFY(line.contains("token set"));
        config.token.clear();
        QVERIFY(QString::fromStdString(config.describe()).contains("no token"));
    }

    void configFileKeys() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("config.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const nlohmann::json file = {
            {"agent_address", "http://127.0.0.2:9500"},
            {"token", "t"},
            {"port_range", {{"ip", "127.0.0.3"}, {"min", 2000}, {"max", 3000}}},
            {"max_proxy_restarts", 2},
            {"start_timeout_ms", 100},
            {"templates", {{"svc", {{"Name", "{{name}}"}}}}}};
        f.write(QByteArray::fromStdString(file.dump()));
        f.close();
        MeshConfig config;
        auto st = config.applyFile(path.toStdString());
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        QCOMPARE(config.agent.toString(), std::string("http://127.0.0.2:9500"));
        QCOMPARE(config.portRangeIp, std::string("127.0.0.3"));
        QCOMPARE(config.portRangeMin, uint16_t(2000));
        QCOMPARE(config.portRangeMax, uint16_t(3000));
        QCOMPARE(config.maxProxyRestarts, 2);
        QCOMPARE(config.startTimeoutMs, 100);
        QCOMPARE(config.templates.at("svc"), std::string(R"({"Name":"{{name}}"})"));
    }

    void configFileErrors() {
        MeshConfig config;
        auto unknown = config.applyJson(nlohmann::json::parse(R"({"agent_adress":"x:1"})"));
        QVERIFY(!unknown.ok());
        QVERIFY(QString::fromStdString(unknown.error().message).contains("agent_adress"));
        auto badRange =
            config.applyJson(nlohmann::json::parse(R"({"port_range":{"min":5,"max":4}})"));
        QVERIFY(!badRange.ok());
        auto badPort = config.applyJson(nlohmann::json::parse(R"({"port_range":{"min":70000}})"));
        QVERIFY(!badPort.ok());
        auto missing = config.applyFile("/nonexistent/meshx.json");
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, Code::IoError);
    }
};

QTEST_APPLESS_MAIN(TestMeshConfig)
#include "test_mesh_config.moc"
