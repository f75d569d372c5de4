// Many services with sidecars (issue 20, item 4): N services, each with a real meshx-proxy
// sidecar, started with one ServiceMesh::startBatch and stopped with one stopBatch, against the
// in-process dev agent. Prints
//   - start-all and stop-all wall time, per service, and the ratio to the goals for 1,000
//     services (start <= 10 s, stop <= 5 s; below 1,000 the time is scaled linearly to 1,000),
//   - the CPU the batch cost, split into engine + in-process agent and the sidecars (wall time
//     on a loaded machine says little; CPU does not depend on the load),
//   - the engine's resident memory per service, and each sidecar's RSS and PSS (RSS counts the
//     shared libraries in every process, PSS shares them out),
//   - what is left behind after the stop: registrations, processes (the sidecars we saw and any
//     child of this process), port claims.
// Exits non-zero when a start fails, fewer services than asked started, or anything is left
// behind. Bounded: --services services, each start waits at most --timeout-seconds.
//
//   bench_mesh_scale [--services N] [--rounds R] [--timeout-seconds S] [--proxy PATH]
//                    [--proxy-host shared|per_service] [--baseline-services M]
// (--proxy: another meshx-proxy binary, to compare two builds of the sidecar; --proxy-host: the
// engine's proxy_host, per_service by default; --baseline-services M: first run M services with
// the other proxy_host in the same process, the baseline of the ratios printed at the end)

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QThread>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "agent/dev_agent.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "loopback_accepts.h"
#include "mesh/consul_mesh.h"
#include "net/port_claim.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kGoalStartMs = 10000;  // 1,000 services started
constexpr double kGoalStopMs = 5000;    // 1,000 services stopped
constexpr double kGoalServices = 1000;

struct Options {
    int services = 200;
    int rounds = 1;
    int timeoutSeconds = 300;
    std::string proxy = MESHX_BIN_DIR "/meshx-proxy";
    std::string proxyHost = "per_service";
    int baselineServices = 0;
};

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// A "Key:   123 kB" field of a /proc status-like file, in KiB (0 when missing).
long procKiB(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0) {
            return std::stol(line.substr(key.size()));
        }
    }
    return 0;
}

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

// Processes whose parent is this process (a sidecar that outlived its stop would be one).
int childProcesses() {
    int count = 0;
    const std::string self = std::to_string(::getpid());
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return -1;
    }
    while (dirent* e = ::readdir(proc)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        std::ifstream status(std::string("/proc/") + e->d_name + "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("PPid:", 0) == 0) {
                std::string ppid = line.substr(5);
                ppid.erase(0, ppid.find_first_not_of(" \t"));
                count += ppid == self ? 1 : 0;
                break;
            }
        }
    }
    ::closedir(proc);
    return count;
}

// Milliseconds after `t0` until every sidecar registered with the agent listens on its public
// port, or -1 when some do not within `limit`. startBatch itself waits for every meshx-proxy
// sidecar's listener since issue 20.3 ("started means listening"), so this is a cross-check by a
// real connection: it should equal the start time plus one round of connects.
double sidecarsListeningMs(consul::ConsulClient& client, Clock::time_point t0,
                           std::chrono::seconds limit) {
    auto sidecars = client.call(ep::agentServices(R"(Kind == "connect-proxy")"));
    if (!sidecars) {
        return -1;
    }
    std::vector<uint16_t> waiting;
    for (const auto& [id, s] : *sidecars) {
        waiting.push_back(static_cast<uint16_t>(s.port));
    }
    const auto deadline = Clock::now() + limit;
    while (!waiting.empty() && Clock::now() < deadline) {
        std::erase_if(waiting, [](uint16_t port) { return loopbackAcceptsNow(port); });
        if (!waiting.empty()) {
            QThread::msleep(20);  // bounded poll: each round tries every sidecar still waiting
        }
    }
    return waiting.empty() ? ms(Clock::now() - t0) : -1;
}

struct LeftBehind {
    size_t registrations = 0;
    int processes = 0;
    int children = 0;
    int claims = 0;
    bool clean() const {
        return registrations == 0 && processes == 0 && children == 0 && claims == 0;
    }
};

