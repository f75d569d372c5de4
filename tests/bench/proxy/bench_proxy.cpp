// Proxy benchmark: the same three loads through five paths, side by side, in one run.
//
//   direct TCP                client -> echo
//   meshx-proxy 2 hops mTLS   client -> meshx-proxy (upstream) -> mTLS -> meshx-proxy -> echo
//   haproxy 2 hops mTLS       client -> haproxy -> mTLS -> haproxy -> echo   (mode tcp)
//   haproxy 2 hops plain      the same without TLS
//   socat 2 hops plain        client -> socat -> socat -> echo
//
// Loads: 64-byte ping-pong on one connection (p50/p99 latency, calls/s), 64-byte ping-pong on
// 16 connections (calls/s), 1 MiB messages echoed on one connection (MB/s). Ratios are to
// direct TCP of the same run. Certificates (EC P-256, SPIFFE URIs, as Consul's CA makes them)
// and every config are generated in a temp dir.
//
// Every relay is started first; then the variants are measured in turn, --rounds times, and
// each column keeps the best round: other load on the machine only ever makes a round worse, so
// the best round is the closest to what the path can do. The relays' CPU time per call (or per
// megabyte) is printed too: it does not depend on how busy the machine is.
// Bounded: rounds x variants x 3 loads x --seconds, plus start-up.
//
// Usage: bench_proxy [--seconds S] [--rounds R] [--haproxy-threads N] [--meshx-workers N]
//                    [--meshx PATH] [--only SUBSTRING]

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "echo_server.h"
#include "load_clients.h"

using namespace bench;

namespace {

const std::string kTrustDomain = "11111111-2222-3333-4444-555555555555.consul";

struct Options {
    int seconds = 2;
    int rounds = 3;
    int haproxyThreads = 1;
    int meshxWorkers = 1;  // > 1 adds a row with that many loops per meshx-proxy
    std::string meshx = std::string(MESHX_BIN_DIR) + "/meshx-proxy";
    std::string only;
};

struct Row {
    std::string name;
    PingPongResult ping;
    double calls16 = 0;
    double bulk = 0;
    // Relay CPU: microseconds per call (1 and 16 connections), milliseconds per megabyte echoed.
    double cpuPing = 0;
    double cpuCalls16 = 0;
    double cpuBulk = 0;
    bool ok = false;

