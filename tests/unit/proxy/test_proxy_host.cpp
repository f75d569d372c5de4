// ProxyHost (`meshx-proxy -host`) in-process: two real sidecars (from -config-file, in front of
// echo apps, reached by TLS clients) in one host, driven over a pipe by the line protocol.

#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "meshx_test.h"
#include "proxy/proxy_host.h"
#include "proxy_test_support.h"
#include "test_certificates.h"

using namespace meshx::proxy;
using namespace meshx::proxy::testing;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool served(const TestCa& ca, uint16_t port, const std::string& text) {
    TlsClient client(ca.material("web"));
    return client.connect(port, Ms(1000)) && client.send(text) && client.recv(text.size()) == text;
}

}  // namespace

class TestProxyHost : public QObject {
    Q_OBJECT

  private slots:
    void servesManySidecarsOverTheLineProtocol() {
        TestCa ca("11111111-2222-3333-4444-555555555555.consul");
        EchoServer dbApp;
        EchoServer cacheApp;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string d = dir.path().toStdString() + "/";
        std::ofstream(d + "ca.pem") << ca.rootPem();
        // One config file per sidecar, each with its own leaf and public port.
        auto sidecarFile = [&](const std::string& name, uint16_t port, uint16_t app) {
            auto leaf = ca.issueService(name);
            std::ofstream(d + name + ".pem") << leaf.certPem;
            std::ofstream(d + name + ".key") << leaf.keyPem;
            nlohmann::json file = {
                {"service",
                 {{"Kind", "connect-proxy"},
                  {"ID", name + "-sidecar-proxy"},
                  {"Address", "127.0.0.1"},
                  {"Port", port},
                  {"Proxy", {{"DestinationServiceName", name}, {"LocalServicePort", app}}}}},
                {"tls",
                 {{"cert_file", name + ".pem"},
                  {"key_file", name + ".key"},
                  {"roots_file", "ca.pem"},
                  {"trust_domain", ca.trustDomain()}}}};
            std::ofstream(d + name + ".json") << file.dump();
            return d + name + ".json";
        };
        const uint16_t dbPort = freePort();
        const uint16_t cachePort = freePort();
        const std::string dbFile = sidecarFile("db", dbPort, dbApp.port());
        const std::string cacheFile = sidecarFile("cache", cachePort, cacheApp.port());

        int commands[2];
        QCOMPARE(::pipe(commands), 0);
        const std::string outPath = d + "host.out";
        FILE* out = std::fopen(outPath.c_str(), "w");
        QVERIFY(out != nullptr);
        ProxyHost::Options options;
        options.in = commands[0];
        options.out = out;
        options.env = [](const char*) { return std::string(); };
        ProxyHost host(options);
        int code = -1;
        std::thread runner([&] { code = host.run(); });
        auto send = [&](const std::string& line) {
            const std::string l = line + "\n";
            QCOMPARE(::write(commands[1], l.data(), l.size()), static_cast<ssize_t>(l.size()));
        };
        auto output = [&] { return readFile(outPath); };

        send("add\tdb#1\t-config-file\t" + dbFile);
        send("add\tcache#2\t-config-file\t" + cacheFile);
        QTRY_VERIFY_WITH_TIMEOUT(served(ca, dbPort, "to-db"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(served(ca, cachePort, "to-cache"), 20000);
        QCOMPARE(host.sidecarCount(), size_t{2});
        // Every line of a sidecar comes prefixed with its key.
        QTRY_VERIFY_WITH_TIMEOUT(
            output().find("O\tdb#1\t==> Consul Connect proxy starting...\n") != std::string::npos,
            10000);
        QVERIFY(output().find("O\tcache#2\t              Proxy ID: cache-sidecar-proxy\n") !=
                std::string::npos);

        // Malformed commands and refused adds end at once, each in its own words.
        send("nope");
        send("add\tbad#3\t-sidecar-for\tx\t-no-such-flag");
        send("add\tcache#2\t-config-file\t" + cacheFile);
        QTRY_VERIFY_WITH_TIMEOUT(output().find("X\tbad#3\t2\n") != std::string::npos, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(output().find("X\tcache#2\t2\n") != std::string::npos, 10000);
        const std::string o = output();
        QVERIFY2(o.find("H\tunknown command: nope\n") != std::string::npos, o.c_str());
        QVERIFY2(
            o.find("E\tbad#3\tflag provided but not defined: -no-such-flag\n") != std::string::npos,
            o.c_str());

        // Remove one: it ends with code 0 and stops listening; the other serves on.
        send("remove\tdb#1");
        QTRY_VERIFY_WITH_TIMEOUT(output().find("X\tdb#1\t0\n") != std::string::npos, 10000);
        QVERIFY(output().find("O\tdb#1\t==> Consul Connect proxy shutdown\n") != std::string::npos);
        QTRY_VERIFY_WITH_TIMEOUT(refused(dbPort), 10000);
        QVERIFY(served(ca, cachePort, "still"));
        QTRY_COMPARE_WITH_TIMEOUT(host.sidecarCount(), size_t{1}, 10000);

        // End of input: the last sidecar stops, the host returns 0.
        ::close(commands[1]);
        runner.join();
        QCOMPARE(code, 0);
        QVERIFY(output().find("X\tcache#2\t0\n") != std::string::npos);
        QVERIFY(refused(cachePort));
        QCOMPARE(host.sidecarCount(), size_t{0});
        std::fclose(out);
        ::close(commands[0]);
    }
};

QTEST_GUILESS_MAIN(TestProxyHost)
#include "test_proxy_host.moc"
