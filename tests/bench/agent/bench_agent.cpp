// Dev agent benchmark: registration of 1,000 services with sidecars, list and health queries
// per second, blocking-query wake-up latency with 500 parked waiters. Prints figures, and the
// query rates as ratios to a trivial endpoint measured in the same run (HTTP overhead baseline).
//
//   bench_agent [--services N] [--waiters N] [--seconds S]

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTcpSocket>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../../integration/agent/raw_http.h"
#include "agent/dev_agent.h"

using meshx::agent::AgentConfig;
using meshx::agent::DevAgent;
using meshx::net::Address;

namespace {

struct Client {
    QTcpSocket socket;
    std::string buffer;

    bool connect(const Address& a) {
        socket.connectToHost(QString::fromStdString(a.host()), a.port());
        return socket.waitForConnected(5000);
    }
    RawResponse call(const std::string& method, const std::string& target,
                     const std::string& body = {}) {
        std::string req = method + " " + target + " HTTP/1.1\r\nHost: bench\r\n";
        if (!body.empty()) {
            req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        }
        req += "\r\n" + body;
        socket.write(req.data(), static_cast<qint64>(req.size()));
        return readResponses(socket, buffer, 1, 30000).front();
    }
};

// Requests per second of `target` over about `seconds` (bounded by a request cap too).
double rate(Client& c, const std::string& target, double seconds, int cap = 200000) {
    QElapsedTimer t;
    t.start();
    int n = 0;
    while (n < cap && static_cast<double>(t.elapsed()) < seconds * 1000) {
        if (c.call("GET", target).status != 200) {
            std::fprintf(stderr, "GET %s failed\n", target.c_str());
            return 0;
        }
        ++n;
    }
    return static_cast<double>(n) / (static_cast<double>(t.nsecsElapsed()) / 1e9);
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int services = 1000;
    int waiters = 500;
    double seconds = 2.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--services") {
            services = std::atoi(argv[i + 1]);
        } else if (a == "--waiters") {
            waiters = std::atoi(argv[i + 1]);
        } else if (a == "--seconds") {
            seconds = std::atof(argv[i + 1]);
        }
    }

    AgentConfig config;
    config.nodeName = "bench";
    config.logLevel = meshx::agent::LogLevel::Error;
    config.sidecarMaxPort = config.sidecarMinPort + services + 10;
    DevAgent agent(config);
    auto bound = agent.start(Address::tcp("127.0.0.1", 0));
    if (!bound) {
        std::fprintf(stderr, "cannot start the agent: %s\n", bound.error().toString().c_str());
        return 1;
    }
    Client c;
    if (!c.connect(*bound)) {
        std::fprintf(stderr, "cannot connect\n");
        return 1;
    }

    // 1. Registration (MX template: TTL check + sidecar with two default checks).
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < services; ++i) {
        const std::string id = "svc" + std::to_string(i);
        const std::string body = "{\"ID\":\"" + id + "\",\"Name\":\"" + id +
                                 "\",\"Checks\":[{\"Name\":\"TTL check\",\"CheckID\":\"ttl:" + id +
                                 "\",\"TTL\":\"10m\"}],\"Connect\":{\"SidecarService\":{\"Proxy\":{"
                                 "\"LocalServiceAddress\":\"127.0.0.1\",\"LocalServicePort\":" +
                                 std::to_string(1024 + i) + "}}}}";
        if (c.call("PUT", "/v1/agent/service/register?replace-existing-checks=true", body).status !=
            200) {
            std::fprintf(stderr, "registration %d failed\n", i);
            return 1;
        }
    }
    const double regSeconds = static_cast<double>(t.nsecsElapsed()) / 1e9;
    std::printf("register %d services with sidecars: %.3f s (%.0f registrations/s)\n", services,
                regSeconds, services / regSeconds);

    // 2. Query rates.
    const double baseline = rate(c, "/v1/status/leader", seconds);
    const double list = rate(c, "/v1/agent/services", seconds);
    const double filtered =
        rate(c, "/v1/agent/services?filter=Kind%20%3D%3D%20%22connect-proxy%22", seconds);
    const double health = rate(c, "/v1/health/service/svc500", seconds);
    const double connect = rate(c, "/v1/health/connect/svc500?passing=1", seconds);
    const double catalog = rate(c, "/v1/catalog/services", seconds);
    std::printf("baseline GET /v1/status/leader: %.0f req/s\n", baseline);
    std::printf("GET /v1/agent/services (%d entries): %.1f req/s (%.4f of baseline)\n",
                2 * services, list, list / baseline);
    std::printf("GET /v1/agent/services?filter=Kind==connect-proxy: %.1f req/s (%.4f)\n", filtered,
                filtered / baseline);
    std::printf("GET /v1/health/service/:name: %.0f req/s (%.3f)\n", health, health / baseline);
    std::printf("GET /v1/health/connect/:name?passing: %.0f req/s (%.3f)\n", connect,
                connect / baseline);
    std::printf("GET /v1/catalog/services: %.1f req/s (%.4f)\n", catalog, catalog / baseline);

    // 3. Wake-up latency: `waiters` parked health queries, one change wakes them all.
    const RawResponse first = c.call("GET", "/v1/health/service/svc7");
    const std::string index =
        first.headers.count("x-consul-index") != 0 ? first.headers.at("x-consul-index") : "1";
    std::vector<std::unique_ptr<Client>> parked;
    for (int i = 0; i < waiters; ++i) {
        auto w = std::make_unique<Client>();
        if (!w->connect(*bound)) {
            std::fprintf(stderr, "waiter %d cannot connect\n", i);
            return 1;
        }
        const std::string req = "GET /v1/health/service/svc7?index=" + index +
                                "&wait=2m HTTP/1.1\r\nHost: bench\r\n\r\n";
        w->socket.write(req.data(), static_cast<qint64>(req.size()));
        w->socket.flush();
        parked.push_back(std::move(w));
    }
    // Let the requests reach the agent: a round trip on the control connection after the
    // last write is a barrier (the agent serves connections in arrival order per event batch).
    c.call("GET", "/v1/status/leader");
    QElapsedTimer wake;
    wake.start();
    if (c.call("PUT", "/v1/agent/check/pass/ttl:svc7").status != 200) {
        std::fprintf(stderr, "pass failed\n");
        return 1;
    }
    std::vector<double> latencies;
    for (auto& w : parked) {
        auto rs = readResponses(w->socket, w->buffer, 1, 30000);
        if (rs[0].status == 200) {
            latencies.push_back(static_cast<double>(wake.nsecsElapsed()) / 1e6);
        }
    }
    std::printf(
        "blocking wake-up, %d waiters: %zu woke; latency after the write p50 %.2f ms, "
        "p99 %.2f ms, max %.2f ms (includes reading them one by one)\n",
        waiters, latencies.size(), percentile(latencies, 0.5), percentile(latencies, 0.99),
        percentile(latencies, 1.0));
    agent.stop();
    return latencies.size() == static_cast<size_t>(waiters) ? 0 : 1;
}
