// Mesh engine benchmark against the in-process dev agent:
//  1. start -> passing, median and p90 over N starts (default 50), each followed by stop:
//     - baseline: the agent round trips a start cannot avoid (register service + sidecar with a
//       TTL check, pass the check, poll health until 200, deregister), measured in the same run;
//     - the engine with a stand-in proxy (`sleep`), to see the engine's own cost;
//     - the engine with the real built-in sidecar (meshx-proxy), the default.
//  2. 200 services started with the real meshx-proxy, then stopped: totals, per service, and the
//     resident memory of this process while they run.
// Bounded: every phase stops at its count or at --max-seconds, whichever comes first.
//
//   bench_mesh [--starts N] [--services N] [--max-seconds S]

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "agent/dev_agent.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    int starts = 50;
    int services = 200;
    double maxSeconds = 240;
};

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
    return v[i];
}

long residentKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return 0;
}

// The agent work one start cannot avoid, without the engine: register, pass, see passing.
bool baselineStart(consul::ConsulClient& client, int i) {
    const std::string id = "base-" + std::to_string(i);
    const nlohmann::json reg = {
        {"Name", "base"},
        {"ID", id},
        {"Address", "127.0.0.1"},
        {"Port", 30000 + i},
        {"Check", {{"CheckID", "ttl:" + id}, {"Name", "ttl"}, {"TTL", "5s"}}},
        {"Connect", {{"SidecarService", nlohmann::json::object()}}}};
    if (!client.call(ep::registerService(reg, false))) {
        return false;
    }
    if (!client.call(ep::passCheck("ttl:" + id))) {
        return false;
    }
    for (int tries = 0; tries < 1000; ++tries) {
        auto h = client.call(ep::agentHealthById(id));
        if (h && h->httpStatus == 200) {
            return client.call(ep::deregisterService(id)).ok();
        }
    }
    return false;
}

struct Series {
    std::vector<double> startMs;
    std::vector<double> stopMs;
    int failures = 0;
};

Series engineStarts(ConsulMesh& mesh, const ServiceTemplate& tmpl, const std::string& name,
                    const Options& o, const QElapsedTimer& budget) {
    Series s;
    for (int i = 0; i < o.starts && static_cast<double>(budget.elapsed()) < o.maxSeconds * 1000;
         ++i) {
        const std::string id = name + "-" + std::to_string(i);
        auto t0 = Clock::now();
        auto started = mesh.start(ServiceParams::namedWithId(name, id), tmpl, false,
                                  std::chrono::milliseconds(20000));
        auto t1 = Clock::now();
        if (!started) {
            std::fprintf(stderr, "start %s: %s\n", id.c_str(), started.error().toString().c_str());
            ++s.failures;
            continue;
        }
        s.startMs.push_back(ms(t1 - t0));
        auto t2 = Clock::now();
        if (!mesh.stop(id)) {
            ++s.failures;
        }
        s.stopMs.push_back(ms(Clock::now() - t2));
    }
    return s;
}

void printRow(const char* label, const std::vector<double>& v, double baselineMedian) {
    const double med = percentile(v, 0.5);
    std::printf("  %-34s n=%3zu  median %8.1f ms  p90 %8.1f ms  ratio to baseline %6.2fx\n", label,
                v.size(), med, percentile(v, 0.9), baselineMedian > 0 ? med / baselineMedian : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--starts") {
            o.starts = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--services") {
            o.services = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--max-seconds") {
            o.maxSeconds = std::max(10.0, std::atof(argv[i + 1]));
        } else {
            std::fprintf(stderr,
                         "usage: bench_mesh [--starts N] [--services N] "
                         "[--max-seconds S]\n");
            return 2;
        }
    }

    agent::DevAgent devAgent(agent::AgentConfig{}, [](agent::LogLevel, const std::string&) {});
    auto bound = devAgent.start(*net::Address::parse("127.0.0.1:0"));
    if (!bound) {
        std::fprintf(stderr, "agent: %s\n", bound.error().toString().c_str());
        return 1;
    }
    MeshConfig config;
    config.agent = *AgentEndpoint::parse(bound->hostPort());
    config.portRangeMin = 24000;
    config.portRangeMax = 25999;
    // A start's wait polls the agent; keep the TTL period the default so workers are realistic.
    auto client = consul::ConsulClient::create(config);
    auto mesh = ConsulMesh::create(**client, config);
    if (!client || !mesh) {
        std::fprintf(stderr, "cannot create the engine\n");
        return 1;
    }
    std::printf("bench_mesh: in-process dev agent at %s, %d cores\n", bound->toString().c_str(),
                QThread::idealThreadCount());

    QElapsedTimer budget;
    budget.start();

    std::vector<double> base;
    for (int i = 0; i < o.starts && static_cast<double>(budget.elapsed()) < o.maxSeconds * 1000;
         ++i) {
        auto t0 = Clock::now();
        if (baselineStart(**client, i)) {
            base.push_back(ms(Clock::now() - t0));
        }
    }
    const double baseMedian = percentile(base, 0.5);

    ServiceTemplate standIn = (*mesh)->defaultTemplate();
    standIn.proxy = std::vector<std::string>{"sleep", "600"};
    Series stub = engineStarts(**mesh, standIn, "stub", o, budget);
    Series real = engineStarts(**mesh, (*mesh)->defaultTemplate(), "real", o, budget);

    std::printf("\nstart -> passing (each start followed by stop)\n");
    printRow("baseline: agent round trips", base, baseMedian);
    printRow("engine, stand-in proxy", stub.startMs, baseMedian);
    printRow("engine, meshx-proxy (default)", real.startMs, baseMedian);
    printRow("stop, stand-in proxy", stub.stopMs, baseMedian);
    printRow("stop, meshx-proxy", real.stopMs, baseMedian);
    std::printf("  failures: stand-in %d, meshx-proxy %d\n", stub.failures, real.failures);

    // Many services at once, each with its own running meshx-proxy.
    const long rssBefore = residentKiB();
    auto t0 = Clock::now();
    int started = 0;
    for (int i = 0; i < o.services && static_cast<double>(budget.elapsed()) < o.maxSeconds * 1000;
         ++i) {
        const std::string id = "many-" + std::to_string(i);
        auto r = (*mesh)->start(ServiceParams::namedWithId("many", id), (*mesh)->defaultTemplate(),
                                false, std::chrono::milliseconds(30000));
        if (!r) {
            std::fprintf(stderr, "start %s: %s\n", id.c_str(), r.error().toString().c_str());
            break;
        }
        ++started;
    }
    const double startAll = ms(Clock::now() - t0);
    const long rssRunning = residentKiB();
    t0 = Clock::now();
    (*mesh)->stopAll();
    const double stopAll = ms(Clock::now() - t0);
    std::printf("\n%d services with meshx-proxy (asked for %d)\n", started, o.services);
    std::printf("  start all %9.0f ms  (%.1f ms per service)\n", startAll,
                started ? startAll / started : 0.0);
    std::printf("  stop all  %9.0f ms  (%.1f ms per service)\n", stopAll,
                started ? stopAll / started : 0.0);
    std::printf("  engine RSS %ld KiB before, %ld KiB with all running (%.1f KiB per service)\n",
                rssBefore, rssRunning,
                started ? static_cast<double>(rssRunning - rssBefore) / started : 0.0);
    const auto left = (*client)->call(ep::agentServices());
    std::printf("  services left on the agent after stop: %zu\n", left ? left->size() : 0);
    devAgent.stop();
    return (stub.failures || real.failures || started < o.services) ? 1 : 0;
}