    // Keeps the better figure of each column.
    void merge(const Row& r) {
        if (!r.ok) {
            return;
        }
        if (!ok) {
            *this = r;
            return;
        }
        ping.p50Us = std::min(ping.p50Us, r.ping.p50Us);
        ping.p99Us = std::min(ping.p99Us, r.ping.p99Us);
        ping.callsPerSecond = std::max(ping.callsPerSecond, r.ping.callsPerSecond);
        calls16 = std::max(calls16, r.calls16);
        bulk = std::max(bulk, r.bulk);
        cpuPing = std::min(cpuPing, r.cpuPing);
        cpuCalls16 = std::min(cpuCalls16, r.cpuCalls16);
        cpuBulk = std::min(cpuBulk, r.cpuBulk);
    }
};

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool makeCertificates(const std::string& dir) {
    std::string ca = "cd " + dir + " && ";
    if (!runCommand(ca + "openssl ecparam -name prime256v1 -genkey -noout -out ca.key") ||
        !runCommand(ca +
                    "openssl req -x509 -new -key ca.key -days 30 -subj '/CN=Consul CA 1' "
                    "-out ca.pem -addext 'basicConstraints=critical,CA:TRUE' "
                    "-addext 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign' "
                    "-addext 'subjectAltName=URI:spiffe://" +
                    kTrustDomain +
                    "' -addext 'nameConstraints=critical,permitted;DNS:" + kTrustDomain + "'")) {
        return false;
    }
    for (std::string svc : {"web", "db"}) {
        writeFile(dir + "/" + svc + ".ext",
                  "basicConstraints=critical,CA:FALSE\n"
                  "keyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment,"
                  "keyAgreement\n"
                  "extendedKeyUsage=clientAuth,serverAuth\n"
                  "subjectAltName=URI:spiffe://" +
                      kTrustDomain + "/ns/default/dc/dc1/svc/" + svc + "\n");
        if (!runCommand(ca + "openssl ecparam -name prime256v1 -genkey -noout -out " + svc +
                        ".key") ||
            !runCommand(ca + "openssl req -new -key " + svc + ".key -subj '/CN=" + svc + "' -out " +
                        svc + ".csr") ||
            !runCommand(ca + "openssl x509 -req -in " + svc + ".csr -CA ca.pem -CAkey ca.key " +
                        "-CAcreateserial -days 3 -extfile " + svc + ".ext -out " + svc + ".pem")) {
            return false;
        }
        // HAProxy wants certificate and key in one file.
        writeFile(dir + "/" + svc + ".crt.pem",
                  readFile(dir + "/" + svc + ".pem") + readFile(dir + "/" + svc + ".key"));
    }
    return true;
}

using Children = std::vector<std::unique_ptr<ChildProcess>>;

// Starts the relays of one variant; returns the port the client dials (0 on failure).
using Setup = std::function<uint16_t(const std::string& dir, uint16_t echo, Children& out)>;

uint16_t setupMeshx(const Options& o, int workers, const std::string& dir, uint16_t echo,
                    Children& out) {
    uint16_t pub = freePort();
    uint16_t up = freePort();
    std::string tls =
        R"(,"tls":{"cert_file":"%s.pem","key_file":"%s.key","roots_file":"ca.pem","trust_domain":")" +
        kTrustDomain + "\"}";
    auto tlsFor = [&](const std::string& svc) {
        std::string t = tls;
        for (size_t p; (p = t.find("%s")) != std::string::npos;) {
            t.replace(p, 2, svc);
        }
        return t;
    };
    writeFile(
        dir + "/db.json",
        R"({"service":{"Kind":"connect-proxy","ID":"db-sidecar-proxy","Address":"127.0.0.1","Port":)" +
            std::to_string(pub) +
            R"(,"Proxy":{"DestinationServiceName":"db","LocalServiceAddress":"127.0.0.1","LocalServicePort":)" +
            std::to_string(echo) + "}}" + tlsFor("db") + "}");
    writeFile(
        dir + "/web.json",
        R"({"service":{"Kind":"connect-proxy","ID":"web-sidecar-proxy","Port":0,"Proxy":{"DestinationServiceName":"web","Upstreams":[{"DestinationName":"db","LocalBindPort":)" +
            std::to_string(up) + "}]}}" + tlsFor("web") +
            R"(,"instances":{"db":[{"id":"db-1","address":"127.0.0.1","port":)" +
            std::to_string(pub) + "}]}}");
    out.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{o.meshx, "-config-file", dir + "/db.json", "-log-level", "err",
                                 "-workers", std::to_string(workers)},
        dir + "/meshx-db.log"));
    out.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{o.meshx, "-config-file", dir + "/web.json", "-log-level", "err",
                                 "-workers", std::to_string(workers)},
        dir + "/meshx-web.log"));
    return waitForPort(pub, std::chrono::seconds(10)) && waitForPort(up, std::chrono::seconds(10))
               ? up
               : 0;
}

uint16_t setupHaproxy(const Options& o, bool tls, const std::string& dir, uint16_t echo,
                      Children& out) {
    uint16_t pub = freePort();
    uint16_t up = freePort();
    std::string global = "global\n  nbthread " + std::to_string(o.haproxyThreads) +
                         "\n  maxconn 4000\n  ssl-default-bind-options ssl-min-ver TLSv1.2\n"
                         "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n"
                         "  timeout server 60s\n";
    std::string sslBind =
        tls ? " ssl crt " + dir + "/db.crt.pem ca-file " + dir + "/ca.pem verify required" : "";
    std::string sslServer =
        tls ? " ssl crt " + dir + "/web.crt.pem ca-file " + dir + "/ca.pem verify required" : "";
    writeFile(dir + "/ha-db.cfg",
              global + "frontend pub\n  bind 127.0.0.1:" + std::to_string(pub) + sslBind +
                  "\n  default_backend app\nbackend app\n  server s1 127.0.0.1:" +
                  std::to_string(echo) + "\n");
    writeFile(dir + "/ha-web.cfg", global + "frontend up\n  bind 127.0.0.1:" + std::to_string(up) +
                                       "\n  default_backend mesh\nbackend mesh\n  server s1 "
                                       "127.0.0.1:" +
                                       std::to_string(pub) + sslServer + "\n");
    out.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{"haproxy", "-db", "-f", dir + "/ha-db.cfg"}, dir + "/ha-db.log"));
    out.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{"haproxy", "-db", "-f", dir + "/ha-web.cfg"},
        dir + "/ha-web.log"));
    return waitForPort(pub, std::chrono::seconds(10)) && waitForPort(up, std::chrono::seconds(10))
               ? up
               : 0;
}