LeftBehind leftBehind(consul::ConsulClient& client, const std::vector<qint64>& pids,
                      const std::vector<uint16_t>& ports, const std::string& claimDir) {
    LeftBehind l;
    const auto services = client.call(ep::agentServices());
    l.registrations = services ? services->size() : 99999;
    for (qint64 pid : pids) {
        l.processes += ::kill(static_cast<pid_t>(pid), 0) == 0 ? 1 : 0;
    }
    l.children = childProcesses();
    for (uint16_t port : ports) {
        auto claim = net::PortClaim::tryClaim(claimDir, net::Address::tcp("127.0.0.1", port));
        l.claims += (!claim || *claim == nullptr) ? 1 : 0;
    }
    return l;
}

// Raises the open-file limit to its hard limit: the engine holds pipes per sidecar.
void raiseFileLimit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

struct RoundFigures {
    size_t started = 0;
    double startMs = 0;
    double stopMs = 0;
    double engineKiBPerService = 0;
    double proxyRssKiB = 0;  // per sidecar
    double proxyPssKiB = 0;  // per sidecar
    double cpuEngineMs = 0;  // per service, engine + in-process agent
    double cpuProxyMs = 0;   // per sidecar, start to exit
    double listeningMs = 0;  // from the start until every sidecar listens; -1: not all did
    size_t sidecars = 0;
    size_t proxyProcesses = 0;
    LeftBehind left;
    int failures = 0;
};

RoundFigures runRound(ConsulMesh& mesh, consul::ConsulClient& client, const ServiceTemplate& tmpl,
                      const Options& o, int round, const std::string& claimDir) {
    RoundFigures f;
    std::vector<ServiceParams> params;
    for (int i = 0; i < o.services; ++i) {
        params.push_back(ServiceParams::namedWithId(
            "scale", "scale-" + std::to_string(round) + "-" + std::to_string(i)));
    }
    const long rssBefore = procKiB("/proc/self/status", "VmRSS:");
    const double cpuSelf0 = cpuSeconds(RUSAGE_SELF);
    const double cpuChildren0 = cpuSeconds(RUSAGE_CHILDREN);
    auto t0 = Clock::now();
    auto results = mesh.startBatch(params, tmpl, false, std::chrono::seconds(o.timeoutSeconds));
    f.startMs = ms(Clock::now() - t0);
    f.listeningMs = sidecarsListeningMs(client, t0, std::chrono::seconds(o.timeoutSeconds));
    const long rssRunning = procKiB("/proc/self/status", "VmRSS:");

    std::vector<std::string> ids;
    std::vector<qint64> pids;
    std::vector<uint16_t> ports;
    long rss = 0;
    long pss = 0;
    for (const auto& r : results) {
        if (!r) {
            if (f.failures++ < 5) {
                std::fprintf(stderr, "start: %s\n", r.error().toString().c_str());
            }
            continue;
        }
        ids.push_back(r->serviceId);
        ports.push_back(r->address.port());
        if (auto info = mesh.proxyInfo(r->serviceId); info && info->pid > 0) {
            ++f.sidecars;
            if (std::find(pids.begin(), pids.end(), info->pid) != pids.end()) {
                continue;  // a proxy host: one process for many sidecars, counted once
            }
            pids.push_back(info->pid);
            const std::string dir = "/proc/" + std::to_string(info->pid);
            rss += procKiB(dir + "/status", "VmRSS:");
            pss += procKiB(dir + "/smaps_rollup", "Pss:");
        }
    }
    f.started = ids.size();
    t0 = Clock::now();
    const auto stopped = mesh.stopBatch(ids);
    f.stopMs = ms(Clock::now() - t0);
    for (const auto& st : stopped) {
        if (!st) {
            if (f.failures++ < 5) {
                std::fprintf(stderr, "stop: %s\n", st.error().toString().c_str());
            }
        }
    }
    f.left = leftBehind(client, pids, ports, claimDir);
    const auto n = static_cast<double>(std::max<size_t>(1, f.started));
    // Per sidecar: a host's memory and CPU are shared out over the sidecars it served.
    const auto np = static_cast<double>(std::max<size_t>(1, f.sidecars));
    f.proxyProcesses = pids.size();
    f.engineKiBPerService = static_cast<double>(rssRunning - rssBefore) / n;
    f.proxyRssKiB = static_cast<double>(rss) / np;
    f.proxyPssKiB = static_cast<double>(pss) / np;
    f.cpuEngineMs = (cpuSeconds(RUSAGE_SELF) - cpuSelf0) * 1000 / n;
    f.cpuProxyMs = (cpuSeconds(RUSAGE_CHILDREN) - cpuChildren0) * 1000 / np;
    return f;
}

