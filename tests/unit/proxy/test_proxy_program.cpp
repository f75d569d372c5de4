// The program layer: flags, the sidecar lookup, the -config-file mode end to end in-process.

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <thread>

#include "consul/decode.h"
#include "meshx_test.h"
#include "proxy/command_line.h"
#include "proxy/proxy_program.h"
#include "proxy/sidecar_lookup.h"
#include "proxy/static_config_file.h"
#include "proxy_test_support.h"
#include "test_certificates.h"

using namespace meshx::proxy;
using namespace meshx::proxy::testing;

namespace {

CommandLine::Env envOf(std::map<std::string, std::string> vars) {
    return [vars](const char* name) {
        auto it = vars.find(name);
        return it == vars.end() ? std::string() : it->second;
    };
}

std::map<std::string, meshx::consul::AgentService> servicesFixture(const std::string& extra = {}) {
    std::ifstream in(std::string(MESHX_TEST_DATA_DIR) + "/consul/agent-services.json");
    auto json = nlohmann::json::parse(in);
    if (!extra.empty()) {
        auto more = nlohmann::json::parse(extra);
        for (auto it = more.begin(); it != more.end(); ++it) {
            json[it.key()] = it.value();
        }
    }
    return *meshx::consul::decodeAgentServices(json);
}

// A ProxyProgram whose two output streams are captured in temporary files.
struct CapturedProgram {
    explicit CapturedProgram(CommandLine cl) : program(std::move(cl), options()) {}
    ~CapturedProgram() {
        std::fclose(out);
        std::fclose(err);
    }
    ProxyProgram::Options options() {
        ProxyProgram::Options o;
        o.out = out;
        o.err = err;
        return o;
    }
    FILE* out = std::tmpfile();
    FILE* err = std::tmpfile();
    ProxyProgram program;
};

size_t countOf(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

std::string readAll(FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        out.append(buf, n);
    }
    return out;
}

}  // namespace

class TestProxyProgram : public QObject {
    Q_OBJECT

  private slots:
    void parsesFlagsLikeConsul() {
        auto cl = CommandLine::parse({"-sidecar-for", "web", "--http-addr=127.0.0.1:8600",
                                      "-log-level", "err", "-token", "secret"},
                                     envOf({{"CONSUL_HTTP_ADDR", "10.0.0.1:8500"}}));
        QVERIFY(cl.ok());
        QCOMPARE(cl->sidecarFor, std::string("web"));
        QCOMPARE(cl->httpAddr, std::string("127.0.0.1:8600"));  // the flag wins over the env
        QCOMPARE(cl->logLevel, std::string("err"));
        QCOMPARE(cl->token, std::string("secret"));
    }

    void takesDefaultsFromTheEnvironment() {
        auto cl = CommandLine::parse({}, envOf({{"CONNECT_SIDECAR_FOR", "db"},
                                                {"CONSUL_HTTP_TOKEN", "t"},
                                                {"CONSUL_HTTP_ADDR", "unix:///run/c.sock"}}));
        QVERIFY(cl.ok());
        QCOMPARE(cl->sidecarFor, std::string("db"));
        QCOMPARE(cl->token, std::string("t"));
        QCOMPARE(cl->httpAddr, std::string("unix:///run/c.sock"));
    }