uint16_t setupSocat(const std::string& dir, uint16_t echo, Children& out) {
    uint16_t pub = freePort();
    uint16_t up = freePort();
    auto relay = [&](uint16_t listen, uint16_t to, const char* log) {
        out.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{
                "socat",
                "TCP-LISTEN:" + std::to_string(listen) + ",bind=127.0.0.1,fork,reuseaddr,nodelay",
                "TCP:127.0.0.1:" + std::to_string(to) + ",nodelay"},
            dir + log));
    };
    relay(pub, echo, "/socat-db.log");
    relay(up, pub, "/socat-web.log");
    return waitForPort(pub, std::chrono::seconds(10)) && waitForPort(up, std::chrono::seconds(10))
               ? up
               : 0;
}

double relayCpu(const Children& relays) {
    double total = 0;
    for (const auto& c : relays) {
        total += c->cpuSeconds();
    }
    return total;
}

Row measure(const std::string& name, uint16_t port, const Options& o, const Children& relays) {
    Row row;
    row.name = name;
    auto d = std::chrono::seconds(o.seconds);
    double cpu0 = relayCpu(relays);
    row.ping = pingPong(port, d);
    double cpu1 = relayCpu(relays);
    row.calls16 = concurrentCalls(port, 16, d);
    double cpu2 = relayCpu(relays);
    row.bulk = bulkEcho(port, d);
    double cpu3 = relayCpu(relays);
    row.ok = row.ping.ok && row.calls16 > 0 && row.bulk > 0;
    if (row.ok) {
        row.cpuPing = (cpu1 - cpu0) * 1e6 / (row.ping.callsPerSecond * o.seconds);
        row.cpuCalls16 = (cpu2 - cpu1) * 1e6 / (row.calls16 * o.seconds);
        row.cpuBulk = (cpu3 - cpu2) * 1e3 / (row.bulk * o.seconds);
    }
    return row;
}

