// Mesh engine benchmark (issue 20), every phase bounded by its count and --max-seconds:
//  1. start -> passing, median and p90 over N starts (default 50), each followed by stop, against
//     the in-process dev agent and against a `meshx-agent` process:
//     - baseline: the agent round trips a start cannot avoid (register service + sidecar with a
//       TTL check, pass the check, read health until 200, deregister), measured in the same run;
//     - the engine with a stand-in proxy (`sleep`), to see the engine's own cost;
//     - the engine with the real built-in sidecar (meshx-proxy), the default.
//  2. --sequential services started one after another with start() (default 200), then stopAll.
//  3. --services services (default 1000) with the real meshx-proxy in one startBatch, then one
//     stopBatch: totals, per service, the engine's resident memory per service, the proxies'
//     memory, and what is left behind (processes, registrations, port claims).
//
//   bench_mesh [--starts N] [--sequential N] [--services N] [--max-seconds S]

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>

#include <sys/resource.h>
#include <algorithm>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "agent/dev_agent.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "net/port_claim.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    int starts = 50;
    int sequential = 200;
    int services = 1000;
    double maxSeconds = 600;
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

long residentKiB(const std::string& statusPath = "/proc/self/status") {
    std::ifstream status(statusPath);
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return 0;
}

// CPU seconds (user + system) of this process, or of its reaped children.
double cpuSeconds(int who) {
    rusage u{};
    ::getrusage(who, &u);
    auto sec = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

std::string loadAverage() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
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

bool inBudget(const QElapsedTimer& budget, const Options& o) {
    return static_cast<double>(budget.elapsed()) < o.maxSeconds * 1000;
}

Series engineStarts(ConsulMesh& mesh, const ServiceTemplate& tmpl, const std::string& name,
                    const Options& o, const QElapsedTimer& budget) {
    Series s;
    for (int i = 0; i < o.starts && inBudget(budget, o); ++i) {
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
    std::printf("  %-34s n=%4zu  median %8.2f ms  p90 %8.2f ms  ratio to baseline %6.2fx\n", label,
                v.size(), med, percentile(v, 0.9), baselineMedian > 0 ? med / baselineMedian : 0.0);
}

// A `meshx-agent -dev` process on a port of its own choosing; its address from the banner.
class AgentProcess {
  public:
    bool start() {
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(QStringLiteral(MESHX_BIN_DIR "/meshx-agent"),
                       {QStringLiteral("-dev"), QStringLiteral("-http-port"), QStringLiteral("0")});
        QElapsedTimer t;
        t.start();
        static const QRegularExpression re(QStringLiteral(R"(HTTP address: http://(\S+))"));
        while (t.elapsed() < 20000 && process_.state() != QProcess::NotRunning) {
            process_.waitForReadyRead(200);
            output_ += QString::fromUtf8(process_.readAll());
            if (auto m = re.match(output_); m.hasMatch()) {
                hostPort_ = m.captured(1).toStdString();
                return true;
            }
        }
        return false;
    }
    ~AgentProcess() {
        process_.kill();
        process_.waitForFinished(5000);
    }
    const std::string& hostPort() const { return hostPort_; }

  private:
    QProcess process_;
    QString output_;
    std::string hostPort_;
};

struct Engine {
    std::unique_ptr<consul::ConsulClient> client;
    std::unique_ptr<ConsulMesh> mesh;
};

Engine makeEngine(const std::string& hostPort, uint16_t minPort, uint16_t maxPort,
                  const std::string& proxyHost = "per_service") {
    MeshConfig config;
    config.proxyHost = proxyHost;
    config.agent = *AgentEndpoint::parse(hostPort);
    config.portRangeMin = minPort;
    config.portRangeMax = maxPort;
    Engine e;
    auto client = consul::ConsulClient::create(config);
    if (!client) {
        return e;
    }
    e.client = std::move(*client);
    auto mesh = ConsulMesh::create(*e.client, config);
    if (mesh) {
        e.mesh = std::move(*mesh);
    }
    return e;
}

ServiceTemplate withProxy(const ConsulMesh& mesh) {
    ServiceTemplate t = mesh.defaultTemplate();
    t.proxy = std::vector<std::string>{MESHX_BIN_DIR "/meshx-proxy", "-sidecar-for", "{{id}}"};
    return t;
}

// Phase 1 against one agent.
// `hosted`: an engine on the same agent with proxy_host shared, its host kept running. Since
// issue 20.3 a start with a meshx-proxy returns when the sidecar listens.
int startToPassing(const char* agentLabel, Engine& e, Engine& hosted, const Options& o,
                   const QElapsedTimer& budget) {
    std::vector<double> base;
    for (int i = 0; i < o.starts && inBudget(budget, o); ++i) {
        auto t0 = Clock::now();
        if (baselineStart(*e.client, i)) {
            base.push_back(ms(Clock::now() - t0));
        }
    }
    const double baseMedian = percentile(base, 0.5);
    ServiceTemplate standIn = e.mesh->defaultTemplate();
    standIn.proxy = std::vector<std::string>{"sleep", "600"};
    Series stub = engineStarts(*e.mesh, standIn, "stub", o, budget);
    Series real = engineStarts(*e.mesh, withProxy(*e.mesh), "real", o, budget);
    // One service kept running keeps the host process up: each start then adds a sidecar to a
    // running host, as in a busy engine (an idle host is ended after the last stop).
    auto keep =
        hosted.mesh->start(ServiceParams::namedWithId("keep", "keep-host"), withProxy(*hosted.mesh),
                           false, std::chrono::milliseconds(20000));
    Series shared = engineStarts(*hosted.mesh, withProxy(*hosted.mesh), "hosted", o, budget);
    if (keep) {
        (void)hosted.mesh->stop(keep->serviceId);
    }

    std::printf("\nstart -> passing, %s (each start followed by stop; load %s)\n", agentLabel,
                loadAverage().c_str());
    printRow("baseline: agent round trips", base, baseMedian);
    printRow("engine, stand-in proxy", stub.startMs, baseMedian);
    printRow("engine, meshx-proxy listening", real.startMs, baseMedian);
    printRow("engine, hosted meshx-proxy listening", shared.startMs, baseMedian);
    printRow("stop, stand-in proxy", stub.stopMs, baseMedian);
    printRow("stop, meshx-proxy", real.stopMs, baseMedian);
    printRow("stop, hosted meshx-proxy", shared.stopMs, baseMedian);
    std::printf("  failures: stand-in %d, meshx-proxy %d, hosted %d\n", stub.failures,
                real.failures, shared.failures);
    return stub.failures + real.failures + shared.failures;
}

struct LeftBehind {
    size_t registrations = 0;
    int processes = 0;
    int claims = 0;
};

LeftBehind leftBehind(Engine& e, const std::vector<qint64>& pids,
                      const std::vector<uint16_t>& ports, const std::string& claimDir) {
    LeftBehind l;
    const auto services = e.client->call(ep::agentServices());
    l.registrations = services ? services->size() : 99999;
    for (qint64 pid : pids) {
        l.processes += ::kill(static_cast<pid_t>(pid), 0) == 0 ? 1 : 0;
    }
    for (uint16_t port : ports) {
        auto claim = net::PortClaim::tryClaim(claimDir, net::Address::tcp("127.0.0.1", port));
        l.claims += (!claim || *claim == nullptr) ? 1 : 0;
    }
    return l;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--starts") {
            o.starts = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--sequential") {
            o.sequential = std::max(0, std::atoi(argv[i + 1]));
        } else if (a == "--services") {
            o.services = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--max-seconds") {
            o.maxSeconds = std::max(10.0, std::atof(argv[i + 1]));
        } else {
            std::fprintf(stderr,
                         "usage: bench_mesh [--starts N] [--sequential N] [--services N] "
                         "[--max-seconds S]\n");
            return 2;
        }
    }
    // Claims of this run only, so "nothing left behind" counts ours.
    QTemporaryDir claimDir;
    qputenv("MESHX_PORT_CLAIM_DIR", claimDir.path().toUtf8());

    agent::AgentConfig agentConfig;
    // Room for a sidecar port per service of the batch (Consul's default range has 256).
    agentConfig.sidecarMinPort = 40000;
    agentConfig.sidecarMaxPort = 40000 + std::max(255, o.services + 10);
    agent::DevAgent devAgent(agentConfig, [](agent::LogLevel, const std::string&) {});
    auto bound = devAgent.start(*net::Address::parse("127.0.0.1:0"));
    if (!bound) {
        std::fprintf(stderr, "agent: %s\n", bound.error().toString().c_str());
        return 1;
    }
    Engine e = makeEngine(bound->hostPort(), 24000, 25999);
    if (!e.mesh) {
        std::fprintf(stderr, "cannot create the engine\n");
        return 1;
    }
    std::printf("bench_mesh: %d cores, load %s\n", QThread::idealThreadCount(),
                loadAverage().c_str());
    QElapsedTimer budget;
    budget.start();
    Engine eh = makeEngine(bound->hostPort(), 27000, 27999, "shared");
    if (!eh.mesh) {
        return 1;
    }
    int failures = startToPassing("in-process dev agent", e, eh, o, budget);

    {
        AgentProcess agentProcess;
        if (!agentProcess.start()) {
            std::fprintf(stderr, "meshx-agent did not start\n");
            return 1;
        }
        Engine pe = makeEngine(agentProcess.hostPort(), 26000, 26999);
        if (!pe.mesh) {
            return 1;
        }
        Engine ph = makeEngine(agentProcess.hostPort(), 28000, 28999, "shared");
        if (!ph.mesh) {
            return 1;
        }
        failures += startToPassing("meshx-agent process", pe, ph, o, budget);
    }

    // Phase 2: one start() after another, as before startBatch.
    if (o.sequential > 0) {
        auto t0 = Clock::now();
        int started = 0;
        for (int i = 0; i < o.sequential && inBudget(budget, o); ++i) {
            auto r = e.mesh->start(ServiceParams::namedWithId("seq", "seq-" + std::to_string(i)),
                                   withProxy(*e.mesh), false, std::chrono::milliseconds(30000));
            if (!r) {
                std::fprintf(stderr, "start seq-%d: %s\n", i, r.error().toString().c_str());
                ++failures;
                break;
            }
            ++started;
        }
        const double startAll = ms(Clock::now() - t0);
        t0 = Clock::now();
        e.mesh->stopAll();
        const double stopAll = ms(Clock::now() - t0);
        std::printf("\n%d services with meshx-proxy, start() one after another (load %s)\n",
                    started, loadAverage().c_str());
        std::printf("  start all %9.0f ms  (%.2f ms per service)\n", startAll,
                    started ? startAll / started : 0.0);
        std::printf("  stopAll   %9.0f ms  (%.2f ms per service)\n", stopAll,
                    started ? stopAll / started : 0.0);
    }

    // Phase 3: one startBatch, one stopBatch.
    std::vector<ServiceParams> params;
    for (int i = 0; i < o.services; ++i) {
        params.push_back(ServiceParams::namedWithId("many", "many-" + std::to_string(i)));
    }
    const long rssBefore = residentKiB();
    const double cpuSelf0 = cpuSeconds(RUSAGE_SELF);
    const double cpuChildren0 = cpuSeconds(RUSAGE_CHILDREN);
    auto t0 = Clock::now();
    auto results =
        e.mesh->startBatch(params, withProxy(*e.mesh), false, std::chrono::milliseconds(120000));
    const double startAll = ms(Clock::now() - t0);
    const long rssRunning = residentKiB();
    std::vector<std::string> ids;
    std::vector<qint64> pids;
    std::vector<uint16_t> ports;
    long proxyKiB = 0;
    for (const auto& r : results) {
        if (!r) {
            std::fprintf(stderr, "batch: %s\n", r.error().toString().c_str());
            continue;
        }
        ids.push_back(r->serviceId);
        ports.push_back(r->address.port());
        if (auto info = e.mesh->proxyInfo(r->serviceId); info && info->pid > 0) {
            pids.push_back(info->pid);
            proxyKiB += residentKiB("/proc/" + std::to_string(info->pid) + "/status");
        }
    }
    const std::string loadAtStart = loadAverage();
    t0 = Clock::now();
    const auto stopped = e.mesh->stopBatch(ids);
    const double stopAll = ms(Clock::now() - t0);
    const auto left = leftBehind(e, pids, ports, claimDir.path().toStdString());
    // Load-independent: the CPU the batch cost (engine + in-process agent; the proxies, counted
    // once reaped by the stop). On an idle machine the wall time cannot be below the sum over
    // the cores.
    const double cpuSelf = cpuSeconds(RUSAGE_SELF) - cpuSelf0;
    const double cpuChildren = cpuSeconds(RUSAGE_CHILDREN) - cpuChildren0;
    const auto n = static_cast<double>(ids.size());
    std::printf("\n%zu services with meshx-proxy in one startBatch (asked for %d; load %s)\n",
                ids.size(), o.services, loadAtStart.c_str());
    std::printf("  start all %9.0f ms  (%.2f ms per service)   goal <= 10000 ms for 1000\n",
                startAll, n > 0 ? startAll / n : 0.0);
    std::printf("  stop all  %9.0f ms  (%.2f ms per service)   goal <= 5000 ms for 1000\n", stopAll,
                n > 0 ? stopAll / n : 0.0);
    std::printf("  engine RSS %ld KiB before, %ld KiB with all running: %.1f KiB per service\n",
                rssBefore, rssRunning, n > 0 ? static_cast<double>(rssRunning - rssBefore) / n : 0);
    std::printf(
        "  meshx-proxy RSS: %ld KiB in all, %.0f KiB per proxy (%zu proxies)\n", proxyKiB,
        pids.empty() ? 0.0 : static_cast<double>(proxyKiB) / static_cast<double>(pids.size()),
        pids.size());
    std::printf(
        "  CPU for start+stop: engine and agent %.2f s (%.2f ms per service), proxies %.2f s "
        "(%.2f ms per proxy)\n",
        cpuSelf, n > 0 ? cpuSelf * 1000 / n : 0.0, cpuChildren,
        pids.empty() ? 0.0 : cpuChildren * 1000 / static_cast<double>(pids.size()));
    std::printf("  left behind after stop: %zu registrations, %d processes, %d port claims\n",
                left.registrations, left.processes, left.claims);
    devAgent.stop();
    const bool clean = left.registrations == 0 && left.processes == 0 && left.claims == 0;
    return (failures || ids.size() < static_cast<size_t>(o.services) || !clean) ? 1 : 0;
}
