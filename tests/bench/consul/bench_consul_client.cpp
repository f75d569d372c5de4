// bench_consul_client: what the client costs per request and how fast watchers wake.
//
//   sync      sequential GET /v1/agent/self on one client (handle and connection reused),
//             against a baseline that makes a new client per request (new handle, new TCP
//             connection) measured in the same run
//   async     callAsync from an event-loop thread through the worker pool, 4 workers
//   watchers  W BlockingWatchers parked on a fake blocking query; one change wakes them all;
//             latency from the change to each delivery on the context thread (p50/p99/max)
//
// Usage: bench_consul_client [requests=3000] [watchers=200]
// With CONSUL_HTTP_ADDR set, the sync and async figures are repeated against that agent.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "consul/agent_endpoints.h"
#include "consul/blocking_watcher.h"
#include "consul/consul_client.h"
#include "fake_consul_server.h"

using namespace meshx::consul;
using Clock = std::chrono::steady_clock;

namespace {

meshx::MeshConfig localConfig(uint16_t port) {
    meshx::MeshConfig config;
    config.agent.host = "127.0.0.1";
    config.agent.port = port;
    return config;
}

std::unique_ptr<ConsulClient> client(const meshx::MeshConfig& config, ClientOptions options = {}) {
    auto c = ConsulClient::create(config, options);
    if (!c) {
        std::fprintf(stderr, "client: %s\n", c.error().toString().c_str());
        std::exit(1);
    }
    return std::move(*c);
}

double perSecond(int n, qint64 ns) {
    return ns > 0 ? n * 1e9 / static_cast<double>(ns) : 0.0;
}

// Returns requests per second; exits on the first failed request.
double syncRun(const meshx::MeshConfig& config, int n, bool reuse) {
    auto shared = client(config);
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < n; ++i) {
        auto fresh = reuse ? nullptr : client(config);
        auto r = (reuse ? *shared : *fresh).call(endpoints::agentSelf());
        if (!r) {
            std::fprintf(stderr, "sync: %s\n", r.error().toString().c_str());
            std::exit(1);
        }
    }
    return perSecond(n, t.nsecsElapsed());
}

double asyncRun(const meshx::MeshConfig& config, int n) {
    ClientOptions options;
    options.asyncThreads = 4;
    auto c = client(config, options);
    QObject context;
    int done = 0;
    int failed = 0;
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < n; ++i) {
        c->callAsync<AgentSelf>(endpoints::agentSelf(), &context, [&](meshx::Result<AgentSelf> r) {
            failed += r ? 0 : 1;
            if (++done == n) {
                QCoreApplication::exit(0);
            }
        });
    }
    QTimer::singleShot(120000, [] { QCoreApplication::exit(1); });  // bounded
    if (QCoreApplication::exec() != 0 || failed > 0) {
        std::fprintf(stderr, "async: %d of %d done, %d failed\n", done, n, failed);
        std::exit(1);
    }
    return perSecond(n, t.nsecsElapsed());
}

void watcherRun(int watchers) {
    // The fake parks each blocking query until `version` passes the query's index.
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t version = 1;
    bool closing = false;
    FakeConsulServer server([&](const FakeRequest& r) {
        const uint64_t index = r.hasParam("index") ? std::stoull(r.param("index")) : 0;
        std::unique_lock lock(mutex);
        changed.wait_for(lock, std::chrono::seconds(60),
                         [&] { return closing || version > index; });
        return FakeReply::json(version, 200, static_cast<int64_t>(version));
    });
    if (!server.listenTcp()) {
        std::fprintf(stderr, "watchers: cannot listen\n");
        std::exit(1);
    }
    auto c = client(localConfig(server.port()));
    QObject context;
    std::vector<double> latenciesMs;
    Clock::time_point bumped;
    int initial = 0;
    std::vector<std::unique_ptr<BlockingWatcher>> all;
    for (int i = 0; i < watchers; ++i) {
        all.push_back(std::make_unique<BlockingWatcher>(
            *c, Request::get("/health/service/web"), BlockingWatcher::Options{}, &context,
            [&](const Response& r) {
                if (r.index == 1) {
                    ++initial;
                    return;
                }
                latenciesMs.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - bumped).count());
                if (static_cast<int>(latenciesMs.size()) == watchers) {
                    QCoreApplication::exit(0);
                }
            }));
        all.back()->start();
    }
    // Once every watcher has its first result and has parked again, publish one change.
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (initial == watchers &&
            server.requestCount() >= static_cast<std::size_t>(2 * watchers)) {
            poll.stop();
            std::lock_guard lock(mutex);
            bumped = Clock::now();
            ++version;
            changed.notify_all();
        }
    });
    poll.start(5);
    QTimer::singleShot(120000, [] { QCoreApplication::exit(1); });
    const int rc = QCoreApplication::exec();
    for (auto& w : all) {
        w->stop();
    }
    {
        std::lock_guard lock(mutex);
        closing = true;  // release the handlers still parked, so the server can stop
        changed.notify_all();
    }
    if (rc != 0) {
        std::fprintf(stderr, "watchers: only %zu of %d woke\n", latenciesMs.size(), watchers);
        std::exit(1);
    }
    std::sort(latenciesMs.begin(), latenciesMs.end());
    auto pct = [&](double p) {
        return latenciesMs[std::min(
            latenciesMs.size() - 1,
            static_cast<std::size_t>(p * static_cast<double>(latenciesMs.size())))];
    };
    std::printf("watchers  %4d woken by one change: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                watchers, pct(0.50), pct(0.99), latenciesMs.back());
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? std::atoi(argv[1]) : 3000;
    const int watchers = argc > 2 ? std::atoi(argv[2]) : 200;

    FakeConsulServer server([](const FakeRequest&) {
        return FakeReply::json({{"Config", {{"Datacenter", "dc1"}, {"NodeName", "bench"}}}});
    });
    if (!server.listenTcp()) {
        std::fprintf(stderr, "cannot listen\n");
        return 1;
    }
    const auto fake = localConfig(server.port());
    const int baselineN = std::max(1, requests / 5);
    const double fresh = syncRun(fake, baselineN, false);
    const double reused = syncRun(fake, requests, true);
    std::printf("sync      %6.0f req/s reused handle, %6.0f req/s new client each (x%.1f)\n",
                reused, fresh, fresh > 0 ? reused / fresh : 0.0);
    std::printf("async     %6.0f req/s (4 workers, delivered on the event loop)\n",
                asyncRun(fake, requests));
    watcherRun(watchers);

    if (const char* addr = std::getenv("CONSUL_HTTP_ADDR"); addr && *addr) {
        meshx::MeshConfig agent;
        if (auto st = agent.applyEnvironment(); !st) {
            std::fprintf(stderr, "%s\n", st.error().toString().c_str());
            return 1;
        }
        std::printf("agent %s:\n", agent.agent.toString().c_str());
        std::printf("  sync    %6.0f req/s GET /v1/agent/self\n", syncRun(agent, requests, true));
        std::printf("  async   %6.0f req/s\n", asyncRun(agent, requests));
    }
    return 0;
}