void printRound(const RoundFigures& f, const Options& o, const std::string& load) {
    const auto n = static_cast<double>(std::max<size_t>(1, f.started));
    // Linear scaling to 1,000 services when fewer ran; the ratio is goal / time (>= 1 is met).
    const double scale = kGoalServices / n;
    const double start1000 = f.startMs * scale;
    const double stop1000 = f.stopMs * scale;
    std::printf(
        "\n%zu services with meshx-proxy sidecars (proxy_host %s: %zu sidecars in %zu "
        "processes), one startBatch + one stopBatch (asked for %d; load %s)\n",
        f.started, o.proxyHost.c_str(), f.sidecars, f.proxyProcesses, o.services, load.c_str());
    std::printf(
        "  start all %9.0f ms  (%6.2f ms per service)  for 1,000: %7.0f ms, goal 10000 ms, "
        "ratio %.2fx %s\n",
        f.startMs, f.startMs / n, start1000, kGoalStartMs / start1000,
        start1000 <= kGoalStartMs ? "met" : "NOT met");
    std::printf("  every sidecar listening %9.0f ms after the start began%s\n", f.listeningMs,
                f.listeningMs < 0 ? " (NOT all within the timeout)" : "");
    std::printf(
        "  stop all  %9.0f ms  (%6.2f ms per service)  for 1,000: %7.0f ms, goal  5000 ms, "
        "ratio %.2fx %s\n",
        f.stopMs, f.stopMs / n, stop1000, kGoalStopMs / stop1000,
        stop1000 <= kGoalStopMs ? "met" : "NOT met");
    std::printf(
        "  CPU per service: engine + in-process agent %.2f ms, each sidecar %.2f ms "
        "(start to exit); 1,000 services need %.1f CPU-s = %.1f s on %d cores at best\n",
        f.cpuEngineMs, f.cpuProxyMs, (f.cpuEngineMs + f.cpuProxyMs),
        (f.cpuEngineMs + f.cpuProxyMs) / QThread::idealThreadCount(), QThread::idealThreadCount());
    std::printf(
        "  memory: engine (with the in-process agent) %.1f KiB per service; per sidecar "
        "RSS %.0f KiB, PSS %.0f KiB\n",
        f.engineKiBPerService, f.proxyRssKiB, f.proxyPssKiB);
    std::printf(
        "  left behind after stop: %zu registrations, %d sidecar processes, %d child "
        "processes, %d port claims%s\n",
        f.left.registrations, f.left.processes, f.left.children, f.left.claims,
        f.failures ? "  (FAILURES, see stderr)" : "");
}

