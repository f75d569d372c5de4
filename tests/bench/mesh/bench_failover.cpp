// Failover under continuous load (issue 14), every part real: a `meshx-agent -dev` process, two
// providers as `meshx rpc-serve --service NAME` (each with its meshx-proxy sidecar) and the caller
//
//   meshx rpc-call --upstream NAME --fn do_work --count N --concurrency 20 --pool-size 20
//
// whose per-call lines are stamped as they arrive. Four runs, each on a fresh pair of providers:
//   baseline  no kill: calls/s over the same window as the others;
//   provider  provider a SIGKILLed once a quarter of the calls are done (its sidecar dies too);
//   sidecar   only provider a's sidecar (meshx-proxy) SIGKILLed at the same point;
//   orphan    provider a SIGKILLed while its sidecar, run as a process of its own, lives on
//             (accepting connections for a dead service; the agent keeps a passing for 10 s).
// For each: failed calls, slowest call, calls/s in the second before the kill, the second after
// it (during) and the second after that (after), the dip (during / before), and every rate as a
// ratio to the baseline's rate over the same window.
//
// Bounded: each run stops at --count calls or after --max-seconds.
//
//   bench_failover [--count N] [--max-seconds S] [--min-sleep MS] [--max-sleep MS]

#include <signal.h>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>
#include <string>

#include "agent_process.h"
#include "consul/consul_client.h"
#include "rpc_call_run.h"
#include "rpc_serve_process.h"

using nlohmann::json;