void print(const std::vector<Row>& rows) {
    const Row& base = rows.front();
    std::printf("\n%-25s %15s %15s %16s %16s %15s %19s\n", "path", "p50 us", "p99 us",
                "1-conn calls/s", "16-conn calls/s", "1MiB echo MB/s", "relay CPU us/call");
    std::printf("%-25s %15s %15s %16s %16s %15s %19s\n", "", "(x direct)", "(x direct)",
                "(x direct)", "(x direct)", "(x direct)", "1c / 16c / ms/MB");
    for (const auto& r : rows) {
        if (!r.ok) {
            std::printf("%-25s  FAILED (KEEP_BENCH_DIR=1 keeps the relay logs)\n", r.name.c_str());
            continue;
        }
        char p50[32], p99[32], c1[32], c16[32], bulk[32], cpu[48];
        std::snprintf(p50, sizeof p50, "%.0f (%.1fx)", r.ping.p50Us,
                      r.ping.p50Us / base.ping.p50Us);
        std::snprintf(p99, sizeof p99, "%.0f (%.1fx)", r.ping.p99Us,
                      r.ping.p99Us / base.ping.p99Us);
        std::snprintf(c1, sizeof c1, "%.0f (%.2fx)", r.ping.callsPerSecond,
                      r.ping.callsPerSecond / base.ping.callsPerSecond);
        std::snprintf(c16, sizeof c16, "%.0f (%.2fx)", r.calls16, r.calls16 / base.calls16);
        std::snprintf(bulk, sizeof bulk, "%.0f (%.2fx)", r.bulk, r.bulk / base.bulk);
        if (&r == &base) {
            std::snprintf(cpu, sizeof cpu, "-");
        } else {
            std::snprintf(cpu, sizeof cpu, "%.0f / %.0f / %.1f", r.cpuPing, r.cpuCalls16,
                          r.cpuBulk);
        }
        std::printf("%-25s %15s %15s %16s %16s %15s %19s\n", r.name.c_str(), p50, p99, c1, c16,
                    bulk, cpu);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--seconds") {
            o.seconds = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--rounds") {
            o.rounds = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--meshx-workers") {
            o.meshxWorkers = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--haproxy-threads") {
            o.haproxyThreads = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--meshx") {
            o.meshx = argv[i + 1];
        } else if (a == "--only") {
            o.only = argv[i + 1];
        } else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    char tmpl[] = "/tmp/meshx-bench-proxy-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    if (!makeCertificates(dir)) {
        std::fprintf(stderr, "certificate generation failed (openssl CLI) in %s\n", dir.c_str());
        return 1;
    }
    std::printf("bench_proxy: %d s per load, %d rounds, haproxy nbthread %d, temp dir %s\n",
                o.seconds, o.rounds, o.haproxyThreads, dir.c_str());

    EchoServer echo;
    struct Variant {
        std::string name;
        Setup setup;
    };
    std::vector<Variant> variants = {
        {"direct TCP", [](const std::string&, uint16_t e, Children&) { return e; }},
        {"meshx-proxy 2 hops mTLS",
         [&](const std::string& d, uint16_t e, Children& c) { return setupMeshx(o, 1, d, e, c); }},
        {"meshx-proxy mTLS N loops",
         [&](const std::string& d, uint16_t e, Children& c) {
             return setupMeshx(o, o.meshxWorkers, d, e, c);
         }},
        {"haproxy 2 hops mTLS", [&](const std::string& d, uint16_t e,
                                    Children& c) { return setupHaproxy(o, true, d, e, c); }},
        {"haproxy 2 hops plain", [&](const std::string& d, uint16_t e,
                                     Children& c) { return setupHaproxy(o, false, d, e, c); }},
        {"socat 2 hops plain",
         [](const std::string& d, uint16_t e, Children& c) { return setupSocat(d, e, c); }},
    };
    struct Running {
        std::string name;
        Children relays;
        uint16_t port = 0;
        Row best;
    };
    std::vector<Running> running;
    for (auto& v : variants) {
        if (v.name == "meshx-proxy mTLS N loops") {
            if (o.meshxWorkers == 1) {
                continue;
            }
            v.name = "meshx-proxy mTLS " + std::to_string(o.meshxWorkers) + " loops";
        }
        if (!running.empty() && !o.only.empty() && v.name.find(o.only) == std::string::npos) {
            continue;
        }
        Running r;
        r.name = v.name;
        r.best.name = v.name;
        r.port = v.setup(dir, echo.port(), r.relays);
        if (r.port == 0) {
            std::printf("  %s: relays did not start\n", v.name.c_str());
        }
        running.push_back(std::move(r));
    }
    for (int round = 1; round <= o.rounds; ++round) {
        std::printf("  round %d/%d:", round, o.rounds);
        for (auto& r : running) {
            if (r.port != 0) {
                r.best.merge(measure(r.name, r.port, o, r.relays));
            }
            std::printf(" .");
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    std::vector<Row> rows;
    for (auto& r : running) {
        rows.push_back(r.best);
    }
    print(rows);
    std::printf(
        "\nBest of %d rounds per column. Relay CPU: user+system time of the relay "
        "processes per call (1 and 16 connections) and per MB echoed.\n",
        o.rounds);
    if (std::getenv("KEEP_BENCH_DIR") == nullptr) {
        runCommand("rm -rf " + dir);
    }
    return 0;
}