// One engine with `proxyHost`, `services` services per round; false when a round failed.
bool runEngine(consul::ConsulClient& client, const MeshConfig& base, Options o,
               const std::string& proxyHost, int services, const std::string& claimDir,
               RoundFigures* last) {
    MeshConfig config = base;
    config.proxyHost = proxyHost;
    o.proxyHost = proxyHost;
    o.services = services;
    auto mesh = ConsulMesh::create(client, config);
    if (!mesh) {
        std::fprintf(stderr, "engine: %s\n", mesh.error().toString().c_str());
        return false;
    }
    ServiceTemplate tmpl = (*mesh)->defaultTemplate();
    tmpl.proxy = std::vector<std::string>{o.proxy, "-sidecar-for", "{{id}}"};
    bool ok = true;
    for (int round = 0; round < o.rounds; ++round) {
        const std::string load = loadAverage();
        RoundFigures f = runRound(**mesh, client, tmpl, o, round, claimDir);
        printRound(f, o, load);
        ok = ok && f.failures == 0 && f.started == static_cast<size_t>(services) && f.left.clean();
        *last = f;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--services") {
            o.services = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--rounds") {
            o.rounds = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--timeout-seconds") {
            o.timeoutSeconds = std::max(5, std::atoi(argv[i + 1]));
        } else if (a == "--proxy") {
            o.proxy = argv[i + 1];
        } else if (a == "--proxy-host" && (std::string(argv[i + 1]) == "shared" ||
                                           std::string(argv[i + 1]) == "per_service")) {
            o.proxyHost = argv[i + 1];
        } else if (a == "--baseline-services") {
            o.baselineServices = std::max(0, std::atoi(argv[i + 1]));
        } else {
            std::fprintf(stderr,
                         "usage: bench_mesh_scale [--services N] [--rounds R] "
                         "[--timeout-seconds S] [--proxy PATH] [--proxy-host shared|per_service] "
                         "[--baseline-services M]\n");
            return 2;
        }
    }
    raiseFileLimit();
    // Claims of this run only, so "nothing left behind" counts ours.
    QTemporaryDir claimDir;
    qputenv("MESHX_PORT_CLAIM_DIR", claimDir.path().toUtf8());

    const int most = std::max(o.services, o.baselineServices);
    agent::AgentConfig agentConfig;
    // A sidecar port per service (Consul's default range has 256), and as many again: the range
    // lies among the ephemeral ports, where every sidecar's long-poll connections to the agent
    // (three each) take ports the agent then skips as in use (a 500-service run with only 10
    // spare failed 77 registrations).
    // Below the ephemeral range (32768..60999 on Debian): from 40000, a sidecar's public port
    // could already be the local port of some agent connection, and that sidecar never listens.
    agentConfig.sidecarMinPort = 30000;
    agentConfig.sidecarMaxPort = 30000 + std::max(255, 2 * most + 100);
    agent::DevAgent devAgent(agentConfig, [](agent::LogLevel, const std::string&) {});
    auto bound = devAgent.start(*net::Address::parse("127.0.0.1:0"));
    if (!bound) {
        std::fprintf(stderr, "agent: %s\n", bound.error().toString().c_str());
        return 1;
    }
    MeshConfig config;
    config.agent = *AgentEndpoint::parse(bound->hostPort());
    config.portRangeMin = 20000;
    config.portRangeMax = static_cast<uint16_t>(20000 + std::max(2000, 2 * most));
    auto client = consul::ConsulClient::create(config);
    if (!client) {
        std::fprintf(stderr, "client: %s\n", client.error().toString().c_str());
        return 1;
    }

    std::printf(
        "bench_mesh_scale: %d services, %d round(s), proxy_host %s (baseline: %d services with "
        "the other), %d cores, load %s, sidecar %s\n",
        o.services, o.rounds, o.proxyHost.c_str(), o.baselineServices, QThread::idealThreadCount(),
        loadAverage().c_str(), o.proxy.c_str());
    const std::string claims = claimDir.path().toStdString();
    bool ok = true;
    RoundFigures baseline;
    const std::string other = o.proxyHost == "shared" ? "per_service" : "shared";
    if (o.baselineServices > 0) {
        ok = runEngine(**client, config, o, other, o.baselineServices, claims, &baseline) && ok;
    }
    RoundFigures measured;
    ok = runEngine(**client, config, o, o.proxyHost, o.services, claims, &measured) && ok;
    if (o.baselineServices > 0 && baseline.started > 0 && measured.started > 0) {
        auto per = [](double total, size_t n) { return total / static_cast<double>(n); };
        std::printf(
            "\nproxy_host %s vs %s (per service, same run): start %.2f vs %.2f ms (%.2fx), stop "
            "%.2f vs %.2f ms (%.2fx), CPU engine + agent + sidecar %.2f vs %.2f ms (%.2fx)\n",
            o.proxyHost.c_str(), other.c_str(), per(measured.startMs, measured.started),
            per(baseline.startMs, baseline.started),
            per(baseline.startMs, baseline.started) / per(measured.startMs, measured.started),
            per(measured.stopMs, measured.started), per(baseline.stopMs, baseline.started),
            per(baseline.stopMs, baseline.started) / per(measured.stopMs, measured.started),
            measured.cpuEngineMs + measured.cpuProxyMs, baseline.cpuEngineMs + baseline.cpuProxyMs,
            (baseline.cpuEngineMs + baseline.cpuProxyMs) /
                (measured.cpuEngineMs + measured.cpuProxyMs));
    }
    std::printf("\nload at the end %s\n", loadAverage().c_str());
    devAgent.stop();
    return ok ? 0 : 1;
}