namespace {

struct Options {
    int count = 6000;
    double maxSeconds = 240;
    int minSleep = 10;  // rpc-serve's defaults, as the user ran it
    int maxSleep = 100;
};

enum class Kill { None, Provider, Sidecar, ProviderWithSidecarAlive };

struct Figures {
    std::string name;
    bool ok = false;
    size_t calls = 0;
    int failed = 0;
    double slowestMs = 0;
    double slowestSinceKillMs = 0;  // among the calls that completed from the kill on
    double killAtMs = 0;
    double before = 0, during = 0, after = 0;  // calls/s
    double elapsedMs = 0;
    json resends;  // from the caller's summary, when its client pool reports them
};

struct Rig {
    QTemporaryDir dir;
    QProcessEnvironment env;
    QString agentAddress;
    Options options;
};

// True once the agent lists the service `id`.
bool registered(const Rig& rig, const std::string& id) {
    meshx::MeshConfig config;
    auto ep = meshx::AgentEndpoint::parse(rig.agentAddress.toStdString());
    if (!ep) {
        return false;
    }
    config.agent = *ep;
    auto client = meshx::consul::ConsulClient::create(config);
    if (!client) {
        return false;
    }
    meshx::consul::Request request;
    request.path = "/agent/services";
    auto r = (*client)->send(request);
    return r && json::parse(r->body, nullptr, false).contains(id);
}

// Provider a with its sidecar as a separate meshx-proxy process (a template without a proxy
// command), so killing the provider leaves the sidecar running.
bool startWithOwnSidecar(Rig& rig, RpcServeProcess& a, QProcess& sidecar, const QStringList& args,
                         const QString& id) {
    if (!a.launch(args + QStringList{"--id", id, "--template", "external-sidecar"}, rig.env,
                  rig.dir.filePath(id + ".err"))) {
        return false;
    }
    QDeadlineTimer deadline(30000);
    while (!registered(rig, id.toStdString() + "-sidecar-proxy")) {
        if (deadline.hasExpired()) {
            return false;
        }
        QThread::msleep(50);  // polling the agent with a deadline
    }
    sidecar.setStandardOutputFile(rig.dir.filePath(id + "-sidecar.log"));
    sidecar.setStandardErrorFile(rig.dir.filePath(id + "-sidecar.err"));
    sidecar.start(meshxBinary(QStringLiteral("meshx-proxy")),
                  {"-sidecar-for", id, "-http-addr", rig.agentAddress});
    return sidecar.waitForStarted(10000) && a.waitReady();
}

Figures run(Rig& rig, const std::string& name, Kill kill) {
    Figures f;
    f.name = name;
    const QString service = QString::fromStdString("bench-" + name);
    const QStringList common = {"--service",   service,
                                "--min-sleep", QString::number(rig.options.minSleep),
                                "--max-sleep", QString::number(rig.options.maxSleep)};
    RpcServeProcess a, b;
    QProcess ownSidecar;
    const bool aStarted = kill == Kill::ProviderWithSidecarAlive
                              ? startWithOwnSidecar(rig, a, ownSidecar, common, service + "-a")
                              : a.start(common + QStringList{"--id", service + "-a"}, rig.env,
                                        rig.dir.filePath(service + "-a.err"));
    if (!aStarted || !b.start(common + QStringList{"--id", service + "-b"}, rig.env,
                              rig.dir.filePath(service + "-b.err"))) {
        std::fprintf(stderr, "%s: a provider did not start:\n%s\n%s\n", name.c_str(),
                     qPrintable(a.errors().right(2000)), qPrintable(b.errors().right(2000)));
        return f;
    }
    RpcCallRun caller;
    if (!caller.start(
            {"--upstream", service, "--proxy", service + "-caller", "--fn", "do_work", "--count",
             QString::number(rig.options.count), "--concurrency", "20", "--pool-size", "20"},
            rig.env, rig.dir.filePath(service + "-caller.err"))) {
        std::fprintf(stderr, "%s: meshx rpc-call did not start\n", name.c_str());
        return f;
    }
    // The kill point is a call count (start-up time varies with the machine's load); the
    // baseline marks the same point without killing, and its windows sit there.
    const size_t killAfter = static_cast<size_t>(rig.options.count / 4);
    bool killed = false;
    const pid_t sidecar = a.sidecarPid();
    while (caller.poll(20)) {
        if (caller.elapsedMs() > rig.options.maxSeconds * 1000) {
            std::fprintf(stderr, "%s: stopped after %.0f s\n", name.c_str(),
                         rig.options.maxSeconds);
            caller.kill();
            break;
        }
        if (!killed && caller.calls().size() >= killAfter) {
            killed = true;
            f.killAtMs = caller.elapsedMs();
            if (kill == Kill::Provider || kill == Kill::ProviderWithSidecarAlive) {
                a.sigkill();
            } else if (kill == Kill::Sidecar && sidecar != 0) {
                ::kill(sidecar, SIGKILL);
            }
        }
    }
    f.calls = caller.calls().size();
    f.failed = caller.failed();
    f.slowestMs = caller.slowestMs();
    f.slowestSinceKillMs = caller.slowestMs(f.killAtMs);
    f.before = caller.callsPerSecond(f.killAtMs - 1000, f.killAtMs);
    f.during = caller.callsPerSecond(f.killAtMs, f.killAtMs + 1000);
    f.after = caller.callsPerSecond(f.killAtMs + 1000, f.killAtMs + 2000);
    f.elapsedMs = caller.elapsedMs();
    f.resends = caller.summary().value("resends", json());
    f.ok = killed && f.calls == static_cast<size_t>(rig.options.count);
    if (kill == Kill::Sidecar && sidecar == 0) {
        std::fprintf(stderr, "%s: no sidecar process found to kill\n", name.c_str());
        f.ok = false;
    }
    b.terminate();
    a.kill();
    if (ownSidecar.state() != QProcess::NotRunning) {
        ownSidecar.terminate();
        if (!ownSidecar.waitForFinished(10000)) {
            ownSidecar.kill();
            ownSidecar.waitForFinished(5000);
        }
    }
    return f;
}

double ratio(double x, double base) {
    return base > 0 ? x / base : 0;
}

void print(const Figures& f, const Figures& base) {
    std::printf("%-9s %6zu %6d %9.1f %9.1f %9.1f %9.1f %9.1f %6.2f   %5.2f %5.2f %5.2f%s\n",
                f.name.c_str(), f.calls, f.failed, f.slowestMs, f.slowestSinceKillMs, f.before,
                f.during, f.after, ratio(f.during, f.before), ratio(f.before, base.before),
                ratio(f.during, base.during), ratio(f.after, base.after),
                f.ok ? "" : "   (incomplete run)");
    json j = {{"run", f.name},
              {"calls", f.calls},
              {"failed", f.failed},
              {"slowest_ms", f.slowestMs},
              {"slowest_since_kill_ms", f.slowestSinceKillMs},
              {"calls_per_s", {{"before", f.before}, {"during", f.during}, {"after", f.after}}},
              {"dip_ratio", ratio(f.during, f.before)},
              {"resends", f.resends},
              {"vs_baseline",
               {{"before", ratio(f.before, base.before)},
                {"during", ratio(f.during, base.during)},
                {"after", ratio(f.after, base.after)}}}};
    std::fprintf(stderr, "%s\n", j.dump().c_str());
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    Rig rig;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        const QString& k = args[i];
        const int v = args[i + 1].toInt();
        if (k == "--count") {
            rig.options.count = std::max(400, v);
        } else if (k == "--max-seconds") {
            rig.options.maxSeconds = std::max(10, v);
        } else if (k == "--min-sleep") {
            rig.options.minSleep = v;
        } else if (k == "--max-sleep") {
            rig.options.maxSleep = v;
        } else {
            std::fprintf(stderr,
                         "usage: bench_failover [--count N] [--max-seconds S] [--min-sleep MS] "
                         "[--max-sleep MS]\n");
            return 2;
        }
    }
    AgentProcess agent(0);
    if (!agent.ok() || !rig.dir.isValid()) {
        std::fprintf(stderr, "meshx-agent did not start: %s\n", qPrintable(agent.output()));
        return 1;
    }
    const QString configPath = rig.dir.filePath(QStringLiteral("config.json"));
    QFile f(configPath);
    if (!f.open(QIODevice::WriteOnly)) {
        return 1;
    }
    // `external-sidecar`: the default template without a proxy command (the orphan run).
    f.write(
        QByteArray::fromStdString(json{{"port_range", {{"min", 37100}, {"max", 37999}}},
                                       {"start_timeout_ms", 30000},
                                       {"templates", {{"external-sidecar", {{"proxy", nullptr}}}}}}
                                      .dump()));
    f.close();
    rig.env = QProcessEnvironment::systemEnvironment();
    rig.env.insert(QStringLiteral("MESHX_CONFIG"), configPath);
    rig.env.insert(QStringLiteral("CONSUL_HTTP_ADDR"), agent.address());
    rig.agentAddress = agent.address();
    rig.env.remove(QStringLiteral("CONSUL_HTTP_TOKEN"));

    std::printf(
        "failover under load: %d do_work calls (sleep %d..%d ms), 20 in parallel, pool 20,\n"
        "kill after %d calls; rates in calls/s over 1 s windows around the kill\n\n",
        rig.options.count, rig.options.minSleep, rig.options.maxSleep, rig.options.count / 4);
    const Figures base = run(rig, "baseline", Kill::None);
    const Figures provider = run(rig, "provider", Kill::Provider);
    const Figures sidecar = run(rig, "sidecar", Kill::Sidecar);
    const Figures orphan = run(rig, "orphan", Kill::ProviderWithSidecarAlive);
    // slowest: over the whole run (includes the pool's warm-up); from kill: calls that completed
    // from the kill on.
    std::printf("%-9s %6s %6s %9s %9s %9s %9s %9s %6s   %-17s\n", "kill", "calls", "failed",
                "slowest", "from kill", "before/s", "during/s", "after/s", "dip",
                "vs baseline b/d/a");
    for (const Figures* r : {&base, &provider, &sidecar, &orphan}) {
        print(*r, base);
    }
    std::fflush(stdout);
    return base.ok && provider.ok && sidecar.ok && orphan.ok ? 0 : 1;
}