    void rejectsBadFlags() {
        auto env = envOf({});
        QVERIFY(!CommandLine::parse({}, env).ok());  // nothing to run
        auto unknown = CommandLine::parse({"-sidecar-for", "web", "-bogus"}, env);
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.find("flag provided but not defined: -bogus") !=
                std::string::npos);
        auto missing = CommandLine::parse({"-sidecar-for"}, env);
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.find("needs an argument") != std::string::npos);
        QVERIFY(!CommandLine::parse({"-sidecar-for", "web", "-log-level", "loud"}, env).ok());
        QVERIFY(!CommandLine::parse({"-sidecar-for", "web", "-workers", "0"}, env).ok());
        QVERIFY(!CommandLine::parse({"-sidecar-for", "web", "-workers", "2x"}, env).ok());
        QCOMPARE(CommandLine::parse({"-sidecar-for", "web", "-workers=4"}, env)->workers, 4);
        QVERIFY(CommandLine::parse({"--help"}, env)->help);
        QVERIFY(CommandLine::parse({"-version"}, env)->version);
        QVERIFY(std::string(CommandLine::usage()).find("Usage:") != std::string::npos);
    }

    void findsTheSidecarOfAService() {
        auto services = servicesFixture();
        auto id = findSidecarProxyId(services, "upstream-h11");
        QVERIFY(id.ok());
        QCOMPARE(*id, std::string("upstream-h11-sidecar-proxy"));
        // Case-insensitive, as Consul compares.
        QCOMPARE(*findSidecarProxyId(services, "UPSTREAM-H11"),
                 std::string("upstream-h11-sidecar-proxy"));
    }

    void reportsMissingAndAmbiguousSidecars() {
        auto services = servicesFixture();
        auto none = findSidecarProxyId(services, "web");
        QVERIFY(!none.ok());
        QCOMPARE(none.error().message, std::string("No sidecar proxy registered for web"));

        auto two = servicesFixture(
            R"({"second-proxy":{"Kind":"connect-proxy","ID":"second-proxy","Service":"second-proxy","Port":21002,"Proxy":{"DestinationServiceName":"upstream-h11","DestinationServiceID":"upstream-h11"}}})");
        auto ambiguous = findSidecarProxyId(two, "upstream-h11");
        QVERIFY(!ambiguous.ok());
        QVERIFY(ambiguous.error().message.find(
                    "More than one sidecar proxy registered for upstream-h11.") == 0);
        QVERIFY(
            ambiguous.error().message.find("-proxy-id and one of the following IDs: second-proxy, "
                                           "upstream-h11-sidecar-proxy") != std::string::npos);
    }

    void quotesTheSidecarFilter() {
        const std::string plain = sidecarFilter("web-1");
        QCOMPARE(plain, std::string("Kind == \"connect-proxy\" and "
                                    "Proxy.DestinationServiceID == \"web-1\""));
        // Quotes and backslashes in an ID are escaped, so an ID cannot widen the filter.
        const std::string odd = sidecarFilter("a\"b\\c");
        QCOMPARE(odd, std::string("Kind == \"connect-proxy\" and "
                                  "Proxy.DestinationServiceID == \"a\\\"b\\\\c\""));
    }

    void runsFromAConfigFileUntilStopped_data() {
        QTest::addColumn<int>("workers");
        QTest::newRow("one loop") << 1;
        QTest::newRow("two loops on shared ports") << 2;
    }
    void runsFromAConfigFileUntilStopped() {
        QFETCH(int, workers);
        // A db sidecar from a file, in front of an echo app, reached by a TLS client.
        TestCa ca("11111111-2222-3333-4444-555555555555.consul");
        EchoServer app;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::string d = dir.path().toStdString() + "/";
        auto leaf = ca.issueService("db");
        std::ofstream(d + "db.pem") << leaf.certPem;
        std::ofstream(d + "db.key") << leaf.keyPem;
        std::ofstream(d + "ca.pem") << ca.rootPem();
        uint16_t port = freePort();
        nlohmann::json file = {
            {"service",
             {{"Kind", "connect-proxy"},
              {"ID", "db-sidecar-proxy"},
              {"Address", "127.0.0.1"},
              {"Port", port},
              {"Proxy", {{"DestinationServiceName", "db"}, {"LocalServicePort", app.port()}}}}},
            {"tls",
             {{"cert_file", "db.pem"},
              {"key_file", "db.key"},
              {"roots_file", "ca.pem"},
              {"trust_domain", ca.trustDomain()}}},
            {"deny", {"cache"}}};
        std::ofstream(d + "db.json") << file.dump();

        CommandLine cl;
        cl.configFile = d + "db.json";
        cl.workers = workers;
        CapturedProgram p(cl);
        int code = -1;
        std::thread runner([&] { code = p.program.run(); });

        bool served = false;
        for (int i = 0; i < 200 && !served; ++i) {  // polls until listening, bounded
            TlsClient client(ca.material("web"));
            served = client.connect(port, Ms(1000)) && client.send("hi") && client.recv(2) == "hi";
            if (!served) {
                std::this_thread::sleep_for(Ms(20));
            }
        }
        // Whichever loop takes them, connections are served.
        for (int i = 0; i < 8 && served; ++i) {
            TlsClient client(ca.material("web"));
            served = client.connect(port) && client.send("again") && client.recv(5) == "again";
        }
        TlsClient denied(ca.material("cache"));
        denied.connect(port);
        denied.send("x");
        QCOMPARE(denied.recv(1), std::string());

        p.program.requestStop();
        runner.join();
        QVERIFY(served);
        QCOMPARE(code, 0);
        std::string o = readAll(p.out);
        QVERIFY2(
            o.find("==> Consul Connect proxy starting...\n    Configuration mode: File\n") == 0,
            o.c_str());
        QVERIFY(o.find("              Proxy ID: db-sidecar-proxy\n") != std::string::npos);
        QVERIFY(o.find("==> Log data will now stream in as it occurs:") != std::string::npos);
        QVERIFY(o.find("    20") != std::string::npos);  // log lines are indented
        QVERIFY(o.find("[ERROR] proxy.connect: authz call denied: service=db") !=
                std::string::npos);
        QVERIFY(o.find("==> Consul Connect proxy shutdown") != std::string::npos);
        // Only the first loop reports the proxy's life: one line per listener, not one per loop.
        QCOMPARE(countOf(o, "Starting listener"), size_t(1));
        QCOMPARE(readAll(p.err), std::string());
    }

    void badConfigFileFailsWithExitCodeOne() {
        CommandLine cl;
        cl.configFile = "/nonexistent/meshx.json";
        CapturedProgram p(cl);
        QCOMPARE(p.program.run(), 1);
        QVERIFY(readAll(p.err).find("==> Error preparing configuration: cannot read "
                                    "/nonexistent/meshx.json") == 0);
    }
};

QTEST_GUILESS_MAIN(TestProxyProgram)
#include "test_proxy_program.moc"
